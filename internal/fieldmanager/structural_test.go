package fieldmanager

import (
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/kubemem/kubemem/internal/structural"
	"github.com/kubemem/kubemem/types"
)

var widgetGVK = types.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}

const widgetSchema = `{"type":"object","properties":{
	"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":20}}},
	"spec":{"type":"object","properties":{
		"items":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name","zone"],
			"items":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"zone":{"type":"string","default":"a"},"value":{"type":"integer"}}}},
		"tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
		"args":{"type":"array","items":{"type":"string"}},
		"config":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
		"selector":{"type":"object","x-kubernetes-map-type":"atomic","properties":{"a":{"type":"string"},"b":{"type":"string"}}},
		"template":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true},
		"port":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]},
		"when":{"type":"string","format":"date-time"}}},
	"status":{"type":"object","properties":{"phase":{"type":"string"}}}}}`

func widgetManager(t *testing.T) *Manager {
	t.Helper()
	s, errs := structural.Parse(decode(t, widgetSchema), types.NewFieldPath("openAPIV3Schema"))
	require.Empty(t, errs)
	return New(ForStructural(s), widgetGVK, map[string]*fieldpath.Set{
		"":       NewFieldSet("status"),
		"status": NewFieldSet("metadata", "spec"),
	})
}

const widgetHead = `"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"default"}`

func TestApplyCustomResource(t *testing.T) {
	runScript(t, widgetManager(t), []step{
		{
			apply: true, manager: "a",
			obj: `{` + widgetHead + `,"spec":{"items":[{"name":"x","value":1}],"tags":["t1"],"args":["a1"],"port":"http","when":"2026-01-01T00:00:00Z",
				"config":{"nested":{"k":"v"},"list":[1,2]},
				"template":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n","labels":{"l":"1"}},"data":{"d":"1"}}}}`,
			// Deduced maps (below preserve-unknown-fields) are members of the set, unlike declared objects.
			wantManaged: `[{"manager":"a","operation":"Apply","apiVersion":"example.com/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{
				"f:args":{},
				"f:config":{"f:list":{},"f:nested":{".":{},"f:k":{}}},
				"f:items":{"k:{\"name\":\"x\",\"zone\":\"a\"}":{".":{},"f:name":{},"f:value":{}}},
				"f:port":{},
				"f:tags":{"v:\"t1\"":{}},
				"f:template":{"f:apiVersion":{},"f:data":{".":{},"f:d":{}},"f:kind":{},"f:metadata":{"f:labels":{"f:l":{}},"f:name":{}}},
				"f:when":{}}}}]`,
		},
		{
			// Lists of type map merge by their keys (zone defaults to "a"), sets merge, preserve-unknown-fields
			// objects merge field by field.
			apply: true, manager: "b",
			obj: `{` + widgetHead + `,"spec":{"items":[{"name":"x","zone":"b","value":2}],"tags":["t2"],"config":{"nested":{"k2":"v2"}},
				"template":{"data":{"e":"2"}}}}`,
			wantObj: `{` + widgetHead[:len(widgetHead)-1] + `,"uid":"u1"},"spec":{"items":[{"name":"x","value":1},{"name":"x","zone":"b","value":2}],"tags":["t1","t2"],
				"args":["a1"],"port":"http","when":"2026-01-01T00:00:00Z","config":{"nested":{"k":"v","k2":"v2"},"list":[1,2]},
				"template":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n","labels":{"l":"1"}},"data":{"d":"1","e":"2"}}}}`,
		},
		{
			// A list without a list type is atomic; so is a list in a preserve-unknown-fields object.
			apply: true, manager: "c", obj: `{` + widgetHead + `,"spec":{"args":["c1"],"config":{"list":[3]}}}`,
			wantErr: "Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.args\n- .spec.config.list",
		},
		{
			// An atomic object is owned whole.
			apply: true, manager: "c", obj: `{` + widgetHead + `,"spec":{"selector":{"a":"1","b":"2"}}}`,
		},
		{
			apply: true, manager: "d", obj: `{` + widgetHead + `,"spec":{"selector":{"a":"1"}}}`,
			wantErr: `Apply failed with 1 conflict: conflict with "c": .spec.selector`,
		},
		{
			// The schema is enforced outside preserve-unknown-fields objects.
			apply: true, manager: "d", obj: `{` + widgetHead + `,"spec":{"unknown":1}}`,
			wantErr: "failed to create typed patch object (default/w; example.com/v1, Kind=Widget): .spec.unknown: field not declared in schema",
		},
	})
}

func TestApplyThroughStatus(t *testing.T) {
	runScript(t, widgetManager(t), []step{
		{apply: true, manager: "a", obj: `{` + widgetHead + `,"spec":{"tags":["t1"]}}`},
		{
			// Through the status subresource only status is owned; the spec change is merged but the strategy
			// resets it (not field management).
			apply: true, manager: "controller", subresource: "status",
			obj: `{` + widgetHead + `,"spec":{"tags":["t9"]},"status":{"phase":"Ready"}}`,
		},
		{
			// Status is a reset field of the main resource: applying it there owns nothing and conflicts with
			// nobody.
			apply: true, manager: "e", obj: `{` + widgetHead + `,"status":{"phase":"Done"}}`,
			wantManaged: `[
				{"manager":"a","operation":"Apply","apiVersion":"example.com/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:tags":{"v:\"t1\"":{}}}}},
				{"manager":"controller","operation":"Apply","apiVersion":"example.com/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:phase":{}}},"subresource":"status"}]`,
		},
	})
}

func TestDeducedConverter(t *testing.T) {
	// A custom resource without a schema: maps are granular, lists atomic.
	m := New(ForStructural(nil), widgetGVK, nil)
	runScript(t, m, []step{
		{apply: true, manager: "a", obj: `{` + widgetHead + `,"spec":{"m":{"x":1},"l":[1]}}`},
		{
			apply: true, manager: "b", obj: `{` + widgetHead + `,"spec":{"m":{"y":2},"l":[2]}}`,
			wantErr: `Apply failed with 1 conflict: conflict with "a": .spec.l`,
		},
		{
			apply: true, manager: "b", obj: `{` + widgetHead + `,"spec":{"m":{"y":2}}}`,
			wantObj: `{` + widgetHead[:len(widgetHead)-1] + `,"uid":"u1"},"spec":{"m":{"x":1,"y":2},"l":[1]}}`,
		},
	})
}
