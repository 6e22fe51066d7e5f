package watch_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
	"github.com/kubemem/kubemem/watch/watchtest"
)

// TestWatchEnds: every way a watch ends (Stop, its context, its Timeout) closes its channel promptly and without
// an ERROR event, whether the watch is catching up or live.
func TestWatchEnds(t *testing.T) {
	tests := []struct {
		name   string
		before int // changes in scope before the watch starts (From=1 replays them)
		req    watch.Request
		// end ends the watch w and returns how many events it may still have left in its channel.
		end func(t *testing.T, c *clock.Fake, h *watchtest.History, w watch.Interface, cancel context.CancelFunc) int
	}{
		{
			name: "Stop before any event",
			end: func(_ *testing.T, _ *clock.Fake, _ *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				w.Stop()
				return 0
			},
		},
		{
			name: "Stop right after Watch returns, before the hand-off",
			end: func(_ *testing.T, _ *clock.Fake, _ *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				w.Stop()
				return 20
			},
			before: 20,
		},
		{
			name: "Stop twice",
			end: func(_ *testing.T, _ *clock.Fake, _ *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				settle()
				w.Stop()
				w.Stop()
				return 0
			},
		},
		{
			name: "Stop from many goroutines at once",
			end: func(_ *testing.T, _ *clock.Fake, _ *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				var wg sync.WaitGroup
				for range 8 {
					wg.Go(w.Stop)
				}
				wg.Wait()
				return 0
			},
		},
		{
			name:   "Stop while the catch-up waits on a full buffer",
			before: 10,
			req:    watch.Request{BufferSize: 1},
			end: func(t *testing.T, _ *clock.Fake, _ *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				waitUntil(t, "a full buffer", func() bool { return len(w.ResultChan()) == 1 })
				w.Stop()
				return 1
			},
		},
		{
			name: "X-6 Stop while the initial events wait on a full buffer",
			req: watch.Request{BufferSize: 1, Initial: []*types.Object{
				pod("ns1", "a", "", ""), pod("ns1", "b", "", ""), pod("ns1", "c", "", ""),
			}},
			end: func(t *testing.T, _ *clock.Fake, _ *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				waitUntil(t, "a full buffer", func() bool { return len(w.ResultChan()) == 1 })
				w.Stop()
				return 1
			},
		},
		{
			name: "X-10 Stop while the initial-events-end bookmark waits on a full buffer",
			req: watch.Request{
				BufferSize: 1, Initial: []*types.Object{pod("ns1", "a", "", "")}, InitialEventsEnd: true,
			},
			end: func(t *testing.T, _ *clock.Fake, _ *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				waitUntil(t, "a full buffer", func() bool { return len(w.ResultChan()) == 1 })
				w.Stop()
				return 1
			},
		},
		{
			name: "Stop from another goroutine while the consumer ranges",
			end: func(t *testing.T, _ *clock.Fake, h *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				got := make(chan int)
				go func() {
					n := 0
					for range w.ResultChan() {
						n++
						if n == 3 {
							go w.Stop()
						}
					}
					got <- n
				}()
				for range 5 {
					put(h, "ns1", "a", "a")
				}
				select {
				case n := <-got:
					require.GreaterOrEqual(t, n, 3)
				case <-time.After(waitTimeout):
					require.FailNow(t, "the range loop did not end")
				}
				return -1 // the consumer drained the channel
			},
		},
		{
			name: "ctx cancellation ends a live watch",
			end: func(_ *testing.T, _ *clock.Fake, _ *watchtest.History, _ watch.Interface, cancel context.CancelFunc) int {
				settle()
				cancel()
				return 0
			},
		},
		{
			name:   "ctx cancellation ends a watch during catch-up",
			before: 10,
			req:    watch.Request{BufferSize: 1},
			end: func(t *testing.T, _ *clock.Fake, _ *watchtest.History, w watch.Interface, cancel context.CancelFunc) int {
				waitUntil(t, "a full buffer", func() bool { return len(w.ResultChan()) == 1 })
				cancel()
				return 10 // the context's Stop runs on its own goroutine: a reader may get more events meanwhile
			},
		},
		{
			name: "X-4 Timeout ends the watch cleanly, not before its deadline",
			req:  watch.Request{Timeout: 30 * time.Second},
			end: func(t *testing.T, c *clock.Fake, h *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				waitWaiters(t, c, 1) // the timeout timer
				c.Step(30*time.Second - time.Nanosecond)
				settle()
				put(h, "ns1", "a", "a")
				require.Equal(t, watch.Added, recv(t, w).Type, "the watch is still open just before its deadline")
				c.Step(time.Nanosecond)
				return 0
			},
		},
		{
			name:   "X-4 Timeout during catch-up",
			before: 10,
			req:    watch.Request{Timeout: time.Minute, BufferSize: 1},
			end: func(t *testing.T, c *clock.Fake, _ *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				waitUntil(t, "a full buffer", func() bool { return len(w.ResultChan()) == 1 })
				waitWaiters(t, c, 1)
				c.Step(time.Minute)
				return 10 // the timeout's Stop runs on its own goroutine: a reader may get more events meanwhile
			},
		},
		{
			name: "Stop before the Timeout releases its timer",
			req:  watch.Request{Timeout: time.Hour},
			end: func(t *testing.T, c *clock.Fake, _ *watchtest.History, w watch.Interface, _ context.CancelFunc) int {
				waitWaiters(t, c, 1)
				w.Stop()
				waitWaiters(t, c, 0)
				return 0
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := watchtest.NewHistory()
			c := clock.NewFake(t0)
			b := newBroadcaster(t, h, watch.Options{Clock: c})
			for range tc.before {
				put(h, "ns1", "a", "a")
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req := tc.req
			req.Prefix, req.From = nsPrefix("ns1"), h.Revision()
			if tc.before > 0 {
				req.From = 1
			}
			w, err := b.Watch(ctx, req)
			require.NoError(t, err)
			left := tc.end(t, c, h, w, cancel)
			if left < 0 {
				return
			}
			start := time.Now()
			evs := drain(t, w)
			require.LessOrEqual(t, len(evs), left)
			for _, e := range evs {
				require.NotEqual(t, watch.Error, e.Type, "a watch ends without an ERROR event")
			}
			require.Less(t, time.Since(start), time.Second, "the channel closes promptly")
			w.Stop() // Stop after the end is a no-op
		})
	}
}

// TestWatchWithCancelledContext: a watch whose context is already done ends at once.
func TestWatchWithCancelledContext(t *testing.T) {
	h := watchtest.NewHistory()
	b := newBroadcaster(t, h, watch.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w, err := b.Watch(ctx, watch.Request{From: h.Revision()})
	require.NoError(t, err)
	requireClosed(t, w)
}

// TestClose: Close ends live, catching-up and future watches without an ERROR event; Watch then fails with
// ErrClosed; Close is idempotent.
func TestClose(t *testing.T) {
	h := watchtest.NewHistory()
	for range 10 {
		put(h, "ns1", "a", "a")
	}
	b := watch.NewBroadcaster(h, watch.Options{})
	live := startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), From: h.Revision(), Timeout: time.Hour})
	catchingUp := startWatch(t, b, watch.Request{From: 1, BufferSize: 1})
	future := startWatch(t, b, watch.Request{Key: podKey("ns1", "a"), From: h.Revision() + 10, Bookmarks: true})
	waitUntil(t, "a full buffer", func() bool { return len(catchingUp.ResultChan()) == 1 })
	settle()

	b.Close()
	require.Empty(t, drain(t, live))
	require.LessOrEqual(t, len(drain(t, catchingUp)), 1)
	require.Empty(t, drain(t, future))

	_, err := b.Watch(context.Background(), watch.Request{})
	require.ErrorIs(t, err, watch.ErrClosed)
	b.Close() // idempotent
	live.Stop()
}

// TestCloseReleasesGoroutines: Close stops the dispatcher and every catch-up and timeout goroutine (DESIGN: every
// goroutine has an owner that stops it).
func TestCloseReleasesGoroutines(t *testing.T) {
	baseline := runtime.NumGoroutine()
	h := watchtest.NewHistory()
	for range 10 {
		put(h, "ns1", "a", "a")
	}
	b := watch.NewBroadcaster(h, watch.Options{})
	for i := range 20 {
		req := watch.Request{Prefix: nsPrefix("ns1"), From: h.Revision(), Bookmarks: i%2 == 0}
		switch i % 4 {
		case 1:
			req.From, req.BufferSize = 1, 1 // stuck in catch-up
		case 2:
			req.Timeout = time.Hour
		case 3:
			req.Key = podKey("ns1", "a")
		}
		_, err := b.Watch(context.Background(), req)
		require.NoError(t, err)
	}
	b.Close()
	waitUntil(t, "the broadcaster's goroutines to exit", func() bool { return runtime.NumGoroutine() <= baseline })
}

// TestCloseWaitsForConcurrentWatch: a Watch that overlaps Close either fails with ErrClosed or is ended by Close;
// Close must not return while such a Watch is still setting up the goroutine that Close is supposed to wait for.
func TestCloseWaitsForConcurrentWatch(t *testing.T) {
	h := watchtest.NewHistory()
	b := watch.NewBroadcaster(h, watch.Options{})
	var closeReturnedDuringWatch atomic.Bool
	// The hook runs inside Watch (context.AfterFunc calls ctx.Done), after Watch has checked that the
	// broadcaster is open: it closes the broadcaster from another goroutine and gives Close time to return.
	ctx := &hookCtx{Context: context.Background(), hook: func() {
		closed := make(chan struct{})
		go func() {
			b.Close()
			close(closed)
		}()
		select {
		case <-closed:
			closeReturnedDuringWatch.Store(true)
		case <-time.After(200 * time.Millisecond):
		}
	}}
	w, err := b.Watch(ctx, watch.Request{From: h.Revision()})
	if err != nil {
		require.ErrorIs(t, err, watch.ErrClosed)
		return
	}
	require.False(t, closeReturnedDuringWatch.Load(),
		"Close returned while a Watch it did not refuse was still starting; that watch's goroutine outlives Close")
	requireClosed(t, w)
	b.Close()
}

// hookCtx is a Context that runs hook the first time Done is called.
type hookCtx struct {
	context.Context
	once sync.Once
	hook func()
}

func (c *hookCtx) Done() <-chan struct{} {
	c.once.Do(c.hook)
	return c.Context.Done()
}

// TestHistoryError: a replay failure that is not a Status reaches the client as one 500 InternalError ERROR
// event, then the watch ends (X-5, S-3).
func TestHistoryError(t *testing.T) {
	h := &failingHistory{History: watchtest.NewHistory()}
	put(h.History, "ns1", "a", "a")
	b := newBroadcaster(t, h, watch.Options{})
	w := startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), From: 1})
	e := recv(t, w)
	require.Equal(t, watch.Error, e.Type)
	require.True(t, types.IsInternalError(e.Err))
	require.EqualValues(t, 500, e.Err.Status().Code)
	require.Contains(t, e.Err.Status().Message, "boom")
	requireClosed(t, w)
}

// failingHistory fails every replay with a plain error.
type failingHistory struct{ *watchtest.History }

func (failingHistory) ChangesAfter(int64, int64, func(watch.Change) bool) error {
	return errors.New("boom")
}

// TestCompactionDoesNotEndEstablishedWatches: the dispatcher holds the history it has yet to deliver, so a
// compaction that passes it while it replays changes nothing for its watchers (kube's watch cache never ends a
// watch on compaction either).
func TestCompactionDoesNotEndEstablishedWatches(t *testing.T) {
	h := &gatedHistory{History: watchtest.NewHistory(), entered: make(chan struct{}), release: make(chan struct{})}
	put(h.History, "ns1", "a", "a")
	c := clock.NewFake(t0)
	b := newBroadcaster(t, h, watch.Options{Clock: c, BookmarkInterval: time.Second})
	req := watch.Request{Prefix: nsPrefix("ns1"), From: h.Revision(), Bookmarks: true, BookmarkType: podType}
	w1 := startWatch(t, b, req)
	req.Key = podKey("ns1", "a")
	w2 := startWatch(t, b, req)
	waitRegistered(t, c, time.Second, w1, w2)

	h.arm()
	put(h.History, "ns1", "a", "b")
	put(h.History, "ns1", "a", "c")
	<-h.entered // the dispatcher is about to replay the two changes
	h.Compact(h.Revision())
	close(h.release)
	for _, w := range []watch.Interface{w1, w2} {
		for _, want := range []int64{3, 4} {
			ev := recv(t, w)
			require.Equal(t, watch.Modified, ev.Type)
			require.EqualValues(t, want, rv(t, ev.Object))
		}
	}
	b.Close()
	require.Empty(t, drain(t, w1))
	require.Zero(t, h.Holds(), "every hold is released")
}

// TestCompactionDuringCatchUp: a watch holds its start revision, so a compaction that passes a catch-up still
// replaying does not cut it short: the watch delivers every change, gapless, and stays open.
func TestCompactionDuringCatchUp(t *testing.T) {
	h := watchtest.NewHistory()
	b := newBroadcaster(t, h, watch.Options{})
	for range 10 {
		put(h, "ns1", "a", "a") // 2..11
	}
	w := startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), From: 1, BufferSize: 1})
	waitUntil(t, "a full buffer", func() bool { return len(w.ResultChan()) == 1 })
	for range 5 {
		put(h, "ns1", "a", "b") // 12..16
	}
	h.Compact(h.Revision())
	for want := int64(2); want <= 16; want++ {
		ev := recv(t, w)
		require.NotEqual(t, watch.Error, ev.Type)
		require.EqualValues(t, want, rv(t, ev.Object), "a gapless history")
	}
	// A new watch from below the floor is refused, with exactly one 410 ERROR event.
	r := startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), From: 5})
	e := recv(t, r)
	require.Equal(t, watch.Error, e.Type)
	require.True(t, types.IsResourceExpired(e.Err))
	requireClosed(t, r)
	w.Stop()
}
