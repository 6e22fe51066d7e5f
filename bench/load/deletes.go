package load

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/kubemem/kubemem/apiserver"
)

// stored is an object as an Exact list shows it.
type stored struct {
	uid    string
	rev    int64
	marked bool // deletionTimestamp is set
}

// exactLister lists the objects of the load of one resource and namespace at one revision: the store's own MVCC
// read (SEMANTICS R-4), independent of the watch machinery the run checks.
type exactLister func(ctx context.Context, r resource, ns int, rev int64) (map[string]stored, error)

// serverLister returns the exactLister of srv, through its Go API.
func serverLister(srv *apiserver.Server) exactLister {
	return func(ctx context.Context, r resource, ns int, rev int64) (map[string]stored, error) {
		gvr := apiserver.ConfigMaps
		if r == pods {
			gvr = apiserver.Pods
		}
		l, err := srv.Resource(gvr).Namespace(namespaceName(ns)).List(ctx, apiserver.ListOptions{
			LabelSelector:        "app=load",
			ResourceVersion:      strconv.FormatInt(rev, 10),
			ResourceVersionMatch: apiserver.ResourceVersionMatchExact,
		})
		if err != nil {
			return nil, err
		}
		out := make(map[string]stored, len(l.Items))
		for _, o := range l.Items {
			rv, err := strconv.ParseInt(o.ResourceVersion(), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s/%s: resourceVersion %q", namespaceName(ns), o.Name(), o.ResourceVersion())
			}
			out[o.Name()] = stored{uid: o.UID(), rev: rv, marked: o.DeletionTimestamp() != nil}
		}
		return out, nil
	}
}

// resolution is what resolveDeletes found.
type resolution struct {
	foreign    []int64  // revisions no acknowledged write explains
	leftMarked int      // pod deletes answered with the pod marked but not removed
	problems   []string // deletes acknowledged but never committed, revisions that changed two objects
}

// resolveDeletes finds the revisions of the acknowledged deletes (see ackDelete) and publishes them in the log.
//
// Every write commits exactly one revision (S-5), so a revision in (from, to] that no logged write holds is one of
// these deletes' (or a foreign one). For such a revision g:
//   - if it is a pod delete's answer, an Exact list at g tells whether the pod was removed there (the usual case)
//     or only marked (the answer was the marked pod);
//   - otherwise it is a ConfigMap's removal or a pod's mark. The candidates are the deletes of objects alive (and,
//     for a mark, not yet marked) at g-1 whose request was sent before the earliest answer of a write committed
//     after g and answered after the latest send of a write committed before g (a commit lies between its request
//     and its answer). An Exact list of the candidates' namespaces at g shows which ConfigMap vanished or which pod
//     was marked at g.
func resolveDeletes(ctx context.Context, l *writeLog, list exactLister, from, to int64) (resolution, error) {
	var res resolution
	byRev := map[int64]*ackDelete{}
	var pending []*ackDelete
	for _, d := range l.deletes {
		if d.rev > 0 {
			if byRev[d.rev] != nil {
				res.problems = append(res.problems, fmt.Sprintf("two deletes answered with resourceVersion %d: of %s and %s", d.rev, byRev[d.rev].key, d.key))
			}
			byRev[d.rev] = d
		}
		pending = append(pending, d)
	}
	slices.SortFunc(pending, func(a, b *ackDelete) int { return int(a.sent - b.sent) })

	// maxSentBefore[g-from] is the latest send of a logged write committed in [from, g); minAnsweredAfter[g-from]
	// the earliest answer of one committed in [g, to].
	n := int(to - from + 1)
	maxSentBefore, minAnsweredAfter := make([]int64, n+1), make([]int64, n+1)
	maxSentBefore[0] = -1 << 62
	for i := range n {
		maxSentBefore[i+1] = maxSentBefore[i]
		if w, ok := l.get(from + int64(i)); ok {
			maxSentBefore[i+1] = max(maxSentBefore[i], w.sent)
		}
	}
	minAnsweredAfter[n] = 1 << 62
	for i := n - 1; i >= 0; i-- {
		minAnsweredAfter[i] = minAnsweredAfter[i+1]
		if w, ok := l.get(from + int64(i)); ok {
			minAnsweredAfter[i] = min(minAnsweredAfter[i+1], w.at.Load()-1)
		}
	}

	type alive struct {
		uid    string
		shard  int8
		marked bool
	}
	state := map[key]alive{}
	publish := func(g int64, d *ackDelete, op writeOp) error {
		st := state[d.key]
		if op == opDelete {
			delete(state, d.key)
		} else {
			st.marked = true
			state[d.key] = st
		}
		return l.record(g, d.key, op, st.shard, d.uid, l.epoch.Add(timeNs(d.sent)), l.epoch.Add(timeNs(d.answered)))
	}
	var active []*ackDelete // sent before minAnsweredAfter of the current revision, not yet resolved
	next := 0               // pending[next:] have not yet entered active
	for g := int64(1); g <= to; g++ {
		if w, ok := l.get(g); ok {
			switch w.op {
			case opDelete:
				delete(state, w.key)
			case opCreate:
				state[w.key] = alive{uid: w.uid, shard: w.shard}
			default:
				st := state[w.key]
				st.uid, st.shard = w.uid, w.shard
				state[w.key] = st
			}
			continue
		}
		if g <= from {
			continue
		}
		if d := byRev[g]; d != nil {
			// A pod delete's answer: removed at g, or only marked.
			objs, err := list(ctx, pods, d.key.ns(), g)
			if err != nil {
				return res, fmt.Errorf("load: list at revision %d: %w", g, err)
			}
			o, present := objs[objectName(pods, d.key.name())]
			op := opDelete
			if present && o.uid == d.uid && o.rev == g && o.marked {
				op = opUpdate
				res.leftMarked++
			} else if present {
				res.problems = append(res.problems, fmt.Sprintf("delete of %s answered at %d, where it is neither removed nor marked", d.key, g))
			}
			d.resolved, d.marked = true, true
			if err := publish(g, d, op); err != nil {
				return res, err
			}
			continue
		}

		i := int(g - from)
		for next < len(pending) && pending[next].sent <= minAnsweredAfter[i+1] {
			active = append(active, pending[next])
			next++
		}
		active = slices.DeleteFunc(active, func(d *ackDelete) bool {
			return d.resolved && (d.rev == 0 || d.marked)
		})
		candidate := func(d *ackDelete) bool {
			st, ok := state[d.key]
			switch {
			case !ok || st.uid != d.uid || d.answered < maxSentBefore[i]:
				return false
			case d.rev == 0:
				return !d.resolved
			default:
				return !d.marked && !st.marked && d.rev > g
			}
		}
		type scope struct {
			r  resource
			ns int
		}
		var lists []scope
		for _, d := range active {
			if sc := (scope{d.key.resource(), d.key.ns()}); candidate(d) && !slices.Contains(lists, sc) {
				lists = append(lists, sc)
			}
		}
		var found []*ackDelete
		for _, ls := range lists {
			objs, err := list(ctx, ls.r, ls.ns, g)
			if err != nil {
				return res, fmt.Errorf("load: list at revision %d: %w", g, err)
			}
			for _, d := range active {
				if d.key.resource() != ls.r || d.key.ns() != ls.ns || !candidate(d) {
					continue
				}
				o, present := objs[objectName(ls.r, d.key.name())]
				switch {
				case d.rev == 0 && (!present || o.uid != d.uid):
					found = append(found, d) // the ConfigMap vanished at g
				case d.rev > 0 && present && o.uid == d.uid && o.rev == g && o.marked:
					found = append(found, d) // the pod was marked at g
				}
			}
		}
		if len(found) == 0 {
			res.foreign = append(res.foreign, g)
			continue
		}
		d := found[0]
		for _, o := range found[1:] {
			if o.key != d.key {
				res.problems = append(res.problems, fmt.Sprintf("revision %d changed %s and %s", g, d.key, o.key))
			}
		}
		op := opDelete
		if d.rev > 0 {
			op = opUpdate
			for _, o := range found {
				o.marked = true // concurrent deletes of one pod: the first marks it, the others find it marked
			}
		} else {
			d.resolved = true
		}
		if err := publish(g, d, op); err != nil {
			return res, err
		}
	}
	for _, d := range pending {
		if !d.resolved {
			res.problems = append(res.problems, fmt.Sprintf("delete of %s (uid %s) acknowledged, never committed in (%d, %d]", d.key, d.uid, from, to))
		}
	}
	return res, nil
}
