package watch

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kubemem/kubemem/types"
)

// watcher is one watch. Its channel is written by its catch-up goroutine until it is registered, and by the
// dispatcher after that; whichever writes it also closes it.
type watcher struct {
	b      *Broadcaster
	req    Request
	scope  string
	out    chan Event
	stopCh chan struct{} // closed by Stop

	stopOnce   sync.Once
	releaseCtx func() bool // detaches the context's AfterFunc

	// hold keeps the history after req.From until the dispatcher takes over (registerLocked); holdErr is why it
	// could not be had (the start revision is compacted). Owned by the catch-up goroutine, then by b.mu.
	hold    Hold
	holdErr error

	// Guarded by b.mu.
	registered bool
	from       int64 // the dispatcher delivers changes after from

	// Owned by the goroutine that writes out (catch-up, then the dispatcher).
	closed           bool
	nextBookmark     time.Time
	deadline         time.Time
	deadlineBookmark bool
}

var _ Interface = (*watcher)(nil)

// ResultChan returns the channel events arrive on.
func (w *watcher) ResultChan() <-chan Event { return w.out }

// Stop ends the watch; the channel closes soon after.
func (w *watcher) Stop() {
	w.stopOnce.Do(func() {
		close(w.stopCh)
		b := w.b
		b.mu.Lock()
		if w.registered {
			b.stopped = append(b.stopped, w)
			select {
			case b.kick <- struct{}{}:
			default:
			}
		}
		b.mu.Unlock()
	})
}

// closeOut closes the channel; only the goroutine that currently writes it calls it.
func (w *watcher) closeOut() {
	if w.closed {
		return
	}
	w.closed = true
	if w.hold != nil {
		w.hold.Release()
		w.hold = nil
	}
	close(w.out)
	w.Stop() // releases the timeout goroutine; a no-op when Stop already ran
	if w.releaseCtx != nil {
		w.releaseCtx()
	}
}

// inScope reports whether key belongs to the watch's scope.
func (w *watcher) inScope(key string) bool {
	if w.req.Key != "" {
		return key == w.req.Key
	}
	return strings.HasPrefix(key, w.req.Prefix)
}

// transition turns a change into the event this watcher sees, applying the predicate to both the previous and the
// new state. leave caches, per change, the Deleted object for watchers the change takes out of their
// selection, so it is built once whatever the number of watchers.
func (w *watcher) transition(c Change, leave **types.Object) (Event, bool) {
	ev, ok := w.selectionEvent(c, leave)
	if ok && w.req.Transform != nil {
		ev.Object = w.req.Transform(ev.Object)
	}
	return ev, ok
}

// selectionEvent is transition before Request.Transform.
func (w *watcher) selectionEvent(c Change, leave **types.Object) (Event, bool) {
	pred := w.req.Predicate
	prevIn := c.Prev != nil && (pred == nil || pred(c.Prev))
	if c.Deleted {
		if prevIn {
			return Event{Type: Deleted, Object: c.Object}, true
		}
		return Event{}, false
	}
	curIn := pred == nil || pred(c.Object)
	switch {
	case curIn && prevIn:
		return Event{Type: Modified, Object: c.Object}, true
	case curIn:
		return Event{Type: Added, Object: c.Object}, true
	case prevIn:
		if *leave == nil {
			*leave = c.Prev.WithResourceVersion(strconv.FormatInt(c.Revision, 10))
		}
		return Event{Type: Deleted, Object: *leave}, true
	}
	return Event{}, false
}

// bookmark builds a bookmark object at rev.
func (w *watcher) bookmark(rev int64, initialEnd bool) *types.Object {
	meta := types.ObjectMeta{ResourceVersion: strconv.FormatInt(rev, 10)}
	if initialEnd {
		meta.Annotations = map[string]string{InitialEventsEndAnnotation: "true"}
	}
	return types.NewObject(w.req.BookmarkType, meta)
}

// send delivers ev during catch-up, waiting for the consumer; it reports false when the watch ended meanwhile.
func (w *watcher) send(ev Event) bool {
	select {
	case w.out <- ev:
		return true
	case <-w.stopCh:
		return false
	case <-w.b.done:
		return false
	}
}

// catchUp delivers the initial events and replays history until the watcher can be handed to the dispatcher.
func (w *watcher) catchUp() {
	b := w.b
	defer b.wg.Done()
	if w.holdErr != nil {
		w.send(Event{Type: Error, Err: asStatusError(w.holdErr)})
		w.closeOut()
		return
	}
	for _, o := range w.req.Initial {
		if w.req.Transform != nil {
			o = w.req.Transform(o)
		}
		if !w.send(Event{Type: Added, Object: o}) {
			w.closeOut()
			return
		}
	}
	w.req.Initial = nil // let the initial list be collected
	if w.req.InitialEventsEnd && !w.send(Event{Type: Bookmark, Object: w.bookmark(w.req.From, true)}) {
		w.closeOut()
		return
	}
	pos := w.req.From
	for {
		if head := b.hist.Revision(); head > pos {
			ended := false
			var leave *types.Object
			err := b.hist.ChangesAfter(pos, head, func(c Change) bool {
				if !w.inScope(c.Key) {
					return true
				}
				leave = nil
				if ev, ok := w.transition(c, &leave); ok && !w.send(ev) {
					ended = true
					return false
				}
				return true
			})
			if ended {
				w.closeOut()
				return
			}
			if err != nil {
				w.send(Event{Type: Error, Err: asStatusError(err)})
				w.closeOut()
				return
			}
			pos = head
		}
		b.mu.Lock()
		select {
		case <-w.stopCh:
			b.mu.Unlock()
			w.closeOut()
			return
		case <-b.done:
			b.mu.Unlock()
			w.closeOut()
			return
		default:
		}
		if b.pos <= pos {
			b.registerLocked(w, pos)
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
	}
}

// asStatusError returns err as a Status error, wrapping other errors as internal errors.
func asStatusError(err error) *types.StatusError {
	var se *types.StatusError
	if errors.As(err, &se) {
		return se
	}
	return types.NewInternalError(err)
}
