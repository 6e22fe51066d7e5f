package patch

import (
	"errors"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/require"
)

// errKind names the error type a case expects.
type errKind int

const (
	noError errKind = iota
	invalidPatch
	applyFailure
	tooMany
)

func requireErrKind(t *testing.T, want errKind, err error) {
	t.Helper()
	var ie *InvalidPatchError
	var ae *ApplyError
	var te *TooManyOperationsError
	switch want {
	case noError:
		require.NoError(t, err)
	case invalidPatch:
		require.True(t, errors.As(err, &ie), "want *InvalidPatchError, got %T %v", err, err)
	case applyFailure:
		require.True(t, errors.As(err, &ae), "want *ApplyError, got %T %v", err, err)
	case tooMany:
		require.True(t, errors.As(err, &te), "want *TooManyOperationsError, got %T %v", err, err)
	}
}

func TestJSONPatch(t *testing.T) {
	cases := []struct {
		name, doc, patch, want string
		err                    errKind
	}{
		{name: "replace", doc: `{"a":1}`, patch: `[{"op":"replace","path":"/a","value":2}]`, want: `{"a":2}`},
		{name: "add to array end", doc: `{"a":[1]}`, patch: `[{"op":"add","path":"/a/-","value":2}]`, want: `{"a":[1,2]}`},
		{name: "remove", doc: `{"a":1,"b":2}`, patch: `[{"op":"remove","path":"/a"}]`, want: `{"b":2}`},
		{name: "move", doc: `{"a":{"x":1}}`, patch: `[{"op":"move","from":"/a/x","path":"/b"}]`, want: `{"a":{},"b":1}`},
		{name: "copy", doc: `{"a":[1]}`, patch: `[{"op":"copy","from":"/a","path":"/b"}]`, want: `{"a":[1],"b":[1]}`},
		{name: "test then replace", doc: `{"a":1}`, patch: `[{"op":"test","path":"/a","value":1},{"op":"replace","path":"/a","value":3}]`, want: `{"a":3}`},
		{name: "escaped pointer", doc: `{"a/b":{"c~d":1}}`, patch: `[{"op":"replace","path":"/a~1b/c~0d","value":2}]`, want: `{"a/b":{"c~d":2}}`},
		{name: "empty patch", doc: `{"a":1}`, patch: `[]`, want: `{"a":1}`},
		{name: "negative index counts from the end, as kube-apiserver allows", doc: `{"a":[1,2]}`, patch: `[{"op":"remove","path":"/a/-1"}]`, want: `{"a":[1]}`},
		{name: "missing value is null, as kube-apiserver treats it", doc: `{"a":1}`, patch: `[{"op":"add","path":"/b"}]`, want: `{"a":1,"b":null}`},
		{name: "test of a member named empty string", doc: `{"":1,"a":2}`, patch: `[{"op":"test","path":"/","value":1},{"op":"remove","path":"/a"}]`, want: `{"":1}`},
		{name: "failed test of a member named empty string", doc: `{"":1}`, patch: `[{"op":"test","path":"/","value":2}]`, err: applyFailure},
		{name: "failed test is an apply error (V-2)", doc: `{"a":1}`, patch: `[{"op":"test","path":"/a","value":2}]`, err: applyFailure},
		{name: "missing path", doc: `{"a":1}`, patch: `[{"op":"remove","path":"/b"}]`, err: applyFailure},
		{name: "index out of range", doc: `{"a":[1]}`, patch: `[{"op":"add","path":"/a/5","value":1}]`, err: applyFailure},
		{name: "negative index out of range", doc: `{"a":[1,2]}`, patch: `[{"op":"remove","path":"/a/-3"}]`, err: applyFailure},
		{name: "add at the root is refused, as kube-apiserver refuses it", doc: `{"a":1}`, patch: `[{"op":"add","path":"","value":{}}]`, err: applyFailure},
		{name: "unknown operation fails to apply (422 as in kube-apiserver)", doc: `{}`, patch: `[{"op":"frobnicate","path":"/a"}]`, err: applyFailure},
		{name: "missing path member fails to apply", doc: `{}`, patch: `[{"op":"add","value":1}]`, err: applyFailure},
		{name: "malformed patch is invalid (V-2)", doc: `{}`, patch: `{"op":"add"}`, err: invalidPatch},
		{name: "not JSON", doc: `{}`, patch: `[{"op":`, err: invalidPatch},
		{name: "operations must be objects", doc: `{}`, patch: `[1]`, err: invalidPatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := JSONPatch([]byte(tc.doc), []byte(tc.patch))
			requireErrKind(t, tc.err, err)
			if tc.err == noError {
				require.JSONEq(t, tc.want, string(out))
			}
		})
	}
}

func TestJSONPatchTooManyOperations(t *testing.T) {
	ops := func(n int) []byte {
		return []byte("[" + strings.TrimSuffix(strings.Repeat(`{"op":"test","path":"/a","value":1},`, n), ",") + "]")
	}
	_, err := JSONPatch([]byte(`{"a":1}`), ops(MaxJSONPatchOperations))
	require.NoError(t, err, "the limit itself is allowed")
	_, err = JSONPatch([]byte(`{"a":1}`), ops(MaxJSONPatchOperations+1))
	requireErrKind(t, tooMany, err)
	require.ErrorIs(t, err, ErrTooManyOperations)
	require.EqualError(t, err, "The allowed maximum operations in a JSON patch is 10000, got 10001")
}

func TestJSONPatchCopyBlowUpIsRefused(t *testing.T) {
	// Each copy doubles the array: 40 of them would make a 1 KiB document a terabyte.
	doc := `{"a":["` + strings.Repeat("x", 1024) + `"]}`
	p := "[" + strings.TrimSuffix(strings.Repeat(`{"op":"copy","from":"/a","path":"/a/-"},`, 40), ",") + "]"
	_, err := JSONPatch([]byte(doc), []byte(p))
	requireErrKind(t, applyFailure, err)
	var sizeErr *jsonpatch.AccumulatedCopySizeError
	require.True(t, errors.As(err, &sizeErr), "%v", err)
}

func TestMergePatch(t *testing.T) {
	cases := []struct {
		name, doc, patch, want string
		err                    errKind
	}{
		{name: "merge, null deletes, lists replaced", doc: `{"a":{"b":1,"c":2},"d":[1]}`, patch: `{"a":{"b":null},"d":[2]}`, want: `{"a":{"c":2},"d":[2]}`},
		{name: "null for a missing key is dropped", doc: `{"a":1}`, patch: `{"b":{"c":null}}`, want: `{"a":1,"b":{}}`},
		{name: "array patch replaces the document", doc: `{"a":1}`, patch: `[1]`, want: `[1]`},
		{name: "null patch is invalid, as in kube-apiserver", doc: `{"a":1}`, patch: `null`, err: invalidPatch},
		{name: "scalar patch is invalid", doc: `{"a":1}`, patch: `"bar"`, err: invalidPatch},
		{name: "malformed patch is invalid", doc: `{}`, patch: `{`, err: invalidPatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := MergePatch([]byte(tc.doc), []byte(tc.patch))
			requireErrKind(t, tc.err, err)
			if tc.err == noError {
				require.JSONEq(t, tc.want, string(out))
			}
		})
	}
}
