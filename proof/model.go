package proof

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
)

// maxKeys bounds the number of object names a run uses, so that a model state is a comparable array.
const maxKeys = 8

// Value is the part of a ConfigMap the traffic writes: data.v (a token unique to the write that set it), data.w and
// the label team. An empty W or Team means the field is absent.
type Value struct {
	V, W, Team string
}

func (v Value) String() string {
	s := "v=" + v.V
	if v.W != "" {
		s += " w=" + v.W
	}
	if v.Team != "" {
		s += " team=" + v.Team
	}
	return s
}

// objState is one object name in the sequential model.
type objState struct {
	Exists bool
	RV     int64
	// UID is "" while unknown: after a create whose answer was lost (SEMANTICS E-3: a failed write may have applied),
	// the first read that returns the object binds it.
	UID string
	Value
}

// kvState is a state of the sequential model of one namespace of ConfigMaps: the revision of the last write (the
// server's resourceVersion, which every committed write advances by exactly one: store package doc, SEMANTICS S-5;
// revisions written by others are known in advance, modelOptions.foreign) and each name's object. It is a
// comparable value, so porcupine can cache states.
type kvState struct {
	Rev  int64
	Objs [maxKeys]objState
}

// opKind is a Kubernetes verb the model knows.
type opKind uint8

const (
	opCreate opKind = iota
	opGet
	opList
	opUpdate
	opPatch
	opDelete
)

var opNames = [...]string{"create", "get", "list", "update", "patch", "delete"}

func (k opKind) String() string { return opNames[k] }

func (k opKind) isWrite() bool { return k != opGet && k != opList }

// fieldPatch is what a merge patch does to one optional field.
type fieldPatch struct {
	Op  patchOp
	Val string
}

type patchOp uint8

const (
	keepField patchOp = iota
	setField
	removeField
)

func (f fieldPatch) apply(cur string) string {
	switch f.Op {
	case setField:
		return f.Val
	case removeField:
		return ""
	}
	return cur
}

func (f fieldPatch) String() string {
	switch f.Op {
	case setField:
		return "=" + f.Val
	case removeField:
		return ":null"
	}
	return ""
}

// patchSpec is a merge patch: it always sets data.v, and sets, removes or keeps data.w and the label team.
type patchSpec struct {
	V    string
	W    fieldPatch
	Team fieldPatch
}

func (p patchSpec) apply(v Value) Value {
	return Value{V: p.V, W: p.W.apply(v.W), Team: p.Team.apply(v.Team)}
}

// modelInput is one operation as a client issued it.
type modelInput struct {
	Kind  opKind
	Key   int       // the object name's index; unused for list
	Value Value     // create and update: the whole new value
	Patch patchSpec // patch
	// IfRV is the resourceVersion precondition of an update, patch or delete; 0 means none (an unconditional
	// update or patch overwrites the latest version, W-4).
	IfRV int64
	// Limit is a list's page size (0: unpaged); it only describes the operation.
	Limit int64
}

// outcome is how an operation ended.
type outcome uint8

const (
	outOK outcome = iota
	outNotFound
	outAlreadyExists
	outConflict
	// outUnknown is a write whose answer was lost (a disconnect, a server shutting down, an unexpected error): it
	// may or may not have been applied (SEMANTICS E-3).
	outUnknown
)

var outcomeNames = [...]string{"ok", "NotFound", "AlreadyExists", "Conflict", "unknown"}

func (o outcome) String() string { return outcomeNames[o] }

// observed is an object as a response carried it.
type observed struct {
	Key int
	RV  int64
	UID string
	Value
}

func (o observed) String() string {
	return fmt.Sprintf("%s@%d{%s uid=%s}", keyName(o.Key), o.RV, o.Value, shortUID(o.UID))
}

// modelOutput is an operation's answer.
type modelOutput struct {
	Outcome outcome
	// Obj is the object a successful write or get returned. For a delete it is the last state with the deletion's
	// resourceVersion, when HasObj (the Go API); the HTTP API answers a ConfigMap delete with a Status that only
	// carries the uid (SEMANTICS W-7), so Obj then has UID only.
	Obj    observed
	HasObj bool
	// ListRV and Items are a list's resourceVersion and items (all pages concatenated).
	ListRV int64
	Items  []observed
}

// modelOptions adapt the model to a run.
type modelOptions struct {
	// foreign are the revisions, in increasing order, that changed nothing in the run's namespace: writes of
	// something other than the run's clients (the server's own controllers, for example). A client write takes the
	// next revision that is not foreign, and a list may report a foreign revision after the state's.
	foreign []int64
}

func (m modelOptions) isForeign(rev int64) bool {
	_, found := slices.BinarySearch(m.foreign, rev)
	return found
}

// nextRev is the revision the next client write after rev commits at.
func (m modelOptions) nextRev(rev int64) int64 {
	rev++
	for m.isForeign(rev) {
		rev++
	}
	return rev
}

// step is the sequential specification of the verbs (SEMANTICS W-1..W-8, R-1, R-2, S-5): given a state, an input and
// the answer a client saw, the states the system may be in afterwards; none when the answer is impossible. It is
// deterministic except for writes whose outcome is unknown, which may or may not have been applied.
func (m modelOptions) step(s kvState, in modelInput, out modelOutput) []kvState {
	switch in.Kind {
	case opGet:
		if out.Outcome == outUnknown { // a failed read tells nothing
			return []kvState{s}
		}
		o := s.Objs[in.Key]
		if !o.Exists {
			return when(out.Outcome == outNotFound, s)
		}
		if out.Outcome != outOK || out.Obj.Key != in.Key || out.Obj.RV != o.RV || out.Obj.Value != o.Value {
			return nil
		}
		return bindUID(s, in.Key, out.Obj.UID)
	case opList:
		if out.Outcome == outUnknown {
			return []kvState{s}
		}
		// A list with resourceVersion unset is a consistent read of the current state (R-2, K-6): at the state's
		// revision, or a foreign revision after it.
		if out.Outcome != outOK || out.ListRV < s.Rev || out.ListRV != s.Rev && m.nextRev(s.Rev) <= out.ListRV {
			return nil
		}
		i := 0
		for k := range s.Objs {
			o := s.Objs[k]
			if !o.Exists {
				continue
			}
			if i >= len(out.Items) {
				return nil
			}
			it := out.Items[i]
			i++
			if it.Key != k || it.RV != o.RV || it.Value != o.Value || (o.UID != "" && o.UID != it.UID) {
				return nil
			}
			s.Objs[k].UID = it.UID
		}
		return when(i == len(out.Items), s)
	}

	next, failure, applies := m.apply(s, in)
	if out.Outcome == outUnknown {
		if applies {
			return []kvState{s, next}
		}
		return []kvState{s}
	}
	if !applies {
		return when(out.Outcome == failure, s)
	}
	if out.Outcome != outOK {
		return nil
	}
	if in.Kind == opDelete {
		last := s.Objs[in.Key]
		if out.Obj.Key != in.Key || (last.UID != "" && out.Obj.UID != last.UID) {
			return nil
		}
		if out.HasObj && (out.Obj.RV != next.Rev || out.Obj.Value != last.Value) {
			return nil
		}
		return []kvState{next}
	}
	o := next.Objs[in.Key]
	if out.Obj.Key != in.Key || out.Obj.RV != o.RV || out.Obj.Value != o.Value {
		return nil
	}
	return bindUID(next, in.Key, out.Obj.UID)
}

// apply applies a write to s. It returns the next state and applies=true, or the error the server must answer with
// and applies=false. A write that changes nothing keeps the revision (W-6).
func (m modelOptions) apply(s kvState, in modelInput) (next kvState, failure outcome, applies bool) {
	o := s.Objs[in.Key]
	switch in.Kind {
	case opCreate:
		if o.Exists {
			return s, outAlreadyExists, false
		}
		s.Rev = m.nextRev(s.Rev)
		s.Objs[in.Key] = objState{Exists: true, RV: s.Rev, Value: in.Value}
		return s, 0, true
	case opUpdate, opPatch:
		if !o.Exists {
			return s, outNotFound, false // configmaps do not create on update (W-5)
		}
		if in.IfRV != 0 && in.IfRV != o.RV {
			return s, outConflict, false
		}
		v := in.Value
		if in.Kind == opPatch {
			v = in.Patch.apply(o.Value)
		}
		if v == o.Value {
			return s, 0, true
		}
		s.Rev = m.nextRev(s.Rev)
		s.Objs[in.Key] = objState{Exists: true, RV: s.Rev, UID: o.UID, Value: v}
		return s, 0, true
	case opDelete:
		if !o.Exists {
			return s, outNotFound, false
		}
		if in.IfRV != 0 && in.IfRV != o.RV {
			return s, outConflict, false
		}
		s.Rev = m.nextRev(s.Rev)
		s.Objs[in.Key] = objState{}
		return s, 0, true
	}
	panic("proof: apply of a read")
}

// bindUID returns s with the uid of key checked against, or bound to, uid.
func bindUID(s kvState, key int, uid string) []kvState {
	switch cur := s.Objs[key].UID; {
	case cur == "":
		s.Objs[key].UID = uid
	case cur != uid:
		return nil
	}
	return []kvState{s}
}

func when(ok bool, s kvState) []kvState {
	if ok {
		return []kvState{s}
	}
	return nil
}

// newModel returns the porcupine model of the verbs, starting from an empty namespace at revision rev0. Lists span
// every name and the global revision ties all writes together, so the history is not partitioned.
func newModel(rev0 int64, m modelOptions) porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{kvState{Rev: rev0}} },
		Step: func(state, input, output any) []any {
			next := m.step(state.(kvState), input.(modelInput), output.(modelOutput))
			res := make([]any, len(next))
			for i := range next {
				res[i] = next[i]
			}
			return res
		},
		Equal:             func(a, b any) bool { return a.(kvState) == b.(kvState) },
		Hash:              func(s any) uint64 { return hashState(s.(kvState)) },
		DescribeOperation: func(input, output any) string { return describeOp(input.(modelInput), output.(modelOutput)) },
		DescribeState:     func(s any) string { return describeState(s.(kvState)) },
	}
	return nm.ToModel()
}

func hashState(s kvState) uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, s.Rev)
	for _, o := range s.Objs {
		if o.Exists {
			fmt.Fprint(h, o.RV, o.UID, o.V, "|", o.W, "|", o.Team)
		}
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func keyName(k int) string { return fmt.Sprintf("k%d", k) }

func shortUID(uid string) string {
	if len(uid) > 8 {
		return uid[:8]
	}
	if uid == "" {
		return "?"
	}
	return uid
}

func describeOp(in modelInput, out modelOutput) string {
	var b strings.Builder
	switch in.Kind {
	case opList:
		fmt.Fprintf(&b, "list(limit=%d)", in.Limit)
	case opGet:
		fmt.Fprintf(&b, "get(%s)", keyName(in.Key))
	case opCreate:
		fmt.Fprintf(&b, "create(%s, %s)", keyName(in.Key), in.Value)
	case opUpdate:
		fmt.Fprintf(&b, "update(%s, %s, ifRV=%d)", keyName(in.Key), in.Value, in.IfRV)
	case opPatch:
		fmt.Fprintf(&b, "patch(%s, v=%s w%s team%s, ifRV=%d)", keyName(in.Key), in.Patch.V, in.Patch.W, in.Patch.Team, in.IfRV)
	case opDelete:
		fmt.Fprintf(&b, "delete(%s, ifRV=%d)", keyName(in.Key), in.IfRV)
	}
	b.WriteString(" → ")
	b.WriteString(out.Outcome.String())
	if out.Outcome == outOK {
		switch {
		case in.Kind == opList:
			fmt.Fprintf(&b, " rv=%d %v", out.ListRV, out.Items)
		case in.Kind == opDelete && !out.HasObj:
			fmt.Fprintf(&b, " uid=%s", shortUID(out.Obj.UID))
		default:
			fmt.Fprintf(&b, " %s", out.Obj)
		}
	}
	return b.String()
}

func describeState(s kvState) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rev %d:", s.Rev)
	for k, o := range s.Objs {
		if o.Exists {
			fmt.Fprintf(&b, " %s", observed{Key: k, RV: o.RV, UID: o.UID, Value: o.Value})
		}
	}
	return b.String()
}
