package apiserver

import (
	"context"

	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// ResourceClient runs the verbs of one resource, in one namespace or across all (like client-go's dynamic client).
// It is a small immutable value: make one per resource and namespace and reuse it. Safe for concurrent use.
type ResourceClient struct {
	s   *Server
	r   *Resource
	err error // set when the resource is unknown; every verb returns it
	ns  string
}

// Resource returns a client for gvr across all namespaces (or for a cluster-scoped resource). An unknown resource
// gives a client whose every verb fails with 404 NotFound.
func (s *Server) Resource(gvr types.GroupVersionResource) *ResourceClient {
	r, err := s.lookup(gvr)
	return &ResourceClient{s: s, r: r, err: err}
}

// out turns a verb's result into what the client reads (Resource.present).
func (c *ResourceClient) out(o *types.Object, err error) (*types.Object, error) {
	if err != nil {
		return nil, err
	}
	return c.r.present(o), nil
}

// Namespace returns a client for the same resource scoped to namespace ns.
func (c *ResourceClient) Namespace(ns string) *ResourceClient {
	cp := *c
	cp.ns = ns
	return &cp
}

// Create stores a new object and returns it as stored: with uid, creationTimestamp, resourceVersion and, for
// generateName, its name. With dryRun ["All"] nothing is stored.
func (c *ResourceClient) Create(ctx context.Context, obj *types.Object, opts CreateOptions) (*types.Object, error) {
	if c.err != nil {
		return nil, c.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.out(c.s.create(ctx, c.r, c.ns, obj, opts))
}

// Get returns the object name. The result is immutable and shared; no copy is made.
func (c *ResourceClient) Get(ctx context.Context, name string, opts GetOptions) (*types.Object, error) {
	if c.err != nil {
		return nil, c.err
	}
	return c.out(c.s.get(ctx, c.r, c.ns, name, opts))
}

// List returns the objects the options select, as one page when opts.Limit is set.
func (c *ResourceClient) List(ctx context.Context, opts ListOptions) (*types.List, error) {
	if c.err != nil {
		return nil, c.err
	}
	l, err := c.s.list(ctx, c.r, c.ns, opts)
	return c.r.presentList(l), err
}

// Watch starts a watch; it ends when ctx is done, when stopped, or after opts.TimeoutSeconds.
func (c *ResourceClient) Watch(ctx context.Context, opts ListOptions) (watch.Interface, error) {
	if c.err != nil {
		return nil, c.err
	}
	cr := c.r.custom
	if cr == nil {
		return c.s.watchResource(ctx, c.r, c.ns, opts)
	}
	// A custom resource's watches end when its version stops being served.
	wctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(cr.served, cancel)
	w, err := c.s.watchResource(wctx, c.r, c.ns, opts)
	if err != nil {
		stop()
		cancel()
		return nil, err
	}
	return &servedWatch{Interface: w, release: func() { stop(); cancel() }}, nil
}

// servedWatch is a watch of a custom resource version, which ends when the version stops being served.
type servedWatch struct {
	watch.Interface
	release func()
}

// Stop ends the watch and releases what tied it to the version's lifetime.
func (w *servedWatch) Stop() {
	w.release()
	w.Interface.Stop()
}

// Update replaces an object. With metadata.resourceVersion set it succeeds only if that is still the object's
// version (else 409 Conflict); without it, the latest version is overwritten where the kind allows that.
func (c *ResourceClient) Update(ctx context.Context, obj *types.Object, opts UpdateOptions) (*types.Object, error) {
	if c.err != nil {
		return nil, c.err
	}
	o, _, err := c.update(ctx, obj, opts)
	return o, err
}

// update is Update that also reports whether it created the object (an update of a missing object, where the kind
// allows that), which decides an HTTP answer's status code.
func (c *ResourceClient) update(ctx context.Context, obj *types.Object, opts UpdateOptions) (*types.Object, bool, error) {
	o, created, err := c.s.update(ctx, c.r, c.ns, obj, opts)
	o, err = c.out(o, err)
	return o, created, err
}

// Delete removes the object name and returns its last state, whose resourceVersion is the deletion's. An object
// with finalizers, or a scheduled pod with a grace period, is not removed at once: it is marked with
// deletionTimestamp, and the result is the marked object (see DeleteOptions.PropagationPolicy for dependents).
func (c *ResourceClient) Delete(ctx context.Context, name string, opts DeleteOptions) (*types.Object, error) {
	if c.err != nil {
		return nil, c.err
	}
	obj, _, err := c.delete(ctx, name, opts)
	return obj, err
}

// delete is Delete that also reports whether the object is gone, rather than marked for a deletion that waits for
// finalizers or a grace period, which decides an HTTP answer.
func (c *ResourceClient) delete(ctx context.Context, name string, opts DeleteOptions) (*types.Object, bool, error) {
	obj, gone, err := c.s.delete(ctx, c.r, c.ns, name, opts)
	obj, err = c.out(obj, err)
	return obj, gone, err
}

// DeleteCollection deletes every object listOpts selects and returns them.
func (c *ResourceClient) DeleteCollection(ctx context.Context, opts DeleteOptions, listOpts ListOptions) (*types.List, error) {
	if c.err != nil {
		return nil, c.err
	}
	l, err := c.s.deleteCollection(ctx, c.r, c.ns, opts, listOpts)
	return c.r.presentList(l), err
}

// Finalize replaces a namespace's spec.finalizers through the namespaces/finalize subresource, the way the
// namespace controller removes the kubernetes finalizer: nothing else of obj is taken. Other resources answer 404.
func (c *ResourceClient) Finalize(ctx context.Context, obj *types.Object, opts UpdateOptions) (*types.Object, error) {
	if c.err != nil {
		return nil, c.err
	}
	if !c.r.HasSubresource("finalize") {
		return nil, types.NewNotFound(c.r.GroupResource(), obj.Name())
	}
	o, _, err := c.s.updateSubresource(ctx, c.r, c.ns, obj, opts, "finalize")
	return o, err
}

// UpdateStatus replaces an object's status through its status subresource: only status changes (spec and metadata
// stay as stored), with the same resourceVersion rules as Update. Kinds without a status subresource answer 404.
func (c *ResourceClient) UpdateStatus(ctx context.Context, obj *types.Object, opts UpdateOptions) (*types.Object, error) {
	if c.err != nil {
		return nil, c.err
	}
	if !c.r.HasSubresource("status") {
		return nil, types.NewNotFound(c.r.GroupResource(), obj.Name())
	}
	o, _, err := c.s.updateSubresource(ctx, c.r, c.ns, obj, opts, "status")
	return c.out(o, err)
}
