package apiserver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

func decodeJSONForPrinter(t *testing.T, s string) any {
	t.Helper()
	v, err := jsontree.Decode([]byte(s))
	require.NoError(t, err)
	return v
}

// printerRow evaluates p on the object written as JSON, at now.
func printerRow(t *testing.T, p printer, obj string, now time.Time) []any {
	t.Helper()
	u := types.Unstructured(decodeJSONForPrinter(t, obj).(map[string]any))
	o, err := u.ToObject()
	require.NoError(t, err)
	return p.cells(u, o, now)
}

func crdColumnsOf(t *testing.T, s string) []any {
	t.Helper()
	if s == "" {
		return nil
	}
	return decodeJSONForPrinter(t, s).([]any)
}

const crdPrinterObject = `{"apiVersion": "x.io/v1", "kind": "X",
	"metadata": {"name": "n1", "creationTimestamp": "2020-01-01T00:00:00Z", "labels": {"app.kubernetes.io/name": "web"}},
	"spec": {"s": "str", "i": 3, "f": 2.7, "b": true, "n": null, "l": [1, "a"], "m": {"k": "v", "a": ["<"]}, "big": 1e6,
		"when": "2020-01-01T11:30:00Z", "whenOffset": "2020-01-01T12:00:00.5+01:00", "zero": "0001-01-01T00:00:00Z",
		"future": "2020-01-02T00:00:00Z", "empty": "", "null": "null", "bad": "yesterday"},
	"status": {"conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}}`

// The cells and their JSON are those of kube-apiserver 1.37's tableconvertor for the same columns and object.
func TestCRDPrinterCells(t *testing.T) {
	now := time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, typ, jsonPath string
		want                any
	}{
		{"string", "string", ".spec.s", "str"},
		{"integer", "integer", ".spec.i", int64(3)},
		{"integer of a float truncates", "integer", ".spec.f", int64(2)},
		{"number", "number", ".spec.f", 2.7},
		{"number of an integer", "number", ".spec.i", 3.0},
		{"boolean", "boolean", ".spec.b", true},
		{"string of an integer", "string", ".spec.i", "3"},
		{"string of a float prints as Go does", "string", ".spec.big", "1e+06"},
		{"string of null", "string", ".spec.n", "<no value>"},
		{"string of a list is JSON", "string", ".spec.l", `[1,"a"]`},
		{"string of a map is JSON", "string", ".spec.m", `{"a":["\u003c"],"k":"v"}`},
		{"first of several results", "string", ".spec.l[*]", "1"},
		{"missing", "string", ".spec.missing", nil},
		{"evaluation error", "integer", ".spec.l[5]", nil},
		{"wrong type", "boolean", ".spec.s", nil},
		{"integer of a string", "integer", ".spec.s", nil},
		{"number of null", "number", ".spec.n", nil},
		{"filter", "string", `.status.conditions[?(@.type=="Ready")].status`, "True"},
		{"escaped dots", "string", `.metadata.labels.app\.kubernetes\.io/name`, "web"},
		{"unknown type", "object", ".spec.m", nil},
		{"date", "date", ".spec.when", "30m"},
		{"date with offset and fraction", "date", ".spec.whenOffset", "59m"},
		{"creation timestamp", "date", ".metadata.creationTimestamp", "12h"},
		{"date in the future", "date", ".spec.future", "<invalid>"},
		{"zero date", "date", ".spec.zero", "<unknown>"},
		{"empty date", "date", ".spec.empty", "<unknown>"},
		{"null string date", "date", ".spec.null", "<unknown>"},
		{"unparsable date", "date", ".spec.bad", "<invalid>"},
		{"date of a number", "date", ".spec.i", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := crdPrinter([]any{map[string]any{"name": "C", "type": tt.typ, "jsonPath": tt.jsonPath}})
			require.NoError(t, err)
			row := printerRow(t, p, crdPrinterObject, now)
			require.Equal(t, []any{"n1", tt.want}, row)
		})
	}
}

func TestCRDPrinterCellsJSON(t *testing.T) {
	columns := crdColumnsOf(t, `[
		{"name": "Str", "type": "string", "jsonPath": ".spec.s"},
		{"name": "Int", "type": "integer", "jsonPath": ".spec.i"},
		{"name": "IntOfFloat", "type": "integer", "jsonPath": ".spec.f"},
		{"name": "Num", "type": "number", "jsonPath": ".spec.f"},
		{"name": "NumOfInt", "type": "number", "jsonPath": ".spec.i"},
		{"name": "Bool", "type": "boolean", "jsonPath": ".spec.b"},
		{"name": "StrOfInt", "type": "string", "jsonPath": ".spec.i"},
		{"name": "StrOfBig", "type": "string", "jsonPath": ".spec.big"},
		{"name": "StrOfNull", "type": "string", "jsonPath": ".spec.n"},
		{"name": "StrOfList", "type": "string", "jsonPath": ".spec.l"},
		{"name": "StrOfMap", "type": "string", "jsonPath": ".spec.m"},
		{"name": "FirstOfMany", "type": "string", "jsonPath": ".spec.l[*]"},
		{"name": "Missing", "type": "string", "jsonPath": ".spec.missing"},
		{"name": "OutOfBounds", "type": "integer", "jsonPath": ".spec.l[5]"},
		{"name": "WrongType", "type": "boolean", "jsonPath": ".spec.s"},
		{"name": "Condition", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
		{"name": "Escaped", "type": "string", "jsonPath": ".metadata.labels.app\\.kubernetes\\.io/name"}
	]`)
	p, err := crdPrinter(columns)
	require.NoError(t, err)
	row := printerRow(t, p, crdPrinterObject, time.Now())
	b, err := jsontree.Append(nil, row)
	require.NoError(t, err)
	// kube-apiserver's Table row for the same columns and object, byte for byte
	require.Equal(t, `["n1","str",3,2,2.7,3,true,"3","1e+06","\u003cno value\u003e","[1,\"a\"]","{\"a\":[\"\\u003c\"],\"k\":\"v\"}","1",null,null,null,"True","web"]`,
		string(b))
}

func TestCRDPrinterColumns(t *testing.T) {
	defaultDescription := func(jsonPath string) string {
		return "Custom resource definition column (in JSONPath format): " + jsonPath
	}
	tests := []struct {
		name    string
		columns string
		want    []tableColumn
		wantErr string
		obj     string
		row     []any
	}{
		{
			name: "no columns: kube's default Name and Age",
			want: []tableColumn{nameColumn(), {Name: "Age", Type: "date", Description: ageDescription}},
			row:  []any{"n1", "12h"},
		},
		{
			name:    "empty list: the default too",
			columns: `[]`,
			want:    []tableColumn{nameColumn(), {Name: "Age", Type: "date", Description: ageDescription}},
			row:     []any{"n1", "12h"},
		},
		{
			name: "no creation timestamp",
			want: []tableColumn{nameColumn(), {Name: "Age", Type: "date", Description: ageDescription}},
			obj:  `{"apiVersion": "x.io/v1", "kind": "X", "metadata": {"name": "n1"}}`,
			row:  []any{"n1", nil},
		},
		{
			name: "Name and exactly the columns: no Age",
			columns: `[
				{"name": "Replicas", "type": "integer", "format": "int32", "description": "Desired", "priority": 1,
				 "jsonPath": ".spec.i"},
				{"name": "Mode", "type": "string", "jsonPath": ".spec.s"}
			]`,
			want: []tableColumn{nameColumn(),
				{Name: "Replicas", Type: "integer", Format: "int32", Description: "Desired", Priority: 1},
				{Name: "Mode", Type: "string", Description: defaultDescription(".spec.s")}},
			row: []any{"n1", int64(3), "str"},
		},
		{
			name:    "an Age column of the CRD's own",
			columns: `[{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]`,
			want:    []tableColumn{nameColumn(), {Name: "Age", Type: "date", Description: defaultDescription(".metadata.creationTimestamp")}},
			row:     []any{"n1", "12h"},
		},
		{
			name: "unparsable JSONPath: the columns before it, and kube's error",
			columns: `[
				{"name": "A", "type": "string", "jsonPath": ".spec.s"},
				{"name": "B", "type": "string", "jsonPath": ".spec["},
				{"name": "C", "type": "string", "jsonPath": ".spec.s"}
			]`,
			want:    []tableColumn{nameColumn(), {Name: "A", Type: "string", Description: defaultDescription(".spec.s")}},
			wantErr: `unrecognized column definition ".spec["`,
			row:     []any{"n1", "str"},
		},
		{
			name:    "JSONPath without a leading dot still evaluates",
			columns: `[{"name": "A", "type": "string", "jsonPath": "spec"}]`,
			want:    []tableColumn{nameColumn(), {Name: "A", Type: "string", Description: defaultDescription("spec")}},
			row:     []any{"n1", nil}, // "unrecognized identifier spec"
		},
	}
	now := time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := crdPrinter(crdColumnsOf(t, tt.columns))
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tt.want, p.columns)
			obj := tt.obj
			if obj == "" {
				obj = crdPrinterObject
			}
			require.Equal(t, tt.row, printerRow(t, p, obj, now))
		})
	}
}

// Messages and paths are kube-apiserver's (ValidateCustomResourceColumnDefinition).
func TestValidatePrinterColumns(t *testing.T) {
	path := types.NewFieldPath("spec", "versions").Index(0).Child("additionalPrinterColumns")
	tests := []struct {
		name    string
		columns string
		want    []string
	}{
		{"none", ``, nil},
		{"valid", `[
			{"name": "A", "type": "string", "jsonPath": ".spec.a"},
			{"name": "B", "type": "integer", "format": "int32", "priority": 3, "jsonPath": ".status.b[0]"},
			{"name": "C", "type": "date", "format": "date-time", "jsonPath": "."}
		]`, nil},
		{"everything missing", `[{}]`, []string{
			"spec.versions[0].additionalPrinterColumns[0].name: Required value",
			"spec.versions[0].additionalPrinterColumns[0].type: Required value: must be one of boolean,date,integer,number,string",
			"spec.versions[0].additionalPrinterColumns[0].JSONPath: Required value",
		}},
		{"bad type and format", `[{"name": "A", "type": "object", "format": "uuid", "jsonPath": ".a"}]`, []string{
			`spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "object": must be one of boolean,date,integer,number,string`,
			`spec.versions[0].additionalPrinterColumns[0].format: Invalid value: "uuid": must be one of byte,date,date-time,double,float,int32,int64,password`,
		}},
		{"not a simple JSONPath", `[{"name": "A", "type": "string", "jsonPath": "spec.a"}]`, []string{
			`spec.versions[0].additionalPrinterColumns[0].JSONPath: Invalid value: "spec.a": must be a simple json path starting with .`,
		}},
		{"kube does not parse the JSONPath nor bound the priority",
			`[{"name": "A", "type": "string", "priority": -1, "jsonPath": ".spec["}]`, nil},
		{"each column at its index", `[
			{"name": "A", "type": "string", "jsonPath": ".a"},
			{"type": "string", "jsonPath": ".b"}
		]`, []string{"spec.versions[0].additionalPrinterColumns[1].name: Required value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := validatePrinterColumns(crdColumnsOf(t, tt.columns), path)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			require.Equal(t, tt.want, got)
		})
	}
}
