package apiserver

import (
	"strconv"

	"github.com/kubemem/kubemem/types"
)

// GenerationRule says when a kind's metadata.generation is set and bumped (each kind's strategy decides in
// kube-apiserver; SEMANTICS V-1).
type GenerationRule uint8

const (
	// GenerationNone leaves metadata.generation unset.
	GenerationNone GenerationRule = iota
	// GenerationSpec sets generation 1 on create and bumps it when spec changes.
	GenerationSpec
	// GenerationSpecOrAnnotations bumps generation when spec or metadata.annotations change (deployments).
	GenerationSpecOrAnnotations
	// GenerationBody bumps generation when anything outside metadata and status changes (kinds without spec, such
	// as endpointslices).
	GenerationBody
	// GenerationNotMetadata bumps generation when anything outside metadata changes (custom resources; with a status
	// subresource, the main resource cannot change status, and the status subresource never bumps generation).
	GenerationNotMetadata
)

// NameRule is how a kind validates metadata.name.
type NameRule uint8

const (
	// NameDNSSubdomain: an RFC 1123 subdomain (most kinds).
	NameDNSSubdomain NameRule = iota
	// NameDNSLabel: an RFC 1123 label (namespaces).
	NameDNSLabel
	// NameDNS1035Label: an RFC 1035 label (services).
	NameDNS1035Label
	// NamePathSegment: anything usable as a path segment (RBAC kinds).
	NamePathSegment
)

// Resource describes one served resource: its names, scope and the strategy rules the verbs apply. A Resource is
// immutable once registered.
type Resource struct {
	// GVR is the group, version and plural resource name.
	GVR types.GroupVersionResource
	// Kind is the kind of the objects, ListKind the kind of lists (Kind+"List" when empty).
	Kind, ListKind string
	// Singular is the singular name, ShortNames the kubectl short names, Categories the kubectl categories
	// (such as "all").
	Singular   string
	ShortNames []string
	Categories []string
	// Namespaced reports whether objects live in namespaces.
	Namespaced bool
	// Subresources lists the served subresources, such as "status" and "scale".
	Subresources []string
	// AllowCreateOnUpdate lets an update of a missing object create it (SEMANTICS W-5).
	AllowCreateOnUpdate bool
	// AllowUnconditionalUpdate lets an update without metadata.resourceVersion overwrite the latest version
	// (SEMANTICS W-4).
	AllowUnconditionalUpdate bool
	// ReturnDeletedObject makes a delete answer with the deleted object instead of a Success status (W-7).
	ReturnDeletedObject bool
	// Generation is when metadata.generation is set and bumped.
	Generation GenerationRule
	// Name is how metadata.name is validated.
	Name NameRule
	// Fields lists the field selector paths the kind supports besides metadata.name and metadata.namespace.
	Fields []string

	fieldAliases map[string]string // field selector paths that read another field
	fieldZero    map[string]string // what unset selectable fields compare as (kube formats the Go zero value)
	// createStatus is the status a create stores, whatever the client sent (kube's PrepareForCreate), for kinds with
	// a status subresource; keepStatus marks kinds (nodes) that keep the status they are created with.
	createStatus string
	keepStatus   bool
	// noDeleteCollection marks kinds whose storage has no DeleteCollection (namespaces): the verb answers 405 and
	// discovery leaves it out.
	noDeleteCollection bool
	prefix             string // storage key prefix: "/<group or core>/<resource>/"
	// custom is set for the served versions of custom resources (custom.go).
	custom *customResource
	fields *lazyFieldManager // records managedFields (fields.go)
}

// GroupResource returns the group and resource, the form error messages use ("pods", "deployments.apps").
func (r *Resource) GroupResource() types.GroupResource { return r.GVR.GroupResource() }

// GroupKind returns the group and kind, the form Invalid errors use ("Pod", "Deployment.apps").
func (r *Resource) GroupKind() types.GroupKind {
	return types.GroupKind{Group: r.GVR.Group, Kind: r.Kind}
}

// TypeMeta returns the kind and apiVersion of the resource's objects.
func (r *Resource) TypeMeta() types.TypeMeta {
	return types.TypeMeta{Kind: r.Kind, APIVersion: r.GVR.GroupVersion().String()}
}

// ListTypeMeta returns the kind and apiVersion of the resource's lists.
func (r *Resource) ListTypeMeta() types.TypeMeta {
	return types.TypeMeta{Kind: r.ListKind, APIVersion: r.GVR.GroupVersion().String()}
}

// verbs returns the verbs the resource serves, as discovery lists them.
func (r *Resource) verbs() []string {
	if r.noDeleteCollection {
		return []string{"create", "delete", "get", "list", "patch", "update", "watch"}
	}
	return resourceVerbs
}

// HasSubresource reports whether the resource serves the named subresource.
func (r *Resource) HasSubresource(name string) bool {
	for _, s := range r.Subresources {
		if s == name {
			return true
		}
	}
	return false
}

// fieldSelectorField checks a field selector path and returns the field it reads: kinds with their own selectable
// fields answer "field label not supported" for others (and, when cluster-scoped, for metadata.namespace), kinds with
// none list the two metadata fields; aliases (pods' spec.host) map to their field.
func (r *Resource) fieldSelectorField(field string) (string, error) {
	if alias, ok := r.fieldAliases[field]; ok {
		return alias, nil
	}
	if len(r.Fields) == 0 {
		if field == "metadata.name" || field == "metadata.namespace" {
			return field, nil
		}
		return "", types.NewBadRequest(strconv.Quote(field) + ` is not a known field selector: only "metadata.name", "metadata.namespace"`)
	}
	if field == "metadata.name" || field == "metadata.namespace" && r.Namespaced {
		return field, nil
	}
	for _, f := range r.Fields {
		if f == field {
			return field, nil
		}
	}
	return "", types.NewBadRequest("field label not supported: " + field)
}

// printer returns the Table form of r's objects.
func (r *Resource) printer() printer {
	if r.custom != nil {
		return r.custom.printer
	}
	return printerFor(r.GVR)
}

// complete fills derived fields.
func (r *Resource) complete() {
	r.fields = &lazyFieldManager{}
	if r.HasSubresource("status") && r.createStatus == "" && !r.keepStatus && r.custom == nil {
		r.createStatus = "{}"
	}
	if r.ListKind == "" {
		r.ListKind = r.Kind + "List"
	}
	group := r.GVR.Group
	if group == "" {
		group = "core"
	}
	r.prefix = "/" + group + "/" + r.GVR.Resource + "/"
}

// collectionPrefix returns the key prefix of the objects of namespace ns ("" for all namespaces or for a
// cluster-scoped resource).
func (r *Resource) collectionPrefix(ns string) string {
	if !r.Namespaced || ns == "" {
		return r.prefix
	}
	return r.prefix + ns + "/"
}

// key returns the storage key of an object. Keys sort byte-wise by "<namespace>/<name>" (SEMANTICS S-4).
func (r *Resource) key(ns, name string) string {
	if !r.Namespaced {
		return r.prefix + name
	}
	return r.prefix + ns + "/" + name
}
