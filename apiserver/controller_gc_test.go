package apiserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// The controllers' tests run on a fake clock that never moves: whatever the controllers do must follow from watch
// events, not from timers.

// ctlWait bounds how long a test waits for the controllers; ctlTick is how often it looks.
const (
	ctlWait = 5 * time.Second
	ctlTick = time.Millisecond
	// ctlQuiet is how long a test lets the controllers run before concluding that something does not happen.
	ctlQuiet = 100 * time.Millisecond
)

func ctlServer(t testing.TB, edit ...func(*apiserver.Options)) *apiserver.Server {
	t.Helper()
	opts := apiserver.Deterministic(clock.NewFake(epoch), 7)
	opts.Logger = slog.New(slog.NewTextHandler(ctlLogWriter{t}, nil))
	for _, e := range edit {
		e(&opts)
	}
	srv, err := apiserver.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// ctlLogWriter sends the server's log to the test's.
type ctlLogWriter struct{ t testing.TB }

func (w ctlLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// ctlRef returns an owner reference to o.
func ctlRef(o *types.Object, controller, block bool) types.OwnerReference {
	return types.OwnerReference{APIVersion: o.APIVersion(), Kind: o.Kind(), Name: o.Name(), UID: o.UID(),
		Controller: &controller, BlockOwnerDeletion: &block}
}

// ctlCreate creates u in namespace ns (empty for cluster-scoped resources) with the given owner references.
func ctlCreate(t testing.TB, srv *apiserver.Server, gvr types.GroupVersionResource, ns string, u types.Unstructured, owners ...types.OwnerReference) *types.Object {
	t.Helper()
	obj, err := u.ToObject()
	require.NoError(t, err)
	if len(owners) > 0 {
		m := obj.Meta()
		m.OwnerReferences = owners
		obj = obj.WithMeta(m)
	}
	out, err := srv.Resource(gvr).Namespace(ns).Create(context.Background(), obj, apiserver.CreateOptions{})
	require.NoError(t, err)
	return out
}

func ctlMeta(name string, finalizers ...string) map[string]any {
	m := map[string]any{"name": name}
	if len(finalizers) > 0 {
		f := make([]any, len(finalizers))
		for i, s := range finalizers {
			f[i] = s
		}
		m["finalizers"] = f
	}
	return m
}

func ctlConfigMap(name string, finalizers ...string) types.Unstructured {
	return types.Unstructured{"apiVersion": "v1", "kind": "ConfigMap", "metadata": ctlMeta(name, finalizers...)}
}

func ctlPod(name string, finalizers ...string) types.Unstructured {
	return types.Unstructured{"apiVersion": "v1", "kind": "Pod", "metadata": ctlMeta(name, finalizers...),
		"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}}}
}

func ctlWorkload(kind, name string) types.Unstructured {
	return types.Unstructured{"apiVersion": "apps/v1", "kind": kind, "metadata": ctlMeta(name),
		"spec": map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": name}},
				"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}}}}}
}

// ctlChain is a deployment that owns a replica set that owns two pods, as the deployment and replica set
// controllers would have made them, in namespace default.
type ctlChain struct {
	deploy, rs *types.Object
	pods       []*types.Object
}

func newCtlChain(t testing.TB, srv *apiserver.Server) ctlChain {
	t.Helper()
	var c ctlChain
	c.deploy = ctlCreate(t, srv, apiserver.Deployments, "default", ctlWorkload("Deployment", "web"))
	c.rs = ctlCreate(t, srv, apiserver.ReplicaSets, "default", ctlWorkload("ReplicaSet", "web-1"), ctlRef(c.deploy, true, true))
	for _, name := range []string{"web-1-a", "web-1-b"} {
		c.pods = append(c.pods, ctlCreate(t, srv, apiserver.Pods, "default", ctlPod(name), ctlRef(c.rs, true, true)))
	}
	return c
}

// ctlGet returns the object, or nil when it is not found.
func ctlGet(t testing.TB, srv *apiserver.Server, gvr types.GroupVersionResource, ns, name string) *types.Object {
	t.Helper()
	o, err := srv.Resource(gvr).Namespace(ns).Get(context.Background(), name, apiserver.GetOptions{})
	if types.IsNotFound(err) {
		return nil
	}
	require.NoError(t, err)
	return o
}

// ctlEventuallyGone waits until the object is not found.
func ctlEventuallyGone(t testing.TB, srv *apiserver.Server, gvr types.GroupVersionResource, ns, name string) {
	t.Helper()
	require.Eventually(t, func() bool { return ctlGet(t, srv, gvr, ns, name) == nil }, ctlWait, ctlTick,
		"%s %s/%s is still there", gvr.Resource, ns, name)
}

// ctlStays lets the controllers run for a while and returns the object, which must still be there.
func ctlStays(t testing.TB, srv *apiserver.Server, gvr types.GroupVersionResource, ns, name string) *types.Object {
	t.Helper()
	time.Sleep(ctlQuiet)
	o := ctlGet(t, srv, gvr, ns, name)
	require.NotNil(t, o, "%s %s/%s is gone", gvr.Resource, ns, name)
	return o
}

// ctlOwnerUIDs returns the uids an object's ownerReferences name.
func ctlOwnerUIDs(o *types.Object) []string {
	var uids []string
	for _, r := range o.OwnerReferences() {
		uids = append(uids, r.UID)
	}
	return uids
}

// ctlDelete deletes with a propagation policy (nil for the default) and returns the result.
func ctlDelete(t testing.TB, srv *apiserver.Server, gvr types.GroupVersionResource, ns, name string, policy *apiserver.DeletionPropagation) *types.Object {
	t.Helper()
	o, err := srv.Resource(gvr).Namespace(ns).Delete(context.Background(), name, apiserver.DeleteOptions{PropagationPolicy: policy})
	require.NoError(t, err)
	return o
}

// ctlRemoveFinalizers empties an object's metadata.finalizers.
func ctlRemoveFinalizers(t testing.TB, srv *apiserver.Server, gvr types.GroupVersionResource, ns, name string) {
	t.Helper()
	_, err := srv.Resource(gvr).Namespace(ns).Patch(context.Background(), name, apiserver.MergePatchType,
		[]byte(`{"metadata":{"finalizers":null}}`), apiserver.PatchOptions{})
	require.NoError(t, err)
}

func ctlPolicy(p apiserver.DeletionPropagation) *apiserver.DeletionPropagation { return &p }

// TestGarbageCollectorPropagation deletes the owner of a deployment → replica set → pods chain with each propagation
// policy and checks what becomes of the dependents.
func TestGarbageCollectorPropagation(t *testing.T) {
	cases := []struct {
		name   string
		opts   func(*apiserver.Options)
		policy *apiserver.DeletionPropagation
		check  func(t *testing.T, srv *apiserver.Server, c ctlChain, deleted *types.Object)
	}{
		{name: "default (Background): the owner goes at once, then its dependents, level by level",
			check: func(t *testing.T, srv *apiserver.Server, c ctlChain, deleted *types.Object) {
				require.Nil(t, ctlGet(t, srv, apiserver.Deployments, "default", "web"))
				ctlEventuallyGone(t, srv, apiserver.ReplicaSets, "default", "web-1")
				ctlEventuallyGone(t, srv, apiserver.Pods, "default", "web-1-a")
				ctlEventuallyGone(t, srv, apiserver.Pods, "default", "web-1-b")
			}},
		{name: "Background", policy: ctlPolicy(apiserver.DeletePropagationBackground),
			check: func(t *testing.T, srv *apiserver.Server, c ctlChain, deleted *types.Object) {
				ctlEventuallyGone(t, srv, apiserver.ReplicaSets, "default", "web-1")
				ctlEventuallyGone(t, srv, apiserver.Pods, "default", "web-1-a")
				ctlEventuallyGone(t, srv, apiserver.Pods, "default", "web-1-b")
			}},
		{name: "Foreground: the owner waits with the foregroundDeletion finalizer, then everything goes",
			policy: ctlPolicy(apiserver.DeletePropagationForeground),
			check: func(t *testing.T, srv *apiserver.Server, c ctlChain, deleted *types.Object) {
				require.Equal(t, []string{apiserver.FinalizerDeleteDependents}, deleted.Finalizers())
				require.NotNil(t, deleted.DeletionTimestamp())
				ctlEventuallyGone(t, srv, apiserver.Deployments, "default", "web")
				require.Nil(t, ctlGet(t, srv, apiserver.ReplicaSets, "default", "web-1"), "the owner goes after its dependents")
				require.Nil(t, ctlGet(t, srv, apiserver.Pods, "default", "web-1-a"))
				require.Nil(t, ctlGet(t, srv, apiserver.Pods, "default", "web-1-b"))
			}},
		{name: "Orphan: the dependents stay, without the reference",
			policy: ctlPolicy(apiserver.DeletePropagationOrphan),
			check: func(t *testing.T, srv *apiserver.Server, c ctlChain, deleted *types.Object) {
				require.Equal(t, []string{apiserver.FinalizerOrphanDependents}, deleted.Finalizers())
				ctlEventuallyGone(t, srv, apiserver.Deployments, "default", "web")
				rs := ctlStays(t, srv, apiserver.ReplicaSets, "default", "web-1")
				require.Empty(t, rs.OwnerReferences())
				for _, p := range c.pods {
					got := ctlStays(t, srv, apiserver.Pods, "default", p.Name())
					require.Equal(t, []string{c.rs.UID()}, ctlOwnerUIDs(got), "the grandchildren keep their owner")
				}
			}},
		{name: "the garbage collector off: dependents stay and propagation is ignored",
			opts:   func(o *apiserver.Options) { o.DisableGarbageCollector = true },
			policy: ctlPolicy(apiserver.DeletePropagationForeground),
			check: func(t *testing.T, srv *apiserver.Server, c ctlChain, deleted *types.Object) {
				require.Nil(t, ctlGet(t, srv, apiserver.Deployments, "default", "web"), "no foregroundDeletion finalizer holds it")
				rs := ctlStays(t, srv, apiserver.ReplicaSets, "default", "web-1")
				require.Equal(t, []string{c.deploy.UID()}, ctlOwnerUIDs(rs))
				ctlStays(t, srv, apiserver.Pods, "default", "web-1-a")
				ctlStays(t, srv, apiserver.Pods, "default", "web-1-b")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var edit []func(*apiserver.Options)
			if tc.opts != nil {
				edit = append(edit, tc.opts)
			}
			srv := ctlServer(t, edit...)
			c := newCtlChain(t, srv)
			deleted := ctlDelete(t, srv, apiserver.Deployments, "default", "web", tc.policy)
			tc.check(t, srv, c, deleted)
		})
	}

	t.Run("orphanDependents=true orphans", func(t *testing.T) {
		srv := ctlServer(t)
		c := newCtlChain(t, srv)
		yes := true
		_, err := srv.Resource(apiserver.ReplicaSets).Namespace("default").Delete(context.Background(), "web-1",
			apiserver.DeleteOptions{OrphanDependents: &yes})
		require.NoError(t, err)
		ctlEventuallyGone(t, srv, apiserver.ReplicaSets, "default", "web-1")
		for _, p := range c.pods {
			require.Empty(t, ctlStays(t, srv, apiserver.Pods, "default", p.Name()).OwnerReferences())
		}
	})
}

// ctlEvent is one watch event of a test, for ordering across resources.
type ctlEvent struct {
	typ        watch.EventType
	kind, name string
	rv         int64
	finalizers []string
}

// TestGarbageCollectorForegroundOrder: with Foreground propagation the watches show the owner marked first, then
// each level marked and emptied from the bottom up: the pods go before the replica set, which goes before the
// deployment.
func TestGarbageCollectorForegroundOrder(t *testing.T) {
	srv := ctlServer(t)
	newCtlChain(t, srv)
	from := apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())}
	var watches []watch.Interface
	for _, gvr := range []types.GroupVersionResource{apiserver.Deployments, apiserver.ReplicaSets, apiserver.Pods} {
		w, err := srv.Resource(gvr).Watch(context.Background(), from)
		require.NoError(t, err)
		t.Cleanup(w.Stop)
		watches = append(watches, w)
	}
	ctlDelete(t, srv, apiserver.Deployments, "default", "web", ctlPolicy(apiserver.DeletePropagationForeground))

	var events []ctlEvent
	deleted := map[string]bool{}
	deadline := time.After(ctlWait)
	for len(deleted) < 4 {
		for _, w := range watches {
			select {
			case ev := <-w.ResultChan():
				require.NotEqual(t, watch.Error, ev.Type)
				events = append(events, ctlEvent{typ: ev.Type, kind: ev.Object.Kind(), name: ev.Object.Name(),
					rv: parseRV(t, ev.Object.ResourceVersion()), finalizers: ev.Object.Finalizers()})
				if ev.Type == watch.Deleted {
					deleted[ev.Object.Name()] = true
				}
			case <-deadline:
				require.FailNow(t, "timeout", "deleted so far: %v", deleted)
			default:
			}
		}
	}
	sort.Slice(events, func(i, j int) bool { return events[i].rv < events[j].rv })
	at := func(typ watch.EventType, name string, finalizer string) int64 {
		for _, e := range events {
			if e.typ == typ && e.name == name && (finalizer == "" || slices.Contains(e.finalizers, finalizer)) {
				return e.rv
			}
		}
		require.FailNow(t, "missing event", "%s %s (%s) in %+v", typ, name, finalizer, events)
		return 0
	}
	fg := apiserver.FinalizerDeleteDependents
	markedDeploy, markedRS := at(watch.Modified, "web", fg), at(watch.Modified, "web-1", fg)
	goneA, goneB := at(watch.Deleted, "web-1-a", ""), at(watch.Deleted, "web-1-b", "")
	goneRS, goneDeploy := at(watch.Deleted, "web-1", ""), at(watch.Deleted, "web", "")
	require.Less(t, markedDeploy, markedRS, "the deployment is marked, then its replica set")
	require.Less(t, markedRS, min(goneA, goneB), "the replica set waits for its pods")
	require.Less(t, max(goneA, goneB), goneRS, "the pods go before the replica set")
	require.Less(t, goneRS, goneDeploy, "the replica set goes before the deployment")
	require.Equal(t, goneDeploy, events[len(events)-1].rv, "the deployment's deletion is the last change")
}

// TestGarbageCollectorOwners covers owner references beyond a single chain: several owners, blocking and
// non-blocking dependents with finalizers, cluster-scoped owners, dangling and unresolvable references.
func TestGarbageCollectorOwners(t *testing.T) {
	foreground := ctlPolicy(apiserver.DeletePropagationForeground)
	cases := []struct {
		name string
		run  func(t *testing.T, srv *apiserver.Server)
	}{
		{"multiple owners: a gone owner's reference is removed and the dependent stays until the last goes", func(t *testing.T, srv *apiserver.Server) {
			a := ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("a"))
			b := ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("b"))
			ctlCreate(t, srv, apiserver.Secrets, "default", types.Unstructured{"apiVersion": "v1", "kind": "Secret", "metadata": ctlMeta("dep")},
				ctlRef(a, false, false), ctlRef(b, false, true))
			ctlDelete(t, srv, apiserver.ConfigMaps, "default", "a", nil)
			require.Eventually(t, func() bool {
				dep := ctlGet(t, srv, apiserver.Secrets, "default", "dep")
				return dep != nil && slices.Equal(ctlOwnerUIDs(dep), []string{b.UID()})
			}, ctlWait, ctlTick)
			dep := ctlStays(t, srv, apiserver.Secrets, "default", "dep")
			require.Equal(t, []types.OwnerReference{ctlRef(b, false, true)}, dep.OwnerReferences(), "the other reference is kept as it was")
			ctlDelete(t, srv, apiserver.ConfigMaps, "default", "b", nil)
			ctlEventuallyGone(t, srv, apiserver.Secrets, "default", "dep")
		}},
		{"a blocking dependent with a finalizer holds its foreground owner until the finalizer goes", func(t *testing.T, srv *apiserver.Server) {
			rs := ctlCreate(t, srv, apiserver.ReplicaSets, "default", ctlWorkload("ReplicaSet", "rs"))
			ctlCreate(t, srv, apiserver.Pods, "default", ctlPod("held", "example.com/hold"), ctlRef(rs, true, true))
			ctlDelete(t, srv, apiserver.ReplicaSets, "default", "rs", foreground)
			require.Eventually(t, func() bool {
				p := ctlGet(t, srv, apiserver.Pods, "default", "held")
				return p != nil && p.DeletionTimestamp() != nil
			}, ctlWait, ctlTick, "the garbage collector deletes the dependent")
			owner := ctlStays(t, srv, apiserver.ReplicaSets, "default", "rs")
			require.Equal(t, []string{apiserver.FinalizerDeleteDependents}, owner.Finalizers())
			ctlRemoveFinalizers(t, srv, apiserver.Pods, "default", "held")
			ctlEventuallyGone(t, srv, apiserver.ReplicaSets, "default", "rs")
			require.Nil(t, ctlGet(t, srv, apiserver.Pods, "default", "held"))
		}},
		{"a dependent that does not block lets its foreground owner go", func(t *testing.T, srv *apiserver.Server) {
			rs := ctlCreate(t, srv, apiserver.ReplicaSets, "default", ctlWorkload("ReplicaSet", "rs"))
			ctlCreate(t, srv, apiserver.Pods, "default", ctlPod("loose", "example.com/hold"), ctlRef(rs, true, false))
			ctlDelete(t, srv, apiserver.ReplicaSets, "default", "rs", foreground)
			ctlEventuallyGone(t, srv, apiserver.ReplicaSets, "default", "rs")
			require.Eventually(t, func() bool {
				p := ctlGet(t, srv, apiserver.Pods, "default", "loose")
				return p != nil && p.DeletionTimestamp() != nil
			}, ctlWait, ctlTick, "the dependent is deleted too, and waits for its own finalizer")
			ctlRemoveFinalizers(t, srv, apiserver.Pods, "default", "loose")
			ctlEventuallyGone(t, srv, apiserver.Pods, "default", "loose")
		}},
		{"cluster-scoped owners: of a namespaced and of a cluster-scoped dependent", func(t *testing.T, srv *apiserver.Server) {
			node := ctlCreate(t, srv, apiserver.Nodes, "", types.Unstructured{"apiVersion": "v1", "kind": "Node", "metadata": ctlMeta("n1")})
			ctlCreate(t, srv, apiserver.Leases, "kube-node-lease", types.Unstructured{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
				"metadata": ctlMeta("n1")}, ctlRef(node, false, false))
			crGVR := types.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}
			crbGVR := types.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}
			cr := ctlCreate(t, srv, crGVR, "", types.Unstructured{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ctlMeta("r")})
			ctlCreate(t, srv, crbGVR, "", types.Unstructured{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
				"metadata": ctlMeta("rb"), "roleRef": map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"}},
				ctlRef(cr, true, true))
			ctlDelete(t, srv, apiserver.Nodes, "", "n1", nil)
			ctlDelete(t, srv, crGVR, "", "r", foreground)
			ctlEventuallyGone(t, srv, apiserver.Leases, "kube-node-lease", "n1")
			ctlEventuallyGone(t, srv, crbGVR, "", "rb")
			ctlEventuallyGone(t, srv, crGVR, "", "r")
		}},
		{"a dependent created after its owner is gone is collected", func(t *testing.T, srv *apiserver.Server) {
			owner := ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("owner"))
			ctlDelete(t, srv, apiserver.ConfigMaps, "default", "owner", nil)
			ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("late"), ctlRef(owner, true, true))
			ctlEventuallyGone(t, srv, apiserver.ConfigMaps, "default", "late")
		}},
		{"an owner replaced by another object of the same name is gone", func(t *testing.T, srv *apiserver.Server) {
			owner := ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("owner"))
			ctlDelete(t, srv, apiserver.ConfigMaps, "default", "owner", nil)
			ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("owner"))
			ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("dep"), ctlRef(owner, false, false))
			ctlEventuallyGone(t, srv, apiserver.ConfigMaps, "default", "dep")
			ctlStays(t, srv, apiserver.ConfigMaps, "default", "owner")
		}},
		{"an owner is looked for in its dependent's namespace", func(t *testing.T, srv *apiserver.Server) {
			owner := ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("owner"))
			ctlCreate(t, srv, apiserver.Namespaces, "", types.Unstructured{"apiVersion": "v1", "kind": "Namespace", "metadata": ctlMeta("other")})
			ctlCreate(t, srv, apiserver.ConfigMaps, "other", ctlConfigMap("dep"), ctlRef(owner, false, false))
			ctlEventuallyGone(t, srv, apiserver.ConfigMaps, "other", "dep")
			ctlStays(t, srv, apiserver.ConfigMaps, "default", "owner")
		}},
		{"a cluster-scoped dependent of a namespaced kind, and an owner of an unknown kind, are left alone", func(t *testing.T, srv *apiserver.Server) {
			cm := ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("cm"))
			ctlCreate(t, srv, apiserver.Nodes, "", types.Unstructured{"apiVersion": "v1", "kind": "Node", "metadata": ctlMeta("n1")}, ctlRef(cm, false, false))
			ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("widgeted"),
				types.OwnerReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "w", UID: "7c4d5e6f-0000-4000-8000-000000000000"})
			ctlDelete(t, srv, apiserver.ConfigMaps, "default", "cm", nil)
			ctlStays(t, srv, apiserver.Nodes, "", "n1")
			ctlStays(t, srv, apiserver.ConfigMaps, "default", "widgeted")
		}},
		{"Orphan: every dependent loses the reference and stays", func(t *testing.T, srv *apiserver.Server) {
			owner := ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap("owner"))
			for _, name := range []string{"d1", "d2", "d3"} {
				ctlCreate(t, srv, apiserver.ConfigMaps, "default", ctlConfigMap(name), ctlRef(owner, false, true))
			}
			ctlDelete(t, srv, apiserver.ConfigMaps, "default", "owner", ctlPolicy(apiserver.DeletePropagationOrphan))
			ctlEventuallyGone(t, srv, apiserver.ConfigMaps, "default", "owner")
			for _, name := range []string{"d1", "d2", "d3"} {
				require.Empty(t, ctlStays(t, srv, apiserver.ConfigMaps, "default", name).OwnerReferences())
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, ctlServer(t)) })
	}
}

// TestControllersSurviveWatchGaps runs the controllers with watches that overflow at once and history compacted under
// them, so that their informers keep resuming (and may relist): nothing is missed in the gaps. The relist itself is
// tested in TestGarbageCollectorResync.
func TestControllersSurviveWatchGaps(t *testing.T) {
	ctx := context.Background()
	// The real clock: the broadcaster's budget for slow watchers runs on the server's clock.
	srv := ctlServer(t, func(o *apiserver.Options) {
		o.Clock, o.WatchBufferSize, o.SlowWatcherBudget = clock.Real{}, 1, time.Nanosecond
	})
	ctlNamespace(t, srv, "gone")
	cms := srv.Resource(apiserver.ConfigMaps)
	const owners, deps = 20, 3
	for i := range owners {
		ns := "default"
		if i%4 == 0 {
			ns = "gone"
		}
		owner := ctlCreate(t, srv, apiserver.ConfigMaps, ns, ctlConfigMap(fmt.Sprintf("owner-%d", i)))
		for j := range deps {
			ctlCreate(t, srv, apiserver.ConfigMaps, ns, ctlConfigMap(fmt.Sprintf("dep-%d-%d", i, j)), ctlRef(owner, false, true))
		}
	}
	for i := range owners {
		if i%4 == 0 {
			continue
		}
		policy := []apiserver.DeletionPropagation{apiserver.DeletePropagationBackground, apiserver.DeletePropagationForeground}[i%2]
		ctlDelete(t, srv, apiserver.ConfigMaps, "default", fmt.Sprintf("owner-%d", i), &policy)
		srv.Compact(srv.Revision())
	}
	ctlDelete(t, srv, apiserver.Namespaces, "", "gone", nil)
	srv.Compact(srv.Revision())
	ctlEventually(t, func() bool {
		l, err := cms.List(ctx, apiserver.ListOptions{})
		require.NoError(t, err)
		return len(l.Items) == 0 && ctlGet(t, srv, apiserver.Namespaces, "", "gone") == nil
	}, func() string {
		l, err := cms.List(ctx, apiserver.ListOptions{})
		require.NoError(t, err)
		var left []string
		for _, o := range l.Items {
			left = append(left, fmt.Sprintf("%s/%s%v", o.Namespace(), o.Name(), o.Finalizers()))
		}
		return "every owner and dependent is collected, and the namespace is gone; left: " + strings.Join(left, " ")
	})
}

// ctlEventually waits for cond like require.Eventually, and describes the state when it never holds.
func ctlEventually(t testing.TB, cond func() bool, describe func() string) {
	t.Helper()
	for deadline := time.Now().Add(ctlWait); !cond(); time.Sleep(ctlTick) {
		if time.Now().After(deadline) {
			require.FailNow(t, "condition never satisfied", describe())
		}
	}
}

// TestControllersLifecycle: Close stops every goroutine of the controllers, and a fork runs its own.
func TestControllersLifecycle(t *testing.T) {
	t.Run("a fork collects its own garbage", func(t *testing.T) {
		srv := ctlServer(t)
		newCtlChain(t, srv)
		fork := srv.Fork()
		t.Cleanup(func() { _ = fork.Close() })
		ctlDelete(t, fork, apiserver.Deployments, "default", "web", nil)
		ctlEventuallyGone(t, fork, apiserver.Pods, "default", "web-1-a")
		ctlStays(t, srv, apiserver.Pods, "default", "web-1-a")
		require.NoError(t, srv.Close())
		// The fork's controllers outlive the original's.
		ctlCreate(t, fork, apiserver.ConfigMaps, "default", ctlConfigMap("dangling"),
			types.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "nobody", UID: "00000000-0000-4000-8000-000000000000"})
		ctlEventuallyGone(t, fork, apiserver.ConfigMaps, "default", "dangling")
	})

	t.Run("Close stops every goroutine the controllers started", func(t *testing.T) {
		baseline := runtime.NumGoroutine()
		for range 3 {
			srv, err := apiserver.New(apiserver.Options{})
			require.NoError(t, err)
			c := newCtlChain(t, srv)
			fork := srv.Fork()
			ctlDelete(t, srv, apiserver.Deployments, "default", "web", ctlPolicy(apiserver.DeletePropagationForeground))
			_, err = srv.Resource(apiserver.Namespaces).Delete(context.Background(), "kube-node-lease", apiserver.DeleteOptions{})
			require.NoError(t, err)
			ctlEventuallyGone(t, srv, apiserver.Deployments, "default", c.deploy.Name())
			ctlEventuallyGone(t, srv, apiserver.Namespaces, "", "kube-node-lease")
			require.NoError(t, srv.Close())
			require.NoError(t, fork.Close())
			require.NoError(t, fork.Close(), "Close is idempotent")
		}
		// Not require.Eventually: it runs its condition in a goroutine of its own.
		deadline := time.Now().Add(ctlWait)
		for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		require.LessOrEqual(t, runtime.NumGoroutine(), baseline, "goroutines left running")
	})
}

// ctlConditions returns a namespace's status.conditions.
func ctlConditions(t testing.TB, ns *types.Object) []map[string]string {
	t.Helper()
	var st struct {
		Conditions []map[string]string `json:"conditions"`
	}
	raw, ok := ns.Lookup("status")
	require.True(t, ok)
	require.NoError(t, json.Unmarshal(raw, &st))
	return st.Conditions
}
