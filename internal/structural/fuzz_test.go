package structural

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// FuzzValidate parses a schema and runs every operation on an object and an old object: none may panic, Parse
// must not modify its input, ratcheting against an identical old object only removes errors, and Prune and
// Default are idempotent.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"type":"object","properties":{"spec":{"type":"object","properties":{"a":{"type":"string","default":"x"}}}}}`),
		[]byte(`{"spec":{"b":1}}`), []byte(`{"spec":{"a":"y"}}`))
	f.Fuzz(func(t *testing.T, schemaJSON, objJSON, oldJSON []byte) {
		schema, err := jsontree.DecodeObject(schemaJSON)
		if err != nil {
			return
		}
		before, err := jsontree.Append(nil, schema)
		require.NoError(t, err)
		s, errs := Parse(schema, schemaPath)
		for _, e := range errs {
			_ = e.Error()
		}
		after, err := jsontree.Append(nil, schema)
		require.NoError(t, err)
		require.Equal(t, string(before), string(after), "Parse modified its input")
		if s == nil {
			require.NotEmpty(t, errs)
			return
		}
		obj, err := jsontree.DecodeObject(objJSON)
		if err != nil {
			return
		}
		old, err := jsontree.DecodeObject(oldJSON)
		if err != nil {
			old = obj
		}
		for _, e := range s.Validate(obj) {
			_ = e.Error()
		}
		for _, e := range s.ValidateUpdate(obj, old) {
			_ = e.Error()
		}
		// Ratcheting only removes errors.
		created := messages(s.Validate(obj))
		for _, m := range messages(s.ValidateUpdate(obj, deepCopy(obj).(map[string]any))) {
			require.Contains(t, created, m)
		}
		s.Prune(obj)
		require.Empty(t, s.Prune(obj), "Prune is not idempotent")
		s.Default(obj)
		require.False(t, s.Default(obj), "Default is not idempotent")
		for _, e := range s.Validate(obj) {
			_ = e.Error()
		}
	})
}
