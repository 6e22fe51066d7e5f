package structural

import (
	"github.com/kubemem/kubemem/types"
)

// Parse checks the openAPIV3Schema of a CRD version (decoded JSON) as kube-apiserver's apiextensions.k8s.io/v1 CRD
// validation does, reporting errors under path (the caller passes e.g. spec.versions[0].schema.openAPIV3Schema),
// and returns the parsed schema when there are none.
//
// The checks and their order are kube's validateCustomResourceDefinitionValidation with the rules of a CRD
// create (structural schema, pruned defaults, atomic set items, valid property types required):
//
//  1. nullable at the root;
//  2. when the schema converts to a structural one: the structural invariants and completeness
//     (ValidateStructural), sorted by message as kube sorts them, or when there are none, the defaults: each must
//     validate against its schema and be free of unknown fields;
//  3. the keywords and extensions rules of ValidateCustomResourceDefinitionOpenAPISchema, node by node;
//  4. only when nothing else was reported, why the schema could not be converted to a structural one (e.g. a
//     $schema keyword).
//
// Where kube iterates a Go map (properties, definitions), Parse goes in sorted key order. A value of the wrong
// JSON type for a keyword ("type": 5) is what kube-apiserver fails to decode the CRD with (a 400, before any
// validation); Parse reports the first such value alone, as a FieldErrorTypeTypeInvalid error whose detail starts
// with "json: cannot unmarshal" (or is "boolean or JSON schema expected"). The CEL expressions of
// x-kubernetes-validations are checked for shape only, not compiled. A nil schema is reported as kube reports a
// missing schema ("Required value: schemas are required").
//
// Parse does not keep references to schema: the returned Schema is a deep copy, immutable and safe for
// concurrent use.
func Parse(schema map[string]any, path *types.FieldPath) (*Schema, types.FieldErrorList) {
	if schema == nil {
		return nil, types.FieldErrorList{types.FieldRequired(path, "schemas are required")}
	}
	d := &decoder{}
	n := d.node(schema, path)
	if len(d.errs) > 0 {
		return nil, d.errs[:1] // kube stops decoding at the first error
	}

	errs := checkRoot(n, path)
	conversion := conversionError(n)
	var built *Schema
	if conversion == "" {
		if structural := checkStructural(n, path); len(structural) > 0 {
			errs = append(errs, structural...)
		} else {
			built = build(n)
			built.finish()
			errs = append(errs, checkDefaults(built, path)...)
		}
	}
	errs = append(errs, checkOpenAPI(n, path, specContext{allowDefaults: true}, true)...)
	if len(errs) == 0 && conversion != "" {
		errs = append(errs, types.FieldInvalid(path, "", conversion))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return built, nil
}

// build converts a checked node tree into a Schema, deep-copying defaults and enum values.
func build(n *node) *Schema {
	if n == nil {
		return nil
	}
	s := &Schema{
		Type:             n.typ,
		Format:           n.format,
		Title:            n.title,
		Description:      n.description,
		Nullable:         n.nullable,
		Required:         n.required,
		Pattern:          n.pattern,
		Maximum:          n.maximum,
		ExclusiveMaximum: n.exclusiveMaximum,
		Minimum:          n.minimum,
		ExclusiveMinimum: n.exclusiveMinimum,
		MultipleOf:       n.multipleOf,
		MaxLength:        n.maxLength,
		MinLength:        n.minLength,
		MaxItems:         n.maxItems,
		MinItems:         n.minItems,
		UniqueItems:      n.uniqueItems,
		MaxProperties:    n.maxProperties,
		MinProperties:    n.minProperties,
		Not:              build(n.not),
		Items:            build(n.items),

		XPreserveUnknownFields: isPreserve(n),
		XEmbeddedResource:      n.xEmbeddedResource,
		XIntOrString:           n.xIntOrString,
		XListMapKeys:           n.xListMapKeys,
		XValidations:           n.xValidations,
	}
	if n.hasDefault {
		s.DefaultValue, s.HasDefault = deepCopy(n.def), true
	}
	for _, e := range n.enum {
		s.Enum = append(s.Enum, deepCopy(e))
	}
	if n.xListType != nil {
		s.XListType = *n.xListType
	}
	if n.xMapType != nil {
		s.XMapType = *n.xMapType
	}
	if len(n.properties) > 0 {
		s.Properties = make(map[string]*Schema, len(n.properties))
		for k, p := range n.properties {
			s.Properties[k] = build(p)
		}
	}
	if ap := n.additionalProperties; ap != nil {
		s.HasAdditionalProperties = true
		s.AdditionalPropertiesAllowed = ap.allows
		s.AdditionalProperties = build(ap.schema)
	}
	for _, c := range n.allOf {
		s.AllOf = append(s.AllOf, build(c))
	}
	for _, c := range n.anyOf {
		s.AnyOf = append(s.AnyOf, build(c))
	}
	for _, c := range n.oneOf {
		s.OneOf = append(s.OneOf, build(c))
	}
	return s
}

// checkDefaults is kube's ValidateDefaults for a version's root schema: every default (outside additionalProperties,
// which kube does not follow) must be free of unknown fields, keep embedded resources valid, and validate against
// the schema it is the default of. The root is treated as an embedded resource.
func checkDefaults(root *Schema, p *types.FieldPath) types.FieldErrorList {
	clone := *root
	clone.XEmbeddedResource = true
	return defaultsAt(&clone, p, false)
}

func defaultsAt(s *Schema, p *types.FieldPath, insideMeta bool) types.FieldErrorList {
	if s == nil {
		return nil
	}
	if s.XEmbeddedResource {
		insideMeta = false
	}
	var errs types.FieldErrorList
	if s.HasDefault {
		dp := p.Child("default")
		switch {
		case insideMeta:
			// kube validates such a default inside a surrounding object's metadata; the schema checks are the same.
			errs = append(errs, fieldErrors(dp, validate(s, "", s.DefaultValue, nil))...)
		default:
			pruned := deepCopy(s.DefaultValue)
			pruneValue(pruned, s, s.XEmbeddedResource, nil)
			if !jsonEqual(pruned, s.DefaultValue) {
				errs = append(errs, types.FieldInvalid(dp, s.DefaultValue, "must not have unknown fields"))
			}
			if meta := validateEmbedded(dp, s.DefaultValue, s, s.XEmbeddedResource, nil); len(meta) > 0 {
				errs = append(errs, meta...)
			} else {
				errs = append(errs, fieldErrors(dp, validate(s, "", s.DefaultValue, nil))...)
			}
		}
	}
	errs = append(errs, defaultsAt(s.Items, p.Child("items"), insideMeta)...)
	for _, k := range s.propertyNames {
		sub := insideMeta || (s.XEmbeddedResource && metaFields[k])
		errs = append(errs, defaultsAt(s.Properties[k], p.Child("properties").Key(k), sub)...)
	}
	return errs
}
