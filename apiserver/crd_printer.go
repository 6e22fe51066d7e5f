package apiserver

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubemem/kubemem/internal/jsonpath"
	"github.com/kubemem/kubemem/types"
)

// The Table form of custom resources, from their CRD version's additionalPrinterColumns, as apiextensions-apiserver
// builds it (pkg/registry/customresource/tableconvertor) and validates it (ValidateCustomResourceColumnDefinition
// in pkg/apis/apiextensions/validation).

// printerColumnTypes and printerColumnFormats are the values kube accepts for a column's type and format, sorted
// as its messages list them.
var (
	printerColumnTypes   = []string{"boolean", "date", "integer", "number", "string"}
	printerColumnFormats = []string{"byte", "date", "date-time", "double", "float", "int32", "int64", "password"}
)

// defaultPrinterColumns are the columns of a CRD version that defines none: kube-apiserver serves an Age column
// (apiextensions-apiserver's serveDefaultColumnsIfEmpty), so such a Table has Name and Age.
var defaultPrinterColumns = []any{map[string]any{
	"name": "Age", "type": "date", "description": ageDescription, "jsonPath": ".metadata.creationTimestamp",
}}

// printerColumn is one entry of additionalPrinterColumns (apiextensions.k8s.io/v1 CustomResourceColumnDefinition).
type printerColumn struct {
	name, typ, format, description, jsonPath string
	priority                                 int
}

// readPrinterColumn reads a decoded column definition. Fields of the wrong JSON type read as unset: rejecting
// them is the decoder's job (kube fails the CRD's decoding with a 400 before it validates).
func readPrinterColumn(v any) printerColumn {
	m, _ := v.(map[string]any)
	str := func(k string) string { s, _ := m[k].(string); return s }
	c := printerColumn{name: str("name"), typ: str("type"), format: str("format"), description: str("description"),
		jsonPath: str("jsonPath")}
	switch p := m["priority"].(type) {
	case int64:
		c.priority = int(p)
	case float64:
		c.priority = int(p)
	}
	return c
}

// crdColumn is a column of a custom resource Table: its evaluated JSONPath and type.
type crdColumn struct {
	path *jsonpath.JSONPath // {jsonPath}, missing keys allowed
	typ  string
}

// crdPrinter returns the Table form of a custom resource version from its CRD's
// spec.versions[i].additionalPrinterColumns (decoded JSON list; nil or empty when the version has none), as
// apiextensions-apiserver's tableconvertor does.
//
// The Table has the Name column and then exactly the given columns (SEMANTICS V-8: no Age unless a column defines
// it); a version without columns gets kube's default, Name and Age. Each column keeps its name, type, format,
// priority and description, or "Custom resource definition column (in JSONPath format): <jsonPath>" when it has
// none. A cell is the first result of the JSONPath {jsonPath} on the object (with missing keys allowed), nil when it
// has none or fails, converted by the column's type:
//
//   - string: the value printed as kubectl's JSONPath prints it: strings bare, numbers and booleans as Go prints
//     them (1e+06), lists and maps as JSON, null as "<no value>";
//   - integer: an integer, or a float truncated to one; number: a float, or an integer as one; boolean: a bool;
//   - date: the time since an RFC 3339 timestamp as the Age column shows it, "<unknown>" for "" or "null",
//     "<invalid>" for another string;
//   - any other value, or type: nil.
//
// When a JSONPath does not parse, crdPrinter returns the Table of the columns before it and the error kube logs
// ("unrecognized column definition \".spec[\""); kube serves that Table. CRD validation does not catch this case.
// The printer is immutable and safe for concurrent use.
func crdPrinter(columns []any) (printer, error) {
	if len(columns) == 0 {
		columns = defaultPrinterColumns
	}
	defs := []tableColumn{nameColumn()}
	var cols []crdColumn
	var err error
	for _, v := range columns {
		c := readPrinterColumn(v)
		p, perr := jsonpath.Parse(c.name, "{"+c.jsonPath+"}")
		if perr != nil {
			err = fmt.Errorf("unrecognized column definition %q", c.jsonPath)
			break
		}
		desc := c.description
		if desc == "" {
			desc = "Custom resource definition column (in JSONPath format): " + c.jsonPath
		}
		defs = append(defs, tableColumn{Name: c.name, Type: c.typ, Format: c.format, Description: desc, Priority: c.priority})
		cols = append(cols, crdColumn{path: p.AllowMissingKeys(true), typ: c.typ})
	}
	cells := func(u types.Unstructured, o *types.Object, now time.Time) []any {
		row := make([]any, 1, 1+len(cols))
		row[0] = o.Name()
		for _, c := range cols {
			row = append(row, c.cell(u, now))
		}
		return row
	}
	return printer{columns: defs, cells: cells}, err
}

// cell computes the column's cell for object u.
func (c crdColumn) cell(u types.Unstructured, now time.Time) any {
	results, err := c.path.FindResults(map[string]any(u))
	if err != nil || len(results) == 0 || len(results[0]) == 0 {
		return nil
	}
	v := results[0][0]
	switch c.typ {
	case "string":
		if v == nil {
			return "<no value>" // kube prints reflect.ValueOf(nil), which client-go's JSONPath prints so
		}
		var b strings.Builder
		if jsonpath.PrintResults(&b, []any{v}) != nil {
			return nil
		}
		return b.String()
	case "integer":
		switch n := v.(type) {
		case int64:
			return n
		case float64:
			return int64(n)
		}
	case "number":
		switch n := v.(type) {
		case int64:
			return float64(n)
		case float64:
			return n
		}
	case "boolean":
		if b, ok := v.(bool); ok {
			return b
		}
	case "date":
		if s, ok := v.(string); ok {
			return dateCell(s, now)
		}
	}
	return nil
}

// dateCell renders an RFC 3339 timestamp as the time elapsed until now, as kube's date columns do (metav1.Time's
// UnmarshalQueryParameter, then ConvertToHumanReadableDateType).
func dateCell(s string, now time.Time) string {
	if s == "" || s == "null" {
		return "<unknown>"
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return "<invalid>"
	}
	if t.IsZero() {
		return "<unknown>"
	}
	return humanDuration(now.Sub(t))
}

// validatePrinterColumns returns kube-apiserver's CRD validation errors for additionalPrinterColumns at path, in
// kube's order and words, for each column: name required; type required and one of boolean, date, integer, number,
// string; format, when set, one of kube's; jsonPath required and starting with "." (reported at "JSONPath", the
// internal field name kube's messages use).
//
// Kube checks nothing more: a jsonPath that does not parse and a negative priority are accepted (crdPrinter then
// falls back as kube does).
//
// path is where kube reports the list: spec.versions[i].additionalPrinterColumns, except when every version has
// the same columns (a single-version CRD always does), which kube validates after hoisting them to
// spec.additionalPrinterColumns, and reports there.
func validatePrinterColumns(columns []any, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	typeDetail := "must be one of " + strings.Join(printerColumnTypes, ",")
	formatDetail := "must be one of " + strings.Join(printerColumnFormats, ",")
	for i, v := range columns {
		c := readPrinterColumn(v)
		p := path.Index(i)
		if c.name == "" {
			errs = append(errs, types.FieldRequired(p.Child("name"), ""))
		}
		switch {
		case c.typ == "":
			errs = append(errs, types.FieldRequired(p.Child("type"), typeDetail))
		case !slices.Contains(printerColumnTypes, c.typ):
			errs = append(errs, types.FieldInvalid(p.Child("type"), c.typ, typeDetail))
		}
		if c.format != "" && !slices.Contains(printerColumnFormats, c.format) {
			errs = append(errs, types.FieldInvalid(p.Child("format"), c.format, formatDetail))
		}
		switch {
		case c.jsonPath == "":
			errs = append(errs, types.FieldRequired(p.Child("JSONPath"), ""))
		case c.jsonPath[0] != '.':
			errs = append(errs, types.FieldInvalid(p.Child("JSONPath"), c.jsonPath, "must be a simple json path starting with ."))
		}
	}
	return errs
}
