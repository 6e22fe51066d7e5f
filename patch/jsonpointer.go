package patch

import (
	"fmt"
	"strconv"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// testOperation evaluates a JSON Patch test operation on doc: the value at the RFC 6901 pointer path must equal
// the operation's value.
func testOperation(doc []byte, op jsonpatch.Operation, path string) error {
	root, err := jsontree.Decode(doc)
	if err != nil {
		return &ApplyError{Err: err}
	}
	var want any
	if raw := op["value"]; raw != nil {
		if want, err = jsontree.Decode(*raw); err != nil {
			return &InvalidPatchError{Err: err}
		}
	}
	got, ok := resolvePointer(root, path)
	if !ok {
		return &ApplyError{Err: fmt.Errorf("test operation does not apply: is missing path: %s: %w", path, jsonpatch.ErrMissing)}
	}
	if !jsonEqual(got, want) {
		return &ApplyError{Err: fmt.Errorf("testing value %s failed: %w", path, jsonpatch.ErrTestFailed)}
	}
	return nil
}

// resolvePointer returns the value an RFC 6901 JSON pointer designates in root. Array indices may count from the
// end when negative, as in JSONPatch.
func resolvePointer(root any, pointer string) (any, bool) {
	if pointer == "" {
		return root, true
	}
	if pointer[0] != '/' {
		return nil, false
	}
	cur := root
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil {
				return nil, false
			}
			if i < 0 {
				i += len(v)
			}
			if i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// jsonEqual reports whether two decoded JSON values are equal, numbers compared by value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		}
		return false
	default:
		return a == b
	}
}
