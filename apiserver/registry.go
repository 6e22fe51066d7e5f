package apiserver

import (
	"sort"
	"strconv"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// registry is the set of resources a Server serves at one moment: the built-in resources and the custom resources of
// its established CustomResourceDefinitions. A registry is immutable: a Server swaps in a new one (Server.reg) when a
// CRD changes, so readers load the current one without locking.
type registry struct {
	resources map[types.GroupVersionResource]*Resource
	// custom holds the served versions of each CRD, by CRD name; a CRD that is not established has none.
	custom map[string][]*Resource
}

// newBuiltinRegistry returns the registry of a new Server: the built-in resources only.
func newBuiltinRegistry() *registry {
	builtins := builtinResources()
	reg := &registry{resources: make(map[types.GroupVersionResource]*Resource, len(builtins)), custom: map[string][]*Resource{}}
	for i := range builtins {
		r := &builtins[i]
		r.complete()
		reg.resources[r.GVR] = r
	}
	return reg
}

// builtinOnly returns reg without its custom resources.
func (reg *registry) builtinOnly() *registry {
	next := &registry{resources: make(map[types.GroupVersionResource]*Resource, len(reg.resources)), custom: map[string][]*Resource{}}
	for gvr, r := range reg.resources {
		if r.custom == nil {
			next.resources[gvr] = r
		}
	}
	return next
}

// withCustom returns a copy of reg in which the CRD name serves rs (nothing when rs is empty). A custom resource never
// replaces a built-in one.
func (reg *registry) withCustom(name string, rs []*Resource) *registry {
	next := &registry{resources: make(map[types.GroupVersionResource]*Resource, len(reg.resources)+len(rs)),
		custom: make(map[string][]*Resource, len(reg.custom)+1)}
	for gvr, r := range reg.resources {
		next.resources[gvr] = r
	}
	for n, old := range reg.custom {
		next.custom[n] = old
	}
	for _, old := range reg.custom[name] {
		if next.resources[old.GVR] == old {
			delete(next.resources, old.GVR)
		}
	}
	delete(next.custom, name)
	var served []*Resource
	for _, r := range rs {
		if cur, taken := next.resources[r.GVR]; taken && cur.custom == nil {
			continue
		}
		next.resources[r.GVR] = r
		served = append(served, r)
	}
	if len(served) > 0 {
		next.custom[name] = served
	}
	return next
}

// registry returns the resources the server serves now.
func (s *Server) registry() *registry { return s.reg.Load() }

// groupVersions returns the served group versions: core first, then the groups by name, each group's versions in
// kube's priority order (v2, v1, v1beta2, v1beta1, v1alpha1, then other names alphabetically).
func (reg *registry) groupVersions() []types.GroupVersion {
	seen := map[types.GroupVersion]bool{}
	var out []types.GroupVersion
	for gvr := range reg.resources {
		gv := gvr.GroupVersion()
		if !seen[gv] {
			seen[gv] = true
			out = append(out, gv)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Group == "") != (out[j].Group == "") {
			return out[i].Group == ""
		}
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return compareKubeVersions(out[i].Version, out[j].Version) < 0
	})
	return out
}

// compareKubeVersions orders version names as Kubernetes prefers them (apimachinery's version.CompareKubeAwareVersion
// reversed): GA before beta before alpha, higher numbers first, and names that do not look like Kubernetes versions
// last, alphabetically. It returns a negative number when a comes first.
func compareKubeVersions(a, b string) int {
	ma, na, sa, oka := parseKubeVersion(a)
	mb, nb, sb, okb := parseKubeVersion(b)
	switch {
	case oka != okb:
		if oka {
			return -1
		}
		return 1
	case !oka:
		return strings.Compare(a, b)
	case sa != sb: // 2 GA, 1 beta, 0 alpha
		return sb - sa
	case ma != mb:
		return mb - ma
	default:
		return nb - na
	}
}

// parseKubeVersion splits "v<major>[(alpha|beta)<minor>]" into its major number, its minor number, and its stability
// (2 GA, 1 beta, 0 alpha).
func parseKubeVersion(v string) (major, minor, stability int, ok bool) {
	rest, found := strings.CutPrefix(v, "v")
	if !found {
		return 0, 0, 0, false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || rest[0] == '0' {
		return 0, 0, 0, false
	}
	major, _ = strconv.Atoi(rest[:i])
	rest = rest[i:]
	if rest == "" {
		return major, 0, 2, true
	}
	for _, s := range []struct {
		prefix    string
		stability int
	}{{"alpha", 0}, {"beta", 1}} {
		if num, found := strings.CutPrefix(rest, s.prefix); found {
			n, err := strconv.Atoi(num)
			if err != nil || num == "" || num[0] == '0' {
				return 0, 0, 0, false
			}
			return major, n, s.stability, true
		}
	}
	return 0, 0, 0, false
}
