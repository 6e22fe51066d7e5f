package store

import "sync/atomic"

// version is one entry of a key's history. Versions are immutable once linked into a chain.
type version[V any] struct {
	rev     int64 // the revision that wrote this version (ModRevision)
	create  int64 // CreateRevision of the generation this version belongs to
	value   V     // the value; for a tombstone, the zero value
	deleted bool  // whether this version is a tombstone
	prev    *version[V]
}

// keyIndex is a key's entry in the B-tree: its history as a chain of versions, newest first.
//
// head is swapped atomically by the owning store's writer (under Store.mu) and loaded by readers without locks. A
// keyIndex whose owner is not the current store's owner is shared with a fork and must be cloned before its head
// is changed.
type keyIndex[V any] struct {
	key   string
	owner *owner
	head  atomic.Pointer[version[V]]
}

// owner identifies which store may change a keyIndex in place. A Fork gives both stores new owners.
type owner struct{ _ byte }

// at returns the version visible at revision rev: the newest with v.rev <= rev, or nil.
func (ki *keyIndex[V]) at(rev int64) *version[V] {
	v := ki.head.Load()
	for v != nil && v.rev > rev {
		v = v.prev
	}
	return v
}

// treeItem is an element of the key B-tree. It is a value, not a pointer, so that lookups build their probe on the
// stack.
type treeItem[V any] struct {
	key string
	ki  *keyIndex[V]
}

func lessTreeItem[V any](a, b treeItem[V]) bool { return a.key < b.key }
