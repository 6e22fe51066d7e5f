// Package store is kubemem's MVCC keyspace: immutable values under string keys on a copy-on-write B-tree
// (github.com/google/btree), with one global revision counter like etcd's.
//
// Every write (create, update, delete) commits exactly one new revision. The history of every key is kept until
// it is compacted, so reads can be served at the current revision or at any retained one, and the changes after any
// retained revision can be replayed in order (the source a watch broadcaster consumes).
//
// # Model
//
// A key's history is a chain of versions, newest first. For a key written at revisions 3 (create), 7 (update),
// 9 (delete) and 12 (create again):
//
//	head → {rev 12, put} → {rev 9, tombstone} → {rev 7, put} → {rev 3, put}
//
// A read at revision R walks the chain to the first version with rev ≤ R: at R=8 it sees the rev 7 value, at
// R=10 nothing (the tombstone), at R=2 nothing. Compacting at revision F keeps, for each key, the versions newer
// than F plus the one visible at F (dropped if it is a tombstone); reads and replays below F then fail with
// ErrCompacted. Compacting the chain above at F=10 leaves {rev 12} alone, and at F=8 leaves {12, 9, 7}.
//
// # Concurrency
//
// Writers serialize on one mutex; readers never take it. Readers load an immutable published state (the revision,
// the tree root, the index root and the log) with one atomic load, and version chains are immutable linked lists
// whose heads are swapped atomically, so a reader at revision R sees exactly the state at R however many writes
// land meanwhile. Snapshot and Fork are O(1): a Snapshot is a published state; a Fork clones the B-trees lazily and
// gives the two stores separate ownership, so each copies what it changes on first write.
package store
