package store

// Fork returns an independent store that starts with this store's current state, in O(1): the B-trees are cloned
// lazily and each store copies a key's entry the first time it writes that key. Writes to either store are invisible
// to the other. The fork's history starts at the fork: its compaction floor is the current revision, so it serves
// reads and watches from there on. The fork has its own options' automatic compaction goroutine; Close it when done.
func (s *Store[V]) Fork() *Store[V] {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.cur.Load()

	// Both stores get new owners, so neither changes a shared keyIndex in place from now on.
	mine := &state[V]{rev: st.rev, index: st.index.fork(), log: st.log, owner: new(owner)}
	s.publishTreeLocked(mine)
	s.cur.Store(mine)
	s.fullCompact = true

	f := newStore(s.opts)
	f.tree = s.tree.Clone()
	f.cur.Store(&state[V]{rev: st.rev, tree: f.tree.Clone(), index: st.index.fork(), log: &eventLog[V]{}, owner: new(owner)})
	f.floor.Store(st.rev)
	f.fullCompact = true
	f.start()
	return f
}
