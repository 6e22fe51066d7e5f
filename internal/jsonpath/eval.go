package jsonpath

import (
	"errors"
	"fmt"
	"slices"
)

// maxWork bounds one evaluation: the number of steps taken plus the number of values they produce, over the whole
// template including every pass through a range body.
const maxWork = 1 << 20

// noValue stands for the absence of data where client-go holds an invalid reflect.Value: nil data passed to
// FindResults, or a null element a range iterates over. It behaves as null, except that it prints as
// "<no value>" and that FindResults reports it as nil.
type noValue struct{}

// evaluator is the state of one evaluation. range and end are evaluated as client-go evaluates them: "range" marks
// that the results of the action it is in are to be iterated over, the rest of the template is then evaluated
// once per result, and each such pass stops at the "end" that balances it; evaluation resumes after that "end".
//
// For example, with nodes 0:{range .items[*]} 1:{.name} 2:{","} 3:{end} 4:{.kind}, node 0 yields the items, nodes
// 1..3 are evaluated once per item (stopping at 3, which becomes lastEnd), then evaluation continues at node 4.
type evaluator struct {
	allowMissingKeys bool
	// beginRange counts the "range" words evaluated and not yet acted on; inRange the range bodies being
	// evaluated; endRange the "end" words evaluated and not yet acted on.
	beginRange, inRange, endRange int
	// lastEnd is the index in the top-level nodes of the "end" that last closed a range body, or -1.
	lastEnd int
	work    int
}

// find evaluates the top-level nodes from index from on, with data as the current value.
func (e *evaluator) find(nodes []node, from int, data any) ([][]any, error) {
	if data == nil {
		data = noValue{}
	}
	cur := []any{data}
	full := [][]any{}
	for i := from; i < len(nodes); i++ {
		results, err := e.walk(cur, nodes[i])
		if err != nil {
			return nil, err
		}
		if e.endRange > 0 && e.endRange <= e.inRange {
			// this node closes the range body being evaluated
			e.endRange--
			e.lastEnd = i
			break
		}
		if e.beginRange > 0 {
			e.beginRange--
			e.inRange++
			if len(results) == 0 {
				// the body is still evaluated once, with no data, to find where it ends (and its errors count)
				if _, err := e.find(nodes, i+1, nil); err != nil {
					return nil, err
				}
			}
			for _, v := range results {
				if _, ok := v.(noValue); ok {
					v = nil
				}
				next, err := e.find(nodes, i+1, v)
				if err != nil {
					return nil, err
				}
				full = append(full, next...)
			}
			e.inRange--
			if e.lastEnd > i {
				i = e.lastEnd
			}
			continue
		}
		full = append(full, results)
	}
	return full, nil
}

// walk applies one node to the current values. On error, the values returned are client-go's (they decide whether
// an existence filter keeps an element).
func (e *evaluator) walk(in []any, n node) ([]any, error) {
	out, err := e.step(in, n)
	if e.work += 1 + len(out); e.work > maxWork {
		return nil, ErrTooExpensive
	}
	return out, err
}

func (e *evaluator) step(in []any, n node) ([]any, error) {
	switch n := n.(type) {
	case *listNode:
		return e.evalList(in, n)
	case *textNode:
		return []any{n.text}, nil
	case *fieldNode:
		return e.evalField(in, n)
	case *arrayNode:
		return evalArray(in, n)
	case *filterNode:
		return e.evalFilter(in, n)
	case *intNode:
		return repeat(in, n.value), nil
	case *floatNode:
		return repeat(in, n.value), nil
	case *boolNode:
		return repeat(in, n.value), nil
	case *wildcardNode:
		return evalWildcard(in), nil
	case *recursiveNode:
		return e.evalRecursive(in, []any{})
	case *unionNode:
		return e.evalUnion(in, n)
	case *identifierNode:
		return e.evalIdentifier(in, n)
	}
	panic(fmt.Sprintf("jsonpath: unknown node %T", n)) // the parser builds no other kind
}

// repeat returns v once per input value.
func repeat(in []any, v any) []any {
	out := make([]any, len(in))
	for i := range out {
		out[i] = v
	}
	return out
}

func (e *evaluator) evalList(in []any, n *listNode) ([]any, error) {
	cur := in
	for _, c := range n.nodes {
		var err error
		if cur, err = e.walk(cur, c); err != nil {
			return cur, err
		}
	}
	return cur, nil
}

func (e *evaluator) evalIdentifier(in []any, n *identifierNode) ([]any, error) {
	switch n.name {
	case "range":
		e.beginRange++
		return in, nil
	case "end":
		if e.inRange > 0 {
			e.endRange++
			return []any{}, nil
		}
		return []any{}, evalErrorf("not in range, nothing to end")
	}
	return in, evalErrorf("unrecognized identifier %v", n.name)
}

func isNull(v any) bool {
	if v == nil {
		return true
	}
	_, ok := v.(noValue)
	return ok
}

func (e *evaluator) evalField(in []any, n *fieldNode) ([]any, error) {
	out := []any{}
	if len(in) == 0 {
		return out, nil
	}
	for _, v := range in {
		if m, ok := v.(map[string]any); ok {
			if x, ok := m[n.name]; ok {
				out = append(out, x)
			}
		}
	}
	if len(out) == 0 && !e.allowMissingKeys {
		return out, &NotFoundError{Key: n.name}
	}
	return out, nil
}

func evalArray(in []any, n *arrayNode) ([]any, error) {
	out := []any{}
	for _, v := range in {
		if isNull(v) {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return in, evalErrorf("%T is not array or slice", v)
		}
		length := len(list)
		start, end, step := n.params[0], n.params[1], n.params[2]
		if !start.known {
			start.value = 0
		}
		if start.value < 0 {
			start.value += length
		}
		if !end.known {
			end.value = length
		}
		if end.value < 0 || (end.value == 0 && end.derived) {
			end.value += length
		}
		if end.value == start.value {
			// An empty selection is allowed whatever the bounds; client-go then also skips the remaining inputs.
			return out, nil
		}
		if start.value >= length || start.value < 0 {
			return in, evalErrorf("array index out of bounds: index %d, length %d", start.value, length)
		}
		if end.value > length || end.value < 0 {
			return in, evalErrorf("array index out of bounds: index %d, length %d", end.value-1, length)
		}
		if start.value > end.value {
			return in, evalErrorf("starting index %d is greater than ending index %d", start.value, end.value)
		}
		stride := 1
		if step.known {
			if step.value <= 0 {
				return in, evalErrorf("step must be > 0")
			}
			stride = step.value
		}
		for i := start.value; i < end.value; i += stride {
			out = append(out, list[i])
			if stride > end.value-i { // i += stride would pass end (and could overflow)
				break
			}
		}
	}
	return out, nil
}

func (e *evaluator) evalUnion(in []any, n *unionNode) ([]any, error) {
	out := []any{}
	for _, m := range n.members {
		rs, err := e.evalList(in, m)
		if err != nil {
			return in, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// children returns the elements of a list, the values of a map in key order, or the bytes of a string (as
// client-go's reflection indexes a string); other values have none.
func children(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = v[k]
		}
		return out
	case string:
		out := make([]any, len(v))
		for i := range len(v) {
			out[i] = v[i]
		}
		return out
	}
	return nil
}

func evalWildcard(in []any) []any {
	out := []any{}
	for _, v := range in {
		out = append(out, children(v)...)
	}
	return out
}

// evalRecursive appends to out every value at or below the values in, in pre-order, that has children (leaves are
// left out, as in client-go: {..} on [1,2] is just [1,2]). Every value visited counts as work.
func (e *evaluator) evalRecursive(in []any, out []any) ([]any, error) {
	if e.work += len(in); e.work > maxWork {
		return nil, ErrTooExpensive
	}
	for _, v := range in {
		if s, ok := v.(string); ok {
			if s != "" { // a string's children are its bytes, which have none
				out = append(out, v)
			}
			continue
		}
		if c := children(v); len(c) > 0 {
			out = append(out, v)
			var err error
			if out, err = e.evalRecursive(c, out); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (e *evaluator) evalFilter(in []any, n *filterNode) ([]any, error) {
	out := []any{}
	for _, v := range in {
		list, ok := v.([]any)
		if !ok {
			return in, evalErrorf("%s is not array or slice and cannot be filtered", describe(v))
		}
		for _, el := range list {
			lefts, err := e.evalList([]any{el}, n.left)
			if errors.Is(err, ErrTooExpensive) {
				return nil, err
			}
			if n.op == "exists" {
				if len(lefts) > 0 {
					out = append(out, el)
				}
				continue
			}
			if err != nil {
				return in, err
			}
			if len(lefts) == 0 {
				continue
			}
			if len(lefts) > 1 {
				return in, evalErrorf("can only compare one element at a time")
			}
			rights, err := e.evalList([]any{el}, n.right)
			if err != nil {
				return in, err
			}
			if len(rights) == 0 {
				continue
			}
			if len(rights) > 1 {
				return in, evalErrorf("can only compare one element at a time")
			}
			pass, err := compare(n.op, lefts[0], rights[0])
			if err != nil {
				return out, err
			}
			if pass {
				out = append(out, el)
			}
		}
	}
	return out, nil
}

// describe formats v as client-go's %v of a reflect.Value does.
func describe(v any) string {
	if _, ok := v.(noValue); ok {
		return "<invalid reflect.Value>"
	}
	return fmt.Sprint(v)
}
