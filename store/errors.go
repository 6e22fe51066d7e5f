package store

import (
	"errors"
	"fmt"
)

// Sentinel errors of the store; match them with errors.Is.
var (
	// ErrCompacted is returned for reads and replays at a revision below the compaction floor.
	ErrCompacted = errors.New("store: revision compacted")
	// ErrFutureRevision is returned for reads at a revision newer than the current one.
	ErrFutureRevision = errors.New("store: revision is in the future")
	// ErrKeyExists is returned by Create when the key holds a live value.
	ErrKeyExists = errors.New("store: key exists")
	// ErrKeyNotFound is returned by Update and Delete when the key holds no live value.
	ErrKeyNotFound = errors.New("store: key not found")
	// ErrConflict is returned by conditional writes whose expected revision does not match.
	ErrConflict = errors.New("store: revision conflict")
	// ErrClosed is returned by writes after Close.
	ErrClosed = errors.New("store: closed")
)

// RevisionError describes a read or replay at a revision the store cannot serve. It wraps ErrCompacted or
// ErrFutureRevision.
type RevisionError struct {
	Err       error // ErrCompacted or ErrFutureRevision
	Requested int64 // the revision asked for
	Floor     int64 // the compaction floor when the error was made: the oldest readable revision
	Current   int64 // the current revision when the error was made
}

func (e *RevisionError) Error() string {
	return fmt.Sprintf("%v: requested %d, compacted %d, current %d", e.Err, e.Requested, e.Floor, e.Current)
}

// Unwrap returns ErrCompacted or ErrFutureRevision.
func (e *RevisionError) Unwrap() error { return e.Err }

// ConditionError describes a failed conditional write. It wraps ErrConflict.
type ConditionError struct {
	Key      string
	Expected int64 // the revision the caller expected
	Actual   int64 // the key's ModRevision
}

func (e *ConditionError) Error() string {
	return fmt.Sprintf("%v: key %q expected revision %d, has %d", ErrConflict, e.Key, e.Expected, e.Actual)
}

// Unwrap returns ErrConflict.
func (e *ConditionError) Unwrap() error { return ErrConflict }
