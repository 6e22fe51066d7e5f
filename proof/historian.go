package proof

import (
	"context"
	"fmt"
	"sync"

	"github.com/kubemem/kubemem/watch"
)

// change is one committed revision of the namespace, as the watch checker expects to see it.
type change struct {
	Rev  int64
	Key  int
	Type watch.EventType // Added, Modified or Deleted
	// Obj is the new state; for a deletion, the last state with the deletion's resourceVersion.
	Obj observed
	// Prev is the state before (for Modified and Deleted).
	Prev observed
}

// historian records the committed history from the store's own MVCC reads, independently of the watch machinery:
// the state at every revision is an Exact list at that revision, and each revision's change is the difference
// between consecutive states. Because every write commits exactly one revision (S-5), exactly one name differs
// between revisions r-1 and r, or none when something else wrote elsewhere (a foreign revision). It reads ahead of compaction: the run extends it to a revision before compacting
// there. Safe for concurrent use.
type historian struct {
	b backend

	// mu guards the fields below.
	mu       sync.Mutex
	base     int64     // the revision states[0] is at
	states   []kvState // states[i] is the state at base+i
	changes  []change  // changes[i] is the change at base+1+i; Key -1 for a foreign revision
	foreign  []int64   // the revisions that changed nothing in the namespace, in order
	problems []string
}

// newHistorian starts the history at revision base, the empty namespace.
func newHistorian(b backend, base int64) *historian {
	return &historian{b: b, base: base, states: []kvState{{Rev: base}}}
}

// last returns the newest recorded revision.
func (h *historian) last() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.base + int64(len(h.states)) - 1
}

// extendTo records the revisions up to rev.
func (h *historian) extendTo(ctx context.Context, rev int64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for r := h.base + int64(len(h.states)); r <= rev; r++ {
		page, err := h.b.list(ctx, listOpts{RV: r, Exact: true})
		if err != nil {
			return fmt.Errorf("historian: list at revision %d: %w", r, err)
		}
		if page.RV != r {
			h.problems = append(h.problems, fmt.Sprintf("a list at resourceVersion %d (Exact) reported %d (R-4)", r, page.RV))
		}
		prev := h.states[len(h.states)-1]
		cur := kvState{Rev: r}
		lastKey := -1
		for _, it := range page.Items {
			if it.Key <= lastKey {
				h.problems = append(h.problems, fmt.Sprintf("the list at revision %d is not sorted by name (S-4)", r))
			}
			lastKey = it.Key
			if it.RV > r {
				h.problems = append(h.problems, fmt.Sprintf("the list at revision %d holds %s, newer than the list (S-4)", r, it))
			}
			cur.Objs[it.Key] = objState{Exists: true, RV: it.RV, UID: it.UID, Value: it.Value}
		}
		var diffs []change
		for k := range maxKeys {
			p, c := prev.Objs[k], cur.Objs[k]
			if p == c {
				continue
			}
			ch := change{Rev: r, Key: k, Prev: observed{Key: k, RV: p.RV, UID: p.UID, Value: p.Value}}
			switch {
			case !p.Exists:
				ch.Type, ch.Obj = watch.Added, observed{Key: k, RV: c.RV, UID: c.UID, Value: c.Value}
			case !c.Exists:
				ch.Type, ch.Obj = watch.Deleted, observed{Key: k, RV: r, UID: p.UID, Value: p.Value}
			default:
				ch.Type, ch.Obj = watch.Modified, observed{Key: k, RV: c.RV, UID: c.UID, Value: c.Value}
				if c.UID != p.UID {
					h.problems = append(h.problems, fmt.Sprintf("revision %d: %s changed uid from %s to %s without a deletion", r, keyName(k), p.UID, c.UID))
				}
			}
			if ch.Type != watch.Deleted && ch.Obj.RV != r {
				h.problems = append(h.problems, fmt.Sprintf("revision %d: %s changed but carries resourceVersion %d", r, keyName(k), ch.Obj.RV))
			}
			diffs = append(diffs, ch)
		}
		switch len(diffs) {
		case 0:
			// A write outside the namespace (the server's own controllers): the model skips its revision.
			h.changes = append(h.changes, change{Rev: r, Key: -1})
			h.foreign = append(h.foreign, r)
		case 1:
			h.changes = append(h.changes, diffs[0])
		default:
			// Every committed write is one revision of one object (S-5).
			h.problems = append(h.problems, fmt.Sprintf("revision %d changed %d objects of the namespace, want exactly 1", r, len(diffs)))
			h.changes = append(h.changes, diffs[0])
		}
		h.states = append(h.states, cur)
	}
	return nil
}

// stateAt returns the state at revision rev, if recorded.
func (h *historian) stateAt(rev int64) (kvState, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := rev - h.base
	if i < 0 || i >= int64(len(h.states)) {
		return kvState{}, false
	}
	return h.states[i], true
}

// changesAfter returns the recorded changes with revisions in (rev, through].
func (h *historian) changesAfter(rev, through int64) []change {
	h.mu.Lock()
	defer h.mu.Unlock()
	lo, hi := max(rev-h.base, 0), min(through-h.base, int64(len(h.changes)))
	if lo >= hi {
		return nil
	}
	return h.changes[lo:hi]
}

// items returns the objects of a state, in name order, as a list returns them.
func (s kvState) items() []observed {
	var res []observed
	for k, o := range s.Objs {
		if o.Exists {
			res = append(res, observed{Key: k, RV: o.RV, UID: o.UID, Value: o.Value})
		}
	}
	return res
}
