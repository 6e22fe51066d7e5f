package watch_test

import (
	"math/rand/v2"
	"strconv"
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

// fixtureBefore writes the history every start-rule case begins with (revisions 2..7):
//
//	rev  2 put ns1/a  l=a      rev  5 delete ns1/b
//	rev  3 put ns1/b  l=b      rev  6 put ns10/a l=a
//	rev  4 put ns1/a  l=a      rev  7 put ns1/ab l=a
func fixtureBefore(h *watchtest.History) {
	put(h, "ns1", "a", "a")
	put(h, "ns1", "b", "b")
	put(h, "ns1", "a", "a")
	h.Delete(podKey("ns1", "b"))
	put(h, "ns10", "a", "a")
	put(h, "ns1", "ab", "a")
}

// fixtureAfter writes the changes every start-rule case makes once its watch has started (revisions 8..12):
//
//	rev  8 put ns1/c  l=a      rev 11 delete ns1/a
//	rev  9 put ns1/a  l=b      rev 12 put ns1/a l=a (recreated)
//	rev 10 put ns10/a l=a
func fixtureAfter(h *watchtest.History) {
	put(h, "ns1", "c", "a")
	put(h, "ns1", "a", "b")
	put(h, "ns10", "a", "a")
	h.Delete(podKey("ns1", "a"))
	put(h, "ns1", "a", "a")
}

// TestStartRules checks where a watch starts and what it sees (X-5, X-6, X-8, X-10, X-14, X-15, K-3, S-4): each
// case writes fixtureBefore, starts a watch, writes fixtureAfter, and expects exactly its events.
func TestStartRules(t *testing.T) {
	// What a watch of /pods/ns1/ receives of fixtureAfter.
	ns1Live := []ev{added("ns1/c", 8, "a"), modified("ns1/a", 9, "b"), deleted("ns1/a", 11, "b"), added("ns1/a", 12, "a")}
	tests := []struct {
		name    string
		compact int64 // compact the history to this revision before the watch starts
		req     func(h *watchtest.History) watch.Request
		want    []ev
		wantErr string // the message of the one Error event, after want
	}{
		{
			name: "X-8 From=N replays exactly the changes after N, then live events",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Prefix: nsPrefix("ns1"), From: 3} },
			want: append([]ev{modified("ns1/a", 4, "a"), deleted("ns1/b", 5, "b"), added("ns1/ab", 7, "a")}, ns1Live...),
		},
		{
			name: "X-8 From=1 replays the whole history",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Prefix: nsPrefix("ns1"), From: 1} },
			want: append([]ev{
				added("ns1/a", 2, "a"), added("ns1/b", 3, "b"), modified("ns1/a", 4, "a"), deleted("ns1/b", 5, "b"),
				added("ns1/ab", 7, "a"),
			}, ns1Live...),
		},
		{
			name: "X-8 From=current delivers only live events",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Prefix: nsPrefix("ns1"), From: 7} },
			want: ns1Live,
		},
		{
			name:    "X-8 From=floor is still served",
			compact: 4,
			req:     func(*watchtest.History) watch.Request { return watch.Request{Prefix: nsPrefix("ns1"), From: 4} },
			want:    append([]ev{deleted("ns1/b", 5, "b"), added("ns1/ab", 7, "a")}, ns1Live...),
		},
		{
			name:    "X-5 X-8 From below the floor gives one 410 Expired ERROR, then the channel closes",
			compact: 4,
			req:     func(*watchtest.History) watch.Request { return watch.Request{Prefix: nsPrefix("ns1"), From: 3} },
			wantErr: "too old resource version: 3 (4)",
		},
		{
			name:    "X-5 X-8 From far below the floor",
			compact: 7,
			req:     func(*watchtest.History) watch.Request { return watch.Request{Key: podKey("ns1", "a"), From: 1} },
			wantErr: "too old resource version: 1 (7)",
		},
		{
			name: "X-8 From beyond the current revision delivers nothing until the history passes it",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Prefix: nsPrefix("ns1"), From: 9} },
			want: []ev{deleted("ns1/a", 11, "b"), added("ns1/a", 12, "a")},
		},
		{
			name: "X-8 From beyond every write delivers nothing",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Prefix: nsPrefix("ns1"), From: 100} },
		},
		{
			name: "X-6 X-15 initial objects first as ADDED in key order with their own RVs, then the changes after From",
			req: func(h *watchtest.History) watch.Request {
				return watch.Request{Prefix: nsPrefix("ns1"), From: 4, Initial: liveAt(t, h, nsPrefix("ns1"), 4)}
			},
			want: append([]ev{
				added("ns1/a", 4, "a"), added("ns1/b", 3, "b"), deleted("ns1/b", 5, "b"), added("ns1/ab", 7, "a"),
			}, ns1Live...),
		},
		{
			name: "X-10 the initial-events-end bookmark follows the initial events, at From",
			req: func(h *watchtest.History) watch.Request {
				return watch.Request{
					Prefix: nsPrefix("ns1"), From: 4, Initial: liveAt(t, h, nsPrefix("ns1"), 4),
					InitialEventsEnd: true, BookmarkType: podType,
				}
			},
			want: append([]ev{
				added("ns1/a", 4, "a"), added("ns1/b", 3, "b"), initialEnd(4), deleted("ns1/b", 5, "b"),
				added("ns1/ab", 7, "a"),
			}, ns1Live...),
		},
		{
			name: "X-10 the initial-events-end bookmark of an empty list comes first",
			req: func(h *watchtest.History) watch.Request {
				return watch.Request{Prefix: nsPrefix("ns2"), From: 7, InitialEventsEnd: true, BookmarkType: podType}
			},
			want: []ev{initialEnd(7)},
		},
		{
			name: "X-10 initial events at the current revision, then live events",
			req: func(h *watchtest.History) watch.Request {
				return watch.Request{
					Prefix: nsPrefix("ns1"), From: 7, Initial: liveAt(t, h, nsPrefix("ns1"), 7),
					InitialEventsEnd: true, BookmarkType: podType,
				}
			},
			want: append([]ev{added("ns1/a", 4, "a"), added("ns1/ab", 7, "a"), initialEnd(7)}, ns1Live...),
		},
		{
			name: "K-3 X-14 a single-object watch sees only its key, and a recreation as ADDED",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Key: podKey("ns1", "a"), From: 1} },
			want: []ev{
				added("ns1/a", 2, "a"), modified("ns1/a", 4, "a"), modified("ns1/a", 9, "b"), deleted("ns1/a", 11, "b"),
				added("ns1/a", 12, "a"),
			},
		},
		{
			name: "K-3 X-14 Key wins over Prefix",
			req: func(*watchtest.History) watch.Request {
				return watch.Request{Prefix: nsPrefix("ns1"), Key: podKey("ns1", "ab"), From: 1}
			},
			want: []ev{added("ns1/ab", 7, "a")},
		},
		{
			name: "K-3 X-8 a single-object watch from beyond the current revision",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Key: podKey("ns1", "a"), From: 10} },
			want: []ev{deleted("ns1/a", 11, "b"), added("ns1/a", 12, "a")},
		},
		{
			name: "S-4 the namespace prefix /pods/ns10/ sees only ns10",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Prefix: nsPrefix("ns10"), From: 1} },
			want: []ev{added("ns10/a", 6, "a"), modified("ns10/a", 10, "a")},
		},
		{
			name: "S-4 a prefix of a namespace with no objects sees nothing",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Prefix: nsPrefix("ns"), From: 1} },
		},
		{
			name: "the resource prefix sees every namespace",
			req:  func(*watchtest.History) watch.Request { return watch.Request{Prefix: "/pods/", From: 5} },
			want: []ev{
				added("ns10/a", 6, "a"), added("ns1/ab", 7, "a"), added("ns1/c", 8, "a"), modified("ns1/a", 9, "b"),
				modified("ns10/a", 10, "a"), deleted("ns1/a", 11, "b"), added("ns1/a", 12, "a"),
			},
		},
		{
			name: "the empty prefix sees every key",
			req:  func(*watchtest.History) watch.Request { return watch.Request{From: 9} },
			want: []ev{modified("ns10/a", 10, "a"), deleted("ns1/a", 11, "b"), added("ns1/a", 12, "a")},
		},
		{
			name: "X-12 a predicate filters replayed and live events alike",
			req: func(*watchtest.History) watch.Request {
				return watch.Request{Prefix: "/pods/", From: 1, Predicate: labelIs("b")}
			},
			want: []ev{
				added("ns1/b", 3, "b"), deleted("ns1/b", 5, "b"), added("ns1/a", 9, "b"), deleted("ns1/a", 11, "b"),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := watchtest.NewHistory()
			b := newBroadcaster(t, h, watch.Options{})
			fixtureBefore(h)
			if tc.compact > 0 {
				h.Compact(tc.compact)
			}
			req := tc.req(h)
			w := startWatch(t, b, req)
			if tc.wantErr != "" {
				e := recv(t, w)
				require.Equal(t, watch.Error, e.Type, "got %v", describe(e))
				require.Nil(t, e.Object)
				require.NotNil(t, e.Err)
				require.True(t, types.IsResourceExpired(e.Err))
				require.EqualValues(t, 410, e.Err.Status().Code)
				require.Equal(t, types.StatusReasonExpired, e.Err.Status().Reason)
				require.Equal(t, tc.wantErr, e.Err.Status().Message)
				requireClosed(t, w) // nothing follows the ERROR event
				return
			}
			settle()
			fixtureAfter(h)
			got := recvN(t, w, len(tc.want))
			require.Equal(t, tc.want, describeAll(got))
			for _, e := range got {
				if e.Type == watch.Bookmark {
					require.Equal(t, podType, e.Object.TypeMeta(), "X-16: bookmarks have the watched kind")
					require.Empty(t, e.Object.Name())
				}
			}
			requireQuiet(t, w)
		})
	}
}

// TestStartRulesRealStore runs the compaction start rules through the store adapter, as the apiserver wires them.
func TestStartRulesRealStore(t *testing.T) {
	tests := []struct {
		name    string
		from    int64
		want    []int64 // revisions of the events
		wantErr string
	}{
		{name: "X-8 From=floor succeeds", from: 5, want: []int64{6, 7, 8, 9}},
		{name: "X-5 X-8 From=floor-1 gets the 410 ERROR event", from: 4, wantErr: "too old resource version: 4 (5)"},
		{name: "X-8 From beyond the current revision waits", from: 8, want: []int64{9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			b := newBroadcaster(t, storeHistory{s}, watch.Options{})
			for i := range 6 { // revisions 2..7
				storePut(t, s, "ns1", "a", string(rune('a'+i)))
			}
			s.Compact(5)
			w := startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), From: tc.from})
			if tc.wantErr != "" {
				e := recv(t, w)
				require.Equal(t, watch.Error, e.Type)
				require.True(t, types.IsResourceExpired(e.Err))
				require.Equal(t, tc.wantErr, e.Err.Status().Message)
				requireClosed(t, w)
				return
			}
			storePut(t, s, "ns1", "a", "x") // 8
			storePut(t, s, "ns1", "a", "y") // 9
			var got []int64
			for _, e := range recvN(t, w, len(tc.want)) {
				require.Equal(t, watch.Modified, e.Type)
				got = append(got, rv(t, e.Object))
			}
			require.Equal(t, tc.want, got)
			requireQuiet(t, w)
		})
	}
}

// TestFutureFromWaits checks X-8 step by step: a watch from beyond the current revision stays silent while the
// history approaches its start, then delivers exactly the changes after it.
func TestFutureFromWaits(t *testing.T) {
	h := watchtest.NewHistory()
	b := newBroadcaster(t, h, watch.Options{})
	w := startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), From: 4})
	put(h, "ns1", "a", "a") // 2
	put(h, "ns1", "b", "a") // 3
	put(h, "ns1", "a", "b") // 4
	requireQuiet(t, w)
	put(h, "ns1", "b", "b") // 5
	require.Equal(t, []ev{modified("ns1/b", 5, "b")}, describeAll(recvN(t, w, 1)))
	requireQuiet(t, w)
}

// TestHandOff checks at the hand-off from catch-up to the dispatcher under concurrent writes: every
// watch started at a random revision while a writer runs receives each change after its start exactly once, in
// order, whichever of the two delivered it.
func TestHandOff(t *testing.T) {
	for _, bufferSize := range []int{1, 4, 100} {
		t.Run("buffer "+strconv.Itoa(bufferSize), func(t *testing.T) {
			h := watchtest.NewHistory()
			// A Fake clock that never moves: a watcher whose buffer is full is waited for, never terminated.
			b := newBroadcaster(t, h, watch.Options{Clock: clock.NewFake(t0), BufferSize: bufferSize})
			const writes = 2000
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				rnd := rand.New(rand.NewPCG(1, 2))
				for range writes {
					name := strconv.Itoa(rnd.IntN(8))
					if rnd.IntN(4) == 0 {
						h.Delete(podKey("ns1", name)) // a no-op when absent
						put(h, "ns1", "filler", "")   // keep one revision per iteration
					} else {
						put(h, "ns1", name, "a")
					}
				}
			}()
			type watcher struct {
				from int64
				w    watch.Interface
				mu   sync.Mutex
				got  []int64
			}
			var ws []*watcher
			rnd := rand.New(rand.NewPCG(3, 4))
			for range 40 {
				cur := h.Revision()
				from := cur - int64(rnd.IntN(int(cur)))
				if rnd.IntN(5) == 0 {
					from = cur + int64(rnd.IntN(50)) // from the future
				}
				x := &watcher{from: from, w: startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), From: from})}
				ws = append(ws, x)
				go func() {
					for e := range x.w.ResultChan() {
						x.mu.Lock()
						x.got = append(x.got, rv(t, e.Object))
						x.mu.Unlock()
					}
				}()
				time.Sleep(time.Duration(rnd.IntN(200)) * time.Microsecond)
			}
			wg.Wait()
			final := h.Revision()
			deadline := time.Now().Add(30 * time.Second)
			for _, x := range ws {
				n := max(0, int(final-x.from))
				for time.Now().Before(deadline) {
					x.mu.Lock()
					have := len(x.got)
					x.mu.Unlock()
					if have >= n {
						break
					}
					time.Sleep(time.Millisecond)
				}
			}
			time.Sleep(quiet) // room for a stray duplicate to show up
			for _, x := range ws {
				var want []int64
				for r := x.from + 1; r <= final; r++ {
					want = append(want, r)
				}
				x.mu.Lock()
				require.Equal(t, want, x.got, "watch from %d", x.from)
				x.mu.Unlock()
			}
		})
	}
}

// TestCatchUpDoesNotSpin: a watch whose catch-up must wait for the dispatcher to hand over waits for the history
// instead of polling it. A watch from the future on an idle broadcaster moves the dispatcher's position past the
// head; another watch from the current revision must then wait for the history to pass that position.
func TestCatchUpDoesNotSpin(t *testing.T) {
	h := &countingHistory{History: watchtest.NewHistory()}
	put(h.History, "ns1", "a", "a")
	b := newBroadcaster(t, h, watch.Options{})
	cur := h.Revision()
	startWatch(t, b, watch.Request{Prefix: "/pods/", From: cur + 100})
	settle()
	w := startWatch(t, b, watch.Request{Prefix: "/pods/", From: cur})
	settle()
	before := h.revisions.Load()
	time.Sleep(50 * time.Millisecond)
	calls := h.revisions.Load() - before
	require.Less(t, calls, int64(100), "the catch-up polled History.Revision %d times in 50ms while nothing changed", calls)
	put(h.History, "ns1", "b", "a")
	require.Equal(t, []ev{added("ns1/b", int(cur)+1, "a")}, describeAll(recvN(t, w, 1)))
}

// countingHistory counts calls of Revision.
type countingHistory struct {
	*watchtest.History
	revisions atomic.Int64
}

func (c *countingHistory) Revision() int64 {
	c.revisions.Add(1)
	return c.History.Revision()
}
