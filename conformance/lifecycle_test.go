package conformance

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
)

// ownerChain creates what a deployment controller and a replicaset controller would: a deployment, a replicaset it
// controls, and two pods the replicaset controls (ownerReferences with controller and blockOwnerDeletion set).
func ownerChain(t *testing.T, e *env, name string) (*appsv1.Deployment, *appsv1.ReplicaSet, []*corev1.Pod) {
	t.Helper()
	yes := true
	d, err := e.cs.AppsV1().Deployments(testNamespace).Create(e.ctx, newDeployment(name, nil), metav1.CreateOptions{})
	require.NoError(t, err)
	owner := func(apiVersion, kind, name string, uid types.UID) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: &yes, BlockOwnerDeletion: &yes}}
	}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-rs", Namespace: testNamespace,
			OwnerReferences: owner("apps/v1", "Deployment", d.Name, d.UID)},
		Spec: appsv1.ReplicaSetSpec{Selector: d.Spec.Selector, Template: d.Spec.Template},
	}
	rs, err = e.cs.AppsV1().ReplicaSets(testNamespace).Create(e.ctx, rs, metav1.CreateOptions{})
	require.NoError(t, err)
	var pods []*corev1.Pod
	for i := range 2 {
		p := newPod(fmt.Sprintf("%s-pod-%d", name, i), d.Spec.Template.Labels)
		p.OwnerReferences = owner("apps/v1", "ReplicaSet", rs.Name, rs.UID)
		p, err = e.cs.CoreV1().Pods(testNamespace).Create(e.ctx, p, metav1.CreateOptions{})
		require.NoError(t, err)
		pods = append(pods, p)
	}
	return d, rs, pods
}

// waitFor waits for cond, polling briefly: the garbage collector works from watch events.
func waitFor(t *testing.T, e *env, what string, cond func() (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(e.ctx, 10*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) { return cond() })
	require.NoError(t, err, what)
}

// TestGarbageCollection: deleting a deployment with each propagation policy does to its replicaset and pods what
// kube-controller-manager's garbage collector does.
func TestGarbageCollection(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		gone := func(err error) bool { return apierrors.IsNotFound(err) }
		rsGone := func(name string) func() (bool, error) {
			return func() (bool, error) {
				_, err := e.cs.AppsV1().ReplicaSets(testNamespace).Get(e.ctx, name, metav1.GetOptions{})
				return gone(err), nil
			}
		}
		podsGone := func(pods []*corev1.Pod) func() (bool, error) {
			return func() (bool, error) {
				for _, p := range pods {
					if _, err := e.cs.CoreV1().Pods(testNamespace).Get(e.ctx, p.Name, metav1.GetOptions{}); !gone(err) {
						return false, nil
					}
				}
				return true, nil
			}
		}

		t.Run("Background", func(t *testing.T) {
			d, rs, pods := ownerChain(t, e, "bg")
			policy := metav1.DeletePropagationBackground
			require.NoError(t, e.cs.AppsV1().Deployments(testNamespace).Delete(e.ctx, d.Name, metav1.DeleteOptions{PropagationPolicy: &policy}))
			_, err := e.cs.AppsV1().Deployments(testNamespace).Get(e.ctx, d.Name, metav1.GetOptions{})
			require.True(t, gone(err), "the owner goes at once: %v", err)
			waitFor(t, e, "the replicaset is collected", rsGone(rs.Name))
			waitFor(t, e, "the pods are collected", podsGone(pods))
		})

		t.Run("Foreground", func(t *testing.T) {
			d, rs, pods := ownerChain(t, e, "fg")
			policy := metav1.DeletePropagationForeground
			require.NoError(t, e.cs.AppsV1().Deployments(testNamespace).Delete(e.ctx, d.Name, metav1.DeleteOptions{PropagationPolicy: &policy}))
			waitFor(t, e, "the pods go first", podsGone(pods))
			waitFor(t, e, "then the replicaset", rsGone(rs.Name))
			waitFor(t, e, "then the owner", func() (bool, error) {
				_, err := e.cs.AppsV1().Deployments(testNamespace).Get(e.ctx, d.Name, metav1.GetOptions{})
				return gone(err), nil
			})
		})

		t.Run("Foreground waits for a dependent's finalizer", func(t *testing.T) {
			d, rs, _ := ownerChain(t, e, "fgf")
			_, err := e.cs.AppsV1().ReplicaSets(testNamespace).Patch(e.ctx, rs.Name, types.MergePatchType,
				[]byte(`{"metadata":{"finalizers":["example.com/hold"]}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			policy := metav1.DeletePropagationForeground
			require.NoError(t, e.cs.AppsV1().Deployments(testNamespace).Delete(e.ctx, d.Name, metav1.DeleteOptions{PropagationPolicy: &policy}))
			got, err := e.cs.AppsV1().Deployments(testNamespace).Get(e.ctx, d.Name, metav1.GetOptions{})
			require.NoError(t, err, "the owner waits")
			require.NotNil(t, got.DeletionTimestamp)
			require.Contains(t, got.Finalizers, metav1.FinalizerDeleteDependents)
			waitFor(t, e, "the held replicaset is marked for deletion", func() (bool, error) {
				got, err := e.cs.AppsV1().ReplicaSets(testNamespace).Get(e.ctx, rs.Name, metav1.GetOptions{})
				return err == nil && got.DeletionTimestamp != nil, err
			})
			_, err = e.cs.AppsV1().Deployments(testNamespace).Get(e.ctx, d.Name, metav1.GetOptions{})
			require.NoError(t, err, "still waiting for the replicaset")
			_, err = e.cs.AppsV1().ReplicaSets(testNamespace).Patch(e.ctx, rs.Name, types.MergePatchType,
				[]byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			waitFor(t, e, "the owner goes once the replicaset is gone", func() (bool, error) {
				_, err := e.cs.AppsV1().Deployments(testNamespace).Get(e.ctx, d.Name, metav1.GetOptions{})
				return gone(err), nil
			})
		})

		t.Run("Orphan", func(t *testing.T) {
			d, rs, pods := ownerChain(t, e, "or")
			policy := metav1.DeletePropagationOrphan
			require.NoError(t, e.cs.AppsV1().Deployments(testNamespace).Delete(e.ctx, d.Name, metav1.DeleteOptions{PropagationPolicy: &policy}))
			waitFor(t, e, "the owner goes once its dependents are orphaned", func() (bool, error) {
				_, err := e.cs.AppsV1().Deployments(testNamespace).Get(e.ctx, d.Name, metav1.GetOptions{})
				return gone(err), nil
			})
			got, err := e.cs.AppsV1().ReplicaSets(testNamespace).Get(e.ctx, rs.Name, metav1.GetOptions{})
			require.NoError(t, err, "the replicaset stays")
			require.Empty(t, got.OwnerReferences, "without its owner reference")
			for _, p := range pods {
				got, err := e.cs.CoreV1().Pods(testNamespace).Get(e.ctx, p.Name, metav1.GetOptions{})
				require.NoError(t, err, "the pods stay")
				require.Len(t, got.OwnerReferences, 1, "still owned by the replicaset")
			}
		})
	})
}

// TestNamespaceDeletion: deleting a namespace makes it Terminating, refuses new content with kube's 403, deletes
// its content, waits for the finalizers of what remains, then removes the namespace.
func TestNamespaceDeletion(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		nss := e.cs.CoreV1().Namespaces()
		_, err := nss.Create(e.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "doomed"}}, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = e.cs.CoreV1().ServiceAccounts("doomed").Get(e.ctx, "default", metav1.GetOptions{})
		require.NoError(t, err, "every namespace gets a default service account")
		cms := e.cs.CoreV1().ConfigMaps("doomed")
		_, err = cms.Create(e.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = cms.Create(e.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"example.com/hold"}}}, metav1.CreateOptions{})
		require.NoError(t, err)
		pod := newPod("p", nil)
		pod.Namespace = "doomed"
		_, err = e.cs.CoreV1().Pods("doomed").Create(e.ctx, pod, metav1.CreateOptions{})
		require.NoError(t, err)

		require.NoError(t, nss.Delete(e.ctx, "doomed", metav1.DeleteOptions{}))
		ns, err := nss.Get(e.ctx, "doomed", metav1.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, corev1.NamespaceTerminating, ns.Status.Phase)
		require.NotNil(t, ns.DeletionTimestamp)

		_, err = cms.Create(e.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late"}}, metav1.CreateOptions{})
		require.True(t, apierrors.IsForbidden(err), "%v", err)
		require.Equal(t, `configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated`, err.Error())

		waitFor(t, e, "the content without finalizers goes", func() (bool, error) {
			l, err := cms.List(e.ctx, metav1.ListOptions{})
			if err != nil {
				return false, err
			}
			pods, err := e.cs.CoreV1().Pods("doomed").List(e.ctx, metav1.ListOptions{})
			return err == nil && len(l.Items) == 1 && l.Items[0].Name == "held" && len(pods.Items) == 0, err
		})
		_, err = nss.Get(e.ctx, "doomed", metav1.GetOptions{})
		require.NoError(t, err, "the namespace waits for the held configmap")
		_, err = cms.Patch(e.ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		require.NoError(t, err)
		waitFor(t, e, "then the namespace goes", func() (bool, error) {
			_, err := nss.Get(e.ctx, "doomed", metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
	})
}
