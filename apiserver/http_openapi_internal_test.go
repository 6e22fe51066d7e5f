package apiserver

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestToOpenAPIv2: what /openapi/v2 publishes of a CRD's schema, as apiextensions-apiserver converts it.
func TestToOpenAPIv2(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"junctors and validations go",
			`{"type":"object","anyOf":[{"required":["a"]}],"allOf":[{}],"oneOf":[{}],"not":{},"x-kubernetes-validations":[{"rule":"true"}]}`,
			`{"type":"object"}`},
		{"a nullable field loses its type and what is below, and is no longer required",
			`{"type":"object","required":["n","m"],"properties":{"n":{"type":"object","nullable":true,"properties":{"x":{"type":"string"}}},"m":{"type":"string"}}}`,
			`{"type":"object","required":["m"],"properties":{"n":{},"m":{"type":"string"}}}`},
		{"preserve-unknown-fields drops what is below, and an array left without items its type",
			`{"type":"array","x-kubernetes-preserve-unknown-fields":true,"items":{"type":"string"}}`,
			`{"x-kubernetes-preserve-unknown-fields":true}`},
		{"nested in items and additionalProperties",
			`{"type":"array","items":{"type":"object","additionalProperties":{"type":"string","nullable":true}}}`,
			`{"type":"array","items":{"type":"object","additionalProperties":{}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var schema map[string]any
			require.NoError(t, json.Unmarshal([]byte(tc.in), &schema))
			toOpenAPIv2(schema)
			got, err := json.Marshal(schema)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(got))
		})
	}
}
