package structural

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefault(t *testing.T) {
	cases := []struct {
		name    string
		schema  string // root schema
		obj     string
		want    string
		changed bool
	}{
		{"absent fields",
			object(`{"type":"object","properties":{"a":{"type":"string","default":"x"},"b":{"type":"integer","default":1}}}`),
			`{"spec":{"b":2}}`, `{"spec":{"a":"x","b":2}}`, true},
		{"nothing to do",
			object(`{"type":"object","properties":{"a":{"type":"string","default":"x"}}}`),
			`{"spec":{"a":"y"}}`, `{"spec":{"a":"y"}}`, false},
		{"null of a non-nullable field",
			object(`{"type":"object","properties":{"a":{"type":"string","default":"x"},"n":{"type":"string","nullable":true,"default":"x"}}}`),
			`{"spec":{"a":null,"n":null}}`, `{"spec":{"a":"x","n":null}}`, true},
		{"nested defaults need their parent",
			object(`{"type":"object","properties":{"o":{"type":"object","properties":{"a":{"type":"string","default":"x"}}}}}`),
			`{"spec":{}}`, `{"spec":{}}`, false},
		{"nested defaults in a present parent",
			object(`{"type":"object","properties":{"o":{"type":"object","properties":{"a":{"type":"string","default":"x"}}}}}`),
			`{"spec":{"o":{}}}`, `{"spec":{"o":{"a":"x"}}}`, true},
		{"a defaulted parent is defaulted further",
			object(`{"type":"object","properties":{"o":{"type":"object","default":{},"properties":{"a":{"type":"string","default":"x"}}}}}`),
			`{"spec":{}}`, `{"spec":{"o":{"a":"x"}}}`, true},
		{"no spec, no defaults inside it",
			object(`{"type":"object","properties":{"a":{"type":"string","default":"x"}}}`),
			`{"kind":"K"}`, `{"kind":"K"}`, false},
		{"items",
			object(`{"type":"array","items":{"type":"object","default":{"n":0},"properties":{"n":{"type":"integer","default":1}}}}`),
			`{"spec":[{},{"n":2},null]}`, `{"spec":[{"n":1},{"n":2},{"n":0}]}`, true},
		{"additionalProperties",
			object(`{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"object","properties":{"a":{"type":"string","default":"x"}}}},
				"s":{"type":"object","additionalProperties":{"type":"string","default":"d"}}}}`),
			`{"spec":{"m":{"k":{}},"s":{"k":null,"l":"v"}}}`, `{"spec":{"m":{"k":{"a":"x"}},"s":{"k":"d","l":"v"}}}`, true},
		{"embedded resources",
			object(`{"type":"object","properties":{"e":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"spec":{"type":"object","properties":{"r":{"type":"integer","default":1}}}}}}}`),
			`{"spec":{"e":{"apiVersion":"v1","kind":"K","spec":{}}}}`, `{"spec":{"e":{"apiVersion":"v1","kind":"K","spec":{"r":1}}}}`, true},
		{"under preserve-unknown-fields",
			object(`{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"a":{"type":"string","default":"x"}}}`),
			`{"spec":{"u":{}}}`, `{"spec":{"u":{},"a":"x"}}`, true},
		{"root defaults",
			`{"type":"object","properties":{"spec":{"type":"object","default":{"a":1},"properties":{"a":{"type":"integer"}}}}}`,
			`{"apiVersion":"v1"}`, `{"apiVersion":"v1","spec":{"a":1}}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, tc.schema)
			obj := decode(t, tc.obj)
			require.Equal(t, tc.changed, s.Default(obj))
			require.JSONEq(t, tc.want, encode(t, obj))
		})
	}
}

// TestHasDefaults: a default anywhere below the root (properties, additionalProperties, items) counts.
func TestHasDefaults(t *testing.T) {
	cases := []struct {
		schema string
		want   bool
	}{
		{`{"type":"object","properties":{"a":{"type":"string"}}}`, false},
		{`{"type":"object","properties":{"default":{"type":"string"}}}`, false},
		{`{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string","default":"x"}}}}}`, true},
		{`{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"integer","default":1}}}}`, true},
		{`{"type":"object","properties":{"l":{"type":"array","items":{"type":"object","properties":{"n":{"type":"integer","default":2}}}}}}`, true},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, mustParse(t, tc.schema).HasDefaults(), tc.schema)
	}
}
