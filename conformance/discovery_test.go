package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"

	"github.com/kubemem/kubemem/apiserver"
)

// wantResource is what discovery must say about one resource.
type wantResource struct {
	gv         string
	name       string
	kind       string
	singular   string
	namespaced bool
	shortNames []string
	categories []string
}

var discoveryWant = []wantResource{
	{"v1", "pods", "Pod", "pod", true, []string{"po"}, []string{"all"}},
	{"v1", "configmaps", "ConfigMap", "configmap", true, []string{"cm"}, nil},
	{"v1", "nodes", "Node", "node", false, []string{"no"}, nil},
	{"v1", "namespaces", "Namespace", "namespace", false, []string{"ns"}, nil},
	{"apps/v1", "deployments", "Deployment", "deployment", true, []string{"deploy"}, []string{"all"}},
}

// findResource returns the named resource of a resource list.
func findResource(t *testing.T, l *metav1.APIResourceList, name string) metav1.APIResource {
	t.Helper()
	require.NotNil(t, l)
	for _, r := range l.APIResources {
		if r.Name == name {
			return r
		}
	}
	require.FailNow(t, "resource not discovered", "%s in %s", name, l.GroupVersion)
	return metav1.APIResource{}
}

// TestDiscovery checks what client-go's discovery client reads: groups, resources per group version, preferred
// resources, the server version, and that it gets all of it from aggregated discovery (two requests, no per-group
// fetches) with the same content as legacy discovery.
func TestDiscovery(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			log := &requestLog{}
			testDiscovery(t, newEnv(t, tr, apiserver.Options{}, log.wrap), log)
		})
	}
}

func testDiscovery(t *testing.T, e *env, log *requestLog) {
	dc, err := discovery.NewDiscoveryClientForConfig(e.cfg)
	require.NoError(t, err)

	t.Run("ServerVersion", func(t *testing.T) {
		v, err := dc.ServerVersion()
		require.NoError(t, err)
		require.Equal(t, "1", v.Major)
		require.Equal(t, "37", v.Minor)
		require.True(t, strings.HasPrefix(v.GitVersion, "v1.37."), v.GitVersion)
	})
	t.Run("ServerGroups", func(t *testing.T) {
		groups, err := dc.ServerGroups()
		require.NoError(t, err)
		byName := map[string]metav1.APIGroup{}
		for _, g := range groups.Groups {
			byName[g.Name] = g
		}
		require.Equal(t, "", groups.Groups[0].Name, "the legacy core group comes first")
		for name, preferred := range map[string]string{"": "v1", "apps": "apps/v1", "batch": "batch/v1", "coordination.k8s.io": "coordination.k8s.io/v1"} {
			g, ok := byName[name]
			require.True(t, ok, "group %q", name)
			require.Equal(t, preferred, g.PreferredVersion.GroupVersion)
		}
	})
	t.Run("ServerResourcesForGroupVersion", func(t *testing.T) {
		for _, w := range discoveryWant {
			l, err := dc.ServerResourcesForGroupVersion(w.gv)
			require.NoError(t, err)
			require.Equal(t, w.gv, l.GroupVersion)
			r := findResource(t, l, w.name)
			require.Equal(t, w.kind, r.Kind)
			require.Equal(t, w.singular, r.SingularName)
			require.Equal(t, w.namespaced, r.Namespaced)
			require.Equal(t, w.shortNames, r.ShortNames)
			require.Equal(t, w.categories, r.Categories)
			for _, verb := range []string{"create", "delete", "get", "list", "patch", "update", "watch"} {
				require.Contains(t, r.Verbs, verb, "%s", w.name)
			}
		}
		_, err := dc.ServerResourcesForGroupVersion("nope.example.com/v1")
		require.True(t, apierrors.IsNotFound(err), "%v", err)
	})
	t.Run("ServerPreferredResources", func(t *testing.T) {
		lists, err := dc.ServerPreferredResources()
		require.NoError(t, err)
		byGV := map[string]*metav1.APIResourceList{}
		for _, l := range lists {
			byGV[l.GroupVersion] = l
		}
		for _, w := range discoveryWant {
			require.Equal(t, w.kind, findResource(t, byGV[w.gv], w.name).Kind)
		}
	})
	t.Run("aggregated discovery as client-go requests it", func(t *testing.T) {
		fresh, err := discovery.NewDiscoveryClientForConfig(e.cfg)
		require.NoError(t, err)
		before := len(log.requests(nil))
		aggGroups, aggResources, err := fresh.ServerGroupsAndResources()
		require.NoError(t, err)
		reqs := log.requests(nil)[before:]
		var paths []string
		for _, r := range reqs {
			paths = append(paths, r.path)
			require.Contains(t, r.accept, "as=APIGroupDiscoveryList", "client-go asks for aggregated discovery first")
		}
		require.ElementsMatch(t, []string{"/api", "/apis"}, paths, "aggregated discovery needs no per-group-version requests")

		legacy, err := discovery.NewDiscoveryClientForConfig(e.cfg)
		require.NoError(t, err)
		legacy.UseLegacyDiscovery = true
		legGroups, legResources, err := legacy.ServerGroupsAndResources()
		require.NoError(t, err)
		require.Equal(t, groupNames(legGroups), groupNames(aggGroups))
		require.Equal(t, resourceSummary(legResources), resourceSummary(aggResources), "aggregated and legacy discovery agree")
	})
}

func groupNames(gs []*metav1.APIGroup) []string {
	var out []string
	for _, g := range gs {
		for _, v := range g.Versions {
			out = append(out, v.GroupVersion)
		}
		out = append(out, "preferred:"+g.PreferredVersion.GroupVersion)
	}
	return out
}

// resourceSummary flattens resource lists into sortable lines for comparison. It normalizes what client-go's
// conversion of aggregated discovery fills in and legacy discovery leaves empty: a subresource's singular name (the
// parent's) and its response group and version (the list's, unless it differs, as for scale).
func resourceSummary(ls []*metav1.APIResourceList) []string {
	var out []string
	for _, l := range ls {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			panic(err)
		}
		for _, r := range l.APIResources {
			verbs := slices.Clone([]string(r.Verbs))
			slices.Sort(verbs)
			singular, group, version := r.SingularName, r.Group, r.Version
			if strings.Contains(r.Name, "/") {
				singular = ""
			}
			if group == "" && version == "" {
				group, version = gv.Group, gv.Version
			}
			out = append(out, strings.Join([]string{l.GroupVersion, r.Name, singular, group, version, r.Kind, strings.Join(verbs, ","),
				strings.Join(r.ShortNames, ","), strings.Join(r.Categories, ","), map[bool]string{true: "ns", false: "cluster"}[r.Namespaced]}, " "))
		}
	}
	slices.Sort(out)
	return out
}

// shortcutMapper returns client-go's deferred discovery RESTMapper on e's server, over a memory-cached discovery
// client, and kubectl's shortcut expander on top of it.
func shortcutMapper(t *testing.T, e *env) (*restmapper.DeferredDiscoveryRESTMapper, apimeta.RESTMapper) {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(e.cfg)
	require.NoError(t, err)
	cached := memory.NewMemCacheClient(dc)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	return mapper, restmapper.NewShortcutExpander(mapper, cached, func(string) {})
}

// TestRESTMapper maps kinds and resources both ways with client-go's deferred discovery RESTMapper and expands
// kubectl short names with its shortcut expander.
func TestRESTMapper(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		mapper, expander := shortcutMapper(t, e)

		podsGVR := schema.GroupVersionResource{Version: "v1", Resource: "pods"}
		deployGVR := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
		cases := []struct {
			name     string
			mapper   apimeta.RESTMapper
			input    schema.GroupVersionResource
			wantGVR  schema.GroupVersionResource
			wantKind schema.GroupVersionKind
		}{
			{"plural", mapper, schema.GroupVersionResource{Resource: "pods"}, podsGVR, podsGVR.GroupVersion().WithKind("Pod")},
			{"singular", mapper, schema.GroupVersionResource{Resource: "deployment"}, deployGVR, deployGVR.GroupVersion().WithKind("Deployment")},
			{"group qualified", mapper, schema.GroupVersionResource{Group: "apps", Resource: "deployments"}, deployGVR, deployGVR.GroupVersion().WithKind("Deployment")},
			{"short po", expander, schema.GroupVersionResource{Resource: "po"}, podsGVR, podsGVR.GroupVersion().WithKind("Pod")},
			{"short deploy", expander, schema.GroupVersionResource{Resource: "deploy"}, deployGVR, deployGVR.GroupVersion().WithKind("Deployment")},
			{"short cm", expander, schema.GroupVersionResource{Resource: "cm"}, schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}},
			{"short no", expander, schema.GroupVersionResource{Resource: "no"}, schema.GroupVersionResource{Version: "v1", Resource: "nodes"}, schema.GroupVersionKind{Version: "v1", Kind: "Node"}},
			{"short ns", expander, schema.GroupVersionResource{Resource: "ns"}, schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}, schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				gvr, err := tc.mapper.ResourceFor(tc.input)
				require.NoError(t, err)
				require.Equal(t, tc.wantGVR, gvr)
				gvk, err := tc.mapper.KindFor(tc.input)
				require.NoError(t, err)
				require.Equal(t, tc.wantKind, gvk)
			})
		}

		t.Run("RESTMapping", func(t *testing.T) {
			for _, tc := range []struct {
				gk    schema.GroupKind
				gvr   schema.GroupVersionResource
				scope apimeta.RESTScopeName
			}{
				{schema.GroupKind{Kind: "Pod"}, podsGVR, apimeta.RESTScopeNameNamespace},
				{schema.GroupKind{Group: "apps", Kind: "Deployment"}, deployGVR, apimeta.RESTScopeNameNamespace},
				{schema.GroupKind{Kind: "Node"}, schema.GroupVersionResource{Version: "v1", Resource: "nodes"}, apimeta.RESTScopeNameRoot},
				{schema.GroupKind{Kind: "Namespace"}, schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}, apimeta.RESTScopeNameRoot},
			} {
				m, err := mapper.RESTMapping(tc.gk)
				require.NoError(t, err)
				require.Equal(t, tc.gvr, m.Resource)
				require.Equal(t, tc.scope, m.Scope.Name())
			}
		})
		t.Run("unknown", func(t *testing.T) {
			_, err := expander.ResourceFor(schema.GroupVersionResource{Resource: "nope"})
			require.True(t, apimeta.IsNoMatchError(err), "%v", err)
		})
	})
}
