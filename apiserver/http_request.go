package apiserver

import (
	"net/http"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// requestInfo is what a resource request's path and method say, parsed the way kube-apiserver's RequestInfoFactory
// parses them.
type requestInfo struct {
	gv          types.GroupVersion
	namespace   string
	resource    string
	name        string
	subresource string
	// watchPrefix is set for the deprecated /watch/ path forms (SEMANTICS X-1).
	watchPrefix bool
	// verb is get, list, watch, create, update, patch, delete or deletecollection.
	verb string
}

// namespaceSubresources are the subresources of a namespace, which follow namespaces/{name} directly.
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

// parseResourcePath parses /api/v1/... and /apis/{group}/{version}/... resource paths. It reports false for paths
// that name no resource (discovery paths and unknown prefixes).
func parseResourcePath(r *http.Request) (requestInfo, bool) {
	parts := splitPath(r.URL.Path)
	var info requestInfo
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		info.gv = types.GroupVersion{Version: parts[1]}
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		info.gv = types.GroupVersion{Group: parts[1], Version: parts[2]}
		parts = parts[3:]
	default:
		return info, false
	}
	if parts[0] == "watch" {
		info.watchPrefix = true
		parts = parts[1:]
		if len(parts) == 0 {
			return info, false
		}
	}
	if parts[0] == "namespaces" && len(parts) > 1 {
		info.namespace = parts[1]
		if len(parts) > 2 && !namespaceSubresources[parts[2]] {
			parts = parts[2:]
		} else {
			// namespaces/{name}[/{subresource}]: the namespace object itself.
			info.namespace = ""
		}
	}
	info.resource = parts[0]
	if len(parts) > 1 {
		info.name = parts[1]
	}
	if len(parts) > 2 {
		info.subresource = parts[2]
	}
	if len(parts) > 3 {
		return info, false
	}
	info.verb = verbFor(r, &info)
	return info, true
}

// verbFor maps the HTTP method to a Kubernetes verb.
func verbFor(r *http.Request, info *requestInfo) string {
	collection := info.name == ""
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q := r.URL.Query().Get("watch")
		if info.watchPrefix || q == "true" || q == "1" {
			return "watch"
		}
		if collection {
			return "list"
		}
		return "get"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if collection {
			return "deletecollection"
		}
		return "delete"
	}
	return ""
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
