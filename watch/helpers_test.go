package watch_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
	"github.com/kubemem/kubemem/watch/watchtest"
)

// waitTimeout bounds every wait of these tests for something that must happen; it is generous for -race.
const waitTimeout = 5 * time.Second

// quiet is how long a test watches a channel to conclude that no (more) event is coming. Only negative assertions
// use it, so a slow machine can make such a test miss a bug but never fail a correct implementation.
const quiet = 30 * time.Millisecond

var podType = types.TypeMeta{Kind: "Pod", APIVersion: "v1"}

// t0 is the start time of every Fake clock.
var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// podKey is the storage key of pod ns/name.
func podKey(ns, name string) string { return "/pods/" + ns + "/" + name }

// nsPrefix is the key prefix of the pods of namespace ns.
func nsPrefix(ns string) string { return "/pods/" + ns + "/" }

// pod returns a Pod with label l=l (no label when l is empty) and annotation v=v (none when v is empty).
func pod(ns, name, l, v string) *types.Object {
	meta := types.ObjectMeta{Name: name, Namespace: ns}
	if l != "" {
		meta.Labels = map[string]string{"l": l}
	}
	if v != "" {
		meta.Annotations = map[string]string{"v": v}
	}
	return types.NewObject(podType, meta)
}

// put writes pod ns/name with label l into h and returns the stored object.
func put(h *watchtest.History, ns, name, l string) *types.Object {
	return h.Put(podKey(ns, name), pod(ns, name, l, ""))
}

// labelIs is the predicate of the label selector l=v.
func labelIs(v string) func(*types.Object) bool {
	return func(o *types.Object) bool { l, ok := o.Label("l"); return ok && l == v }
}

func newBroadcaster(t testing.TB, h watch.History, opts watch.Options) *watch.Broadcaster {
	t.Helper()
	b := watch.NewBroadcaster(h, opts)
	t.Cleanup(b.Close)
	return b
}

func startWatch(t testing.TB, b *watch.Broadcaster, req watch.Request) watch.Interface {
	t.Helper()
	w, err := b.Watch(context.Background(), req)
	require.NoError(t, err)
	t.Cleanup(w.Stop)
	return w
}

// recv returns the next event; it fails when the channel closes or nothing arrives in time.
func recv(t testing.TB, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		require.True(t, ok, "the watch ended; an event was expected")
		return ev
	case <-time.After(waitTimeout):
		require.FailNow(t, "no event arrived in time")
	}
	return watch.Event{}
}

// recvN returns the next n events.
func recvN(t testing.TB, w watch.Interface, n int) []watch.Event {
	t.Helper()
	evs := make([]watch.Event, 0, n)
	for range n {
		evs = append(evs, recv(t, w))
	}
	return evs
}

// requireClosed asserts that the channel is closed with no event left in it.
func requireClosed(t testing.TB, w watch.Interface) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		require.False(t, ok, "the watch should have ended, got %s", describe(ev))
	case <-time.After(waitTimeout):
		require.FailNow(t, "the watch did not end in time")
	}
}

// drain reads the channel until it closes and returns what it held.
func drain(t testing.TB, w watch.Interface) []watch.Event {
	t.Helper()
	var evs []watch.Event
	timeout := time.After(waitTimeout)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return evs
			}
			evs = append(evs, ev)
		case <-timeout:
			require.FailNow(t, "the watch did not end in time")
		}
	}
}

// requireQuiet asserts that no event arrives for a short while (and the channel stays open).
func requireQuiet(t testing.TB, w watch.Interface) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			require.FailNow(t, "the watch ended unexpectedly")
		}
		require.FailNow(t, "unexpected event", describe(ev))
	case <-time.After(quiet):
	}
}

// requireEmpty asserts that the channel holds no event right now, without waiting.
func requireEmpty(t testing.TB, w watch.Interface) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			require.FailNow(t, "the watch ended unexpectedly")
		}
		require.FailNow(t, "unexpected event", describe(ev))
	default:
	}
}

// waitUntil polls cond until it holds.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out waiting: "+what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// waitWaiters waits until exactly n timers are pending on c: the goroutines that arm them have reached their select.
func waitWaiters(t testing.TB, c *clock.Fake, n int) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%d pending timers", n), func() bool { return c.Waiters() == n })
}

// settle gives a watch whose start revision is current the moment it needs to hand over to the dispatcher, so that
// the writes a test makes next are most likely delivered live. Correctness never depends on it: both paths must
// deliver the same events.
func settle() { time.Sleep(5 * time.Millisecond) }

// rv returns an object's resourceVersion as a revision.
func rv(t testing.TB, o *types.Object) int64 {
	t.Helper()
	n, err := strconv.ParseInt(o.ResourceVersion(), 10, 64)
	require.NoError(t, err, "resourceVersion %q", o.ResourceVersion())
	return n
}

// ev is the comparable summary of an event: its type, the object's namespace/name, resourceVersion and label l,
// and for bookmarks whether it carries the initial-events-end annotation.
type ev struct {
	Type       watch.EventType
	Name       string
	RV         string
	L          string
	InitialEnd bool
}

// describe summarizes an event.
func describe(e watch.Event) ev {
	s := ev{Type: e.Type}
	if e.Object == nil {
		return s
	}
	s.RV = e.Object.ResourceVersion()
	s.L, _ = e.Object.Label("l")
	if e.Object.Name() != "" {
		s.Name = e.Object.Namespace() + "/" + e.Object.Name()
	}
	if e.Type == watch.Bookmark {
		v, _ := e.Object.Annotation(watch.InitialEventsEndAnnotation)
		s.InitialEnd = v == "true"
	}
	return s
}

func describeAll(evs []watch.Event) []ev {
	if len(evs) == 0 {
		return nil
	}
	out := make([]ev, len(evs))
	for i, e := range evs {
		out[i] = describe(e)
	}
	return out
}

// added, modified, deleted and bookmark build expected event summaries; name is "ns/name".
func added(name string, rv int, l string) ev {
	return ev{Type: watch.Added, Name: name, RV: strconv.Itoa(rv), L: l}
}

func modified(name string, rv int, l string) ev {
	return ev{Type: watch.Modified, Name: name, RV: strconv.Itoa(rv), L: l}
}

func deleted(name string, rv int, l string) ev {
	return ev{Type: watch.Deleted, Name: name, RV: strconv.Itoa(rv), L: l}
}

func initialEnd(rv int) ev {
	return ev{Type: watch.Bookmark, RV: strconv.Itoa(rv), InitialEnd: true}
}

// liveAt replays h up to rev and returns the live objects under prefix in key order: what a list at rev returns.
func liveAt(t testing.TB, h watch.History, prefix string, rev int64) []*types.Object {
	t.Helper()
	live := map[string]*types.Object{}
	require.NoError(t, h.ChangesAfter(1, rev, func(c watch.Change) bool {
		if len(c.Key) >= len(prefix) && c.Key[:len(prefix)] == prefix {
			if c.Deleted {
				delete(live, c.Key)
			} else {
				live[c.Key] = c.Object
			}
		}
		return true
	}))
	keys := make([]string, 0, len(live))
	for k := range live {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	objs := make([]*types.Object, len(keys))
	for i, k := range keys {
		objs[i] = live[k]
	}
	return objs
}

// waitRegistered waits until every w, each of which must want bookmarks, is registered with the dispatcher of a
// broadcaster on the Fake clock c: it steps c by step (at least a second) until each has received a bookmark,
// which only the dispatcher sends, and consumes those bookmarks. It leaves the dispatcher waiting in its select
// with its bookmark tick as the only pending timer.
func waitRegistered(t testing.TB, c *clock.Fake, step time.Duration, ws ...watch.Interface) {
	t.Helper()
	pending := map[watch.Interface]bool{}
	for _, w := range ws {
		pending[w] = true
	}
	for range 200 {
		waitWaiters(t, c, 1) // the dispatcher's bookmark tick
		c.Step(step)
		waitWaiters(t, c, 1)   // it sent the due bookmarks and armed the next tick
		for _, w := range ws { // every registered watch got a bookmark at this step; take them all
		drained:
			for {
				select {
				case e := <-w.ResultChan():
					require.Equal(t, watch.Bookmark, e.Type, "got %v", describe(e))
					delete(pending, w)
				default:
					break drained
				}
			}
		}
		if len(pending) == 0 {
			return
		}
	}
	require.FailNow(t, "watchers were not registered")
}

// gatedHistory stops the first ChangesAfter call after arm until release is closed.
type gatedHistory struct {
	*watchtest.History
	mu      sync.Mutex
	armed   bool
	entered chan struct{} // closed when the gated call arrives
	release chan struct{} // closed by the test to let it go on
}

func (g *gatedHistory) arm() {
	g.mu.Lock()
	g.armed = true
	g.mu.Unlock()
}

func (g *gatedHistory) ChangesAfter(after, through int64, fn func(watch.Change) bool) error {
	g.mu.Lock()
	armed := g.armed
	g.armed = false
	g.mu.Unlock()
	if armed {
		close(g.entered)
		<-g.release
	}
	return g.History.ChangesAfter(after, through, fn)
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for log output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
