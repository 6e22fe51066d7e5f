package patch

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJSONPatch(t *testing.T) {
	cases := []struct {
		name, doc, patch, want string
		invalid, apply         bool
	}{
		{name: "replace", doc: `{"a":1}`, patch: `[{"op":"replace","path":"/a","value":2}]`, want: `{"a":2}`},
		{name: "add to array end", doc: `{"a":[1]}`, patch: `[{"op":"add","path":"/a/-","value":2}]`, want: `{"a":[1,2]}`},
		{name: "failed test is an apply error (V-2)", doc: `{"a":1}`, patch: `[{"op":"test","path":"/a","value":2}]`, apply: true},
		{name: "missing path", doc: `{"a":1}`, patch: `[{"op":"remove","path":"/b"}]`, apply: true},
		{name: "negative index refused", doc: `{"a":[1,2]}`, patch: `[{"op":"remove","path":"/a/-1"}]`, apply: true},
		{name: "malformed patch is invalid (V-2)", doc: `{}`, patch: `{"op":"add"}`, invalid: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := JSONPatch([]byte(tc.doc), []byte(tc.patch))
			var ie *InvalidPatchError
			var ae *ApplyError
			switch {
			case tc.invalid:
				require.True(t, errors.As(err, &ie), "%v", err)
			case tc.apply:
				require.True(t, errors.As(err, &ae), "%v", err)
			default:
				require.NoError(t, err)
				require.JSONEq(t, tc.want, string(out))
			}
		})
	}
}

func TestJSONPatchTooManyOperations(t *testing.T) {
	ops := strings.Repeat(`{"op":"test","path":"/a","value":1},`, MaxJSONPatchOperations+1)
	_, err := JSONPatch([]byte(`{"a":1}`), []byte("["+strings.TrimSuffix(ops, ",")+"]"))
	require.ErrorIs(t, err, ErrTooManyOperations)
}

func TestMergePatch(t *testing.T) {
	out, err := MergePatch([]byte(`{"a":{"b":1,"c":2},"d":[1]}`), []byte(`{"a":{"b":null},"d":[2]}`))
	require.NoError(t, err)
	require.JSONEq(t, `{"a":{"c":2},"d":[2]}`, string(out))
	_, err = MergePatch([]byte(`{}`), []byte(`{`))
	var ie *InvalidPatchError
	require.True(t, errors.As(err, &ie))
}
