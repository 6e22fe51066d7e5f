package apiserver

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// valJobTemplate is a pod template for Jobs (restartPolicy Never).
const valJobTemplate = `"template":{"spec":{"containers":[` + valContainer + `],` +
	`"restartPolicy":"Never","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler","securityContext":{}}}`

const valRawJob = `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default","uid":"u1",` +
	`"resourceVersion":"5","creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"parallelism":1,"completions":1,"backoffLimit":6,` +
	`"completionMode":"NonIndexed","suspend":false,"manualSelector":false,"podReplacementPolicy":"TerminatingOrFailed",` + valJobTemplate + `}}`

// valBaseJob is valRawJob after the strategy's selector generation.
var valBaseJob = func() string {
	m, err := jsontree.DecodeObject([]byte(valRawJob))
	if err != nil {
		panic(err)
	}
	b, err := json.Marshal(generateJobSelector(m))
	if err != nil {
		panic(err)
	}
	return string(b)
}()

const valBaseCronJob = `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"default","uid":"u1",` +
	`"resourceVersion":"5","creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"schedule":"0 3 * * *","concurrencyPolicy":"Allow",` +
	`"suspend":false,"successfulJobsHistoryLimit":3,"failedJobsHistoryLimit":1,"jobTemplate":{"spec":{"backoffLimit":6,` +
	`"completionMode":"NonIndexed",` + valJobTemplate + `}}}}`

func TestValidationGenerateJobSelector(t *testing.T) {
	raw := valDoc(t, valRawJob, `{"spec":{"template":{"metadata":{"labels":{"app":"pi","job-name":"mine"}}}}}`)
	job := generateJobSelector(raw)
	spec := vmap(job).obj("spec")
	require.Equal(t, map[string]string{"batch.kubernetes.io/controller-uid": "u1"}, spec.obj("selector").strMap("matchLabels"))
	require.Equal(t, map[string]string{"app": "pi", "job-name": "mine", "batch.kubernetes.io/job-name": "pi",
		"controller-uid": "u1", "batch.kubernetes.io/controller-uid": "u1"}, spec.obj("template").obj("metadata").strMap("labels"))
	require.Nil(t, vmap(raw).obj("spec")["selector"], "the input is not modified")
	manual := valDoc(t, valRawJob, `{"spec":{"manualSelector":true}}`)
	require.Equal(t, manual, generateJobSelector(manual))
}

func TestValidateJob(t *testing.T) {
	labels := func(extra map[string]string) map[string]string {
		m := map[string]string{"batch.kubernetes.io/controller-uid": "u1", "batch.kubernetes.io/job-name": "pi", "controller-uid": "u1", "job-name": "pi"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	longName := strings.Repeat("a", 62)
	valRunCreate(t, valGVKJob, valBaseJob, []valCase{
		{name: "valid"},
		{name: "restartPolicy Always", patch: `{"spec":{"template":{"spec":{"restartPolicy":"Always"}}}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.template.spec.restartPolicy"), `valid values: "OnFailure", "Never"`)}},
		{name: "restartPolicy unknown", patch: `{"spec":{"template":{"spec":{"restartPolicy":"Rarely"}}}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.template.spec.restartPolicy"), "Rarely", []string{"Always", "OnFailure", "Never"}),
			types.FieldNotSupported(valPath("spec.template.spec.restartPolicy"), "Rarely", []string{"OnFailure", "Never"})}},
		{name: "generated labels", patch: `{"spec":{"template":{"metadata":{"labels":{"job-name":"other","controller-uid":null}}}}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.template.metadata.labels[controller-uid]"), "must be 'u1'"),
			types.FieldInvalid(valPath("spec.template.metadata.labels[job-name]"), map[string]string{"batch.kubernetes.io/controller-uid": "u1",
				"batch.kubernetes.io/job-name": "pi", "job-name": "other"}, "must be 'pi'")}},
		{name: "selector not generated", patch: `{"spec":{"selector":{"matchLabels":{"app":"pi"}},"template":{"metadata":{"labels":{"app":"pi"}}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{MatchLabels: map[string]string{"app": "pi", "batch.kubernetes.io/controller-uid": "u1"}},
				"`selector` not auto-generated")}},
		{name: "generated selector needs a uid", patch: `{"metadata":{"uid":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("metadata.uid"), ""),
			types.FieldInvalid(valPath("spec.template.metadata.labels[controller-uid]"), labels(nil), "must be ''"),
			types.FieldInvalid(valPath("spec.template.metadata.labels[batch.kubernetes.io/controller-uid]"), labels(nil), "must be ''"),
			types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "u1"}},
				"`selector` not auto-generated")}},
		{name: "manual selector", patch: `{"spec":{"manualSelector":true,"selector":{"matchLabels":{"app":"pi"}},"template":{"metadata":{"labels":{"app":"pi"}}}}}`},
		{name: "manual selector must match", patch: `{"spec":{"manualSelector":true,"selector":{"matchLabels":{"app":"pi"}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.template.metadata.labels"), labels(nil), "`selector` does not match template `labels`")}},
		{name: "selector required", patch: `{"spec":{"manualSelector":true,"selector":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.selector"), ""),
			types.FieldInvalid(valPath("spec.template.metadata.labels"), labels(nil), "`selector` does not match template `labels`")}},
		{name: "counts", patch: `{"spec":{"parallelism":-1,"backoffLimit":-1,"ttlSecondsAfterFinished":-1}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.parallelism"), int64(-1), "must be greater than or equal to 0"),
			types.FieldInvalid(valPath("spec.backoffLimit"), int64(-1), "must be greater than or equal to 0"),
			types.FieldInvalid(valPath("spec.ttlSecondsAfterFinished"), int64(-1), "must be greater than or equal to 0")}},
		{name: "completion mode", patch: `{"spec":{"completionMode":"Sometimes"}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.completionMode"), "Sometimes", []string{"NonIndexed", "Indexed"})}},
		{name: "indexed needs completions", patch: `{"spec":{"completionMode":"Indexed","completions":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.completions"), "when completion mode is Indexed")}},
		{name: "backoff limit per index", patch: `{"spec":{"backoffLimitPerIndex":1,"maxFailedIndexes":1}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.backoffLimitPerIndex"), int64(1), "requires indexed completion mode"),
			types.FieldInvalid(valPath("spec.maxFailedIndexes"), int64(1), "requires indexed completion mode")}},
		{name: "indexed pod hostnames", patch: `{"metadata":{"name":"` + longName + `"},"spec":{"completionMode":"Indexed","completions":10,` +
			`"template":{"metadata":{"labels":{"job-name":"` + longName + `","batch.kubernetes.io/job-name":"` + longName + `"}}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.name"), longName, "will not able to create pod with invalid DNS label: "+longName+"-9")}},
		{name: "pod failure policy", patch: `{"spec":{"podFailurePolicy":{"rules":[{"action":"Retry","onExitCodes":{"operator":"In","values":[0,3,1]}},{"action":"FailJob"}]},` +
			`"template":{"spec":{"restartPolicy":"OnFailure"}}}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.podFailurePolicy.rules[0].action"), "Retry", []string{"Count", "FailIndex", "FailJob", "Ignore"}),
			types.FieldInvalid(valPath("spec.podFailurePolicy.rules[0].onExitCodes.values[0]"), int64(0), "must not be 0 for the In operator"),
			types.FieldInvalid(valPath("spec.podFailurePolicy.rules[0].onExitCodes.values"), []int64{0, 3, 1}, "must be ordered"),
			omittedInvalid(valPath("spec.podFailurePolicy.rules[1]"), "specifying one of OnExitCodes and OnPodConditions is required"),
			types.FieldNotSupported(valPath("spec.podReplacementPolicy"), "TerminatingOrFailed", []string{"Failed"}),
			types.FieldInvalid(valPath("spec.template.spec.restartPolicy"), "OnFailure", `only "Never" is supported when podFailurePolicy is specified`)}},
	})
	tmplErr := func(patch string) *types.FieldError {
		tmpl := vmap(valDoc(t, valBaseJob, patch)).obj("spec")["template"]
		return types.FieldInvalid(valPath("spec.template"), tmpl, "field is immutable")
	}
	changedImage := `{"spec":{"template":{"spec":{"containers":[` + valContainerNamed("c") + `]}}}}`
	valRunUpdate(t, valGVKJob, valBaseJob, []valCase{
		{name: "parallelism", patch: `{"spec":{"parallelism":5}}`},
		{name: "template is immutable", patch: changedImage, want: types.FieldErrorList{tmplErr(changedImage)}},
		{name: "completions are immutable", patch: `{"spec":{"completions":2}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.completions"), int64(2), "field is immutable")}},
		{name: "indexed completions move with parallelism", patch: `{"spec":{"completionMode":"Indexed","completions":3,"parallelism":3}}`,
			oldPatch: `{"spec":{"completionMode":"Indexed"}}`},
		{name: "indexed completions alone", patch: `{"spec":{"completionMode":"Indexed","completions":3}}`, oldPatch: `{"spec":{"completionMode":"Indexed"}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("spec.completions"), int64(3), "can only be modified in tandem with spec.parallelism")}},
		{name: "suspended jobs may change scheduling", patch: `{"spec":{"suspend":true,"template":{"spec":{"nodeSelector":{"zone":"a"}}}}}`,
			oldPatch: `{"spec":{"suspend":true}}`},
		{name: "selector is immutable", patch: `{"spec":{"selector":{"matchLabels":{"job-name":"pi"}}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.selector"), &types.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "u1", "job-name": "pi"}},
				"field is immutable")}},
		{name: "spec errors are reported twice", patch: `{"spec":{"backoffLimit":-1}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.backoffLimit"), int64(-1), "must be greater than or equal to 0"),
			types.FieldInvalid(valPath("spec.backoffLimit"), int64(-1), "must be greater than or equal to 0")}},
	})
}

func TestValidateCronJob(t *testing.T) {
	long := strings.Repeat("c", 53)
	valRunCreate(t, valGVKCronJob, valBaseCronJob, []valCase{
		{name: "valid"},
		{name: "descriptor", patch: `{"spec":{"schedule":"@hourly"}}`},
		{name: "names and steps", patch: `{"spec":{"schedule":"*/15 9-17 1,15 jan-jun MON-fri"}}`},
		{name: "schedule required", patch: `{"spec":{"schedule":null}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.schedule"), "")}},
		{name: "field count", patch: `{"spec":{"schedule":"* * *"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.schedule"), "* * *", "expected exactly 5 fields, found 3: [* * *]")}},
		{name: "range", patch: `{"spec":{"schedule":"61 * * * *"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.schedule"), "61 * * * *", "end of range (61) above maximum (59): 61")}},
		{name: "number", patch: `{"spec":{"schedule":"x * * * *"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.schedule"), "x * * * *", `failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax`)}},
		{name: "unknown descriptor", patch: `{"spec":{"schedule":"@sometimes"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.schedule"), "@sometimes", "unrecognized descriptor: @sometimes")}},
		{name: "TZ in schedule", patch: `{"spec":{"schedule":"TZ=UTC 0 3 * * *"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.schedule"), "TZ=UTC 0 3 * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")}},
		{name: "time zone", patch: `{"spec":{"timeZone":"UTC"}}`},
		{name: "unknown time zone", patch: `{"spec":{"timeZone":"Mars/Olympus"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.timeZone"), "Mars/Olympus", "unknown time zone Mars/Olympus")}},
		{name: "local time zone", patch: `{"spec":{"timeZone":"Local"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.timeZone"), "Local", "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")}},
		{name: "concurrency policy", patch: `{"spec":{"concurrencyPolicy":"Queue"}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.concurrencyPolicy"), "Queue", []string{"Allow", "Forbid", "Replace"})}},
		{name: "job template", patch: `{"spec":{"jobTemplate":{"spec":{"selector":{"matchLabels":{"a":"b"}},"manualSelector":true,"template":{"spec":{"restartPolicy":"Always"}}}}}}`,
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.jobTemplate.spec.template.spec.restartPolicy"), `valid values: "OnFailure", "Never"`),
				types.FieldInvalid(valPath("spec.jobTemplate.spec.selector"), &types.LabelSelector{MatchLabels: map[string]string{"a": "b"}}, "`selector` will be auto-generated"),
				types.FieldNotSupported(valPath("spec.jobTemplate.spec.manualSelector"), true, []string{"nil", "false"})}},
		{name: "name length", patch: `{"metadata":{"name":"` + long + `"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.name"), long, "must be no more than 52 characters")}},
	})
	valRunUpdate(t, valGVKCronJob, valBaseCronJob, []valCase{
		{name: "schedule change", patch: `{"spec":{"schedule":"0 4 * * *"}}`},
		{name: "long names may be updated", patch: `{"metadata":{"name":"` + long + `"}}`, oldPatch: `{"metadata":{"name":"` + long + `"}}`},
		{name: "TZ kept from an old schedule", patch: `{"spec":{"schedule":"TZ=UTC 0 4 * * *"}}`, oldPatch: `{"spec":{"schedule":"TZ=UTC 0 3 * * *"}}`},
	})
}

func TestValidateCronSchedule(t *testing.T) {
	for spec, want := range map[string]string{
		"0 0 * * *":     "",
		"@every 1h30m":  "",
		"5-1 * * * *":   "beginning of range (5) beyond end of range (1): 5-1",
		"* * 0 * *":     "beginning of range (0) below minimum (1): 0",
		"*/0 * * * *":   "step of range should be a positive number: */0",
		"1-2-3 * * * *": "too many hyphens: 1-2-3",
		"1/2/3 * * * *": "too many slashes: 1/2/3",
		"-1 * * * *":    `failed to parse int from : strconv.Atoi: parsing "": invalid syntax`,
		"@every 1x":     `failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"`,
		"":              "empty spec string",
	} {
		err := parseCronSchedule(spec)
		if want == "" {
			require.NoError(t, err, spec)
		} else {
			require.EqualError(t, err, want, spec)
		}
	}
}

func TestValidateJobMoreRules(t *testing.T) {
	valRunCreate(t, valGVKJob, valBaseJob, []valCase{
		{name: "managedBy", patch: `{"spec":{"managedBy":"kueue"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.managedBy"), "kueue", `must be a domain-prefixed path (such as "acme.io/foo")`)}},
		{name: "managedBy valid", patch: `{"spec":{"managedBy":"kueue.x-k8s.io/multikueue"}}`},
		{name: "indexed limits", patch: `{"spec":{"completionMode":"Indexed","completions":2,"parallelism":2,"maxFailedIndexes":3}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("spec.backoffLimitPerIndex"), "when maxFailedIndexes is specified"),
			types.FieldInvalid(valPath("spec.maxFailedIndexes"), int64(3), "must be less than or equal to completions")}},
		{name: "pod conditions", patch: `{"spec":{"podReplacementPolicy":"Failed","podFailurePolicy":{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"},{"type":"x","status":"Maybe"}]}]}}}`,
			want: types.FieldErrorList{
				types.FieldRequired(valPath("spec.podFailurePolicy.rules[0].onPodConditions[0].status"), `valid values: ["False" "True" "Unknown"]`),
				types.FieldNotSupported(valPath("spec.podFailurePolicy.rules[0].onPodConditions[1].status"), "Maybe", []string{"False", "True", "Unknown"})}},
		{name: "replacement policy", patch: `{"spec":{"podReplacementPolicy":"Never"}}`, want: types.FieldErrorList{
			types.FieldNotSupported(valPath("spec.podReplacementPolicy"), "Never", []string{"Failed", "TerminatingOrFailed"})}},
	})
	valRunCreate(t, valGVKCronJob, valBaseCronJob, []valCase{
		{name: "counts", patch: `{"spec":{"startingDeadlineSeconds":-1,"successfulJobsHistoryLimit":-1,"failedJobsHistoryLimit":-2}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.startingDeadlineSeconds"), int64(-1), "must be greater than or equal to 0"),
			types.FieldInvalid(valPath("spec.successfulJobsHistoryLimit"), int64(-1), "must be greater than or equal to 0"),
			types.FieldInvalid(valPath("spec.failedJobsHistoryLimit"), int64(-2), "must be greater than or equal to 0")}},
		{name: "empty time zone", patch: `{"spec":{"timeZone":""}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("spec.timeZone"), "", "timeZone must be nil or non-empty string")}},
	})
}
