package proof

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/kubemem/kubemem/watch"
)

// checkLinearizable checks the history with porcupine against the sequential model. When it is not linearizable
// (or the check times out), it writes porcupine's HTML visualisation to dir and returns its path.
func checkLinearizable(ops []recordedOp, rev0 int64, m modelOptions, timeout time.Duration, dir, name string) (res porcupine.CheckResult, path string, err error) {
	model := newModel(rev0, m)
	res, info := porcupine.CheckOperationsVerbose(model, porcupineOps(ops), timeout)
	if res != porcupine.Ok {
		path, err = saveFailure(ops, rev0, m, model, info, dir, name)
	}
	return res, path, err
}

func dedupe(states []kvState) []kvState {
	var res []kvState
	for _, s := range states {
		if !slices.Contains(res, s) {
			res = append(res, s)
		}
	}
	return res
}

// saveFailure writes porcupine's visualisation of a failing history, a text description and the history itself to
// dir and returns the visualisation's path.
func saveFailure(ops []recordedOp, rev0 int64, m modelOptions, model porcupine.Model, info porcupine.LinearizationInfo, dir, name string) (string, error) {
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "kubemem-proof-"); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".html")
	if err := porcupine.VisualizePath(model, info, path); err != nil {
		return path, err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".txt"), describeFailure(ops, rev0, m, info), 0o644); err != nil {
		return path, err
	}
	data, err := json.Marshal(savedHistory{Rev0: rev0, Foreign: m.foreign, Ops: ops})
	if err != nil {
		return path, err
	}
	return path, os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644)
}

// savedHistory is a failing history as written next to its visualisation, for checking it again offline
// (TestReplay).
type savedHistory struct {
	Rev0    int64
	Foreign []int64
	Ops     []recordedOp
}

// describeFailure writes the history as text next to the visualisation: every operation in call order, then the
// longest prefix porcupine could linearize and the state it reached.
func describeFailure(ops []recordedOp, rev0 int64, m modelOptions, info porcupine.LinearizationInfo) []byte {
	var b strings.Builder
	pops := porcupineOps(ops)
	fmt.Fprintf(&b, "%d operations (call, return in µs since the start; client; backend):\n", len(pops))
	for i, op := range pops {
		r := ops[0]
		for _, o := range ops {
			if o.Call == op.Call && o.Client == op.ClientId {
				r = o
				break
			}
		}
		fmt.Fprintf(&b, "%4d [%9.1f, %9.1f] c%-2d %-4s %s\n", i, float64(op.Call)/1e3, float64(op.Return)/1e3, op.ClientId, r.Backend,
			describeOp(op.Input.(modelInput), op.Output.(modelOutput)))
	}
	for p, lins := range info.PartialLinearizationsOperations() {
		longest := 0
		for i, l := range lins {
			if len(l) > len(lins[longest]) {
				longest = i
			}
		}
		if len(lins) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\npartition %d: longest linearizable prefix (%d operations):\n", p, len(lins[longest]))
		states := []kvState{{Rev: rev0}}
		done := map[[2]int64]bool{}
		for _, op := range lins[longest] {
			fmt.Fprintf(&b, "  [%9.1f, %9.1f] c%-2d %s\n", float64(op.Call)/1e3, float64(op.Return)/1e3, op.ClientId, describeOp(op.Input.(modelInput), op.Output.(modelOutput)))
			var next []kvState
			for _, s := range states {
				next = append(next, m.step(s, op.Input.(modelInput), op.Output.(modelOutput))...)
			}
			states = dedupe(next)
			done[[2]int64{int64(op.ClientId), op.Call}] = true
		}
		fmt.Fprintf(&b, "\nstates after it:\n")
		for _, s := range states {
			fmt.Fprintf(&b, "  %s\n", describeState(s))
		}
		fmt.Fprintf(&b, "\nthe first operations left out, by return:\n")
		var left []porcupine.Operation
		for _, op := range pops {
			if !done[[2]int64{int64(op.ClientId), op.Call}] {
				left = append(left, op)
			}
		}
		slices.SortFunc(left, func(x, y porcupine.Operation) int { return int(x.Return - y.Return) })
		for _, op := range left[:min(len(left), 12)] {
			fmt.Fprintf(&b, "  [%9.1f, %9.1f] c%-2d %s\n", float64(op.Call)/1e3, float64(op.Return)/1e3, op.ClientId, describeOp(op.Input.(modelInput), op.Output.(modelOutput)))
		}
	}
	return []byte(b.String())
}

// checkCommitted cross-checks the clients' answers with the committed history (nothing acknowledged is lost,
// nothing is committed that no client asked for, a write that was refused did not happen):
//   - every write a client was told succeeded is in the history at the resourceVersion it was told;
//   - every committed revision is one client write: created and updated values carry a token unique to the write
//     that sent them, and a deletion is one delete request on that name;
//   - a write answered with NotFound, AlreadyExists or Conflict was not applied;
//   - an error no fault explains is a violation;
//   - Exact lists at old resourceVersions return that revision's state or 410 only below the compaction floor,
//     and continue tokens expire only when their snapshot was compacted (P-5).
func checkCommitted(h *historian, rec *recorder) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	byToken := map[string]int{}
	for i, op := range rec.ops {
		switch op.In.Kind {
		case opCreate, opUpdate:
			byToken[op.In.Value.V] = i
		case opPatch:
			byToken[op.In.Patch.V] = i
		}
		if op.Out.Outcome == outUnknown && !op.Fault {
			fail("client %d (%s): %s failed with an error no fault explains: %s", op.Client, op.Backend, describeOp(op.In, op.Out), op.Err)
		}
	}

	used := map[string]int64{}
	deletedOK := map[int64]bool{}     // deletion revisions claimed by an acknowledged delete
	unknownDeletes := map[int]int{}   // name → deletes with an unknown outcome
	unclaimedDeletes := map[int]int{} // name → deletions no acknowledged delete claims
	for _, op := range rec.ops {
		if op.In.Kind == opDelete && op.Out.Outcome == outUnknown {
			unknownDeletes[op.In.Key]++
		}
	}

	last := h.last()
	for _, op := range rec.ops {
		if op.Out.Outcome != outOK || !op.In.Kind.isWrite() {
			continue
		}
		o := op.Out.Obj
		if op.In.Kind == opDelete {
			if op.Out.HasObj {
				chs := h.changesAfter(o.RV-1, o.RV)
				if len(chs) != 1 || chs[0].Type != watch.Deleted || chs[0].Obj != o {
					fail("client %d (%s): acknowledged %s is not the committed deletion at %d: %v", op.Client, op.Backend, describeOp(op.In, op.Out), o.RV, chs)
					continue
				}
				deletedOK[o.RV] = true
				continue
			}
			// HTTP: the answer has the uid only; the incarnation's deletion must be committed.
			found := false
			for _, ch := range h.changesAfter(h.base, last) {
				if ch.Type == watch.Deleted && ch.Key == o.Key && ch.Obj.UID == o.UID && !deletedOK[ch.Rev] {
					deletedOK[ch.Rev], found = true, true
					break
				}
			}
			if !found {
				fail("client %d (%s): acknowledged %s has no committed deletion", op.Client, op.Backend, describeOp(op.In, op.Out))
			}
			continue
		}
		st, ok := h.stateAt(o.RV)
		if !ok || st.Objs[o.Key] != (objState{Exists: true, RV: o.RV, UID: o.UID, Value: o.Value}) {
			fail("client %d (%s): acknowledged %s is not committed at resourceVersion %d (lost write)", op.Client, op.Backend, describeOp(op.In, op.Out), o.RV)
		}
	}

	for _, ch := range h.changesAfter(h.base, last) {
		switch ch.Type {
		case watch.Added, watch.Modified:
			i, ok := byToken[ch.Obj.V]
			if !ok {
				fail("revision %d: %s %s was written by no client (phantom write)", ch.Rev, ch.Type, ch.Obj)
				continue
			}
			op := rec.ops[i]
			if prev, dup := used[ch.Obj.V]; dup {
				fail("revision %d: %s applied again (first at %d)", ch.Rev, describeOp(op.In, op.Out), prev)
			}
			used[ch.Obj.V] = ch.Rev
			if (ch.Type == watch.Added) != (op.In.Kind == opCreate) {
				fail("revision %d: %s is a %s", ch.Rev, describeOp(op.In, op.Out), ch.Type)
			}
			if op.Out.Outcome != outOK && op.Out.Outcome != outUnknown {
				fail("revision %d: %s was applied, but its client was told %s", ch.Rev, describeOp(op.In, op.Out), op.Out.Outcome)
			}
		case watch.Deleted:
			if !deletedOK[ch.Rev] {
				unclaimedDeletes[ch.Key]++
			}
		}
	}
	for k, n := range unclaimedDeletes {
		if n > unknownDeletes[k] {
			fail("%s was deleted %d times more than its delete requests with an unknown outcome (%d) explain", keyName(k), n, unknownDeletes[k])
		}
	}

	for _, e := range rec.exact {
		if e.Expired {
			if e.RV >= e.Floor {
				fail("a list at resourceVersion %d (Exact) answered 410 while the compaction floor was %d (R-4)", e.RV, e.Floor)
			}
			continue
		}
		st, ok := h.stateAt(e.RV)
		if !ok {
			fail("a list at resourceVersion %d (Exact) is outside the recorded history", e.RV)
			continue
		}
		if e.ListRV != e.RV || !slices.Equal(e.Items, st.items()) {
			fail("a list at resourceVersion %d (Exact) returned %v at %d; the state then was %v (R-4)", e.RV, e.Items, e.ListRV, st.items())
		}
	}
	for _, e := range rec.expired {
		if e.SnapshotRV >= e.Floor {
			fail("a continue token of snapshot %d expired while the compaction floor was %d (P-5)", e.SnapshotRV, e.Floor)
		}
	}
	return problems
}
