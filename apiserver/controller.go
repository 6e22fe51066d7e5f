package apiserver

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// This file runs the part of kube-controller-manager kubemem implements: the garbage collector (controller_gc.go)
// and the namespace controller (controller_namespace.go). They are ordinary clients of the Server's Go API, fed by
// one informer per served resource (list, then watch from the list's resourceVersion, as client-go's reflector
// does), and they stop with the Server.

// controllers owns the built-in controllers of one Server and every goroutine they run. Its methods are safe for
// concurrent use; stop ends them all and waits for them.
type controllers struct {
	s      *Server
	ctx    context.Context // canceled by stop
	cancel context.CancelFunc
	wg     sync.WaitGroup // counts every goroutine spawned, so that stop can wait for them
	gc     *garbageCollector
	ns     *namespaceController
	once   sync.Once // makes stop idempotent

	// mu guards informers, stopped and unlisted. Lock order: mu before garbageCollector.mu; nothing is called with
	// mu held that takes it again.
	mu        sync.Mutex
	informers map[types.GroupResource]*informer
	stopped   bool
	unlisted  int           // informers yet to make their first list, plus one until startControllers has started them
	synced    chan struct{} // closed when unlisted drops to zero: the workers wait for it
}

// startControllers starts the garbage collector (unless Options.DisableGarbageCollector) and the namespace
// controller on every resource s serves.
func (s *Server) startControllers() *controllers {
	ctx, cancel := context.WithCancel(context.Background())
	c := &controllers{s: s, ctx: ctx, cancel: cancel, informers: map[types.GroupResource]*informer{}, synced: make(chan struct{})}
	if !s.opts.DisableGarbageCollector {
		c.gc = newGarbageCollector(c)
	}
	c.ns = newNamespaceController(c)
	resources := s.Resources()
	slices.SortFunc(resources, func(a, b *Resource) int {
		return cmp.Or(cmp.Compare(a.GVR.Group, b.GVR.Group), cmp.Compare(a.GVR.Resource, b.GVR.Resource),
			cmp.Compare(a.GVR.Version, b.GVR.Version))
	})
	c.unlisted = 1 // startControllers's own, dropped once every informer is started
	for _, r := range resources {
		c.addResource(r)
	}
	c.listed()
	if c.gc != nil {
		c.gc.start()
	}
	c.ns.start()
	return c
}

// addResource makes the controllers cover r: the garbage collector learns its kind, and, for the first version of
// a group and resource, an informer starts. A resource registered after New (a custom resource) is added this way.
func (c *controllers) addResource(r *Resource) {
	if c == nil {
		return // not started yet: startControllers covers every resource served then
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	if c.gc != nil {
		c.gc.addKind(r)
	}
	gr := r.GroupResource()
	if _, ok := c.informers[gr]; ok {
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	inf := &informer{c: c, r: r, cancel: cancel}
	c.informers[gr] = inf
	if c.unlisted > 0 {
		inf.counted = true // the workers wait for its first list
		c.unlisted++
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer cancel()
		inf.run(ctx)
	}()
}

// removeResource makes the controllers stop covering gvr, a custom resource version no longer served: the
// garbage collector forgets it, and its informer stops (the CRD's other served versions are added again by the
// caller, which starts an informer on one of them).
func (c *controllers) removeResource(gvr types.GroupVersionResource) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gc != nil {
		c.gc.removeKind(gvr)
	}
	gr := gvr.GroupResource()
	if inf, ok := c.informers[gr]; ok && inf.r.GVR == gvr {
		inf.cancel()
		delete(c.informers, gr)
	}
}

// listed records the first list of a counted informer (or that startControllers has started them all); the last one
// lets the workers start. As kube-controller-manager's garbage collector waits for its monitors to sync, the graph
// then holds every object, and every later change comes through a watch.
func (c *controllers) listed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unlisted--
	if c.unlisted == 0 {
		close(c.synced)
	}
}

// waitSynced waits until the informers started with the controllers have made their first list. It returns false
// if ctx ends first.
func (c *controllers) waitSynced(ctx context.Context) bool {
	select {
	case <-c.synced:
		return true
	case <-ctx.Done():
		return false
	}
}

// resources returns the resources the informers watch (one version per group and resource), in a stable order.
func (c *controllers) resources() []*Resource {
	c.mu.Lock()
	out := make([]*Resource, 0, len(c.informers))
	for _, inf := range c.informers {
		out = append(out, inf.r)
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b *Resource) int {
		return cmp.Or(cmp.Compare(a.GVR.Group, b.GVR.Group), cmp.Compare(a.GVR.Resource, b.GVR.Resource))
	})
	return out
}

// stop cancels every controller goroutine and waits until they have all returned. It is idempotent and nil-safe.
func (c *controllers) stop() {
	if c == nil {
		return
	}
	c.once.Do(func() {
		c.mu.Lock()
		c.stopped = true
		c.mu.Unlock()
		c.cancel()
		if c.gc != nil {
			c.gc.attemptToDelete.close()
			c.gc.attemptToOrphan.close()
		}
		c.ns.queue.close()
		c.wg.Wait()
	})
}

// spawn runs fn in a goroutine the controllers own; fn must return soon after ctx is done. Callers are goroutines
// the controllers own (so the wait group's count is positive while stop waits) or hold mu and have seen that the
// controllers are not stopped.
func (c *controllers) spawn(fn func(ctx context.Context)) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn(c.ctx)
	}()
}

// sleep waits d on the server's clock; it returns false if ctx ends first.
func (c *controllers) sleep(ctx context.Context, d time.Duration) bool {
	t := c.s.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

// logError reports an error a controller will retry, if the server has a logger.
func (c *controllers) logError(msg string, key any, err error) {
	if c.s.opts.Logger != nil {
		c.s.opts.Logger.Warn(msg, "key", key, "error", err)
	}
}

// observe hands one change of r's objects to the controllers: obj is the new state, or the last one when deleted.
// Handlers only update their state and queue work; they never block.
func (c *controllers) observe(r *Resource, obj *types.Object, deleted bool) {
	if c.gc != nil {
		c.gc.observe(r, obj, deleted)
	}
	c.ns.observe(r, obj, deleted)
}

// resync hands the controllers a complete list of r's objects after a (re)list: what they knew of r and is not in
// items was deleted while nobody watched.
func (c *controllers) resync(r *Resource, items []*types.Object) {
	if c.gc != nil {
		c.gc.resync(r, items)
	}
	c.ns.resync(r, items)
}

// errWatchEnded stands for an ERROR event that carries no Status.
var errWatchEnded = errors.New("the watch ended with an error event")

// informerBackoffLimit caps how long an informer waits before it lists or watches again after a failure.
const informerBackoffLimit = time.Second

// informer reports every change of one resource's objects to the controllers, as client-go's reflector does: a
// list, then a watch from the list's resourceVersion, resumed from the last resourceVersion seen when
// the watch ends (SEMANTICS C-3, C-4) and replaced by a new list when it expires (C-5). It keeps no cache: a list
// goes to the controllers whole (resync), and they compare it with what they track, which is far less than every
// object. Only its run goroutine uses it.
type informer struct {
	c       *controllers
	r       *Resource
	cancel  context.CancelFunc // stops it (removeResource)
	counted bool               // the workers wait for its first list
}

// run lists and watches until ctx is done.
func (inf *informer) run(ctx context.Context) {
	defer func() {
		if inf.counted { // stopped before its first list: the workers must not wait for it
			inf.counted = false
			inf.c.listed()
		}
	}()
	client := &ResourceClient{s: inf.c.s, r: inf.r}
	failures := 0
	backoff := func() bool {
		failures++
		return inf.c.sleep(ctx, min(10*time.Millisecond<<min(failures, 10), informerBackoffLimit))
	}
	for ctx.Err() == nil {
		l, err := client.List(ctx, ListOptions{})
		if err != nil {
			if !backoff() {
				return
			}
			continue
		}
		inf.c.resync(inf.r, l.Items)
		if inf.counted {
			inf.counted = false
			inf.c.listed()
		}
		rv := l.ListMeta.ResourceVersion
		for ctx.Err() == nil {
			// No bookmarks: their cadence would arm timers on the server's clock in an idle server, and a watch
			// without a timeout only ends when it is terminated as slow, after events that advance rv.
			w, err := client.Watch(ctx, ListOptions{ResourceVersion: rv})
			if err != nil {
				if !backoff() {
					return
				}
				break // relist
			}
			next, events, werr := inf.consume(ctx, w, rv)
			w.Stop()
			rv = next
			if werr != nil {
				if !types.IsResourceExpired(werr) && !types.IsGone(werr) && !backoff() {
					return
				}
				break // C-5: relist
			}
			if events > 0 {
				failures = 0
			} else if ctx.Err() == nil && !backoff() {
				return // a watch that ends without an event is not resumed at once (C-4's "very short watch")
			}
		}
	}
}

// consume reports the events of w until it ends. It returns the last resourceVersion seen, how many events came, and
// the Status of an ERROR event.
func (inf *informer) consume(ctx context.Context, w watch.Interface, rv string) (string, int, error) {
	events := 0
	for {
		select {
		case <-ctx.Done():
			return rv, events, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return rv, events, nil
			}
			events++
			switch ev.Type {
			case watch.Added, watch.Modified:
				inf.c.observe(inf.r, ev.Object, false)
			case watch.Deleted:
				inf.c.observe(inf.r, ev.Object, true)
			case watch.Error:
				if ev.Err == nil {
					return rv, events, types.NewInternalError(errWatchEnded)
				}
				return rv, events, ev.Err
			}
			if ev.Object != nil {
				rv = ev.Object.ResourceVersion()
			}
		}
	}
}
