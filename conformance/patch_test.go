package conformance

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/watch"
)

// TestPatch sends the three patch types through the generated clients, on the main resource and on status. Every
// case only asks what kube-apiserver allows (pod containers, for example, are immutable there, so list merging is
// checked on a deployment's pod template). The cases skip while PATCH answers 405.
func TestPatch(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		cms := e.cs.CoreV1().ConfigMaps(testNamespace)
		deploys := e.cs.AppsV1().Deployments(testNamespace)
		pods := e.cs.CoreV1().Pods(testNamespace)

		cases := []namedRun{
			{"json patch", func(t *testing.T, e *env) {
				cm, err := cms.Create(e.ctx, newConfigMap("json", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				patch := fmt.Sprintf(`[{"op":"test","path":"/metadata/resourceVersion","value":%q},`+
					`{"op":"add","path":"/data/added","value":"new"},{"op":"replace","path":"/data/key","value":"replaced"},`+
					`{"op":"remove","path":"/metadata/labels/app"}]`, cm.ResourceVersion)
				out, err := cms.Patch(e.ctx, "json", types.JSONPatchType, []byte(patch), metav1.PatchOptions{})
				skipIfPatchNotRouted(t, err)
				require.NoError(t, err)
				require.Equal(t, map[string]string{"key": "replaced", "added": "new"}, out.Data)
				require.Equal(t, map[string]string{"suite": "conformance"}, out.Labels)
				require.Greater(t, rvOf(t, out), rvOf(t, cm))
			}},
			{"json patch: failed test is 422, malformed is 400", func(t *testing.T, e *env) {
				_, err := cms.Create(e.ctx, newConfigMap("json-errors", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				rev := e.s.API.Revision()
				_, err = cms.Patch(e.ctx, "json-errors", types.JSONPatchType, []byte(`[{"op":"test","path":"/data/key","value":"other"}]`), metav1.PatchOptions{})
				skipIfPatchNotRouted(t, err)
				require.True(t, apierrors.IsInvalid(err), "V-2: %v", err)
				requireStatus(t, err, 422, metav1.StatusReasonInvalid, "")
				_, err = cms.Patch(e.ctx, "json-errors", types.JSONPatchType, []byte(`{"op":"add"}`), metav1.PatchOptions{})
				require.True(t, apierrors.IsBadRequest(err), "V-2: %v", err)
				requireStatus(t, err, 400, metav1.StatusReasonBadRequest, "")
				require.Equal(t, rev, e.s.API.Revision(), "failed patches write nothing")
			}},
			{"merge patch", func(t *testing.T, e *env) {
				_, err := deploys.Create(e.ctx, newDeployment("merge", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				out, err := deploys.Patch(e.ctx, "merge", types.MergePatchType,
					[]byte(`{"metadata":{"labels":{"app":null,"added":"yes"}},"spec":{"replicas":4}}`), metav1.PatchOptions{})
				skipIfPatchNotRouted(t, err)
				require.NoError(t, err)
				require.Equal(t, int32(4), *out.Spec.Replicas)
				require.Equal(t, map[string]string{"suite": "conformance", "added": "yes"}, out.Labels)
				require.Equal(t, "nginx:1.25", out.Spec.Template.Spec.Containers[0].Image, "the rest is kept")
			}},
			{"merge patch with a stale resourceVersion is a conflict", func(t *testing.T, e *env) {
				cm, err := cms.Create(e.ctx, newConfigMap("merge-stale", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				_, err = cms.Patch(e.ctx, "merge-stale", types.MergePatchType, []byte(`{"data":{"key":"1"}}`), metav1.PatchOptions{})
				skipIfPatchNotRouted(t, err)
				require.NoError(t, err)
				_, err = cms.Patch(e.ctx, "merge-stale", types.MergePatchType,
					fmt.Appendf(nil, `{"metadata":{"resourceVersion":%q},"data":{"key":"2"}}`, cm.ResourceVersion), metav1.PatchOptions{})
				require.True(t, apierrors.IsConflict(err), "%v", err)
				requireStatus(t, err, 409, metav1.StatusReasonConflict,
					`Operation cannot be fulfilled on configmaps "merge-stale": the object has been modified; please apply your changes to the latest version and try again`)
			}},
			{"strategic merge patch merges lists by key", func(t *testing.T, e *env) {
				d, err := deploys.Create(e.ctx, newDeployment("strategic", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				steps := []struct {
					patch string
					want  []string
				}{
					// apimachinery orders the patched items as the patch does, then the server-only ones.
					{`{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"},{"name":"c","image":"nginx:1.27"}]}}}}`,
						[]string{"sidecar=busybox", "c=nginx:1.27"}},
					{`{"spec":{"template":{"spec":{"containers":[{"name":"c","$patch":"delete"}]}}}}`, []string{"sidecar=busybox"}},
					{`{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"x"},{"name":"sidecar"}],"containers":[{"name":"x","image":"x"}]}}}}`,
						[]string{"x=x", "sidecar=busybox"}},
				}
				for i, step := range steps {
					out, err := deploys.Patch(e.ctx, "strategic", types.StrategicMergePatchType, []byte(step.patch), metav1.PatchOptions{})
					skipIfPatchNotRouted(t, err)
					require.NoError(t, err, "step %d", i)
					require.Equal(t, step.want, containerImages(out), "step %d", i)
					// apimachinery's strategic merge patch is the oracle for the whole spec.
					want := applyStrategic(t, d, step.patch)
					fillContainerDefaults(want, out) // the server defaults containers the patch adds
					require.True(t, apiequality.Semantic.DeepEqual(want.Spec, out.Spec), "step %d: spec differs from apimachinery's merge", i)
					d = out
				}
			}},
			{"strategic merge patch on a pod and its watch event", func(t *testing.T, e *env) {
				p, err := pods.Create(e.ctx, newPod("strategic-pod", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				w, err := pods.Watch(e.ctx, metav1.ListOptions{FieldSelector: "metadata.name=strategic-pod", ResourceVersion: p.ResourceVersion})
				require.NoError(t, err)
				defer w.Stop()
				out, err := pods.Patch(e.ctx, "strategic-pod", types.StrategicMergePatchType,
					[]byte(`{"metadata":{"annotations":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}`), metav1.PatchOptions{})
				skipIfPatchNotRouted(t, err)
				require.NoError(t, err)
				require.Equal(t, "nginx:1.27", out.Spec.Containers[0].Image)
				require.Equal(t, "b", out.Annotations["a"])
				ev := requireEvents(t, w, []wantEvent{{watch.Modified, "strategic-pod", rvOf(t, out)}})
				require.Equal(t, "nginx:1.27", ev[0].Object.(*corev1.Pod).Spec.Containers[0].Image)
			}},
			{"patch of the status subresource", func(t *testing.T, e *env) {
				_, err := pods.Create(e.ctx, newPod("status-pod", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				out, err := pods.Patch(e.ctx, "status-pod", types.MergePatchType,
					[]byte(`{"status":{"phase":"Running","podIP":"10.0.0.9"},"spec":{"activeDeadlineSeconds":5}}`), metav1.PatchOptions{}, "status")
				skipIfPatchNotRouted(t, err)
				skipIfNoStatusSubresource(t, err)
				require.NoError(t, err)
				require.Equal(t, corev1.PodRunning, out.Status.Phase)
				require.Equal(t, "10.0.0.9", out.Status.PodIP)
				require.Nil(t, out.Spec.ActiveDeadlineSeconds, "a status patch does not change spec")
			}},
			{"patch of a missing object is 404", func(t *testing.T, e *env) {
				_, err := cms.Patch(e.ctx, "missing", types.MergePatchType, []byte(`{"data":{"a":"b"}}`), metav1.PatchOptions{})
				skipIfPatchNotRouted(t, err)
				require.True(t, apierrors.IsNotFound(err), "%v", err)
				requireStatus(t, err, 404, metav1.StatusReasonNotFound, `configmaps "missing" not found`)
			}},
			{"merge patch on a cluster-scoped object", func(t *testing.T, e *env) {
				_, err := e.cs.CoreV1().Nodes().Create(e.ctx, newNode("patched-node", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				out, err := e.cs.CoreV1().Nodes().Patch(e.ctx, "patched-node", types.MergePatchType,
					[]byte(`{"metadata":{"labels":{"node-role.kubernetes.io/worker":""}},"spec":{"unschedulable":true}}`), metav1.PatchOptions{})
				skipIfPatchNotRouted(t, err)
				require.NoError(t, err)
				require.True(t, out.Spec.Unschedulable)
				require.Contains(t, out.Labels, "node-role.kubernetes.io/worker")
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { c.run(t, e) })
		}
	})
}

// applyStrategic applies a strategic merge patch to d with apimachinery's implementation.
func applyStrategic(t *testing.T, d *appsv1.Deployment, patch string) *appsv1.Deployment {
	t.Helper()
	orig, err := json.Marshal(d)
	require.NoError(t, err)
	merged, err := strategicpatch.StrategicMergePatch(orig, []byte(patch), appsv1.Deployment{})
	require.NoError(t, err)
	var out appsv1.Deployment
	require.NoError(t, json.Unmarshal(merged, &out))
	return &out
}

func containerImages(d *appsv1.Deployment) []string {
	var out []string
	for _, c := range d.Spec.Template.Spec.Containers {
		out = append(out, c.Name+"="+c.Image)
	}
	return out
}

// fillContainerDefaults copies into want's containers the defaulted fields (imagePullPolicy, terminationMessagePath
// and terminationMessagePolicy) that want leaves empty, from got's container of the same name.
func fillContainerDefaults(want, got *appsv1.Deployment) {
	for i := range want.Spec.Template.Spec.Containers {
		w := &want.Spec.Template.Spec.Containers[i]
		for _, g := range got.Spec.Template.Spec.Containers {
			if g.Name != w.Name {
				continue
			}
			if w.ImagePullPolicy == "" {
				w.ImagePullPolicy = g.ImagePullPolicy
			}
			if w.TerminationMessagePath == "" {
				w.TerminationMessagePath = g.TerminationMessagePath
			}
			if w.TerminationMessagePolicy == "" {
				w.TerminationMessagePolicy = g.TerminationMessagePolicy
			}
		}
	}
}
