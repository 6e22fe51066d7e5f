package jsonpath

import (
	"bytes"
	"io"
)

// JSONPath is a parsed template. It is immutable: AllowMissingKeys returns a new value, and evaluating never
// modifies it, so one *JSONPath may be used by any number of goroutines at once.
type JSONPath struct {
	name             string
	nodes            []node // *textNode and *listNode, in template order
	allowMissingKeys bool
}

// Parse parses template, named name (the name is only carried, in SyntaxError, for the caller's messages). The
// error is a *SyntaxError with client-go's message.
//
// As in client-go, some mistakes are only reported when the template is evaluated: an unknown word ("{hello}":
// unrecognized identifier hello), an unknown filter operator, an "end" without "range".
func Parse(name, template string) (*JSONPath, error) {
	nodes, err := parseTemplate(name, template)
	if err != nil {
		return nil, err
	}
	return &JSONPath{name: name, nodes: nodes}, nil
}

// Name returns the name given to Parse.
func (j *JSONPath) Name() string { return j.name }

// AllowMissingKeys returns a copy of j that, when allow is true, treats a field the data does not have as having no
// results instead of failing with a *NotFoundError ("x is not found"). j itself is not modified: use the result.
func (j *JSONPath) AllowMissingKeys(allow bool) *JSONPath {
	c := *j
	c.allowMissingKeys = allow
	return &c
}

// FindResults evaluates the template against data and returns the results of each top-level node in order: one
// []any per text and per action, where a range contributes the results of its body once per element it ranges over
// (so the list is longer than the template). Text yields itself. The values alias data; do not modify them.
//
// data is decoded JSON (see the package documentation). The error is a *NotFoundError, an *EvalError or
// ErrTooExpensive.
func (j *JSONPath) FindResults(data any) ([][]any, error) {
	results, err := j.find(data)
	if err != nil {
		return nil, err
	}
	for _, rs := range results {
		for i, v := range rs {
			if _, ok := v.(noValue); ok {
				rs[i] = nil
			}
		}
	}
	return results, nil
}

// Execute evaluates the template against data and writes the results as kubectl prints them: text as is, and the
// results of each action separated by single spaces, strings bare, numbers and booleans as Go prints them (a
// float64 1e6 prints as 1e+06), maps and lists as compact JSON, null as null. Nothing is written when evaluation
// fails.
func (j *JSONPath) Execute(w io.Writer, data any) error {
	results, err := j.find(data)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	for _, rs := range results {
		if err := printResults(&b, rs); err != nil {
			return err
		}
	}
	_, err = w.Write(b.Bytes())
	return err
}

// PrintResults writes results, as FindResults returns them for one node, the way Execute prints them: separated
// by single spaces, strings bare, maps and lists as JSON, nil as null.
func PrintResults(w io.Writer, results []any) error {
	var b bytes.Buffer
	if err := printResults(&b, results); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func (j *JSONPath) find(data any) ([][]any, error) {
	e := &evaluator{allowMissingKeys: j.allowMissingKeys, lastEnd: -1}
	return e.find(j.nodes, 0, data)
}
