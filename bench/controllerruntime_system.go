package bench

import (
	"context"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// controller-runtime's fake client as built by default, with the field-managed
// object tracker and client-go's scheme.
func init() {
	Register(Factory{
		Name: "controller-runtime fake",
		New: func() (System, error) {
			return &controllerRuntimeFake{c: fake.NewClientBuilder().Build()}, nil
		},
	})
}

// controllerRuntimeFake drives controller-runtime's fake client with typed
// *corev1.Pod objects, the way a reconciler test does.
type controllerRuntimeFake struct {
	c client.WithWatch
}

var _ System = (*controllerRuntimeFake)(nil)

func key(i int) client.ObjectKey {
	return client.ObjectKey{Namespace: Namespace, Name: PodName(i)}
}

// podRef returns an otherwise empty pod naming pod i, for Patch and Delete.
func podRef(i int) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: PodName(i)}}
}

// Create implements System.
func (s *controllerRuntimeFake) Create(ctx context.Context, i int) error {
	return s.c.Create(ctx, Pod(i))
}

// Get implements System.
func (s *controllerRuntimeFake) Get(ctx context.Context, i int) error {
	var pod corev1.Pod
	return s.c.Get(ctx, key(i), &pod)
}

// ListSelected implements System. The selector is parsed on every call, as a
// server parses the query parameter of every request.
func (s *controllerRuntimeFake) ListSelected(ctx context.Context, selector string) (int, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return 0, err
	}
	var list corev1.PodList
	if err := s.c.List(ctx, &list, client.InNamespace(Namespace), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return 0, err
	}
	return len(list.Items), nil
}

// GetModifyUpdate implements System.
func (s *controllerRuntimeFake) GetModifyUpdate(ctx context.Context, i int) error {
	var pod corev1.Pod
	if err := s.c.Get(ctx, key(i), &pod); err != nil {
		return err
	}
	pod.Labels[UpdateLabel] = strconv.Itoa(i)
	return s.c.Update(ctx, &pod)
}

// PatchImage implements System.
func (s *controllerRuntimeFake) PatchImage(ctx context.Context, i int) error {
	return s.c.Patch(ctx, podRef(i), client.RawPatch(types.StrategicMergePatchType, []byte(ImagePatch)))
}

// Delete implements System.
func (s *controllerRuntimeFake) Delete(ctx context.Context, i int) error {
	return s.c.Delete(ctx, podRef(i))
}

// Watch implements System.
func (s *controllerRuntimeFake) Watch(ctx context.Context) (Watcher, error) {
	w, err := s.c.Watch(ctx, &corev1.PodList{}, client.InNamespace(Namespace))
	if err != nil {
		return nil, err
	}
	return apiWatcher{w: w}, nil
}

// Close implements System; the fake holds nothing to release.
func (s *controllerRuntimeFake) Close() {}
