package proof

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// goBackend runs the verbs through the Go API (apiserver.ResourceClient).
type goBackend struct {
	c *apiserver.ResourceClient
}

func newGoBackend(srv *apiserver.Server) *goBackend {
	return &goBackend{c: srv.Resource(apiserver.ConfigMaps).Namespace(namespace)}
}

func (b *goBackend) name() string { return "go" }

func (b *goBackend) create(ctx context.Context, key int, v Value) (observed, error) {
	o, err := b.c.Create(ctx, configMap(key, v, 0, ""), apiserver.CreateOptions{})
	if err != nil {
		return observed{}, err
	}
	return observe(o)
}

func (b *goBackend) get(ctx context.Context, key int) (observed, error) {
	o, err := b.c.Get(ctx, keyName(key), apiserver.GetOptions{})
	if err != nil {
		return observed{}, err
	}
	return observe(o)
}

func (b *goBackend) list(ctx context.Context, opts listOpts) (listPage, error) {
	lo := apiserver.ListOptions{Limit: opts.Limit, Continue: opts.Continue}
	if opts.RV != 0 {
		lo.ResourceVersion = strconv.FormatInt(opts.RV, 10)
	}
	if opts.Exact {
		lo.ResourceVersionMatch = apiserver.ResourceVersionMatchExact
	}
	l, err := b.c.List(ctx, lo)
	if err != nil {
		return listPage{}, err
	}
	return pageOf(l)
}

func pageOf(l *types.List) (listPage, error) {
	rv, err := strconv.ParseInt(l.ListMeta.ResourceVersion, 10, 64)
	if err != nil {
		return listPage{}, fmt.Errorf("proof: list resourceVersion %q: %w", l.ListMeta.ResourceVersion, err)
	}
	p := listPage{RV: rv, Continue: l.ListMeta.Continue, Items: make([]observed, len(l.Items))}
	for i, o := range l.Items {
		if p.Items[i], err = observe(o); err != nil {
			return listPage{}, err
		}
	}
	return p, nil
}

func (b *goBackend) update(ctx context.Context, key int, v Value, ifRV int64, uid string) (observed, error) {
	o, err := b.c.Update(ctx, configMap(key, v, ifRV, uid), apiserver.UpdateOptions{})
	if err != nil {
		return observed{}, err
	}
	return observe(o)
}

func (b *goBackend) patch(ctx context.Context, key int, p patchSpec, ifRV int64, strategic bool) (observed, error) {
	pt := apiserver.MergePatchType
	if strategic {
		pt = apiserver.StrategicMergePatchType
	}
	o, err := b.c.Patch(ctx, keyName(key), pt, patchDocument(p, ifRV), apiserver.PatchOptions{})
	if err != nil {
		return observed{}, err
	}
	return observe(o)
}

func (b *goBackend) delete(ctx context.Context, key int, ifRV int64) (observed, bool, error) {
	var opts apiserver.DeleteOptions
	if ifRV != 0 {
		rv := strconv.FormatInt(ifRV, 10)
		opts.Preconditions = &apiserver.Preconditions{ResourceVersion: &rv}
	}
	o, err := b.c.Delete(ctx, keyName(key), opts)
	if err != nil {
		return observed{}, false, err
	}
	obs, err := observe(o)
	return obs, err == nil, err
}

func (b *goBackend) watch(ctx context.Context, opts watchOpts) (eventStream, error) {
	lo := apiserver.ListOptions{LabelSelector: opts.Selector, AllowWatchBookmarks: opts.Bookmarks}
	if opts.RV >= 0 {
		lo.ResourceVersion = strconv.FormatInt(opts.RV, 10)
	}
	if opts.TimeoutSeconds > 0 {
		lo.TimeoutSeconds = &opts.TimeoutSeconds
	}
	ctx, cancel := context.WithCancel(ctx)
	w, err := b.c.Watch(ctx, lo)
	if err != nil {
		cancel()
		return nil, err
	}
	return &goStream{w: w, cancel: cancel}, nil
}

// goStream reads a watch.Interface.
type goStream struct {
	w      watch.Interface
	cancel context.CancelFunc
}

func (s *goStream) Next() (wireEvent, error) {
	ev, ok := <-s.w.ResultChan()
	if !ok {
		return wireEvent{}, io.EOF
	}
	return wireEventOf(ev)
}

func (s *goStream) Close() {
	s.w.Stop()
	s.cancel()
}

func wireEventOf(ev watch.Event) (wireEvent, error) {
	we := wireEvent{Type: string(ev.Type)}
	switch ev.Type {
	case watch.Error:
		if ev.Err == nil {
			return we, fmt.Errorf("proof: ERROR event without a Status")
		}
		st := ev.Err.Status()
		we.Status = &st
		return we, nil
	case watch.Bookmark:
		if ev.Object == nil {
			return we, fmt.Errorf("proof: BOOKMARK without an object")
		}
		rv, err := strconv.ParseInt(ev.Object.ResourceVersion(), 10, 64)
		if err != nil {
			return we, fmt.Errorf("proof: bookmark resourceVersion %q: %w", ev.Object.ResourceVersion(), err)
		}
		we.Obj.RV = rv
		we.Kind, we.APIVersion = ev.Object.Kind(), ev.Object.APIVersion()
		v, _ := ev.Object.Annotation(watch.InitialEventsEndAnnotation)
		we.InitialEnd = v == "true"
		return we, nil
	}
	obs, err := observe(ev.Object)
	we.Obj = obs
	if ev.Object != nil {
		we.Kind, we.APIVersion = ev.Object.Kind(), ev.Object.APIVersion()
	}
	return we, err
}
