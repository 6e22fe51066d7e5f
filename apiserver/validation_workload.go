package apiserver

import (
	"strconv"

	"github.com/kubemem/kubemem/types"
)

// Workload rules of pkg/apis/apps/validation/validation.go (ValidateDeploymentSpec, ValidateReplicaSetSpec,
// ValidateStatefulSetSpec, ValidateStatefulSetUpdate, ValidateDaemonSetSpec and their helpers), of
// pkg/apis/core/validation/validation.go for ReplicationControllers (ValidateReplicationControllerSpec,
// ValidatePodTemplateSpecForRC), and the selector immutability of the apps/v1 strategies
// (pkg/registry/apps/{deployment,replicaset,daemonset}/strategy.go ValidateUpdate).

const vSelectorMismatch = "`selector` does not match template `labels`"

// strategyValue is the internal DeploymentStrategy / DaemonSetUpdateStrategy as a bad value prints it: the
// internal types have no JSON tags, so members keep their Go names.
type strategyValue struct {
	Type          string
	RollingUpdate *rollingUpdateValue
}

type rollingUpdateValue struct {
	MaxUnavailable any
	MaxSurge       any
}

func strategyValueOf(s vmap) strategyValue {
	v := strategyValue{Type: s.str("type")}
	if s.has("rollingUpdate") {
		ru := s.obj("rollingUpdate")
		v.RollingUpdate = &rollingUpdateValue{MaxUnavailable: vIntOrString(ru["maxUnavailable"]).value(), MaxSurge: vIntOrString(ru["maxSurge"]).value()}
	}
	return v
}

// vTemplateLabels is a template's labels as a bad value (null when absent).
func vTemplateLabels(tmpl vmap) map[string]string { return tmpl.obj("metadata").strMap("labels") }

// validateSelectorRequired is the selector prologue of ValidateDeploymentSpec, ValidateReplicaSetSpec and
// ValidateStatefulSetSpec: required, valid, not empty.
func validateSelectorRequired(sel *types.LabelSelector, kind string, p *types.FieldPath) types.FieldErrorList {
	if sel == nil {
		return types.FieldErrorList{types.FieldRequired(p, "")}
	}
	errs := validateLabelSelector(sel, p)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, types.FieldInvalid(p, sel, "empty selector is invalid for "+kind))
	}
	return errs
}

// validatePodTemplateForController is ValidatePodTemplateSpecForReplicaSet (and the template part of
// ValidatePodTemplateSpecForRC): labels matching a non-empty selector, a valid pod template, restartPolicy
// Always and no activeDeadlineSeconds.
func validatePodTemplateForController(tmpl vmap, selector types.Selector, owner string, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	if !selector.Empty() && !selector.Matches(vTemplateLabels(tmpl)) {
		errs = append(errs, types.FieldInvalid(p.Child("metadata", "labels"), vTemplateLabels(tmpl), vSelectorMismatch))
	}
	errs = append(errs, validatePodTemplateSpec(tmpl, p)...)
	errs = append(errs, validateTemplateRestartAlways(tmpl, owner, p)...)
	return errs
}

// validateTemplateRestartAlways: the pods of a controller restart Always and have no activeDeadlineSeconds.
func validateTemplateRestartAlways(tmpl vmap, owner string, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	spec := tmpl.obj("spec")
	if rp := spec.str("restartPolicy"); rp != "Always" {
		errs = append(errs, types.FieldNotSupported(p.Child("spec", "restartPolicy"), rp, []string{"Always"}))
	}
	if spec.has("activeDeadlineSeconds") {
		errs = append(errs, types.FieldForbidden(p.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in "+owner+" is not Supported"))
	}
	return errs
}

// validatePositiveIntOrPercent is ValidatePositiveIntOrPercent.
func validatePositiveIntOrPercent(v vIntOrStr, p *types.FieldPath) types.FieldErrorList {
	if v.isString {
		return invalidEach(p, v.strVal, percentMessages(v.strVal))
	}
	return validateNonnegative(v.intVal, pathOf(p))
}

// percentOrInt is getIntOrPercentValue: a valid percent's number, or IntValue.
func percentOrInt(v vIntOrStr) int64 {
	if n, ok := percentValue(v); ok {
		return n
	}
	return v.intValue()
}

func percentValue(v vIntOrStr) (int64, bool) {
	if !v.isString || len(percentMessages(v.strVal)) != 0 {
		return 0, false
	}
	n, _ := strconv.Atoi(v.strVal[:len(v.strVal)-1])
	return int64(n), true
}

// notMoreThan100Percent is IsNotMoreThan100Percent.
func notMoreThan100Percent(v vIntOrStr, p *types.FieldPath) types.FieldErrorList {
	if n, ok := percentValue(v); ok && n > 100 {
		return types.FieldErrorList{types.FieldInvalid(p, v.value(), "must not be greater than 100%")}
	}
	return nil
}

// validateSelectorImmutable is the apps/v1 strategies' ValidateImmutableField on spec.selector.
func validateSelectorImmutable(spec, oldSpec vmap) types.FieldErrorList {
	return validateImmutable(spec["selector"], oldSpec["selector"], selectorValue(labelSelectorOf(spec["selector"])), vSpecPath.Child("selector"))
}

// --- Deployment ---

func validateDeployment(d vmap) types.FieldErrorList {
	errs := validateObjectMetaCreate(d.obj("metadata"), true)
	return append(errs, validateDeploymentSpec(d.obj("spec"), vSpecPath)...)
}

// validateDeploymentUpdate is ValidateDeploymentUpdate plus the selector immutability of apps/v1.
func validateDeploymentUpdate(d, old vmap) types.FieldErrorList {
	errs := validateObjectMetaUpdate(d.obj("metadata"), old.obj("metadata"), true)
	errs = append(errs, validateDeploymentSpec(d.obj("spec"), vSpecPath)...)
	return append(errs, validateSelectorImmutable(d.obj("spec"), old.obj("spec"))...)
}

// validateDeploymentSpec is ValidateDeploymentSpec.
func validateDeploymentSpec(spec vmap, p *types.FieldPath) types.FieldErrorList {
	errs := validateNonnegative(spec.integer0("replicas"), pathOf(p).child("replicas"))
	errs = append(errs, validateReplicaSetLikeSelectorAndTemplate(spec, "deployment", p)...)
	errs = append(errs, validateDeploymentStrategy(spec.obj("strategy"), p.Child("strategy"))...)
	minReady := spec.integer0("minReadySeconds")
	errs = append(errs, validateNonnegative(minReady, pathOf(p).child("minReadySeconds"))...)
	if n, ok := spec.integer("revisionHistoryLimit"); ok {
		errs = append(errs, validateNonnegative(n, pathOf(p).child("revisionHistoryLimit"))...)
	}
	if n, ok := spec.integer("progressDeadlineSeconds"); ok {
		errs = append(errs, validateNonnegative(n, pathOf(p).child("progressDeadlineSeconds"))...)
		if n <= minReady {
			errs = append(errs, types.FieldInvalid(p.Child("progressDeadlineSeconds"), n, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

// validateReplicaSetLikeSelectorAndTemplate is the selector and template part shared by ValidateDeploymentSpec
// and ValidateReplicaSetSpec (whose empty-selector message also says "deployment").
func validateReplicaSetLikeSelectorAndTemplate(spec vmap, kind string, p *types.FieldPath) types.FieldErrorList {
	sel := labelSelectorOf(spec["selector"])
	errs := validateSelectorRequired(sel, kind, p.Child("selector"))
	selector, ok := selectorOf(sel)
	if !ok {
		return append(errs, types.FieldInvalid(p.Child("selector"), selectorValue(sel), "invalid label selector"))
	}
	return append(errs, validatePodTemplateForController(spec.obj("template"), selector, "ReplicaSet", p.Child("template"))...)
}

// validateDeploymentStrategy is ValidateDeploymentStrategy.
func validateDeploymentStrategy(s vmap, p *types.FieldPath) types.FieldErrorList {
	switch s.str("type") {
	case "Recreate":
		if s.has("rollingUpdate") {
			return types.FieldErrorList{types.FieldForbidden(p.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
	case "RollingUpdate":
		if !s.has("rollingUpdate") {
			return types.FieldErrorList{types.FieldRequired(p.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		ru, rp := s.obj("rollingUpdate"), p.Child("rollingUpdate")
		maxUnavailable, maxSurge := vIntOrString(ru["maxUnavailable"]), vIntOrString(ru["maxSurge"])
		errs := validatePositiveIntOrPercent(maxUnavailable, rp.Child("maxUnavailable"))
		errs = append(errs, validatePositiveIntOrPercent(maxSurge, rp.Child("maxSurge"))...)
		if percentOrInt(maxUnavailable) == 0 && percentOrInt(maxSurge) == 0 {
			errs = append(errs, types.FieldInvalid(rp.Child("maxUnavailable"), maxUnavailable.value(), "may not be 0 when `maxSurge` is 0"))
		}
		return append(errs, notMoreThan100Percent(maxUnavailable, rp.Child("maxUnavailable"))...)
	default:
		return types.FieldErrorList{types.FieldNotSupported(p, strategyValueOf(s), []string{"Recreate", "RollingUpdate"})}
	}
	return nil
}

// --- ReplicaSet ---

func validateReplicaSet(rs vmap) types.FieldErrorList {
	errs := validateObjectMetaCreate(rs.obj("metadata"), true)
	return append(errs, validateReplicaSetSpec(rs.obj("spec"), vSpecPath)...)
}

// validateReplicaSetUpdate is the ReplicaSet strategy's ValidateUpdate: ValidateReplicaSet, then
// ValidateReplicaSetUpdate (which validates the spec again: spec errors are reported twice, as kube-apiserver
// reports them), then selector immutability.
func validateReplicaSetUpdate(rs, old vmap) types.FieldErrorList {
	errs := validateReplicaSet(rs)
	errs = append(errs, validateObjectMetaUpdate(rs.obj("metadata"), old.obj("metadata"), true)...)
	errs = append(errs, validateReplicaSetSpec(rs.obj("spec"), vSpecPath)...)
	return append(errs, validateSelectorImmutable(rs.obj("spec"), old.obj("spec"))...)
}

// validateReplicaSetSpec is ValidateReplicaSetSpec.
func validateReplicaSetSpec(spec vmap, p *types.FieldPath) types.FieldErrorList {
	errs := validateNonnegative(spec.integer0("replicas"), pathOf(p).child("replicas"))
	errs = append(errs, validateNonnegative(spec.integer0("minReadySeconds"), pathOf(p).child("minReadySeconds"))...)
	return append(errs, validateReplicaSetLikeSelectorAndTemplate(spec, "deployment", p)...)
}

// --- StatefulSet ---

// statefulSetRollingUpdateValue is the internal RollingUpdateStatefulSetStrategy as a bad value.
type statefulSetRollingUpdateValue struct {
	Partition      int64
	MaxUnavailable any
}

type statefulSetStrategyValue struct {
	Type          string
	RollingUpdate *statefulSetRollingUpdateValue
}

func statefulSetRollingUpdateOf(ru vmap) *statefulSetRollingUpdateValue {
	v := &statefulSetRollingUpdateValue{Partition: ru.integer0("partition")}
	if ru.has("maxUnavailable") {
		v.MaxUnavailable = vIntOrString(ru["maxUnavailable"]).value()
	}
	return v
}

func validateStatefulSet(ss vmap) types.FieldErrorList {
	errs := validateObjectMetaCreate(ss.obj("metadata"), true)
	return append(errs, validateStatefulSetSpec(ss.obj("spec"), vSpecPath)...)
}

// validateStatefulSetSpec is ValidateStatefulSetSpec. Like kube-apiserver, it validates the template's labels and
// annotations but not its pod spec.
func validateStatefulSetSpec(spec vmap, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	switch pmp := spec.str("podManagementPolicy"); pmp {
	case "":
		errs = append(errs, types.FieldRequired(p.Child("podManagementPolicy"), ""))
	case "OrderedReady", "Parallel":
	default:
		errs = append(errs, types.FieldInvalid(p.Child("podManagementPolicy"), pmp, "must be 'OrderedReady' or 'Parallel'"))
	}
	us := spec.obj("updateStrategy")
	switch us.str("type") {
	case "":
		errs = append(errs, types.FieldRequired(p.Child("updateStrategy"), ""))
	case "OnDelete":
		if us.has("rollingUpdate") {
			errs = append(errs, types.FieldInvalid(p.Child("updateStrategy", "rollingUpdate"), statefulSetRollingUpdateOf(us.obj("rollingUpdate")),
				"only allowed for updateStrategy 'RollingUpdate'"))
		}
	case "RollingUpdate":
		if us.has("rollingUpdate") {
			ru, rp := us.obj("rollingUpdate"), p.Child("updateStrategy", "rollingUpdate")
			errs = append(errs, validateNonnegative(ru.integer0("partition"), pathOf(rp).child("partition"))...)
			if ru.has("maxUnavailable") {
				mu := vIntOrString(ru["maxUnavailable"])
				errs = append(errs, validatePositiveIntOrPercent(mu, rp.Child("maxUnavailable"))...)
				if percentOrInt(mu) == 0 {
					errs = append(errs, types.FieldInvalid(rp.Child("maxUnavailable"), mu.value(), "cannot be 0"))
				}
				errs = append(errs, notMoreThan100Percent(mu, rp.Child("maxUnavailable"))...)
			}
		}
	default:
		v := statefulSetStrategyValue{Type: us.str("type")}
		if us.has("rollingUpdate") {
			v.RollingUpdate = statefulSetRollingUpdateOf(us.obj("rollingUpdate"))
		}
		errs = append(errs, types.FieldInvalid(p.Child("updateStrategy"), v, "must be 'RollingUpdate' or 'OnDelete'"))
	}
	if spec.has("persistentVolumeClaimRetentionPolicy") {
		policy, pp := spec.obj("persistentVolumeClaimRetentionPolicy"), p.Child("persistentVolumeClaimRetentionPolicy")
		for _, f := range []string{"whenDeleted", "whenScaled"} {
			if v := policy.str(f); v != "Retain" && v != "Delete" {
				errs = append(errs, types.FieldNotSupported(pp.Child(f), v, []string{"Retain", "Delete"}))
			}
		}
	}
	errs = append(errs, validateNonnegative(spec.integer0("replicas"), pathOf(p).child("replicas"))...)
	errs = append(errs, validateNonnegative(spec.integer0("minReadySeconds"), pathOf(p).child("minReadySeconds"))...)
	if spec.has("ordinals") {
		errs = append(errs, validateNonnegative(spec.obj("ordinals").integer0("start"), pathOf(p).child("ordinals.start"))...)
	}
	sel := labelSelectorOf(spec["selector"])
	errs = append(errs, validateSelectorRequired(sel, "statefulset", p.Child("selector"))...)
	tmpl, tp := spec.obj("template"), p.Child("template")
	if selector, ok := selectorOf(sel); !ok {
		errs = append(errs, types.FieldInvalid(p.Child("selector"), selectorValue(sel), ""))
	} else {
		if !selector.Empty() && !selector.Matches(vTemplateLabels(tmpl)) {
			errs = append(errs, types.FieldInvalid(tp.Child("metadata", "labels"), vTemplateLabels(tmpl), vSelectorMismatch))
		}
		meta := tmpl.obj("metadata")
		errs = append(errs, validateLabels(meta.strMap("labels"), pathOf(tp).child("labels"))...)
		errs = append(errs, validateAnnotations(meta.strMap("annotations"), pathOf(tp).child("annotations"))...)
		errs = append(errs, validatePodSpecificAnnotations(meta.strMap("annotations"), tmpl.obj("spec"), tp.Child("annotations"))...)
	}
	return append(errs, validateTemplateRestartAlways(tmpl, "StatefulSet", tp)...)
}

// statefulSetMutableFields are the spec fields a StatefulSet update may change.
var statefulSetMutableFields = []string{"replicas", "template", "updateStrategy", "minReadySeconds", "ordinals", "persistentVolumeClaimRetentionPolicy"}

// validateStatefulSetUpdate is ValidateStatefulSetUpdate: metadata, the new spec, and no change to the spec
// beyond its mutable fields.
func validateStatefulSetUpdate(ss, old vmap) types.FieldErrorList {
	errs := validateObjectMetaUpdate(ss.obj("metadata"), old.obj("metadata"), true)
	spec, oldSpec := ss.obj("spec"), old.obj("spec")
	errs = append(errs, validateStatefulSetSpec(spec, vSpecPath)...)
	munged := make(map[string]any, len(spec))
	for k, v := range spec {
		munged[k] = v
	}
	for _, f := range statefulSetMutableFields {
		munged[f] = oldSpec[f]
	}
	if !vSemanticEqualAt("spec", map[string]any(munged), oldSpec) {
		errs = append(errs, types.FieldForbidden(vSpecPath, "updates to statefulset spec for fields other than 'replicas', 'ordinals', "+
			"'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
	}
	return errs
}

// --- DaemonSet ---

func validateDaemonSet(ds vmap) types.FieldErrorList {
	errs := validateObjectMetaCreate(ds.obj("metadata"), true)
	return append(errs, validateDaemonSetSpec(ds.obj("spec"), vSpecPath)...)
}

// validateDaemonSetUpdate is the DaemonSet strategy's ValidateUpdate: ValidateDaemonSet, then
// ValidateDaemonSetUpdate (spec errors reported twice, as kube-apiserver reports them), then selector
// immutability.
func validateDaemonSetUpdate(ds, old vmap) types.FieldErrorList {
	errs := validateDaemonSet(ds)
	errs = append(errs, validateObjectMetaUpdate(ds.obj("metadata"), old.obj("metadata"), true)...)
	errs = append(errs, validateDaemonSetSpec(ds.obj("spec"), vSpecPath)...)
	return append(errs, validateSelectorImmutable(ds.obj("spec"), old.obj("spec"))...)
}

// validateDaemonSetSpec is ValidateDaemonSetSpec. A DaemonSet's selector is not reported as required: an absent
// selector selects nothing, so the template labels do not match it.
func validateDaemonSetSpec(spec vmap, p *types.FieldPath) types.FieldErrorList {
	sel := labelSelectorOf(spec["selector"])
	errs := validateLabelSelector(sel, p.Child("selector"))
	tmpl, tp := spec.obj("template"), p.Child("template")
	if selector, ok := selectorOf(sel); ok && !selector.Matches(vTemplateLabels(tmpl)) {
		errs = append(errs, types.FieldInvalid(tp.Child("metadata", "labels"), vTemplateLabels(tmpl), vSelectorMismatch))
	}
	if sel != nil && len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, types.FieldInvalid(p.Child("selector"), sel, "empty selector is invalid for daemonset"))
	}
	errs = append(errs, validatePodTemplateSpec(tmpl, tp)...)
	errs = append(errs, validateTemplateRestartAlways(tmpl, "DaemonSet", tp)...)
	errs = append(errs, validateNonnegative(spec.integer0("minReadySeconds"), pathOf(p).child("minReadySeconds"))...)
	errs = append(errs, validateDaemonSetUpdateStrategy(spec.obj("updateStrategy"), p.Child("updateStrategy"))...)
	if n, ok := spec.integer("revisionHistoryLimit"); ok {
		errs = append(errs, validateNonnegative(n, pathOf(p).child("revisionHistoryLimit"))...)
	}
	return errs
}

// validateDaemonSetUpdateStrategy is ValidateDaemonSetUpdateStrategy with ValidateRollingUpdateDaemonSet.
func validateDaemonSetUpdateStrategy(s vmap, p *types.FieldPath) types.FieldErrorList {
	switch s.str("type") {
	case "OnDelete":
		return nil
	case "RollingUpdate":
		if !s.has("rollingUpdate") {
			return types.FieldErrorList{types.FieldRequired(p.Child("rollingUpdate"), "")}
		}
		ru, rp := s.obj("rollingUpdate"), p.Child("rollingUpdate")
		maxUnavailable, maxSurge := vIntOrString(ru["maxUnavailable"]), vIntOrString(ru["maxSurge"])
		errs := validatePositiveIntOrPercent(maxUnavailable, rp.Child("maxUnavailable"))
		errs = append(errs, validatePositiveIntOrPercent(maxSurge, rp.Child("maxSurge"))...)
		errs = append(errs, notMoreThan100Percent(maxUnavailable, rp.Child("maxUnavailable"))...)
		errs = append(errs, notMoreThan100Percent(maxSurge, rp.Child("maxSurge"))...)
		hasUnavailable, hasSurge := percentOrInt(maxUnavailable) != 0, percentOrInt(maxSurge) != 0
		switch {
		case hasUnavailable && hasSurge:
			errs = append(errs, types.FieldInvalid(rp.Child("maxSurge"), maxSurge.value(), "may not be set when maxUnavailable is non-zero"))
		case !hasUnavailable && !hasSurge:
			errs = append(errs, types.FieldRequired(rp.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
		}
		return errs
	default:
		return types.FieldErrorList{types.FieldNotSupported(p, strategyValueOf(s), []string{"RollingUpdate", "OnDelete"})}
	}
}

// --- ReplicationController ---

func validateReplicationController(rc vmap) types.FieldErrorList {
	errs := validateObjectMetaCreate(rc.obj("metadata"), true)
	return append(errs, validateReplicationControllerSpec(rc.obj("spec"), vSpecPath)...)
}

// validateReplicationControllerUpdate is the ReplicationController strategy's ValidateUpdate:
// ValidateReplicationController and ValidateReplicationControllerUpdate (spec errors reported twice, as
// kube-apiserver reports them). The selector of a v1 ReplicationController may change.
func validateReplicationControllerUpdate(rc, old vmap) types.FieldErrorList {
	errs := validateReplicationController(rc)
	errs = append(errs, validateObjectMetaUpdate(rc.obj("metadata"), old.obj("metadata"), true)...)
	return append(errs, validateReplicationControllerSpec(rc.obj("spec"), vSpecPath)...)
}

// validateReplicationControllerSpec is ValidateReplicationControllerSpec with ValidatePodTemplateSpecForRC.
func validateReplicationControllerSpec(spec vmap, p *types.FieldPath) types.FieldErrorList {
	errs := validateNonnegative(spec.integer0("minReadySeconds"), pathOf(p).child("minReadySeconds"))
	selector := spec.strMap("selector")
	if len(selector) == 0 {
		errs = append(errs, types.FieldRequired(p.Child("selector"), ""))
	}
	errs = append(errs, validateNonnegative(spec.integer0("replicas"), pathOf(p).child("replicas"))...)
	if !spec.has("template") {
		return append(errs, types.FieldRequired(p.Child("template"), ""))
	}
	return append(errs, validatePodTemplateForController(spec.obj("template"), types.SelectorFromSet(selector), "ReplicationController", p.Child("template"))...)
}
