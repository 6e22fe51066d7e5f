package store

// EventType tells what a committed change did to its key.
type EventType uint8

// The kinds of change.
const (
	EventCreate EventType = iota + 1 // the key had no live value before
	EventUpdate                      // the key's live value was replaced
	EventDelete                      // the key's live value was removed
)

// Event is one committed change. Exactly one Event exists per revision.
type Event[V any] struct {
	Revision int64
	Type     EventType
	Key      string
	// Value is the new value; for EventDelete it is the last value, stamped with the deletion revision.
	Value V
	// Prev is the value before the change; the zero value for EventCreate.
	Prev V
}

// chunkSize is how many events one log chunk holds.
const chunkSize = 512

// chunk holds the events of chunkSize consecutive revisions starting at base. Slots are written once, by the
// writer, before the state that makes them visible is published.
type chunk[V any] struct {
	base   int64
	events [chunkSize]Event[V]
}

// eventLog is an immutable view of the retained changes: chunks in revision order. Appending within the last chunk
// does not change the view (readers only read revisions they know are committed); starting a chunk or dropping
// compacted chunks makes a new view.
type eventLog[V any] struct {
	chunks []*chunk[V]
}

// event returns the event of revision rev, which must be retained in this view.
func (l *eventLog[V]) event(rev int64) *Event[V] {
	first := l.chunks[0].base
	// Chunks are contiguous except after a fork, where the new store's first chunk starts at the fork revision + 1;
	// both cases index directly.
	i := int((rev - first) / chunkSize)
	c := l.chunks[i]
	return &c.events[rev-c.base]
}

// oldest returns the first revision held by the view, or 0 when it is empty.
func (l *eventLog[V]) oldest() int64 {
	if len(l.chunks) == 0 {
		return 0
	}
	return l.chunks[0].base
}

// ChangesAfter calls fn with each committed event whose revision is in (after, through], in revision order, until fn
// returns false. through beyond the current revision is clamped to it. The changes after any revision at or above the
// compaction floor are retained, and so are those after a revision a HistoryHold keeps; for others it fails with a
// *RevisionError wrapping ErrCompacted. fn must not modify the event.
func (s *Store[V]) ChangesAfter(after, through int64, fn func(ev *Event[V]) bool) error {
	st := s.cur.Load()
	if through > st.rev {
		through = st.rev
	}
	if f := s.floor.Load(); after < f && after < s.lowHold.Load() ||
		through > after && (len(st.log.chunks) == 0 || after+1 < st.log.oldest()) {
		return &RevisionError{Err: ErrCompacted, Requested: after, Floor: s.floor.Load(), Current: st.rev}
	}
	for r := after + 1; r <= through; r++ {
		if !fn(st.log.event(r)) {
			break
		}
	}
	// Compaction only drops chunks from newer views and never rewrites a chunk, so st.log stayed valid throughout
	// even if the floor rose meanwhile.
	return nil
}
