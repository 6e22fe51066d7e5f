package store

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/btree"

	"github.com/kubemem/kubemem/clock"
)

// DefaultRetention is how long history is kept when Options.Retention is zero: five minutes, kube-apiserver's
// default etcd compaction interval.
const DefaultRetention = 5 * time.Minute

// maxRecentKeys is how many creates may be published without publishing a clone of the key tree.
const maxRecentKeys = 32

// btreeDegree is the degree of the key B-tree. A small degree keeps copy-on-write path copies cheap.
const btreeDegree = 8

// Options configures a Store. The zero value works: values are stored as given, there is no secondary index, and
// history older than DefaultRetention is compacted automatically on the wall clock.
type Options[V any] struct {
	// Stamp, if set, is called under the write lock with each value a write commits and the revision it gets
	// (including, for a delete, the last value and the deletion revision); what it returns is stored and handed
	// out. It must be fast and must not call the store.
	Stamp func(v V, rev int64) V
	// Index, if set, returns the secondary-index terms of a value (for example "app=web" for each label). Range
	// with RangeOptions.Term scans only keys that have the term.
	Index func(v V) []string
	// Retention is how long a revision stays readable after a newer one replaced it as current: automatic
	// compaction runs every Retention and compacts to the revision that was current one Retention earlier. Zero
	// means DefaultRetention; a negative value turns automatic compaction off (Compact still works).
	Retention time.Duration
	// Clock drives automatic compaction. Nil means the wall clock.
	Clock clock.Clock
	// Logger receives compaction reports at debug level. Nil means no logging.
	Logger *slog.Logger
}

// KeyValue is a value with its key and revisions.
type KeyValue[V any] struct {
	Key            string
	Value          V
	CreateRevision int64 // the revision that created the key's current generation
	ModRevision    int64 // the revision that wrote this value
}

// state is what readers load: an immutable view of the whole store at one revision.
type state[V any] struct {
	rev  int64
	tree *btree.BTreeG[treeItem[V]]
	// recent holds the keys created since tree was cloned from the writer's working tree, in creation order; they
	// are not in tree. Publishing a clone per create would copy a path of nodes each time, so clones are published
	// every maxRecentKeys creates (and on any other change of the tree).
	recent []treeItem[V]
	index  *indexLayers
	log    *eventLog[V]
	owner  *owner // the owner of keyIndexes this store may change in place
}

// Store is an MVCC keyspace. All methods are safe for concurrent use; reads never wait for writers.
type Store[V any] struct {
	opts  Options[V]
	clock clock.Clock

	// floor is the compaction floor: the oldest revision that can be read. It is raised before compaction
	// changes anything, and readers check it after reading.
	floor atomic.Int64
	// lowHold is the lowest revision a HistoryHold keeps (max int64 when none): replays from it or later stay
	// possible below the floor. Written under mu.
	lowHold atomic.Int64
	// cur is the published state.
	cur atomic.Pointer[state[V]]

	// mu serializes writers and guards everything below it. Lock order: mu, then waitMu.
	mu   sync.Mutex
	tree *btree.BTreeG[treeItem[V]] // the writer's working tree; cloned to publish
	// recentBuf backs the published states' recent slices: appended to (never overwritten) up to maxRecentKeys, then
	// replaced by a new array when a clone is published.
	recentBuf []treeItem[V]
	closed    bool
	marks     []compactionMark // revisions seen by the compaction loop, oldest first
	holds     map[int64]int    // revisions held by HistoryHolds, with counts: the log keeps the changes after each
	// fullCompact makes the next compaction visit every key and rebuild the index: set by Fork, whose inherited
	// history is not in this store's log and whose index layers are shared.
	fullCompact bool

	// waitMu guards waitCh.
	waitMu sync.Mutex
	waitCh chan struct{} // closed and cleared when a revision is published; nil when nobody waits
	// waiting is set (under waitMu) before a waiter checks the revision, and cleared with waitCh: a writer that
	// publishes and then sees it false knows no waiter can miss the new revision, and skips waitMu.
	waiting atomic.Bool

	stop chan struct{}  // closed by Close
	wg   sync.WaitGroup // the compaction goroutine
}

// compactionMark remembers the revision that was current at a time, for automatic compaction.
type compactionMark struct {
	at  time.Time
	rev int64
}

// New returns an empty store at revision 1 (the first write commits revision 2, as in etcd). Unless automatic
// compaction is off, it starts a goroutine that Close stops.
func New[V any](opts Options[V]) *Store[V] {
	s := newStore(opts)
	st := &state[V]{
		rev:   1,
		log:   &eventLog[V]{},
		owner: new(owner),
	}
	s.tree = btree.NewG(btreeDegree, lessTreeItem[V])
	st.tree, st.index = s.tree.Clone(), &indexLayers{active: newSkiplist()}
	s.cur.Store(st)
	s.floor.Store(1)
	s.start()
	return s
}

func newStore[V any](opts Options[V]) *Store[V] {
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	s := &Store[V]{opts: opts, clock: opts.Clock, stop: make(chan struct{})}
	s.lowHold.Store(1<<63 - 1)
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	return s
}

func (s *Store[V]) start() {
	if s.opts.Retention > 0 {
		s.wg.Add(1)
		go s.compactLoop()
	}
}

// Close stops automatic compaction, wakes every waiter, and makes further writes fail with ErrClosed. Reads keep
// working. Close is idempotent.
func (s *Store[V]) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stop)
	s.mu.Unlock()
	s.wg.Wait()
	s.notify()
	return nil
}

// Revision returns the current revision: the revision of the latest committed write.
func (s *Store[V]) Revision() int64 { return s.cur.Load().rev }

// CompactedRevision returns the compaction floor: the oldest revision that can still be read or replayed from.
func (s *Store[V]) CompactedRevision() int64 { return s.floor.Load() }

// Wait returns a channel that is closed once a revision newer than rev is committed, or the store is closed.
func (s *Store[V]) Wait(rev int64) <-chan struct{} {
	s.waitMu.Lock()
	defer s.waitMu.Unlock()
	s.waiting.Store(true)
	if s.cur.Load().rev > rev || s.isClosed() {
		return closedChan
	}
	if s.waitCh == nil {
		s.waitCh = make(chan struct{})
	}
	return s.waitCh
}

func (s *Store[V]) isClosed() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// notify wakes everyone waiting in Wait. It is called after a state is published.
func (s *Store[V]) notify() {
	if !s.waiting.Load() {
		return
	}
	s.waitMu.Lock()
	ch := s.waitCh
	s.waitCh = nil
	s.waiting.Store(false)
	s.waitMu.Unlock()
	if ch != nil {
		close(ch)
	}
}
