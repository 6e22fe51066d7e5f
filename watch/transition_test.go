package watch_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
	"github.com/kubemem/kubemem/watch/watchtest"
)

// TestTransitions checks every row of the X-12 table, and the X-13 deletion rows, for a watch with the label
// selector l=a: once for a change the catch-up replays and once for a change the dispatcher delivers live.
func TestTransitions(t *testing.T) {
	const (
		absent   = "absent"
		deleteIt = "delete"
	)
	tests := []struct {
		name   string
		prev   string // the label of the object before the change; absent when it does not exist
		change string // the label the change writes; deleteIt for a deletion
		want   watch.EventType
		// wantPrev: the event carries the previous state (stamped with the change's revision) rather than the new one.
		wantPrev bool
	}{
		{name: "X-12 no to yes: ADDED with the new state", prev: "b", change: "a", want: watch.Added},
		{name: "X-12 yes to yes: MODIFIED with the new state", prev: "a", change: "a", want: watch.Modified},
		{name: "X-12 V-7 yes to no: DELETED with the previous state and the change's RV", prev: "a", change: "b", want: watch.Deleted, wantPrev: true},
		{name: "X-12 yes to no by removing the label: DELETED with the previous state", prev: "a", change: "", want: watch.Deleted, wantPrev: true},
		{name: "X-12 no to no: nothing", prev: "b", change: "c"},
		{name: "X-12 unlabelled to unlabelled: nothing", prev: "", change: ""},
		{name: "X-12 created selected: ADDED", prev: absent, change: "a", want: watch.Added},
		{name: "X-12 created unselected: nothing", prev: absent, change: "b"},
		{name: "X-13 deleted while selected: DELETED with the last state at the deletion RV", prev: "a", change: deleteIt, want: watch.Deleted, wantPrev: true},
		{name: "X-13 deleted while unselected: nothing", prev: "b", change: deleteIt},
	}
	for _, tc := range tests {
		for _, mode := range []string{"replayed", "live"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				h := watchtest.NewHistory()
				b := newBroadcaster(t, h, watch.Options{})
				key := podKey("ns1", "x")
				var prev *types.Object
				if tc.prev != absent {
					prev = h.Put(key, pod("ns1", "x", tc.prev, "before"))
				}
				from := h.Revision()
				var w watch.Interface
				if mode == "live" {
					w = startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), Predicate: labelIs("a"), From: from})
					settle()
				}
				var cur *types.Object
				if tc.change == deleteIt {
					h.Delete(key)
				} else {
					cur = h.Put(key, pod("ns1", "x", tc.change, "after"))
				}
				changeRV := strconv.FormatInt(h.Revision(), 10)
				if mode == "replayed" {
					w = startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), Predicate: labelIs("a"), From: from})
				}
				// A sentinel after the change: it must be the next event when the change produced none.
				sentinel := h.Put(podKey("ns1", "sentinel"), pod("ns1", "sentinel", "a", ""))

				if tc.want != "" {
					e := recv(t, w)
					require.Equal(t, tc.want, e.Type)
					require.Equal(t, changeRV, e.Object.ResourceVersion(), "the event has the change's resourceVersion")
					want := cur
					if tc.wantPrev {
						want = prev
						v, _ := e.Object.Annotation("v")
						require.Equal(t, "before", v, "the payload is the previous state")
						l, _ := e.Object.Label("l")
						require.Equal(t, "a", l, "V-7: the DELETED object carries the old labels")
					}
					require.True(t, want.SameContent(e.Object), "payload\nwant %s\n got %s", want.JSON(), e.Object.JSON())
				}
				e := recv(t, w)
				require.Equal(t, watch.Added, e.Type)
				require.Equal(t, sentinel.ResourceVersion(), e.Object.ResourceVersion())
				requireQuiet(t, w)
			})
		}
	}
}

// TestTransitionSequence follows one object in and out of a selection (the X-12 test of SEMANTICS), replayed and
// live, and checks that every watcher on the scope gets the same events.
func TestTransitionSequence(t *testing.T) {
	h := watchtest.NewHistory()
	b := newBroadcaster(t, h, watch.Options{})
	key := podKey("ns1", "a")
	replayFrom := h.Revision()
	a1 := h.Put(key, pod("ns1", "a", "a", "1")) // 2 ADDED
	h.Put(key, pod("ns1", "a", "b", "2"))       // 3 DELETED (a1 at 3)
	h.Put(key, pod("ns1", "a", "b", "3"))       // 4 nothing
	live := make([]watch.Interface, 3)
	for i := range live {
		live[i] = startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), Predicate: labelIs("a"), From: h.Revision()})
	}
	settle()
	a5 := h.Put(key, pod("ns1", "a", "a", "5")) // 5 ADDED
	a6 := h.Put(key, pod("ns1", "a", "a", "6")) // 6 MODIFIED
	h.Delete(key)                               // 7 DELETED (a6 at 7)
	h.Put(key, pod("ns1", "a", "b", "8"))       // 8 nothing
	replayed := startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), Predicate: labelIs("a"), From: replayFrom})

	type event struct {
		typ watch.EventType
		obj *types.Object
	}
	at := func(o *types.Object, rev int) *types.Object { return o.WithResourceVersion(strconv.Itoa(rev)) }
	liveWant := []event{{watch.Added, a5}, {watch.Modified, a6}, {watch.Deleted, at(a6, 7)}}
	replayWant := append([]event{{watch.Added, a1}, {watch.Deleted, at(a1, 3)}}, liveWant...)
	check := func(w watch.Interface, want []event) {
		for i, e := range recvN(t, w, len(want)) {
			require.Equal(t, want[i].typ, e.Type, "event %d", i)
			require.Equal(t, want[i].obj.ResourceVersion(), e.Object.ResourceVersion(), "event %d", i)
			require.True(t, want[i].obj.SameContent(e.Object), "event %d", i)
		}
		requireQuiet(t, w)
	}
	check(replayed, replayWant)
	for _, w := range live {
		check(w, liveWant)
	}
}
