package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file checks the store against a sequential model: every key's full history (never trimmed) and the list of
// committed events. A seeded driver applies random operations to both and compares every answer.

// modelStamp replaces the "@revision" suffix of a value, so that stamping is visible in every answer.
func modelStamp(v string, rev int64) string {
	if i := strings.IndexByte(v, '@'); i >= 0 {
		v = v[:i]
	}
	return v + "@" + strconv.FormatInt(rev, 10)
}

// modelIndex gives a value "ab#3@7" the terms "t=a" and "u=b".
func modelIndex(v string) []string {
	var terms []string
	if len(v) > 0 {
		terms = append(terms, "t="+v[:1])
	}
	if len(v) > 1 {
		terms = append(terms, "u="+v[1:2])
	}
	return terms
}

func modelOptions() Options[string] {
	return Options[string]{Retention: -1, Stamp: modelStamp, Index: modelIndex}
}

type mversion struct {
	rev, create int64
	value       string
	deleted     bool
}

// model is the specification. hist holds every version ever written, oldest first; compaction only raises floor.
type model struct {
	rev    int64
	floor  int64
	hist   map[string][]mversion
	events []Event[string] // every committed event, in revision order
	// Two known defects of Fork (TestForkCompactCleansHistory) relax the checks of a store's internals: compacting
	// a fork does not trim the history it inherited (forkChild), and compacting either side of a fork does not
	// remove index entries that existed at the fork (forked). Once compaction cleans up after a fork, both should
	// be cleared when a compaction raises the floor.
	forkChild, forked bool
}

func newModel() *model { return &model{rev: 1, floor: 1, hist: make(map[string][]mversion)} }

func (m *model) clone() *model {
	c := &model{rev: m.rev, floor: m.floor, hist: make(map[string][]mversion, len(m.hist)), events: slices.Clone(m.events),
		forkChild: m.forkChild, forked: m.forked}
	for k, h := range m.hist {
		c.hist[k] = slices.Clone(h)
	}
	return c
}

// at returns the version of key visible at rev, or nil.
func (m *model) at(key string, rev int64) *mversion {
	h := m.hist[key]
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].rev <= rev {
			return &h[i]
		}
	}
	return nil
}

func (m *model) get(key string, rev int64) (KeyValue[string], bool) {
	v := m.at(key, rev)
	if v == nil || v.deleted {
		return KeyValue[string]{}, false
	}
	return KeyValue[string]{Key: key, Value: v.value, CreateRevision: v.create, ModRevision: v.rev}, true
}

// live returns the key-values live at rev, in key order.
func (m *model) live(rev int64) []KeyValue[string] {
	var kvs []KeyValue[string]
	for k := range m.hist {
		if kv, ok := m.get(k, rev); ok {
			kvs = append(kvs, kv)
		}
	}
	slices.SortFunc(kvs, func(a, b KeyValue[string]) int { return strings.Compare(a.Key, b.Key) })
	return kvs
}

// retained returns the versions of key a compacted store keeps, newest first: those above the floor and the one
// visible at the floor unless it is a tombstone.
func (m *model) retained(key string) []mversion {
	var out []mversion
	h := m.hist[key]
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].rev > m.floor {
			out = append(out, h[i])
			continue
		}
		if !h[i].deleted {
			out = append(out, h[i])
		}
		break
	}
	return out
}

func (m *model) write(key, value string, del, mustBeLive, create bool, ifRev int64) (KeyValue[string], error) {
	prev := m.at(key, m.rev)
	if prev != nil && prev.deleted {
		prev = nil
	}
	switch {
	case create && prev != nil:
		return KeyValue[string]{}, ErrKeyExists
	case mustBeLive && prev == nil:
		return KeyValue[string]{}, ErrKeyNotFound
	case ifRev != 0 && prev != nil && prev.rev != ifRev:
		return KeyValue[string]{}, &ConditionError{Key: key, Expected: ifRev, Actual: prev.rev}
	}
	m.rev++
	ev := Event[string]{Revision: m.rev, Key: key}
	nv := mversion{rev: m.rev, create: m.rev, deleted: del}
	if prev != nil {
		nv.create = prev.create
		ev.Prev = prev.value
	}
	switch {
	case del:
		ev.Type, ev.Value = EventDelete, modelStamp(prev.value, m.rev)
	case prev != nil:
		ev.Type, ev.Value = EventUpdate, modelStamp(value, m.rev)
		nv.value = ev.Value
	default:
		ev.Type, ev.Value = EventCreate, modelStamp(value, m.rev)
		nv.value = ev.Value
	}
	m.hist[key] = append(m.hist[key], nv)
	m.events = append(m.events, ev)
	return KeyValue[string]{Key: key, Value: ev.Value, CreateRevision: nv.create, ModRevision: m.rev}, nil
}

// resolve mirrors Store.resolve: the revision a read is served at, or the error.
func (m *model) resolve(opts ReadOptions) (int64, error) {
	switch {
	case opts.Revision == 0:
		return m.rev, nil
	case opts.Revision > m.rev:
		return 0, &RevisionError{Err: ErrFutureRevision, Requested: opts.Revision, Floor: m.floor, Current: m.rev}
	case opts.Match == NotOlderThan:
		return m.rev, nil
	case opts.Revision < m.floor:
		return 0, &RevisionError{Err: ErrCompacted, Requested: opts.Revision, Floor: m.floor, Current: m.rev}
	}
	return opts.Revision, nil
}

// page is what Range must return at rev.
func (m *model) page(prefix string, opts RangeOptions[string], rev int64) RangeResult[string] {
	start := max(prefix, opts.Start)
	var matching []KeyValue[string]
	for _, kv := range m.live(rev) {
		if !strings.HasPrefix(kv.Key, prefix) || kv.Key < start {
			continue
		}
		if opts.Filter != nil && !opts.Filter(&kv) {
			continue
		}
		matching = append(matching, kv)
	}
	n := len(matching)
	if opts.Limit > 0 {
		n = min(n, opts.Limit)
	}
	res := RangeResult[string]{Revision: rev, KVs: append([]KeyValue[string]{}, matching[:n]...)}
	if len(matching) > n {
		res.More = true
		res.NextStart = res.KVs[n-1].Key + "\x00"
		if opts.CountRemaining && opts.Filter == nil {
			res.Remaining = int64(len(matching) - n)
		}
	}
	return res
}

// changes is what ChangesAfter must report.
func (m *model) changes(after, through int64) ([]Event[string], error) {
	if after < m.floor {
		return nil, &RevisionError{Err: ErrCompacted, Requested: after, Floor: m.floor, Current: m.rev}
	}
	var evs []Event[string]
	for _, ev := range m.events {
		if ev.Revision > after && ev.Revision <= through {
			evs = append(evs, ev)
		}
	}
	return evs, nil
}

// pair is a store and its model.
type pair struct {
	s *Store[string]
	m *model
}

type snapshotCheck struct {
	p    *pair
	snap *Snapshot[string]
	rev  int64
}

var modelKeys = []string{"a", "a/x", "a-b/x", "a/y", "ns1/p", "ns10/p", "b/1", "b/2"}
var modelPrefixes = []string{"", "a", "a/", "ns1/", "ns10/", "b/", "zz"}

type modelDriver struct {
	t     *testing.T
	rnd   *rand.Rand
	cur   *pair
	all   []*pair
	snaps []snapshotCheck
	n     int // values written
	ctx   string
}

func (d *modelDriver) key() string { return modelKeys[d.rnd.IntN(len(modelKeys))] }

func (d *modelDriver) value() string {
	d.n++
	return fmt.Sprintf("%c%c#%d", "xyz"[d.rnd.IntN(3)], "pq"[d.rnd.IntN(2)], d.n)
}

// revision returns a revision around the retained range of m, sometimes out of it.
func (d *modelDriver) revision(m *model) int64 {
	return m.floor - 2 + d.rnd.Int64N(m.rev-m.floor+5)
}

func (d *modelDriver) ifRev(m *model, key string) int64 {
	switch d.rnd.IntN(4) {
	case 0:
		return 0
	case 1:
		return d.rnd.Int64N(m.rev + 2) // usually wrong
	default:
		if v := m.at(key, m.rev); v != nil {
			return v.rev // right when the key is live
		}
		return 0
	}
}

func (d *modelDriver) step() {
	t, p := d.t, d.cur
	s, m := p.s, p.m
	switch op := d.rnd.IntN(100); {
	case op < 18:
		key, v := d.key(), d.value()
		d.ctx = fmt.Sprintf("create %q %q", key, v)
		d.checkWrite(p, key, v, false, false, true, 0)
	case op < 38:
		key, v := d.key(), d.value()
		ifRev := d.ifRev(m, key)
		d.ctx = fmt.Sprintf("update %q %q if %d", key, v, ifRev)
		d.checkWrite(p, key, v, false, true, false, ifRev)
	case op < 48:
		key := d.key()
		ifRev := d.ifRev(m, key)
		d.ctx = fmt.Sprintf("delete %q if %d", key, ifRev)
		d.checkWrite(p, key, "", true, true, false, ifRev)
	case op < 60:
		key := d.key()
		opts := ReadOptions{Revision: d.revision(m), Match: Match(d.rnd.IntN(2))}
		if d.rnd.IntN(4) == 0 {
			opts.Revision = 0
		}
		d.ctx = fmt.Sprintf("get %q %+v", key, opts)
		d.checkGet(p, key, opts)
	case op < 78:
		d.checkRange(p)
	case op < 88:
		after, through := d.revision(m), d.revision(m)
		if d.rnd.IntN(3) == 0 {
			through = m.rev + 10
		}
		d.ctx = fmt.Sprintf("changes after %d through %d", after, through)
		want, wantErr := m.changes(after, min(through, m.rev))
		var got []Event[string]
		err := s.ChangesAfter(after, through, func(ev *Event[string]) bool { got = append(got, *ev); return true })
		d.requireErr(wantErr, err)
		require.Equal(t, want, got, d.ctx)
	case op < 93:
		rev := d.revision(m)
		if d.rnd.IntN(2) == 0 {
			rev = m.floor - 1 + d.rnd.Int64N((m.rev-m.floor)/3+2) // keep most of the history
		}
		d.ctx = fmt.Sprintf("compact %d", rev)
		s.Compact(rev)
		if f := min(rev, m.rev); f > m.floor {
			m.floor = f
		}
	case op < 98:
		d.ctx = "snapshot"
		sn := s.Snapshot()
		require.Equal(t, m.rev, sn.Revision(), d.ctx)
		d.snaps = append(d.snaps, snapshotCheck{p: p, snap: sn, rev: sn.Revision()})
		if len(d.snaps) > 8 {
			d.snaps = d.snaps[1:]
		}
	default:
		d.ctx = "fork"
		f := &pair{s: s.Fork(), m: m.clone()}
		f.m.floor, f.m.forked, f.m.forkChild = m.rev, true, true
		m.forked = true
		d.all = append(d.all, f)
		d.cur = f
		// One more write to the parent, which the fork must not see.
		key, v := d.key(), d.value()
		d.checkWrite(p, key, v, false, true, false, 0)
	}
	d.checkState(d.cur, d.cur.m.rev)
}

func (d *modelDriver) requireErr(want, got error) {
	t := d.t
	if want == nil {
		require.NoError(t, got, d.ctx)
		return
	}
	require.Error(t, got, d.ctx)
	switch w := want.(type) {
	case *ConditionError:
		var g *ConditionError
		require.ErrorAs(t, got, &g, d.ctx)
		require.Equal(t, *w, *g, d.ctx)
	case *RevisionError:
		var g *RevisionError
		require.ErrorAs(t, got, &g, d.ctx)
		require.Equal(t, *w, *g, d.ctx)
	default:
		require.ErrorIs(t, got, want, d.ctx)
	}
}

func (d *modelDriver) checkWrite(p *pair, key, v string, del, mustBeLive, create bool, ifRev int64) {
	want, wantErr := p.m.write(key, v, del, mustBeLive, create, ifRev)
	var got KeyValue[string]
	var err error
	switch {
	case create:
		got, err = p.s.Create(key, v)
	case del:
		got, err = p.s.Delete(key, ifRev)
	default:
		got, err = p.s.Update(key, v, ifRev)
	}
	d.requireErr(wantErr, err)
	require.Equal(d.t, want, got, d.ctx)
}

func (d *modelDriver) checkGet(p *pair, key string, opts ReadOptions) {
	rev, wantErr := p.m.resolve(opts)
	got, found, err := p.s.Get(key, opts)
	d.requireErr(wantErr, err)
	if wantErr != nil {
		return
	}
	want, wantFound := p.m.get(key, rev)
	require.Equal(d.t, wantFound, found, d.ctx)
	require.Equal(d.t, want, got, d.ctx)
}

func (d *modelDriver) rangeOptions(m *model) (string, RangeOptions[string]) {
	prefix := modelPrefixes[d.rnd.IntN(len(modelPrefixes))]
	var opts RangeOptions[string]
	opts.Limit = d.rnd.IntN(5)
	opts.CountRemaining = d.rnd.IntN(2) == 0
	if d.rnd.IntN(3) == 0 {
		opts.Revision = d.revision(m)
		opts.Match = Match(d.rnd.IntN(2))
	}
	switch d.rnd.IntN(4) {
	case 0:
		opts.Start = d.key()
	case 1:
		opts.Start = d.key() + "\x00"
	}
	var filters []func(kv *KeyValue[string]) bool
	switch d.rnd.IntN(3) {
	case 0:
		opts.Term = []string{"t=x", "t=y", "t=z", "u=p", "u=q", "t=none"}[d.rnd.IntN(6)]
		filters = append(filters, func(kv *KeyValue[string]) bool { return slices.Contains(modelIndex(kv.Value), opts.Term) })
	case 1:
		filters = append(filters, func(kv *KeyValue[string]) bool { return kv.Value[0] != 'z' })
	}
	if d.rnd.IntN(4) == 0 {
		filters = append(filters, func(kv *KeyValue[string]) bool { return kv.ModRevision%2 == 0 })
	}
	if len(filters) > 0 {
		opts.Filter = func(kv *KeyValue[string]) bool {
			for _, f := range filters {
				if !f(kv) {
					return false
				}
			}
			return true
		}
	}
	return prefix, opts
}

func (d *modelDriver) checkRange(p *pair) {
	t := d.t
	prefix, opts := d.rangeOptions(p.m)
	d.ctx = fmt.Sprintf("range %q start %q limit %d term %q filter %v remaining %v at %+v",
		prefix, opts.Start, opts.Limit, opts.Term, opts.Filter != nil, opts.CountRemaining, opts.ReadOptions)
	rev, wantErr := p.m.resolve(opts.ReadOptions)
	got, err := p.s.Range(prefix, opts)
	d.requireErr(wantErr, err)
	if wantErr != nil {
		return
	}
	want := p.m.page(prefix, opts, rev)
	require.Equal(t, want, got, d.ctx)
	// Read the remaining pages at the first page's revision; they must agree with the model at that revision.
	start := opts.Start
	all := slices.Clone(got.KVs)
	for pages := 1; got.More; pages++ {
		require.Less(t, pages, 100, d.ctx)
		opts.Start, opts.ReadOptions = got.NextStart, ReadOptions{Revision: rev, Match: Exact}
		got, err = p.s.Range(prefix, opts)
		require.NoError(t, err, d.ctx)
		require.Equal(t, p.m.page(prefix, opts, rev), got, d.ctx)
		all = append(all, got.KVs...)
	}
	opts.Start, opts.Limit = start, 0
	require.Equal(t, p.m.page(prefix, opts, rev).KVs, all, "%s: the pages add up to the whole", d.ctx)
}

// checkState compares everything observable at the current revision, and, for a store that was not forked, the
// retained history of every key and the term scans' candidates.
func (d *modelDriver) checkState(p *pair, rev int64) {
	t, s, m := d.t, p.s, p.m
	require.Equal(t, m.rev, s.Revision(), d.ctx)
	require.Equal(t, m.floor, s.CompactedRevision(), d.ctx)
	res, err := s.Range("", RangeOptions[string]{ReadOptions: ReadOptions{Revision: rev, Match: Exact}})
	require.NoError(t, err, d.ctx)
	require.Equal(t, m.page("", RangeOptions[string]{}, rev).KVs, res.KVs, d.ctx)

	// The index lists a key under a term exactly when a retained version has the term, so a term scan calls the
	// filter for each live key with such a version.
	for _, term := range []string{"t=x", "t=y", "t=z", "u=p", "u=q"} {
		var visited []string
		_, err := s.Range("", RangeOptions[string]{
			ReadOptions: ReadOptions{Revision: rev, Match: Exact},
			Term:        term,
			Filter:      func(kv *KeyValue[string]) bool { visited = append(visited, kv.Key); return false },
		})
		require.NoError(t, err, d.ctx)
		var candidates, live []string
		for _, kv := range m.live(rev) {
			live = append(live, kv.Key)
			for _, v := range m.retained(kv.Key) {
				if !v.deleted && slices.Contains(modelIndex(v.value), term) {
					candidates = append(candidates, kv.Key)
					break
				}
			}
		}
		if m.forked {
			// The index may list more, but never fewer, candidates.
			require.Subset(t, visited, candidates, "%s: term %s", d.ctx, term)
			require.Subset(t, live, visited, "%s: term %s", d.ctx, term)
		} else {
			require.Equal(t, candidates, visited, "%s: term %s", d.ctx, term)
		}
	}
	if !m.forkChild {
		for _, key := range modelKeys {
			var want []int64
			for _, v := range m.retained(key) {
				want = append(want, v.rev)
			}
			require.Equal(t, want, nilIfEmptyRevs(chainRevs(s, key)), "%s: chain of %q", d.ctx, key)
		}
	}
}

func nilIfEmptyRevs(r []int64) []int64 {
	if len(r) == 0 {
		return nil
	}
	return r
}

// checkHistory reads every revision around the retained range of p and every snapshot.
func (d *modelDriver) checkHistory(p *pair) {
	t, s, m := d.t, p.s, p.m
	for rev := m.floor - 1; rev <= m.rev+1; rev++ {
		opts := ReadOptions{Revision: rev, Match: Exact}
		wantRev, wantErr := m.resolve(opts)
		res, err := s.Range("", RangeOptions[string]{ReadOptions: opts})
		d.requireErr(wantErr, err)
		if wantErr == nil {
			require.Equal(t, m.page("", RangeOptions[string]{}, wantRev), res, "%s: revision %d", d.ctx, rev)
		}
		for _, key := range modelKeys {
			d.checkGet(p, key, opts)
		}
	}
	evs, err := m.changes(m.floor, m.rev)
	require.NoError(t, err)
	require.Equal(t, evs, changes(t, s, m.floor, m.rev), d.ctx)
	for _, sc := range d.snaps {
		if sc.p != p {
			continue
		}
		res, err := sc.snap.Range("", RangeOptions[string]{})
		if sc.rev < m.floor {
			d.requireErr(&RevisionError{Err: ErrCompacted, Requested: sc.rev, Floor: m.floor, Current: m.rev}, err)
			continue
		}
		require.NoError(t, err, d.ctx)
		require.Equal(t, m.page("", RangeOptions[string]{}, sc.rev), res, "%s: snapshot at %d", d.ctx, sc.rev)
	}
}

func TestModel(t *testing.T) {
	const steps = 500
	for seed := range uint64(8) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			s := New(modelOptions())
			p := &pair{s: s, m: newModel()}
			d := &modelDriver{t: t, rnd: rand.New(rand.NewPCG(seed, 0x5eed)), cur: p, all: []*pair{p}}
			defer func() {
				for _, p := range d.all {
					require.NoError(t, p.s.Close())
				}
			}()
			for i := range steps {
				d.step()
				if i%25 == 24 {
					d.ctx = fmt.Sprintf("history after step %d", i)
					d.checkHistory(d.cur)
				}
			}
			// The stores left behind by forks kept their own histories.
			for i, p := range d.all {
				d.ctx = fmt.Sprintf("store %d of %d at the end", i, len(d.all))
				d.checkState(p, p.m.rev)
				d.checkHistory(p)
			}
			t.Logf("revision %d, floor %d, %d stores", d.cur.m.rev, d.cur.m.floor, len(d.all))
		})
	}
}
