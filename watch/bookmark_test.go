package watch_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/watch"
	"github.com/kubemem/kubemem/watch/watchtest"
)

// progressHistory records how far the replays served so far reached. Once every watch is registered, only the
// dispatcher replays, so it tells how far the dispatcher has delivered.
type progressHistory struct {
	*watchtest.History
	through atomic.Int64
}

func (p *progressHistory) ChangesAfter(after, through int64, fn func(watch.Change) bool) error {
	err := p.History.ChangesAfter(after, through, fn)
	if err == nil {
		for {
			m := p.through.Load()
			if through <= m || p.through.CompareAndSwap(m, through) {
				break
			}
		}
	}
	return err
}

// bookmarkEnv is a broadcaster on a Fake clock over a progressHistory.
type bookmarkEnv struct {
	h *progressHistory
	c *clock.Fake
	b *watch.Broadcaster
}

func newBookmarkEnv(t *testing.T, opts watch.Options) *bookmarkEnv {
	e := &bookmarkEnv{h: &progressHistory{History: watchtest.NewHistory()}, c: clock.NewFake(t0)}
	opts.Clock = e.c
	e.b = newBroadcaster(t, e.h, opts)
	return e
}

// watch starts a bookmark watch of /pods/ns1/ from the current revision, with req's other fields.
func (e *bookmarkEnv) watch(t *testing.T, req watch.Request) watch.Interface {
	if req.Prefix == "" && req.Key == "" {
		req.Prefix = nsPrefix("ns1")
	}
	if req.From == 0 {
		req.From = e.h.Revision()
	}
	req.Bookmarks, req.BookmarkType = true, podType
	return startWatch(t, e.b, req)
}

// dispatched waits until the dispatcher has delivered every change so far and is back in its select with timers
// pending timers (its bookmark tick plus any watch timeouts). Every watch must be registered.
func (e *bookmarkEnv) dispatched(t *testing.T, timers int) {
	t.Helper()
	rev := e.h.Revision()
	waitUntil(t, "the dispatcher to deliver revision "+strconv.FormatInt(rev, 10), func() bool { return e.h.through.Load() >= rev })
	waitWaiters(t, e.c, timers)
}

// at moves the clock to t0+d and waits until the dispatcher has handled the tick this fires.
func (e *bookmarkEnv) at(t *testing.T, d time.Duration, timers int) {
	t.Helper()
	e.c.SetTime(t0.Add(d))
	waitWaiters(t, e.c, timers)
}

func bookmarkAt(rv int64) ev { return ev{Type: watch.Bookmark, RV: strconv.FormatInt(rv, 10)} }

func requireBookmark(t *testing.T, w watch.Interface, rv int64) {
	t.Helper()
	e := recv(t, w)
	require.Equal(t, bookmarkAt(rv), describe(e))
	require.Equal(t, podType, e.Object.TypeMeta(), "X-16: the bookmark has the watched kind and apiVersion")
	require.Empty(t, e.Object.Name())
	require.Empty(t, e.Object.Annotations())
}

// TestBookmarks checks X-16..X-18 on a Fake clock.
func TestBookmarks(t *testing.T) {
	tests := []struct {
		name string
		opts watch.Options
		run  func(t *testing.T, e *bookmarkEnv)
	}{
		{
			name: "X-16 no bookmarks without Request.Bookmarks",
			run: func(t *testing.T, e *bookmarkEnv) {
				w := startWatch(t, e.b, watch.Request{Prefix: nsPrefix("ns1"), From: e.h.Revision()})
				settle()
				put(e.h.History, "ns1", "a", "a")
				put(e.h.History, "ns2", "x", "a")
				require.Equal(t, []ev{added("ns1/a", 2, "a")}, describeAll(recvN(t, w, 1)))
				for i := range 5 {
					e.c.SetTime(t0.Add(time.Duration(i+1) * time.Hour))
					require.Zero(t, e.c.Waiters(), "no bookmark tick is armed")
				}
				requireQuiet(t, w)
			},
		},
		{
			name: "X-16 X-17 X-18 a BOOKMARK after BookmarkInterval at the dispatched position, past writes out of scope",
			run: func(t *testing.T, e *bookmarkEnv) {
				w := e.watch(t, watch.Request{})
				waitWaiters(t, e.c, 1) // registered: the dispatcher armed its bookmark tick
				put(e.h.History, "ns1", "a", "a")
				require.Equal(t, []ev{added("ns1/a", 2, "a")}, describeAll(recvN(t, w, 1)))
				put(e.h.History, "ns2", "x", "a")
				put(e.h.History, "ns10", "y", "a")
				e.dispatched(t, 1)
				e.at(t, 59*time.Second, 1)
				requireEmpty(t, w)
				e.at(t, time.Minute, 1)
				requireBookmark(t, w, 4)
				requireEmpty(t, w)
			},
		},
		{
			name: "X-17 bookmark RVs follow the global position, never go back, and later events are newer",
			run: func(t *testing.T, e *bookmarkEnv) {
				w := e.watch(t, watch.Request{})
				waitWaiters(t, e.c, 1)
				put(e.h.History, "ns2", "x", "a") // 2
				e.dispatched(t, 1)
				e.at(t, time.Minute, 1)
				requireBookmark(t, w, 2)
				put(e.h.History, "ns2", "x", "b") // 3
				put(e.h.History, "ns2", "x", "c") // 4
				e.dispatched(t, 1)
				e.at(t, 2*time.Minute, 1)
				requireBookmark(t, w, 4)
				e.at(t, 3*time.Minute, 1)
				requireBookmark(t, w, 4)
				put(e.h.History, "ns1", "a", "a") // 5
				require.Equal(t, []ev{added("ns1/a", 5, "a")}, describeAll(recvN(t, w, 1)))
			},
		},
		{
			name: "X-18 one bookmark about 2s before the Timeout deadline, then a clean end",
			run: func(t *testing.T, e *bookmarkEnv) {
				put(e.h.History, "ns2", "x", "a") // 2
				w := e.watch(t, watch.Request{Timeout: 10 * time.Second})
				waitWaiters(t, e.c, 2) // the timeout timer and the bookmark tick
				for s := 1; s <= 7; s++ {
					e.at(t, time.Duration(s)*time.Second, 2)
					requireEmpty(t, w)
				}
				e.at(t, 8*time.Second, 2)
				requireBookmark(t, w, 2)
				e.at(t, 9*time.Second, 2)
				requireEmpty(t, w)
				e.c.SetTime(t0.Add(10 * time.Second))
				requireClosed(t, w)
			},
		},
		{
			name: "X-18 a full buffer drops the bookmark, never the watch",
			run: func(t *testing.T, e *bookmarkEnv) {
				w := e.watch(t, watch.Request{BufferSize: 1})
				waitWaiters(t, e.c, 1)
				put(e.h.History, "ns1", "a", "a") // 2: fills the buffer
				e.dispatched(t, 1)
				e.at(t, time.Minute, 1) // the bookmark is due but finds the buffer full
				require.Equal(t, []ev{added("ns1/a", 2, "a")}, describeAll(recvN(t, w, 1)))
				requireEmpty(t, w)
				put(e.h.History, "ns1", "a", "b") // 3
				require.Equal(t, []ev{modified("ns1/a", 3, "b")}, describeAll(recvN(t, w, 1)))
				e.dispatched(t, 1)
				e.at(t, 2*time.Minute, 1)
				requireBookmark(t, w, 3)
			},
		},
		{
			name: "X-17 a watch from a future revision gets bookmarks at its start revision",
			run: func(t *testing.T, e *bookmarkEnv) {
				w := e.watch(t, watch.Request{From: 11})
				waitWaiters(t, e.c, 1)
				e.at(t, time.Minute, 1)
				requireBookmark(t, w, 11)
				for range 11 {
					put(e.h.History, "ns1", "a", "a") // 2..12
				}
				require.Equal(t, []ev{modified("ns1/a", 12, "a")}, describeAll(recvN(t, w, 1)))
				e.dispatched(t, 1)
				e.at(t, 2*time.Minute, 1)
				requireBookmark(t, w, 12)
			},
		},
		{
			name: "X-10 X-17 the initial-events-end bookmark comes first, then periodic ones, RVs non-decreasing",
			run: func(t *testing.T, e *bookmarkEnv) {
				put(e.h.History, "ns1", "a", "a") // 2
				put(e.h.History, "ns1", "b", "a") // 3
				put(e.h.History, "ns2", "x", "a") // 4
				w := e.watch(t, watch.Request{Initial: liveAt(t, e.h, nsPrefix("ns1"), 4), InitialEventsEnd: true})
				require.Equal(t, []ev{added("ns1/a", 2, "a"), added("ns1/b", 3, "a"), initialEnd(4)}, describeAll(recvN(t, w, 3)))
				waitWaiters(t, e.c, 1)
				e.at(t, time.Minute, 1)
				requireBookmark(t, w, 4)
			},
		},
		{
			name: "X-18 a registered watch gets bookmarks while the history is idle",
			run: func(t *testing.T, e *bookmarkEnv) {
				put(e.h.History, "ns1", "a", "a") // 2
				w := e.watch(t, watch.Request{})
				waitWaiters(t, e.c, 1)
				e.at(t, time.Minute, 1)
				requireBookmark(t, w, 2)
				e.at(t, 2*time.Minute, 1)
				requireBookmark(t, w, 2)
			},
		},
		{
			name: "X-18 Options.BookmarkInterval sets the period",
			opts: watch.Options{BookmarkInterval: 5 * time.Second},
			run: func(t *testing.T, e *bookmarkEnv) {
				w := e.watch(t, watch.Request{})
				waitWaiters(t, e.c, 1)
				var at []int
				for s := 1; s <= 16; s++ {
					e.at(t, time.Duration(s)*time.Second, 1)
					select {
					case e := <-w.ResultChan():
						require.Equal(t, watch.Bookmark, e.Type)
						at = append(at, s)
					default:
					}
				}
				require.Equal(t, []int{5, 10, 15}, at)
			},
		},
		{
			name: "X-16 a watch without bookmarks beside one with them gets none",
			run: func(t *testing.T, e *bookmarkEnv) {
				plain := startWatch(t, e.b, watch.Request{Prefix: nsPrefix("ns1"), From: e.h.Revision()})
				w := e.watch(t, watch.Request{})
				waitWaiters(t, e.c, 1)
				put(e.h.History, "ns1", "a", "a") // 2
				require.Equal(t, []ev{added("ns1/a", 2, "a")}, describeAll(recvN(t, plain, 1)))
				require.Equal(t, []ev{added("ns1/a", 2, "a")}, describeAll(recvN(t, w, 1)))
				e.dispatched(t, 1)
				e.at(t, time.Minute, 1)
				require.Equal(t, watch.Bookmark, recv(t, w).Type)
				requireEmpty(t, plain)
			},
		},
		{
			name: "X-17 watches on different scopes get the same position",
			run: func(t *testing.T, e *bookmarkEnv) {
				w1 := e.watch(t, watch.Request{})
				w2 := e.watch(t, watch.Request{Key: podKey("ns2", "x")})
				waitRegistered(t, e.c, time.Minute, w1, w2)
				put(e.h.History, "ns2", "x", "a") // 2
				require.Equal(t, []ev{added("ns2/x", 2, "a")}, describeAll(recvN(t, w2, 1)))
				put(e.h.History, "ns3", "y", "a") // 3
				e.dispatched(t, 1)
				e.c.Step(time.Minute)
				requireBookmark(t, w1, 3)
				requireBookmark(t, w2, 3)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newBookmarkEnv(t, tc.opts))
		})
	}
}
