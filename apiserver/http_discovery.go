package apiserver

import (
	"encoding/json"
	"net/http"
	"runtime"
	"sort"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// KubernetesVersion is the Kubernetes release whose API behaviour kubemem reproduces, as /version reports it.
const KubernetesVersion = "v1.37.1"

func (h *handler) serveVersion(w http.ResponseWriter) {
	body, _ := json.Marshal(map[string]string{
		"major": "1", "minor": "37", "gitVersion": KubernetesVersion + "+kubemem", "gitCommit": "", "gitTreeState": "clean",
		"buildDate": "", "goVersion": runtime.Version(), "compiler": runtime.Compiler, "platform": runtime.GOOS + "/" + runtime.GOARCH,
	})
	writeJSON(w, http.StatusOK, body)
}

// groupVersions returns the served group versions, core first, then groups sorted by name, each group's versions in
// kube's priority order.
func (s *Server) groupVersions() []types.GroupVersion { return s.registry().groupVersions() }

type groupVersionForDiscovery struct {
	GroupVersion string `json:"groupVersion"`
	Version      string `json:"version"`
}

type apiGroup struct {
	Kind             string                     `json:"kind,omitempty"`
	APIVersion       string                     `json:"apiVersion,omitempty"`
	Name             string                     `json:"name"`
	Versions         []groupVersionForDiscovery `json:"versions"`
	PreferredVersion groupVersionForDiscovery   `json:"preferredVersion"`
}

func (s *Server) apiGroups() []apiGroup {
	var groups []apiGroup
	index := map[string]int{}
	for _, gv := range s.groupVersions() {
		if gv.Group == "" {
			continue
		}
		d := groupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}
		if i, ok := index[gv.Group]; ok {
			groups[i].Versions = append(groups[i].Versions, d)
			continue
		}
		index[gv.Group] = len(groups)
		groups = append(groups, apiGroup{Name: gv.Group, Versions: []groupVersionForDiscovery{d}, PreferredVersion: d})
	}
	return groups
}

// wantsAggregated reports whether the client asked for aggregated discovery (apidiscovery.k8s.io/v2).
func wantsAggregated(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if strings.Contains(part, "as=APIGroupDiscoveryList") && strings.Contains(part, "g=apidiscovery.k8s.io") && strings.Contains(part, "v=v2") && !strings.Contains(part, "v=v2beta1") {
			return true
		}
		if strings.TrimSpace(part) == mediaJSON {
			return false
		}
	}
	return false
}

func (h *handler) serveAPIVersions(w http.ResponseWriter, r *http.Request) {
	if wantsAggregated(r) {
		h.serveAggregated(w, true)
		return
	}
	body, _ := json.Marshal(map[string]any{
		"kind": "APIVersions", "versions": []string{"v1"},
		"serverAddressByClientCIDRs": []map[string]string{{"clientCIDR": "0.0.0.0/0", "serverAddress": r.Host}},
	})
	writeJSON(w, http.StatusOK, body)
}

func (h *handler) serveAPIGroups(w http.ResponseWriter, r *http.Request) {
	if wantsAggregated(r) {
		h.serveAggregated(w, false)
		return
	}
	body, _ := json.Marshal(map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": h.s.apiGroups()})
	writeJSON(w, http.StatusOK, body)
}

// isGroupPath reports whether p is /apis/{group}.
func isGroupPath(p string) bool {
	parts := splitPath(p)
	return len(parts) == 2 && parts[0] == "apis"
}

// isGroupVersionPath reports whether p is /api/v1 or /apis/{group}/{version}.
func isGroupVersionPath(p string) bool {
	parts := splitPath(p)
	return len(parts) == 2 && parts[0] == "api" || len(parts) == 3 && parts[0] == "apis"
}

func (h *handler) serveAPIGroup(w http.ResponseWriter, p string) {
	name := splitPath(p)[1]
	for _, g := range h.s.apiGroups() {
		if g.Name == name {
			g.Kind, g.APIVersion = "APIGroup", "v1"
			body, _ := json.Marshal(g)
			writeJSON(w, http.StatusOK, body)
			return
		}
	}
	writeError(w, notFound())
}

// apiResource is one entry of an APIResourceList.
type apiResource struct {
	Name         string   `json:"name"`
	SingularName string   `json:"singularName"`
	Namespaced   bool     `json:"namespaced"`
	Group        string   `json:"group,omitempty"`
	Version      string   `json:"version,omitempty"`
	Kind         string   `json:"kind"`
	Verbs        []string `json:"verbs"`
	ShortNames   []string `json:"shortNames,omitempty"`
	Categories   []string `json:"categories,omitempty"`
}

// resourceVerbs are the verbs every registered resource serves.
var resourceVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// discoveryResources lists the resources of gv with their served subresources.
func (s *Server) discoveryResources(gv types.GroupVersion) []apiResource {
	var rs []*Resource
	for gvr, r := range s.registry().resources {
		if gvr.GroupVersion() == gv {
			rs = append(rs, r)
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].GVR.Resource < rs[j].GVR.Resource })
	var out []apiResource
	for _, r := range rs {
		out = append(out, apiResource{Name: r.GVR.Resource, SingularName: r.Singular, Namespaced: r.Namespaced, Kind: r.Kind,
			Verbs: r.verbs(), ShortNames: r.ShortNames, Categories: r.Categories})
		for _, sub := range r.Subresources {
			if d, ok := subresourceDiscovery(r, sub); ok {
				out = append(out, d)
			}
		}
	}
	return out
}

// subresourceDiscovery describes a served subresource as discovery lists it ("deployments/scale" and so on).
func subresourceDiscovery(r *Resource, sub string) (apiResource, bool) {
	d := apiResource{Name: r.GVR.Resource + "/" + sub, Namespaced: r.Namespaced, Kind: r.Kind}
	switch sub {
	case "status":
		d.Verbs = []string{"get", "patch", "update"}
	case "scale":
		d.Group, d.Version, d.Kind, d.Verbs = "autoscaling", "v1", "Scale", []string{"get", "patch", "update"}
	case "log":
		d.Verbs = []string{"get"}
	case "binding":
		d.Kind, d.Verbs = "Binding", []string{"create"}
	case "eviction":
		d.Group, d.Version, d.Kind, d.Verbs = "policy", "v1", "Eviction", []string{"create"}
	default:
		return d, false // not served (yet): not advertised
	}
	return d, true
}

func (h *handler) serveResourceList(w http.ResponseWriter, p string) {
	parts := splitPath(p)
	gv := types.GroupVersion{Version: parts[1]}
	if parts[0] == "apis" {
		gv = types.GroupVersion{Group: parts[1], Version: parts[2]}
	}
	rs := h.s.discoveryResources(gv)
	if len(rs) == 0 {
		writeError(w, notFound())
		return
	}
	body, _ := json.Marshal(map[string]any{"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv.String(), "resources": rs})
	writeJSON(w, http.StatusOK, body)
}

// serveAggregated answers apidiscovery.k8s.io/v2 APIGroupDiscoveryList: the legacy core group for /api, the named
// groups for /apis.
func (h *handler) serveAggregated(w http.ResponseWriter, core bool) {
	type subresource struct {
		Subresource  string            `json:"subresource"`
		ResponseKind map[string]string `json:"responseKind"`
		Verbs        []string          `json:"verbs"`
	}
	type resource struct {
		Resource         string            `json:"resource"`
		Subresources     []subresource     `json:"subresources,omitempty"`
		ResponseKind     map[string]string `json:"responseKind"`
		Scope            string            `json:"scope"`
		SingularResource string            `json:"singularResource"`
		Verbs            []string          `json:"verbs"`
		ShortNames       []string          `json:"shortNames,omitempty"`
		Categories       []string          `json:"categories,omitempty"`
	}
	type version struct {
		Version   string     `json:"version"`
		Resources []resource `json:"resources"`
		Freshness string     `json:"freshness"`
	}
	type group struct {
		Metadata map[string]string `json:"metadata"`
		Versions []version         `json:"versions"`
	}
	var items []group
	index := map[string]int{}
	for _, gv := range h.s.groupVersions() {
		if (gv.Group == "") != core {
			continue
		}
		v := version{Version: gv.Version, Freshness: "Current"}
		for _, r := range h.s.discoveryResources(gv) {
			if parent, sub, ok := strings.Cut(r.Name, "/"); ok {
				last := &v.Resources[len(v.Resources)-1]
				if last.Resource == parent {
					g, ver := r.Group, r.Version
					if g == "" && ver == "" {
						g, ver = gv.Group, gv.Version
					}
					last.Subresources = append(last.Subresources, subresource{Subresource: sub, Verbs: r.Verbs,
						ResponseKind: map[string]string{"group": g, "version": ver, "kind": r.Kind}})
				}
				continue
			}
			scope := "Cluster"
			if r.Namespaced {
				scope = "Namespaced"
			}
			v.Resources = append(v.Resources, resource{Resource: r.Name, Scope: scope, SingularResource: r.SingularName, Verbs: r.Verbs,
				ShortNames: r.ShortNames, Categories: r.Categories, ResponseKind: map[string]string{"group": gv.Group, "version": gv.Version, "kind": r.Kind}})
		}
		if i, ok := index[gv.Group]; ok {
			items[i].Versions = append(items[i].Versions, v)
			continue
		}
		index[gv.Group] = len(items)
		items = append(items, group{Metadata: map[string]string{"name": gv.Group}, Versions: []version{v}})
	}
	if items == nil {
		items = []group{}
	}
	body, _ := json.Marshal(map[string]any{"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": map[string]string{}, "items": items})
	w.Header().Set("Content-Type", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
