package structural

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// schemaPath is the path tests parse schemas under, as the CRD validation passes it.
var schemaPath = types.NewFieldPath("spec", "versions").Index(0).Child("schema", "openAPIV3Schema")

// decode decodes a JSON object for a test.
func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	m, err := jsontree.DecodeObject([]byte(s))
	require.NoError(t, err, s)
	return m
}

// encode encodes a decoded JSON value for comparisons.
func encode(t testing.TB, v any) string {
	t.Helper()
	b, err := jsontree.Append(nil, v)
	require.NoError(t, err)
	return string(b)
}

// mustParse parses a schema that must be valid.
func mustParse(t testing.TB, schema string) *Schema {
	t.Helper()
	s, errs := Parse(decode(t, schema), schemaPath)
	require.Empty(t, messages(errs), schema)
	require.NotNil(t, s)
	return s
}

// messages returns the texts of errs.
func messages(errs types.FieldErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// object wraps a schema for spec into a root schema.
func object(spec string) string {
	return `{"type":"object","properties":{"spec":` + spec + `}}`
}
