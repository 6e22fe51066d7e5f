// Package fieldmanager implements kube-apiserver's field management: the ownership records in
// metadata.managedFields that every write updates, and server-side apply, which merges an applied configuration into
// the live object by the schema and reports conflicts with other managers.
//
// The merge and ownership logic is sigs.k8s.io/structured-merge-diff (SMD), the library kube-apiserver uses, at the
// version Kubernetes 1.37 vendors. This package reproduces what k8s.io/apimachinery's managedfields package wraps
// around it:
//
//   - the type converters (ForKind, ForStructural), which turn the schemas of built-in kinds (types.SchemaFor) and
//     the structural schemas of custom resources into SMD schemas the way kube-openapi's schemaconv and
//     apiextensions-apiserver do: lists by x-kubernetes-list-type, or by patch strategy and merge key when a built-in
//     list has no list type; maps and structs granular unless atomic; int-or-string, quantities and timestamps
//     scalars; RawExtension atomic; x-kubernetes-preserve-unknown-fields deduced;
//   - Manager.Update, for every write other than apply: the fields that changed are given to the manager (an
//     Update entry per manager, apiVersion and subresource), other managers lose them;
//   - Manager.Apply: the merge, the removal of fields the manager no longer applies, conflicts (ConflictError, a
//     409 Status with one cause per field) unless forced, and the conversion of client-side apply ownership for
//     kubectl;
//   - the rules around them: apiVersion, kind and most of metadata are never owned, the reset fields of the
//     strategy (status for the main resource, all but status for the status subresource) are ignored,
//     "before-first-apply" takes the fields of an object that had no managedFields when first applied to, update
//     entries are capped at 10 (the oldest merged into "ancient-changes"), a write that sends managedFields: []
//     clears them, and an entry's time changes only when the write changes the object.
//
// Objects are decoded JSON as internal/jsontree produces them: map[string]any, []any, string, int64, float64,
// bool and nil. In metadata.managedFields, time is RFC 3339 in UTC with second precision ("2006-01-02T15:04:05Z")
// and fieldsV1 is the decoded FieldsV1 object.
//
// kube-apiserver holds built-in objects as Go structs, so its field manager sees every struct and every field
// without omitempty, with its zero value when unset. Update compares built-in objects in that form too (typedView,
// and the zero object of the kind on create), which is why a created Pod's entry owns f:resources: {} as kube's
// does. Callers call the Manager where kube's handlers call theirs: Update after decoding and defaulting (and, for
// custom resources, pruning), before admission; Apply on the live object, then defaulting, admission, the
// strategy (which resets status or spec by subresource) and validation on its result.
//
// A worked example. A Deployment created by kubectl with replicas: 3 (an Update), then applied by "ci" with
// replicas: 3:
//
//	managedFields:
//	- manager: ci                        Apply entries come first, then Update entries, each by time
//	  operation: Apply
//	  apiVersion: apps/v1
//	  time: "2026-01-02T03:04:05Z"
//	  fieldsType: FieldsV1
//	  fieldsV1: {f:spec: {f:replicas: {}}}
//	- manager: kubectl-create            still owns spec.replicas: the values agree, so both own it
//	  operation: Update
//	  apiVersion: apps/v1
//	  ...
//
// Had ci applied replicas: 5, the apply would have failed with `Apply failed with 1 conflict: conflict with
// "kubectl-create" using apps/v1: .spec.replicas`; forced, it succeeds and kubectl-create loses the field.
//
// SMD is the reference; Update of a built-in kind takes fast paths that give the same results without it. A create
// whose object brings no managedFields (fastCreateFields) is one walk of the object's typed view against the zero
// object that writes the FieldsV1 entry directly, following SMD's comparison rule for rule. An update whose
// entries are all at the Manager's version and already in the form SMD writes (fastUpdateLive) walks the typed
// views of live and obj the same way and takes the changed fields from, and gives them to, the FieldsV1 objects
// themselves, with no decoding into SMD sets and no encoding back. Either hands the write to SMD whenever it meets
// anything it does not reproduce: values of the wrong type, list elements SMD cannot key, duplicates,
// floating-point keys, entries SMD would rewrite or reject, owned stripped fields, the cap. Differential and fuzz
// tests require both paths to give identical managedFields and errors.
//
// Type converters and Managers are immutable after construction and safe for concurrent use by any number of
// goroutines. Their methods never modify the objects they are given.
package fieldmanager
