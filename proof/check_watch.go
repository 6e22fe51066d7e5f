package proof

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// selects reports whether a value is in a watch's label selection ("" or team=X, the selectors the runs use).
func selects(sel string, v Value) bool {
	switch sel {
	case "":
		return true
	case "team=a":
		return v.Team == "a"
	case "team=b":
		return v.Team == "b"
	}
	panic("proof: unknown selector " + sel)
}

// expectedEvent is an event a watch must deliver.
type expectedEvent struct {
	Type watch.EventType
	Obj  observed
}

func (e expectedEvent) String() string { return fmt.Sprintf("%s %s", e.Type, e.Obj) }

// expectedEvents returns, in order, the events a watch with selector sel that starts after revision from must
// deliver for the committed changes in (from, through]: every change of an object in the selection, and the
// transitions across it (X-12: entering is ADDED; leaving is DELETED with the previous object at the change's
// resourceVersion; a deletion is DELETED with the last state, X-13).
func expectedEvents(changes []change, sel string) []expectedEvent {
	var res []expectedEvent
	for _, c := range changes {
		if c.Key < 0 {
			continue
		}
		prevIn := c.Type != watch.Added && selects(sel, c.Prev.Value)
		curIn := c.Type != watch.Deleted && selects(sel, c.Obj.Value)
		switch {
		case prevIn && curIn:
			res = append(res, expectedEvent{watch.Modified, c.Obj})
		case curIn:
			res = append(res, expectedEvent{watch.Added, c.Obj})
		case prevIn:
			last := c.Prev
			last.RV = c.Rev
			res = append(res, expectedEvent{watch.Deleted, last})
		}
	}
	return res
}

// streamCheck is the result of checking one stream.
type streamCheck struct {
	problems []string
	events   int // events compared with the committed history, bookmarks included
}

func (c *streamCheck) fail(rec *streamRecord, format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf("watcher %d (%s, %s, selector %q, from %d): ", rec.Watcher, rec.Backend, rec.End, rec.Opts.Selector, rec.Opts.RV)+fmt.Sprintf(format, args...))
}

// checkStream checks one watch stream against the committed history up to revision through (E-2, X-5, X-8..X-17):
//   - ordered, unique, reliable and atomic: the events after the start are exactly a prefix of expectedEvents, each
//     revision's change delivered once, whole, in revision order, with no gap;
//   - DELETED carries the last state with the deletion's resourceVersion;
//   - initial events are the state of one snapshot, then the initial-events-end bookmark at its revision;
//   - bookmarks have the watched kind, never go back, are never ahead of the server, and every matching change
//     at or below a bookmark's resourceVersion was delivered before it;
//   - ERROR is last, and a 410 is only for a start revision below the compaction floor;
//   - the stream ends cleanly.
//
// A stream from resourceVersion unset (-1) or "0" starts with initial events, and must never expire.
func checkStream(h *historian, rec *streamRecord, through int64) streamCheck {
	var c streamCheck
	evs := rec.Events
	i := 0
	start := rec.Opts.RV
	if start <= 0 {
		var added []observed
		for ; i < len(evs) && !(evs[i].Type == string(watch.Bookmark) && evs[i].InitialEnd); i++ {
			if evs[i].Type != string(watch.Added) {
				if st := evs[i].Status; evs[i].Type == string(watch.Error) && i == len(evs)-1 {
					c.fail(rec, "ERROR event for a watch without resourceVersion (X-6, X-10): %+v", st)
				} else {
					c.fail(rec, "a %s event before the initial-events-end bookmark (X-10)", evs[i].Type)
				}
				return c
			}
			added = append(added, evs[i].Obj)
		}
		c.events += len(added)
		if i == len(evs) {
			// The stream ended before its bookmark; each object must still be a committed version.
			for _, o := range added {
				st, ok := h.stateAt(o.RV)
				if !ok || st.Objs[o.Key] != (objState{Exists: true, RV: o.RV, UID: o.UID, Value: o.Value}) {
					c.fail(rec, "initial ADDED %s is no committed version", o)
				}
			}
			c.checkEnd(rec)
			return c
		}
		snap := evs[i].Obj.RV
		c.checkBookmarkType(rec, evs[i])
		st, ok := h.stateAt(snap)
		if !ok {
			c.fail(rec, "initial-events-end bookmark at %d, outside the recorded history", snap)
			return c
		}
		var want []observed
		for _, o := range st.items() {
			if selects(rec.Opts.Selector, o.Value) {
				want = append(want, o)
			}
		}
		if !slices.Equal(added, want) {
			c.fail(rec, "initial events %v are not the state %v at the bookmark's resourceVersion %d (X-10)", added, want, snap)
			return c
		}
		if snap > evs[i].StoreRev {
			c.fail(rec, "initial-events-end bookmark at %d, ahead of the server at %d", snap, evs[i].StoreRev)
		}
		c.events++
		i++
		start = snap
	}

	exp := expectedEvents(h.changesAfter(start, through), rec.Opts.Selector)
	next := 0 // index of the next expected event
	lastBookmark, lastEvent := start, start
	for ; i < len(evs); i++ {
		ev := evs[i]
		switch ev.Type {
		case string(watch.Bookmark):
			b := ev.Obj.RV
			c.checkBookmarkType(rec, ev)
			if ev.InitialEnd {
				c.fail(rec, "an initial-events-end bookmark at %d outside the initial events", b)
			}
			if b < lastBookmark || b < lastEvent {
				c.fail(rec, "bookmark at %d goes back (last bookmark %d, last event %d): a client resuming from it would see events again (X-17, C-3)", b, lastBookmark, lastEvent)
			}
			if b > ev.StoreRev {
				c.fail(rec, "bookmark at %d, ahead of the server at %d", b, ev.StoreRev)
			}
			if n := sort.Search(len(exp), func(k int) bool { return exp[k].Obj.RV > b }); next < n {
				c.fail(rec, "bookmark at %d before %d committed matching events at or below it were delivered, the first %s (X-17)", b, n-next, exp[next])
				return c
			}
			lastBookmark = b
			c.events++
		case string(watch.Error):
			if i != len(evs)-1 {
				c.fail(rec, "events after an ERROR event (X-5)")
			}
			if ev.Status == nil || ev.Status.Reason != types.StatusReasonExpired || ev.Status.Code != 410 {
				c.fail(rec, "ERROR event %+v", ev.Status)
			} else if start >= rec.Floor {
				c.fail(rec, "410 Expired for resourceVersion %d while the compaction floor was %d (X-8)", start, rec.Floor)
			}
			c.events++
		default:
			got := expectedEvent{watch.EventType(ev.Type), ev.Obj}
			if next >= len(exp) {
				c.fail(rec, "%s delivered, beyond the committed history of its selection through %d", got, through)
				return c
			}
			want := exp[next]
			switch {
			case got == want:
				next++
				lastEvent = got.Obj.RV
				c.events++
				continue
			case got.Obj.RV < want.Obj.RV:
				c.fail(rec, "%s delivered out of order or twice: the next committed event was %s (ordered, unique)", got, want)
			case got.Obj.RV > want.Obj.RV:
				c.fail(rec, "gap: %s delivered, but %s was committed before it and never delivered (reliable)", got, want)
			case want.Type == watch.Deleted:
				c.fail(rec, "%s delivered; the deletion's last state is %s (X-13)", got, want)
			default:
				c.fail(rec, "%s delivered; revision %d committed %s (atomic)", got, want.Obj.RV, want)
			}
			return c
		}
	}
	c.checkEnd(rec)
	return c
}

func (c *streamCheck) checkBookmarkType(rec *streamRecord, ev recordedEvent) {
	if ev.Kind != "ConfigMap" || ev.APIVersion != "v1" {
		c.fail(rec, "bookmark of kind %q apiVersion %q, want ConfigMap v1 (X-16)", ev.Kind, ev.APIVersion)
	}
}

func (c *streamCheck) checkEnd(rec *streamRecord) {
	switch rec.End {
	case endOpen:
		c.fail(rec, "the stream was never ended")
	case endBroken:
		c.fail(rec, "the stream broke instead of ending cleanly: %s", rec.Err)
	}
}

// saveStream writes a stream that failed its check, with the committed changes after its start, as JSON to dir
// (a new directory under the system's temporary directory when empty) and returns the file's path.
func saveStream(dir, name string, rec *streamRecord, h *historian, through int64) (string, error) {
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "kubemem-proof-"); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(struct {
		Stream  *streamRecord
		Changes []change
	}{rec, h.changesAfter(max(rec.Opts.RV, h.base), through)}, "", " ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".json")
	return path, os.WriteFile(path, data, 0o644)
}
