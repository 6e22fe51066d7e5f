package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	pathvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// typedClient is the part of a generated client-go resource client that every kind has.
type typedClient[T, L any] interface {
	Create(context.Context, *T, metav1.CreateOptions) (*T, error)
	Get(context.Context, string, metav1.GetOptions) (*T, error)
	List(context.Context, metav1.ListOptions) (*L, error)
	Update(context.Context, *T, metav1.UpdateOptions) (*T, error)
	Delete(context.Context, string, metav1.DeleteOptions) error
	Watch(context.Context, metav1.ListOptions) (watch.Interface, error)
}

// kindSpec describes one kind for the typed verb tests: how to reach its client, build and change an object, and
// what kube-apiserver answers for it.
type kindSpec[T, L any] struct {
	gr         schema.GroupResource
	kind       string
	namespaced bool
	client     func(kubernetes.Interface) typedClient[T, L]
	build      func(name string, labels map[string]string) *T
	mutate     func(*T)      // a change of the object's content (spec or data)
	mutated    func(*T) bool // whether the change is there
	// badName is an invalid name, nameProblems the apimachinery validator of the kind's names.
	badName      string
	nameProblems func(name string, prefix bool) []string
	// fieldSelector is a kind-specific field selector that matches every fixture ("" for none).
	fieldSelector string
	// updateStatus is the client's UpdateStatus (nil for kinds without a status subresource).
	updateStatus func(kubernetes.Interface) func(context.Context, *T, metav1.UpdateOptions) (*T, error)
	// deleteCollection is the client's DeleteCollection (nil where kube serves none: namespaces).
	deleteCollection func(kubernetes.Interface) func(context.Context, metav1.DeleteOptions, metav1.ListOptions) error
	// gracefulDelete is set for kinds whose DELETE only marks the object (namespaces go Terminating).
	gracefulDelete bool
}

// objectMeta returns the metadata accessor of a typed object.
func objectMeta(obj any) metav1.Object {
	m, err := apimeta.Accessor(obj)
	if err != nil {
		panic(fmt.Sprintf("conformance: %T has no metadata: %v", obj, err))
	}
	return m
}

// listNames returns the names of a typed list's items, in order, and the list's resourceVersion.
func listNames(t *testing.T, list any) ([]string, string) {
	t.Helper()
	items, err := apimeta.ExtractList(list.(runtime.Object))
	require.NoError(t, err)
	names := []string{}
	for _, it := range items {
		names = append(names, objectMeta(it).GetName())
	}
	lm, err := apimeta.ListAccessor(list)
	require.NoError(t, err)
	return names, lm.GetResourceVersion()
}

// rvOf parses an object's resourceVersion.
func rvOf(t *testing.T, obj any) int64 {
	t.Helper()
	rv, err := strconv.ParseInt(objectMeta(obj).GetResourceVersion(), 10, 64)
	require.NoError(t, err, "resourceVersion must be numeric (SEMANTICS S-5)")
	return rv
}

// invalidNameMessage is kube-apiserver's 422 message for a bad name, computed with apimachinery's validators.
func invalidNameMessage(gk schema.GroupKind, name string, problems []string) string {
	var errs field.ErrorList
	for _, p := range problems {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), name, p))
	}
	return apierrors.NewInvalid(gk, name, errs).Error()
}

// namedRun is one case of a table of subtests.
type namedRun struct {
	name string
	run  func(t *testing.T, e *env)
}

// typedCases are the kinds the typed verb tests cover.
func typedCases() []namedRun {
	return []namedRun{
		{"pods", kindSpec[corev1.Pod, corev1.PodList]{
			gr: schema.GroupResource{Resource: "pods"}, kind: "Pod", namespaced: true,
			client: func(cs kubernetes.Interface) typedClient[corev1.Pod, corev1.PodList] {
				return cs.CoreV1().Pods(testNamespace)
			},
			build:   newPod,
			mutate:  func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:1.27" },
			mutated: func(p *corev1.Pod) bool { return p.Spec.Containers[0].Image == "nginx:1.27" },
			badName: "Bad_Name", nameProblems: pathvalidation.NameIsDNSSubdomain,
			fieldSelector: "spec.restartPolicy=Always",
			updateStatus: func(cs kubernetes.Interface) func(context.Context, *corev1.Pod, metav1.UpdateOptions) (*corev1.Pod, error) {
				return cs.CoreV1().Pods(testNamespace).UpdateStatus
			},
			deleteCollection: func(cs kubernetes.Interface) func(context.Context, metav1.DeleteOptions, metav1.ListOptions) error {
				return cs.CoreV1().Pods(testNamespace).DeleteCollection
			},
		}.run},
		{"deployments", kindSpec[appsv1.Deployment, appsv1.DeploymentList]{
			gr: schema.GroupResource{Group: "apps", Resource: "deployments"}, kind: "Deployment", namespaced: true,
			client: func(cs kubernetes.Interface) typedClient[appsv1.Deployment, appsv1.DeploymentList] {
				return cs.AppsV1().Deployments(testNamespace)
			},
			build:   newDeployment,
			mutate:  func(d *appsv1.Deployment) { *d.Spec.Replicas = 3 },
			mutated: func(d *appsv1.Deployment) bool { return *d.Spec.Replicas == 3 },
			badName: "Bad_Name", nameProblems: pathvalidation.NameIsDNSSubdomain,
			updateStatus: func(cs kubernetes.Interface) func(context.Context, *appsv1.Deployment, metav1.UpdateOptions) (*appsv1.Deployment, error) {
				return cs.AppsV1().Deployments(testNamespace).UpdateStatus
			},
			deleteCollection: func(cs kubernetes.Interface) func(context.Context, metav1.DeleteOptions, metav1.ListOptions) error {
				return cs.AppsV1().Deployments(testNamespace).DeleteCollection
			},
		}.run},
		{"configmaps", kindSpec[corev1.ConfigMap, corev1.ConfigMapList]{
			gr: schema.GroupResource{Resource: "configmaps"}, kind: "ConfigMap", namespaced: true,
			client: func(cs kubernetes.Interface) typedClient[corev1.ConfigMap, corev1.ConfigMapList] {
				return cs.CoreV1().ConfigMaps(testNamespace)
			},
			build:   newConfigMap,
			mutate:  func(c *corev1.ConfigMap) { c.Data["key"] = "changed" },
			mutated: func(c *corev1.ConfigMap) bool { return c.Data["key"] == "changed" },
			badName: "Bad_Name", nameProblems: pathvalidation.NameIsDNSSubdomain,
			deleteCollection: func(cs kubernetes.Interface) func(context.Context, metav1.DeleteOptions, metav1.ListOptions) error {
				return cs.CoreV1().ConfigMaps(testNamespace).DeleteCollection
			},
		}.run},
		{"nodes", kindSpec[corev1.Node, corev1.NodeList]{
			gr: schema.GroupResource{Resource: "nodes"}, kind: "Node",
			client: func(cs kubernetes.Interface) typedClient[corev1.Node, corev1.NodeList] {
				return cs.CoreV1().Nodes()
			},
			build:   newNode,
			mutate:  func(n *corev1.Node) { n.Spec.Unschedulable = true },
			mutated: func(n *corev1.Node) bool { return n.Spec.Unschedulable },
			badName: "Bad_Name", nameProblems: pathvalidation.NameIsDNSSubdomain,
			// "spec.unschedulable!=true", not "=false": see TestFieldSelectorOnAbsentFields.
			fieldSelector: "spec.unschedulable!=true",
			updateStatus: func(cs kubernetes.Interface) func(context.Context, *corev1.Node, metav1.UpdateOptions) (*corev1.Node, error) {
				return cs.CoreV1().Nodes().UpdateStatus
			},
			deleteCollection: func(cs kubernetes.Interface) func(context.Context, metav1.DeleteOptions, metav1.ListOptions) error {
				return cs.CoreV1().Nodes().DeleteCollection
			},
		}.run},
		{"namespaces", kindSpec[corev1.Namespace, corev1.NamespaceList]{
			gr: schema.GroupResource{Resource: "namespaces"}, kind: "Namespace",
			client: func(cs kubernetes.Interface) typedClient[corev1.Namespace, corev1.NamespaceList] {
				return cs.CoreV1().Namespaces()
			},
			build:   newNamespace,
			mutate:  func(n *corev1.Namespace) { n.Annotations = map[string]string{"changed": "true"} },
			mutated: func(n *corev1.Namespace) bool { return n.Annotations["changed"] == "true" },
			// SEMANTICS V-4: kube-apiserver 1.37 says "must not contain dots" for a namespace name with dots.
			badName: "bad.name", nameProblems: pathvalidation.NameIsDNSLabel,
			updateStatus: func(cs kubernetes.Interface) func(context.Context, *corev1.Namespace, metav1.UpdateOptions) (*corev1.Namespace, error) {
				return cs.CoreV1().Namespaces().UpdateStatus
			},
			gracefulDelete: true,
		}.run},
	}
}

// TestTypedVerbs drives every verb of the generated clientset on each kind and checks the objects, the errors
// client-go decodes (code, reason, message, details) and the watch stream of the changes.
func TestTypedVerbs(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		for _, c := range typedCases() {
			t.Run(c.name, func(t *testing.T) { c.run(t, e) })
		}
	})
}

// wantEvent is an expected watch event: its type, object name and, when known, resourceVersion.
type wantEvent struct {
	typ  watch.EventType
	name string
	rv   int64 // 0: not known in advance
}

// run is the verb sequence of one kind. The kinds run one after another on one server, so the server's revision
// right after a delete is that delete's revision.
func (k kindSpec[T, L]) run(t *testing.T, e *env) {
	c := k.client(e.cs)
	ctx := e.ctx
	sel := metav1.ListOptions{LabelSelector: "suite=conformance"}
	base, err := c.List(ctx, sel)
	require.NoError(t, err)
	names, rv0 := listNames(t, base)
	require.Empty(t, names)
	w, err := c.Watch(ctx, metav1.ListOptions{LabelSelector: "suite=conformance", ResourceVersion: rv0})
	require.NoError(t, err)
	defer w.Stop()
	var want []wantEvent
	ns := ""
	if k.namespaced {
		ns = testNamespace
	}

	// Create.
	a, err := c.Create(ctx, k.build("a", labelsFor("a")), metav1.CreateOptions{})
	require.NoError(t, err)
	am := objectMeta(a)
	require.Equal(t, "a", am.GetName())
	require.Equal(t, ns, am.GetNamespace())
	require.NotEmpty(t, am.GetUID())
	ts := am.GetCreationTimestamp()
	require.False(t, ts.IsZero())
	require.Greater(t, rvOf(t, a), mustParse(t, rv0))
	want = append(want, wantEvent{watch.Added, "a", rvOf(t, a)})
	b, err := c.Create(ctx, k.build("b", labelsFor("b")), metav1.CreateOptions{})
	require.NoError(t, err)
	require.Greater(t, rvOf(t, b), rvOf(t, a), "every write gets a new, larger resourceVersion (S-5)")
	want = append(want, wantEvent{watch.Added, "b", rvOf(t, b)})

	t.Run("AlreadyExists", func(t *testing.T) {
		_, err := c.Create(ctx, k.build("a", labelsFor("a")), metav1.CreateOptions{})
		require.True(t, apierrors.IsAlreadyExists(err), "%v", err)
		se := requireStatus(t, err, 409, metav1.StatusReasonAlreadyExists, fmt.Sprintf("%s %q already exists", k.gr, "a"))
		requireDetails(t, se, "a", k.gr.Group, k.gr.Resource)
	})
	t.Run("Invalid", func(t *testing.T) {
		_, err := c.Create(ctx, k.build(k.badName, labelsFor("a")), metav1.CreateOptions{})
		require.True(t, apierrors.IsInvalid(err), "%v", err)
		gk := schema.GroupKind{Group: k.gr.Group, Kind: k.kind}
		se := requireStatus(t, err, 422, metav1.StatusReasonInvalid, invalidNameMessage(gk, k.badName, k.nameProblems(k.badName, false)))
		requireDetails(t, se, k.badName, k.gr.Group, k.kind)
		require.NotEmpty(t, se.ErrStatus.Details.Causes)
		require.Equal(t, "metadata.name", se.ErrStatus.Details.Causes[0].Field)
		require.Equal(t, metav1.CauseTypeFieldValueInvalid, se.ErrStatus.Details.Causes[0].Type)
	})

	// Get.
	got, err := c.Get(ctx, "a", metav1.GetOptions{})
	require.NoError(t, err)
	require.True(t, apiequality.Semantic.DeepEqual(a, got), "GET returns what CREATE returned")
	t.Run("NotFound", func(t *testing.T) {
		_, err := c.Get(ctx, "missing", metav1.GetOptions{})
		require.True(t, apierrors.IsNotFound(err), "%v", err)
		se := requireStatus(t, err, 404, metav1.StatusReasonNotFound, fmt.Sprintf("%s %q not found", k.gr, "missing"))
		requireDetails(t, se, "missing", k.gr.Group, k.gr.Resource)
	})

	t.Run("List", func(t *testing.T) {
		cases := []struct {
			name, labels, fields string
			want                 []string
		}{
			{"all", "suite=conformance", "", []string{"a", "b"}},
			{"label equality", "app=a", "", []string{"a"}},
			{"label set", "suite=conformance,app in (a,b)", "", []string{"a", "b"}},
			{"label inequality", "suite=conformance,app!=a", "", []string{"b"}},
			{"label exists", "suite,!missing", "", []string{"a", "b"}},
			{"field name", "", "metadata.name=b", []string{"b"}},
			{"field name inequality", "suite=conformance", "metadata.name!=a", []string{"b"}},
			{"label and field", "app=a", "metadata.name=b", []string{}},
			{"kind field", "suite=conformance", k.fieldSelector, []string{"a", "b"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				l, err := c.List(ctx, metav1.ListOptions{LabelSelector: tc.labels, FieldSelector: tc.fields})
				require.NoError(t, err)
				names, rv := listNames(t, l)
				require.Equal(t, tc.want, names)
				require.GreaterOrEqual(t, mustParse(t, rv), rvOf(t, b), "a list's resourceVersion is at least every item's (S-4)")
			})
		}
	})

	// Update, then a stale update.
	// From the stored object, as a client does: the server's defaults and admission added fields (a pod's service
	// account volume, tolerations) that a pod update may not remove.
	changed := jsonCopy(t, a)
	k.mutate(changed)
	updated, err := c.Update(ctx, changed, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.True(t, k.mutated(updated))
	require.Greater(t, rvOf(t, updated), rvOf(t, b))
	require.Equal(t, objectMeta(a).GetUID(), objectMeta(updated).GetUID())
	want = append(want, wantEvent{watch.Modified, "a", rvOf(t, updated)})
	got, err = c.Get(ctx, "a", metav1.GetOptions{})
	require.NoError(t, err)
	require.True(t, k.mutated(got))
	t.Run("Conflict", func(t *testing.T) {
		_, err := c.Update(ctx, a, metav1.UpdateOptions{}) // a carries the resourceVersion before the update
		require.True(t, apierrors.IsConflict(err), "%v", err)
		se := requireStatus(t, err, 409, metav1.StatusReasonConflict, fmt.Sprintf(
			"Operation cannot be fulfilled on %s %q: the object has been modified; please apply your changes to the latest version and try again", k.gr, "a"))
		requireDetails(t, se, "a", k.gr.Group, k.gr.Resource)
	})
	t.Run("UpdateStatus", func(t *testing.T) {
		if k.updateStatus == nil {
			t.Skip("the kind has no status subresource")
		}
		cur, err := c.Get(ctx, "a", metav1.GetOptions{})
		require.NoError(t, err)
		st, err := k.updateStatus(e.cs)(ctx, cur, metav1.UpdateOptions{})
		skipIfNoStatusSubresource(t, err)
		require.NoError(t, err)
		require.GreaterOrEqual(t, rvOf(t, st), rvOf(t, cur))
	})

	// Delete.
	require.NoError(t, c.Delete(ctx, "a", metav1.DeleteOptions{}))
	if k.gracefulDelete {
		// Namespaces go Terminating instead (TestNamespaceDeletionIsGraceful); the watch checks stop here.
		requireEvents(t, w, want)
		return
	}
	if k.kind == "Pod" {
		// A pod is marked with deletionTimestamp (grace period 0: not scheduled) before it goes.
		want = append(want, wantEvent{typ: watch.Modified, name: "a"})
	}
	want = append(want, wantEvent{watch.Deleted, "a", e.s.API.Revision()})
	_, err = c.Get(ctx, "a", metav1.GetOptions{})
	require.True(t, apierrors.IsNotFound(err), "%v", err)
	err = c.Delete(ctx, "a", metav1.DeleteOptions{})
	require.True(t, apierrors.IsNotFound(err), "deleting a missing object is 404: %v", err)
	requireStatus(t, err, 404, metav1.StatusReasonNotFound, fmt.Sprintf("%s %q not found", k.gr, "a"))

	// DeleteCollection with a label selector.
	require.NoError(t, k.deleteCollection(e.cs)(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "app=b"}))
	if k.kind == "Pod" {
		want = append(want, wantEvent{typ: watch.Modified, name: "b"})
	}
	want = append(want, wantEvent{watch.Deleted, "b", e.s.API.Revision()})
	l, err := c.List(ctx, sel)
	require.NoError(t, err)
	names, _ = listNames(t, l)
	require.Empty(t, names)

	evs := requireEvents(t, w, want)
	require.True(t, apiequality.Semantic.DeepEqual(a, evs[0].Object), "ADDED carries the created object (W-1)")
	require.True(t, k.mutated(any(evs[2].Object).(*T)), "MODIFIED carries the new state")
	require.Equal(t, labelsFor("a"), objectMeta(evs[3].Object).GetLabels(), "DELETED carries the last state (X-13)")
}

// requireEvents reads len(want) events from w and checks their types, names and, where known, resourceVersions;
// resourceVersions must strictly increase. It returns the events.
func requireEvents(t *testing.T, w watch.Interface, want []wantEvent) []watch.Event {
	t.Helper()
	var got []watch.Event
	timeout := time.After(10 * time.Second)
	for len(got) < len(want) {
		select {
		case ev, ok := <-w.ResultChan():
			require.True(t, ok, "watch closed after %d of %d events", len(got), len(want))
			require.NotEqual(t, watch.Error, ev.Type, "%v", apierrors.FromObject(ev.Object))
			if ev.Type == watch.Bookmark {
				continue
			}
			got = append(got, ev)
		case <-timeout:
			require.FailNow(t, "timeout", "got %d of %d events", len(got), len(want))
		}
	}
	last := int64(0)
	for i, ev := range got {
		m := objectMeta(ev.Object)
		rv := rvOf(t, ev.Object)
		require.Equal(t, want[i].typ, ev.Type, "event %d", i)
		require.Equal(t, want[i].name, m.GetName(), "event %d", i)
		if want[i].rv != 0 {
			require.Equal(t, want[i].rv, rv, "event %d (%s %s): resourceVersion", i, ev.Type, m.GetName())
		}
		require.Greater(t, rv, last, "event %d: resourceVersions strictly increase", i)
		last = rv
	}
	return got
}

func mustParse(t *testing.T, rv string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(rv, 10, 64)
	require.NoError(t, err, "resourceVersion %q must be numeric", rv)
	return n
}

// jsonCopy returns a deep copy of v made through its JSON form.
func jsonCopy[T any](t *testing.T, v *T) *T {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	out := new(T)
	require.NoError(t, json.Unmarshal(data, out))
	return out
}
