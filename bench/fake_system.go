package bench

import (
	"context"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// The two constructors of client-go's fake clientset: the classic object
// tracker, and the newer one with field management (server-side apply), which
// does more work per write.
func init() {
	Register(Factory{
		Name: "client-go fake (NewSimpleClientset)",
		New: func() (System, error) {
			return &clientGoFake{pods: fake.NewSimpleClientset().CoreV1().Pods(Namespace)}, nil
		},
	})
	Register(Factory{
		Name: "client-go fake (NewClientset)",
		New: func() (System, error) {
			return &clientGoFake{pods: fake.NewClientset().CoreV1().Pods(Namespace)}, nil
		},
	})
}

// clientGoFake drives a client-go fake clientset through its typed pod client,
// the way a test using kubernetes.Interface does. The fake records every call
// in its action log, which stays in the heap figure.
type clientGoFake struct {
	pods typedcorev1.PodInterface
}

var _ System = (*clientGoFake)(nil)

// Create implements System.
func (s *clientGoFake) Create(ctx context.Context, i int) error {
	_, err := s.pods.Create(ctx, Pod(i), metav1.CreateOptions{})
	return err
}

// Get implements System.
func (s *clientGoFake) Get(ctx context.Context, i int) error {
	_, err := s.pods.Get(ctx, PodName(i), metav1.GetOptions{})
	return err
}

// ListSelected implements System.
func (s *clientGoFake) ListSelected(ctx context.Context, selector string) (int, error) {
	list, err := s.pods.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return 0, err
	}
	return len(list.Items), nil
}

// GetModifyUpdate implements System.
func (s *clientGoFake) GetModifyUpdate(ctx context.Context, i int) error {
	pod, err := s.pods.Get(ctx, PodName(i), metav1.GetOptions{})
	if err != nil {
		return err
	}
	pod.Labels[UpdateLabel] = strconv.Itoa(i)
	_, err = s.pods.Update(ctx, pod, metav1.UpdateOptions{})
	return err
}

// PatchImage implements System.
func (s *clientGoFake) PatchImage(ctx context.Context, i int) error {
	_, err := s.pods.Patch(ctx, PodName(i), types.StrategicMergePatchType, []byte(ImagePatch), metav1.PatchOptions{})
	return err
}

// Delete implements System.
func (s *clientGoFake) Delete(ctx context.Context, i int) error {
	return s.pods.Delete(ctx, PodName(i), metav1.DeleteOptions{})
}

// Watch implements System.
func (s *clientGoFake) Watch(ctx context.Context) (Watcher, error) {
	w, err := s.pods.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return apiWatcher{w: w}, nil
}

// Close implements System; the fake holds nothing to release.
func (s *clientGoFake) Close() {}
