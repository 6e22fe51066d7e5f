package store

// HistoryHold keeps the changes after a revision replayable through ChangesAfter, whatever compaction does: the
// log is trimmed only below the lowest hold. A watch broadcaster holds the position it dispatches from, and each
// new watch holds its start until the broadcaster takes over, so compaction never ends an established watch.
// Methods are safe for concurrent use.
type HistoryHold[V any] struct {
	s   *Store[V]
	rev int64 // guarded by s.mu; -1 once released
}

// HoldHistory holds the changes after revision after. It fails with ErrCompacted when after is below the
// compaction floor, as a read at that revision would.
func (s *Store[V]) HoldHistory(after int64) (*HistoryHold[V], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.floor.Load(); after < f {
		return nil, &RevisionError{Err: ErrCompacted, Requested: after, Floor: f, Current: s.cur.Load().rev}
	}
	if s.holds == nil {
		s.holds = map[int64]int{}
	}
	s.holds[after]++
	s.lowHold.Store(s.lowestHoldLocked())
	return &HistoryHold[V]{s: s, rev: after}, nil
}

// Move moves the hold forward to after (a hold never moves back; a smaller value is ignored).
func (h *HistoryHold[V]) Move(after int64) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if h.rev < 0 || after <= h.rev {
		return
	}
	s.unholdLocked(h.rev)
	h.rev = after
	s.holds[after]++
	s.lowHold.Store(s.lowestHoldLocked())
}

// Release ends the hold. It is idempotent.
func (h *HistoryHold[V]) Release() {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if h.rev < 0 {
		return
	}
	s.unholdLocked(h.rev)
	h.rev = -1
	s.lowHold.Store(s.lowestHoldLocked())
}

func (s *Store[V]) unholdLocked(rev int64) {
	if s.holds[rev]--; s.holds[rev] <= 0 {
		delete(s.holds, rev)
	}
}

// lowestHoldLocked returns the lowest held revision, or max int64 when nothing is held. s.mu must be held.
func (s *Store[V]) lowestHoldLocked() int64 {
	low := int64(1<<63 - 1)
	for rev := range s.holds {
		low = min(low, rev)
	}
	return low
}
