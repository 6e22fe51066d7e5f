package store

import (
	"errors"
	"slices"
	"strings"
)

// Match says how a read's revision is interpreted.
type Match uint8

const (
	// NotOlderThan serves the current state, which must be at least the requested revision.
	NotOlderThan Match = iota
	// Exact serves the state at exactly the requested revision, which must be retained.
	Exact
)

// ReadOptions selects the revision of a read. The zero value reads the current state.
type ReadOptions struct {
	// Revision is the revision asked for; zero means the current one.
	Revision int64
	// Match says whether Revision is a lower bound (NotOlderThan, the default) or exact.
	Match Match
}

// RangeOptions selects what Range returns. The zero value returns every live key under the prefix at the current
// revision.
type RangeOptions[V any] struct {
	ReadOptions
	// Start is the first key to consider (inclusive); it must lie under the prefix. Empty means the prefix itself.
	Start string
	// Limit is the most key-values to return; zero means no limit.
	Limit int
	// Term, if set, restricts the scan to keys the secondary index lists under this term. Filter must then reject
	// values without the term: the index is a superset.
	Term string
	// Filter, if set, is called for each live key-value in key order; only those it accepts are returned and count
	// against Limit.
	Filter func(kv *KeyValue[V]) bool
	// CountRemaining asks for Remaining: the number of live keys after the last returned one (only meaningful
	// without Filter).
	CountRemaining bool
}

// RangeResult is a page of key-values in key order.
type RangeResult[V any] struct {
	KVs []KeyValue[V]
	// Revision is the revision the page was read at.
	Revision int64
	// More reports whether keys after the last returned one may match; continue from NextStart.
	More bool
	// NextStart is the key to pass as Start to read the next page, when More is set.
	NextStart string
	// Remaining is the count of live keys after this page, when CountRemaining was set and More is true.
	Remaining int64
}

// Snapshot is a consistent read-only view of the store at one revision. It is immutable and safe for concurrent
// use; it stays readable until compaction passes its revision (then reads fail with ErrCompacted).
type Snapshot[V any] struct {
	store *Store[V]
	st    *state[V]
}

// Snapshot returns a view of the current state in O(1).
func (s *Store[V]) Snapshot() *Snapshot[V] { return &Snapshot[V]{store: s, st: s.cur.Load()} }

// Revision returns the revision the snapshot shows.
func (sn *Snapshot[V]) Revision() int64 { return sn.st.rev }

// Get returns the live value of key at the snapshot's revision.
func (sn *Snapshot[V]) Get(key string) (KeyValue[V], bool, error) {
	return sn.store.get(sn.st, key, sn.st.rev)
}

// Range returns the live key-values under prefix at the snapshot's revision; opts.ReadOptions is ignored.
func (sn *Snapshot[V]) Range(prefix string, opts RangeOptions[V]) (RangeResult[V], error) {
	return sn.store.rangeAt(sn.st, prefix, sn.st.rev, opts)
}

// resolve returns the state and revision a read with opts is served at.
func (s *Store[V]) resolve(opts ReadOptions) (*state[V], int64, error) {
	st := s.cur.Load()
	if opts.Revision == 0 {
		return st, st.rev, nil
	}
	if opts.Revision > st.rev {
		return nil, 0, &RevisionError{Err: ErrFutureRevision, Requested: opts.Revision, Floor: s.floor.Load(), Current: st.rev}
	}
	if opts.Match == NotOlderThan {
		return st, st.rev, nil
	}
	if f := s.floor.Load(); opts.Revision < f {
		return nil, 0, &RevisionError{Err: ErrCompacted, Requested: opts.Revision, Floor: f, Current: st.rev}
	}
	return st, opts.Revision, nil
}

// checkFloor reports ErrCompacted when compaction passed rev while a read at rev was running.
func (s *Store[V]) checkFloor(rev int64) error {
	if f := s.floor.Load(); rev < f {
		return &RevisionError{Err: ErrCompacted, Requested: rev, Floor: f, Current: s.Revision()}
	}
	return nil
}

// Get returns the live value of key, read as opts says. found is false when the key holds no live value then.
func (s *Store[V]) Get(key string, opts ReadOptions) (kv KeyValue[V], found bool, err error) {
	for {
		st, rev, err := s.resolve(opts)
		if err != nil {
			return KeyValue[V]{}, false, err
		}
		kv, found, err = s.get(st, key, rev)
		if retryCurrent(opts, err) {
			continue // a compaction passed the state this read loaded; the current state is still readable
		}
		return kv, found, err
	}
}

// retryCurrent reports whether a read of the current state (not an exact revision) failed only because compaction
// passed the state it loaded, so it should be retried on a fresh state.
func retryCurrent(opts ReadOptions, err error) bool {
	return err != nil && (opts.Revision == 0 || opts.Match == NotOlderThan) && errors.Is(err, ErrCompacted)
}

func (s *Store[V]) get(st *state[V], key string, rev int64) (KeyValue[V], bool, error) {
	ki, ok := st.lookup(key)
	if !ok {
		return KeyValue[V]{}, false, s.checkFloor(rev)
	}
	v := ki.at(rev)
	if err := s.checkFloor(rev); err != nil {
		return KeyValue[V]{}, false, err
	}
	if v == nil || v.deleted {
		return KeyValue[V]{}, false, nil
	}
	return KeyValue[V]{Key: ki.key, Value: v.value, CreateRevision: v.create, ModRevision: v.rev}, true, nil
}

// Range returns the live key-values whose keys start with prefix, in key order, read as opts says.
func (s *Store[V]) Range(prefix string, opts RangeOptions[V]) (RangeResult[V], error) {
	for {
		st, rev, err := s.resolve(opts.ReadOptions)
		if err != nil {
			return RangeResult[V]{}, err
		}
		res, err := s.rangeAt(st, prefix, rev, opts)
		if retryCurrent(opts.ReadOptions, err) {
			continue // see Get
		}
		return res, err
	}
}

func (s *Store[V]) rangeAt(st *state[V], prefix string, rev int64, opts RangeOptions[V]) (RangeResult[V], error) {
	start := prefix
	if opts.Start > start {
		start = opts.Start
	}
	res := RangeResult[V]{Revision: rev}
	if opts.Limit > 0 && opts.Limit <= 1024 {
		res.KVs = make([]KeyValue[V], 0, opts.Limit)
	}
	var last string
	var probe KeyValue[V] // reused for the look-ahead past the limit, so Filter's pointer costs no allocation per key
	visit := func(ki *keyIndex[V]) bool {
		v := ki.at(rev)
		if v == nil || v.deleted {
			return true
		}
		if opts.Limit > 0 && len(res.KVs) >= opts.Limit {
			// One more live (and, with a filter, matching) key exists: there is a next page.
			if opts.Filter != nil {
				probe = KeyValue[V]{Key: ki.key, Value: v.value, CreateRevision: v.create, ModRevision: v.rev}
				if !opts.Filter(&probe) {
					return true
				}
			}
			res.More = true
			if !opts.CountRemaining || opts.Filter != nil {
				return false
			}
			res.Remaining++
			return true
		}
		res.KVs = append(res.KVs, KeyValue[V]{Key: ki.key, Value: v.value, CreateRevision: v.create, ModRevision: v.rev})
		if opts.Filter != nil && !opts.Filter(&res.KVs[len(res.KVs)-1]) {
			res.KVs = res.KVs[:len(res.KVs)-1]
			return true
		}
		last = ki.key
		return true
	}
	if opts.Term == "" {
		st.ascend(prefix, start, visit)
	} else {
		ascendTerm(st, opts.Term, prefix, start, visit)
	}
	if err := s.checkFloor(rev); err != nil {
		return RangeResult[V]{}, err
	}
	if res.More {
		res.NextStart = last + "\x00"
	} else {
		res.Remaining = 0
	}
	if res.KVs == nil {
		res.KVs = []KeyValue[V]{}
	}
	return res, nil
}

// ascendTerm visits, in key order, the keyIndexes of keys under prefix from start on that the index lists under term.
func ascendTerm[V any](st *state[V], term, prefix, start string, visit func(*keyIndex[V]) bool) {
	st.index.ascend(term, prefix, start, func(key string) bool {
		ki, ok := st.lookup(key)
		if !ok {
			return true
		}
		return visit(ki)
	})
}

// lookup finds a key's entry in the published tree or among the keys created since it was published.
func (st *state[V]) lookup(key string) (*keyIndex[V], bool) {
	if item, ok := st.tree.Get(treeItem[V]{key: key}); ok {
		return item.ki, true
	}
	for i := range st.recent {
		if st.recent[i].key == key {
			return st.recent[i].ki, true
		}
	}
	return nil, false
}

// ascend visits, in key order, the entries of the keys under prefix from start on, merging the recently created
// keys into the published tree's order, until visit returns false.
func (st *state[V]) ascend(prefix, start string, visit func(*keyIndex[V]) bool) {
	var extra []treeItem[V]
	for _, it := range st.recent {
		if it.key >= start && strings.HasPrefix(it.key, prefix) {
			extra = append(extra, it)
		}
	}
	slices.SortFunc(extra, func(a, b treeItem[V]) int { return strings.Compare(a.key, b.key) })
	stopped := false
	st.tree.AscendGreaterOrEqual(treeItem[V]{key: start}, func(it treeItem[V]) bool {
		if !strings.HasPrefix(it.key, prefix) {
			return false
		}
		for len(extra) > 0 && extra[0].key < it.key {
			if !visit(extra[0].ki) {
				stopped = true
				return false
			}
			extra = extra[1:]
		}
		if !visit(it.ki) {
			stopped = true
			return false
		}
		return true
	})
	if stopped {
		return
	}
	for _, it := range extra {
		if !visit(it.ki) {
			return
		}
	}
}
