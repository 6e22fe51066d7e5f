package proof

import (
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// recordedOp is one operation of the history: what a client asked, what it was answered, and when.
type recordedOp struct {
	Client  int
	Backend string
	In      modelInput
	Out     modelOutput
	// Call and Return are in history time (nanoseconds since the run started). Return is the moment the client
	// had its answer; for an unknown outcome, the resolved bound on when the request could have taken effect.
	Call, Return int64
	// ReqIDs are the HTTP requests the operation sent, whose handler ends bound an unknown outcome.
	ReqIDs []string
	// Fault reports that a fault was injected into this operation (a disconnect), or that it overlapped the
	// server's shutdown, which explains an unknown outcome.
	Fault bool
	// Err is the error of an unknown outcome.
	Err string
}

// exactRead is a list at an old resourceVersion (resourceVersionMatch=Exact, R-4): a serializable read, checked
// against the committed history rather than by porcupine.
type exactRead struct {
	RV      int64
	Items   []observed
	ListRV  int64
	Expired bool  // answered 410 Expired
	Floor   int64 // the compaction floor read right after a 410
}

// expiredContinue is a paged list whose continue token expired (P-5): legitimate only if its snapshot was
// compacted.
type expiredContinue struct {
	SnapshotRV int64
	Floor      int64
}

// recorder collects a run's history. Safe for concurrent use.
type recorder struct {
	start time.Time

	// mu guards the slices.
	mu       sync.Mutex
	ops      []recordedOp
	exact    []exactRead
	expired  []expiredContinue
	problems []string // violations found while the run went on
}

func newRecorder() *recorder { return &recorder{start: time.Now()} }

// now is the history clock: monotonic nanoseconds since the run started.
func (r *recorder) now() int64 { return int64(time.Since(r.start)) }

func (r *recorder) add(op recordedOp) {
	r.mu.Lock()
	r.ops = append(r.ops, op)
	r.mu.Unlock()
}

func (r *recorder) addExact(e exactRead) {
	r.mu.Lock()
	r.exact = append(r.exact, e)
	r.mu.Unlock()
}

func (r *recorder) addExpired(e expiredContinue) {
	r.mu.Lock()
	r.expired = append(r.expired, e)
	r.mu.Unlock()
}

func (r *recorder) problem(p string) {
	r.mu.Lock()
	r.problems = append(r.problems, p)
	r.mu.Unlock()
}

// porcupineOps returns the history porcupine checks: every operation except reads that failed (they tell nothing,
// E-3). ClientId is dense from 0, as porcupine's visualization expects.
func porcupineOps(ops []recordedOp) []porcupine.Operation {
	res := make([]porcupine.Operation, 0, len(ops))
	for _, op := range ops {
		if !op.In.Kind.isWrite() && op.Out.Outcome == outUnknown {
			continue
		}
		res = append(res, porcupine.Operation{ClientId: op.Client, Input: op.In, Output: op.Out, Call: op.Call, Return: op.Return})
	}
	return res
}
