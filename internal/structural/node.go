package structural

import (
	"fmt"
	"slices"

	"github.com/kubemem/kubemem/types"
)

// node is one JSONSchemaProps of a CRD schema as kube-apiserver decodes it from apiextensions.k8s.io/v1 JSON,
// including the keywords a CRD may not use. Parse checks a tree of nodes, then builds the Schema.
type node struct {
	id        string
	schemaURI string  // $schema
	ref       *string // $ref

	typ, format, title, description string

	maximum, minimum, multipleOf       *float64
	exclusiveMaximum, exclusiveMinimum bool
	maxLength, minLength               *int64
	maxItems, minItems                 *int64
	maxProperties, minProperties       *int64
	pattern                            string
	uniqueItems, nullable              bool
	required                           []string
	enum                               []any
	def                                any
	hasDefault                         bool
	items                              *node   // items: {...}
	itemsArray                         []*node // items: [...]
	hasItems                           bool    // items given (possibly with neither a schema nor an array)
	allOf, anyOf, oneOf                []*node
	not                                *node
	properties                         map[string]*node
	additionalProperties               *orBool
	additionalItems                    *orBool
	patternProperties                  map[string]*node
	definitions                        map[string]*node
	dependencies                       map[string]*node // only the schema-valued dependencies
	hasDependencies                    bool
	xPreserveUnknownFields             *bool
	xEmbeddedResource, xIntOrString    bool
	xListMapKeys                       []string
	xListType, xMapType                *string
	xValidations                       []ValidationRule
	xReasonIsSet                       []bool
	hasExternalDocs                    bool
}

// orBool is a JSONSchemaPropsOrBool: a boolean or a schema (which implies true).
type orBool struct {
	allows bool
	schema *node
}

// propertyNames returns the keys of m sorted, for a deterministic error order (kube iterates Go maps).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decoder turns decoded JSON into nodes, recording the errors kube-apiserver's JSON decoding of a v1 CRD would
// fail with (a value of the wrong JSON type).
type decoder struct {
	errs types.FieldErrorList
}

// jsonKind names the JSON type of v as encoding/json does in its unmarshal errors.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case int64, float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// typeError records that the value at p has the wrong JSON type for a field of Go type goType.
func (d *decoder) typeError(p *types.FieldPath, v any, goType string) {
	d.errs = append(d.errs, types.FieldTypeInvalid(p, v,
		fmt.Sprintf("json: cannot unmarshal %s into Go value of type %s", jsonKind(v), goType)))
}

func (d *decoder) str(m map[string]any, key string, p *types.FieldPath) string {
	v, ok := m[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		d.typeError(p.Child(key), v, "string")
	}
	return s
}

func (d *decoder) strPtr(m map[string]any, key string, p *types.FieldPath) *string {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		d.typeError(p.Child(key), v, "string")
		return nil
	}
	return &s
}

func (d *decoder) boolean(m map[string]any, key string, p *types.FieldPath) bool {
	v, ok := m[key]
	if !ok || v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		d.typeError(p.Child(key), v, "bool")
	}
	return b
}

func (d *decoder) boolPtr(m map[string]any, key string, p *types.FieldPath) *bool {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	b, ok := v.(bool)
	if !ok {
		d.typeError(p.Child(key), v, "bool")
		return nil
	}
	return &b
}

func (d *decoder) float(m map[string]any, key string, p *types.FieldPath) *float64 {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	switch n := v.(type) {
	case int64:
		f := float64(n)
		return &f
	case float64:
		return &n
	}
	d.typeError(p.Child(key), v, "float64")
	return nil
}

func (d *decoder) integer(m map[string]any, key string, p *types.FieldPath) *int64 {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	n, ok := v.(int64)
	if !ok {
		d.typeError(p.Child(key), v, "int64")
		return nil
	}
	return &n
}

func (d *decoder) strings(m map[string]any, key string, p *types.FieldPath) []string {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		d.typeError(p.Child(key), v, "[]string")
		return nil
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok && e != nil {
			d.typeError(p.Child(key).Index(i), e, "string")
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) schemaMap(m map[string]any, key string, p *types.FieldPath) map[string]*node {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		d.typeError(p.Child(key), v, "map[string]JSONSchemaProps")
		return nil
	}
	out := make(map[string]*node, len(obj))
	for k, e := range obj {
		out[k] = d.schemaValue(e, p.Child(key).Key(k))
	}
	return out
}

// schemaValue decodes a value that must be a schema object; null gives an empty schema, as decoding null into a
// struct does.
func (d *decoder) schemaValue(v any, p *types.FieldPath) *node {
	switch t := v.(type) {
	case nil:
		return &node{}
	case map[string]any:
		return d.node(t, p)
	}
	d.typeError(p, v, "JSONSchemaProps")
	return &node{}
}

func (d *decoder) schemaList(m map[string]any, key string, p *types.FieldPath) []*node {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		d.typeError(p.Child(key), v, "[]JSONSchemaProps")
		return nil
	}
	out := make([]*node, len(l))
	for i, e := range l {
		out[i] = d.schemaValue(e, p.Child(key).Index(i))
	}
	return out
}

func (d *decoder) orBool(m map[string]any, key string, p *types.FieldPath) *orBool {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	switch t := v.(type) {
	case bool:
		return &orBool{allows: t}
	case map[string]any:
		return &orBool{allows: true, schema: d.node(t, p.Child(key))}
	}
	d.errs = append(d.errs, types.FieldTypeInvalid(p.Child(key), v, "boolean or JSON schema expected"))
	return nil
}

// node decodes one schema object.
func (d *decoder) node(m map[string]any, p *types.FieldPath) *node {
	n := &node{
		id:                     d.str(m, "id", p),
		schemaURI:              d.str(m, "$schema", p),
		ref:                    d.strPtr(m, "$ref", p),
		typ:                    d.str(m, "type", p),
		format:                 d.str(m, "format", p),
		title:                  d.str(m, "title", p),
		description:            d.str(m, "description", p),
		maximum:                d.float(m, "maximum", p),
		minimum:                d.float(m, "minimum", p),
		multipleOf:             d.float(m, "multipleOf", p),
		exclusiveMaximum:       d.boolean(m, "exclusiveMaximum", p),
		exclusiveMinimum:       d.boolean(m, "exclusiveMinimum", p),
		maxLength:              d.integer(m, "maxLength", p),
		minLength:              d.integer(m, "minLength", p),
		maxItems:               d.integer(m, "maxItems", p),
		minItems:               d.integer(m, "minItems", p),
		maxProperties:          d.integer(m, "maxProperties", p),
		minProperties:          d.integer(m, "minProperties", p),
		pattern:                d.str(m, "pattern", p),
		uniqueItems:            d.boolean(m, "uniqueItems", p),
		nullable:               d.boolean(m, "nullable", p),
		required:               d.strings(m, "required", p),
		allOf:                  d.schemaList(m, "allOf", p),
		anyOf:                  d.schemaList(m, "anyOf", p),
		oneOf:                  d.schemaList(m, "oneOf", p),
		properties:             d.schemaMap(m, "properties", p),
		additionalProperties:   d.orBool(m, "additionalProperties", p),
		additionalItems:        d.orBool(m, "additionalItems", p),
		patternProperties:      d.schemaMap(m, "patternProperties", p),
		definitions:            d.schemaMap(m, "definitions", p),
		xPreserveUnknownFields: d.boolPtr(m, "x-kubernetes-preserve-unknown-fields", p),
		xEmbeddedResource:      d.boolean(m, "x-kubernetes-embedded-resource", p),
		xIntOrString:           d.boolean(m, "x-kubernetes-int-or-string", p),
		xListMapKeys:           d.strings(m, "x-kubernetes-list-map-keys", p),
		xListType:              d.strPtr(m, "x-kubernetes-list-type", p),
		xMapType:               d.strPtr(m, "x-kubernetes-map-type", p),
	}
	if v, ok := m["not"]; ok && v != nil {
		n.not = d.schemaValue(v, p.Child("not"))
	}
	if v, ok := m["default"]; ok && v != nil {
		n.def, n.hasDefault = v, true
	}
	if v, ok := m["enum"]; ok && v != nil {
		if l, ok := v.([]any); ok {
			n.enum = l
		} else {
			d.typeError(p.Child("enum"), v, "[]JSON")
		}
	}
	if v, ok := m["items"]; ok && v != nil {
		n.hasItems = true
		switch t := v.(type) {
		case map[string]any:
			n.items = d.node(t, p.Child("items"))
		case []any:
			for i, e := range t {
				n.itemsArray = append(n.itemsArray, d.schemaValue(e, p.Child("items").Index(i)))
			}
		}
	}
	if v, ok := m["dependencies"]; ok && v != nil {
		deps, ok := v.(map[string]any)
		if !ok {
			d.typeError(p.Child("dependencies"), v, "JSONSchemaDependencies")
		} else {
			n.hasDependencies = len(deps) > 0
			for _, k := range sortedKeys(deps) {
				switch t := deps[k].(type) {
				case map[string]any:
					if n.dependencies == nil {
						n.dependencies = map[string]*node{}
					}
					n.dependencies[k] = d.node(t, p.Child("dependencies").Key(k))
				case []any, nil:
				default:
					d.typeError(p.Child("dependencies").Key(k), t, "JSONSchemaPropsOrStringArray")
				}
			}
		}
	}
	if v, ok := m["externalDocs"]; ok && v != nil {
		if _, ok := v.(map[string]any); !ok {
			d.typeError(p.Child("externalDocs"), v, "ExternalDocumentation")
		}
		n.hasExternalDocs = true
	}
	if v, ok := m["x-kubernetes-validations"]; ok && v != nil {
		d.validations(n, v, p.Child("x-kubernetes-validations"))
	}
	return n
}

// validations decodes x-kubernetes-validations.
func (d *decoder) validations(n *node, v any, p *types.FieldPath) {
	l, ok := v.([]any)
	if !ok {
		d.typeError(p, v, "ValidationRules")
		return
	}
	for i, e := range l {
		m, ok := e.(map[string]any)
		if !ok && e != nil {
			d.typeError(p.Index(i), e, "ValidationRule")
			continue
		}
		ip := p.Index(i)
		r := ValidationRule{
			Rule:              d.str(m, "rule", ip),
			Message:           d.str(m, "message", ip),
			MessageExpression: d.str(m, "messageExpression", ip),
			FieldPath:         d.str(m, "fieldPath", ip),
			OptionalOldSelf:   d.boolPtr(m, "optionalOldSelf", ip),
		}
		reason := d.strPtr(m, "reason", ip)
		if reason != nil {
			r.Reason = *reason
		}
		n.xValidations = append(n.xValidations, r)
		n.xReasonIsSet = append(n.xReasonIsSet, reason != nil)
	}
}
