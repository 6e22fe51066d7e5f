package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
)

// TestObjectSemantics checks object lifecycle rules of kube-apiserver's registry strategies that client-go users
// depend on: namespace and pod graceful deletion, the verbs namespaces serve, selectable fields with their
// defaults, and defaulting.
func TestObjectSemantics(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		namespaces := e.cs.CoreV1().Namespaces()
		pods := e.cs.CoreV1().Pods(testNamespace)
		cases := []namedRun{
			{"namespace lifecycle", func(t *testing.T, e *env) {
				ns, err := namespaces.Create(e.ctx, newNamespace("doomed", nil), metav1.CreateOptions{})
				require.NoError(t, err)
				require.Equal(t, corev1.NamespaceActive, ns.Status.Phase)
				require.Equal(t, "doomed", ns.Labels["kubernetes.io/metadata.name"])
				// Content with a finalizer keeps the namespace Terminating while the test looks at it (the namespace
				// controller removes it once it is empty: TestNamespaceDeletion).
				held := inNamespace(newConfigMap("held", nil), "doomed")
				held.Finalizers = []string{"example.com/hold"}
				_, err = e.cs.CoreV1().ConfigMaps("doomed").Create(e.ctx, held, metav1.CreateOptions{})
				require.NoError(t, err)
				require.NoError(t, namespaces.Delete(e.ctx, "doomed", metav1.DeleteOptions{}))
				got, err := namespaces.Get(e.ctx, "doomed", metav1.GetOptions{})
				require.NoError(t, err)
				require.NotNil(t, got.DeletionTimestamp)
				require.Equal(t, corev1.NamespaceTerminating, got.Status.Phase)
				_, err = e.cs.CoreV1().ConfigMaps("doomed").Create(e.ctx, inNamespace(newConfigMap("late", nil), "doomed"), metav1.CreateOptions{})
				require.True(t, apierrors.IsForbidden(err), "creating in a terminating namespace is 403: %v", err)
				_, err = e.cs.CoreV1().ConfigMaps("doomed").Patch(e.ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
				require.NoError(t, err)
			}},
			{"namespaces get spec.finalizers [kubernetes]", func(t *testing.T, e *env) {
				ns, err := namespaces.Create(e.ctx, newNamespace("finalized", nil), metav1.CreateOptions{})
				require.NoError(t, err)
				require.Equal(t, []corev1.FinalizerName{corev1.FinalizerKubernetes}, ns.Spec.Finalizers)
			}},
			{"namespaces serve no deletecollection", func(t *testing.T, e *env) {
				dc, err := discovery.NewDiscoveryClientForConfig(e.cfg)
				require.NoError(t, err)
				l, err := dc.ServerResourcesForGroupVersion("v1")
				require.NoError(t, err)
				verbs := findResource(t, l, "namespaces").Verbs
				err = e.dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).
					DeleteCollection(e.ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "matches=nothing"})
				require.True(t, apierrors.IsMethodNotSupported(err), "%v", err)
				require.NotContains(t, verbs, "deletecollection")
			}},
			{"field selectors see unset fields as their zero value", func(t *testing.T, e *env) {
				_, err := pods.Create(e.ctx, newPod("unscheduled", map[string]string{"fs": "yes"}), metav1.CreateOptions{})
				require.NoError(t, err)
				_, err = e.cs.CoreV1().Nodes().Create(e.ctx, newNode("schedulable", map[string]string{"fs": "yes"}), metav1.CreateOptions{})
				require.NoError(t, err)
				_, err = e.cs.BatchV1().Jobs(testNamespace).Create(e.ctx, &batchv1.Job{
					ObjectMeta: metav1.ObjectMeta{Name: "fresh", Labels: map[string]string{"fs": "yes"}},
					Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
						Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}},
				}, metav1.CreateOptions{})
				require.NoError(t, err)
				for _, tc := range []struct {
					name     string
					list     func(metav1.ListOptions) (int, error)
					selector string
				}{
					{"pods", podCount(e), "spec.nodeName="},
					{"pods", podCount(e), "status.phase=Pending"},
					{"pods", podCount(e), "spec.hostNetwork=false"},
					{"nodes", nodeCount(e), "spec.unschedulable=false"},
					{"jobs", jobCount(e), "status.successful=0"}, // kube reads status.succeeded
				} {
					t.Run(tc.name+" "+tc.selector, func(t *testing.T) {
						n, err := tc.list(metav1.ListOptions{LabelSelector: "fs=yes", FieldSelector: tc.selector})
						require.NoError(t, err)
						knownDivergence(t, n == 0, "BUG: field selector %q does not match an object where the field is "+
							"unset; kube-apiserver's ToSelectableFields formats unset booleans as \"false\" (and numbers as "+
							"\"0\"), so it matches", tc.selector)
						require.Equal(t, 1, n)
					})
				}
			}},
			{"finalizers hold a deleted object until removed", func(t *testing.T, e *env) {
				cms := e.cs.CoreV1().ConfigMaps(testNamespace)
				cm := newConfigMap("finalized", labelsFor("a"))
				cm.Finalizers = []string{"example.com/hold"}
				cm, err := cms.Create(e.ctx, cm, metav1.CreateOptions{})
				require.NoError(t, err)
				require.NoError(t, cms.Delete(e.ctx, "finalized", metav1.DeleteOptions{}))
				got, err := cms.Get(e.ctx, "finalized", metav1.GetOptions{})
				require.NoError(t, err)
				require.NotNil(t, got.DeletionTimestamp)
				w, err := cms.Watch(e.ctx, metav1.ListOptions{FieldSelector: "metadata.name=finalized", ResourceVersion: got.ResourceVersion})
				require.NoError(t, err)
				defer w.Stop()
				got.Finalizers = nil
				_, err = cms.Update(e.ctx, got, metav1.UpdateOptions{})
				require.NoError(t, err)
				requireEvents(t, w, []wantEvent{{typ: watch.Deleted, name: "finalized"}})
				_, err = cms.Get(e.ctx, "finalized", metav1.GetOptions{})
				require.True(t, apierrors.IsNotFound(err), "%v", err)
			}},
			{"pod deletion is graceful once scheduled", func(t *testing.T, e *env) {
				p := newPod("scheduled", labelsFor("a"))
				p.Spec.NodeName = "node-1"
				// The node exists: a pod bound to a missing node is deleted at once, as kube's pod GC would.
				_, err := e.cs.CoreV1().Nodes().Create(e.ctx, newNode("node-1", nil), metav1.CreateOptions{})
				require.NoError(t, err)
				grace := int64(30)
				p.Spec.TerminationGracePeriodSeconds = &grace
				_, err = pods.Create(e.ctx, p, metav1.CreateOptions{})
				require.NoError(t, err)
				require.NoError(t, pods.Delete(e.ctx, "scheduled", metav1.DeleteOptions{}))
				got, err := pods.Get(e.ctx, "scheduled", metav1.GetOptions{})
				require.NoError(t, err)
				require.NotNil(t, got.DeletionTimestamp)
				require.Equal(t, grace, *got.DeletionGracePeriodSeconds)
				zero := int64(0)
				require.NoError(t, pods.Delete(e.ctx, "scheduled", metav1.DeleteOptions{GracePeriodSeconds: &zero}))
				_, err = pods.Get(e.ctx, "scheduled", metav1.GetOptions{})
				require.True(t, apierrors.IsNotFound(err), "%v", err)
			}},
			{"status is written only through the status subresource", func(t *testing.T, e *env) {
				p, err := pods.Create(e.ctx, newPod("status-split", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				p.Status.Phase = corev1.PodRunning
				p.Labels["touched"] = "yes"
				updated, err := pods.Update(e.ctx, p, metav1.UpdateOptions{})
				require.NoError(t, err)
				require.Equal(t, "yes", updated.Labels["touched"])
				require.Equal(t, corev1.PodPending, updated.Status.Phase, "PUT on the pod keeps the stored status")
				updated.Status.Phase = corev1.PodRunning
				deadline := int64(5)
				updated.Spec.ActiveDeadlineSeconds = &deadline
				st, err := pods.UpdateStatus(e.ctx, updated, metav1.UpdateOptions{})
				skipIfNoStatusSubresource(t, err)
				require.NoError(t, err)
				require.Equal(t, corev1.PodRunning, st.Status.Phase)
				require.Nil(t, st.Spec.ActiveDeadlineSeconds, "PUT on status keeps the stored spec")
			}},
			{"deployment generation", func(t *testing.T, e *env) {
				// SEMANTICS V-1: spec and annotation changes bump metadata.generation; labels and status do not.
				deploys := e.cs.AppsV1().Deployments(testNamespace)
				d, err := deploys.Create(e.ctx, newDeployment("generation", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				require.Equal(t, int64(1), d.Generation)
				steps := []struct {
					name   string
					change func(*appsv1.Deployment)
					status bool
					want   int64
				}{
					{"label", func(d *appsv1.Deployment) { d.Labels["x"] = "y" }, false, 1},
					{"annotation", func(d *appsv1.Deployment) { d.Annotations = map[string]string{"x": "y"} }, false, 2},
					{"spec", func(d *appsv1.Deployment) { *d.Spec.Replicas = 2 }, false, 3},
					{"status", func(d *appsv1.Deployment) { d.Status.Replicas = 2 }, true, 3},
				}
				for _, step := range steps {
					step.change(d)
					if step.status {
						d, err = deploys.UpdateStatus(e.ctx, d, metav1.UpdateOptions{})
						skipIfNoStatusSubresource(t, err)
					} else {
						d, err = deploys.Update(e.ctx, d, metav1.UpdateOptions{})
					}
					require.NoError(t, err, step.name)
					require.Equal(t, step.want, d.Generation, "after a %s change", step.name)
				}
			}},
			{"defaulting", func(t *testing.T, e *env) {
				p, err := pods.Create(e.ctx, newPod("defaulted", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				require.Equal(t, corev1.PodPending, p.Status.Phase)
				require.Equal(t, corev1.DNSClusterFirst, p.Spec.DNSPolicy)
				require.Equal(t, corev1.DefaultSchedulerName, p.Spec.SchedulerName)
				require.Equal(t, int64(30), *p.Spec.TerminationGracePeriodSeconds)
				require.Equal(t, corev1.PullIfNotPresent, p.Spec.Containers[0].ImagePullPolicy)
				require.Equal(t, "/dev/termination-log", p.Spec.Containers[0].TerminationMessagePath)
				require.Equal(t, corev1.PodQOSBestEffort, p.Status.QOSClass)
				d, err := e.cs.AppsV1().Deployments(testNamespace).Create(e.ctx, newDeployment("defaulted", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				require.Equal(t, int32(10), *d.Spec.RevisionHistoryLimit)
				require.Equal(t, int32(600), *d.Spec.ProgressDeadlineSeconds)
				require.Equal(t, "RollingUpdate", string(d.Spec.Strategy.Type))
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { c.run(t, e) })
		}
	})
}

func podCount(e *env) func(metav1.ListOptions) (int, error) {
	return func(o metav1.ListOptions) (int, error) {
		l, err := e.cs.CoreV1().Pods(testNamespace).List(e.ctx, o)
		if err != nil {
			return 0, err
		}
		return len(l.Items), nil
	}
}

func jobCount(e *env) func(metav1.ListOptions) (int, error) {
	return func(o metav1.ListOptions) (int, error) {
		l, err := e.cs.BatchV1().Jobs(testNamespace).List(e.ctx, o)
		if err != nil {
			return 0, err
		}
		return len(l.Items), nil
	}
}

func nodeCount(e *env) func(metav1.ListOptions) (int, error) {
	return func(o metav1.ListOptions) (int, error) {
		l, err := e.cs.CoreV1().Nodes().List(e.ctx, o)
		if err != nil {
			return 0, err
		}
		return len(l.Items), nil
	}
}
