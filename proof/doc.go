// Package proof checks kubemem's guarantees under concurrency, faults and bad input the way etcd's robustness tests
// check etcd's (SEMANTICS E-1..E-5): randomized concurrent histories, recorded and checked against a sequential
// model, and every watch stream checked against the committed history.
//
// A run (Run, Config) starts a fresh Server with a fake clock that runs at a second per millisecond (so bookmarks,
// watch timeouts and slow-watcher budgets fire within a short test), then runs at once:
//
//   - traffic clients, each issuing random verbs one at a time on a handful of ConfigMap names, through the Go API
//     (apiserver.ResourceClient) or as plain JSON HTTP requests to Server.Handler: create, get, list (paged or not),
//     update with and without a resourceVersion precondition, merge and strategic merge patch (with and without
//     one), delete with and without one, and lists at an old resourceVersion (Exact);
//   - watchers that follow the namespace as a reflector does (list then watch, or initial events, or replay from a
//     revision; with a label selector or not; always with bookmarks), resuming from the last resourceVersion they
//     saw and relisting after 410;
//   - the faults of Faults: streams closed mid-way, slow consumers with small buffers, short watch timeouts,
//     compaction every few milliseconds to just below the current revision, HTTP clients that give up mid-request
//     (with the server held up before or after the real handler), and the server closed halfway with watches open.
//
// Then it checks:
//
//  1. Linearizability. The history (call and return times, inputs, answers) is checked with porcupine against the
//     sequential model of the verbs in model.go: a global revision that every committed write advances by exactly
//     one, and per name the object's resourceVersion, uid and value. A list without resourceVersion is a read of
//     the current state at one instant; a paged list one of its first page's snapshot. A write whose answer was
//     lost may or may not have taken effect, until its request's handler returned (the fault middleware records
//     that instant). Lists span every name and the revision ties all writes together, so the history is not
//     partitioned. A failing history is written as porcupine's HTML visualisation, a text description and a JSON
//     file that TestReplay checks again.
//  2. The committed history. The historian reads the state at every revision with Exact lists (the store's own MVCC
//     reads, independent of the watch machinery), ahead of compaction; every acknowledged write must be there at the
//     resourceVersion its client was told, every committed revision must be one client's write, refused writes must
//     not be, and the server's final state must be the history's last.
//  3. Watch guarantees, for every stream (checkStream): ordered, unique, reliable (no gap against the committed
//     history of its selection, with X-12's transitions), atomic (each revision's change once and whole), DELETED
//     with the last state, initial events equal to one snapshot and its bookmark, bookmarks of the
//     watched kind that never go back and never come before a matching change at or below them was delivered
//     ERROR last and 410 only below the compaction floor, and a clean end. Resumable: at
//     the end, new watches from delivered resourceVersions must yield exactly the remainder.
//
// TestCheckersCatchCorruption shows each checker failing on a corrupted answer or stream. The library bugs the runs
// found have regression tests in regression_test.go.
//
// `go test` runs each scenario once with a fixed seed, in a few seconds. Environment variables:
//
//	KUBEMEM_PROOF_DURATION=10m   the long run: every scenario, round after round with new seeds, for that long
//	KUBEMEM_PROOF_SCENARIO=name  only the scenarios whose name contains name (long run)
//	KUBEMEM_PROOF_OUT=dir        where failing histories are written (default: a new directory under $TMPDIR)
//	KUBEMEM_PROOF_REPLAY=file    TestReplay checks a saved history (.json) again
package proof
