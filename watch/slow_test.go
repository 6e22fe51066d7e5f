package watch_test

import (
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/watch"
	"github.com/kubemem/kubemem/watch/watchtest"
)

// collector reads a watch on its own goroutine and keeps what it receives.
type collector struct {
	mu  sync.Mutex
	evs []watch.Event
}

func collect(w watch.Interface) *collector {
	c := &collector{}
	go func() {
		for e := range w.ResultChan() {
			c.mu.Lock()
			c.evs = append(c.evs, e)
			c.mu.Unlock()
		}
	}()
	return c
}

// data returns the non-bookmark events received so far.
func (c *collector) data() []watch.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []watch.Event
	for _, e := range c.evs {
		if e.Type != watch.Bookmark {
			out = append(out, e)
		}
	}
	return out
}

// waitRV waits until the collector has received an event at resourceVersion rev.
func (c *collector) waitRV(t *testing.T, rev int64) {
	t.Helper()
	want := strconv.FormatInt(rev, 10)
	waitUntil(t, "an event at "+want, func() bool {
		evs := c.data()
		return len(evs) > 0 && evs[len(evs)-1].Object.ResourceVersion() == want
	})
}

// slowEnv is a broadcaster on a Fake clock with a reader of every change; the watches under test and the reader
// want bookmarks only so that waitRegistered can tell when they are registered.
type slowEnv struct {
	h      *watchtest.History
	gated  *gatedHistory // h, with a gate the test can close in front of the dispatcher's next replay
	c      *clock.Fake
	b      *watch.Broadcaster
	reader *collector
}

func newSlowEnv(t *testing.T, opts watch.Options, slow ...watch.Request) (*slowEnv, []watch.Interface) {
	e := &slowEnv{h: watchtest.NewHistory(), c: clock.NewFake(t0)}
	e.gated = &gatedHistory{History: e.h, entered: make(chan struct{}), release: make(chan struct{})}
	opts.Clock = e.c
	e.b = newBroadcaster(t, e.gated, opts)
	var ws []watch.Interface
	for _, req := range slow {
		req.From, req.Bookmarks, req.BookmarkType = e.h.Revision(), true, podType
		ws = append(ws, startWatch(t, e.b, req))
	}
	reader := startWatch(t, e.b, watch.Request{From: e.h.Revision(), Bookmarks: true, BookmarkType: podType, BufferSize: 100000})
	waitRegistered(t, e.c, time.Minute, append(ws, reader)...)
	e.reader = collect(reader)
	return e, ws
}

// block writes n changes to ns/x and waits until the dispatcher, having delivered the last one to the reader (which
// watches everything and comes first), waits with the slow-watcher budget for a watch whose buffer is full. It
// returns the revisions of the changes.
func (e *slowEnv) block(t *testing.T, ns string, n int) []int64 {
	t.Helper()
	var revs []int64
	for range n {
		revs = append(revs, rv(t, put(e.h, ns, "x", "a")))
	}
	e.reader.waitRV(t, e.h.Revision())
	waitWaiters(t, e.c, 1) // the budget timer: the dispatcher stopped its bookmark tick when it woke
	return revs
}

// passed waits until the dispatcher has moved past the change it was blocked on: it delivers a new change to the
// reader. Reading a blocked watch before that would let the dispatcher deliver to it instead of terminating it.
func (e *slowEnv) passed(t *testing.T) {
	t.Helper()
	put(e.h, "probe", "x", "")
	e.reader.waitRV(t, e.h.Revision())
}

// requireTerminated asserts that w ended cleanly (no ERROR event) after delivering exactly the changes at revs.
func requireTerminated(t *testing.T, w watch.Interface, revs ...int64) {
	t.Helper()
	var got []int64
	for _, e := range drain(t, w) {
		require.NotEqual(t, watch.Error, e.Type, "K-2: a terminated watch ends without an ERROR event")
		got = append(got, rv(t, e.Object))
	}
	require.Equal(t, revs, got)
}

func TestSlowWatchers(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{
			name: "K-2 a watcher that never reads is terminated after the budget; a reader gets every event; writers never wait",
			run: func(t *testing.T) {
				var logs syncBuffer
				logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				e, ws := newSlowEnv(t, watch.Options{Logger: logger}, watch.Request{Prefix: nsPrefix("ns1"), BufferSize: 2})
				slow := ws[0]
				revs := e.block(t, "ns1", 3) // the first two fill the buffer; the third blocks

				start := time.Now()
				for i := range 100 {
					put(e.h, []string{"ns1", "ns2"}[i%2], "y", "a") // 5..104, while the dispatcher waits
				}
				require.Less(t, time.Since(start), time.Second, "writers never wait for watchers")

				e.c.Step(watch.DefaultSlowWatcherBudget - time.Nanosecond)
				require.Equal(t, 1, e.c.Waiters(), "not terminated before the budget is spent")
				require.Len(t, slow.ResultChan(), 2)
				e.c.Step(time.Nanosecond)
				e.passed(t)
				requireTerminated(t, slow, revs[0], revs[1])

				got := e.reader.data()
				require.Len(t, got, int(e.h.Revision()-1), "the reader received every change")
				for i, ev := range got {
					require.EqualValues(t, i+2, rv(t, ev.Object))
				}
				require.Contains(t, logs.String(), "terminating slow watcher")
			},
		},
		{
			name: "K-2 the budget is spent, then refills at 50ms per second",
			run: func(t *testing.T) {
				e, ws := newSlowEnv(t, watch.Options{},
					watch.Request{Prefix: nsPrefix("ns1"), BufferSize: 2},
					watch.Request{Prefix: nsPrefix("ns2"), BufferSize: 2},
					watch.Request{Prefix: nsPrefix("ns3"), BufferSize: 2})
				revs := e.block(t, "ns1", 3) // the whole budget: 100ms
				e.c.Step(100*time.Millisecond - time.Nanosecond)
				require.Equal(t, 1, e.c.Waiters())
				e.c.Step(time.Nanosecond)
				e.passed(t)
				requireTerminated(t, ws[0], revs[0], revs[1])

				// One second after the budget was last taken it has 50ms again.
				e.c.Step(900 * time.Millisecond)
				revs = e.block(t, "ns2", 3)
				e.c.Step(50*time.Millisecond - time.Nanosecond)
				require.Equal(t, 1, e.c.Waiters())
				e.c.Step(time.Nanosecond)
				e.passed(t)
				requireTerminated(t, ws[1], revs[0], revs[1])

				// Right after, it has next to nothing (50ms of refill time earned 2.5ms).
				revs = e.block(t, "ns3", 3)
				e.c.Step(2 * time.Millisecond)
				require.Equal(t, 1, e.c.Waiters())
				e.c.Step(time.Millisecond)
				e.passed(t)
				requireTerminated(t, ws[2], revs[0], revs[1])
			},
		},
		{
			name: "K-2 when the budget expires, every watcher still blocked on the change is terminated",
			run: func(t *testing.T) {
				e, ws := newSlowEnv(t, watch.Options{},
					watch.Request{Prefix: nsPrefix("ns1"), BufferSize: 2},
					watch.Request{Key: podKey("ns1", "x"), BufferSize: 2})
				revs := e.block(t, "ns1", 3)
				e.c.Step(watch.DefaultSlowWatcherBudget)
				e.passed(t)
				requireTerminated(t, ws[0], revs[0], revs[1])
				requireTerminated(t, ws[1], revs[0], revs[1])
			},
		},
		{
			name: "K-2 Stop releases a dispatcher blocked on the watch at once",
			run: func(t *testing.T) {
				e, ws := newSlowEnv(t, watch.Options{}, watch.Request{Prefix: nsPrefix("ns1"), BufferSize: 2})
				e.block(t, "ns1", 3)
				ws[0].Stop()
				put(e.h, "ns2", "x", "a")
				e.reader.waitRV(t, e.h.Revision()) // delivered without the clock moving
				require.LessOrEqual(t, len(drain(t, ws[0])), 2)
			},
		},
		{
			// A watch that is stopped (by its Timeout, its context or Stop) while the dispatcher waits on its full
			// buffer has that event skipped. It must get no later event either: its client resumes from the last
			// resourceVersion it saw (C-4), so a later event would hide the skipped one for good.
			name: "K-2 X-15 a watch stopped while the dispatcher waits on it gets nothing after the skipped event",
			run: func(t *testing.T) {
				e, ws := newSlowEnv(t, watch.Options{},
					watch.Request{Prefix: "/pods/", BufferSize: 2},        // stopped; dispatched to before blocker
					watch.Request{Prefix: nsPrefix("ns1"), BufferSize: 2}) // blocker: holds the dispatcher
				stopped := ws[0]
				e.gated.arm()
				first := rv(t, put(e.h, "ns1", "x", "a"))
				<-e.gated.entered // the dispatcher claimed the first change; the next four form one batch
				for range 4 {
					put(e.h, "ns1", "x", "a")
				}
				close(e.gated.release)
				e.reader.waitRV(t, first+2)
				waitWaiters(t, e.c, 1) // both buffers are full; the dispatcher waits on them for the third change
				stopped.Stop()         // the dispatcher skips the stopped watch's third change
				got := []int64{rv(t, recv(t, stopped).Object)}
				e.c.Step(watch.DefaultSlowWatcherBudget) // the blocker is terminated; the batch goes on
				e.reader.waitRV(t, first+4)
				for _, ev := range drain(t, stopped) {
					got = append(got, rv(t, ev.Object))
				}
				for i, r := range got {
					require.Equal(t, first+int64(i), r, "a gapless prefix; got %v", got)
				}
			},
		},
		{
			name: "Close while the dispatcher waits on a slow watcher ends every watch at once",
			run: func(t *testing.T) {
				e, ws := newSlowEnv(t, watch.Options{}, watch.Request{Prefix: nsPrefix("ns1"), BufferSize: 2})
				e.block(t, "ns1", 3)
				e.b.Close() // the clock does not move: Close must not wait for the budget
				require.Len(t, drain(t, ws[0]), 2)
				_, err := e.b.Watch(t.Context(), watch.Request{})
				require.ErrorIs(t, err, watch.ErrClosed)
			},
		},
		{
			name: "K-2 a reader that catches up late is waited for, never terminated, during catch-up",
			run: func(t *testing.T) {
				h := watchtest.NewHistory()
				b := newBroadcaster(t, h, watch.Options{SlowWatcherBudget: time.Millisecond})
				for range 50 {
					put(h, "ns1", "a", "a") // 2..51
				}
				w := startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), From: 1, BufferSize: 2})
				time.Sleep(20 * time.Millisecond) // twenty budgets
				for i, e := range recvN(t, w, 50) {
					require.EqualValues(t, i+2, rv(t, e.Object))
				}
				put(h, "ns1", "a", "b")
				require.Equal(t, []ev{modified("ns1/a", 52, "b")}, describeAll(recvN(t, w, 1)))
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}
