package types

import "strings"

// GroupVersion names an API group at one version, e.g. apps/v1. The core group is the empty string.
type GroupVersion struct {
	Group   string
	Version string
}

// String formats the group version as it appears in apiVersion: "v1" for the core group, "apps/v1" otherwise.
func (gv GroupVersion) String() string {
	if gv.Group == "" {
		return gv.Version
	}
	return gv.Group + "/" + gv.Version
}

// ParseGroupVersion splits an apiVersion string ("v1", "apps/v1") into its group and version. It reports false
// when the string has more than one slash or an empty part.
func ParseGroupVersion(apiVersion string) (GroupVersion, bool) {
	group, version, found := strings.Cut(apiVersion, "/")
	if !found {
		return GroupVersion{Version: apiVersion}, apiVersion != ""
	}
	if group == "" || version == "" || strings.Contains(version, "/") {
		return GroupVersion{}, false
	}
	return GroupVersion{Group: group, Version: version}, true
}

// WithKind returns the GroupVersionKind of kind in this group version.
func (gv GroupVersion) WithKind(kind string) GroupVersionKind {
	return GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: kind}
}

// WithResource returns the GroupVersionResource of resource in this group version.
func (gv GroupVersion) WithResource(resource string) GroupVersionResource {
	return GroupVersionResource{Group: gv.Group, Version: gv.Version, Resource: resource}
}

// GroupVersionKind names a kind at one version, e.g. apps/v1 Deployment.
type GroupVersionKind struct {
	Group   string
	Version string
	Kind    string
}

// GroupVersion returns the group and version of gvk.
func (gvk GroupVersionKind) GroupVersion() GroupVersion {
	return GroupVersion{Group: gvk.Group, Version: gvk.Version}
}

// GroupKind returns the group and kind of gvk.
func (gvk GroupVersionKind) GroupKind() GroupKind { return GroupKind{Group: gvk.Group, Kind: gvk.Kind} }

// String formats gvk as "apps/v1, Kind=Deployment", the form apimachinery prints.
func (gvk GroupVersionKind) String() string {
	return gvk.GroupVersion().String() + ", Kind=" + gvk.Kind
}

// GroupVersionResource names a resource (the plural path segment) at one version, e.g. apps/v1 deployments.
type GroupVersionResource struct {
	Group    string
	Version  string
	Resource string
}

// GroupVersion returns the group and version of gvr.
func (gvr GroupVersionResource) GroupVersion() GroupVersion {
	return GroupVersion{Group: gvr.Group, Version: gvr.Version}
}

// GroupResource returns the group and resource of gvr.
func (gvr GroupVersionResource) GroupResource() GroupResource {
	return GroupResource{Group: gvr.Group, Resource: gvr.Resource}
}

// String formats gvr as "apps/v1, Resource=deployments".
func (gvr GroupVersionResource) String() string {
	return gvr.GroupVersion().String() + ", Resource=" + gvr.Resource
}

// GroupResource names a resource regardless of version. Its String form ("pods", "deployments.apps") is the one
// kube-apiserver uses in error messages.
type GroupResource struct {
	Group    string
	Resource string
}

// String formats gr as "pods" for the core group and "deployments.apps" otherwise.
func (gr GroupResource) String() string {
	if gr.Group == "" {
		return gr.Resource
	}
	return gr.Resource + "." + gr.Group
}

// GroupKind names a kind regardless of version. Its String form ("Pod", "Deployment.apps") is the one
// kube-apiserver uses in Invalid errors.
type GroupKind struct {
	Group string
	Kind  string
}

// String formats gk as "Pod" for the core group and "Deployment.apps" otherwise.
func (gk GroupKind) String() string {
	if gk.Group == "" {
		return gk.Kind
	}
	return gk.Kind + "." + gk.Group
}
