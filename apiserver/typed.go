package apiserver

import (
	"context"

	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// Typed runs the verbs of one resource with objects of a Go type T that encodes to and from the resource's JSON,
// such as k8s.io/api's corev1.Pod, without this module importing it. Objects are converted through JSON on every
// call. It is an immutable value, safe for concurrent use.
type Typed[T any] struct {
	c *ResourceClient
}

// For returns a typed client of gvr for T.
func For[T any](s *Server, gvr types.GroupVersionResource) Typed[T] {
	return Typed[T]{c: s.Resource(gvr)}
}

// Namespace returns a typed client scoped to namespace ns.
func (t Typed[T]) Namespace(ns string) Typed[T] { return Typed[T]{c: t.c.Namespace(ns)} }

// Create stores obj and returns it as stored.
func (t Typed[T]) Create(ctx context.Context, obj *T, opts CreateOptions) (*T, error) {
	o, err := types.ObjectFromValue(obj)
	if err != nil {
		return nil, types.NewBadRequest(err.Error())
	}
	created, err := t.c.Create(ctx, o, opts)
	if err != nil {
		return nil, err
	}
	return Decode[T](created)
}

// Get returns the object name.
func (t Typed[T]) Get(ctx context.Context, name string, opts GetOptions) (*T, error) {
	o, err := t.c.Get(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	return Decode[T](o)
}

// List returns the selected objects and the list metadata (resourceVersion, continue).
func (t Typed[T]) List(ctx context.Context, opts ListOptions) ([]T, types.ListMeta, error) {
	l, err := t.c.List(ctx, opts)
	if err != nil {
		return nil, types.ListMeta{}, err
	}
	items := make([]T, len(l.Items))
	for i, o := range l.Items {
		if err := o.Into(&items[i]); err != nil {
			return nil, types.ListMeta{}, types.NewInternalError(err)
		}
	}
	return items, l.ListMeta, nil
}

// Update replaces obj and returns it as stored.
func (t Typed[T]) Update(ctx context.Context, obj *T, opts UpdateOptions) (*T, error) {
	o, err := types.ObjectFromValue(obj)
	if err != nil {
		return nil, types.NewBadRequest(err.Error())
	}
	updated, err := t.c.Update(ctx, o, opts)
	if err != nil {
		return nil, err
	}
	return Decode[T](updated)
}

// Delete removes the object name.
func (t Typed[T]) Delete(ctx context.Context, name string, opts DeleteOptions) error {
	_, err := t.c.Delete(ctx, name, opts)
	return err
}

// Watch starts a watch; decode event objects with Decode[T].
func (t Typed[T]) Watch(ctx context.Context, opts ListOptions) (watch.Interface, error) {
	return t.c.Watch(ctx, opts)
}

// Decode converts an object into a new T.
func Decode[T any](o *types.Object) (*T, error) {
	out := new(T)
	if err := o.Into(out); err != nil {
		return nil, types.NewInternalError(err)
	}
	return out, nil
}
