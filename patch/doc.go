// Package patch applies Kubernetes patch documents to JSON objects as pure functions, with kube-apiserver's
// semantics, limits and errors:
//
//   - JSONPatch: RFC 6902 JSON Patch (application/json-patch+json), on github.com/evanphx/json-patch/v5 set up as
//     kube-apiserver sets up json-patch (at most 10,000 operations, copies bounded to 3 MiB, negative indices);
//   - MergePatch: RFC 7386 JSON merge patch (application/merge-patch+json);
//   - StrategicMerge: strategic merge patch (application/strategic-merge-patch+json), this package's own engine,
//     driven by the schema of the kind (types.SchemaFor): lists merged by their merge keys, the $patch,
//     $retainKeys, $deleteFromPrimitiveList and $setElementOrder directives, with the results of
//     k8s.io/apimachinery's strategicpatch, against which it is tested (../shared/testdata/strategicpatch and
//     bench/smp).
//
// Errors are typed (errors.go) so that the API server answers each as kube-apiserver does.
//
// Every function is safe for concurrent use and never modifies its inputs.
package patch
