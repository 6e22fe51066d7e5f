package apiserver

import (
	"context"
	"errors"
	"time"

	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// initialEventsWait is how long a sendInitialEvents watch waits for a future resourceVersion before it fails with
// 504 TooLargeResourceVersion (SEMANTICS X-10).
const initialEventsWait = 3 * time.Second

// watchResource implements the watch verb with kube-apiserver's start rules (SEMANTICS ): RV unset or
// "0" sends the current state first (defaulted to sendInitialEvents, so a bookmark-enabled watch also gets the
// initial-events-end bookmark), RV=N replays exactly the changes after N, and sendInitialEvents=true sends a
// snapshot at least as new as N. Option errors are returned; errors after the watch started arrive as its ERROR
// event.
func (s *Server) watchResource(ctx context.Context, r *Resource, ns string, opts ListOptions) (watch.Interface, error) {
	if err := validateListOptions(&opts, true); err != nil {
		return nil, err
	}
	sel, err := parseSelection(r, &opts)
	if err != nil {
		return nil, err
	}
	rv, err := parseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	ns = sel.scope(r, ns)
	req := watch.Request{
		Prefix:       r.collectionPrefix(ns),
		Bookmarks:    opts.AllowWatchBookmarks,
		BookmarkType: r.TypeMeta(),
	}
	if name, ok := sel.fields.RequiresExactMatch("metadata.name"); ok && (ns != "" || !r.Namespaced) {
		req.Key = r.key(ns, name) // K-3: a single-object watch costs O(1) per event
	}
	if !sel.empty() {
		req.Predicate = sel.matches
	}
	if c := r.custom; c != nil && (c.storageDefaults || c.storage != r.GVR.GroupVersion().String()) {
		req.Transform = r.present
	}
	if opts.TimeoutSeconds != nil && *opts.TimeoutSeconds > 0 {
		req.Timeout = time.Duration(*opts.TimeoutSeconds) * time.Second
	}

	// with RV unset or "0" and no explicit choice, kube-apiserver defaults sendInitialEvents to true.
	sendInitial := opts.ResourceVersion == "" || opts.ResourceVersion == "0"
	if opts.SendInitialEvents != nil {
		sendInitial = *opts.SendInitialEvents
	}
	switch {
	case sendInitial:
		if rv > s.store.Revision() && !s.waitForRevision(ctx, rv) {
			return errorWatch(types.NewTooLargeResourceVersion(uint64(rv), uint64(s.store.Revision()), 1)), nil
		}
		req.InitialEventsEnd = opts.AllowWatchBookmarks && (opts.SendInitialEvents != nil || opts.ResourceVersion == "" || opts.ResourceVersion == "0")
		// The snapshot is of now, so a compaction that passes it before the watch holds its revision only means
		// taking a newer one: a watch of the current state never expires.
		req.StartOrFail = true
		for {
			snap := s.store.Snapshot()
			res, err := snap.Range(req.Prefix, sel.rangeOptions())
			if errors.Is(err, store.ErrCompacted) {
				continue
			}
			if err != nil {
				return nil, readError(err)
			}
			req.From = res.Revision
			req.Initial = make([]*types.Object, len(res.KVs))
			for i := range res.KVs {
				req.Initial[i] = res.KVs[i].Value
			}
			w, err := s.watch.Watch(ctx, req)
			if types.IsResourceExpired(err) {
				continue // the snapshot's revision was compacted before the watch could hold it
			}
			return w, err
		}
	case opts.ResourceVersion == "" || opts.ResourceVersion == "0":
		// sendInitialEvents=false: start from now, whatever compaction does meanwhile.
		req.StartOrFail = true
		for {
			req.From = s.store.Revision()
			w, err := s.watch.Watch(ctx, req)
			if types.IsResourceExpired(err) {
				continue
			}
			return w, err
		}
	default:
		req.From = rv // exact replay from N (410 as an ERROR event when N is compacted)
	}
	return s.watch.Watch(ctx, req)
}

// waitForRevision waits until the store reaches rev, for at most initialEventsWait.
func (s *Server) waitForRevision(ctx context.Context, rev int64) bool {
	t := s.clock.NewTimer(initialEventsWait)
	defer t.Stop()
	for {
		cur := s.store.Revision()
		if cur >= rev {
			return true
		}
		select {
		case <-s.store.Wait(cur):
		case <-t.C():
			return s.store.Revision() >= rev
		case <-ctx.Done():
			return false
		}
	}
}

// errorWatch is a watch that delivers one ERROR event and ends (SEMANTICS X-5).
func errorWatch(err *types.StatusError) watch.Interface {
	ch := make(chan watch.Event, 1)
	ch <- watch.Event{Type: watch.Error, Err: err}
	close(ch)
	return staticWatch(ch)
}

type staticWatch chan watch.Event

func (w staticWatch) Stop()                          {}
func (w staticWatch) ResultChan() <-chan watch.Event { return w }
