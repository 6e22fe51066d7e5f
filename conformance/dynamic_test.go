package conformance

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// dynamicCase is one kind for the dynamic client tests.
type dynamicCase struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
	build      func(name string, labels map[string]string) runtime.Object // a typed fixture, converted to unstructured
	path       []string                                                   // a field the update changes ...
	value      any                                                        // ... to this value
	graceful   bool                                                       // DELETE only marks the object (namespaces)
}

var dynamicCases = []dynamicCase{
	{gvr: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, kind: "Pod", namespaced: true,
		build: func(n string, l map[string]string) runtime.Object { return newPod(n, l) },
		path:  []string{"spec", "activeDeadlineSeconds"}, value: int64(60)},
	{gvr: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, kind: "Deployment", namespaced: true,
		build: func(n string, l map[string]string) runtime.Object { return newDeployment(n, l) },
		path:  []string{"spec", "replicas"}, value: int64(5)},
	{gvr: schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, kind: "ConfigMap", namespaced: true,
		build: func(n string, l map[string]string) runtime.Object { return newConfigMap(n, l) },
		path:  []string{"data", "key"}, value: "changed"},
	{gvr: schema.GroupVersionResource{Version: "v1", Resource: "nodes"}, kind: "Node",
		build: func(n string, l map[string]string) runtime.Object { return newNode(n, l) },
		path:  []string{"spec", "unschedulable"}, value: true},
	{gvr: schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}, kind: "Namespace", graceful: true,
		build: func(n string, l map[string]string) runtime.Object { return newNamespace(n, l) },
		path:  []string{"metadata", "annotations", "changed"}, value: "true"},
}

// toUnstructured converts a typed fixture into the unstructured object the dynamic client sends.
func (c dynamicCase) toUnstructured(t *testing.T, name string, labels map[string]string) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(c.build(name, labels))
	require.NoError(t, err)
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion(c.gvr.GroupVersion().String())
	u.SetKind(c.kind)
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp") // null in the converted form
	unstructured.RemoveNestedField(u.Object, "status")
	return u
}

// TestDynamicVerbs drives the dynamic client with unstructured objects on each kind, including paged lists.
func TestDynamicVerbs(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		for _, c := range dynamicCases {
			t.Run(c.gvr.Resource, func(t *testing.T) { c.run(t, e) })
		}
	})
}

func (c dynamicCase) run(t *testing.T, e *env) {
	ctx := e.ctx
	var rc dynamic.ResourceInterface = e.dyn.Resource(c.gvr)
	if c.namespaced {
		rc = e.dyn.Resource(c.gvr).Namespace(testNamespace)
	}
	gr := c.gvr.GroupResource()
	sel := metav1.ListOptions{LabelSelector: "suite=conformance"}
	start, err := rc.List(ctx, sel)
	require.NoError(t, err)
	require.Empty(t, start.Items)
	require.Equal(t, c.kind+"List", start.GetKind())
	require.Equal(t, c.gvr.GroupVersion().String(), start.GetAPIVersion())
	w, err := rc.Watch(ctx, metav1.ListOptions{LabelSelector: "suite=conformance", ResourceVersion: start.GetResourceVersion()})
	require.NoError(t, err)
	defer w.Stop()
	var want []wantEvent

	// Create five objects, app=a for even i and app=b for odd i.
	var created []*unstructured.Unstructured
	for i := range 5 {
		app := []string{"a", "b"}[i%2]
		obj, err := rc.Create(ctx, c.toUnstructured(t, fmt.Sprintf("dyn-%d", i), labelsFor(app)), metav1.CreateOptions{})
		require.NoError(t, err)
		require.Equal(t, c.kind, obj.GetKind())
		require.NotEmpty(t, obj.GetUID())
		created = append(created, obj)
		want = append(want, wantEvent{watch.Added, obj.GetName(), rvOf(t, obj)})
	}
	_, err = rc.Create(ctx, c.toUnstructured(t, "dyn-0", labelsFor("a")), metav1.CreateOptions{})
	require.True(t, apierrors.IsAlreadyExists(err), "%v", err)
	requireStatus(t, err, 409, metav1.StatusReasonAlreadyExists, fmt.Sprintf("%s %q already exists", gr, "dyn-0"))

	got, err := rc.Get(ctx, "dyn-0", metav1.GetOptions{})
	require.NoError(t, err)
	require.True(t, apiequality.Semantic.DeepEqual(created[0].Object, got.Object), "GET returns what CREATE returned")
	_, err = rc.Get(ctx, "missing", metav1.GetOptions{})
	require.True(t, apierrors.IsNotFound(err), "%v", err)
	requireStatus(t, err, 404, metav1.StatusReasonNotFound, fmt.Sprintf("%s %q not found", gr, "missing"))

	t.Run("List with Limit and Continue", func(t *testing.T) {
		// SEMANTICS P-2, P-3, P-4: every page has the first page's resourceVersion, writes after the first page are
		// invisible, remainingItemCount counts what follows, the last page has no continue.
		// No selector, so remainingItemCount is set; cluster-scoped kinds also list what the server started with.
		full, err := rc.List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		var wantNames []string
		for _, it := range full.Items {
			wantNames = append(wantNames, it.GetName())
		}
		require.Subset(t, wantNames, []string{"dyn-0", "dyn-1", "dyn-2", "dyn-3", "dyn-4"})
		opts := metav1.ListOptions{Limit: 2}
		var names []string
		firstRV := ""
		for page := 0; ; page++ {
			l, err := rc.List(ctx, opts)
			require.NoError(t, err)
			require.LessOrEqual(t, len(l.Items), 2)
			if page == 0 {
				firstRV = l.GetResourceVersion()
				_, err := rc.Create(ctx, c.toUnstructured(t, "dyn-late", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
			}
			require.Equal(t, firstRV, l.GetResourceVersion(), "page %d", page)
			for _, it := range l.Items {
				names = append(names, it.GetName())
			}
			if l.GetContinue() == "" {
				require.Nil(t, l.GetRemainingItemCount(), "no remainingItemCount on the last page")
				break
			}
			require.NotNil(t, l.GetRemainingItemCount(), "page %d", page)
			require.Equal(t, int64(len(wantNames)-len(names)), *l.GetRemainingItemCount(), "page %d", page)
			opts.Continue = l.GetContinue()
		}
		require.Equal(t, wantNames, names, "the pages concatenate to one list at the first page's resourceVersion")
		late, err := rc.Get(ctx, "dyn-late", metav1.GetOptions{})
		require.NoError(t, err)
		want = append(want, wantEvent{watch.Added, "dyn-late", rvOf(t, late)})

		// A selector hides remainingItemCount (P-4).
		l, err := rc.List(ctx, metav1.ListOptions{LabelSelector: "app=a", Limit: 2})
		require.NoError(t, err)
		require.Len(t, l.Items, 2)
		require.NotEmpty(t, l.GetContinue())
		require.Nil(t, l.GetRemainingItemCount())
		// KUBE: resourceVersion=0 ignores limit.
		l, err = rc.List(ctx, metav1.ListOptions{LabelSelector: "suite=conformance", Limit: 2, ResourceVersion: "0"})
		require.NoError(t, err)
		require.Len(t, l.Items, 6)
		require.Empty(t, l.GetContinue())
	})

	// Update and a stale update.
	cur := created[0].DeepCopy()
	require.NoError(t, unstructured.SetNestedField(cur.Object, c.value, c.path...))
	updated, err := rc.Update(ctx, cur, metav1.UpdateOptions{})
	require.NoError(t, err)
	v, found, err := unstructured.NestedFieldNoCopy(updated.Object, c.path...)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, c.value, v)
	want = append(want, wantEvent{watch.Modified, "dyn-0", rvOf(t, updated)})
	_, err = rc.Update(ctx, created[0], metav1.UpdateOptions{})
	require.True(t, apierrors.IsConflict(err), "%v", err)

	require.NoError(t, rc.Delete(ctx, "dyn-1", metav1.DeleteOptions{}))
	if c.graceful {
		requireEvents(t, w, want)
		return // namespaces: see TestNamespaceDeletionIsGraceful
	}
	if c.kind == "Pod" {
		// A pod is marked with deletionTimestamp (grace period 0: not scheduled) before it goes.
		want = append(want, wantEvent{typ: watch.Modified, name: "dyn-1"})
	}
	want = append(want, wantEvent{watch.Deleted, "dyn-1", e.s.API.Revision()})
	_, err = rc.Get(ctx, "dyn-1", metav1.GetOptions{})
	require.True(t, apierrors.IsNotFound(err), "%v", err)
	require.NoError(t, rc.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "suite=conformance"}))
	for _, name := range []string{"dyn-0", "dyn-2", "dyn-3", "dyn-4", "dyn-late"} {
		if c.kind == "Pod" {
			want = append(want, wantEvent{typ: watch.Modified, name: name})
		}
		want = append(want, wantEvent{typ: watch.Deleted, name: name})
	}
	l, err := rc.List(ctx, sel)
	require.NoError(t, err)
	require.Empty(t, l.Items)
	evs := requireEvents(t, w, want)
	require.Equal(t, e.s.API.Revision(), rvOf(t, evs[len(evs)-1].Object), "the last DELETED carries the last deletion's revision")
	for _, ev := range evs {
		require.IsType(t, &unstructured.Unstructured{}, ev.Object)
		require.Equal(t, c.kind, ev.Object.GetObjectKind().GroupVersionKind().Kind)
	}
}
