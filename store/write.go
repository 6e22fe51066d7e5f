package store

import "slices"

// Create stores v under key at a new revision. It fails with ErrKeyExists when the key holds a live value.
func (s *Store[V]) Create(key string, v V) (KeyValue[V], error) {
	return s.write(key, v, false, false, 0, true)
}

// Update replaces the live value of key with v at a new revision. When ifRev is not zero the write happens only if
// the key's ModRevision is ifRev (else a *ConditionError wrapping ErrConflict). It fails with ErrKeyNotFound when
// the key holds no live value.
func (s *Store[V]) Update(key string, v V, ifRev int64) (KeyValue[V], error) {
	return s.write(key, v, false, true, ifRev, false)
}

// Delete removes the live value of key at a new revision and returns the last value, stamped with the deletion
// revision, whose ModRevision is the deletion revision. When ifRev is not zero the delete happens only if the key's
// ModRevision is ifRev. It fails with ErrKeyNotFound when the key holds no live value.
func (s *Store[V]) Delete(key string, ifRev int64) (KeyValue[V], error) {
	var zero V
	return s.write(key, zero, true, true, ifRev, false)
}

// write commits one change under the write lock: a create (mustBeLive false, create true), an update or a delete.
func (s *Store[V]) write(key string, v V, del, mustBeLive bool, ifRev int64, create bool) (KeyValue[V], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return KeyValue[V]{}, ErrClosed
	}
	st := s.cur.Load()
	rev := st.rev + 1

	item, found := s.tree.Get(treeItem[V]{key: key})
	ki := item.ki
	var prev *version[V]
	if found {
		prev = ki.head.Load()
		if prev != nil && prev.deleted {
			prev = nil
		}
	}
	switch {
	case create && prev != nil:
		return KeyValue[V]{}, ErrKeyExists
	case mustBeLive && prev == nil:
		return KeyValue[V]{}, ErrKeyNotFound
	case ifRev != 0 && prev != nil && prev.rev != ifRev:
		return KeyValue[V]{}, &ConditionError{Key: key, Expected: ifRev, Actual: prev.rev}
	}

	next := &version[V]{rev: rev, create: rev, deleted: del}
	if prev != nil {
		next.create = prev.create
	}
	if del {
		v = prev.value
	}
	if s.opts.Stamp != nil {
		v = s.opts.Stamp(v, rev)
	}
	if !del {
		next.value = v
	}

	treeChanged, newKey := false, false
	switch {
	case !found:
		ki = &keyIndex[V]{key: key, owner: st.owner}
		s.tree.ReplaceOrInsert(treeItem[V]{key: key, ki: ki})
		newKey = true
	case ki.owner != st.owner:
		cp := &keyIndex[V]{key: ki.key, owner: st.owner}
		cp.head.Store(ki.head.Load())
		ki = cp
		s.tree.ReplaceOrInsert(treeItem[V]{key: ki.key, ki: ki})
		treeChanged = true
	}
	next.prev = ki.head.Load()

	if !del && s.opts.Index != nil {
		var prevTerms []string
		if prev != nil {
			prevTerms = s.opts.Index(prev.value) // the live version's terms are in the index already
		}
		for _, term := range s.opts.Index(v) {
			if !slices.Contains(prevTerms, term) && !st.index.has(term, ki.key) {
				st.index.active.insert(term, ki.key)
			}
		}
	}

	ev := Event[V]{Revision: rev, Key: ki.key, Value: v}
	switch {
	case del:
		ev.Type, ev.Prev = EventDelete, prev.value
	case prev != nil:
		ev.Type, ev.Prev = EventUpdate, prev.value
	default:
		ev.Type = EventCreate
	}
	log := s.appendEvent(st.log, ev)

	ki.head.Store(next)
	ns := &state[V]{rev: rev, tree: st.tree, recent: st.recent, index: st.index, log: log, owner: st.owner}
	switch {
	case treeChanged || newKey && len(st.recent) >= maxRecentKeys:
		s.publishTreeLocked(ns)
	case newKey:
		if s.recentBuf == nil {
			s.recentBuf = make([]treeItem[V], 0, maxRecentKeys)
		}
		// st.recent is s.recentBuf[:len(st.recent)]: appending writes past every published view.
		s.recentBuf = append(s.recentBuf, treeItem[V]{key: ki.key, ki: ki})
		ns.recent = s.recentBuf
	}
	s.cur.Store(ns)
	s.notify()
	return KeyValue[V]{Key: ki.key, Value: v, CreateRevision: next.create, ModRevision: rev}, nil
}

// appendEvent writes ev into the log and returns the view that holds it: the same view when the last chunk has room.
// s.mu must be held.
func (s *Store[V]) appendEvent(l *eventLog[V], ev Event[V]) *eventLog[V] {
	if n := len(l.chunks); n > 0 {
		last := l.chunks[n-1]
		if ev.Revision < last.base+chunkSize {
			last.events[ev.Revision-last.base] = ev
			return l
		}
	}
	c := &chunk[V]{base: ev.Revision}
	c.events[0] = ev
	chunks := make([]*chunk[V], len(l.chunks), len(l.chunks)+1)
	copy(chunks, l.chunks)
	return &eventLog[V]{chunks: append(chunks, c)}
}

// publishTreeLocked makes ns carry a clone of the working tree, which holds every key, and starts a new recent
// buffer (published states keep the old one). s.mu must be held.
func (s *Store[V]) publishTreeLocked(ns *state[V]) {
	ns.tree, ns.recent, s.recentBuf = s.tree.Clone(), nil, nil
}
