package structural

import (
	"regexp"
	"slices"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// This file is apiextensions-apiserver's ValidateCustomResourceDefinitionOpenAPISchema for apiextensions.k8s.io/v1:
// the keywords a CRD schema may not use and the rules for Kubernetes extensions, checked node by node in kube's
// order (properties in sorted order, where kube iterates a Go map).

// openAPIV3Types are the types a v1 CRD schema may name, sorted as kube lists them.
var openAPIV3Types = []string{"array", "boolean", "integer", "number", "object", "string"}

// supportedValidationReasons are the reasons an x-kubernetes-validations rule may give, sorted.
var supportedValidationReasons = []string{"FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"}

// metaFields are the fields of a resource that hold TypeMeta and ObjectMeta.
var metaFields = map[string]bool{"apiVersion": true, "kind": true, "metadata": true}

// specContext is kube's specStandardValidatorV3 state while descending into a schema.
type specContext struct {
	allowDefaults          bool
	disallowDefaultsReason string
	insideResourceMeta     bool
}

func (c specContext) withForbiddenDefaults(reason string) specContext {
	c.allowDefaults = false
	c.disallowDefaultsReason = reason
	return c
}

// checkOpenAPI returns the errors of ValidateCustomResourceDefinitionOpenAPISchema for n at p.
func checkOpenAPI(n *node, p *types.FieldPath, c specContext, isRoot bool) types.FieldErrorList {
	if n == nil {
		return nil
	}
	var errs types.FieldErrorList
	errs = append(errs, checkKeywords(n, p, c)...)

	if n.uniqueItems {
		errs = append(errs, types.FieldForbidden(p.Child("uniqueItems"),
			"uniqueItems cannot be set to true since the runtime complexity becomes quadratic"))
	}

	if ap := n.additionalProperties; ap != nil {
		if len(n.properties) != 0 && (!ap.allows || ap.schema != nil) {
			errs = append(errs, types.FieldForbidden(p.Child("additionalProperties"),
				"additionalProperties and properties are mutual exclusive"))
		}
		sub := c
		if c.insideResourceMeta {
			sub = c.withForbiddenDefaults("inside additionalProperties applying to object metadata")
		}
		errs = append(errs, checkOpenAPI(ap.schema, p.Child("additionalProperties"), sub, false)...)
	}

	for _, k := range sortedKeys(n.properties) {
		sub := c
		if (isRoot || n.xEmbeddedResource) && metaFields[k] {
			sub.insideResourceMeta = true
			if isRoot {
				sub = sub.withForbiddenDefaults("in top-level " + k)
			}
		}
		errs = append(errs, checkOpenAPI(n.properties[k], p.Child("properties").Key(k), sub, false)...)
	}

	errs = append(errs, checkOpenAPI(n.not, p.Child("not"), c, false)...)
	for i, s := range n.allOf {
		errs = append(errs, checkOpenAPI(s, p.Child("allOf").Index(i), c, false)...)
	}
	for i, s := range n.oneOf {
		errs = append(errs, checkOpenAPI(s, p.Child("oneOf").Index(i), c, false)...)
	}
	for i, s := range n.anyOf {
		errs = append(errs, checkOpenAPI(s, p.Child("anyOf").Index(i), c, false)...)
	}
	for _, k := range sortedKeys(n.definitions) {
		errs = append(errs, checkOpenAPI(n.definitions[k], p.Child("definitions").Key(k), c, false)...)
	}
	if n.hasItems {
		errs = append(errs, checkOpenAPI(n.items, p.Child("items"), c, false)...)
		for i, s := range n.itemsArray {
			errs = append(errs, checkOpenAPI(s, p.Child("items").Index(i), c, false)...)
		}
	}
	for _, k := range sortedKeys(n.dependencies) {
		errs = append(errs, checkOpenAPI(n.dependencies[k], p.Child("dependencies").Key(k), c, false)...)
	}

	errs = append(errs, checkExtensions(n, p)...)
	errs = append(errs, checkValidationRules(n, p)...)
	return errs
}

// checkKeywords is specStandardValidatorV3.validate: keywords a v1 CRD schema may not use.
func checkKeywords(n *node, p *types.FieldPath, c specContext) types.FieldErrorList {
	var errs types.FieldErrorList
	if n.typ != "" && !slices.Contains(openAPIV3Types, n.typ) {
		errs = append(errs, types.FieldNotSupported(p.Child("type"), n.typ, openAPIV3Types))
	}
	if n.hasDefault && !c.allowDefaults {
		detail := "must not be set"
		if c.disallowDefaultsReason != "" {
			detail += " " + c.disallowDefaultsReason
		}
		errs = append(errs, types.FieldForbidden(p.Child("default"), detail))
	}
	if n.id != "" {
		errs = append(errs, types.FieldForbidden(p.Child("id"), "id is not supported"))
	}
	if n.additionalItems != nil {
		errs = append(errs, types.FieldForbidden(p.Child("additionalItems"), "additionalItems is not supported"))
	}
	if len(n.patternProperties) != 0 {
		errs = append(errs, types.FieldForbidden(p.Child("patternProperties"), "patternProperties is not supported"))
	}
	if len(n.definitions) != 0 {
		errs = append(errs, types.FieldForbidden(p.Child("definitions"), "definitions is not supported"))
	}
	if n.hasDependencies {
		errs = append(errs, types.FieldForbidden(p.Child("dependencies"), "dependencies is not supported"))
	}
	if n.ref != nil {
		errs = append(errs, types.FieldForbidden(p.Child("$ref"), "$ref is not supported"))
	}
	if n.typ == "null" {
		errs = append(errs, types.FieldForbidden(p.Child("type"), "type cannot be set to null, use nullable as an alternative"))
	}
	if len(n.itemsArray) != 0 {
		errs = append(errs, types.FieldForbidden(p.Child("items"), "items must be a schema object and not an array"))
	}
	if c.insideResourceMeta && n.xEmbeddedResource {
		errs = append(errs, types.FieldForbidden(p.Child("x-kubernetes-embedded-resource"), "must not be used inside of resource meta"))
	}
	return errs
}

// checkExtensions checks x-kubernetes-preserve-unknown-fields, -map-type, -list-type and -list-map-keys.
func checkExtensions(n *node, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	if n.xPreserveUnknownFields != nil && !*n.xPreserveUnknownFields {
		errs = append(errs, types.FieldInvalid(p.Child("x-kubernetes-preserve-unknown-fields"), false, "must be true or undefined"))
	}

	if n.xMapType != nil && n.typ != "object" {
		if n.typ == "" {
			errs = append(errs, types.FieldRequired(p.Child("type"), "must be object if x-kubernetes-map-type is specified"))
		} else {
			errs = append(errs, types.FieldInvalid(p.Child("type"), n.typ, "must be object if x-kubernetes-map-type is specified"))
		}
	}
	if n.xMapType != nil && *n.xMapType != "atomic" && *n.xMapType != "granular" {
		errs = append(errs, types.FieldNotSupported(p.Child("x-kubernetes-map-type"), *n.xMapType, []string{"atomic", "granular"}))
	}

	if n.xListType != nil && n.typ != "array" {
		if n.typ == "" {
			errs = append(errs, types.FieldRequired(p.Child("type"), "must be array if x-kubernetes-list-type is specified"))
		} else {
			errs = append(errs, types.FieldInvalid(p.Child("type"), n.typ, "must be array if x-kubernetes-list-type is specified"))
		}
	} else if n.xListType != nil && *n.xListType == "set" && n.items != nil {
		is := n.items
		switch is.typ {
		case "array":
			if is.xListType != nil && *is.xListType != "atomic" {
				errs = append(errs, types.FieldInvalid(p.Child("items").Child("x-kubernetes-list-type"), is.xListType,
					"must be atomic as item of a list with x-kubernetes-list-type=set"))
			}
		case "object":
			if is.xMapType == nil || *is.xMapType != "atomic" {
				// kube reports the items' list type here, which is unset for an object.
				errs = append(errs, types.FieldInvalid(p.Child("items").Child("x-kubernetes-map-type"), is.xListType,
					"must be atomic as item of a list with x-kubernetes-list-type=set"))
			}
		}
	}
	if n.xListType != nil && *n.xListType != "atomic" && *n.xListType != "set" && *n.xListType != "map" {
		errs = append(errs, types.FieldNotSupported(p.Child("x-kubernetes-list-type"), *n.xListType, []string{"atomic", "set", "map"}))
	}

	if len(n.xListMapKeys) > 0 {
		if n.xListType == nil {
			errs = append(errs, types.FieldRequired(p.Child("x-kubernetes-list-type"), "must be map if x-kubernetes-list-map-keys is non-empty"))
		} else if *n.xListType != "map" {
			errs = append(errs, types.FieldInvalid(p.Child("x-kubernetes-list-type"), *n.xListType, "must be map if x-kubernetes-list-map-keys is non-empty"))
		}
	}

	if n.xListType != nil && *n.xListType == "map" {
		if len(n.xListMapKeys) == 0 {
			errs = append(errs, types.FieldRequired(p.Child("x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"))
		}
		if !n.hasItems {
			errs = append(errs, types.FieldRequired(p.Child("items"), "must have a schema if x-kubernetes-list-type is map"))
		}
		if n.hasItems && n.items == nil {
			errs = append(errs, types.FieldInvalid(p.Child("items"), itemsValue(n), "must only have a single schema if x-kubernetes-list-type is map"))
		}
		if n.items != nil && n.items.typ != "object" {
			errs = append(errs, types.FieldInvalid(p.Child("items").Child("type"), n.items.typ, "must be object if parent array's x-kubernetes-list-type is map"))
		}
		if n.items != nil && n.items.typ == "object" {
			seen := map[string]bool{}
			for _, k := range n.xListMapKeys {
				if s, ok := n.items.properties[k]; ok {
					if s.typ == "array" || s.typ == "object" {
						errs = append(errs, types.FieldInvalid(p.Child("items").Child("properties").Key(k).Child("type"), n.items.typ,
							"must be a scalar type if parent array's x-kubernetes-list-type is map"))
					}
				} else {
					errs = append(errs, types.FieldInvalid(p.Child("x-kubernetes-list-map-keys"), n.xListMapKeys, "entries must all be names of item properties"))
				}
				if seen[k] {
					errs = append(errs, types.FieldInvalid(p.Child("x-kubernetes-list-map-keys"), n.xListMapKeys, "must not contain duplicate entries"))
				}
				seen[k] = true
			}
		}
	}

	errs = append(errs, checkMapListKeysMapSet(n, p)...)
	return errs
}

// itemsValue is the value kube prints for an items keyword that holds no single schema: the JSONSchemaPropsOrArray
// struct, encoded as JSON.
func itemsValue(n *node) any {
	type propsOrArray struct {
		Schema      any
		JSONSchemas []any
	}
	v := propsOrArray{}
	for range n.itemsArray {
		v.JSONSchemas = append(v.JSONSchemas, map[string]any{})
	}
	return v
}

// checkMapListKeysMapSet is kube's validateMapListKeysMapSet: set and map list items must not be nullable, and map
// keys must be required or defaulted and not nullable.
func checkMapListKeysMapSet(n *node, p *types.FieldPath) types.FieldErrorList {
	if n.items == nil || n.xListType == nil || (*n.xListType != "set" && *n.xListType != "map") {
		return nil
	}
	var errs types.FieldErrorList
	if n.items.nullable {
		errs = append(errs, types.FieldForbidden(p.Child("items").Child("nullable"), "cannot be nullable when x-kubernetes-list-type is "+*n.xListType))
	}
	if *n.xListType == "map" {
		for _, k := range n.xListMapKeys {
			prop, ok := n.items.properties[k]
			if !ok {
				continue
			}
			if !slices.Contains(n.items.required, k) && !prop.hasDefault {
				errs = append(errs, types.FieldRequired(p.Child("items").Child("properties").Key(k).Child("default"),
					"this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"))
			}
			if prop.nullable {
				errs = append(errs, types.FieldForbidden(p.Child("items").Child("properties").Key(k).Child("nullable"),
					"this property is in x-kubernetes-list-map-keys, so it cannot be nullable"))
			}
		}
	}
	return errs
}

var newlineMatcher = regexp.MustCompile(`[\n\r]+`)

// checkValidationRules checks the shape of x-kubernetes-validations rules. The CEL expressions themselves are not
// compiled.
func checkValidationRules(n *node, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	for i, r := range n.xValidations {
		rp := p.Child("x-kubernetes-validations").Index(i)
		rule := strings.TrimSpace(r.Rule)
		msg := strings.TrimSpace(r.Message)
		switch {
		case rule == "":
			errs = append(errs, types.FieldRequired(rp.Child("rule"), "rule is not specified"))
		case r.Message != "" && msg == "":
			errs = append(errs, types.FieldInvalid(rp.Child("message"), r.Message, "must be non-empty if specified"))
		case newlineMatcher.MatchString(msg):
			errs = append(errs, types.FieldInvalid(rp.Child("message"), r.Message, "must not contain line breaks"))
		case newlineMatcher.MatchString(rule) && msg == "":
			errs = append(errs, types.FieldRequired(rp.Child("message"), "message must be specified if rule contains line breaks"))
		}
		if r.MessageExpression != "" && strings.TrimSpace(r.MessageExpression) == "" {
			errs = append(errs, types.FieldRequired(rp.Child("messageExpression"), "messageExpression must be non-empty if specified"))
		}
		if n.xReasonIsSet[i] && !slices.Contains(supportedValidationReasons, r.Reason) {
			errs = append(errs, types.FieldNotSupported(rp.Child("reason"), r.Reason, supportedValidationReasons))
		}
		if r.FieldPath != "" && strings.TrimSpace(r.FieldPath) == "" {
			errs = append(errs, types.FieldInvalid(rp.Child("fieldPath"), r.FieldPath, "must be non-empty if specified"))
		}
		if newlineMatcher.MatchString(r.FieldPath) {
			errs = append(errs, types.FieldInvalid(rp.Child("fieldPath"), r.FieldPath, "must not contain line breaks"))
		}
	}
	return errs
}

// checkRoot returns the errors kube reports for the root of a version's schema before anything else.
func checkRoot(n *node, p *types.FieldPath) types.FieldErrorList {
	if n.nullable {
		return types.FieldErrorList{types.FieldForbidden(p.Child("nullable"), "nullable cannot be true at the root")}
	}
	return nil
}
