package apiserver

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubemem/kubemem/types"
)

// Metadata rules: apimachinery pkg/api/validation/objectmeta.go (ValidateObjectMetaAccessor,
// ValidateObjectMetaAccessorUpdate, ValidateAnnotations, ValidateOwnerReferences, ValidateFinalizers),
// pkg/apis/meta/v1/validation/validation.go (ValidateLabels, ValidateLabelSelector) and the finalizer rule of
// pkg/apis/core/validation/validation.go (validateKubeFinalizerName).

const (
	// vTotalAnnotationSizeLimit is apimachinery's TotalAnnotationSizeLimitB: 256 KiB of keys and values.
	vTotalAnnotationSizeLimit = 256 * (1 << 10)
	// vFieldImmutableMessage is apimachinery's FieldImmutableErrorMsg.
	vFieldImmutableMessage = "field is immutable"
	// vIsNegativeMessage is apimachinery's IsNegativeErrorMsg.
	vIsNegativeMessage = "must be greater than or equal to 0"
	// vFinalizerOrphan and vFinalizerForeground are metav1's FinalizerOrphanDependents and FinalizerDeleteDependents.
	vFinalizerOrphan     = "orphan"
	vFinalizerForeground = "foregroundDeletion"
)

// vStandardFinalizers are the finalizer names that need no domain (core helper IsStandardFinalizerName).
var vStandardFinalizers = map[string]bool{"kubernetes": true, vFinalizerOrphan: true, vFinalizerForeground: true}

// validateObjectMetaCreate is ValidateObjectMeta without name, generateName and namespace: labels, annotations,
// ownerReferences and finalizers, then (kubeFinalizers) core's standard-finalizer rule.
func validateObjectMetaCreate(meta vmap, kubeFinalizers bool) types.FieldErrorList {
	return validateObjectMetaAt(meta, vMetaPath, kubeFinalizers)
}

// validateObjectMetaAt is validateObjectMetaCreate for metadata at path (the metadata of an embedded resource in a
// custom object, for example).
func validateObjectMetaAt(meta vmap, path *types.FieldPath, kubeFinalizers bool) types.FieldErrorList {
	var errs types.FieldErrorList
	if g, ok := meta.integer("generation"); ok && g < 0 {
		errs = append(errs, types.FieldInvalid(path.Child("generation"), g, vIsNegativeMessage))
	}
	p := pathOf(path)
	errs = append(errs, validateLabels(meta.strMap("labels"), p.child("labels"))...)
	errs = append(errs, validateAnnotations(meta.strMap("annotations"), p.child("annotations"))...)
	errs = append(errs, validateOwnerReferences(meta.list("ownerReferences"), p.child("ownerReferences"))...)
	finalizers := meta.strList("finalizers")
	errs = append(errs, validateFinalizers(finalizers, p.child("finalizers"))...)
	if kubeFinalizers {
		errs = append(errs, validateKubeFinalizerNames(finalizers)...)
	}
	return errs
}

// validateObjectMetaUpdate is ValidateObjectMetaUpdate: no new finalizers on an object being deleted, a
// resourceVersion, generation not decremented, the identity and deletion fields immutable, then labels,
// annotations and ownerReferences of the new metadata and (kubeFinalizers) core's standard-finalizer rule.
func validateObjectMetaUpdate(meta, old vmap, kubeFinalizers bool) types.FieldErrorList {
	var errs types.FieldErrorList
	finalizers := meta.strList("finalizers")
	if old.has("deletionTimestamp") {
		oldSet := map[string]bool{}
		for _, f := range old.strList("finalizers") {
			oldSet[f] = true
		}
		var extra []string
		for _, f := range finalizers {
			if !oldSet[f] && !slices.Contains(extra, f) {
				extra = append(extra, f)
			}
		}
		if len(extra) > 0 {
			slices.Sort(extra)
			errs = append(errs, types.FieldForbidden(vMetaPath.Child("finalizers"),
				fmt.Sprintf("no new finalizers can be added if the object is being deleted, found new finalizers %#v", extra)))
		}
	}
	if meta.str("resourceVersion") == "" {
		errs = append(errs, types.FieldInvalid(vMetaPath.Child("resourceVersion"), "", "must be specified for an update"))
	}
	if g := meta.integer0("generation"); g < old.integer0("generation") {
		errs = append(errs, types.FieldInvalid(vMetaPath.Child("generation"), g, "must not be decremented"))
	}
	for _, f := range []string{"name", "namespace", "uid"} {
		if meta.str(f) != old.str(f) {
			errs = append(errs, types.FieldInvalid(vMetaPath.Child(f), meta.str(f), vFieldImmutableMessage))
		}
	}
	for _, f := range []string{"creationTimestamp", "deletionTimestamp"} {
		nt, nok := vTime(meta[f])
		ot, ook := vTime(old[f])
		if nok != ook || nok && !nt.Equal(ot) {
			var bad any // a zero or nil metav1.Time encodes as null
			if nok {
				bad = nt.UTC().Format(time.RFC3339)
			}
			errs = append(errs, types.FieldInvalid(vMetaPath.Child(f), bad, vFieldImmutableMessage))
		}
	}
	ng, nok := meta.integer("deletionGracePeriodSeconds")
	og, ook := old.integer("deletionGracePeriodSeconds")
	if nok != ook || ng != og {
		var bad any
		if nok {
			bad = ng
		}
		errs = append(errs, types.FieldInvalid(vMetaPath.Child("deletionGracePeriodSeconds"), bad, vFieldImmutableMessage))
	}
	mp := pathOf(vMetaPath)
	errs = append(errs, validateLabels(meta.strMap("labels"), mp.child("labels"))...)
	errs = append(errs, validateAnnotations(meta.strMap("annotations"), mp.child("annotations"))...)
	errs = append(errs, validateOwnerReferences(meta.list("ownerReferences"), mp.child("ownerReferences"))...)
	if kubeFinalizers {
		errs = append(errs, validateKubeFinalizerNames(finalizers)...)
	}
	return errs
}

// vTime reads a metav1.Time member: an RFC 3339 string. Absent, null and unparsable values are unset.
func vTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// validateLabels is ValidateLabels: every key a qualified name, every value a label value, each error at path
// itself (kube-apiserver does not add the key to the path).
func validateLabels(labels map[string]string, path vpath) types.FieldErrorList {
	if labelsValid(labels) {
		return nil // without sorting the keys, which only orders the errors
	}
	var errs types.FieldErrorList
	for _, k := range vSortedKeys(labels) {
		errs = append(errs, validateLabelName(k, path)...)
		errs = append(errs, invalidAt(path, labels[k], types.IsValidLabelValue(labels[k]))...)
	}
	return errs
}

// labelsValid reports whether validateLabels finds nothing wrong with labels.
func labelsValid(labels map[string]string) bool {
	for k, v := range labels {
		if len(types.IsQualifiedName(k)) > 0 || len(types.IsValidLabelValue(v)) > 0 {
			return false
		}
	}
	return true
}

// validateLabelName is ValidateLabelName: a qualified name.
func validateLabelName(name string, path vpath) types.FieldErrorList {
	return invalidAt(path, name, types.IsQualifiedName(name))
}

// validateAnnotations is ValidateAnnotations: keys are qualified names compared case-insensitively, and keys and
// values together hold at most 256 KiB.
func validateAnnotations(annotations map[string]string, path vpath) types.FieldErrorList {
	valid, total := true, 0
	for k, v := range annotations {
		valid = valid && len(types.IsQualifiedName(strings.ToLower(k))) == 0
		total += len(k) + len(v)
	}
	if valid && total <= vTotalAnnotationSizeLimit {
		return nil // without sorting the keys, which only orders the errors
	}
	var errs types.FieldErrorList
	for _, k := range vSortedKeys(annotations) {
		errs = append(errs, invalidAt(path, k, types.IsQualifiedName(strings.ToLower(k)))...)
	}
	if total > vTotalAnnotationSizeLimit {
		errs = append(errs, types.FieldTooLong(path.path(), "", vTotalAnnotationSizeLimit))
	}
	return errs
}

// ownerReferenceValue is metav1.OwnerReference as a bad value prints it.
type ownerReferenceValue struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	UID                string `json:"uid"`
	Controller         *bool  `json:"controller,omitempty"`
	BlockOwnerDeletion *bool  `json:"blockOwnerDeletion,omitempty"`
}

func ownerReferenceOf(ref vmap) ownerReferenceValue {
	v := ownerReferenceValue{APIVersion: ref.str("apiVersion"), Kind: ref.str("kind"), Name: ref.str("name"), UID: ref.str("uid")}
	if ref.hasBool("controller") {
		b := ref.boolean("controller")
		v.Controller = &b
	}
	if ref.hasBool("blockOwnerDeletion") {
		b := ref.boolean("blockOwnerDeletion")
		v.BlockOwnerDeletion = &b
	}
	return v
}

// validateOwnerReferences is ValidateOwnerReferences: apiVersion with a version, kind, name and uid set, no
// Event owner, at most one controller. The errors of every reference are reported at path without an index,
// as kube-apiserver reports them.
func validateOwnerReferences(refs []any, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	firstController := ""
	for _, r := range refs {
		ref := vObj(r)
		apiVersion, kind := ref.str("apiVersion"), ref.str("kind")
		gv, ok := types.ParseGroupVersion(apiVersion)
		if !ok || gv.Version == "" {
			errs = append(errs, types.FieldInvalid(path.child("apiVersion").path(), apiVersion, "version must not be empty"))
		}
		if kind == "" {
			errs = append(errs, types.FieldInvalid(path.child("kind").path(), kind, "must not be empty"))
		}
		if name := ref.str("name"); name == "" {
			errs = append(errs, types.FieldInvalid(path.child("name").path(), name, "must not be empty"))
		}
		if uid := ref.str("uid"); uid == "" {
			errs = append(errs, types.FieldInvalid(path.child("uid").path(), uid, "must not be empty"))
		}
		if ok && gv.Group == "" && gv.Version == "v1" && kind == "Event" {
			errs = append(errs, types.FieldInvalid(path.path(), ownerReferenceOf(ref), "/v1, Kind=Event is disallowed from being an owner"))
		}
		if ref.boolean("controller") {
			current := kind + "/" + ref.str("name")
			if firstController != "" {
				all := make([]ownerReferenceValue, 0, len(refs))
				for _, r := range refs {
					all = append(all, ownerReferenceOf(vObj(r)))
				}
				errs = append(errs, types.FieldInvalid(path.path(), all, fmt.Sprintf(
					"Only one reference can have Controller set to true. Found \"true\" in references for %v and %v", firstController, current)))
			} else {
				firstController = current
			}
		}
	}
	return errs
}

// validateFinalizers is ValidateFinalizers: qualified names, and not both orphan and foregroundDeletion.
func validateFinalizers(finalizers []string, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	for _, f := range finalizers {
		errs = append(errs, invalidAt(path, f, types.IsQualifiedName(f))...)
	}
	if slices.Contains(finalizers, vFinalizerOrphan) && slices.Contains(finalizers, vFinalizerForeground) {
		errs = append(errs, types.FieldInvalid(path.path(), finalizers,
			fmt.Sprintf("finalizer %s and %s cannot be both set", vFinalizerOrphan, vFinalizerForeground)))
	}
	return errs
}

// validateKubeFinalizerNames is core's validateKubeFinalizerName over metadata.finalizers: a name without a
// domain must be a standard one.
func validateKubeFinalizerNames(finalizers []string) types.FieldErrorList {
	var errs types.FieldErrorList
	for i, f := range finalizers {
		errs = append(errs, validateKubeFinalizerName(f, pathOf(vMetaPath).child("finalizers").index(i))...)
	}
	return errs
}

func validateKubeFinalizerName(f string, path vpath) types.FieldErrorList {
	if !strings.Contains(f, "/") && !vStandardFinalizers[f] {
		return types.FieldErrorList{types.FieldInvalid(path.path(), f, "name is neither a standard finalizer name nor is it fully qualified")}
	}
	return nil
}

// validateNonnegative is ValidateNonnegativeField.
func validateNonnegative(v int64, path vpath) types.FieldErrorList {
	if v < 0 {
		return types.FieldErrorList{types.FieldInvalid(path.path(), v, vIsNegativeMessage)}
	}
	return nil
}

// validateImmutable is ValidateImmutableField on a JSON member: semantically equal or "field is immutable" with
// the new value.
func validateImmutable(newVal, oldVal, bad any, path *types.FieldPath) types.FieldErrorList {
	if !vSemanticEqual(newVal, oldVal) {
		return types.FieldErrorList{types.FieldInvalid(path, bad, vFieldImmutableMessage)}
	}
	return nil
}

// labelSelectorOf reads a metav1.LabelSelector member; nil when absent.
func labelSelectorOf(v any) *types.LabelSelector {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	sel := &types.LabelSelector{MatchLabels: vmap(m).strMap("matchLabels")}
	if len(sel.MatchLabels) == 0 {
		sel.MatchLabels = nil
	}
	for _, e := range vmap(m).list("matchExpressions") {
		req := vObj(e)
		sel.MatchExpressions = append(sel.MatchExpressions, types.LabelSelectorRequirement{
			Key: req.str("key"), Operator: types.LabelSelectorOperator(req.str("operator")), Values: req.strList("values")})
	}
	return sel
}

// selectorValue is sel as a bad value: the selector, or null.
func selectorValue(sel *types.LabelSelector) any {
	if sel == nil {
		return nil
	}
	return sel
}

// validateLabelSelector is ValidateLabelSelector with invalid label values refused (the option every create
// uses).
func validateLabelSelector(sel *types.LabelSelector, path *types.FieldPath) types.FieldErrorList {
	if sel == nil {
		return nil
	}
	sp := pathOf(path)
	errs := validateLabels(sel.MatchLabels, sp.child("matchLabels"))
	for i, req := range sel.MatchExpressions {
		p := sp.child("matchExpressions").index(i)
		switch req.Operator {
		case types.LabelSelectorOpIn, types.LabelSelectorOpNotIn:
			if len(req.Values) == 0 {
				errs = append(errs, types.FieldRequired(p.child("values").path(), "must be specified when `operator` is 'In' or 'NotIn'"))
			}
		case types.LabelSelectorOpExists, types.LabelSelectorOpDoesNotExist:
			if len(req.Values) > 0 {
				errs = append(errs, types.FieldForbidden(p.child("values").path(), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
			}
		default:
			errs = append(errs, types.FieldInvalid(p.child("operator").path(), string(req.Operator), "not a valid selector operator"))
		}
		errs = append(errs, validateLabelName(req.Key, p.child("key"))...)
		for j, v := range req.Values {
			errs = append(errs, invalidAt(p.child("values").index(j), v, types.IsValidLabelValue(v))...)
		}
	}
	return errs
}

// selectorOf is LabelSelectorAsSelector: nil selects nothing, an empty selector everything; ok is false when the
// selector does not convert (kube-apiserver's "invalid label selector").
func selectorOf(sel *types.LabelSelector) (types.Selector, bool) {
	s, err := types.SelectorFromLabelSelector(sel)
	return s, err == nil
}
