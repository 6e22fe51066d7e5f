package apiserver

import (
	"bufio"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kubemem/kubemem/internal/structural"
	"github.com/kubemem/kubemem/types"
)

// CustomResourceDefinition rules of k8s.io/apiextensions-apiserver: pkg/apis/apiextensions/validation/validation.go
// (ValidateCustomResourceDefinition, ValidateCustomResourceDefinitionUpdate and their helpers), which the registry's
// strategy (pkg/registry/customresourcedefinition/strategy.go Validate and ValidateUpdate) runs, with
// apihelpers.GetAPIApprovalState and the webhook checks of k8s.io/apiserver pkg/util/webhook/validation.go. The
// schema itself is checked by structural.Parse, the printer columns by validatePrinterColumns.
//
// kube-apiserver validates the internal form of the object, converted from v1 by
// Convert_v1_CustomResourceDefinitionSpec_To_apiextensions_CustomResourceDefinitionSpec, so the paths and values of
// its errors are those of the internal form, and so are ours (crdSpec is that form):
//
//   - spec.version is the first version's name: a bad first name is reported twice, the second time at spec.version.
//   - A schema (subresources, additionalPrinterColumns, selectableFields) that every version has identically moves
//     to the top level: a CRD with one version reports its schema at spec.validation.openAPIV3Schema, its
//     subresources at spec.subresources and its columns at spec.additionalPrinterColumns[i].
//   - The conversion webhook is spec.conversion.webhookClientConfig and spec.conversion.conversionReviewVersions.
//   - spec.versions and schemas print as internal Go structs, whose members are named by their Go field names.
//
// The options kube-apiserver derives from the old object on update that only the schema rules read (ratcheting of
// structural, defaults, list-type and CEL rules) are not passed to structural.Parse: an update is checked as a create.

const (
	// crdAPIApprovedAnnotation is apiextensions' KubeAPIApprovedAnnotation.
	crdAPIApprovedAnnotation = "api-approved.kubernetes.io"
	// crdMaxSelectableFields is validation.MaxSelectableFields.
	crdMaxSelectableFields = 8
)

// crdRootFields are allowedFieldsAtRootSchema: the internal JSONSchemaProps fields a root schema may set when the
// status subresource is enabled.
var crdRootFields = []string{"Description", "Type", "Format", "Title", "Maximum", "ExclusiveMaximum", "Minimum",
	"ExclusiveMinimum", "MaxLength", "MinLength", "Pattern", "MaxItems", "MinItems", "UniqueItems", "MultipleOf",
	"Required", "Items", "Properties", "ExternalDocs", "Example", "XPreserveUnknownFields", "XValidations"}

// crdOptions are the validationOptions of validation.go that the rules here read.
type crdOptions struct {
	requireRecognizedConversionReviewVersion bool
	requireImmutableNames                    bool
	requireOpenAPISchema                     bool
	allowInvalidCABundle                     bool
}

// validateCustomResourceDefinition is ValidateCustomResourceDefinition.
func validateCustomResourceDefinition(crd vmap) types.FieldErrorList {
	spec := crdInternalSpec(crd.obj("spec"))
	errs := validateCRDName(crd.obj("metadata"), spec)
	errs = append(errs, validateObjectMetaCreate(crd.obj("metadata"), false)...)
	opts := crdOptions{requireRecognizedConversionReviewVersion: true, requireOpenAPISchema: true, allowInvalidCABundle: true}
	errs = append(errs, validateCRDSpec(spec, opts)...)
	errs = append(errs, validateCRDStatus(crd.obj("status"), spec)...)
	errs = append(errs, validateCRDAPIApproval(spec.group, crd.obj("metadata").strMap("annotations"), nil)...)
	return append(errs, validateCRDPreserveUnknownFields(spec, nil)...)
}

// validateCustomResourceDefinitionUpdate is ValidateCustomResourceDefinitionUpdate.
func validateCustomResourceDefinitionUpdate(crd, old vmap) types.FieldErrorList {
	spec, oldSpec := crdInternalSpec(crd.obj("spec")), crdInternalSpec(old.obj("spec"))
	opts := crdOptions{
		requireRecognizedConversionReviewVersion: oldSpec.conversion == nil || crdAcceptedReviewVersionOrEmpty(oldSpec.reviewVersions),
		requireImmutableNames:                    crdEstablished(old),
		requireOpenAPISchema:                     crdAllVersionsHaveSchema(oldSpec),
		allowInvalidCABundle:                     crdAllowInvalidCABundle(old, oldSpec),
	}
	errs := validateObjectMetaUpdate(crd.obj("metadata"), old.obj("metadata"), false)
	errs = append(errs, validateCRDSpec(spec, opts)...)
	if opts.requireImmutableNames { // these affect the storage
		errs = append(errs, crdImmutable(spec.scope, oldSpec.scope, vSpecPath.Child("scope"))...)
		errs = append(errs, crdImmutable(spec.names.str("kind"), oldSpec.names.str("kind"), vSpecPath.Child("names", "kind"))...)
	}
	errs = append(errs, crdImmutable(spec.group, oldSpec.group, vSpecPath.Child("group"))...)
	errs = append(errs, crdImmutable(spec.names.str("plural"), oldSpec.names.str("plural"), vSpecPath.Child("names", "plural"))...)
	errs = append(errs, validateCRDStatus(crd.obj("status"), spec)...)
	oldAnnotations := old.obj("metadata").strMap("annotations")
	if oldAnnotations == nil {
		oldAnnotations = map[string]string{}
	}
	errs = append(errs, validateCRDAPIApproval(spec.group, crd.obj("metadata").strMap("annotations"), oldAnnotations)...)
	return append(errs, validateCRDPreserveUnknownFields(spec, oldSpec)...)
}

func crdImmutable(value, old string, path *types.FieldPath) types.FieldErrorList {
	if value != old {
		return types.FieldErrorList{types.FieldInvalid(path, value, vFieldImmutableMessage)}
	}
	return nil
}

// validateCRDName is the name function ValidateCustomResourceDefinition gives ValidateObjectMeta: the name (and the
// generateName) must be <plural>.<group>. Whether the name is a DNS subdomain validateName has checked.
func validateCRDName(meta vmap, spec *crdSpec) types.FieldErrorList {
	const msg = `must be spec.names.plural+"."+spec.group`
	want := spec.names.str("plural") + "." + spec.group
	var errs types.FieldErrorList
	if g := meta.str("generateName"); g != "" && g != want {
		errs = append(errs, types.FieldInvalid(vMetaPath.Child("generateName"), g, msg))
	}
	if n := meta.str("name"); n != "" && n != want {
		errs = append(errs, types.FieldInvalid(vMetaPath.Child("name"), n, msg))
	}
	return errs
}

// validateCRDSpec is validateCustomResourceDefinitionSpec.
func validateCRDSpec(spec *crdSpec, opts crdOptions) types.FieldErrorList {
	var errs types.FieldErrorList
	groupPath, groupMsgs := vSpecPath.Child("group"), types.IsDNS1123Subdomain(spec.group)
	switch {
	case spec.group == "":
		errs = append(errs, types.FieldRequired(groupPath, ""))
	case len(groupMsgs) > 0:
		errs = append(errs, types.FieldInvalid(groupPath, spec.group, strings.Join(groupMsgs, ",")))
	case !strings.Contains(spec.group, "."):
		errs = append(errs, types.FieldInvalid(groupPath, spec.group, "should be a domain with at least one dot"))
	}
	errs = append(errs, crdEnum(vSpecPath.Child("scope"), spec.scope, "Cluster", "Namespaced")...)

	versionsPath := vSpecPath.Child("versions")
	if spec.validation.obj("openAPIV3Schema") == nil {
		for i, v := range spec.versions {
			p := versionsPath.Index(i).Child("schema", "openAPIV3Schema")
			switch {
			case v.schema.obj("openAPIV3Schema") != nil:
			case opts.requireOpenAPISchema:
				errs = append(errs, types.FieldRequired(p, "schemas are required"))
			case !spec.preserveUnknownFields && v.served:
				errs = append(errs, types.FieldRequired(p, "because otherwise all fields are pruned"))
			}
		}
	}
	if spec.preserveUnknownFields && crdSpecHas(spec, func(s vmap) bool { return s.has("default") }) {
		errs = append(errs, types.FieldInvalid(vSpecPath.Child("preserveUnknownFields"), true, "must be false in order to use defaults in the schema"))
	}

	storage, seen, unique := 0, map[string]bool{}, true
	for i, v := range spec.versions {
		if v.storage {
			storage++
		}
		if seen[v.name] {
			unique = false
		}
		seen[v.name] = true
		p := versionsPath.Index(i)
		if msgs := types.IsDNS1035Label(v.name); len(msgs) > 0 {
			errs = append(errs, types.FieldInvalid(p.Child("name"), v.name, strings.Join(msgs, ",")))
		}
		errs = append(errs, validateCRDVersion(spec, v, p)...)
	}
	// The top-level and per-version members exclude each other, and versions may not all hold the same value; both
	// rules hold for every v1 object, whose identical members the conversion moves to the top level.
	if !unique {
		errs = append(errs, types.FieldInvalid(versionsPath, spec.versionsValue, "must contain unique version names"))
	}
	if storage != 1 {
		errs = append(errs, types.FieldInvalid(versionsPath, spec.versionsValue, "must have exactly one version marked as storage version"))
	}
	if len(spec.versions) > 0 {
		if name := spec.versions[0].name; name != "" {
			if msgs := types.IsDNS1035Label(name); len(msgs) > 0 {
				errs = append(errs, types.FieldInvalid(vSpecPath.Child("version"), name, strings.Join(msgs, ",")))
			}
		}
	}

	namesPath := vSpecPath.Child("names")
	for _, n := range []string{"plural", "singular", "kind", "listKind"} {
		if spec.names.str(n) == "" {
			errs = append(errs, types.FieldRequired(namesPath.Child(n), ""))
		}
	}
	errs = append(errs, validateCRDNames(spec.names, namesPath)...)
	errs = append(errs, validateCRDValidation(spec.validation, crdAnyStatus(spec), vSpecPath.Child("validation"))...)
	errs = append(errs, validateCRDSubresources(spec.subresources, vSpecPath.Child("subresources"))...)
	if len(spec.columns) > 0 {
		errs = append(errs, validatePrinterColumns(spec.columns, vSpecPath.Child("additionalPrinterColumns"))...)
	}
	if len(spec.selectable) > 0 {
		if spec.validation == nil {
			errs = append(errs, types.FieldInvalid(vSpecPath.Child("selectableFields"), "", "selectableFields may only be set when validations.schema is included"))
		} else {
			errs = append(errs, validateCRDSelectableFields(spec.selectable, spec.validation.obj("openAPIV3Schema"), vSpecPath.Child("selectableFields"))...)
		}
	}

	convPath := vSpecPath.Child("conversion")
	if strategy := spec.conversion.str("strategy"); spec.conversion != nil && strategy != "None" && spec.preserveUnknownFields {
		errs = append(errs, types.FieldInvalid(convPath.Child("strategy"), strategy, "must be None if spec.preserveUnknownFields is true"))
	}
	return append(errs, validateCRDConversion(spec, opts, convPath)...)
}

// crdEnum is validateEnumStrings with required set.
func crdEnum(path *types.FieldPath, value string, accepted ...string) types.FieldErrorList {
	if value == "" {
		return types.FieldErrorList{types.FieldRequired(path, "")}
	}
	for _, a := range accepted {
		if a == value {
			return nil
		}
	}
	return types.FieldErrorList{types.FieldNotSupported(path, value, accepted)}
}

// validateCRDVersion is validateCustomResourceDefinitionVersion.
func validateCRDVersion(spec *crdSpec, v crdVersion, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	for _, msg := range crdDeprecationWarningMessages(v.deprecated, v.deprecationWarning) {
		errs = append(errs, types.FieldInvalid(p.Child("deprecationWarning"), *v.deprecationWarning, msg))
	}
	errs = append(errs, validateCRDValidation(v.schema, crdStatusEnabled(crdSubresourcesFor(spec, v.name)), p.Child("schema"))...)
	errs = append(errs, validateCRDSubresources(v.subresources, p.Child("subresources"))...)
	if len(v.columns) > 0 {
		errs = append(errs, validatePrinterColumns(v.columns, p.Child("additionalPrinterColumns"))...)
	}
	if len(v.selectable) > 0 {
		if schema := v.schema.obj("openAPIV3Schema"); schema == nil {
			errs = append(errs, types.FieldInvalid(p.Child("selectableFields"), "", "selectableFields may only be set when version.schema.openAPIV3Schema is not included"))
		} else {
			errs = append(errs, validateCRDSelectableFields(v.selectable, schema, p.Child("selectableFields"))...)
		}
	}
	return errs
}

// crdDeprecationWarningMessages is validateDeprecationWarning.
func crdDeprecationWarningMessages(deprecated bool, warning *string) []string {
	if !deprecated && warning != nil {
		return []string{"can only be set for deprecated versions"}
	}
	if warning == nil {
		return nil
	}
	var msgs []string
	if len(*warning) > 256 {
		msgs = append(msgs, "must be <= 256 characters long")
	}
	if len(*warning) == 0 {
		msgs = append(msgs, "must not be an empty string")
	}
	for i, r := range *warning {
		if !unicode.IsPrint(r) {
			msgs = append(msgs, fmt.Sprintf("must only contain printable UTF-8 characters; non-printable character found at index %d", i))
			break
		}
		if unicode.IsControl(r) {
			msgs = append(msgs, fmt.Sprintf("must only contain printable UTF-8 characters; control character found at index %d", i))
			break
		}
	}
	if !utf8.ValidString(*warning) {
		msgs = append(msgs, "must only contain printable UTF-8 characters")
	}
	return msgs
}

// crdSubresourcesFor is getSubresourcesForVersion: the top-level subresources unless some version has its own.
func crdSubresourcesFor(spec *crdSpec, name string) vmap {
	perVersion := false
	for _, v := range spec.versions {
		perVersion = perVersion || v.subresources != nil
	}
	if !perVersion {
		return spec.subresources
	}
	for _, v := range spec.versions {
		if v.name == name {
			return v.subresources
		}
	}
	return nil
}

func crdStatusEnabled(subresources vmap) bool { return subresources.obj("status") != nil }

// crdAnyStatus is hasAnyStatusEnabled.
func crdAnyStatus(spec *crdSpec) bool {
	enabled := crdStatusEnabled(spec.subresources)
	for _, v := range spec.versions {
		enabled = enabled || crdStatusEnabled(v.subresources)
	}
	return enabled
}

// validateCRDValidation is validateCustomResourceDefinitionValidation for a CustomResourceValidation (nil when
// unset): the root rules of a schema whose status subresource is enabled, then the schema's own rules
// (structural.Parse, from "nullable cannot be true at the root" on).
func validateCRDValidation(validation vmap, statusEnabled bool, p *types.FieldPath) types.FieldErrorList {
	schema := validation.obj("openAPIV3Schema")
	if schema == nil {
		return nil
	}
	var errs types.FieldErrorList
	if statusEnabled {
		root := crdValues{}.schemaProps(schema)
		v := reflect.ValueOf(root)
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).IsZero() {
				continue
			}
			name := v.Type().Field(i).Name
			if name == "Type" {
				if root.Type != "object" {
					errs = append(errs, types.FieldInvalid(p.Child("openAPIV3Schema.type"), root.Type,
						`only "object" is allowed as the type at the root of the schema if the status subresource is enabled`))
					break
				}
				continue
			}
			if !crdIsRootField(name) {
				errs = append(errs, types.FieldInvalid(p.Child("openAPIV3Schema"), root,
					fmt.Sprintf("only %v fields are allowed at the root of the schema if the status subresource is enabled", crdRootFields)))
				break
			}
		}
	}
	_, schemaErrs := structural.Parse(schema, p.Child("openAPIV3Schema"))
	return append(errs, schemaErrs...)
}

func crdIsRootField(name string) bool {
	for _, f := range crdRootFields {
		if f == name {
			return true
		}
	}
	return false
}

// validateCRDSubresources is ValidateCustomResourceDefinitionSubresources (nil when unset). Its child paths are
// dotted names, as kube's are ("scale.specReplicasPath").
func validateCRDSubresources(subresources vmap, p *types.FieldPath) types.FieldErrorList {
	scale := subresources.obj("scale")
	if scale == nil {
		return nil
	}
	var errs types.FieldErrorList
	for _, rule := range []struct{ member, prefix, msg string }{
		{"specReplicasPath", ".spec.", "should be a json path under .spec"},
		{"statusReplicasPath", ".status.", "should be a json path under .status"},
	} {
		path, value := p.Child("scale."+rule.member), scale.str(rule.member)
		switch {
		case value == "":
			errs = append(errs, types.FieldRequired(path, ""))
		case value[0] != '.':
			errs = append(errs, crdSimpleJSONPath(value, path)...)
		case !strings.HasPrefix(value, rule.prefix):
			errs = append(errs, types.FieldInvalid(path, value, rule.msg))
		}
	}
	if selector := scale.str("labelSelectorPath"); selector != "" {
		path := p.Child("scale.labelSelectorPath")
		switch {
		case selector[0] != '.':
			errs = append(errs, crdSimpleJSONPath(selector, path)...)
		case !strings.HasPrefix(selector, ".spec.") && !strings.HasPrefix(selector, ".status."):
			errs = append(errs, types.FieldInvalid(path, selector, "should be a json path under either .spec or .status"))
		}
	}
	return errs
}

// crdSimpleJSONPath is validateSimpleJSONPath's error for a path that does not start with a dot.
func crdSimpleJSONPath(s string, path *types.FieldPath) types.FieldErrorList {
	return types.FieldErrorList{types.FieldInvalid(path, s, "must be a simple json path starting with .")}
}

// validateCRDNames is ValidateCustomResourceDefinitionNames, for spec.names and status.acceptedNames.
func validateCRDNames(names vmap, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	label := func(value, prefix string, path *types.FieldPath) {
		if value == "" {
			return
		}
		check := value
		if prefix != "" {
			check = strings.ToLower(value)
		}
		if msgs := types.IsDNS1035Label(check); len(msgs) > 0 {
			errs = append(errs, types.FieldInvalid(path, value, prefix+strings.Join(msgs, ",")))
		}
	}
	const mixedCase = "may have mixed case, but should otherwise match: "
	label(names.str("plural"), "", p.Child("plural"))
	label(names.str("singular"), "", p.Child("singular"))
	label(names.str("kind"), mixedCase, p.Child("kind"))
	label(names.str("listKind"), mixedCase, p.Child("listKind"))
	for i, s := range names.strList("shortNames") {
		if msgs := types.IsDNS1035Label(s); len(msgs) > 0 {
			errs = append(errs, types.FieldInvalid(p.Child("shortNames").Index(i), s, strings.Join(msgs, ",")))
		}
	}
	if kind := names.str("kind"); kind != "" && kind == names.str("listKind") {
		errs = append(errs, types.FieldInvalid(p.Child("listKind"), kind, "kind and listKind may not be the same"))
	}
	for i, c := range names.strList("categories") {
		if msgs := types.IsDNS1035Label(c); len(msgs) > 0 {
			errs = append(errs, types.FieldInvalid(p.Child("categories").Index(i), c, strings.Join(msgs, ",")))
		}
	}
	return errs
}

// validateCRDStatus is ValidateCustomResourceDefinitionStatus and ValidateCustomResourceDefinitionStoredVersions.
func validateCRDStatus(status vmap, spec *crdSpec) types.FieldErrorList {
	errs := validateCRDNames(status.obj("acceptedNames"), types.NewFieldPath("status", "acceptedNames"))
	path := types.NewFieldPath("status", "storedVersions")
	stored := status.strList("storedVersions")
	if len(stored) == 0 { // an absent list prints as null, an empty one as []
		return append(errs, types.FieldInvalid(path, stored, "must have at least one stored version"))
	}
	index := map[string]int{}
	for i, v := range stored {
		index[v] = i
	}
	for _, v := range spec.versions {
		_, ok := index[v.name]
		if v.storage && !ok {
			errs = append(errs, types.FieldInvalid(path, stored, "must have the storage version "+v.name))
		}
		delete(index, v.name)
	}
	missing := vSortedKeys(index)
	sort.SliceStable(missing, func(a, b int) bool { return index[missing[a]] < index[missing[b]] })
	for _, v := range missing {
		errs = append(errs, types.FieldInvalid(path.Index(index[v]), v, fmt.Sprintf("missing from spec.versions; %[1]s was "+
			"previously a storage version, and must remain in spec.versions until a storage migration ensures no data "+
			"remains persisted in %[1]s and removes %[1]s from status.storedVersions", v)))
	}
	return errs
}

// validateCRDAPIApproval is validateAPIApproval: a CRD of a protected group (k8s.io, kubernetes.io and their
// subdomains) must carry the api-approved.kubernetes.io annotation, a URL or a reason starting with "unapproved",
// unless an update leaves the annotation's state unchanged. old is nil on create.
func validateCRDAPIApproval(group string, annotations, old map[string]string) types.FieldErrorList {
	protected := group == "k8s.io" || strings.HasSuffix(group, ".k8s.io") || group == "kubernetes.io" || strings.HasSuffix(group, ".kubernetes.io")
	if !protected {
		return nil
	}
	state, reason := crdAPIApprovalState(annotations)
	if old != nil {
		if oldState, _ := crdAPIApprovalState(old); oldState == state {
			return nil
		}
	}
	path := vMetaPath.Child("annotations").Key(crdAPIApprovedAnnotation)
	switch state {
	case crdApprovalMissing:
		return types.FieldErrorList{types.FieldRequired(path, reason)}
	case crdApprovalInvalid:
		return types.FieldErrorList{types.FieldInvalid(path, annotations[crdAPIApprovedAnnotation], reason)}
	}
	return nil
}

// The states of apihelpers.APIApprovalState.
const (
	crdApprovalInvalid = iota
	crdApproved
	crdApprovalBypassed
	crdApprovalMissing
)

// crdAPIApprovalState is apihelpers.GetAPIApprovalState.
func crdAPIApprovalState(annotations map[string]string) (int, string) {
	a := annotations[crdAPIApprovedAnnotation]
	u, err := url.ParseRequestURI(a)
	switch {
	case a == "":
		return crdApprovalMissing, fmt.Sprintf("protected groups must have approval annotation %q, see https://github.com/kubernetes/enhancements/pull/1111", crdAPIApprovedAnnotation)
	case strings.HasPrefix(a, "unapproved"):
		return crdApprovalBypassed, fmt.Sprintf("not approved: %q", a)
	case err == nil && u.Host != "" && u.Scheme != "":
		return crdApproved, "approved in " + a
	}
	return crdApprovalInvalid, fmt.Sprintf("protected groups must have approval annotation %q with either a URL or a reason starting with \"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111", crdAPIApprovedAnnotation)
}

// validateCRDPreserveUnknownFields is validatePreserveUnknownFields: v1 CRDs prune; a CRD stored with
// preserveUnknownFields true (by v1beta1) may keep it. old is nil on create.
func validateCRDPreserveUnknownFields(spec, old *crdSpec) types.FieldErrorList {
	if old != nil && old.preserveUnknownFields || !spec.preserveUnknownFields {
		return nil
	}
	return types.FieldErrorList{types.FieldInvalid(vSpecPath.Child("preserveUnknownFields"), true,
		"cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead")}
}

// crdEstablished reports whether the CRD's Established condition is True.
func crdEstablished(crd vmap) bool {
	for _, c := range crd.obj("status").list("conditions") {
		if cond := vObj(c); cond.str("type") == "Established" {
			return cond.str("status") == "True"
		}
	}
	return false
}

// crdAllVersionsHaveSchema is allVersionsSpecifyOpenAPISchema.
func crdAllVersionsHaveSchema(spec *crdSpec) bool {
	if spec.validation.obj("openAPIV3Schema") != nil {
		return true
	}
	for _, v := range spec.versions {
		if v.schema.obj("openAPIV3Schema") == nil {
			return false
		}
	}
	return true
}

// crdSpecHas is HasSchemaWith over every schema of the spec and its subschemas (SchemaHas).
func crdSpecHas(spec *crdSpec, pred func(vmap) bool) bool {
	if crdSchemaHas(spec.validation.obj("openAPIV3Schema"), pred) {
		return true
	}
	for _, v := range spec.versions {
		if crdSchemaHas(v.schema.obj("openAPIV3Schema"), pred) {
			return true
		}
	}
	return false
}

func crdSchemaHas(s vmap, pred func(vmap) bool) bool {
	if s == nil {
		return false
	}
	if pred(s) {
		return true
	}
	sub := func(v any) bool { return crdSchemaHas(vObj(v), pred) }
	list := func(v any) bool {
		l, _ := v.([]any)
		for _, e := range l {
			if sub(e) {
				return true
			}
		}
		return false
	}
	values := func(v any) bool {
		m := vObj(v)
		for _, k := range vSortedKeys(m) {
			if sub(m[k]) {
				return true
			}
		}
		return false
	}
	return sub(s["items"]) || list(s["items"]) || list(s["allOf"]) || list(s["anyOf"]) || list(s["oneOf"]) ||
		sub(s["not"]) || values(s["properties"]) || sub(s["additionalProperties"]) || values(s["patternProperties"]) ||
		sub(s["additionalItems"]) || values(s["definitions"]) || values(s["dependencies"])
}

// validateCRDSelectableFields is ValidateCustomResourceSelectableFields against the schema of the version.
func validateCRDSelectableFields(fields []any, schema vmap, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	unique := map[string]bool{}
	for i, f := range fields {
		jsonPath := vObj(f).str("jsonPath")
		path := p.Index(i).Child("jsonPath")
		if jsonPath == "" {
			errs = append(errs, types.FieldRequired(path, ""))
			continue
		}
		field, root, found, err := crdFieldPath(jsonPath, schema)
		if err != nil {
			errs = append(errs, types.FieldInvalid(path, jsonPath, "is an invalid path: "+err.Error()))
			continue
		}
		if root == "metadata" {
			errs = append(errs, types.FieldInvalid(path, jsonPath, "must not point to fields in metadata"))
		}
		if t := found.str("type"); found == nil || t != "string" && t != "boolean" && t != "integer" {
			errs = append(errs, types.FieldInvalid(path, jsonPath, "must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed."))
		}
		if unique[field] {
			errs = append(errs, types.FieldDuplicate(path, jsonPath))
		}
		unique[field] = true
	}
	if len(unique) > crdMaxSelectableFields {
		errs = append(errs, types.FieldTooMany(p, len(unique), crdMaxSelectableFields))
	}
	return errs
}

// crdFieldPath is the CEL library's ValidFieldPath without array notation: it resolves a JSON path of field
// accessors (".spec.size", ".spec['a.b']" is refused) against a schema and returns the path as a field path prints,
// its root element and the schema it reaches.
func crdFieldPath(jsonPath string, schema vmap) (path, root string, found vmap, err error) {
	scanner := bufio.NewScanner(strings.NewReader(jsonPath))
	scanner.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if len(data) == 0 {
			return 0, nil, nil
		}
		for i := 0; i < len(data); i++ {
			if data[0] == '\'' {
				if i > 0 && data[i] == '\'' && data[i-1] != '\\' {
					return i + 1, data[:i+1], nil
				}
				continue
			}
			if data[i] == '.' || data[i] == '[' || data[i] == ']' {
				if i == 0 {
					return 1, data[:1], nil
				}
				return i, data[:i], nil
			}
		}
		if atEOF {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	var b strings.Builder
	for scanner.Scan() {
		switch tok := scanner.Text(); tok {
		case "[":
			return "", "", nil, fmt.Errorf("array notation is not allowed")
		case ".":
			if !scanner.Scan() {
				return "", "", nil, fmt.Errorf("unexpected end of JSON path")
			}
			name := scanner.Text()
			props, additional := vObj(schema["properties"]), schema.obj("additionalProperties")
			var elem string
			switch {
			case len(props) > 0:
				elem, schema = name, vObj(props[name])
				if _, ok := props[name]; !ok {
					return "", "", nil, fmt.Errorf("does not refer to a valid field")
				}
				if b.Len() > 0 {
					b.WriteByte('.')
				}
			case additional != nil || schema.hasBool("additionalProperties"):
				elem, schema = "["+name+"]", additional
			default:
				return "", "", nil, fmt.Errorf("does not refer to a valid field")
			}
			if b.Len() == 0 {
				root = elem
			}
			b.WriteString(elem)
		default:
			return "", "", nil, fmt.Errorf("expected [ or . but got: %s", tok)
		}
	}
	return b.String(), root, schema, nil
}
