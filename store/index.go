package store

import (
	"strings"
	"sync/atomic"
)

// The secondary index maps (term, key) pairs, ordered by term then key. It is a superset: an entry is added when a
// value with the term is written and removed only by compaction, once no retained version of the key has the term.
// Readers therefore re-check each candidate at their revision, and may see entries added after it.
//
// It is kept in skiplists that one writer (holding Store.mu) changes while readers traverse them without locks:
// links are atomic pointers, a new node is fully built before it is linked, and an unlinked node keeps its links so
// a reader standing on it carries on. A reader loads each link once and goes on from the node it compared: loaded
// again, the link may lead to a node linked in between. A Fork freezes the current skiplist as a read-only layer
// shared by both stores, and each continues in a new active layer; a query merges the layers in order.

// indexMaxLevel is the height limit of index skiplists (enough for about 4^16 entries).
const indexMaxLevel = 16

// indexNode is one (term, key) entry.
type indexNode struct {
	term, key string
	next      []atomic.Pointer[indexNode]
}

// less orders nodes by term, then key.
func (n *indexNode) less(term, key string) bool {
	if n.term != term {
		return n.term < term
	}
	return n.key < key
}

// skiplist is an ordered set of index entries with one writer and lock-free readers.
type skiplist struct {
	head  indexNode
	level int    // current height; writer-owned
	seed  uint64 // level generator state; writer-owned
	count int    // entries; writer-owned
}

func newSkiplist() *skiplist {
	l := &skiplist{level: 1, seed: 0x9e3779b97f4a7c15}
	l.head.next = make([]atomic.Pointer[indexNode], indexMaxLevel)
	return l
}

// randomLevel returns a level with P(level > k) = 4^-k.
func (l *skiplist) randomLevel() int {
	l.seed ^= l.seed << 13
	l.seed ^= l.seed >> 7
	l.seed ^= l.seed << 17
	lvl := 1
	for r := l.seed; lvl < indexMaxLevel && r&3 == 0; r >>= 2 {
		lvl++
	}
	return lvl
}

// findPreds fills preds with the last node before (term, key) on each level and returns the node at or after it.
// Writer only.
func (l *skiplist) findPreds(term, key string, preds *[indexMaxLevel]*indexNode) *indexNode {
	x := &l.head
	var nx *indexNode
	for i := l.level - 1; i >= 0; i-- {
		for {
			nx = x.next[i].Load()
			if nx == nil || !nx.less(term, key) {
				break
			}
			x = nx
		}
		preds[i] = x
	}
	return nx
}

// insert adds (term, key); it reports false when the entry exists. Writer only.
func (l *skiplist) insert(term, key string) bool {
	var preds [indexMaxLevel]*indexNode
	if n := l.findPreds(term, key, &preds); n != nil && n.term == term && n.key == key {
		return false
	}
	lvl := l.randomLevel()
	for i := l.level; i < lvl; i++ {
		preds[i] = &l.head
	}
	if lvl > l.level {
		l.level = lvl
	}
	n := &indexNode{term: term, key: key, next: make([]atomic.Pointer[indexNode], lvl)}
	for i := 0; i < lvl; i++ {
		n.next[i].Store(preds[i].next[i].Load())
	}
	for i := 0; i < lvl; i++ {
		preds[i].next[i].Store(n) // publish bottom-up: a reader on level 0 sees a complete node
	}
	l.count++
	return true
}

// remove deletes (term, key) if present. Writer only.
func (l *skiplist) remove(term, key string) bool {
	var preds [indexMaxLevel]*indexNode
	n := l.findPreds(term, key, &preds)
	if n == nil || n.term != term || n.key != key {
		return false
	}
	for i := len(n.next) - 1; i >= 0; i-- {
		if preds[i].next[i].Load() == n {
			preds[i].next[i].Store(n.next[i].Load())
		}
	}
	l.count--
	return true
}

// seek returns the first entry at or after (term, key). Safe for concurrent readers.
//
// It returns the very link it compared, not a fresh load of x.next[0]: the writer may link a node between x and the
// target at any moment, and that node sorts before (term, key). Returned, it would end a term scan at once (another
// term) or start it before its start key (the same term).
func (l *skiplist) seek(term, key string) *indexNode {
	x := &l.head
	var nx *indexNode
	for i := indexMaxLevel - 1; i >= 0; i-- {
		for {
			nx = x.next[i].Load()
			if nx == nil || !nx.less(term, key) {
				break
			}
			x = nx
		}
	}
	return nx // x's successor on level 0 as loaded and compared: nil or at or after (term, key)
}

// indexLayers is the index as a reader sees it: read-only layers frozen by forks, then the active layer. The struct
// is immutable; the active skiplist is changed in place by its store's writer.
type indexLayers struct {
	frozen []*skiplist
	active *skiplist
}

// fork returns the layers each of two stores continues with after a Fork: the current layers all frozen, and a new
// active layer.
func (x *indexLayers) fork() *indexLayers {
	frozen := make([]*skiplist, 0, len(x.frozen)+1)
	frozen = append(frozen, x.frozen...)
	if x.active.count > 0 {
		frozen = append(frozen, x.active)
	}
	return &indexLayers{frozen: frozen, active: newSkiplist()}
}

// has reports whether any layer holds (term, key).
func (x *indexLayers) has(term, key string) bool {
	if n := x.active.seek(term, key); n != nil && n.term == term && n.key == key {
		return true
	}
	for _, l := range x.frozen {
		if n := l.seek(term, key); n != nil && n.term == term && n.key == key {
			return true
		}
	}
	return false
}

// ascend calls fn, in key order and without duplicates, with each key under prefix from start on that some layer
// lists under term, until fn returns false.
func (x *indexLayers) ascend(term, prefix, start string, fn func(key string) bool) {
	if len(x.frozen) == 0 {
		for n := x.active.seek(term, start); n != nil && n.term == term && strings.HasPrefix(n.key, prefix); n = n.next[0].Load() {
			if !fn(n.key) {
				return
			}
		}
		return
	}
	cursors := make([]*indexNode, 0, len(x.frozen)+1)
	for _, l := range append([]*skiplist{x.active}, x.frozen...) {
		cursors = append(cursors, l.seek(term, start))
	}
	valid := func(n *indexNode) bool { return n != nil && n.term == term && strings.HasPrefix(n.key, prefix) }
	for {
		min := ""
		found := false
		for _, c := range cursors {
			if valid(c) && (!found || c.key < min) {
				min, found = c.key, true
			}
		}
		if !found {
			return
		}
		for i, c := range cursors {
			if valid(c) && c.key == min {
				cursors[i] = c.next[0].Load()
			}
		}
		if !fn(min) {
			return
		}
	}
}
