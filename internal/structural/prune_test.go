package structural

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPrune(t *testing.T) {
	cases := []struct {
		name   string
		schema string // root schema
		obj    string
		want   string
		paths  []string
	}{
		{"nested objects",
			object(`{"type":"object","properties":{"a":{"type":"string"},"o":{"type":"object","properties":{"b":{"type":"integer"}}}}}`),
			`{"apiVersion":"v1","kind":"K","metadata":{"name":"n","x":1},"spec":{"a":"x","u":1,"o":{"b":1,"c":{"d":1}}},"extra":1}`,
			`{"apiVersion":"v1","kind":"K","metadata":{"name":"n","x":1},"spec":{"a":"x","o":{"b":1}}}`,
			[]string{"extra", "spec.o.c", "spec.u"}},
		{"items",
			object(`{"type":"array","items":{"type":"object","properties":{"n":{"type":"integer"}}}}`),
			`{"spec":[{"n":1,"x":1},{"y":{"z":1}},"s"]}`,
			`{"spec":[{"n":1},{},"s"]}`,
			[]string{"spec[0].x", "spec[1].y"}},
		{"nested items",
			object(`{"type":"array","items":{"type":"array","items":{"type":"object","properties":{"n":{"type":"integer"}}}}}`),
			`{"spec":[[{"n":1,"x":1}]]}`,
			`{"spec":[[{"n":1}]]}`,
			[]string{"spec[0][0].x"}},
		{"additionalProperties schema",
			object(`{"type":"object","additionalProperties":{"type":"object","properties":{"a":{"type":"integer"}}}}`),
			`{"spec":{"k":{"a":1,"b":2},"l":{}}}`,
			`{"spec":{"k":{"a":1},"l":{}}}`,
			[]string{"spec.k.b"}},
		{"additionalProperties without a schema empties objects",
			object(`{"type":"object","additionalProperties":true}`),
			`{"spec":{"k":{"a":1},"s":"x"}}`,
			`{"spec":{"k":{},"s":"x"}}`,
			[]string{"spec.k.a"}},
		{"preserve-unknown-fields",
			object(`{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"o":{"type":"object","properties":{"a":{"type":"integer"}}}}}`),
			`{"spec":{"u":{"deep":[1,{"x":1}]},"o":{"a":1,"b":2}}}`,
			`{"spec":{"u":{"deep":[1,{"x":1}]},"o":{"a":1}}}`,
			[]string{"spec.o.b"}},
		{"preserve-unknown-fields in items",
			object(`{"type":"object","properties":{"l":{"type":"array","items":{"type":"object","x-kubernetes-preserve-unknown-fields":true}},"m":{"type":"object"}}}`),
			`{"spec":{"l":[{"a":1}],"m":{"b":1}}}`,
			`{"spec":{"l":[{"a":1}],"m":{}}}`,
			[]string{"spec.m.b"}},
		{"preserve-unknown-fields at the root",
			`{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"spec":{"type":"object","properties":{"a":{"type":"string"}}}}}`,
			`{"apiVersion":"v1","x":1,"spec":{"a":"x","b":1}}`,
			`{"apiVersion":"v1","x":1,"spec":{"a":"x"}}`,
			[]string{"spec.b"}},
		{"embedded resources keep their meta",
			object(`{"type":"object","properties":{"e":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"spec":{"type":"object","properties":{"a":{"type":"string"}}}}}}}`),
			`{"spec":{"e":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","junk":1,"ownerReferences":[{"name":"o","x":1}]},"spec":{"a":"x","b":1},"other":1}}}`,
			`{"spec":{"e":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","ownerReferences":[{"name":"o"}]},"spec":{"a":"x"}}}}`,
			[]string{"spec.e.metadata.junk", "spec.e.metadata.ownerReferences[0].x", "spec.e.other", "spec.e.spec.b"}},
		{"the root metadata is the caller's",
			`{"type":"object","x-kubernetes-preserve-unknown-fields":true}`,
			`{"metadata":{"name":"p","junk":1},"spec":{"e":1}}`,
			`{"metadata":{"name":"p","junk":1},"spec":{"e":1}}`,
			nil},
		{"meta fields elsewhere are pruned",
			object(`{"type":"object","properties":{"a":{"type":"string"}}}`),
			`{"spec":{"kind":"x","metadata":{}}}`,
			`{"spec":{}}`,
			[]string{"spec.kind", "spec.metadata"}},
		{"int-or-string",
			object(`{"type":"object","properties":{"i":{"x-kubernetes-int-or-string":true}}}`),
			`{"spec":{"i":{"a":1}}}`,
			`{"spec":{"i":{}}}`,
			[]string{"spec.i.a"}},
		{"non-nullable nulls without defaults are dropped",
			object(`{"type":"object","properties":{"a":{"type":"string"},"n":{"type":"string","nullable":true},"d":{"type":"string","default":"x"},"m":{"type":"object","additionalProperties":{"type":"string"}}}}`),
			`{"spec":{"a":null,"n":null,"d":null,"m":{"k":null}},"status":null}`,
			`{"spec":{"d":null,"n":null,"m":{}}}`,
			[]string{"status"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, tc.schema)
			obj := decode(t, tc.obj)
			paths := s.Prune(obj)
			require.Equal(t, tc.paths, paths)
			require.JSONEq(t, tc.want, encode(t, obj))
		})
	}
}

func TestPruneDoesNotModifySchema(t *testing.T) {
	schema := object(`{"type":"object","properties":{"a":{"type":"object","default":{"x":1},"x-kubernetes-preserve-unknown-fields":true}}}`)
	s := mustParse(t, schema)
	obj := decode(t, `{"spec":{}}`)
	require.True(t, s.Default(obj))
	obj["spec"].(map[string]any)["a"].(map[string]any)["y"] = 2
	require.Equal(t, map[string]any{"x": int64(1)}, s.Properties["spec"].Properties["a"].DefaultValue)
	require.Empty(t, s.Prune(obj))
}
