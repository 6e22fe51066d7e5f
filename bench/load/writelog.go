package load

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// writeOp is what an acknowledged write did to its object.
type writeOp uint8

const (
	opCreate writeOp = iota + 1
	opUpdate         // update or patch
	opDelete
)

func (o writeOp) String() string {
	switch o {
	case opCreate:
		return "create"
	case opUpdate:
		return "update"
	case opDelete:
		return "delete"
	}
	return "none"
}

// write is one acknowledged write as its client saw it: the object it changed (and its uid), the revision it
// committed (the resourceVersion of the answer), its shard label afterwards (before, for a delete), when its request
// was sent and when the answer arrived.
type write struct {
	at    atomic.Int64 // answer: nanoseconds since the log's epoch, +1 (never 0); 0 until the write is published
	sent  int64        // nanoseconds since the log's epoch
	key   key
	op    writeOp
	shard int8
	uid   string
}

// ackDelete is an acknowledged delete whose revisions the answer does not tell for sure. resolveDeletes finds them.
//
// A ConfigMap's delete answers a success Status (W-7): the object and its uid, not the revision. A pod's delete
// (grace period 0) commits two revisions, as kube-apiserver does: the pod marked with deletionTimestamp, then its
// removal, answered with the last state at the removal's revision; the mark's revision is not told. When the
// removal does not happen (kubemem gives it up if another write changed the pod after the mark) the answer is the
// marked pod at the mark's revision, which looks the same.
type ackDelete struct {
	key            key
	uid            string
	rev            int64 // a pod's: the answer's resourceVersion; 0 for a ConfigMap
	sent, answered int64 // nanoseconds since the log's epoch
	marked         bool  // a pod's: its mark (or an earlier delete's) is resolved
	resolved       bool  // the removal (or, for a pod left marked, the answer) is resolved
}

// Log chunking: revision r lives in chunk r>>chunkBits at index r&(chunkSize-1).
const (
	chunkBits = 14
	chunkSize = 1 << chunkBits
	maxChunks = maxRevision>>chunkBits + 1
)

type writeChunk [chunkSize]write

// writeLog records every acknowledged write by the revision it committed, so that watch events can be looked up by
// resourceVersion without a lock while clients keep writing. Record and lookup are safe for concurrent use; the
// other methods run once writing has stopped.
//
// A revision is published once: the first Record of a revision claims it (a CAS on its chunk slot's time); a second
// Record of the same revision is a no-op write (an update that changed nothing keeps the stored resourceVersion) or
// a server bug, kept in dups for the check.
type writeLog struct {
	epoch  time.Time
	chunks []atomic.Pointer[writeChunk] // maxChunks entries, allocated as revisions reach them
	maxRev atomic.Int64

	mu      sync.Mutex // guards dups and deletes
	dups    []dupWrite
	deletes []*ackDelete
}

// dupWrite is a Record of an already published revision.
type dupWrite struct {
	rev int64
	key key
	op  writeOp
}

func newWriteLog() *writeLog {
	return &writeLog{epoch: time.Now(), chunks: make([]atomic.Pointer[writeChunk], maxChunks)}
}

// slot returns revision rev's slot, allocating its chunk when alloc is set; nil if the chunk is absent.
func (l *writeLog) slot(rev int64, alloc bool) *write {
	p := &l.chunks[rev>>chunkBits]
	c := p.Load()
	if c == nil {
		if !alloc {
			return nil
		}
		p.CompareAndSwap(nil, new(writeChunk))
		c = p.Load()
	}
	return &c[rev&(chunkSize-1)]
}

// since returns t as nanoseconds since the log's epoch.
func (l *writeLog) since(t time.Time) int64 { return int64(t.Sub(l.epoch)) }

// recordDelete records an acknowledged delete of object uid, key k: rev is the answer's resourceVersion, 0 if it had
// none (a Status).
func (l *writeLog) recordDelete(k key, uid string, rev int64, sent, answered time.Time) {
	d := &ackDelete{key: k, uid: uid, rev: rev, sent: l.since(sent), answered: l.since(answered)}
	l.mu.Lock()
	l.deletes = append(l.deletes, d)
	l.mu.Unlock()
}

// record publishes the write of k (object uid) that committed revision rev, sent at time sent and answered at.
func (l *writeLog) record(rev int64, k key, op writeOp, shard int8, uid string, sent, at time.Time) error {
	if rev <= 0 || rev > maxRevision {
		return fmt.Errorf("resourceVersion %d of %s out of range (1..%d)", rev, k, int64(maxRevision))
	}
	w := l.slot(rev, true)
	// Claim the slot with a placeholder time, fill it, then publish the real time: a reader that sees a time
	// other than 0 or claimed also sees the fields.
	const claimed = -1
	if !w.at.CompareAndSwap(0, claimed) {
		l.mu.Lock()
		l.dups = append(l.dups, dupWrite{rev: rev, key: k, op: op})
		l.mu.Unlock()
		return nil
	}
	w.key, w.op, w.shard, w.uid, w.sent = k, op, shard, uid, l.since(sent)
	w.at.Store(l.since(at) + 1)
	for {
		m := l.maxRev.Load()
		if rev <= m || l.maxRev.CompareAndSwap(m, rev) {
			return nil
		}
	}
}

// times returns when the write that committed rev was sent and answered, in nanoseconds since the log's epoch,
// and whether it has been published. Call it only once writing has stopped.
func (l *writeLog) times(rev int64) (sent, answered int64, ok bool) {
	w, ok := l.get(rev)
	if !ok {
		return 0, 0, false
	}
	return w.sent, w.at.Load() - 1, true
}

// get returns the published write of revision rev. Call it only once writing has stopped.
func (l *writeLog) get(rev int64) (*write, bool) {
	w := l.slot(rev, false)
	if w == nil || w.at.Load() <= 0 {
		return nil, false
	}
	return w, true
}

// timeNs converts nanoseconds to a time.Duration.
func timeNs(ns int64) time.Duration { return time.Duration(ns) }
