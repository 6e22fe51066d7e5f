package apiserver

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// Pod update rules of pkg/apis/core/validation/validation.go: ValidatePodUpdate (ValidateObjectMetaUpdate,
// validatePodMetadataAndSpec, ValidatePodSpecificAnnotationUpdates, ValidateContainerUpdates, the
// activeDeadlineSeconds rules, validateOnlyAddedTolerations, validateOnlyDeletedSchedulingGates,
// validateNodeSelectorMutation for gated pods, and the final comparison of the spec with the updatable fields
// taken from the old pod).

// podUpdatableFields is updatablePodSpecFields: the fields the "pod updates may not change fields other than"
// error lists, joined with "," as kube-apiserver joins them.
var podUpdatableFields = strings.Join([]string{
	"`spec.containers[*].image`",
	"`spec.initContainers[*].image`",
	"`spec.activeDeadlineSeconds`",
	"`spec.tolerations` (only additions to existing tolerations)",
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
}, ",")

const vAppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

// validatePodUpdate is ValidatePodUpdate.
//
// The Forbidden error for other spec changes ends, after a newline, with a description of the difference.
// kube-apiserver prints go-cmp's diff of its internal Go types there, whose output go-cmp makes deliberately
// unstable; kubemem prints one "- path: old" / "+ path: new" pair per changed JSON member instead. The text up to
// the newline is kube-apiserver's.
func validatePodUpdate(pod, old vmap) types.FieldErrorList {
	meta, oldMeta := pod.obj("metadata"), old.obj("metadata")
	errs := validateObjectMetaUpdate(meta, oldMeta, true)
	errs = append(errs, validatePodMetadataAndSpec(pod, podOpts{resourceIsPod: true})...)
	errs = append(errs, validatePodAnnotationUpdates(meta.strMap("annotations"), oldMeta.strMap("annotations"), pod.obj("spec"))...)

	spec, oldSpec := pod.obj("spec"), old.obj("spec")
	for _, list := range []string{"containers", "initContainers"} {
		cErrs, stop := validateContainerUpdates(spec.list(list), oldSpec.list(list), vSpecPath.Child(list))
		errs = append(errs, cErrs...)
		if stop {
			return errs
		}
	}

	adsPath := vSpecPath.Child("activeDeadlineSeconds")
	if ads, ok := spec.integer("activeDeadlineSeconds"); ok {
		if ads < 0 || ads > vMaxInt32 {
			return append(errs, types.FieldInvalid(adsPath, ads, inclusiveRangeMessage(0, vMaxInt32)))
		}
		if oldADS, ok := oldSpec.integer("activeDeadlineSeconds"); ok && oldADS < ads {
			return append(errs, types.FieldInvalid(adsPath, ads, "must be less than or equal to previous value"))
		}
	} else if oldSpec.has("activeDeadlineSeconds") {
		errs = append(errs, types.FieldInvalid(adsPath, nil, "must not update from a positive integer to nil value"))
	}

	errs = append(errs, validateOnlyAddedTolerations(spec.list("tolerations"), oldSpec.list("tolerations"), vSpecPath.Child("tolerations"))...)
	errs = append(errs, validateOnlyDeletedSchedulingGates(spec.list("schedulingGates"), oldSpec.list("schedulingGates"), vSpecPath.Child("schedulingGates"))...)

	if vSemanticEqualAt("spec", spec, oldSpec) {
		return errs
	}
	munged := make(map[string]any, len(spec))
	for k, v := range spec {
		munged[k] = v
	}
	for _, list := range []string{"containers", "initContainers"} {
		news, olds := spec.list(list), oldSpec.list(list)
		if len(news) == 0 {
			continue
		}
		cs := make([]any, len(news))
		for i, c := range news {
			ctr := map[string]any{}
			for k, v := range vObj(c) {
				ctr[k] = v
			}
			ctr["image"] = vObj(olds[i])["image"]
			cs[i] = ctr
		}
		munged[list] = cs
	}
	for _, f := range []string{"activeDeadlineSeconds", "schedulingGates", "tolerations"} {
		munged[f] = oldSpec[f]
	}
	if oldTGPS, ok := oldSpec.integer("terminationGracePeriodSeconds"); ok && oldTGPS < 0 {
		if n, ok := spec.integer("terminationGracePeriodSeconds"); ok && n == 1 {
			munged["terminationGracePeriodSeconds"] = oldSpec["terminationGracePeriodSeconds"]
		}
	}
	if len(oldSpec.list("schedulingGates")) > 0 && !vSemanticEqualAt("nodeSelector", spec["nodeSelector"], oldSpec["nodeSelector"]) {
		newSel, oldSel := spec.strMap("nodeSelector"), oldSpec.strMap("nodeSelector")
		for k, v := range oldSel {
			if w, ok := newSel[k]; !ok || w != v {
				errs = append(errs, types.FieldInvalid(vSpecPath.Child("nodeSelector"), newSel,
					"only additions to spec.nodeSelector are allowed (no mutations or deletions)"))
				break
			}
		}
		munged["nodeSelector"] = oldSpec["nodeSelector"]
	}
	if !vSemanticEqualAt("spec", map[string]any(munged), oldSpec) {
		errs = append(errs, types.FieldForbidden(vSpecPath,
			fmt.Sprintf("pod updates may not change fields other than %s\n%s", podUpdatableFields, vJSONDiff("spec", oldSpec, munged))))
	}
	return errs
}

// validatePodAnnotationUpdates is ValidatePodSpecificAnnotationUpdates: the mirror-pod and AppArmor annotations
// cannot be added, changed or removed, then the pod annotation rules.
func validatePodAnnotationUpdates(annotations, old map[string]string, spec vmap) types.FieldErrorList {
	var errs types.FieldErrorList
	p := vMetaPath.Child("annotations")
	for _, k := range vSortedKeys(old) {
		if v, ok := annotations[k]; ok && v == old[k] {
			continue
		}
		if strings.HasPrefix(k, vAppArmorAnnotationPrefix) {
			errs = append(errs, types.FieldForbidden(p.Key(k), "may not remove or update AppArmor annotations"))
		}
		if k == vAnnotationMirrorPod {
			errs = append(errs, types.FieldForbidden(p.Key(k), "may not remove or update mirror pod annotation"))
		}
	}
	for _, k := range vSortedKeys(annotations) {
		if _, ok := old[k]; ok {
			continue
		}
		if strings.HasPrefix(k, vAppArmorAnnotationPrefix) {
			errs = append(errs, types.FieldForbidden(p.Key(k), "may not add AppArmor annotations"))
		}
		if k == vAnnotationMirrorPod {
			errs = append(errs, types.FieldForbidden(p.Key(k), "may not add mirror pod annotation"))
		}
	}
	return append(errs, validatePodSpecificAnnotations(annotations, spec, p)...)
}

// validateContainerUpdates is ValidateContainerUpdates: no containers added or removed (stop then), images set.
func validateContainerUpdates(news, olds []any, p *types.FieldPath) (types.FieldErrorList, bool) {
	if len(news) != len(olds) {
		return types.FieldErrorList{types.FieldForbidden(p, "pod updates may not add or remove containers")}, true
	}
	var errs types.FieldErrorList
	for i, c := range news {
		image := vObj(c).str("image")
		if image == "" {
			errs = append(errs, types.FieldRequired(p.Index(i).Child("image"), ""))
		}
		if len(strings.TrimSpace(image)) != len(image) {
			errs = append(errs, types.FieldInvalid(p.Index(i).Child("image"), image, "must not have leading or trailing whitespace"))
		}
	}
	return errs, false
}

// validateOnlyAddedTolerations is validateOnlyAddedTolerations: every old toleration is still there (its
// tolerationSeconds may change), then the new list is validated.
func validateOnlyAddedTolerations(news, olds []any, p *types.FieldPath) types.FieldErrorList {
	for _, o := range olds {
		old, found := vObj(o), false
		for _, n := range news {
			tol := vObj(n)
			if tol.str("key") == old.str("key") && tol.str("operator") == old.str("operator") &&
				tol.str("value") == old.str("value") && tol.str("effect") == old.str("effect") {
				found = true
				break
			}
		}
		if !found {
			return types.FieldErrorList{types.FieldForbidden(p, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return validateTolerations(news, pathOf(p))
}

// validateOnlyDeletedSchedulingGates is validateOnlyDeletedSchedulingGates.
func validateOnlyDeletedSchedulingGates(news, olds []any, p *types.FieldPath) types.FieldErrorList {
	oldNames := map[string]bool{}
	for _, g := range olds {
		oldNames[vObj(g).str("name")] = true
	}
	last := map[string]int{}
	for i, g := range news {
		last[vObj(g).str("name")] = i
	}
	var errs types.FieldErrorList
	for i, g := range news {
		name := vObj(g).str("name")
		if oldNames[name] || last[name] != i {
			continue
		}
		errs = append(errs, types.FieldForbidden(p.Index(i).Child("name"),
			fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", name)))
	}
	return errs
}

// vJSONDiff describes how b differs from a, one "- path: old" and "+ path: new" line pair per differing member
// (absent members print as null).
func vJSONDiff(path string, a, b any) string {
	var lines []string
	var walk func(p string, key string, x, y any)
	walk = func(p, key string, x, y any) {
		x, y = plainJSON(x), plainJSON(y)
		if vSemanticEqualAt(key, x, y) {
			return
		}
		xm, xok := x.(map[string]any)
		ym, yok := y.(map[string]any)
		if (xok || x == nil) && (yok || y == nil) && (xok || yok) && !goMapKeys[key] {
			for _, k := range vSortedKeys(vMergeKeys(xm, ym)) {
				walk(p+"."+k, k, xm[k], ym[k])
			}
			return
		}
		xl, xok := x.([]any)
		yl, yok := y.([]any)
		if xok && yok && len(xl) == len(yl) {
			for i := range xl {
				walk(fmt.Sprintf("%s[%d]", p, i), "", xl[i], yl[i])
			}
			return
		}
		lines = append(lines, "- "+p+": "+vJSONText(x), "+ "+p+": "+vJSONText(y))
	}
	walk(path, path, a, b)
	return strings.Join(lines, "\n")
}

func vMergeKeys(a, b map[string]any) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

func vJSONText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
