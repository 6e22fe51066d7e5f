package watch_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// storeHistory adapts the store to watch.History exactly as the apiserver's history adapter does.
type storeHistory struct{ s *store.Store[*types.Object] }

func (h storeHistory) Revision() int64                { return h.s.Revision() }
func (h storeHistory) Wait(rev int64) <-chan struct{} { return h.s.Wait(rev) }

func (h storeHistory) Hold(after int64) (watch.Hold, error) {
	hd, err := h.s.HoldHistory(after)
	if err != nil {
		var re *store.RevisionError
		if errors.As(err, &re) {
			return nil, types.NewTooOldResourceVersion(uint64(re.Requested), uint64(re.Floor))
		}
		return nil, err
	}
	return hd, nil
}

func (h storeHistory) ChangesAfter(after, through int64, fn func(watch.Change) bool) error {
	err := h.s.ChangesAfter(after, through, func(ev *store.Event[*types.Object]) bool {
		return fn(watch.Change{Revision: ev.Revision, Key: ev.Key, Object: ev.Value, Prev: ev.Prev, Deleted: ev.Type == store.EventDelete})
	})
	var re *store.RevisionError
	if errors.As(err, &re) && errors.Is(err, store.ErrCompacted) {
		return types.NewTooOldResourceVersion(uint64(re.Requested), uint64(re.Floor))
	}
	return err
}

// newStore returns a store that stamps resourceVersions like the apiserver's and keeps its whole history.
func newStore(t testing.TB) *store.Store[*types.Object] {
	s := store.New(store.Options[*types.Object]{
		Stamp: func(o *types.Object, rev int64) *types.Object {
			return o.WithResourceVersion(strconv.FormatInt(rev, 10))
		},
		Retention: -1,
	})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// storePut creates or updates pod ns/name with label l.
func storePut(t testing.TB, s *store.Store[*types.Object], ns, name, l string) {
	t.Helper()
	require.NoError(t, upsert(s, ns, name, l))
}

func upsert(s *store.Store[*types.Object], ns, name, l string) error {
	key, obj := podKey(ns, name), pod(ns, name, l, "")
	_, err := s.Update(key, obj, 0)
	if errors.Is(err, store.ErrKeyNotFound) {
		_, err = s.Create(key, obj)
		if errors.Is(err, store.ErrKeyExists) {
			return nil // another writer created it meanwhile
		}
	}
	return err
}

// stressPredicates are the selections stress watchers choose from.
var stressPredicates = []struct {
	name string
	pred func(*types.Object) bool
}{
	{"everything", nil},
	{"l=a", labelIs("a")},
	{"l in (a,b)", func(o *types.Object) bool { l, _ := o.Label("l"); return l == "a" || l == "b" }},
	{"l!=c", func(o *types.Object) bool { l, _ := o.Label("l"); return l != "c" }},
}

var stressScopes = []struct{ prefix, key string }{
	{prefix: ""},
	{prefix: "/pods/"},
	{prefix: nsPrefix("ns1")},
	{prefix: nsPrefix("ns10")},
	{prefix: nsPrefix("ns2")},
	{key: podKey("ns1", "p3")},
	{key: podKey("ns10", "p0")},
}

var (
	stressNamespaces = []string{"ns1", "ns10", "ns2"}
	stressLabels     = []string{"a", "b", "c", ""}
)

type startMode int

const (
	fromStart   startMode = iota // From=1: the whole history
	fromCurrent                  // From=the current revision when the watch starts (mid-stream)
	fromList                     // Initial objects of a snapshot, From=its revision (list-then-watch, X-10)
	fromFuture                   // From beyond the current revision
)

// stressSpec is one logical watcher: a client that watches, and re-watches from the last resourceVersion it saw
// whenever a watch ends (C-4), until the test is over.
type stressSpec struct {
	prefix, key string
	predName    string
	pred        func(*types.Object) bool
	mode        startMode
	bookmarks   bool
	bufferSize  int
	timeout     time.Duration   // per watch; ends it cleanly, the client resumes
	stopEvery   int             // the client stops and resumes after this many events of a watch; 0 never
	slow        bool            // the client sleeps between events
	stall       func(pos int64) // called once, after the 10th event, with its resourceVersion
	// registered: the watcher's first watch must be registered before the writers start (it must want bookmarks).
	registered bool
}

func (sp stressSpec) String() string {
	scope := "prefix " + strconv.Quote(sp.prefix)
	if sp.key != "" {
		scope = "key " + sp.key
	}
	return fmt.Sprintf("%s %s mode=%d bookmarks=%v buffer=%d timeout=%v stopEvery=%d slow=%v",
		scope, sp.predName, sp.mode, sp.bookmarks, sp.bufferSize, sp.timeout, sp.stopEvery, sp.slow)
}

// rec is a delivered (or expected) data event.
type rec struct {
	typ watch.EventType
	obj *types.Object
}

func (r rec) equal(o rec) bool {
	return r.typ == o.typ && r.obj.ResourceVersion() == o.obj.ResourceVersion() && r.obj.SameContent(o.obj)
}

func (r rec) String() string { return string(r.typ) + " " + string(r.obj.JSON()) }

// consumer runs one logical watcher.
type consumer struct {
	spec    stressSpec
	from    int64
	initial []*types.Object

	mu           sync.Mutex
	got          []rec
	segments     []int // how many data events each watch delivered, in order
	terminations int   // watches that ended without the client stopping them
	bookmarks    int
	problems     []string
	rnd          *rand.Rand
}

func (c *consumer) problem(format string, args ...any) {
	c.mu.Lock()
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}

func (c *consumer) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

// run watches until ctx is done, checking the invariants of every stream as it goes.
func (c *consumer) run(ctx context.Context, b *watch.Broadcaster) {
	pos := c.from // the resourceVersion the client resumes from
	initial := c.initial
	stalled := false
	total := 0
	for ctx.Err() == nil {
		req := watch.Request{
			Prefix: c.spec.prefix, Key: c.spec.key, Predicate: c.spec.pred, From: pos,
			Initial: initial, InitialEventsEnd: initial != nil && c.spec.bookmarks,
			Bookmarks: c.spec.bookmarks, BookmarkType: podType, BufferSize: c.spec.bufferSize, Timeout: c.spec.timeout,
		}
		if initial != nil {
			req.Timeout = 0 // a list-then-watch client relists when its initial events are cut; keep it simple
		}
		w, err := b.Watch(ctx, req)
		if err != nil {
			return
		}
		nInitial, wantInitialEnd := len(initial), req.InitialEventsEnd
		initial = nil
		n, stopped := 0, false
		for e := range w.ResultChan() {
			switch e.Type {
			case watch.Error:
				c.problem("ERROR event %v", e.Err)
				continue
			case watch.Bookmark:
				brv, err := strconv.ParseInt(e.Object.ResourceVersion(), 10, 64)
				if err != nil || e.Object.TypeMeta() != podType {
					c.problem("malformed bookmark %s", e.Object.JSON())
					continue
				}
				end, _ := e.Object.Annotation(watch.InitialEventsEndAnnotation)
				switch {
				case end == "true" && (!wantInitialEnd || n != nInitial || brv != pos):
					c.problem("X-10: initial-events-end bookmark at %d after %d events (want after %d at %d)", brv, n, nInitial, pos)
				case end != "true" && wantInitialEnd:
					c.problem("X-10: periodic bookmark before the initial-events-end bookmark")
				case brv < pos:
					c.problem("X-17: bookmark %d after an event or bookmark at %d", brv, pos)
				}
				wantInitialEnd = false
				pos = brv // C-3: bookmarks advance the client's resourceVersion too
				c.mu.Lock()
				c.bookmarks++
				c.mu.Unlock()
				continue
			}
			if n < nInitial {
				if e.Type != watch.Added {
					c.problem("X-6: initial event of type %s", e.Type)
				}
			} else {
				if wantInitialEnd {
					c.problem("X-10: change before the initial-events-end bookmark")
					wantInitialEnd = false
				}
				r, err := strconv.ParseInt(e.Object.ResourceVersion(), 10, 64)
				if err != nil || r <= pos {
					c.problem("X-15: event at %s after position %d", e.Object.ResourceVersion(), pos)
				}
				pos = r
			}
			n++
			total++
			c.mu.Lock()
			c.got = append(c.got, rec{e.Type, e.Object})
			c.mu.Unlock()
			if c.spec.slow && total%4 == 0 {
				time.Sleep(time.Duration(c.rnd.IntN(200)) * time.Microsecond)
			}
			if c.spec.stall != nil && !stalled && total == 10 {
				stalled = true
				c.spec.stall(pos)
			}
			if c.spec.stopEvery > 0 && n >= nInitial && n%c.spec.stopEvery == 0 {
				w.Stop()
				stopped = true
				break
			}
		}
		c.mu.Lock()
		c.segments = append(c.segments, n)
		if !stopped && ctx.Err() == nil {
			c.terminations++
		}
		c.mu.Unlock()
	}
}

// expectedEvents computes, independently of package watch, what a logical watcher must have received: its initial
// objects as ADDED, then every change after from through the end of the history that its scope and selection see,
// with the X-12 transition rules and X-13 DELETED payloads.
func expectedEvents(t testing.TB, s *store.Store[*types.Object], c *consumer) []rec {
	t.Helper()
	var out []rec
	for _, o := range c.initial {
		out = append(out, rec{watch.Added, o})
	}
	sel := func(o *types.Object) bool { return c.spec.pred == nil || c.spec.pred(o) }
	require.NoError(t, s.ChangesAfter(c.from, s.Revision(), func(ev *store.Event[*types.Object]) bool {
		if c.spec.key != "" && ev.Key != c.spec.key || c.spec.key == "" && !strings.HasPrefix(ev.Key, c.spec.prefix) {
			return true
		}
		prevIn := ev.Type != store.EventCreate && sel(ev.Prev)
		// The DELETED payload: the last state with the revision of the change that removed it.
		leave := func() *types.Object { return ev.Prev.WithResourceVersion(strconv.FormatInt(ev.Revision, 10)) }
		switch {
		case ev.Type == store.EventDelete:
			if prevIn {
				out = append(out, rec{watch.Deleted, leave()})
			}
		case prevIn && sel(ev.Value):
			out = append(out, rec{watch.Modified, ev.Value})
		case sel(ev.Value):
			out = append(out, rec{watch.Added, ev.Value})
		case prevIn:
			out = append(out, rec{watch.Deleted, leave()})
		}
		return true
	}))
	return out
}

// requireSameEvents compares two event sequences and reports the first difference readably.
func requireSameEvents(t testing.TB, want, got []rec, msg string) {
	t.Helper()
	for i := range min(len(want), len(got)) {
		if !want[i].equal(got[i]) {
			require.FailNow(t, fmt.Sprintf("%s: event %d of %d differs", msg, i, len(want)),
				"want %s\n got %s", want[i], got[i])
		}
	}
	if len(want) != len(got) {
		extra := ""
		if len(got) > len(want) {
			extra = got[len(want)].String()
		} else {
			extra = "missing " + want[len(got)].String()
		}
		require.FailNow(t, fmt.Sprintf("%s: got %d events, want %d", msg, len(got), len(want)), extra)
	}
}

type stressConfig struct {
	watchers   int
	writers    int
	writes     int // per writer
	opts       watch.Options
	slowShare  int // one watcher in slowShare is slow
	bufferSize func(*rand.Rand) int
}

// runStress runs writers on the real store and logical watchers on a broadcaster over it, then checks every
// watcher's complete stream against the store's history. It returns the consumers for further checks.
func runStress(t *testing.T, cfg stressConfig, seed uint64, extra ...stressSpec) []*consumer {
	s := newStore(t)
	fake := clock.NewFake(t0)
	cfg.opts.Clock = fake
	cfg.opts.BookmarkInterval = time.Second
	b := newBroadcaster(t, storeHistory{s}, cfg.opts)
	rnd := rand.New(rand.NewPCG(seed, seed+1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Fake time runs 50 times faster than real time: bookmarks, timeouts and the slow-watcher budget all happen.
	var stepper sync.WaitGroup
	stepper.Go(func() {
		for ctx.Err() == nil {
			time.Sleep(2 * time.Millisecond)
			fake.Step(100 * time.Millisecond)
		}
	})
	defer func() {
		cancel()
		stepper.Wait()
	}()

	var (
		consumers []*consumer
		runners   sync.WaitGroup
	)
	start := func(sp stressSpec) {
		c := &consumer{spec: sp, rnd: rand.New(rand.NewPCG(rnd.Uint64(), 0))}
		switch sp.mode {
		case fromStart:
			c.from = 1
		case fromCurrent:
			c.from = s.Revision()
		case fromFuture:
			c.from = s.Revision() + int64(1+rnd.IntN(200))
		case fromList:
			snap := s.Snapshot()
			var res store.RangeResult[*types.Object]
			var err error
			opts := store.RangeOptions[*types.Object]{}
			if sp.pred != nil {
				opts.Filter = func(kv *store.KeyValue[*types.Object]) bool { return sp.pred(kv.Value) }
			}
			if sp.key != "" {
				res, err = snap.Range(sp.key, opts) // no other key starts with a stress key
			} else {
				res, err = snap.Range(sp.prefix, opts)
			}
			require.NoError(t, err)
			c.from = res.Revision
			c.initial = make([]*types.Object, 0, len(res.KVs)) // non-nil: a list-then-watch client
			for _, kv := range res.KVs {
				c.initial = append(c.initial, kv.Value)
			}
		}
		consumers = append(consumers, c)
		runners.Go(func() { c.run(ctx, b) })
	}
	randomSpec := func() stressSpec {
		scope := stressScopes[rnd.IntN(len(stressScopes))]
		p := stressPredicates[rnd.IntN(len(stressPredicates))]
		sp := stressSpec{
			prefix: scope.prefix, key: scope.key, predName: p.name, pred: p.pred,
			mode:       startMode(rnd.IntN(4)),
			bookmarks:  rnd.IntN(2) == 0,
			bufferSize: cfg.bufferSize(rnd),
			slow:       cfg.slowShare > 0 && rnd.IntN(cfg.slowShare) == 0,
		}
		if rnd.IntN(3) == 0 {
			sp.timeout = time.Duration(2+rnd.IntN(8)) * time.Second // fake seconds
		}
		if rnd.IntN(3) == 0 {
			sp.stopEvery = 5 + rnd.IntN(40)
		}
		return sp
	}

	for _, sp := range extra {
		start(sp)
	}
	for _, c := range consumers {
		if c.spec.registered { // only the dispatcher sends bookmarks
			waitUntil(t, "a bookmark", func() bool {
				c.mu.Lock()
				defer c.mu.Unlock()
				return c.bookmarks > 0
			})
		}
	}
	for range cfg.watchers / 3 {
		start(randomSpec())
	}

	var writers sync.WaitGroup
	for i := range cfg.writers {
		wr := rand.New(rand.NewPCG(seed, uint64(i)+100))
		writers.Go(func() {
			for j := range cfg.writes {
				ns := stressNamespaces[wr.IntN(len(stressNamespaces))]
				name := "p" + strconv.Itoa(wr.IntN(5))
				if wr.IntN(5) == 0 {
					_, err := s.Delete(podKey(ns, name), 0)
					if err != nil && !errors.Is(err, store.ErrKeyNotFound) {
						t.Error(err)
					}
				} else if err := upsert(s, ns, name, stressLabels[wr.IntN(len(stressLabels))]); err != nil {
					t.Error(err)
				}
				if j%16 == 0 {
					time.Sleep(50 * time.Microsecond)
				}
			}
		})
	}
	// The other watchers start mid-stream.
	for range cfg.watchers - cfg.watchers/3 {
		time.Sleep(time.Duration(rnd.IntN(3000)) * time.Microsecond)
		start(randomSpec())
	}
	writers.Wait()

	expected := make([][]rec, len(consumers))
	for i, c := range consumers {
		expected[i] = expectedEvents(t, s, c)
	}
	deadline := time.Now().Add(20 * time.Second)
	for i, c := range consumers {
		for c.count() < len(expected[i]) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(quiet) // room for a stray event to show up
	cancel()
	runners.Wait()

	terminations, segments := 0, 0
	for i, c := range consumers {
		c.mu.Lock()
		require.Empty(t, c.problems, "watcher %d (%v)", i, c.spec)
		if testing.Verbose() && len(c.got) != len(expected[i]) {
			for j := range max(len(c.got), len(expected[i])) {
				var g, w string
				if j < len(c.got) {
					g = c.got[j].String()
				}
				if j < len(expected[i]) {
					w = expected[i][j].String()
				}
				t.Logf("%3d want %s\n    got  %s", j, w, g)
			}
			t.Logf("segments %v", c.segments)
		}
		requireSameEvents(t, expected[i], c.got, fmt.Sprintf("watcher %d (%v) from %d", i, c.spec, c.from))
		terminations += c.terminations
		segments += len(c.segments)
		c.mu.Unlock()
	}
	t.Logf("revisions %d, watchers %d, watches %d (%d ended by the broadcaster)", s.Revision(), len(consumers), segments, terminations)
	return consumers
}

// TestStress checks ..X-15, X-17 and K-3 on the real store: writers put and delete random keys
// with random labels while watchers with random scopes, selections and start revisions (from the start, mid-stream,
// list-then-watch, from the future) watch, stop and resume from the last resourceVersion they saw, and time out.
// Each watcher's complete stream must be exactly what the store's history says it should be.
func TestStress(t *testing.T) {
	runStress(t, stressConfig{
		watchers: 40, writers: 4, writes: 1500,
		bufferSize: func(rnd *rand.Rand) int { return []int{1, 4, 100}[rnd.IntN(3)] },
	}, 1)
}

// TestStressSlowConsumers is TestStress with small buffers, a tiny slow-watcher budget and consumers that sleep, so
// that watches are terminated (K-2) all the time. A terminated watch's events must be a correct prefix, and the
// watch resumed from its last resourceVersion must deliver exactly the remainder: each watcher's watches together
// deliver its exact stream. One watcher stalls long enough to be terminated for certain.
func TestStressSlowConsumers(t *testing.T) {
	// The sentinel watches everything with a buffer that never fills; its predicate records the newest revision
	// the dispatcher has offered it.
	var dispatched atomic.Int64
	sentinel := stressSpec{
		predName: "everything (sentinel)", mode: fromCurrent, bufferSize: 100000, bookmarks: true, registered: true,
		pred: func(o *types.Object) bool {
			if r, err := strconv.ParseInt(o.ResourceVersion(), 10, 64); err == nil {
				for m := dispatched.Load(); r > m && !dispatched.CompareAndSwap(m, r); m = dispatched.Load() {
				}
			}
			return true
		},
	}
	// The stalling watcher stops reading after its 10th event until the dispatcher has gone 20 revisions further:
	// its buffer of two was full for certain, so its watch was terminated.
	stalling := stressSpec{
		predName: "everything (stalling)", mode: fromCurrent, bufferSize: 2, bookmarks: true, registered: true,
		stall: func(pos int64) {
			waitUntil(t, "the dispatcher to move on", func() bool { return dispatched.Load() >= pos+20 })
		},
	}
	consumers := runStress(t, stressConfig{
		watchers: 16, writers: 4, writes: 800, slowShare: 2,
		opts:       watch.Options{SlowWatcherBudget: 100 * time.Millisecond}, // one fake step
		bufferSize: func(rnd *rand.Rand) int { return 1 + rnd.IntN(3) },
	}, 2, sentinel, stalling)
	stalled := consumers[1]
	require.Positive(t, stalled.terminations, "the stalled watcher was terminated")
	require.Greater(t, len(stalled.segments), 1)
}
