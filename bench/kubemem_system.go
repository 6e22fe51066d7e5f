package bench

import (
	"context"
	"errors"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// kubemem is measured twice: with its native immutable objects (the Go API's own form), and with k8s.io/api structs
// through apiserver.For, which converts through JSON on every call (what a test that keeps its corev1.Pod values
// pays).
func init() {
	Register(Factory{Name: KubememName, New: func() (System, error) { return newKubemem() }})
	Register(Factory{Name: KubememName + " (typed corev1.Pod)", New: func() (System, error) { return newKubememTyped() }})
}

// kubememSystem drives kubemem's Go API with native objects.
type kubememSystem struct {
	srv  *apiserver.Server
	pods *apiserver.ResourceClient
}

func newKubemem() (*kubememSystem, error) {
	srv, err := apiserver.New(apiserver.Options{})
	if err != nil {
		return nil, err
	}
	return &kubememSystem{srv: srv, pods: srv.Resource(apiserver.Pods).Namespace(Namespace)}, nil
}

// podObject builds pod i as an immutable object from its unstructured form.
func podObject(i int) (*types.Object, error) {
	labels := PodLabels(i)
	return types.Unstructured{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": PodName(i), "namespace": Namespace, "labels": map[string]any{"app": labels["app"], "tier": labels["tier"]}},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "c", "image": "nginx:1.25", "ports": []any{map[string]any{"containerPort": int64(80)}},
		}}},
	}.ToObject()
}

func (s *kubememSystem) Create(ctx context.Context, i int) error {
	o, err := podObject(i)
	if err != nil {
		return err
	}
	_, err = s.pods.Create(ctx, o, apiserver.CreateOptions{})
	return err
}

func (s *kubememSystem) Get(ctx context.Context, i int) error {
	_, err := s.pods.Get(ctx, PodName(i), apiserver.GetOptions{})
	return err
}

func (s *kubememSystem) ListSelected(ctx context.Context, selector string) (int, error) {
	l, err := s.pods.List(ctx, apiserver.ListOptions{LabelSelector: selector})
	if err != nil {
		return 0, err
	}
	return len(l.Items), nil
}

func (s *kubememSystem) GetModifyUpdate(ctx context.Context, i int) error {
	o, err := s.pods.Get(ctx, PodName(i), apiserver.GetOptions{})
	if err != nil {
		return err
	}
	m := o.Meta() // a deep copy, carrying the resourceVersion
	m.Labels[UpdateLabel] = strconv.Itoa(i)
	_, err = s.pods.Update(ctx, o.WithMetaNoCopy(m), apiserver.UpdateOptions{})
	return err
}

func (s *kubememSystem) PatchImage(ctx context.Context, i int) error {
	return patchImage(ctx, s.pods, i)
}

func (s *kubememSystem) Delete(ctx context.Context, i int) error {
	_, err := s.pods.Delete(ctx, PodName(i), apiserver.DeleteOptions{})
	return err
}

func (s *kubememSystem) Watch(ctx context.Context) (Watcher, error) {
	return watchFromNow(ctx, s.srv, s.pods)
}

func (s *kubememSystem) Close() { s.srv.Close() }

// watchFromNow watches from the current resourceVersion: exactly the changes after it, no initial events.
func watchFromNow(ctx context.Context, srv *apiserver.Server, pods *apiserver.ResourceClient) (Watcher, error) {
	w, err := pods.Watch(ctx, apiserver.ListOptions{ResourceVersion: strconv.FormatInt(srv.Revision(), 10)})
	if err != nil {
		return nil, err
	}
	return kubememWatcher{w}, nil
}

type kubememWatcher struct{ w watch.Interface }

func (k kubememWatcher) Next(ctx context.Context) (bool, error) {
	select {
	case ev, ok := <-k.w.ResultChan():
		if !ok {
			return false, errors.New("kubemem: watch ended")
		}
		return ev.Type == watch.Added, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (k kubememWatcher) Stop() { k.w.Stop() }

// kubememTyped drives kubemem's Go API with k8s.io/api structs through apiserver.For.
type kubememTyped struct {
	srv  *apiserver.Server
	pods apiserver.Typed[corev1.Pod]
	raw  *apiserver.ResourceClient
}

func newKubememTyped() (*kubememTyped, error) {
	srv, err := apiserver.New(apiserver.Options{})
	if err != nil {
		return nil, err
	}
	return &kubememTyped{srv: srv, pods: apiserver.For[corev1.Pod](srv, apiserver.Pods).Namespace(Namespace), raw: srv.Resource(apiserver.Pods).Namespace(Namespace)}, nil
}

func (s *kubememTyped) Create(ctx context.Context, i int) error {
	_, err := s.pods.Create(ctx, Pod(i), apiserver.CreateOptions{})
	return err
}

func (s *kubememTyped) Get(ctx context.Context, i int) error {
	_, err := s.pods.Get(ctx, PodName(i), apiserver.GetOptions{})
	return err
}

func (s *kubememTyped) ListSelected(ctx context.Context, selector string) (int, error) {
	items, _, err := s.pods.List(ctx, apiserver.ListOptions{LabelSelector: selector})
	return len(items), err
}

func (s *kubememTyped) GetModifyUpdate(ctx context.Context, i int) error {
	p, err := s.pods.Get(ctx, PodName(i), apiserver.GetOptions{})
	if err != nil {
		return err
	}
	p.Labels[UpdateLabel] = strconv.Itoa(i)
	_, err = s.pods.Update(ctx, p, apiserver.UpdateOptions{})
	return err
}

func (s *kubememTyped) PatchImage(ctx context.Context, i int) error { return patchImage(ctx, s.raw, i) }

func (s *kubememTyped) Delete(ctx context.Context, i int) error {
	return s.pods.Delete(ctx, PodName(i), apiserver.DeleteOptions{})
}

func (s *kubememTyped) Watch(ctx context.Context) (Watcher, error) {
	return watchFromNow(ctx, s.srv, s.raw)
}

func (s *kubememTyped) Close() { s.srv.Close() }
