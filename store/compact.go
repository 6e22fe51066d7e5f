package store

// Compact discards the history before revision rev: afterwards reads and replays at revisions below rev fail with
// ErrCompacted, while rev itself stays readable. Compacting at or below the current floor does nothing; rev above
// the current revision is clamped to it.
func (s *Store[V]) Compact(rev int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compactLocked(rev)
}

// compactLocked does the work of Compact. s.mu must be held.
func (s *Store[V]) compactLocked(rev int64) {
	st := s.cur.Load()
	if rev > st.rev {
		rev = st.rev
	}
	oldFloor := s.floor.Load()
	if rev <= oldFloor {
		return
	}
	// Raise the floor first: readers that started below it will see it when they check after reading.
	s.floor.Store(rev)

	touched := make(map[string]struct{})
	full := s.fullCompact
	if full {
		// After a fork, history inherited from before it is not in this store's log and the index layers are
		// shared with the other store: visit every key, and rebuild the index from what stays.
		s.fullCompact = false
		s.tree.Ascend(func(it treeItem[V]) bool {
			touched[it.key] = struct{}{}
			return true
		})
	} else {
		// Every key whose history has a version at or below rev that is not its newest appears in the log at a
		// revision in (oldFloor, rev]; older ones were trimmed by earlier compactions.
		from := max(oldFloor+1, st.log.oldest())
		if len(st.log.chunks) > 0 {
			for r := from; r <= rev; r++ {
				touched[st.log.event(r).Key] = struct{}{}
			}
		}
	}
	treeChanged := false
	for key := range touched {
		item, ok := s.tree.Get(treeItem[V]{key: key})
		if !ok {
			continue
		}
		treeChanged = s.compactKey(st, item.ki, rev, !full) || treeChanged
	}
	index := st.index
	if full {
		index = s.rebuildIndex()
	}

	// Drop the chunks that hold only revisions at or below rev, keeping what HistoryHolds need.
	log := st.log
	keep := min(rev, s.lowestHoldLocked())
	drop := 0
	for drop < len(log.chunks) && log.chunks[drop].base+chunkSize-1 <= keep {
		drop++
	}
	if drop > 0 {
		log = &eventLog[V]{chunks: append([]*chunk[V](nil), log.chunks[drop:]...)}
	}
	ns := &state[V]{rev: st.rev, tree: st.tree, recent: st.recent, index: index, log: log, owner: st.owner}
	if treeChanged {
		s.publishTreeLocked(ns)
	}
	s.cur.Store(ns)
	if s.opts.Logger != nil {
		s.opts.Logger.Debug("store: compacted", "revision", rev, "keys", len(touched), "current", st.rev)
	}
}

// compactKey trims the history of one key to what reads at revisions >= rev need, and removes the index entries
// only the dropped versions had from the active index layer (frozen layers keep theirs: the index is a superset).
// It reports whether it changed the key tree. s.mu must be held.
func (s *Store[V]) compactKey(st *state[V], ki *keyIndex[V], rev int64, cleanIndex bool) (treeChanged bool) {
	head := ki.head.Load()
	// Find the version visible at rev.
	var kept []*version[V]
	v := head
	for v != nil && v.rev > rev {
		kept = append(kept, v)
		v = v.prev
	}
	if v != nil && !v.deleted {
		kept = append(kept, v)
	}
	if v == nil || (v.prev == nil && !v.deleted) {
		return false // nothing below the visible version
	}
	// The values below the visible version (and, when that is a tombstone, below it) are no longer readable.
	var dropped []*version[V]
	for d := v.prev; d != nil; d = d.prev {
		if !d.deleted {
			dropped = append(dropped, d)
		}
	}

	// Rebuild the kept part of the chain (versions are immutable: readers may be walking the old chain).
	var newHead *version[V]
	for i := len(kept) - 1; i >= 0; i-- {
		cp := *kept[i]
		cp.prev = newHead
		newHead = &cp
	}
	if newHead == nil {
		s.tree.Delete(treeItem[V]{key: ki.key})
		treeChanged = true
	} else if ki.owner == st.owner {
		ki.head.Store(newHead)
	} else {
		cp := &keyIndex[V]{key: ki.key, owner: st.owner}
		cp.head.Store(newHead)
		s.tree.ReplaceOrInsert(treeItem[V]{key: ki.key, ki: cp})
		treeChanged = true
	}

	// Remove index entries only dropped versions had.
	if cleanIndex && s.opts.Index != nil && len(dropped) > 0 {
		keep := make(map[string]struct{})
		for _, k := range kept {
			if !k.deleted {
				for _, t := range s.opts.Index(k.value) {
					keep[t] = struct{}{}
				}
			}
		}
		for _, d := range dropped {
			for _, t := range s.opts.Index(d.value) {
				if _, ok := keep[t]; ok {
					continue
				}
				st.index.active.remove(t, ki.key)
			}
		}
	}
	return treeChanged
}

// rebuildIndex builds a fresh single-layer index from every retained version of every key. s.mu must be held.
func (s *Store[V]) rebuildIndex() *indexLayers {
	x := &indexLayers{active: newSkiplist()}
	if s.opts.Index == nil {
		return x
	}
	s.tree.Ascend(func(it treeItem[V]) bool {
		for v := it.ki.head.Load(); v != nil; v = v.prev {
			if !v.deleted {
				for _, t := range s.opts.Index(v.value) {
					x.active.insert(t, it.key)
				}
			}
		}
		return true
	})
	return x
}

// compactLoop compacts automatically: every Retention it compacts to the revision that was current one Retention
// earlier, so history is kept for between one and two Retention periods (kube-apiserver's scheme).
func (s *Store[V]) compactLoop() {
	defer s.wg.Done()
	for {
		t := s.clock.NewTimer(s.opts.Retention)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-t.C():
		}
		s.mu.Lock()
		now := s.clock.Now()
		s.marks = append(s.marks, compactionMark{at: now, rev: s.cur.Load().rev})
		target := int64(0)
		keep := s.marks[:0]
		for _, m := range s.marks {
			if now.Sub(m.at) >= s.opts.Retention {
				target = m.rev
				continue
			}
			keep = append(keep, m)
		}
		s.marks = keep
		if target > 0 {
			s.compactLocked(target)
		}
		s.mu.Unlock()
	}
}
