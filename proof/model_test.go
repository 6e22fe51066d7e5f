package proof

import (
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"
)

// seqOp is one operation of a sequential history.
type seqOp struct {
	in  modelInput
	out modelOutput
}

func ok(o observed) modelOutput { return modelOutput{Outcome: outOK, Obj: o} }

func obj(key int, rv int64, uid string, v Value) observed {
	return observed{Key: key, RV: rv, UID: uid, Value: v}
}

// TestModelSequential runs sequential histories through the model: each must be accepted or refused as the verbs'
// semantics say (SEMANTICS W-1..W-8, R-1, R-2, S-5).
func TestModelSequential(t *testing.T) {
	a, b := Value{V: "a", Team: "x"}, Value{V: "b"}
	create := func(key int, v Value) modelInput { return modelInput{Kind: opCreate, Key: key, Value: v} }
	get := func(key int) modelInput { return modelInput{Kind: opGet, Key: key} }
	update := func(key int, v Value, ifRV int64) modelInput {
		return modelInput{Kind: opUpdate, Key: key, Value: v, IfRV: ifRV}
	}
	del := func(key int, ifRV int64) modelInput { return modelInput{Kind: opDelete, Key: key, IfRV: ifRV} }
	list := modelInput{Kind: opList}
	fail := func(o outcome) modelOutput { return modelOutput{Outcome: o} }
	unknown := modelOutput{Outcome: outUnknown}

	cases := []struct {
		name  string
		ops   []seqOp
		legal bool
	}{
		{"create then get", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {get(0), ok(obj(0, 11, "u1", a))}}, true},
		{"create skips a revision", []seqOp{{create(0, a), ok(obj(0, 12, "u1", a))}}, false},
		{"create twice", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {create(0, b), fail(outAlreadyExists)}}, true},
		{"second create succeeds", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {create(0, b), ok(obj(0, 12, "u2", b))}}, false},
		{"get of nothing", []seqOp{{get(0), fail(outNotFound)}}, true},
		{"get invents an object", []seqOp{{get(0), ok(obj(0, 10, "u1", a))}}, false},
		{"get sees another uid", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {get(0), ok(obj(0, 11, "u2", a))}}, false},
		{"conditional update", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {update(0, b, 11), ok(obj(0, 12, "u1", b))}}, true},
		{"stale update conflicts", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {update(0, b, 5), fail(outConflict)}}, true},
		{"stale update succeeds", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {update(0, b, 5), ok(obj(0, 12, "u1", b))}}, false},
		{"current update conflicts", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {update(0, b, 11), fail(outConflict)}}, false},
		{"update of nothing", []seqOp{{update(0, b, 11), fail(outNotFound)}}, true},
		{"conditional update of nothing conflicts", []seqOp{{update(0, b, 11), fail(outConflict)}}, false},
		{"no-op update keeps the revision (W-6)", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {update(0, a, 0), ok(obj(0, 11, "u1", a))}, {list, modelOutput{Outcome: outOK, ListRV: 11, Items: []observed{obj(0, 11, "u1", a)}}}}, true},
		{"merge patch keeps w", []seqOp{
			{create(0, Value{V: "a", W: "w"}), ok(obj(0, 11, "u1", Value{V: "a", W: "w"}))},
			{modelInput{Kind: opPatch, Key: 0, Patch: patchSpec{V: "p", Team: fieldPatch{Op: setField, Val: "x"}}}, ok(obj(0, 12, "u1", Value{V: "p", W: "w", Team: "x"}))},
		}, true},
		{"merge patch loses w", []seqOp{
			{create(0, Value{V: "a", W: "w"}), ok(obj(0, 11, "u1", Value{V: "a", W: "w"}))},
			{modelInput{Kind: opPatch, Key: 0, Patch: patchSpec{V: "p"}}, ok(obj(0, 12, "u1", Value{V: "p"}))},
		}, false},
		{"delete returns the last state at the deletion's revision", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {del(0, 0), modelOutput{Outcome: outOK, HasObj: true, Obj: obj(0, 12, "u1", a)}}, {get(0), fail(outNotFound)}}, true},
		{"delete with a stale precondition", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {del(0, 3), fail(outConflict)}, {get(0), ok(obj(0, 11, "u1", a))}}, true},
		{"deleted object still read", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {del(0, 0), modelOutput{Outcome: outOK, Obj: observed{Key: 0, UID: "u1"}}}, {get(0), ok(obj(0, 11, "u1", a))}}, false},
		{"list at the current revision", []seqOp{{create(1, b), ok(obj(1, 11, "u1", b))}, {create(0, a), ok(obj(0, 12, "u2", a))}, {list, modelOutput{Outcome: outOK, ListRV: 12, Items: []observed{obj(0, 12, "u2", a), obj(1, 11, "u1", b)}}}}, true},
		{"list at an old revision", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {list, modelOutput{Outcome: outOK, ListRV: 10}}}, false},
		{"list out of order", []seqOp{{create(1, b), ok(obj(1, 11, "u1", b))}, {create(0, a), ok(obj(0, 12, "u2", a))}, {list, modelOutput{Outcome: outOK, ListRV: 12, Items: []observed{obj(1, 11, "u1", b), obj(0, 12, "u2", a)}}}}, false},
		{"unknown create applied, uid bound by a read", []seqOp{{create(0, a), unknown}, {get(0), ok(obj(0, 11, "u9", a))}, {get(0), ok(obj(0, 11, "u9", a))}}, true},
		{"unknown create not applied", []seqOp{{create(0, a), unknown}, {get(0), fail(outNotFound)}}, true},
		{"bound uid changes", []seqOp{{create(0, a), unknown}, {get(0), ok(obj(0, 11, "u9", a))}, {get(0), ok(obj(0, 11, "u8", a))}}, false},
		{"unknown delete applied", []seqOp{{create(0, a), ok(obj(0, 11, "u1", a))}, {del(0, 0), unknown}, {create(0, b), ok(obj(0, 13, "u2", b))}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			history := make([]porcupine.Operation, len(tc.ops))
			for i, op := range tc.ops {
				history[i] = porcupine.Operation{ClientId: 0, Input: op.in, Output: op.out, Call: int64(2 * i), Return: int64(2*i + 1)}
			}
			require.Equal(t, tc.legal, porcupine.CheckOperations(newModel(10, modelOptions{}), history))
		})
	}
}

// TestModelConcurrent checks that concurrency is what makes a read legal: a get that overlaps an update may see
// either state, one that starts after the update returned must see the new one.
func TestModelConcurrent(t *testing.T) {
	a, b := Value{V: "a"}, Value{V: "b"}
	history := func(getCall, getReturn int64, seen observed) []porcupine.Operation {
		return []porcupine.Operation{
			{ClientId: 0, Input: modelInput{Kind: opCreate, Key: 0, Value: a}, Output: ok(obj(0, 11, "u", a)), Call: 0, Return: 1},
			{ClientId: 0, Input: modelInput{Kind: opUpdate, Key: 0, Value: b, IfRV: 11}, Output: ok(obj(0, 12, "u", b)), Call: 2, Return: 5},
			{ClientId: 1, Input: modelInput{Kind: opGet, Key: 0}, Output: ok(seen), Call: getCall, Return: getReturn},
		}
	}
	m := newModel(10, modelOptions{})
	require.True(t, porcupine.CheckOperations(m, history(3, 4, obj(0, 11, "u", a))), "overlapping read of the old state")
	require.True(t, porcupine.CheckOperations(m, history(3, 4, obj(0, 12, "u", b))), "overlapping read of the new state")
	require.False(t, porcupine.CheckOperations(m, history(6, 7, obj(0, 11, "u", a))), "stale read after the update returned")
}

// TestModelForeignRevisions: revisions written outside the namespace are skipped by client writes, and a list may
// report one of them after the state's revision, but not a revision a client write should have taken.
func TestModelForeignRevisions(t *testing.T) {
	a := Value{V: "a"}
	m := modelOptions{foreign: []int64{11, 12}}
	s := kvState{Rev: 10}
	require.Len(t, m.step(s, modelInput{Kind: opList}, modelOutput{Outcome: outOK, ListRV: 12}), 1, "a list at a foreign revision")
	next := m.step(s, modelInput{Kind: opCreate, Key: 0, Value: a}, ok(obj(0, 13, "u", a)))
	require.Len(t, next, 1, "a create after two foreign revisions")
	require.Empty(t, m.step(s, modelInput{Kind: opCreate, Key: 0, Value: a}, ok(obj(0, 11, "u", a))), "a create at a foreign revision")
	require.Empty(t, m.step(next[0], modelInput{Kind: opList}, modelOutput{Outcome: outOK, ListRV: 14}), "a list past the next client write")
}
