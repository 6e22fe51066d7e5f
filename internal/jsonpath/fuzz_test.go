package jsonpath

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// fuzzDoc has a bit of everything: nesting, lists of maps, nulls, numbers of both kinds, strings to index.
const fuzzDoc = `{
	"kind": "List",
	"items": [
		{"metadata": {"name": "a", "labels": {"app": "x", "k8s.io/n": "1"}}, "spec": {"replicas": 2, "ratio": 0.5, "on": true},
		 "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False"}]}},
		{"metadata": {"name": "b"}, "spec": {"replicas": null, "list": [[1, 2], [], [null]]}, "status": {}},
		null,
		"str",
		7
	],
	"empty": {}
}`

// FuzzParse parses arbitrary templates and evaluates the ones that parse against a fixed document: nothing may
// panic, errors are of the documented types, and Execute prints what FindResults finds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"{.items[*].metadata.name}",
		"{range .items[*]}{.metadata.name}{\"\\n\"}{end}",
		"{.items[?(@.spec.replicas>1)]}",
		"{..name}",
		"{.items[-1:]}{.items[0]['metadata.name']}",
	} {
		f.Add(s)
	}
	doc := decode(f, fuzzDoc)
	f.Fuzz(func(t *testing.T, template string) {
		if len(template) > 1024 {
			return
		}
		j, err := Parse("fuzz", template)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Msg == "" {
				t.Fatalf("Parse(%q): error %v (%T) is not a *SyntaxError", template, err, err)
			}
			return
		}
		for _, allow := range []bool{false, true} {
			jp := j.AllowMissingKeys(allow)
			results, findErr := jp.FindResults(doc)
			var out bytes.Buffer
			execErr := jp.Execute(&out, doc)
			if (findErr == nil) != (execErr == nil) {
				t.Fatalf("%q: FindResults error %v, Execute error %v", template, findErr, execErr)
			}
			if findErr != nil {
				var nf *NotFoundError
				var ee *EvalError
				if !errors.As(findErr, &nf) && !errors.As(findErr, &ee) && !errors.Is(findErr, ErrTooExpensive) {
					t.Fatalf("%q: error %v (%T) is of no documented type", template, findErr, findErr)
				}
				continue
			}
			if strings.Contains(out.String(), "<no value>") {
				continue // a null ranged over prints so in Execute, and is nil (null) in FindResults
			}
			var printed bytes.Buffer
			for _, rs := range results {
				if err := PrintResults(&printed, rs); err != nil {
					t.Fatalf("%q: PrintResults: %v", template, err)
				}
			}
			if printed.String() != out.String() {
				t.Fatalf("%q: Execute printed %q, FindResults+PrintResults %q", template, out.String(), printed.String())
			}
		}
		_ = j.Execute(&bytes.Buffer{}, nil) // no data: must not panic either
	})
}
