package apiserver_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// initialEventsEnd is the annotation of the bookmark that ends the initial events.
const initialEventsEnd = "k8s.io/initial-events-end"

// requireInitialEventsEnd checks the X-10 bookmark: the watched kind, the snapshot revision, the annotation.
func requireInitialEventsEnd(t testing.TB, ev watch.Event, kind, apiVersion string, rv int64) {
	t.Helper()
	require.Equal(t, watch.Bookmark, ev.Type)
	require.Equal(t, kind, ev.Object.Kind(), "X-16")
	require.Equal(t, apiVersion, ev.Object.APIVersion(), "X-16")
	require.Equal(t, fmtRV(rv), ev.Object.ResourceVersion())
	v, ok := ev.Object.Annotation(initialEventsEnd)
	require.True(t, ok, "X-10 annotated bookmark")
	require.Equal(t, "true", v)
}

// stepUntilEvent moves the fake clock by first, then by step at a time, until w delivers an event. The dispatcher
// arms its bookmark timer asynchronously, so a single step may land before the timer exists.
func stepUntilEvent(t testing.TB, clk *clock.Fake, w watch.Interface, first, step time.Duration, maxSteps int) watch.Event {
	t.Helper()
	clk.Step(first)
	for range maxSteps {
		select {
		case ev, ok := <-w.ResultChan():
			require.True(t, ok, "watch ended")
			return ev
		case <-time.After(20 * time.Millisecond):
			clk.Step(step)
		}
	}
	t.Fatal("no event while stepping the clock")
	return watch.Event{}
}

// waitForTimers waits until the fake clock has at least n pending timers.
func waitForTimers(t testing.TB, clk *clock.Fake, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return clk.Waiters() >= n }, eventWait, time.Millisecond)
}

func boolPtr(b bool) *bool { return &b }

func TestWatchStart(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	b := mustCreate(t, cms, configMap(t, "b"))
	a := mustCreate(t, cms, configMap(t, "a"))
	c := mustCreate(t, cms, configMap(t, "c"))
	b, err := cms.Update(ctx, withData(t, b, "v2"), apiserver.UpdateOptions{})
	require.NoError(t, err)
	snapshot := srv.Revision()
	initial := []event{{watch.Added, "a", a.ResourceVersion()}, {watch.Added, "b", b.ResourceVersion()}, {watch.Added, "c", c.ResourceVersion()}}

	// live writes a change after the snapshot and returns its event.
	live := func(t *testing.T, name string) event {
		o := mustCreate(t, cms, configMap(t, name))
		return event{watch.Added, name, o.ResourceVersion()}
	}

	cases := []struct {
		name     string
		opts     apiserver.ListOptions
		initial  bool
		bookmark bool // the initial-events-end bookmark
	}{
		{"X-6 RV unset: ADDED for current objects in key order, each with its own RV, then live", apiserver.ListOptions{}, true, false},
		{"X-6 X-9 RV unset with bookmarks: the initial-events-end bookmark follows (defaulted sendInitialEvents)", apiserver.ListOptions{AllowWatchBookmarks: true}, true, true},
		{"X-7 RV=0: same as unset", apiserver.ListOptions{ResourceVersion: "0"}, true, false},
		{"X-7 X-9 RV=0 with bookmarks", apiserver.ListOptions{ResourceVersion: "0", AllowWatchBookmarks: true}, true, true},
		{"X-10 sendInitialEvents=true, NotOlderThan, RV unset", apiserver.ListOptions{SendInitialEvents: boolPtr(true), ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan}, true, false},
		{"X-10 sendInitialEvents=true, NotOlderThan, RV unset, bookmarks", apiserver.ListOptions{SendInitialEvents: boolPtr(true), ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, AllowWatchBookmarks: true}, true, true},
		{"X-10 sendInitialEvents=true, NotOlderThan, RV=N <= current", apiserver.ListOptions{SendInitialEvents: boolPtr(true), ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, ResourceVersion: a.ResourceVersion(), AllowWatchBookmarks: true}, true, true},
		{"X-10 sendInitialEvents=false with RV=0: only live events", apiserver.ListOptions{SendInitialEvents: boolPtr(false), ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, ResourceVersion: "0"}, false, false},
		{"X-10 sendInitialEvents=false with RV unset: only live events, no bookmark of initial events", apiserver.ListOptions{SendInitialEvents: boolPtr(false), ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, AllowWatchBookmarks: true}, false, false},
		{"X-8 RV=current: no synthetic events", apiserver.ListOptions{ResourceVersion: "current"}, false, false},
		{"X-8 RV=current with bookmarks: no initial-events-end bookmark", apiserver.ListOptions{ResourceVersion: "current", AllowWatchBookmarks: true}, false, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, snapshot, srv.Revision(), "the previous case cleaned up")
			if tc.opts.ResourceVersion == "current" { // the revision this case starts at, known only now
				tc.opts.ResourceVersion = fmtRV(snapshot)
			}
			w := startWatch(t, cms, tc.opts)
			if tc.initial {
				require.Equal(t, initial, nextEvents(t, w, 3), "X-15 the initial batch is in key order with the objects' own RVs")
			}
			if tc.bookmark {
				requireInitialEventsEnd(t, nextEvent(t, w), "ConfigMap", "v1", snapshot)
			}
			requireNoEvent(t, w)
			name := fmt.Sprintf("live-%d", i)
			want := live(t, name)
			require.Equal(t, want, summary(nextEvent(t, w)), "then every change after the snapshot")
			// Clean up, so that every case starts from the same state; the watch sees the deletion.
			d, err := cms.Delete(ctx, name, apiserver.DeleteOptions{})
			require.NoError(t, err)
			require.Equal(t, event{watch.Deleted, name, d.ResourceVersion()}, summary(nextEvent(t, w)))
			requireNoEvent(t, w)
		})
		// Each case makes two revisions; move the snapshot along.
		snapshot = srv.Revision()
	}
}

func TestWatchFromResourceVersion(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	a := mustCreate(t, cms, configMap(t, "a"))
	b := mustCreate(t, cms, configMap(t, "b"))
	a2, err := cms.Update(ctx, withData(t, a, "v2"), apiserver.UpdateOptions{})
	require.NoError(t, err)
	bDel, err := cms.Delete(ctx, "b", apiserver.DeleteOptions{})
	require.NoError(t, err)

	t.Run("X-8 RV=N replays exactly the changes after N, in order", func(t *testing.T) {
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: a.ResourceVersion()})
		require.Equal(t, []event{
			{watch.Added, "b", b.ResourceVersion()},
			{watch.Modified, "a", a2.ResourceVersion()},
			{watch.Deleted, "b", bDel.ResourceVersion()},
		}, nextEvents(t, w, 3))
		requireNoEvent(t, w)
		c := mustCreate(t, cms, configMap(t, "c"))
		require.Equal(t, event{watch.Added, "c", c.ResourceVersion()}, summary(nextEvent(t, w)))
	})

	t.Run("X-8 X-13 a replayed DELETED carries the last state at the deletion revision", func(t *testing.T) {
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: a2.ResourceVersion()})
		ev := nextEvent(t, w)
		require.Equal(t, watch.Deleted, ev.Type)
		require.Equal(t, string(bDel.JSON()), string(ev.Object.JSON()))
	})

	t.Run("X-8 a future RV is accepted and delivers nothing until the store passes it", func(t *testing.T) {
		s, _ := newServer(t)
		c := s.Resource(apiserver.ConfigMaps).Namespace("default")
		future := s.Revision() + 2
		w := startWatch(t, c, apiserver.ListOptions{ResourceVersion: fmtRV(future)})
		mustCreate(t, c, configMap(t, "x1"))
		mustCreate(t, c, configMap(t, "x2"))
		requireNoEvent(t, w)
		x3 := mustCreate(t, c, configMap(t, "x3"))
		require.Equal(t, event{watch.Added, "x3", x3.ResourceVersion()}, summary(nextEvent(t, w)))
	})

	t.Run("X-10 sendInitialEvents=false with RV=N replays exactly like X-8", func(t *testing.T) {
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: a.ResourceVersion(), SendInitialEvents: boolPtr(false),
			ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, AllowWatchBookmarks: true})
		require.Equal(t, []event{
			{watch.Added, "b", b.ResourceVersion()},
			{watch.Modified, "a", a2.ResourceVersion()},
			{watch.Deleted, "b", bDel.ResourceVersion()},
		}, nextEvents(t, w, 3))
	})

	t.Run("X-8 a watch started while a future-RV watch waits still gets every change", func(t *testing.T) {
		s, _ := newServer(t)
		c := s.Resource(apiserver.ConfigMaps).Namespace("default")
		cur := s.Revision()
		startWatch(t, c, apiserver.ListOptions{ResourceVersion: fmtRV(cur + 5)})
		time.Sleep(quiet) // let the future watch register first
		w := startWatch(t, c, apiserver.ListOptions{ResourceVersion: fmtRV(cur)})
		var want []event
		for i := range 7 {
			o := mustCreate(t, c, configMap(t, fmt.Sprint("f", i)))
			want = append(want, event{watch.Added, o.Name(), o.ResourceVersion()})
		}
		require.Equal(t, want, nextEvents(t, w, 7))
	})

	t.Run("R-6 an unparseable RV is 400", func(t *testing.T) {
		_, err := cms.Watch(ctx, apiserver.ListOptions{ResourceVersion: "abc"})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest})
	})
}

func TestWatchCompaction(t *testing.T) {
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	var objs []*types.Object
	for i := range 5 {
		objs = append(objs, mustCreate(t, cms, configMap(t, fmt.Sprintf("c%d", i))))
	}
	floor := rv(t, objs[2])
	srv.Compact(floor)
	require.Equal(t, floor, srv.CompactedRevision())

	t.Run("X-8 RV=F (the floor) works", func(t *testing.T) {
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: fmtRV(floor)})
		require.Equal(t, []event{{watch.Added, "c3", objs[3].ResourceVersion()}, {watch.Added, "c4", objs[4].ResourceVersion()}}, nextEvents(t, w, 2))
		requireNoEvent(t, w)
	})
	for _, below := range []int64{floor - 1, 1} {
		t.Run(fmt.Sprintf("X-8 X-5 RV=%d below the floor gets one 410 ERROR event, then the watch ends", below), func(t *testing.T) {
			w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: fmtRV(below)})
			ev := nextEvent(t, w)
			require.Equal(t, watch.Error, ev.Type)
			require.Nil(t, ev.Object)
			st := requireStatus(t, ev.Err, wantStatus{Code: 410, Reason: types.StatusReasonExpired,
				Message: fmt.Sprintf("too old resource version: %d (%d)", below, floor)})
			require.Nil(t, st.Details)
			require.True(t, types.IsResourceExpired(ev.Err))
			requireClosed(t, w)
		})
	}
	t.Run("X-6 RV unset is unaffected by compaction", func(t *testing.T) {
		w := startWatch(t, cms, apiserver.ListOptions{})
		require.Len(t, nextEvents(t, w, 5), 5)
	})
	t.Run("X-10 sendInitialEvents with an RV below the floor is served (NotOlderThan)", func(t *testing.T) {
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: "1", SendInitialEvents: boolPtr(true), ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, AllowWatchBookmarks: true})
		require.Len(t, nextEvents(t, w, 5), 5)
		requireInitialEventsEnd(t, nextEvent(t, w), "ConfigMap", "v1", srv.Revision())
	})
}

func TestWatchInitialEventsFutureRV(t *testing.T) {
	opts := func(rv int64) apiserver.ListOptions {
		return apiserver.ListOptions{ResourceVersion: fmtRV(rv), SendInitialEvents: boolPtr(true),
			ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, AllowWatchBookmarks: true}
	}
	type result struct {
		w   watch.Interface
		err error
	}
	start := func(c *apiserver.ResourceClient, o apiserver.ListOptions) chan result {
		ch := make(chan result, 1)
		go func() {
			w, err := c.Watch(context.Background(), o)
			ch <- result{w, err}
		}()
		return ch
	}

	t.Run("X-10 a future RV waits for the store to reach it", func(t *testing.T) {
		srv, clk := newServer(t)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		mustCreate(t, cms, configMap(t, "a"))
		target := srv.Revision() + 1
		ch := start(cms, opts(target))
		waitForTimers(t, clk, 1) // the 3s wait is armed
		b := mustCreate(t, cms, configMap(t, "b"))
		var r result
		select {
		case r = <-ch:
		case <-time.After(eventWait):
			t.Fatal("the watch did not start after the store reached its RV")
		}
		require.NoError(t, r.err)
		t.Cleanup(r.w.Stop)
		require.Equal(t, []event{{watch.Added, "a", fmtRV(target - 1)}, {watch.Added, "b", b.ResourceVersion()}}, nextEvents(t, r.w, 2))
		requireInitialEventsEnd(t, nextEvent(t, r.w), "ConfigMap", "v1", target)
	})

	t.Run("X-10 X-5 R-7 a future RV still unreached after 3s is one 504 ERROR event", func(t *testing.T) {
		srv, clk := newServer(t)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		cur := srv.Revision()
		ch := start(cms, opts(cur+5))
		waitForTimers(t, clk, 1)
		clk.Step(2 * time.Second)
		select {
		case <-ch:
			t.Fatal("gave up before 3s")
		case <-time.After(quiet):
		}
		clk.Step(time.Second)
		var r result
		select {
		case r = <-ch:
		case <-time.After(eventWait):
			t.Fatal("the watch did not give up after 3s")
		}
		require.NoError(t, r.err, "X-5 errors after setup are ERROR events")
		ev := nextEvent(t, r.w)
		require.Equal(t, watch.Error, ev.Type)
		requireStatus(t, ev.Err, wantStatus{Code: 504, Reason: types.StatusReasonTimeout,
			Message: fmt.Sprintf("Timeout: Too large resource version: %d, current: %d", cur+5, cur),
			Details: &types.StatusDetails{Causes: []types.StatusCause{{Type: types.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}, RetryAfterSeconds: 1}})
		requireClosed(t, r.w)
	})
}

func TestWatchValidation(t *testing.T) {
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	msg := func(errs ...string) string {
		if len(errs) == 1 {
			return `ListOptions.meta.k8s.io "" is invalid: ` + errs[0]
		}
		s := `ListOptions.meta.k8s.io "" is invalid: [`
		for i, e := range errs {
			if i > 0 {
				s += ", "
			}
			s += e
		}
		return s + "]"
	}
	const (
		needNotOlderThan = "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
		needInitial      = "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"
		withContinue     = "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided"
		exactUnsupported = `resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"`
	)
	cases := []struct {
		name    string
		opts    apiserver.ListOptions
		message string
	}{
		{"X-9 sendInitialEvents=true requires NotOlderThan", apiserver.ListOptions{SendInitialEvents: boolPtr(true)}, msg(needNotOlderThan)},
		{"X-9 sendInitialEvents=false requires NotOlderThan too", apiserver.ListOptions{SendInitialEvents: boolPtr(false), ResourceVersion: "0"}, msg(needNotOlderThan)},
		{"X-9 resourceVersionMatch without sendInitialEvents", apiserver.ListOptions{ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, ResourceVersion: "5"}, msg(needInitial)},
		{"X-9 Exact is not supported on watch", apiserver.ListOptions{SendInitialEvents: boolPtr(true), ResourceVersionMatch: apiserver.ResourceVersionMatchExact, ResourceVersion: "5"}, msg(needNotOlderThan, exactUnsupported)},
		{"X-9 resourceVersionMatch with continue", apiserver.ListOptions{SendInitialEvents: boolPtr(true), ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, Continue: "x"}, msg(withContinue)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := cms.Watch(context.Background(), c.opts)
			st := requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid, Message: c.message})
			require.Equal(t, "meta.k8s.io", st.Details.Group)
			require.Equal(t, "ListOptions", st.Details.Kind)
			for _, cause := range st.Details.Causes {
				require.Equal(t, "resourceVersionMatch", cause.Field)
			}
		})
	}
}

func TestWatchSelectors(t *testing.T) {
	ctx := context.Background()

	t.Run("X-12 V-7 label selector transitions", func(t *testing.T) {
		srv, _ := newServer(t)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		x := mustCreate(t, cms, configMap(t, "x", "l", "a"))
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: x.ResourceVersion(), LabelSelector: "l=a"})

		// Leaving the selection: DELETED with the previous state (old labels) and the change's RV.
		xb, err := cms.Update(ctx, withLabels(x, "l", "b"), apiserver.UpdateOptions{})
		require.NoError(t, err)
		ev := nextEvent(t, w)
		require.Equal(t, watch.Deleted, ev.Type)
		require.Equal(t, map[string]string{"l": "a"}, ev.Object.Labels(), "V-7 the DELETED event carries the old labels")
		require.Equal(t, xb.ResourceVersion(), ev.Object.ResourceVersion(), "X-12 with the change's RV")
		require.Equal(t, string(x.WithResourceVersion(xb.ResourceVersion()).JSON()), string(ev.Object.JSON()))

		// Outside, changes are invisible.
		xb2, err := cms.Update(ctx, withData(t, xb, "still-b"), apiserver.UpdateOptions{})
		require.NoError(t, err)
		requireNoEvent(t, w)

		// Entering: ADDED with the new state.
		xa, err := cms.Update(ctx, withLabels(xb2, "l", "a"), apiserver.UpdateOptions{})
		require.NoError(t, err)
		ev = nextEvent(t, w)
		require.Equal(t, watch.Added, ev.Type)
		require.Equal(t, string(xa.JSON()), string(ev.Object.JSON()))

		// Inside: MODIFIED.
		xa2, err := cms.Update(ctx, withData(t, xa, "in-a"), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, event{watch.Modified, "x", xa2.ResourceVersion()}, summary(nextEvent(t, w)))

		// A delete outside the selection is invisible; inside it is DELETED.
		y := mustCreate(t, cms, configMap(t, "y", "l", "b"))
		_, err = cms.Delete(ctx, "y", apiserver.DeleteOptions{})
		require.NoError(t, err)
		requireNoEvent(t, w)
		d, err := cms.Delete(ctx, "x", apiserver.DeleteOptions{})
		require.NoError(t, err)
		require.Equal(t, event{watch.Deleted, "x", d.ResourceVersion()}, summary(nextEvent(t, w)))
		_ = y
	})

	t.Run("X-12 initial events honour the selector", func(t *testing.T) {
		srv, _ := newServer(t)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		mustCreate(t, cms, configMap(t, "in1", "l", "a"))
		mustCreate(t, cms, configMap(t, "out", "l", "b"))
		mustCreate(t, cms, configMap(t, "in2", "l", "a"))
		w := startWatch(t, cms, apiserver.ListOptions{LabelSelector: "l=a", AllowWatchBookmarks: true})
		evs := nextEvents(t, w, 3)
		require.Equal(t, []string{"in1", "in2", ""}, []string{evs[0].Name, evs[1].Name, evs[2].Name})
		require.Equal(t, watch.Bookmark, evs[2].Type)
		require.Equal(t, fmtRV(srv.Revision()), evs[2].RV, "the bookmark is at the global snapshot RV")
	})

	t.Run("X-12 field selector transitions (pods status.phase)", func(t *testing.T) {
		srv, _ := newServer(t)
		pods := srv.Resource(apiserver.Pods).Namespace("default")
		p := mustCreatePod(t, pods, pod(t, "p", "node-a", "Pending"))
		w := startWatch(t, pods, apiserver.ListOptions{ResourceVersion: p.ResourceVersion(), FieldSelector: "status.phase=Running"})
		u, err := p.Unstructured()
		require.NoError(t, err)
		require.NoError(t, u.SetNested("Running", "status", "phase"))
		running, err := pods.UpdateStatus(ctx, toObject(t, u), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, event{watch.Added, "p", running.ResourceVersion()}, summary(nextEvent(t, w)))
		require.NoError(t, u.SetNested("Succeeded", "status", "phase"))
		u.SetResourceVersion(running.ResourceVersion())
		done, err := pods.UpdateStatus(ctx, toObject(t, u), apiserver.UpdateOptions{})
		require.NoError(t, err)
		ev := nextEvent(t, w)
		require.Equal(t, event{watch.Deleted, "p", done.ResourceVersion()}, summary(ev))
		phase, _ := ev.Object.Lookup("status", "phase")
		require.JSONEq(t, `"Running"`, string(phase), "the previous state")
	})

	t.Run("X-14 fieldSelector metadata.name watches one object, recreation is ADDED", func(t *testing.T) {
		srv, _ := newServer(t)
		createNamespace(t, srv, "other")
		cms := srv.Resource(apiserver.ConfigMaps)
		from := fmtRV(srv.Revision())
		single := startWatch(t, cms.Namespace("default"), apiserver.ListOptions{ResourceVersion: from, FieldSelector: "metadata.name=x"})
		everywhere := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: from, FieldSelector: "metadata.name=x"})

		x := mustCreate(t, cms.Namespace("default"), configMap(t, "x"))
		mustCreate(t, cms.Namespace("default"), configMap(t, "x2"))
		mustCreate(t, cms.Namespace("default"), configMap(t, "y"))
		ox := mustCreate(t, cms.Namespace("other"), configMap(t, "x"))
		d, err := cms.Namespace("default").Delete(ctx, "x", apiserver.DeleteOptions{})
		require.NoError(t, err)
		x2 := mustCreate(t, cms.Namespace("default"), configMap(t, "x"))

		require.Equal(t, []event{{watch.Added, "x", x.ResourceVersion()}, {watch.Deleted, "x", d.ResourceVersion()}, {watch.Added, "x", x2.ResourceVersion()}}, nextEvents(t, single, 3))
		requireNoEvent(t, single)
		evs := nextEvents(t, everywhere, 4)
		require.Equal(t, []event{{watch.Added, "x", x.ResourceVersion()}, {watch.Added, "x", ox.ResourceVersion()}, {watch.Deleted, "x", d.ResourceVersion()}, {watch.Added, "x", x2.ResourceVersion()}}, evs)
		requireNoEvent(t, everywhere)
	})

	t.Run("X-15 an unfiltered stream has every revision once, in order, with no gaps", func(t *testing.T) {
		srv, _ := newServer(t)
		createNamespace(t, srv, "other")
		cms := srv.Resource(apiserver.ConfigMaps)
		from := srv.Revision()
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: fmtRV(from)})
		const n = 60
		for i := range n {
			ns := []string{"default", "other"}[i%2]
			name := fmt.Sprintf("o%d", i%7)
			c := cms.Namespace(ns)
			if o, err := c.Get(ctx, name, apiserver.GetOptions{}); err == nil {
				if i%3 == 0 {
					_, err = c.Delete(ctx, name, apiserver.DeleteOptions{})
				} else {
					_, err = c.Update(ctx, withData(t, o, fmt.Sprint(i)), apiserver.UpdateOptions{})
				}
				require.NoError(t, err)
			} else {
				mustCreate(t, c, configMap(t, name))
			}
		}
		require.Equal(t, from+n, srv.Revision())
		for i := range n {
			ev := nextEvent(t, w)
			require.Equal(t, from+int64(i)+1, rv(t, ev.Object), "event %d", i)
		}
		requireNoEvent(t, w)
	})

	t.Run("V-6 a watch in a missing namespace is served and sees the namespace's first objects", func(t *testing.T) {
		srv, _ := newServer(t)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("later")
		w := startWatch(t, cms, apiserver.ListOptions{AllowWatchBookmarks: true})
		requireInitialEventsEnd(t, nextEvent(t, w), "ConfigMap", "v1", srv.Revision())
		createNamespace(t, srv, "later")
		o := mustCreate(t, cms, configMap(t, "first"))
		require.Equal(t, event{watch.Added, "first", o.ResourceVersion()}, summary(nextEvent(t, w)))
	})
}

func TestWatchBookmarksAndTimeout(t *testing.T) {
	ctx := context.Background()

	t.Run("X-16 X-17 periodic bookmarks carry the kind, apiVersion and the global RV", func(t *testing.T) {
		srv, clk := newServer(t)
		pods := srv.Resource(apiserver.Pods).Namespace("default")
		w := startWatch(t, pods, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision()), AllowWatchBookmarks: true, FieldSelector: "metadata.name=watched"})
		waitForTimers(t, clk, 1) // the dispatcher's bookmark tick
		mustCreate(t, pods, pod(t, "other", "", ""))
		mustCreate(t, srv.Resource(apiserver.ConfigMaps).Namespace("default"), configMap(t, "elsewhere"))
		requireNoEvent(t, w)
		ev := stepUntilEvent(t, clk, w, time.Minute, time.Second, 100)
		require.Equal(t, watch.Bookmark, ev.Type)
		require.Equal(t, "Pod", ev.Object.Kind(), "X-16 the watched kind")
		require.Equal(t, "v1", ev.Object.APIVersion(), "X-16")
		require.Equal(t, fmtRV(srv.Revision()), ev.Object.ResourceVersion(), "X-17 the global RV, past other objects' writes")
		require.Empty(t, ev.Object.Name())
		_, annotated := ev.Object.Annotation(initialEventsEnd)
		require.False(t, annotated)
	})

	t.Run("X-16 group kinds' bookmarks carry the group apiVersion", func(t *testing.T) {
		srv, clk := newServer(t)
		deps := srv.Resource(apiserver.Deployments).Namespace("default")
		w := startWatch(t, deps, apiserver.ListOptions{AllowWatchBookmarks: true})
		requireInitialEventsEnd(t, nextEvent(t, w), "Deployment", "apps/v1", srv.Revision())
		waitForTimers(t, clk, 1)
		ev := stepUntilEvent(t, clk, w, time.Minute, time.Second, 100)
		require.Equal(t, watch.Bookmark, ev.Type)
		require.Equal(t, "Deployment", ev.Object.Kind())
		require.Equal(t, "apps/v1", ev.Object.APIVersion())
	})

	t.Run("X-16 no bookmarks without allowWatchBookmarks", func(t *testing.T) {
		srv, clk := newServer(t)
		w := startWatch(t, srv.Resource(apiserver.Pods), apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
		for range 5 {
			clk.Step(time.Minute)
		}
		requireNoEvent(t, w)
	})

	t.Run("X-4 timeoutSeconds ends the watch cleanly, without an ERROR event", func(t *testing.T) {
		srv, clk := newServer(t)
		timeout := int64(30)
		w := startWatch(t, srv.Resource(apiserver.Pods), apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision()), TimeoutSeconds: &timeout})
		clk.Step(29 * time.Second)
		requireNoEvent(t, w)
		clk.Step(time.Second)
		requireClosed(t, w)
	})

	t.Run("X-4 X-18 a bookmark is sent about 2s before the timeout", func(t *testing.T) {
		srv, clk := newServer(t)
		timeout := int64(10)
		w := startWatch(t, srv.Resource(apiserver.Pods), apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision()), AllowWatchBookmarks: true, TimeoutSeconds: &timeout})
		waitForTimers(t, clk, 2) // the timeout and the dispatcher's bookmark tick
		ev := stepUntilEvent(t, clk, w, 8*time.Second, 100*time.Millisecond, 19)
		require.Equal(t, watch.Bookmark, ev.Type)
		require.Equal(t, fmtRV(srv.Revision()), ev.Object.ResourceVersion())
		clk.Step(2 * time.Second)
		requireClosed(t, w)
	})

	t.Run("the context ends the watch", func(t *testing.T) {
		srv, _ := newServer(t)
		cctx, cancel := context.WithCancel(ctx)
		w, err := srv.Resource(apiserver.Pods).Watch(cctx, apiserver.ListOptions{})
		require.NoError(t, err)
		cancel()
		requireClosed(t, w)
	})

	t.Run("Stop ends the watch", func(t *testing.T) {
		srv, _ := newServer(t)
		w, err := srv.Resource(apiserver.Pods).Watch(ctx, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
		require.NoError(t, err)
		w.Stop()
		w.Stop()
		requireClosed(t, w)
	})
}
