package structural

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/types"
)

// validateCase validates spec (the object's spec field) against a spec schema.
type validateCase struct {
	name   string
	schema string // the schema of spec
	spec   string // the value of spec, JSON
	want   []string
}

func runValidateCases(t *testing.T, cases []validateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := mustParse(t, object(tc.schema))
			obj := decode(t, `{"apiVersion":"example.com/v1","kind":"Foo","metadata":{"name":"a"},"spec":`+tc.spec+`}`)
			require.Equal(t, tc.want, messages(s.Validate(obj)))
		})
	}
}

func TestValidateTypes(t *testing.T) {
	runValidateCases(t, []validateCase{
		{"integer", `{"type":"integer"}`, `3`, []string{}},
		{"integer given a string", `{"type":"integer"}`, `"3"`,
			[]string{`spec: Invalid value: "string": spec in body must be of type integer: "string"`}},
		{"integer given an integral float", `{"type":"integer"}`, `3.0`, []string{}},
		{"integer given 1e2", `{"type":"integer"}`, `1e2`, []string{}},
		{"integer given a fraction", `{"type":"integer"}`, `1.5`,
			[]string{`spec: Invalid value: "number": spec in body must be of type integer: "number"`}},
		{"number given an integer", `{"type":"number"}`, `3`, []string{}},
		{"boolean given a string", `{"type":"boolean"}`, `"true"`,
			[]string{`spec: Invalid value: "string": spec in body must be of type boolean: "string"`}},
		{"object given an array", `{"type":"object"}`, `[]`,
			[]string{`spec: Invalid value: "array": spec in body must be of type object: "array"`}},
		{"array given an object", `{"type":"array","items":{"type":"string"}}`, `{}`,
			[]string{`spec: Invalid value: "object": spec in body must be of type array: "object"`}},
		{"string given null", `{"type":"string"}`, `null`,
			[]string{`spec: Invalid value: "null": spec in body must be of type string: "null"`}},
		{"nullable string given null", `{"type":"string","nullable":true}`, `null`, []string{}},
		{"int-or-string given an integer", `{"x-kubernetes-int-or-string":true}`, `1`, []string{}},
		{"int-or-string given a string", `{"x-kubernetes-int-or-string":true}`, `"1"`, []string{}},
		{"int-or-string given a bool", `{"x-kubernetes-int-or-string":true}`, `true`,
			[]string{`spec: Invalid value: "boolean": spec in body must be of type integer,string: "boolean"`}},
		{"a string with a format takes an array (kube-openapi quirk)", `{"type":"string","format":"date"}`, `[1]`, []string{}},
		{"int32 given a fraction", `{"type":"integer","format":"int32"}`, `1.5`,
			[]string{`spec: Invalid value: "float64": spec in body must be of type int32: "float64"`}},
		{"preserve-unknown-fields takes anything", `{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"a":{"x-kubernetes-preserve-unknown-fields":true}}}`,
			`{"a":[1,"x",{"b":null}],"c":1}`, []string{}},
	})
}

func TestValidateStrings(t *testing.T) {
	runValidateCases(t, []validateCase{
		{"maxLength", `{"type":"string","maxLength":3}`, `"abcd"`, []string{`spec: Too long: may not be more than 3 bytes`}},
		{"maxLength counts characters", `{"type":"string","maxLength":3}`, `"ééé"`, []string{}},
		{"minLength", `{"type":"string","minLength":2}`, `"a"`,
			[]string{`spec: Invalid value: "a": spec in body should be at least 2 chars long`}},
		{"pattern", `{"type":"string","pattern":"^a$"}`, `"b"`,
			[]string{`spec: Invalid value: "b": spec in body should match '^a$'`}},
		{"pattern is not anchored", `{"type":"string","pattern":"a"}`, `"bab"`, []string{}},
		{"only the first string error", `{"type":"string","maxLength":1,"pattern":"^a"}`, `"bb"`,
			[]string{`spec: Too long: may not be more than 1 byte`}},
		{"string rules ignore other types", `{"type":"object","properties":{"s":{"type":"string","maxLength":1}}}`, `{"s":12}`,
			[]string{`spec.s: Invalid value: "integer": spec.s in body must be of type string: "integer"`}},
	})
}

func TestValidateNumbers(t *testing.T) {
	runValidateCases(t, []validateCase{
		{"maximum", `{"type":"integer","maximum":10}`, `11`,
			[]string{`spec: Invalid value: 11: spec in body should be less than or equal to 10`}},
		{"maximum reached", `{"type":"integer","maximum":10}`, `10`, []string{}},
		{"exclusiveMaximum", `{"type":"integer","maximum":10,"exclusiveMaximum":true}`, `10`,
			[]string{`spec: Invalid value: 10: spec in body should be less than 10`}},
		{"minimum", `{"type":"integer","minimum":1}`, `0`,
			[]string{`spec: Invalid value: 0: spec in body should be greater than or equal to 1`}},
		{"exclusiveMinimum", `{"type":"integer","minimum":1,"exclusiveMinimum":true}`, `1`,
			[]string{`spec: Invalid value: 1: spec in body should be greater than 1`}},
		{"float maximum", `{"type":"number","maximum":1.5}`, `2.5`,
			[]string{`spec: Invalid value: 2.5: spec in body should be less than or equal to 1.5`}},
		{"float bounds print as %v", `{"type":"number","maximum":1000000}`, `2.5e6`,
			[]string{`spec: Invalid value: 2.5e+06: spec in body should be less than or equal to 1e+06`}},
		{"integer bounds are truncated", `{"type":"integer","maximum":10.5}`, `11`,
			[]string{`spec: Invalid value: 11: spec in body should be less than or equal to 10`}},
		{"multipleOf", `{"type":"integer","multipleOf":3}`, `4`,
			[]string{`spec: Invalid value: 4: spec in body should be a multiple of 3`}},
		{"multipleOf passes", `{"type":"integer","multipleOf":3}`, `-9`, []string{}},
		{"float multipleOf", `{"type":"number","multipleOf":0.5}`, `0.75`,
			[]string{`spec: Invalid value: 0.75: spec in body should be a multiple of 0.5`}},
		{"float multipleOf passes", `{"type":"number","multipleOf":0.5}`, `1.5`, []string{}},
		{"multipleOf, minimum, maximum order", `{"type":"integer","multipleOf":3,"minimum":10}`, `4`,
			[]string{
				`spec: Invalid value: 4: spec in body should be a multiple of 3`,
				`spec: Invalid value: 4: spec in body should be greater than or equal to 10`,
			}},
	})
}

func TestValidateArrays(t *testing.T) {
	runValidateCases(t, []validateCase{
		{"maxItems", `{"type":"array","maxItems":1,"items":{"type":"string"}}`, `["a","b"]`,
			[]string{`spec: Too many: 2: must have at most 1 item`}},
		{"minItems", `{"type":"array","minItems":2,"items":{"type":"string"}}`, `["a"]`,
			[]string{`spec: Invalid value: 1: spec in body should have at least 2 items`}},
		{"items", `{"type":"array","items":{"type":"string"}}`, `["a",1]`,
			[]string{`spec[1]: Invalid value: "integer": spec[1] in body must be of type string: "integer"`}},
		{"items before maxItems", `{"type":"array","maxItems":1,"items":{"type":"string"}}`, `[1,"b"]`,
			[]string{
				`spec[0]: Invalid value: "integer": spec[0] in body must be of type string: "integer"`,
				`spec: Too many: 2: must have at most 1 item`,
			}},
		{"nested items", `{"type":"object","properties":{"l":{"type":"array","items":{"type":"object","properties":{"n":{"type":"integer"}}}}}}`,
			`{"l":[{"n":1},{"n":"x"}]}`,
			[]string{`spec.l[1].n: Invalid value: "string": spec.l[1].n in body must be of type integer: "string"`}},
	})
}

func TestValidateObjects(t *testing.T) {
	runValidateCases(t, []validateCase{
		{"required", `{"type":"object","required":["a","b"],"properties":{"a":{"type":"string"},"b":{"type":"string"}}}`, `{"b":"x"}`,
			[]string{`spec.a: Required value`}},
		{"required null is present", `{"type":"object","required":["a"],"properties":{"a":{"type":"string"}}}`, `{"a":null}`,
			[]string{`spec.a: Invalid value: "null": spec.a in body must be of type string: "null"`}},
		{"property errors before required", `{"type":"object","required":["b"],"properties":{"a":{"type":"string"},"b":{"type":"string"}}}`, `{"a":1}`,
			[]string{`spec.a: Invalid value: "integer": spec.a in body must be of type string: "integer"`, `spec.b: Required value`}},
		{"minProperties stops the object", `{"type":"object","minProperties":2,"properties":{"a":{"type":"string"}}}`, `{"a":1}`,
			[]string{`spec: Invalid value: 1: spec in body should have at least 2 properties`}},
		{"maxProperties", `{"type":"object","maxProperties":1,"additionalProperties":{"type":"string"}}`, `{"a":"x","b":"y"}`,
			[]string{`spec: Too many: 2: must have at most 1 item`}},
		{"additionalProperties schema", `{"type":"object","additionalProperties":{"type":"integer"}}`, `{"a":1,"b":"x"}`,
			[]string{`spec.b: Invalid value: "string": spec.b in body must be of type integer: "string"`}},
		{"additionalProperties false", `{"type":"object","additionalProperties":false}`, `{"x":1}`,
			[]string{`spec: Invalid value: "x": spec.x in body is a forbidden property`}},
		{"unknown fields are not validation errors", `{"type":"object","properties":{"a":{"type":"string"}}}`, `{"b":1}`, []string{}},
	})
}

func TestValidateEnum(t *testing.T) {
	runValidateCases(t, []validateCase{
		{"string", `{"type":"string","enum":["x","y"]}`, `"z"`, []string{`spec: Unsupported value: "z": supported values: "x", "y"`}},
		{"string passes", `{"type":"string","enum":["x","y"]}`, `"y"`, []string{}},
		{"integers", `{"type":"integer","enum":[1,2]}`, `3`, []string{`spec: Unsupported value: 3: supported values: "1", "2"`}},
		{"integral float matches an integer", `{"type":"number","enum":[1]}`, `1.0`, []string{}},
		{"fraction converts to an integer", `{"type":"number","enum":[1]}`, `1.5`, []string{}},
		{"null never matches", `{"type":"string","nullable":true,"enum":["x",null]}`, `null`,
			[]string{`spec: Unsupported value: null: supported values: "x", "null"`}},
		{"objects", `{"type":"object","x-kubernetes-preserve-unknown-fields":true,"enum":[{"a":1}]}`, `{"a":2}`,
			[]string{`spec: Unsupported value: {"a":2}: supported values: "{\"a\":1}"`}},
		{"objects pass", `{"type":"object","x-kubernetes-preserve-unknown-fields":true,"enum":[{"a":1}]}`, `{"a":1}`, []string{}},
	})
}

func TestValidateFormats(t *testing.T) {
	fmtErr := func(format, v string) []string {
		return []string{`spec: Invalid value: "` + v + `": spec in body must be of type ` + format + `: "` + v + `"`}
	}
	cases := []struct {
		format string
		good   []string
		bad    []string
	}{
		{"date", []string{"2020-02-29"}, []string{"2020-13-01", "2021-02-29", "x"}},
		{"date-time", []string{"2020-01-01T10:00:00Z", "2020-01-01t10:00:00.5+01:00"}, []string{"2020-01-01", "2020-01-01T25:00:00Z", "x"}},
		{"uuid", []string{"123e4567-e89b-12d3-a456-426614174000"}, []string{"123e4567"}},
		{"email", []string{"a@b.c", "A <a@b.c>"}, []string{"a"}},
		{"hostname", []string{"example.com", "a"}, []string{"-a", "a_b.com"}},
		{"ipv4", []string{"1.2.3.4", "01.2.3.4"}, []string{"1.2.3", "::1"}},
		{"ipv6", []string{"::1"}, []string{"1.2.3.4"}},
		{"cidr", []string{"10.0.0.0/8", "::/0"}, []string{"10.0.0.0/33", "10.0.0.0"}},
		{"mac", []string{"00:00:5e:00:53:01"}, []string{"00:00"}},
		{"uri", []string{"http://example.com/a", "/a"}, []string{"a b"}},
		{"byte", []string{"aGVsbG8="}, []string{"hello!", ""}},
		{"duration", []string{"1h30m", "3 days"}, []string{"x", "1"}},
		{"quantity", []string{"1Gi", "100m", "1e3", "-0.5"}, []string{"1Gx", "x", ""}},
		{"bsonobjectid", []string{"507f1f77bcf86cd799439011"}, []string{"507f"}},
		{"k8s-short-name", []string{"a-b"}, []string{"A", "-a"}},
		{"k8s-long-name", []string{"a.b-c"}, []string{"a..b"}},
		{"isbn10", []string{"0321751043"}, []string{"0321751044"}},
		{"isbn13", []string{"978-0321751041"}, []string{"9780321751042"}},
		{"creditcard", []string{"4111 1111 1111 1111"}, []string{"4111111111111112"}},
		{"ssn", []string{"123-45-6789"}, []string{"123456789"}},
		{"hexcolor", []string{"#fff", "a0a0a0"}, []string{"#ff"}},
		{"rgbcolor", []string{"rgb(1, 2, 255)"}, []string{"rgb(256,0,0)"}},
		{"password", []string{"anything"}, nil},
		{"unknown-format", []string{"anything"}, nil},
	}
	var vc []validateCase
	for _, c := range cases {
		schema := `{"type":"string","format":"` + c.format + `"}`
		for _, g := range c.good {
			vc = append(vc, validateCase{c.format + " " + g, schema, `"` + g + `"`, []string{}})
		}
		for _, b := range c.bad {
			vc = append(vc, validateCase{c.format + " rejects " + b, schema, `"` + b + `"`, fmtErr(c.format, b)})
		}
	}
	vc = append(vc,
		validateCase{"int32 is not a string format", `{"type":"string","format":"int32"}`, `"x"`, []string{}},
		validateCase{"date on an integer is ignored", `{"type":"integer","format":"date"}`, `1`, []string{}},
		validateCase{"int-or-string keeps string formats", `{"x-kubernetes-int-or-string":true,"format":"date"}`, `"x"`, fmtErr("date", "x")},
	)
	runValidateCases(t, vc)
}

func TestValidateJunctors(t *testing.T) {
	runValidateCases(t, []validateCase{
		{"anyOf reports the first best branch", `{"type":"string","anyOf":[{"maxLength":5},{"minLength":10}]}`, `"foobarbaz"`,
			[]string{
				`<nil>: Invalid value: "": "spec" must validate at least one schema (anyOf)`,
				`spec: Too long: may not be more than 5 bytes`,
			}},
		{"anyOf passes", `{"type":"string","anyOf":[{"maxLength":5},{"minLength":8}]}`, `"foobarbaz"`, []string{}},
		{"int-or-string anyOf", `{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}],"allOf":[{"pattern":"^a"}]}`, `"b"`,
			[]string{
				`spec: Invalid value: "b": spec in body should match '^a'`,
				`<nil>: Invalid value: "": "spec" must validate all the schemas (allOf). None validated`,
			}},
		{"oneOf with two matches", `{"type":"integer","oneOf":[{"minimum":1},{"minimum":2}]}`, `5`,
			[]string{`<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found 2 valid alternatives`}},
		{"oneOf with none", `{"type":"integer","oneOf":[{"minimum":10},{"maximum":1}]}`, `5`,
			[]string{
				`<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found none valid`,
				`spec: Invalid value: 5: spec in body should be greater than or equal to 10`,
			}},
		{"allOf with some valid", `{"type":"integer","allOf":[{"minimum":1},{"maximum":3}]}`, `5`,
			[]string{
				`spec: Invalid value: 5: spec in body should be less than or equal to 3`,
				`<nil>: Invalid value: "": "spec" must validate all the schemas (allOf)`,
			}},
		{"not", `{"type":"string","not":{"pattern":"^x"}}`, `"xy"`,
			[]string{`<nil>: Invalid value: "": "spec" must not validate the schema (not)`}},
		{"clauses with properties", `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"oneOf":[{"required":["a"]},{"required":["b"]}]}`, `{}`,
			[]string{
				`<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found none valid`,
				`spec.a: Required value`,
			}},
	})
}

func TestValidateRoot(t *testing.T) {
	s := mustParse(t, `{"type":"object","required":["spec"],"properties":{"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":3}}},
		"spec":{"type":"object"}},"anyOf":[{"required":["spec"]},{"required":["status"]}]}`)
	got := messages(s.Validate(decode(t, `{"apiVersion":"v1","kind":"K","metadata":{"name":"abcd"}}`)))
	require.Equal(t, []string{
		`<nil>: Invalid value: "": "" must validate at least one schema (anyOf)`,
		`spec: Required value`,
		`metadata.name: Too long: may not be more than 3 bytes`,
	}, got)
}

func TestValidateEmbeddedResources(t *testing.T) {
	kindMsg := strings.Join(types.IsDNS1035Label("foo_bar"), ",")
	runValidateCases(t, []validateCase{
		{"apiVersion and kind are required",
			`{"type":"object","properties":{"e":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}}`,
			`{"e":{}}`, []string{`spec.e.apiVersion: Required value`, `spec.e.kind: Required value`}},
		{"type meta and metadata are checked",
			`{"type":"object","properties":{"e":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}}`,
			`{"e":{"apiVersion":"a/b/c","kind":"Foo_Bar","metadata":"x"}}`,
			[]string{
				`spec.e.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c`,
				`spec.e.kind: Invalid value: "Foo_Bar": may have mixed case, but should otherwise match: ` + kindMsg,
				`spec.e.metadata: Invalid value: "x": json: cannot unmarshal string into Go value of type v1.ObjectMeta`,
			}},
		{"embedded metadata names",
			`{"type":"array","items":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}`,
			`[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a/b"}},{"apiVersion":1,"kind":"Pod"}]`,
			[]string{
				`spec[0].metadata.name: Invalid value: "a/b": may not contain '/'`,
				`spec[1].apiVersion: Invalid value: 1: must be a string`,
			}},
	})
}

func TestValidateEmbeddedObjectMetaHook(t *testing.T) {
	s := mustParse(t, object(`{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}`))
	var seen map[string]any
	errs := s.ValidateWithOptions(decode(t, `{"spec":{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a":"b"}}}}`), ValidateOptions{
		EmbeddedObjectMeta: func(meta map[string]any, p *types.FieldPath) types.FieldErrorList {
			seen = meta
			return types.FieldErrorList{types.FieldForbidden(p.Child("labels"), "test")}
		},
	})
	require.Equal(t, []string{`spec.metadata.labels: Forbidden: test`}, messages(errs))
	require.Equal(t, "fakename", seen["name"])
}

func TestValidateListTypes(t *testing.T) {
	runValidateCases(t, []validateCase{
		{"set of scalars", `{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}`, `["a","b","a","a"]`,
			[]string{`spec[2]: Duplicate value: "a"`}},
		{"set of integers and floats", `{"type":"array","x-kubernetes-list-type":"set","items":{"type":"number"}}`, `[1,1.0,1]`,
			[]string{`spec[2]: Duplicate value: 1`}},
		{"set of objects", `{"type":"array","x-kubernetes-list-type":"set","items":{"type":"object","x-kubernetes-map-type":"atomic","properties":{"a":{"type":"integer"}}}}`,
			`[{"a":1},{"a":1}]`, []string{`spec[1]: Duplicate value: {"a":1}`}},
		{"map with one key", `{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","required":["k"],"properties":{"k":{"type":"string"},"v":{"type":"string"}}}}`,
			`[{"k":"a","v":"1"},{"k":"b"},{"k":"a","v":"2"}]`, []string{`spec[2]: Duplicate value: {"k":"a"}`}},
		{"map with two keys", `{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k","p"],"items":{"type":"object","required":["k","p"],"properties":{"k":{"type":"string"},"p":{"type":"integer"}}}}`,
			`[{"k":"a","p":1},{"k":"a","p":2},{"k":"a","p":1}]`, []string{`spec[2]: Duplicate value: {"k":"a","p":1}`}},
		{"map elements must be objects", `{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","required":["k"],"properties":{"k":{"type":"string"}}}}`,
			`["x"]`, []string{
				`spec[0]: Invalid value: "string": spec[0] in body must be of type object: "string"`,
				`spec[0]: Invalid value: "x": must be an object for an array of list-type map`,
			}},
		{"nested sets", `{"type":"object","additionalProperties":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}}`,
			`{"a":["x","x"]}`, []string{`spec[a][1]: Duplicate value: "x"`}},
	})
}
