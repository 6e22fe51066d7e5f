package jsonpath

import (
	"fmt"
	"strings"
)

// node is one element of a parsed template. The top level of a template is a sequence of *textNode (text outside
// braces) and *listNode (one action each); an action's list holds the other kinds. Nodes are never modified after
// parsing.
type node interface {
	// String renders the node for tests and debugging, e.g. `field(name)`.
	String() string
}

// listNode is a sequence of steps applied one after another: an action, a union member, a filter operand.
type listNode struct{ nodes []node }

// textNode is literal text: outside braces, or a quoted string inside an action. It evaluates to itself whatever
// its input.
type textNode struct{ text string }

// fieldNode selects the value of a map key.
type fieldNode struct{ name string }

// identifierNode is a bare word: "range" and "end" are the only valid ones; others fail at evaluation.
type identifierNode struct{ name string }

// arrayNode selects elements of a list by index or slice: [start:end:step].
type arrayNode struct{ params [3]sliceParam }

// sliceParam is one of start, end, step.
type sliceParam struct {
	value int
	known bool // written in the template (or derived: the end of a plain index)
	// derived marks the end of a plain index [i], which is i+1; for [-1] that is 0, meaning the list's length.
	derived bool
}

// filterNode keeps the list elements for which left op right holds, or, with op "exists", those for which left
// has a result.
type filterNode struct {
	left, right *listNode
	op          string
}

type intNode struct{ value int }
type floatNode struct{ value float64 }
type boolNode struct{ value bool }

// wildcardNode selects every element of a list or value of a map.
type wildcardNode struct{}

// recursiveNode selects every container at or below its input, in pre-order.
type recursiveNode struct{}

// unionNode concatenates the results of its members, each applied to the same input.
type unionNode struct{ members []*listNode }

func (n *listNode) String() string {
	parts := make([]string, len(n.nodes))
	for i, c := range n.nodes {
		parts[i] = c.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}
func (n *textNode) String() string       { return fmt.Sprintf("text(%q)", n.text) }
func (n *fieldNode) String() string      { return fmt.Sprintf("field(%s)", n.name) }
func (n *identifierNode) String() string { return fmt.Sprintf("ident(%s)", n.name) }
func (n *arrayNode) String() string {
	parts := make([]string, 3)
	for i, p := range n.params {
		switch {
		case p.derived:
			parts[i] = fmt.Sprintf("%d*", p.value)
		case p.known:
			parts[i] = fmt.Sprint(p.value)
		}
	}
	return "array(" + strings.Join(parts, ":") + ")"
}
func (n *filterNode) String() string {
	return fmt.Sprintf("filter(%s %s %s)", n.left, n.op, n.right)
}
func (n *intNode) String() string     { return fmt.Sprintf("int(%d)", n.value) }
func (n *floatNode) String() string   { return fmt.Sprintf("float(%v)", n.value) }
func (n *boolNode) String() string    { return fmt.Sprintf("bool(%v)", n.value) }
func (*wildcardNode) String() string  { return "wildcard" }
func (*recursiveNode) String() string { return "recursive" }
func (n *unionNode) String() string {
	parts := make([]string, len(n.members))
	for i, m := range n.members {
		parts[i] = m.String()
	}
	return "union(" + strings.Join(parts, ", ") + ")"
}
