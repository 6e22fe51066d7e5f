package load

import (
	"fmt"
	"slices"
)

// absent is the shard of an object that does not exist.
const absent = -1

// change is one committed write with its object's state before and after, as shard labels (absent when the object
// does not exist): all a selection needs to decide the event a watch owes for it (SEMANTICS X-12).
type change struct {
	rev        int64
	key        key
	prev, next int8
}

// history is the committed history of the load's objects, rebuilt from the write log once writing has stopped:
// the changes of each resource and namespace in revision order.
type history struct {
	groups   [2 * maxNamespaces][]change // index groupOf(resource, ns)
	log      *writeLog
	maxRev   int64
	problems []string // inconsistencies of the log: a write the server acknowledged that cannot have happened
}

func groupOf(r resource, ns int) int { return int(r)*maxNamespaces + ns }

// buildHistory replays the log in revision order. A create of an existing object, an update or delete of a missing
// one, or two different writes answered with one resourceVersion is a problem: either the server acknowledged
// something it did not commit, or a client lost track of a write.
func buildHistory(l *writeLog) *history {
	h := &history{log: l, maxRev: l.maxRev.Load()}
	state := map[key]int8{}
	for rev := int64(1); rev <= h.maxRev; rev++ {
		w, ok := l.get(rev)
		if !ok {
			continue // a revision of something else (a namespace), or not acknowledged to the load's clients
		}
		prev, exists := state[w.key]
		if !exists {
			prev = absent
		}
		c := change{rev: rev, key: w.key, prev: prev, next: w.shard}
		switch {
		case w.op == opCreate && exists:
			h.problems = append(h.problems, fmt.Sprintf("create of %s acknowledged at %d while it existed", w.key, rev))
		case w.op != opCreate && !exists:
			h.problems = append(h.problems, fmt.Sprintf("%s of %s acknowledged at %d while it did not exist", w.op, w.key, rev))
		}
		if w.op == opDelete {
			c.next = absent
			delete(state, w.key)
		} else {
			state[w.key] = w.shard
		}
		g := groupOf(w.key.resource(), w.key.ns())
		h.groups[g] = append(h.groups[g], c)
	}
	for _, d := range l.dups {
		w, _ := l.get(d.rev)
		if w == nil || w.key != d.key || d.op != opUpdate {
			h.problems = append(h.problems, fmt.Sprintf("two writes acknowledged at resourceVersion %d: %s of %s and %s of %s",
				d.rev, w.op, w.key, d.op, d.key))
		}
	}
	return h
}

// selection is what one watch asks for: a resource, one namespace or all, a label selector (as the set of shards it
// admits, every object carrying app=load) and possibly one name (a metadata.name field selector).
type selection struct {
	res    resource
	ns     int    // -1: every namespace
	shards uint32 // bit s is set when an object with label shard=s matches the label selector
	name   int    // -1: any name

	labelSelector string
	fieldSelector string
}

// matches reports whether an object k with label shard (absent if it does not exist) is in the selection.
func (s *selection) matches(k key, shard int8) bool {
	return shard != absent && s.shards>>uint(shard)&1 == 1 && (s.name < 0 || k.name() == s.name)
}

// changes returns the changes of the selection's resource and namespaces, in revision order.
func (h *history) changes(s *selection) []change {
	if s.ns >= 0 {
		return h.groups[groupOf(s.res, s.ns)]
	}
	var all []change
	for ns := range maxNamespaces {
		all = append(all, h.groups[groupOf(s.res, ns)]...)
	}
	slices.SortFunc(all, func(a, b change) int { return int(a.rev - b.rev) })
	return all
}

// expected returns the events a watch of s owes for the changes after revision from: for each change, ADDED when
// the object enters the selection (or is created in it), MODIFIED when it stays, DELETED when it leaves it (or is
// deleted), nothing when it is outside before and after (SEMANTICS X-12). In revision order.
func (h *history) expected(s *selection, from int64) []event {
	var out []event
	for _, c := range h.changes(s) {
		if c.rev <= from {
			continue
		}
		was, is := s.matches(c.key, c.prev), s.matches(c.key, c.next)
		switch {
		case !was && is:
			out = append(out, makeEvent(c.rev, c.key, added))
		case was && is:
			out = append(out, makeEvent(c.rev, c.key, modified))
		case was && !is:
			out = append(out, makeEvent(c.rev, c.key, deleted))
		}
	}
	return out
}

// stateAt returns the objects of s at revision at, as the ADDED events of a list or of a watch's initial events:
// each with the revision of its last write at or before at. In revision order.
func (h *history) stateAt(s *selection, at int64) []event {
	last := map[key]change{}
	for _, c := range h.changes(s) {
		if c.rev > at {
			break
		}
		last[c.key] = c
	}
	var out []event
	for k, c := range last {
		if s.matches(k, c.next) {
			out = append(out, makeEvent(c.rev, k, added))
		}
	}
	slices.Sort(out)
	return out
}
