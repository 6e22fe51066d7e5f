package watch

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
)

// Defaults of Options.
const (
	// DefaultBufferSize is the per-watcher event buffer (the upper clamp of kube-apiserver's cacher, K-2).
	DefaultBufferSize = 100
	// DefaultSlowWatcherBudget is the most time the dispatcher waits for blocked watchers, refilled at 50ms per
	// second (K-2).
	DefaultSlowWatcherBudget = 100 * time.Millisecond
	// DefaultBookmarkInterval is how often a watcher that asked for bookmarks gets one.
	DefaultBookmarkInterval = time.Minute
	// bookmarkBeforeDeadline is how long before a watch's deadline its last bookmark is sent.
	bookmarkBeforeDeadline = 2 * time.Second
	// budgetRefillPerSecond is how much slow-watcher budget each second of dispatching restores.
	budgetRefillPerSecond = 50 * time.Millisecond
)

// ErrClosed is returned by Watch after Close.
var ErrClosed = errors.New("watch: broadcaster closed")

// ErrBadPrefix is returned by Watch for a Request.Prefix that does not end with "/": scopes are matched at "/"
// boundaries.
var ErrBadPrefix = errors.New("watch: Request.Prefix must end with \"/\"")

// Options configures a Broadcaster. The zero value works.
type Options struct {
	// Clock drives bookmarks, timeouts and the slow-watcher budget. Nil means the wall clock.
	Clock clock.Clock
	// BufferSize is the default per-watcher buffer; zero means DefaultBufferSize.
	BufferSize int
	// SlowWatcherBudget caps how long the dispatcher waits for watchers whose buffer is full before terminating
	// them; zero means DefaultSlowWatcherBudget.
	SlowWatcherBudget time.Duration
	// BookmarkInterval is the period of bookmarks; zero means DefaultBookmarkInterval.
	BookmarkInterval time.Duration
	// Logger receives a debug line for each terminated slow watcher. Nil means no logging.
	Logger *slog.Logger
}

// Broadcaster fans the changes of a History out to watchers. It is safe for concurrent use; Close stops its
// goroutine and ends every watch.
type Broadcaster struct {
	hist  History
	opts  Options
	clock clock.Clock

	// buckets maps a scope (a key prefix ending in "/", or an exact key) to the registered watchers of that scope.
	// The map and its slices are immutable: registration and removal publish a new map (under mu).
	buckets atomic.Pointer[map[string][]*watcher]

	// mu guards pos, flushed, flushWaiters, stopped, registered, bookmarkers, closed and changes to buckets. Never
	// held while sending on a channel; while it is held only History.Revision (an atomic load in the store) is called.
	mu           sync.Mutex
	pos          int64         // the dispatcher has claimed every change up to pos
	flushed      int64         // the dispatcher has handed every change up to flushed to the registered watchers
	flushWaiters []flushWaiter // Flushed calls waiting for a revision beyond flushed
	stopped      []*watcher    // registered watchers whose Stop was called, for the dispatcher to remove
	registered   int           // registered watchers; with none, the dispatcher sleeps instead of following history
	hold         Hold          // keeps the history after pos while watchers are registered, so compaction cannot outrun them
	bookmarkers  int           // registered watchers that want bookmarks
	closed       bool

	kick chan struct{} // wakes the dispatcher to process stops (buffer of one)
	done chan struct{} // closed by Close
	wg   sync.WaitGroup

	// budget is the dispatcher's remaining slow-watcher budget; lastRefill when it was last refilled. Both are
	// owned by the dispatcher goroutine.
	budget     time.Duration
	lastRefill time.Time
}

// NewBroadcaster returns a Broadcaster of h's changes, starting at h's current revision, and starts its dispatcher.
func NewBroadcaster(h History, opts Options) *Broadcaster {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = DefaultBufferSize
	}
	if opts.SlowWatcherBudget <= 0 {
		opts.SlowWatcherBudget = DefaultSlowWatcherBudget
	}
	if opts.BookmarkInterval <= 0 {
		opts.BookmarkInterval = DefaultBookmarkInterval
	}
	b := &Broadcaster{
		hist:  h,
		opts:  opts,
		clock: opts.Clock,
		pos:   h.Revision(),
		kick:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	b.budget = opts.SlowWatcherBudget
	b.lastRefill = b.clock.Now()
	empty := map[string][]*watcher{}
	b.buckets.Store(&empty)
	b.wg.Add(1)
	go b.run()
	return b
}

// Close ends every watch (their channels close without an Error event) and stops the dispatcher. It is idempotent.
func (b *Broadcaster) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	close(b.done)
	b.mu.Unlock()
	b.wg.Wait()
}

// Request describes one watch.
type Request struct {
	// Prefix is the key scope of the watch: every key starting with it (it should end with "/", or be empty for
	// all keys). Ignored when Key is set.
	Prefix string
	// Key, if set, restricts the watch to this one key (a single-object watch, K-3).
	Key string
	// Predicate decides whether an object is in the watch's selection (label and field selectors); nil selects
	// every object in scope. It must be safe for concurrent use and must not block.
	Predicate func(*types.Object) bool
	// From is the revision the watch starts after: it delivers every change with a revision greater than From. A
	// From beyond the current revision waits for the history to reach it.
	From int64
	// Initial objects are delivered first, as Added events, before the changes after From.
	Initial []*types.Object
	// InitialEventsEnd sends, after Initial, a Bookmark at From annotated with InitialEventsEndAnnotation.
	InitialEventsEnd bool
	// Bookmarks asks for periodic bookmarks (X-16..X-18).
	Bookmarks bool
	// BookmarkType is the kind and apiVersion of bookmark objects.
	BookmarkType types.TypeMeta
	// Timeout ends the watch cleanly after this long; zero means no timeout.
	Timeout time.Duration
	// BufferSize overrides the broadcaster's default buffer size when positive.
	BufferSize int
	// Transform, if set, turns each event's object into what this watcher delivers (custom resources read in another
	// version than the stored one, with defaults applied). It must be safe for concurrent use, must not block, and
	// must not modify its argument. Events it transforms do not share their encodings with other watchers.
	Transform func(*types.Object) *types.Object
	// StartOrFail makes Watch return the error of a From that cannot be held (compacted meanwhile) instead of a
	// watch whose first event reports it, for a caller that chose From itself and can choose again.
	StartOrFail bool
}

// flushWaiter is a Flushed call waiting for the dispatcher.
type flushWaiter struct {
	rev  int64
	done chan struct{}
}

// Flushed returns a channel that is closed once every change up to rev has been handed to the watchers registered
// with the dispatcher (put in their buffers, or the watcher terminated as slow), once no watcher is registered, or
// once the Broadcaster closes. Watches still replaying history are not waited for. A caller that ends watches with
// their context after Flushed lets them deliver the changes that preceded the decision first.
func (b *Broadcaster) Flushed(rev int64) <-chan struct{} {
	done := make(chan struct{})
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.registered == 0 || b.flushed >= rev {
		close(done)
		return done
	}
	b.flushWaiters = append(b.flushWaiters, flushWaiter{rev: rev, done: done})
	return done
}

// releaseFlushedLocked closes the Flushed channels the dispatcher's progress (or the lack of registered watchers)
// has answered. b.mu must be held.
func (b *Broadcaster) releaseFlushedLocked() {
	kept := b.flushWaiters[:0]
	for _, fw := range b.flushWaiters {
		if b.registered == 0 || fw.rev <= b.flushed {
			close(fw.done)
			continue
		}
		kept = append(kept, fw)
	}
	clear(b.flushWaiters[len(kept):])
	b.flushWaiters = kept
}

// Watch starts a watch. It ends when ctx is done, when Stop is called, after req.Timeout, or when the Broadcaster
// closes. It fails only after Close.
func (b *Broadcaster) Watch(ctx context.Context, req Request) (Interface, error) {
	// The closed check and wg.Add happen together under mu, so Close (which sets closed under mu before waiting)
	// never returns while a watch it did not refuse is starting.
	if req.Key == "" && req.Prefix != "" && !strings.HasSuffix(req.Prefix, "/") {
		return nil, ErrBadPrefix
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	b.wg.Add(1)
	b.mu.Unlock()
	// Holding the start revision decides now, synchronously, whether the watch can start (410 otherwise), and keeps
	// its history until the dispatcher takes over, however compaction runs meanwhile.
	hold, holdErr := b.hist.Hold(req.From)
	if holdErr != nil && req.StartOrFail {
		b.wg.Done()
		return nil, holdErr
	}
	size := req.BufferSize
	if size <= 0 {
		size = b.opts.BufferSize
	}
	w := &watcher{b: b, req: req, out: make(chan Event, size), stopCh: make(chan struct{})}
	w.scope = req.Prefix
	if req.Key != "" {
		w.scope = req.Key
	}
	now := b.clock.Now()
	if req.Timeout > 0 {
		w.deadline = now.Add(req.Timeout)
		t := b.clock.NewTimer(req.Timeout)
		go func() {
			select {
			case <-t.C():
				w.Stop()
			case <-w.stopCh:
				t.Stop()
			}
		}()
	}
	w.nextBookmark = now.Add(b.opts.BookmarkInterval)
	w.hold, w.holdErr = hold, holdErr
	w.releaseCtx = context.AfterFunc(ctx, w.Stop)
	go w.catchUp()
	return w, nil
}

// run is the dispatcher loop.
func (b *Broadcaster) run() {
	defer b.wg.Done()
	for {
		b.mu.Lock()
		pos, wantTick, idle := b.pos, b.bookmarkers > 0, b.registered == 0
		b.mu.Unlock()
		var history <-chan struct{}
		if !idle {
			// With no watcher registered there is nothing to deliver: writers do not wake the dispatcher, and the
			// first registration moves pos forward (registerLocked).
			history = b.hist.Wait(pos)
		}
		var tickC <-chan time.Time
		var tick clock.Timer
		if wantTick {
			tick = b.clock.NewTimer(time.Second)
			tickC = tick.C()
		}
		select {
		case <-b.done:
			if tick != nil {
				tick.Stop()
			}
			b.closeAll()
			return
		case <-history:
		case <-b.kick:
		case <-tickC:
		}
		if tick != nil {
			tick.Stop()
		}
		if b.closing() {
			// Closed while waking: select picks among ready cases at random, and a batch delivered now could follow
			// one that Close interrupted, leaving a gap in some stream. The watches end instead.
			b.closeAll()
			return
		}
		b.processStops()
		b.dispatchPending()
		if b.closing() {
			b.closeAll() // a batch Close interrupted: no bookmark may claim what it did not deliver
			return
		}
		if wantTick {
			b.sendBookmarks()
		}
	}
}

// closing reports whether Close has been called.
func (b *Broadcaster) closing() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// dispatchPending claims and delivers every change committed since the last batch.
func (b *Broadcaster) dispatchPending() {
	through := b.hist.Revision()
	b.mu.Lock()
	from := b.pos
	if through <= from {
		b.mu.Unlock()
		return
	}
	b.pos = through
	buckets := *b.buckets.Load()
	b.mu.Unlock()
	if len(buckets) == 0 {
		return
	}
	err := b.hist.ChangesAfter(from, through, func(c Change) bool {
		b.dispatch(buckets, c)
		select {
		case <-b.done:
			return false // closing: the watches end now, nothing may follow an event some of them skipped
		default:
			return true
		}
	})
	b.mu.Lock()
	if b.hold != nil {
		b.hold.Move(through) // everything up to through is delivered
	}
	b.flushed = max(b.flushed, through)
	b.releaseFlushedLocked()
	b.mu.Unlock()
	if err != nil {
		// The history failed under the dispatcher (its hold keeps compaction away, so this is a broken History).
		// End every watch cleanly: each client resumes from the last revision it saw and gets a precise answer then.
		if b.opts.Logger != nil {
			b.opts.Logger.Warn("watch: dispatcher fell behind history; ending all watches", "err", err)
		}
		for _, ws := range buckets {
			for _, w := range ws {
				b.terminate(w)
			}
		}
	}
}

// dispatch delivers one change to the watchers whose scope holds its key.
func (b *Broadcaster) dispatch(buckets map[string][]*watcher, c Change) {
	var (
		leave   *types.Object // the Deleted object for watchers the change takes out of their selection
		blocked []pending
		// the encodings of c.Object and of leave, shared by the watchers that receive them
		enc, leaveEnc *Encodings
	)
	deliver := func(ws []*watcher) {
		for _, w := range ws {
			if w.closed || c.Revision <= w.from {
				continue
			}
			ev, ok := w.transition(c, &leave)
			if !ok {
				continue
			}
			switch {
			case w.req.Transform != nil:
				// Its own object: nothing to share.
			case ev.Object == c.Object:
				if enc == nil {
					enc = &Encodings{}
				}
				ev.Encodings = enc
			default:
				if leaveEnc == nil {
					leaveEnc = &Encodings{}
				}
				ev.Encodings = leaveEnc
			}
			select {
			case w.out <- ev:
			default:
				blocked = append(blocked, pending{w, ev})
			}
		}
	}
	key := c.Key
	if ws, ok := buckets[""]; ok {
		deliver(ws)
	}
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			if ws, ok := buckets[key[:i+1]]; ok {
				deliver(ws)
			}
		}
	}
	if !strings.HasSuffix(key, "/") {
		if ws, ok := buckets[key]; ok {
			deliver(ws)
		}
	}
	if len(blocked) > 0 {
		b.waitBlocked(blocked)
	}
}

type pending struct {
	w  *watcher
	ev Event
}

// waitBlocked gives watchers whose buffer was full the remaining slow-watcher budget to take their event, then
// terminates those still blocked (K-2).
func (b *Broadcaster) waitBlocked(blocked []pending) {
	now := b.clock.Now()
	b.budget += time.Duration(float64(now.Sub(b.lastRefill)) / float64(time.Second) * float64(budgetRefillPerSecond))
	if b.budget > b.opts.SlowWatcherBudget {
		b.budget = b.opts.SlowWatcherBudget
	}
	b.lastRefill = now
	timer := b.clock.NewTimer(b.budget)
	defer timer.Stop()
	expired := false
	for _, p := range blocked {
		if !expired {
			select {
			case p.w.out <- p.ev:
				continue
			case <-p.w.stopCh:
				// Stopped while we waited: it skipped this event, so it must get nothing after it.
				b.terminate(p.w)
				continue
			case <-b.done:
				return
			case <-timer.C():
				expired = true
			}
		}
		select {
		case p.w.out <- p.ev:
		default:
			if b.opts.Logger != nil {
				b.opts.Logger.Debug("watch: terminating slow watcher", "scope", p.w.scope, "revision", p.ev.Object.ResourceVersion())
			}
			b.terminate(p.w)
		}
	}
	used := b.clock.Now().Sub(now)
	b.budget -= used
	if b.budget < 0 {
		b.budget = 0
	}
}

// terminate removes a registered watcher and closes its channel. Only the dispatcher calls it.
func (b *Broadcaster) terminate(w *watcher) {
	if w.closed {
		return
	}
	b.mu.Lock()
	b.removeLocked(w)
	b.mu.Unlock()
	w.closeOut()
}

// processStops removes the registered watchers whose Stop was called and closes their channels.
func (b *Broadcaster) processStops() {
	b.mu.Lock()
	stopped := b.stopped
	b.stopped = nil
	for _, w := range stopped {
		b.removeLocked(w)
	}
	b.mu.Unlock()
	for _, w := range stopped {
		w.closeOut()
	}
}

// removeLocked unregisters w. b.mu must be held.
func (b *Broadcaster) removeLocked(w *watcher) {
	if !w.registered {
		return
	}
	w.registered = false
	b.registered--
	if b.registered == 0 && b.hold != nil {
		b.hold.Release()
		b.hold = nil
	}
	if b.registered == 0 {
		b.releaseFlushedLocked()
	}
	if w.req.Bookmarks {
		b.bookmarkers--
	}
	old := *b.buckets.Load()
	next := make(map[string][]*watcher, len(old))
	for scope, ws := range old {
		if scope != w.scope {
			next[scope] = ws
			continue
		}
		kept := make([]*watcher, 0, len(ws))
		for _, x := range ws {
			if x != w {
				kept = append(kept, x)
			}
		}
		if len(kept) > 0 {
			next[scope] = kept
		}
	}
	b.buckets.Store(&next)
}

// registerLocked hands w over to the dispatcher: it will deliver the changes after from. b.mu must be held.
func (b *Broadcaster) registerLocked(w *watcher, from int64) {
	w.from = from
	w.registered = true
	if b.registered == 0 {
		// The dispatcher was idle: nothing at or before from concerns the only watcher. pos never passes the
		// committed revision, so later watchers' catch-up can always reach it (a future from stays in w.from).
		b.pos = max(b.pos, min(from, b.hist.Revision()))
		b.flushed = max(b.flushed, b.pos)
	}
	b.registered++
	// The dispatcher keeps the history after pos: it takes over the watcher's hold when it has none.
	if b.hold == nil {
		b.hold, w.hold = w.hold, nil
		if b.hold != nil {
			b.hold.Move(b.pos)
		}
	} else if w.hold != nil {
		w.hold.Release()
		w.hold = nil
	}
	if w.req.Bookmarks {
		b.bookmarkers++
	}
	select { // wake the dispatcher so it follows history (and arms the bookmark timer)
	case b.kick <- struct{}{}:
	default:
	}
	old := *b.buckets.Load()
	next := make(map[string][]*watcher, len(old)+1)
	for scope, ws := range old {
		next[scope] = ws
	}
	ws := next[w.scope]
	next[w.scope] = append(ws[:len(ws):len(ws)], w)
	b.buckets.Store(&next)
}

// sendBookmarks sends due bookmarks without blocking; a full buffer just skips one.
func (b *Broadcaster) sendBookmarks() {
	now := b.clock.Now()
	b.mu.Lock()
	pos := b.pos
	b.mu.Unlock()
	for _, ws := range *b.buckets.Load() {
		for _, w := range ws {
			if !w.req.Bookmarks || w.closed {
				continue
			}
			due := !now.Before(w.nextBookmark)
			if !w.deadline.IsZero() && !w.deadlineBookmark && !now.Before(w.deadline.Add(-bookmarkBeforeDeadline)) {
				due = true
				w.deadlineBookmark = true
			}
			if !due {
				continue
			}
			w.nextBookmark = now.Add(b.opts.BookmarkInterval)
			select {
			case w.out <- Event{Type: Bookmark, Object: w.bookmark(max(pos, w.from), false)}:
			default:
			}
		}
	}
}

// closeAll closes every registered watcher's channel when the broadcaster closes.
func (b *Broadcaster) closeAll() {
	b.mu.Lock()
	buckets := *b.buckets.Load()
	empty := map[string][]*watcher{}
	b.buckets.Store(&empty)
	for _, ws := range buckets {
		for _, w := range ws {
			w.registered = false
		}
	}
	b.registered, b.bookmarkers = 0, 0
	if b.hold != nil {
		b.hold.Release()
		b.hold = nil
	}
	b.releaseFlushedLocked()
	b.mu.Unlock()
	for _, ws := range buckets {
		for _, w := range ws {
			w.closeOut()
		}
	}
}
