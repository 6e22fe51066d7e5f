package structural

import (
	"regexp"
	"slices"
)

// Schema is one node of a structural schema: the parsed openAPIV3Schema of a CRD version, a node below it
// (a property, the items or the additionalProperties schema), or a value-validation clause under allOf, anyOf,
// oneOf or not (such a clause has no type, title, description, default, nullable or Kubernetes extensions).
//
// A Schema returned by Parse is immutable: none of the methods modify it, and callers must not either. It is
// therefore safe for concurrent use by any number of goroutines.
type Schema struct {
	// Type is "object", "array", "string", "integer", "number" or "boolean"; it is "" only where kube allows it:
	// with XIntOrString, with XPreserveUnknownFields, and in value-validation clauses.
	Type string
	// Format is the format as written in the schema. Formats kube-apiserver does not support for Type are kept
	// here but ignored by validation.
	Format      string
	Title       string
	Description string
	// Nullable allows null as a value.
	Nullable bool
	// DefaultValue is the default (decoded JSON) when HasDefault is set. It must not be modified.
	DefaultValue any
	HasDefault   bool

	// Properties are the declared fields of an object.
	Properties map[string]*Schema
	// Items is the schema of the elements of an array.
	Items *Schema
	// AdditionalProperties is the schema of the values of a map (additionalProperties: {...}). It is nil for
	// additionalProperties: true or false; see HasAdditionalProperties and AdditionalPropertiesAllowed.
	AdditionalProperties *Schema
	// HasAdditionalProperties reports that additionalProperties was given at all (true, false or a schema).
	HasAdditionalProperties bool
	// AdditionalPropertiesAllowed is false only for additionalProperties: false.
	AdditionalPropertiesAllowed bool

	// Value validations (JSON Schema draft 4 as in OpenAPI v3).
	Required         []string
	Enum             []any
	Pattern          string
	Maximum          *float64
	ExclusiveMaximum bool
	Minimum          *float64
	ExclusiveMinimum bool
	MultipleOf       *float64
	MaxLength        *int64
	MinLength        *int64
	MaxItems         *int64
	MinItems         *int64
	UniqueItems      bool
	MaxProperties    *int64
	MinProperties    *int64
	AllOf            []*Schema
	AnyOf            []*Schema
	OneOf            []*Schema
	Not              *Schema

	// Kubernetes extensions.
	XPreserveUnknownFields bool
	XEmbeddedResource      bool
	XIntOrString           bool
	// XListType is "atomic", "set", "map" or "" (unset, which behaves as atomic).
	XListType    string
	XListMapKeys []string
	// XMapType is "granular", "atomic" or "" (unset).
	XMapType string
	// XValidations are the CEL rules (x-kubernetes-validations). They are checked for shape by Parse but not
	// evaluated by Validate.
	XValidations []ValidationRule

	// Precomputed at Parse time, read-only afterwards.
	propertyNames   []string       // sorted keys of Properties
	pattern         *regexp.Regexp // compiled Pattern
	validationTypes []string       // the types kube-openapi checks: [Type], ["integer","string"] or none
	validFormat     string         // Format unless kube strips it as unsupported for Type
}

// ValidationRule is one x-kubernetes-validations entry of a schema, kept as written. Like the Schema holding it,
// it must not be modified once parsed.
type ValidationRule struct {
	Rule              string
	Message           string
	MessageExpression string
	Reason            string
	FieldPath         string
	OptionalOldSelf   *bool
}

// finish fills the precomputed fields of s and its children. It is called once by Parse, before s is shared.
func (s *Schema) finish() {
	if s == nil {
		return
	}
	s.propertyNames = make([]string, 0, len(s.Properties))
	for k, p := range s.Properties {
		s.propertyNames = append(s.propertyNames, k)
		p.finish()
	}
	slices.Sort(s.propertyNames)
	if s.Pattern != "" {
		s.pattern, _ = regexp.Compile(s.Pattern) // Parse rejected patterns that do not compile
	}
	switch {
	case s.XIntOrString:
		s.validationTypes = []string{"integer", "string"}
	case s.Type != "":
		s.validationTypes = []string{s.Type}
	}
	s.validFormat = supportedFormat(s.validationTypes, s.Format)
	s.Items.finish()
	s.AdditionalProperties.finish()
	for _, c := range s.AllOf {
		c.finish()
	}
	for _, c := range s.AnyOf {
		c.finish()
	}
	for _, c := range s.OneOf {
		c.finish()
	}
	s.Not.finish()
}

// property returns the schema of the declared field name, or nil.
func (s *Schema) property(name string) *Schema {
	if s == nil {
		return nil
	}
	return s.Properties[name]
}

// fieldSchema returns the schema that applies to the field name of an object: the declared property, else the
// additionalProperties schema, else nil.
func (s *Schema) fieldSchema(name string) *Schema {
	if s == nil {
		return nil
	}
	if p, ok := s.Properties[name]; ok {
		return p
	}
	if s.HasAdditionalProperties {
		return s.AdditionalProperties
	}
	return nil
}

// hasType reports whether t is one of the types kube-openapi checks for s.
func (s *Schema) hasType(t string) bool {
	return slices.Contains(s.validationTypes, t)
}
