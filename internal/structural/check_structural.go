package structural

import (
	"regexp"
	"slices"

	"github.com/kubemem/kubemem/types"
)

// This file is apiextensions-apiserver's NewStructural (the conversion errors) and ValidateStructural (the
// structural invariants and completeness), with kube's messages and paths.

// conversionError returns the first error NewStructural fails with for n, or "" when n converts.
func conversionError(n *node) string {
	if n == nil {
		return ""
	}
	if msg := unsupportedField(n); msg != "" {
		return msg
	}
	if msg := valueValidationConversionError(n); msg != "" {
		return msg
	}
	if n.additionalProperties != nil {
		if msg := conversionError(n.additionalProperties.schema); msg != "" {
			return msg
		}
	}
	if n.xPreserveUnknownFields != nil && !*n.xPreserveUnknownFields {
		return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined"
	}
	if len(n.itemsArray) > 0 {
		return "OpenAPIV3Schema 'items' must be a schema, but is an array"
	}
	if msg := conversionError(n.items); msg != "" {
		return msg
	}
	for _, k := range sortedKeys(n.properties) {
		if msg := conversionError(n.properties[k]); msg != "" {
			return msg
		}
	}
	return ""
}

// valueValidationConversionError is the conversion error of the value validations of n (not, allOf, anyOf,
// oneOf), or "".
func valueValidationConversionError(n *node) string {
	if msg := conversionError(n.not); msg != "" { // a clause converts as a schema does
		return msg
	}
	for _, list := range [][]*node{n.allOf, n.anyOf, n.oneOf} {
		for _, c := range list {
			if msg := conversionError(c); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// unsupportedField is kube's validateUnsupportedFields.
func unsupportedField(n *node) string {
	switch {
	case n.id != "":
		return "OpenAPIV3Schema 'id' is not supported"
	case n.schemaURI != "":
		return "OpenAPIV3Schema 'schema' is not supported"
	case n.ref != nil && *n.ref != "":
		return "OpenAPIV3Schema '$ref' is not supported"
	case len(n.patternProperties) > 0:
		return "OpenAPIV3Schema 'patternProperties' is not supported"
	case n.hasDependencies:
		return "OpenAPIV3Schema 'dependencies' is not supported"
	case n.additionalItems != nil:
		return "OpenAPIV3Schema 'additionalItems' is not supported"
	case len(n.definitions) > 0:
		return "OpenAPIV3Schema 'definitions' is not supported"
	}
	return ""
}

// level is where a structural node sits: the root, array items or an object field.
type level int

const (
	rootLevel level = iota
	itemLevel
	fieldLevel
)

// checkStructural is ValidateStructural: the invariants of every node and the completeness of value validations.
// The errors are sorted by their text, as kube sorts them.
func checkStructural(n *node, p *types.FieldPath) types.FieldErrorList {
	errs := structuralInvariants(n, rootLevel, p)
	errs = append(errs, completeness(n, n, p, p)...)
	slices.SortFunc(errs, func(a, b *types.FieldError) int {
		switch ea, eb := a.Error(), b.Error(); {
		case ea < eb:
			return -1
		case ea > eb:
			return 1
		}
		return 0
	})
	return errs
}

// structuralInvariants is validateStructuralInvariants for the structural node n.
func structuralInvariants(n *node, lvl level, p *types.FieldPath) types.FieldErrorList {
	if n == nil {
		return nil
	}
	var errs types.FieldErrorList
	if n.typ == "array" && n.items == nil {
		errs = append(errs, types.FieldRequired(p.Child("items"), "must be specified"))
	}
	errs = append(errs, structuralInvariants(n.items, itemLevel, p.Child("items"))...)
	for _, k := range sortedKeys(n.properties) {
		errs = append(errs, structuralInvariants(n.properties[k], fieldLevel, p.Child("properties").Key(k))...)
	}
	if n.additionalProperties != nil {
		if lvl == rootLevel {
			errs = append(errs, types.FieldForbidden(p.Child("additionalProperties"), "must not be used at the root"))
		}
		errs = append(errs, structuralInvariants(n.additionalProperties.schema, fieldLevel, p.Child("additionalProperties"))...)
	}

	if n.xIntOrString && isPreserve(n) {
		errs = append(errs, types.FieldInvalid(p.Child("x-kubernetes-preserve-unknown-fields"), true, "must be false if x-kubernetes-int-or-string is true"))
	}
	if n.xIntOrString && n.xEmbeddedResource {
		errs = append(errs, types.FieldInvalid(p.Child("x-kubernetes-embedded-resource"), true, "must be false if x-kubernetes-int-or-string is true"))
	}

	errs = append(errs, valueValidationInvariants(n, isIntOrStringAnyOf(n.anyOf), isIntOrStringAllOf(n), lvl, p)...)

	checkMetadata := lvl == rootLevel || n.xEmbeddedResource
	switch {
	case n.xEmbeddedResource && n.typ != "object":
		if n.typ == "" {
			errs = append(errs, types.FieldRequired(p.Child("type"), "must be object if x-kubernetes-embedded-resource is true"))
		} else {
			errs = append(errs, types.FieldInvalid(p.Child("type"), n.typ, "must be object if x-kubernetes-embedded-resource is true"))
		}
	case n.typ == "" && !n.xIntOrString && !isPreserve(n):
		switch lvl {
		case rootLevel:
			errs = append(errs, types.FieldRequired(p.Child("type"), "must not be empty at the root"))
		case itemLevel:
			errs = append(errs, types.FieldRequired(p.Child("type"), "must not be empty for specified array items"))
		case fieldLevel:
			errs = append(errs, types.FieldRequired(p.Child("type"), "must not be empty for specified object fields"))
		}
	}
	if n.xEmbeddedResource && n.additionalProperties != nil {
		errs = append(errs, types.FieldForbidden(p.Child("additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"))
	}
	if lvl == rootLevel && n.typ != "" && n.typ != "object" {
		errs = append(errs, types.FieldInvalid(p.Child("type"), n.typ, "must be object at the root"))
	}
	for _, f := range []string{"kind", "apiVersion"} {
		if prop, ok := n.properties[f]; ok && checkMetadata && prop.typ != "string" {
			errs = append(errs, types.FieldInvalid(p.Child("properties").Key(f).Child("type"), prop.typ, "must be string"))
		}
	}
	if meta, ok := n.properties["metadata"]; ok {
		mp := p.Child("properties").Key("metadata")
		if checkMetadata && meta.typ != "object" {
			errs = append(errs, types.FieldInvalid(mp.Child("type"), meta.typ, "must be object"))
		}
		if lvl == rootLevel && metadataSpecifiesMore(meta) {
			errs = append(errs, types.FieldForbidden(mp, "must not specify anything other than name and generateName, but metadata is implicitly specified"))
		}
	}
	if n.xEmbeddedResource && !isPreserve(n) && len(n.properties) == 0 {
		errs = append(errs, types.FieldRequired(p.Child("properties"), "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"))
	}
	return errs
}

// isPreserve reports x-kubernetes-preserve-unknown-fields: true.
func isPreserve(n *node) bool { return n.xPreserveUnknownFields != nil && *n.xPreserveUnknownFields }

// metadataSpecifiesMore reports whether the root's metadata schema says anything beyond its type, a default and
// properties that are exactly name, generateName or both.
func metadataSpecifiesMore(m *node) bool {
	props := len(m.properties)
	_, name := m.properties["name"]
	_, generateName := m.properties["generateName"]
	if (name && generateName && props == 2) || ((name || generateName) && props == 1) {
		props = 0
	}
	return props > 0 || m.items != nil || m.additionalProperties != nil ||
		m.description != "" || m.title != "" || m.nullable || m.hasExternalDocs ||
		hasValueValidation(m) || hasExtensions(m)
}

// hasValueValidation reports whether n sets any value-validation keyword.
func hasValueValidation(n *node) bool {
	return n.format != "" || n.maximum != nil || n.exclusiveMaximum || n.minimum != nil || n.exclusiveMinimum ||
		n.maxLength != nil || n.minLength != nil || n.pattern != "" || n.maxItems != nil || n.minItems != nil ||
		n.uniqueItems || n.multipleOf != nil || n.maxProperties != nil || n.minProperties != nil ||
		n.required != nil || len(n.enum) > 0 || len(n.allOf) > 0 || len(n.anyOf) > 0 || len(n.oneOf) > 0 || n.not != nil
}

// hasExtensions reports whether n sets any Kubernetes extension.
func hasExtensions(n *node) bool {
	return isPreserve(n) || n.xEmbeddedResource || n.xIntOrString || n.xListMapKeys != nil || n.xListType != nil ||
		n.xMapType != nil || len(n.xValidations) > 0
}

// isPureType reports whether n is exactly {type: t} as a value-validation clause.
func isPureType(n *node, t string) bool {
	return n != nil && n.typ == t && !hasValueValidation(n) && !hasExtensions(n) && n.format == "" &&
		n.title == "" && n.description == "" && !n.nullable && !n.hasDefault && n.additionalProperties == nil &&
		!n.hasExternalDocs && n.items == nil && n.properties == nil
}

// isIntOrStringAnyOf reports whether anyOf is exactly [{type: integer}, {type: string}].
func isIntOrStringAnyOf(anyOf []*node) bool {
	return len(anyOf) == 2 && isPureType(anyOf[0], "integer") && isPureType(anyOf[1], "string")
}

// isIntOrStringAllOf reports whether the first allOf clause of n is the int-or-string anyOf pattern.
func isIntOrStringAllOf(n *node) bool {
	return len(n.allOf) >= 1 && isIntOrStringAnyOf(n.allOf[0].anyOf)
}

// valueValidationInvariants is validateValueValidation: the clauses under anyOf, allOf, oneOf and not, and the
// pattern.
func valueValidationInvariants(n *node, skipAnyOf, skipFirstAllOfAnyOf bool, lvl level, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	if !skipAnyOf {
		for i, c := range n.anyOf {
			errs = append(errs, nestedInvariants(c, false, lvl, p.Child("anyOf").Index(i))...)
		}
	}
	for i, c := range n.allOf {
		errs = append(errs, nestedInvariants(c, skipFirstAllOfAnyOf && i == 0, lvl, p.Child("allOf").Index(i))...)
	}
	for i, c := range n.oneOf {
		errs = append(errs, nestedInvariants(c, false, lvl, p.Child("oneOf").Index(i))...)
	}
	errs = append(errs, nestedInvariants(n.not, false, lvl, p.Child("not"))...)
	if n.pattern != "" {
		if _, err := regexp.Compile(n.pattern); err != nil {
			errs = append(errs, types.FieldInvalid(p.Child("pattern"), n.pattern, "must be a valid regular expression, but isn't: "+err.Error()))
		}
	}
	return errs
}

// nestedInvariants is validateNestedValueValidation: a value-validation clause must not say anything structural.
func nestedInvariants(n *node, skipAnyOf bool, lvl level, p *types.FieldPath) types.FieldErrorList {
	if n == nil {
		return nil
	}
	errs := valueValidationInvariants(n, skipAnyOf, false, lvl, p)
	errs = append(errs, nestedInvariants(n.items, false, lvl, p.Child("items"))...)
	for _, k := range sortedKeys(n.properties) {
		errs = append(errs, nestedInvariants(n.properties[k], false, fieldLevel, p.Child("properties").Key(k))...)
	}
	forbid := func(field, detail string) {
		errs = append(errs, types.FieldForbidden(p.Child(field), detail))
	}
	if n.typ != "" {
		forbid("type", "must be empty to be structural")
	}
	if n.additionalProperties != nil {
		forbid("additionalProperties", "must be undefined to be structural")
	}
	if n.hasDefault {
		forbid("default", "must be undefined to be structural")
	}
	if n.title != "" {
		forbid("title", "must be empty to be structural")
	}
	if n.description != "" {
		forbid("description", "must be empty to be structural")
	}
	if n.nullable {
		forbid("nullable", "must be false to be structural")
	}
	if n.hasExternalDocs {
		forbid("externalDocs", "must be undefined to be structural")
	}
	if isPreserve(n) {
		forbid("x-kubernetes-preserve-unknown-fields", "must be false to be structural")
	}
	if n.xEmbeddedResource {
		forbid("x-kubernetes-embedded-resource", "must be false to be structural")
	}
	if n.xIntOrString {
		forbid("x-kubernetes-int-or-string", "must be false to be structural")
	}
	if len(n.xListMapKeys) > 0 {
		forbid("x-kubernetes-list-map-keys", "must be empty to be structural")
	}
	if n.xListType != nil {
		forbid("x-kubernetes-list-type", "must be undefined to be structural")
	}
	if n.xMapType != nil {
		forbid("x-kubernetes-map-type", "must be undefined to be structural")
	}
	if len(n.xValidations) > 0 {
		forbid("x-kubernetes-validations", "must be empty to be structural")
	}
	if _, ok := n.properties["metadata"]; ok {
		errs = append(errs, types.FieldForbidden(p.Child("properties").Key("metadata"), "must not be specified in a nested context"))
	}
	return errs
}

// completeness is validateValueValidationCompleteness: every field or array named in a value validation (v) must
// also be specified in the structural schema (s).
func completeness(v, s *node, sp, vp *types.FieldPath) types.FieldErrorList {
	if v == nil {
		return nil
	}
	if s == nil {
		return types.FieldErrorList{types.FieldRequired(sp, "because it is defined in "+vp.String())}
	}
	var errs types.FieldErrorList
	errs = append(errs, nestedCompleteness(v.not, s, sp, vp.Child("not"))...)
	for i, c := range v.allOf {
		errs = append(errs, nestedCompleteness(c, s, sp, vp.Child("allOf").Index(i))...)
	}
	for i, c := range v.anyOf {
		errs = append(errs, nestedCompleteness(c, s, sp, vp.Child("anyOf").Index(i))...)
	}
	for i, c := range v.oneOf {
		errs = append(errs, nestedCompleteness(c, s, sp, vp.Child("oneOf").Index(i))...)
	}
	return errs
}

// nestedCompleteness is validateNestedValueValidationCompleteness for the clause v against structural node s.
func nestedCompleteness(v, s *node, sp, vp *types.FieldPath) types.FieldErrorList {
	if v == nil {
		return nil
	}
	if s == nil {
		return types.FieldErrorList{types.FieldRequired(sp, "because it is defined in "+vp.String())}
	}
	errs := completeness(v, s, sp, vp)
	errs = append(errs, nestedCompleteness(v.items, s.items, sp.Child("items"), vp.Child("items"))...)
	for _, k := range sortedKeys(v.properties) {
		vk := vp.Child("properties").Key(k)
		sf, ok := s.properties[k]
		if !ok {
			errs = append(errs, types.FieldRequired(sp.Child("properties").Key(k), "because it is defined in "+vk.String()))
			continue
		}
		errs = append(errs, nestedCompleteness(v.properties[k], sf, sp.Child("properties").Key(k), vk)...)
	}
	return errs
}
