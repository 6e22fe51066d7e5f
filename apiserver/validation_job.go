package apiserver

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubemem/kubemem/types"
)

// Job and CronJob rules of pkg/apis/batch/validation/validation.go (ValidateJob, validateGeneratedSelector,
// ValidateJobSpec, validateJobSpec, validatePodFailurePolicy, ValidateJobUpdate, ValidateJobSpecUpdate,
// ValidateCronJobCreate, ValidateCronJobUpdate, validateCronJobSpec, ValidateJobTemplateSpec, validateTimeZone)
// with the options of pkg/registry/batch/job/strategy.go (validationOptionsForJob), and the selector generation of
// that strategy's PrepareForCreate (generateJobSelector).

const (
	vLabelJobName             = "batch.kubernetes.io/job-name"
	vLabelControllerUID       = "batch.kubernetes.io/controller-uid"
	vLabelLegacyJobName       = "job-name"
	vLabelLegacyControllerUID = "controller-uid"
)

// generateJobSelector is the Job strategy's generateSelectorIfNeeded (PrepareForCreate): unless
// spec.manualSelector is true, the template gets the job-name and controller-uid labels (both spellings) and the
// selector matches batch.kubernetes.io/controller-uid. It returns a new object sharing the untouched members of
// job; job is not modified. metadata.uid and metadata.name must be set.
func generateJobSelector(job map[string]any) map[string]any {
	j := vmap(job)
	spec := j.obj("spec")
	if spec.boolean("manualSelector") {
		return job
	}
	meta := j.obj("metadata")
	name, uid := meta.str("name"), meta.str("uid")
	tmpl := spec.obj("template")
	tmplMeta := tmpl.obj("metadata")
	labels := map[string]any{}
	for k, v := range tmplMeta.obj("labels") {
		labels[k] = v
	}
	for _, k := range []string{vLabelLegacyJobName, vLabelJobName} {
		if _, ok := labels[k]; !ok {
			labels[k] = name
		}
	}
	for _, k := range []string{vLabelLegacyControllerUID, vLabelControllerUID} {
		if _, ok := labels[k]; !ok {
			labels[k] = uid
		}
	}
	selector := vCopyMap(spec.obj("selector"))
	matchLabels := vCopyMap(vmap(selector).obj("matchLabels"))
	if _, ok := matchLabels[vLabelControllerUID]; !ok {
		matchLabels[vLabelControllerUID] = uid
	}
	selector["matchLabels"] = matchLabels
	newTmplMeta := vCopyMap(tmplMeta)
	newTmplMeta["labels"] = labels
	newTmpl := vCopyMap(tmpl)
	newTmpl["metadata"] = newTmplMeta
	newSpec := vCopyMap(spec)
	newSpec["template"] = newTmpl
	newSpec["selector"] = selector
	out := vCopyMap(j)
	out["spec"] = newSpec
	return out
}

// vCopyMap is a shallow copy (never nil).
func vCopyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// jobOpts are the JobValidationOptions that change a rule.
type jobOpts struct {
	requirePrefixedLabels bool
	mutableSchedulingDirs bool
}

// validateJob is ValidateJob with the options of a new Job.
func validateJob(job vmap) types.FieldErrorList {
	return validateJobWith(job, jobOpts{requirePrefixedLabels: true})
}

func validateJobWith(job vmap, opts jobOpts) types.FieldErrorList {
	meta, spec := job.obj("metadata"), job.obj("spec")
	errs := validateObjectMetaCreate(meta, true)
	errs = append(errs, validateGeneratedSelector(job, opts.requirePrefixedLabels)...)
	errs = append(errs, validateJobSpecWithSelector(spec, vSpecPath)...)
	if spec.str("completionMode") == "Indexed" {
		if completions, ok := spec.integer("completions"); ok && completions > 0 {
			hostname := fmt.Sprintf("%s-%d", meta.str("name"), completions-1)
			if len(types.IsDNS1123Label(hostname)) > 0 {
				errs = append(errs, types.FieldInvalid(vMetaPath.Child("name"), meta.str("name"),
					"will not able to create pod with invalid DNS label: "+hostname))
			}
		}
	}
	return errs
}

// validateGeneratedSelector is validateGeneratedSelector: a generated selector must select the labels the Job's
// name and uid give its pods.
func validateGeneratedSelector(job vmap, requirePrefixed bool) types.FieldErrorList {
	meta, spec := job.obj("metadata"), job.obj("spec")
	if spec.boolean("manualSelector") || !spec.has("selector") {
		return nil
	}
	var errs types.FieldErrorList
	uid, name := meta.str("uid"), meta.str("name")
	if uid == "" {
		errs = append(errs, types.FieldRequired(vMetaPath.Child("uid"), ""))
	}
	labels := spec.obj("template").obj("metadata").strMap("labels")
	labelsPath := vSpecPath.Child("template", "metadata", "labels")
	hasLabel := func(key, want string) {
		got, ok := labels[key]
		switch {
		case !ok:
			errs = append(errs, types.FieldRequired(labelsPath.Key(key), fmt.Sprintf("must be '%s'", want)))
		case got != want:
			errs = append(errs, types.FieldInvalid(labelsPath.Key(key), labels, fmt.Sprintf("must be '%s'", want)))
		}
	}
	hasLabel(vLabelLegacyControllerUID, uid)
	hasLabel(vLabelLegacyJobName, name)
	expected := map[string]string{vLabelLegacyControllerUID: uid, vLabelLegacyJobName: name}
	if requirePrefixed {
		hasLabel(vLabelControllerUID, uid)
		hasLabel(vLabelJobName, name)
		expected[vLabelControllerUID], expected[vLabelJobName] = uid, name
	}
	sel := labelSelectorOf(spec["selector"])
	if selector, ok := selectorOf(sel); ok && !selector.Matches(expected) {
		errs = append(errs, types.FieldInvalid(vSpecPath.Child("selector"), sel, "`selector` not auto-generated"))
	}
	return errs
}

// validateJobSpecWithSelector is ValidateJobSpec: validateJobSpec, a selector, matching the template labels.
func validateJobSpecWithSelector(spec vmap, p *types.FieldPath) types.FieldErrorList {
	errs := validateJobSpec(spec, p)
	sel := labelSelectorOf(spec["selector"])
	if sel == nil {
		errs = append(errs, types.FieldRequired(p.Child("selector"), ""))
	} else {
		errs = append(errs, validateLabelSelector(sel, p.Child("selector"))...)
	}
	if selector, ok := selectorOf(sel); ok {
		if labels := vTemplateLabels(spec.obj("template")); !selector.Matches(labels) {
			errs = append(errs, types.FieldInvalid(p.Child("template", "metadata", "labels"), labels, vSelectorMismatch))
		}
	}
	return errs
}

// validateJobSpec is validateJobSpec (without selector and success policy rules).
func validateJobSpec(spec vmap, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	for _, f := range []string{"parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex"} {
		if n, ok := spec.integer(f); ok {
			errs = append(errs, validateNonnegative(n, pathOf(p).child(f))...)
		}
	}
	maxFailed, hasMaxFailed := spec.integer("maxFailedIndexes")
	perIndex, hasPerIndex := spec.integer("backoffLimitPerIndex")
	completions, hasCompletions := spec.integer("completions")
	parallelism, hasParallelism := spec.integer("parallelism")
	if hasMaxFailed {
		errs = append(errs, validateNonnegative(maxFailed, pathOf(p).child("maxFailedIndexes"))...)
		if !hasPerIndex {
			errs = append(errs, types.FieldRequired(p.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
		}
	}
	if spec.hasStr("managedBy") {
		managedBy := spec.str("managedBy")
		errs = append(errs, validateDomainPrefixedPath(managedBy, p.Child("managedBy"))...)
		if len(managedBy) > 63 {
			errs = append(errs, types.FieldTooLong(p.Child("managedBy"), managedBy, 63))
		}
	}
	mode := spec.str("completionMode")
	if spec.hasStr("completionMode") {
		if mode != "NonIndexed" && mode != "Indexed" {
			errs = append(errs, types.FieldNotSupported(p.Child("completionMode"), mode, []string{"NonIndexed", "Indexed"}))
		}
		if mode == "Indexed" {
			if !hasCompletions {
				errs = append(errs, types.FieldRequired(p.Child("completions"), "when completion mode is Indexed"))
			}
			if hasParallelism && parallelism > 100000 {
				errs = append(errs, types.FieldInvalid(p.Child("parallelism"), parallelism, "must be less than or equal to 100000 when completion mode is Indexed"))
			}
			if hasCompletions && hasMaxFailed && maxFailed > completions {
				errs = append(errs, types.FieldInvalid(p.Child("maxFailedIndexes"), maxFailed, "must be less than or equal to completions"))
			}
			if hasMaxFailed && maxFailed > 100000 {
				errs = append(errs, types.FieldInvalid(p.Child("maxFailedIndexes"), maxFailed, "must be less than or equal to 100000"))
			}
			if hasCompletions && completions > 100000 && hasPerIndex {
				if !hasMaxFailed {
					errs = append(errs, types.FieldRequired(p.Child("maxFailedIndexes"), "must be specified when completions is above 100000"))
				}
				if hasParallelism && parallelism > 10000 {
					errs = append(errs, types.FieldInvalid(p.Child("parallelism"), parallelism,
						"must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index"))
				}
				if hasMaxFailed && maxFailed > 10000 {
					errs = append(errs, types.FieldInvalid(p.Child("maxFailedIndexes"), maxFailed,
						"must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index"))
				}
			}
		}
	}
	if !spec.hasStr("completionMode") || mode == "NonIndexed" {
		if hasPerIndex {
			errs = append(errs, types.FieldInvalid(p.Child("backoffLimitPerIndex"), perIndex, "requires indexed completion mode"))
		}
		if hasMaxFailed {
			errs = append(errs, types.FieldInvalid(p.Child("maxFailedIndexes"), maxFailed, "requires indexed completion mode"))
		}
	}
	hasPFP := spec.has("podFailurePolicy")
	if hasPFP {
		errs = append(errs, validatePodFailurePolicy(spec, p.Child("podFailurePolicy"))...)
	}
	if spec.hasStr("podReplacementPolicy") {
		rp := spec.str("podReplacementPolicy")
		if hasPFP {
			if rp != "Failed" {
				errs = append(errs, types.FieldNotSupported(p.Child("podReplacementPolicy"), rp, []string{"Failed"}))
			}
		} else if !vOneOf(rp, []string{"Failed", "TerminatingOrFailed"}) {
			errs = append(errs, types.FieldNotSupported(p.Child("podReplacementPolicy"), rp, []string{"Failed", "TerminatingOrFailed"}))
		}
	}
	tmpl := spec.obj("template")
	errs = append(errs, validatePodTemplateSpec(tmpl, p.Child("template"))...)
	rpPath := p.Child("template", "spec", "restartPolicy")
	switch rp := tmpl.obj("spec").str("restartPolicy"); {
	case rp == "Always" || rp == "":
		errs = append(errs, types.FieldRequired(rpPath, `valid values: "OnFailure", "Never"`))
	case rp != "OnFailure" && rp != "Never":
		errs = append(errs, types.FieldNotSupported(rpPath, rp, []string{"OnFailure", "Never"}))
	case hasPFP && rp != "Never":
		errs = append(errs, types.FieldInvalid(rpPath, rp, `only "Never" is supported when podFailurePolicy is specified`))
	}
	return errs
}

// validateDomainPrefixedPath is IsDomainPrefixedPath.
func validateDomainPrefixedPath(s string, p *types.FieldPath) types.FieldErrorList {
	if s == "" {
		return types.FieldErrorList{types.FieldRequired(p, "")}
	}
	host, rest, ok := strings.Cut(s, "/")
	if !ok || host == "" || rest == "" {
		return types.FieldErrorList{types.FieldInvalid(p, s, "must be a domain-prefixed path (such as \"acme.io/foo\")")}
	}
	errs := invalidEach(p, host, types.IsDNS1123Subdomain(host))
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~%!$&'()*+,;=:", c) >= 0) {
			return append(errs, types.FieldInvalid(p, rest, vRegexMessage("Invalid path", `[A-Za-z0-9/\-._~%!$&'()*+,;=:]+`)))
		}
	}
	return errs
}

// validatePodFailurePolicy is validatePodFailurePolicy with its rule checks.
func validatePodFailurePolicy(spec vmap, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	rules := spec.obj("podFailurePolicy").list("rules")
	rulesPath := p.Child("rules")
	if len(rules) > 20 {
		errs = append(errs, types.FieldTooMany(rulesPath, len(rules), 20))
	}
	containers := map[string]bool{}
	for _, list := range []string{"containers", "initContainers"} {
		for _, c := range spec.obj("template").obj("spec").list(list) {
			containers[vObj(c).str("name")] = true
		}
	}
	actions := []string{"Count", "FailIndex", "FailJob", "Ignore"}
	for i, r := range rules {
		rule, rp := vObj(r), rulesPath.Index(i)
		switch action := rule.str("action"); {
		case action == "":
			errs = append(errs, types.FieldRequired(rp.Child("action"), fmt.Sprintf("valid values: %q", actions)))
		case action == "FailIndex":
			if !spec.has("backoffLimitPerIndex") {
				errs = append(errs, types.FieldInvalid(rp.Child("action"), action, "requires the backoffLimitPerIndex to be set"))
			}
		case !vOneOf(action, actions):
			errs = append(errs, types.FieldNotSupported(rp.Child("action"), action, actions))
		}
		hasCodes, conditions := rule.has("onExitCodes"), rule.list("onPodConditions")
		if hasCodes {
			errs = append(errs, validateOnExitCodes(rule.obj("onExitCodes"), rp.Child("onExitCodes"), containers)...)
		}
		if len(conditions) > 0 {
			cp := rp.Child("onPodConditions")
			if len(conditions) > 20 {
				errs = append(errs, types.FieldTooMany(cp, len(conditions), 20))
			}
			statuses := []string{"False", "True", "Unknown"}
			for j, c := range conditions {
				cond, pp := vObj(c), cp.Index(j)
				errs = append(errs, validateQualifiedName(cond.str("type"), pp.Child("type"))...)
				if st := cond.str("status"); st == "" {
					errs = append(errs, types.FieldRequired(pp.Child("status"), fmt.Sprintf("valid values: %q", statuses)))
				} else if !vOneOf(st, statuses) {
					errs = append(errs, types.FieldNotSupported(pp.Child("status"), st, statuses))
				}
			}
		}
		if hasCodes && len(conditions) > 0 {
			errs = append(errs, omittedInvalid(rp, "specifying both OnExitCodes and OnPodConditions is not supported"))
		}
		if !hasCodes && len(conditions) == 0 {
			errs = append(errs, omittedInvalid(rp, "specifying one of OnExitCodes and OnPodConditions is required"))
		}
	}
	return errs
}

// omittedInvalid is field.Invalid with field.OmitValueType: "Invalid value" without a value.
func omittedInvalid(p *types.FieldPath, detail string) *types.FieldError {
	e := types.FieldTooMany(p, -1, 0) // the only constructor that omits the value
	e.Type, e.Detail = types.FieldErrorTypeInvalid, detail
	return e
}

// validateOnExitCodes is validatePodFailurePolicyRuleOnExitCodes.
func validateOnExitCodes(req vmap, p *types.FieldPath, containers map[string]bool) types.FieldErrorList {
	var errs types.FieldErrorList
	ops := []string{"In", "NotIn"}
	op := req.str("operator")
	if op == "" {
		errs = append(errs, types.FieldRequired(p.Child("operator"), fmt.Sprintf("valid values: %q", ops)))
	} else if !vOneOf(op, ops) {
		errs = append(errs, types.FieldNotSupported(p.Child("operator"), op, ops))
	}
	if req.hasStr("containerName") && !containers[req.str("containerName")] {
		errs = append(errs, types.FieldInvalid(p.Child("containerName"), req.str("containerName"),
			"must be one of the container or initContainer names in the pod template"))
	}
	var values []int64
	for _, v := range req.list("values") {
		if n, ok := vInt(v); ok {
			values = append(values, n)
		}
	}
	vp := p.Child("values")
	if len(values) == 0 {
		errs = append(errs, types.FieldInvalid(vp, []int64{}, "at least one value is required"))
	} else if len(values) > 255 {
		errs = append(errs, types.FieldTooMany(vp, len(values), 255))
	}
	ordered, seen := true, map[int64]bool{}
	for j, v := range values {
		if op == "In" && v == 0 {
			errs = append(errs, types.FieldInvalid(vp.Index(j), v, "must not be 0 for the In operator"))
		}
		if seen[v] {
			errs = append(errs, types.FieldDuplicate(vp.Index(j), v))
		}
		seen[v] = true
		if j > 0 && values[j-1] > v {
			ordered = false
		}
	}
	if !ordered {
		errs = append(errs, types.FieldInvalid(vp, values, "must be ordered"))
	}
	return errs
}

// validateJobUpdate is the Job strategy's ValidateUpdate: ValidateJob and ValidateJobUpdate with the options an
// update gets (spec errors reported twice, as kube-apiserver reports them).
func validateJobUpdate(job, old vmap) types.FieldErrorList {
	oldSpec := old.obj("spec")
	oldLabels := oldSpec.obj("template").obj("metadata").strMap("labels")
	_, hadName := oldLabels[vLabelJobName]
	_, hadUID := oldLabels[vLabelControllerUID]
	opts := jobOpts{
		requirePrefixedLabels: hadName && hadUID,
		mutableSchedulingDirs: oldSpec.boolean("suspend") && !old.obj("status").has("startTime"),
	}
	errs := validateJobWith(job, opts)
	errs = append(errs, validateObjectMetaUpdate(job.obj("metadata"), old.obj("metadata"), true)...)
	spec := job.obj("spec")
	errs = append(errs, validateJobSpecWithSelector(spec, vSpecPath)...)
	errs = append(errs, validateJobCompletionsUpdate(spec, oldSpec)...)
	errs = append(errs, validateImmutable(spec["selector"], oldSpec["selector"], selectorValue(labelSelectorOf(spec["selector"])), vSpecPath.Child("selector"))...)
	errs = append(errs, validateJobTemplateUpdate(spec, oldSpec, opts)...)
	for _, f := range []string{"completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"} {
		errs = append(errs, validateImmutable(spec[f], oldSpec[f], spec[f], vSpecPath.Child(f))...)
	}
	return errs
}

// validateJobCompletionsUpdate is validateCompletions with elastic indexed Jobs: completions is immutable, except
// that an Indexed Job may change it together with parallelism.
func validateJobCompletionsUpdate(spec, oldSpec vmap) types.FieldErrorList {
	p := vSpecPath.Child("completions")
	if spec.str("completionMode") != "Indexed" {
		return validateImmutable(spec["completions"], oldSpec["completions"], spec["completions"], p)
	}
	if vSemanticEqual(spec["completions"], oldSpec["completions"]) || !spec.has("completions") {
		return nil
	}
	c, _ := spec.integer("completions")
	if par, ok := spec.integer("parallelism"); !ok || c != par {
		return types.FieldErrorList{types.FieldInvalid(p, c, "can only be modified in tandem with spec.parallelism")}
	}
	return nil
}

// validateJobTemplateUpdate is validatePodTemplateUpdate: the template is immutable, except node affinity, node
// selector, tolerations, labels, annotations and scheduling gates of a suspended Job that never started.
//
// kube-apiserver prints the internal PodTemplateSpec Go struct as the bad value; kubemem prints the template's
// JSON.
func validateJobTemplateUpdate(spec, oldSpec vmap, opts jobOpts) types.FieldErrorList {
	tmpl, oldTmpl := spec.obj("template"), oldSpec.obj("template")
	if opts.mutableSchedulingDirs {
		oldTmpl = mungeSchedulingDirectives(tmpl, oldTmpl)
	}
	return validateImmutable(map[string]any(tmpl), map[string]any(oldTmpl), map[string]any(tmpl), vSpecPath.Child("template"))
}

// mungeSchedulingDirectives returns old with the scheduling directives of tmpl.
func mungeSchedulingDirectives(tmpl, old vmap) vmap {
	out := vCopyMap(old)
	meta := vCopyMap(old.obj("metadata"))
	newMeta := tmpl.obj("metadata")
	meta["labels"], meta["annotations"] = newMeta["labels"], newMeta["annotations"]
	out["metadata"] = meta
	spec := vCopyMap(old.obj("spec"))
	newSpec := tmpl.obj("spec")
	for _, f := range []string{"nodeSelector", "tolerations", "schedulingGates"} {
		spec[f] = newSpec[f]
	}
	oldAffinity, newAffinity := old.obj("spec").obj("affinity"), newSpec.obj("affinity")
	switch {
	case !newSpec.has("affinity") && oldAffinity != nil:
		a := vCopyMap(oldAffinity)
		delete(a, "nodeAffinity")
		if jsonZeroAt("affinity", map[string]any(a)) {
			delete(spec, "affinity")
		} else {
			spec["affinity"] = a
		}
	case newSpec.has("affinity") && oldAffinity == nil:
		spec["affinity"] = map[string]any{"nodeAffinity": newAffinity["nodeAffinity"]}
	case newSpec.has("affinity"):
		a := vCopyMap(oldAffinity)
		a["nodeAffinity"] = newAffinity["nodeAffinity"]
		spec["affinity"] = a
	}
	out["spec"] = spec
	return out
}

// --- CronJob ---

// validateCronJobCreate is ValidateCronJobCreate: the spec, and a name short enough for the Jobs it creates.
func validateCronJobCreate(cj vmap) types.FieldErrorList {
	meta := cj.obj("metadata")
	errs := validateObjectMetaCreate(meta, true)
	errs = append(errs, validateCronJobSpec(cj.obj("spec"), nil, vSpecPath)...)
	if name := meta.str("name"); len(name) > 63-11 {
		errs = append(errs, types.FieldInvalid(vMetaPath.Child("name"), name, "must be no more than 52 characters"))
	}
	return errs
}

// validateCronJobUpdate is ValidateCronJobUpdate.
func validateCronJobUpdate(cj, old vmap) types.FieldErrorList {
	errs := validateObjectMetaUpdate(cj.obj("metadata"), old.obj("metadata"), true)
	return append(errs, validateCronJobSpec(cj.obj("spec"), old.obj("spec"), vSpecPath)...)
}

// validateCronJobSpec is validateCronJobSpec; oldSpec is nil on create.
func validateCronJobSpec(spec, oldSpec vmap, p *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	schedule := spec.str("schedule")
	if schedule == "" {
		errs = append(errs, types.FieldRequired(p.Child("schedule"), ""))
	} else {
		allowTZ := oldSpec != nil && strings.Contains(oldSpec.str("schedule"), "TZ")
		if err := parseCronSchedule(schedule); err != nil {
			errs = append(errs, types.FieldInvalid(p.Child("schedule"), schedule, err.Error()))
		}
		switch {
		case allowTZ && strings.Contains(schedule, "TZ") && spec.hasStr("timeZone"):
			errs = append(errs, types.FieldInvalid(p.Child("schedule"), schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
		case !allowTZ && strings.Contains(schedule, "TZ"):
			errs = append(errs, types.FieldInvalid(p.Child("schedule"), schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
		}
	}
	if n, ok := spec.integer("startingDeadlineSeconds"); ok {
		errs = append(errs, validateNonnegative(n, pathOf(p).child("startingDeadlineSeconds"))...)
	}
	if oldSpec == nil || oldSpec.hasStr("timeZone") != spec.hasStr("timeZone") || oldSpec.str("timeZone") != spec.str("timeZone") {
		errs = append(errs, validateTimeZone(spec, p.Child("timeZone"))...)
	}
	errs = append(errs, validateEnum(spec.str("concurrencyPolicy"), []string{"Allow", "Forbid", "Replace"}, pathOf(p).child("concurrencyPolicy"))...)
	jt, jp := spec.obj("jobTemplate"), p.Child("jobTemplate")
	jobSpec := jt.obj("spec")
	errs = append(errs, validateJobSpec(jobSpec, jp.Child("spec"))...)
	if jobSpec.has("selector") {
		errs = append(errs, types.FieldInvalid(jp.Child("spec", "selector"), labelSelectorOf(jobSpec["selector"]), "`selector` will be auto-generated"))
	}
	if jobSpec.boolean("manualSelector") {
		errs = append(errs, types.FieldNotSupported(jp.Child("spec", "manualSelector"), true, []string{"nil", "false"}))
	}
	for _, f := range []string{"successfulJobsHistoryLimit", "failedJobsHistoryLimit"} {
		if n, ok := spec.integer(f); ok {
			errs = append(errs, validateNonnegative(n, pathOf(p).child(f))...)
		}
	}
	return errs
}

// validateTimeZone is validateTimeZone: an IANA time zone name that the system knows.
func validateTimeZone(spec vmap, p *types.FieldPath) types.FieldErrorList {
	if !spec.hasStr("timeZone") {
		return nil
	}
	tz := spec.str("timeZone")
	if tz == "" {
		return types.FieldErrorList{types.FieldInvalid(p, tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !validTimeZonePart(part) {
			return types.FieldErrorList{types.FieldInvalid(p, tz, "unknown time zone "+tz)}
		}
	}
	var errs types.FieldErrorList
	if strings.EqualFold(tz, "Local") {
		errs = append(errs, types.FieldInvalid(p, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
	}
	if _, err := time.LoadLocation(tz); err != nil {
		errs = append(errs, types.FieldInvalid(p, tz, err.Error()))
	}
	return errs
}

// validTimeZonePart matches ^[A-Za-z\.\-_0-9+]{1,14}$.
func validTimeZonePart(s string) bool {
	if len(s) < 1 || len(s) > 14 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_+", c) >= 0) {
			return false
		}
	}
	return true
}
