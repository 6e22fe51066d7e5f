package structural

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const p = "spec.versions[0].schema.openAPIV3Schema"

func TestParse(t *testing.T) {
	cases := []parseCase{
		{"minimal", `{"type":"object"}`, nil},
		{"complete", `{"type":"object","description":"d","properties":{
			"apiVersion":{"type":"string"},"kind":{"type":"string"},
			"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":10},"generateName":{"type":"string"}}},
			"spec":{"type":"object","required":["a"],"properties":{
				"a":{"type":"string","default":"x","enum":["x","y"]},
				"b":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","required":["k"],"properties":{"k":{"type":"string"}}}},
				"c":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]},
				"d":{"type":"object","additionalProperties":{"type":"string"}},
				"e":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true},
				"f":{"type":"integer","format":"int32","minimum":0,"maximum":10,"multipleOf":2},
				"g":{"type":"string","x-kubernetes-validations":[{"rule":"self.size() > 0","message":"empty"}]}},
				"not":{"required":["z"]},"oneOf":[{"required":["a"]},{"properties":{"a":{"pattern":"^x"}}}]},
			"status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}`, nil},
		{"nil", ``, []string{p + `: Required value: schemas are required`}},
		{"wrong JSON type", `{"type":5,"properties":{"a":{"maxLength":1.5}}}`, []string{
			p + `.type: Invalid value: 5: json: cannot unmarshal number into Go value of type string`,
		}},
		{"fraction for an integer keyword", `{"type":"object","properties":{"a":{"maxLength":1.5}}}`, []string{
			p + `.properties[a].maxLength: Invalid value: 1.5: json: cannot unmarshal number into Go value of type int64`,
		}},
		{"additionalProperties of the wrong type", `{"type":"object","additionalProperties":"x"}`, []string{
			p + `.additionalProperties: Invalid value: "x": boolean or JSON schema expected`,
		}},
		{"nullable root", `{"type":"object","nullable":true}`, []string{p + `.nullable: Forbidden: nullable cannot be true at the root`}},
		{"id", `{"type":"object","properties":{"a":{"type":"string","id":"x"}}}`, []string{p + `.properties[a].id: Forbidden: id is not supported`}},
		{"$ref", `{"type":"object","$ref":"#/x"}`, []string{p + `.$ref: Forbidden: $ref is not supported`}},
		{"definitions", `{"type":"object","definitions":{"a":{"type":"string","id":"i"}}}`, []string{
			p + `.definitions: Forbidden: definitions is not supported`,
			p + `.definitions[a].id: Forbidden: id is not supported`,
		}},
		{"patternProperties", `{"type":"object","patternProperties":{"^a":{"type":"string"}}}`,
			[]string{p + `.patternProperties: Forbidden: patternProperties is not supported`}},
		{"dependencies", `{"type":"object","dependencies":{"a":["b"]}}`, []string{p + `.dependencies: Forbidden: dependencies is not supported`}},
		{"additionalItems", `{"type":"object","additionalItems":false}`, []string{p + `.additionalItems: Forbidden: additionalItems is not supported`}},
		{"items array", `{"type":"object","properties":{"slice":{"type":"array","items":[{"type":"string"},{"$ref":"x"}]}}}`, []string{
			p + `.properties[slice].items: Forbidden: items must be a schema object and not an array`,
			p + `.properties[slice].items[1].$ref: Forbidden: $ref is not supported`,
		}},
		{"$schema is reported alone", `{"type":"object","$schema":"http://json-schema.org/draft-04/schema#"}`,
			[]string{p + `: Invalid value: "": OpenAPIV3Schema 'schema' is not supported`}},
		{"type null", `{"type":"object","properties":{"a":{"type":"null"}}}`, []string{
			p + `.properties[a].type: Unsupported value: "null": supported values: "array", "boolean", "integer", "number", "object", "string"`,
			p + `.properties[a].type: Forbidden: type cannot be set to null, use nullable as an alternative`,
		}},
		{"unknown type", `{"type":"object","properties":{"a":{"type":"int"}}}`, []string{
			p + `.properties[a].type: Unsupported value: "int": supported values: "array", "boolean", "integer", "number", "object", "string"`,
		}},
		{"uniqueItems", `{"type":"object","properties":{"a":{"type":"array","uniqueItems":true,"items":{"type":"string"}}}}`, []string{
			p + `.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
		}},
		{"additionalProperties with properties", `{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}},"additionalProperties":false}}}`, []string{
			p + `.properties[a].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
		}},
		{"additionalProperties true with properties", `{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}},"additionalProperties":true}}}`, nil},
		{"preserve-unknown-fields false", `{"type":"object","x-kubernetes-preserve-unknown-fields":false}`, []string{
			p + `.x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
		}},
	}
	runParseCases(t, cases)
}

func TestParseStructural(t *testing.T) {
	runParseCases(t, []parseCase{
		{"missing types", `{"properties":{"foo":{"properties":{"a":{}}},"bar":{"items":{"additionalProperties":{"items":{}}}}}}`, []string{
			p + `.properties[bar].items.additionalProperties.items.type: Required value: must not be empty for specified array items`,
			p + `.properties[bar].items.additionalProperties.type: Required value: must not be empty for specified object fields`,
			p + `.properties[bar].items.type: Required value: must not be empty for specified array items`,
			p + `.properties[bar].type: Required value: must not be empty for specified object fields`,
			p + `.properties[foo].properties[a].type: Required value: must not be empty for specified object fields`,
			p + `.properties[foo].type: Required value: must not be empty for specified object fields`,
			p + `.type: Required value: must not be empty at the root`,
		}},
		{"root type", `{"type":"integer"}`, []string{p + `.type: Invalid value: "integer": must be object at the root`}},
		{"array without items", `{"type":"object","properties":{"slice":{"type":"array"}}}`, []string{
			p + `.properties[slice].items: Required value: must be specified`,
		}},
		{"additionalProperties at the root", `{"type":"object","additionalProperties":false}`, []string{
			p + `.additionalProperties: Forbidden: must not be used at the root`,
		}},
		{"forbidden in value validation", `{"type":"object","properties":{"foo":{"type":"string"}},
			"not":{"type":"string","additionalProperties":true,"title":"t","description":"d","nullable":true,"default":"x","x-kubernetes-preserve-unknown-fields":true,"x-kubernetes-list-type":"atomic"},
			"anyOf":[{"items":{"type":"string"}}],"allOf":[{"properties":{"metadata":{}}}]}`, []string{
			p + `.allOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`,
			p + `.anyOf[0].items.type: Forbidden: must be empty to be structural`,
			p + `.items: Required value: because it is defined in ` + p + `.anyOf[0].items`,
			p + `.not.additionalProperties: Forbidden: must be undefined to be structural`,
			p + `.not.default: Forbidden: must be undefined to be structural`,
			p + `.not.description: Forbidden: must be empty to be structural`,
			p + `.not.nullable: Forbidden: must be false to be structural`,
			p + `.not.title: Forbidden: must be empty to be structural`,
			p + `.not.type: Forbidden: must be empty to be structural`,
			p + `.not.x-kubernetes-list-type: Forbidden: must be undefined to be structural`,
			p + `.not.x-kubernetes-preserve-unknown-fields: Forbidden: must be false to be structural`,
			p + `.properties[metadata]: Required value: because it is defined in ` + p + `.allOf[0].properties[metadata]`,
			p + `.not.type: Invalid value: "string": must be array if x-kubernetes-list-type is specified`,
		}},
		{"incomplete", `{"type":"object","properties":{"b":{"type":"object","properties":{"b":{"type":"array","items":{"type":"string"}}}}},
			"not":{"properties":{"a":{},"b":{"not":{"properties":{"a":{},"b":{"items":{}}}}}}}}`, []string{
			p + `.properties[a]: Required value: because it is defined in ` + p + `.not.properties[a]`,
			p + `.properties[b].properties[a]: Required value: because it is defined in ` + p + `.not.properties[b].not.properties[a]`,
		}},
		{"int-or-string patterns", `{"type":"object","properties":{
			"a":{"x-kubernetes-int-or-string":true},
			"b":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}],"allOf":[{"pattern":"abc"}]},
			"c":{"x-kubernetes-int-or-string":true,"allOf":[{"anyOf":[{"type":"integer"},{"type":"string"}]},{"pattern":"abc"}]},
			"d":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string","pattern":"abc"}]},
			"g":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"string"},{"type":"integer"}]}}}`, []string{
			p + `.properties[d].anyOf[0].type: Forbidden: must be empty to be structural`,
			p + `.properties[d].anyOf[1].type: Forbidden: must be empty to be structural`,
			p + `.properties[g].anyOf[0].type: Forbidden: must be empty to be structural`,
			p + `.properties[g].anyOf[1].type: Forbidden: must be empty to be structural`,
		}},
		{"int-or-string with other extensions", `{"type":"object","properties":{"a":{"type":"object","x-kubernetes-int-or-string":true,"x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}}`, []string{
			p + `.properties[a].x-kubernetes-embedded-resource: Invalid value: true: must be false if x-kubernetes-int-or-string is true`,
			p + `.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`,
		}},
		{"embedded resource without fields", `{"type":"object","properties":{"e":{"type":"object","x-kubernetes-embedded-resource":true}}}`, []string{
			p + `.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
		}},
		{"embedded resource types", `{"type":"object","properties":{"e":{"type":"array","items":{"type":"string"},"x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true},
			"f":{"x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true,"additionalProperties":{"type":"string"}},
			"g":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"kind":{"type":"integer"},"apiVersion":{"type":"string"},"metadata":{"type":"string"}}}}}`, []string{
			p + `.properties[e].type: Invalid value: "array": must be object if x-kubernetes-embedded-resource is true`,
			p + `.properties[f].additionalProperties: Forbidden: must not be used if x-kubernetes-embedded-resource is set`,
			p + `.properties[f].type: Required value: must be object if x-kubernetes-embedded-resource is true`,
			p + `.properties[g].properties[kind].type: Invalid value: "integer": must be string`,
			p + `.properties[g].properties[metadata].type: Invalid value: "string": must be object`,
		}},
		{"metadata with other properties", `{"type":"object","properties":{"metadata":{"properties":{"name":{"pattern":"^[a-z]+$"},"labels":{"type":"object","maxLength":4}}}}}`, []string{
			p + `.properties[metadata].properties[name].type: Required value: must not be empty for specified object fields`,
			p + `.properties[metadata].type: Invalid value: "": must be object`,
			p + `.properties[metadata].type: Required value: must not be empty for specified object fields`,
			p + `.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
		}},
		{"metadata with a description", `{"type":"object","properties":{"metadata":{"type":"object","description":"x"}}}`, []string{
			p + `.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
		}},
		{"invalid pattern", `{"type":"object","properties":{"foo":{"type":"string","pattern":"+"}}}`, []string{
			p + ".properties[foo].pattern: Invalid value: \"+\": must be a valid regular expression, but isn't: error parsing regexp: missing argument to repetition operator: `+`",
		}},
	})
}

func TestParseExtensions(t *testing.T) {
	runParseCases(t, []parseCase{
		{"list-type on an object", `{"type":"object","properties":{"a":{"type":"object","x-kubernetes-list-type":"set"},"b":{"x-kubernetes-preserve-unknown-fields":true,"x-kubernetes-list-type":"atomic"}}}`, []string{
			p + `.properties[a].type: Invalid value: "object": must be array if x-kubernetes-list-type is specified`,
			p + `.properties[b].type: Required value: must be array if x-kubernetes-list-type is specified`,
		}},
		{"unknown list and map types", `{"type":"object","properties":{"a":{"type":"array","items":{"type":"string"},"x-kubernetes-list-type":"bag"},"m":{"type":"object","x-kubernetes-map-type":"x"}}}`, []string{
			p + `.properties[a].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"`,
			p + `.properties[m].x-kubernetes-map-type: Unsupported value: "x": supported values: "atomic", "granular"`,
		}},
		{"map-type on an array", `{"type":"object","properties":{"a":{"type":"array","items":{"type":"string"},"x-kubernetes-map-type":"atomic"}}}`, []string{
			p + `.properties[a].type: Invalid value: "array": must be object if x-kubernetes-map-type is specified`,
		}},
		{"map keys without map", `{"type":"object","properties":{"a":{"type":"array","items":{"type":"object","properties":{"k":{"type":"string"}},"required":["k"]},"x-kubernetes-list-map-keys":["k"]},
			"b":{"type":"array","items":{"type":"object","x-kubernetes-map-type":"atomic","properties":{"k":{"type":"string"}},"required":["k"]},"x-kubernetes-list-type":"set","x-kubernetes-list-map-keys":["k"]}}}`, []string{
			p + `.properties[a].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty`,
			p + `.properties[b].x-kubernetes-list-type: Invalid value: "set": must be map if x-kubernetes-list-map-keys is non-empty`,
		}},
		{"map without keys", `{"type":"object","properties":{"a":{"type":"array","items":{"type":"string"},"x-kubernetes-list-type":"map"}}}`, []string{
			p + `.properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
			p + `.properties[a].items.type: Invalid value: "string": must be object if parent array's x-kubernetes-list-type is map`,
		}},
		{"map keys", `{"type":"object","properties":{"a":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k","o","x","k"],
			"items":{"type":"object","required":["k","o"],"properties":{"k":{"type":"string"},"o":{"type":"object"},"n":{"type":"string","nullable":true}}}},
			"b":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["n"],"items":{"type":"object","nullable":true,"properties":{"n":{"type":"string","nullable":true}}}}}}`, []string{
			p + `.properties[a].items.properties[o].type: Invalid value: "object": must be a scalar type if parent array's x-kubernetes-list-type is map`,
			p + `.properties[a].x-kubernetes-list-map-keys: Invalid value: ["k","o","x","k"]: entries must all be names of item properties`,
			p + `.properties[a].x-kubernetes-list-map-keys: Invalid value: ["k","o","x","k"]: must not contain duplicate entries`,
			p + `.properties[b].items.nullable: Forbidden: cannot be nullable when x-kubernetes-list-type is map`,
			p + `.properties[b].items.properties[n].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
			p + `.properties[b].items.properties[n].nullable: Forbidden: this property is in x-kubernetes-list-map-keys, so it cannot be nullable`,
		}},
		{"set items must be atomic", `{"type":"object","properties":{"a":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"object","properties":{"k":{"type":"string"}}}},
			"b":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}}}}`, []string{
			p + `.properties[a].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set`,
			p + `.properties[b].items.x-kubernetes-list-type: Invalid value: "set": must be atomic as item of a list with x-kubernetes-list-type=set`,
		}},
		{"embedded resource inside metadata", `{"type":"object","properties":{"metadata":{"type":"object","properties":{"name":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}}}}`, []string{
			p + `.properties[metadata].properties[name].x-kubernetes-embedded-resource: Forbidden: must not be used inside of resource meta`,
		}},
		{"validation rules", `{"type":"object","x-kubernetes-validations":[{"rule":" "},{"rule":"a","message":" "},{"rule":"a","message":"x\ny"},{"rule":"a\nb"},
			{"rule":"a","messageExpression":" ","reason":"Bad","fieldPath":" "}]}`, []string{
			p + `.x-kubernetes-validations[0].rule: Required value: rule is not specified`,
			p + `.x-kubernetes-validations[1].message: Invalid value: " ": must be non-empty if specified`,
			p + `.x-kubernetes-validations[2].message: Invalid value: "x\ny": must not contain line breaks`,
			p + `.x-kubernetes-validations[3].message: Required value: message must be specified if rule contains line breaks`,
			p + `.x-kubernetes-validations[4].messageExpression: Required value: messageExpression must be non-empty if specified`,
			p + `.x-kubernetes-validations[4].reason: Unsupported value: "Bad": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
			p + `.x-kubernetes-validations[4].fieldPath: Invalid value: " ": must be non-empty if specified`,
		}},
	})
}

func TestParseDefaults(t *testing.T) {
	runParseCases(t, []parseCase{
		{"valid defaults", `{"type":"object","properties":{"spec":{"type":"object","default":{"a":"x"},"properties":{"a":{"type":"string","default":"y"},
			"l":{"type":"array","items":{"type":"integer","default":1},"default":[1,2]},"p":{"type":"object","x-kubernetes-preserve-unknown-fields":true,"default":{"any":1}}}}}}`, nil},
		{"default of the wrong type", `{"type":"object","properties":{"a":{"type":"string","default":5}}}`, []string{
			p + `.properties[a].default: Invalid value: "integer":  in body must be of type string: "integer"`,
		}},
		{"default with unknown and invalid fields", `{"type":"object","properties":{"b":{"type":"object","properties":{"c":{"type":"integer","maximum":3}},"default":{"c":4,"d":1}}}}`, []string{
			p + `.properties[b].default: Invalid value: {"c":4,"d":1}: must not have unknown fields`,
			p + `.properties[b].default.c: Invalid value: 4: c in body should be less than or equal to 3`,
		}},
		{"default failing anyOf", `{"type":"object","properties":{"a":{"type":"string","default":"abc","anyOf":[{"maxLength":1},{"maxLength":2}]}}}`, []string{
			p + `.properties[a].default: Invalid value: "": "" must validate at least one schema (anyOf)`,
			p + `.properties[a].default: Too long: may not be more than 1 byte`,
		}},
		{"default of an embedded resource", `{"type":"object","properties":{"e":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true,"default":{"kind":"Pod"}}}}`, []string{
			p + `.properties[e].default.apiVersion: Required value`,
		}},
		{"defaults in top-level metadata", `{"type":"object","properties":{"metadata":{"type":"object","default":{}},"apiVersion":{"type":"string","default":"v1"}}}`, []string{
			p + `.properties[apiVersion].default: Forbidden: must not be set in top-level apiVersion`,
			p + `.properties[metadata].default: Forbidden: must not be set in top-level metadata`,
		}},
		{"defaults in additionalProperties of metadata", `{"type":"object","properties":{"e":{"type":"object","x-kubernetes-embedded-resource":true,"properties":{"metadata":{"type":"object","properties":{"labels":{"type":"object","additionalProperties":{"type":"string","default":"x"}}}}}}}}`, []string{
			p + `.properties[e].properties[metadata].properties[labels].additionalProperties.default: Forbidden: must not be set inside additionalProperties applying to object metadata`,
		}},
		{"defaults are checked only when structural", `{"type":"object","properties":{"a":{"type":"string","default":5},"b":{}}}`, []string{
			p + `.properties[b].type: Required value: must not be empty for specified object fields`,
		}},
	})
}

type parseCase struct {
	name   string
	schema string
	want   []string
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var schema map[string]any
			if tc.schema != "" {
				schema = decode(t, tc.schema)
			}
			s, errs := Parse(schema, schemaPath)
			if len(tc.want) == 0 {
				require.Empty(t, messages(errs))
				require.NotNil(t, s)
				return
			}
			require.Nil(t, s)
			require.Equal(t, tc.want, messages(errs))
		})
	}
}
