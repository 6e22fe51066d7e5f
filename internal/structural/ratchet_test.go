package structural

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateUpdateRatcheting(t *testing.T) {
	spec := object(`{"type":"object","properties":{
		"a":{"type":"string","maxLength":2},
		"b":{"type":"string","maxLength":2},
		"req":{"type":"object","required":["x"],"properties":{"x":{"type":"string"},"y":{"type":"string"}}},
		"free":{"type":"object","x-kubernetes-preserve-unknown-fields":true,"required":["x"],"properties":{"x":{"type":"string"}}},
		"atomic":{"type":"array","items":{"type":"string","maxLength":1}},
		"map":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],
			"items":{"type":"object","required":["k"],"properties":{"k":{"type":"string"},"v":{"type":"integer","maximum":5}}}},
		"set":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
		"labels":{"type":"object","additionalProperties":{"type":"string","maxLength":1}}}}`)
	root := `{"type":"object","properties":{"kind":{"type":"string","pattern":"^K$"},"spec":` + spec[len(`{"type":"object","properties":{"spec":`):len(spec)-2] + `}}`
	s := mustParse(t, root)
	cases := []struct {
		name     string
		old, obj string
		want     []string
	}{
		{"unchanged invalid value", `{"a":"long"}`, `{"a":"long"}`, []string{}},
		{"changed invalid value", `{"a":"long"}`, `{"a":"longer"}`, []string{`spec.a: Too long: may not be more than 2 bytes`}},
		{"new invalid field next to an unchanged one", `{"a":"long"}`, `{"a":"long","b":"long"}`, []string{`spec.b: Too long: may not be more than 2 bytes`}},
		{"unchanged object with a missing required field", `{"req":{"y":"1"}}`, `{"req":{"y":"1"}}`, []string{}},
		{"changed object with a missing required field", `{"req":{"y":"1"}}`, `{"req":{"y":"2"}}`, []string{`spec.req.x: Required value`}},
		{"undeclared fields make an object differ", `{"free":{"z":1}}`, `{"free":{"z":1}}`, []string{`spec.free.x: Required value`}},
		{"atomic list unchanged", `{"atomic":["ab","c"]}`, `{"atomic":["ab","c"]}`, []string{}},
		{"atomic list changed elsewhere", `{"atomic":["ab","c"]}`, `{"atomic":["ab","d"]}`,
			[]string{`spec.atomic[0]: Too long: may not be more than 1 byte`}},
		{"map list correlates by key", `{"map":[{"k":"y","v":9}]}`, `{"map":[{"k":"x","v":9},{"k":"y","v":9}]}`,
			[]string{`spec.map[0].v: Invalid value: 9: spec.map[0].v in body should be less than or equal to 5`}},
		{"additionalProperties correlate by key", `{"labels":{"a":"long","b":"x"}}`, `{"labels":{"a":"long","b":"yy"}}`,
			[]string{`spec.labels.b: Too long: may not be more than 1 byte`}},
		{"kind is never ratcheted", `{}`, `{}`, []string{`kind: Invalid value: "L": kind in body should match '^K$'`}},
		{"set duplicates in old are tolerated", `{"set":["a","a"]}`, `{"set":["a","a","b"]}`, []string{}},
		{"set duplicates in new only", `{"set":["a"]}`, `{"set":["a","a"]}`, []string{`spec.set[1]: Duplicate value: "a"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kind := "K"
			if tc.name == "kind is never ratcheted" {
				kind = "L"
			}
			old := decode(t, `{"apiVersion":"v1","kind":"`+kind+`","spec":`+tc.old+`}`)
			obj := decode(t, `{"apiVersion":"v1","kind":"`+kind+`","spec":`+tc.obj+`}`)
			require.Equal(t, tc.want, messages(s.ValidateUpdate(obj, old)))
		})
	}
}

func TestValidateUpdateUnchangedObject(t *testing.T) {
	// A whole unchanged object ratchets at the root only if every field is declared: here metadata is not, so
	// the root differs and its required error stays, while the unchanged status is ratcheted.
	s := mustParse(t, `{"type":"object","required":["spec"],"properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},"status":{"type":"string","maxLength":1}}}`)
	obj := decode(t, `{"apiVersion":"v1","kind":"K","metadata":{"name":"a"},"status":"long"}`)
	require.Equal(t, []string{`status: Too long: may not be more than 1 byte`, `spec: Required value`}, messages(s.Validate(obj)))
	require.Equal(t, []string{`spec: Required value`}, messages(s.ValidateUpdate(obj, deepCopy(obj).(map[string]any))))

	// Without undeclared fields the unchanged root ratchets every error.
	obj = decode(t, `{"apiVersion":"v1","kind":"K","status":"long"}`)
	require.Empty(t, messages(s.ValidateUpdate(obj, deepCopy(obj).(map[string]any))))
}
