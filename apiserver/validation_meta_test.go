package apiserver

import (
	"strings"
	"testing"

	"github.com/kubemem/kubemem/types"
)

// The messages below are those of apimachinery's pkg/api/validation/objectmeta.go and
// pkg/apis/meta/v1/validation/validation.go.

const labelKeyNameMsg = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with " +
	"an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
	"'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

func TestValidateObjectMeta(t *testing.T) {
	bigValue := strings.Repeat("x", vTotalAnnotationSizeLimit)
	boolTrue := true
	valRunCreate(t, valGVKConfigMap, valBaseConfigMap, []valCase{
		{name: "valid"},
		{name: "label key", patch: `{"metadata":{"labels":{"-a":"b"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.labels"), "-a", labelKeyNameMsg)}},
		{name: "label value", patch: `{"metadata":{"labels":{"a":"` + strings.Repeat("v", 64) + `"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.labels"), strings.Repeat("v", 64), "must be no more than 63 bytes")}},
		{name: "label key prefix", patch: `{"metadata":{"labels":{"Example.com/a":"b"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.labels"), "Example.com/a", types.IsQualifiedName("Example.com/a")[0])}},
		{name: "annotation keys are compared in lower case", patch: `{"metadata":{"annotations":{"Example.com/Key":"v"}}}`},
		{name: "annotation key", patch: `{"metadata":{"annotations":{"a b":"v"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.annotations"), "a b", labelKeyNameMsg)}},
		{name: "annotations hold at most 256 KiB", patch: `{"metadata":{"annotations":{"a":"` + bigValue + `"}}}`, want: types.FieldErrorList{
			types.FieldTooLong(valPath("metadata.annotations"), "", 262144)}},
		{name: "finalizer qualified name", patch: `{"metadata":{"finalizers":["a/b/c"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.finalizers"), "a/b/c", types.IsQualifiedName("a/b/c")[0])}},
		{name: "finalizer without domain", patch: `{"metadata":{"finalizers":["example.com/ok","custom"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.finalizers[1]"), "custom", "name is neither a standard finalizer name nor is it fully qualified")}},
		{name: "standard finalizers", patch: `{"metadata":{"finalizers":["kubernetes","orphan"]}}`},
		{name: "orphan and foregroundDeletion", patch: `{"metadata":{"finalizers":["orphan","foregroundDeletion"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.finalizers"), []string{"orphan", "foregroundDeletion"}, "finalizer orphan and foregroundDeletion cannot be both set")}},
		{name: "owner reference fields", patch: `{"metadata":{"ownerReferences":[{}]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.ownerReferences.apiVersion"), "", "version must not be empty"),
			types.FieldInvalid(valPath("metadata.ownerReferences.kind"), "", "must not be empty"),
			types.FieldInvalid(valPath("metadata.ownerReferences.name"), "", "must not be empty"),
			types.FieldInvalid(valPath("metadata.ownerReferences.uid"), "", "must not be empty")}},
		{name: "owner reference group without version", patch: `{"metadata":{"ownerReferences":[{"apiVersion":"apps/","kind":"ReplicaSet","name":"a","uid":"1"}]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.ownerReferences.apiVersion"), "apps/", "version must not be empty")}},
		{name: "events cannot own", patch: `{"metadata":{"ownerReferences":[{"apiVersion":"v1","kind":"Event","name":"e","uid":"1"}]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.ownerReferences"), ownerReferenceValue{APIVersion: "v1", Kind: "Event", Name: "e", UID: "1"},
				"/v1, Kind=Event is disallowed from being an owner")}},
		{name: "one controller", patch: `{"metadata":{"ownerReferences":[` +
			`{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},` +
			`{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.ownerReferences"), []ownerReferenceValue{
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "a", UID: "1", Controller: &boolTrue},
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "b", UID: "2", Controller: &boolTrue}},
				`Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b`)}},
	})

	valRunUpdate(t, valGVKConfigMap, valBaseConfigMap, []valCase{
		{name: "valid"},
		{name: "name", patch: `{"metadata":{"name":"other"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.name"), "other", "field is immutable")}},
		{name: "namespace", patch: `{"metadata":{"namespace":"other"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.namespace"), "other", "field is immutable")}},
		{name: "uid", patch: `{"metadata":{"uid":"u2"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.uid"), "u2", "field is immutable")}},
		{name: "creationTimestamp", patch: `{"metadata":{"creationTimestamp":"2025-01-01T00:00:00Z"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.creationTimestamp"), "2025-01-01T00:00:00Z", "field is immutable")}},
		{name: "same creationTimestamp in another zone", patch: `{"metadata":{"creationTimestamp":"2024-01-01T01:00:00+01:00"}}`},
		{name: "deletionTimestamp removed", oldPatch: `{"metadata":{"deletionTimestamp":"2024-02-01T00:00:00Z","deletionGracePeriodSeconds":0}}`,
			want: types.FieldErrorList{
				types.FieldInvalid(valPath("metadata.deletionTimestamp"), nil, "field is immutable"),
				types.FieldInvalid(valPath("metadata.deletionGracePeriodSeconds"), nil, "field is immutable")}},
		{name: "no new finalizers while deleting",
			patch:    `{"metadata":{"deletionTimestamp":"2024-02-01T00:00:00Z","finalizers":["example.com/a","example.com/b","example.com/b"]}}`,
			oldPatch: `{"metadata":{"deletionTimestamp":"2024-02-01T00:00:00Z","finalizers":["example.com/a"]}}`,
			want: types.FieldErrorList{types.FieldForbidden(valPath("metadata.finalizers"),
				`no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}`)}},
		{name: "finalizers may be removed while deleting",
			patch:    `{"metadata":{"deletionTimestamp":"2024-02-01T00:00:00Z","finalizers":[]}}`,
			oldPatch: `{"metadata":{"deletionTimestamp":"2024-02-01T00:00:00Z","finalizers":["example.com/a"]}}`},
		{name: "resourceVersion", patch: `{"metadata":{"resourceVersion":null}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.resourceVersion"), "", "must be specified for an update")}},
		{name: "generation", patch: `{"metadata":{"generation":1}}`, oldPatch: `{"metadata":{"generation":2}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.generation"), int64(1), "must not be decremented")}},
		// ValidateConfigMapUpdate runs ValidateObjectMetaUpdate and then ValidateConfigMap, whose ValidateObjectMeta
		// checks labels and finalizers again: kube-apiserver reports these errors twice.
		{name: "labels on update", patch: `{"metadata":{"labels":{"-a":"b"}}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.labels"), "-a", labelKeyNameMsg),
			types.FieldInvalid(valPath("metadata.labels"), "-a", labelKeyNameMsg)}},
		{name: "finalizer without domain on update", patch: `{"metadata":{"finalizers":["custom"]}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("metadata.finalizers[0]"), "custom", "name is neither a standard finalizer name nor is it fully qualified"),
			types.FieldInvalid(valPath("metadata.finalizers[0]"), "custom", "name is neither a standard finalizer name nor is it fully qualified")}},
	})
}

func TestValidateLabelSelector(t *testing.T) {
	sel := labelSelectorOf(valDoc(t, `{"matchLabels":{"a":"-"},"matchExpressions":[`+
		`{"key":"k","operator":"In"},{"key":"k","operator":"Exists","values":["x"]},{"key":"-k","operator":"Near","values":["-"]}]}`))
	valRequire(t, types.FieldErrorList{
		types.FieldInvalid(valPath("s.matchLabels"), "-", types.IsValidLabelValue("-")[0]),
		types.FieldRequired(valPath("s.matchExpressions[0].values"), "must be specified when `operator` is 'In' or 'NotIn'"),
		types.FieldForbidden(valPath("s.matchExpressions[1].values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
		types.FieldInvalid(valPath("s.matchExpressions[2].operator"), "Near", "not a valid selector operator"),
		types.FieldInvalid(valPath("s.matchExpressions[2].key"), "-k", labelKeyNameMsg),
		types.FieldInvalid(valPath("s.matchExpressions[2].values[0]"), "-", types.IsValidLabelValue("-")[0]),
	}, validateLabelSelector(sel, valPath("s")))
}
