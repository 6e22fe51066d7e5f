// Package structural implements the structural OpenAPI v3 schema of a CustomResourceDefinition version as
// kube-apiserver (apiextensions-apiserver with kube-openapi) does:
//
//   - Parse checks a version's openAPIV3Schema with kube's CRD validation rules (forbidden keywords, structural
//     invariants, Kubernetes extensions, defaults) and returns the Schema;
//   - Schema.Validate and Schema.ValidateUpdate validate a custom object, with kube-openapi's messages and kube's
//     field paths, ratcheting unchanged values on update;
//   - Schema.Prune removes unknown fields and reports their paths;
//   - Schema.Default applies defaults.
//
// Values are decoded JSON as internal/jsontree produces them: map[string]any, []any, string, int64, float64, bool
// and nil. As in kube, an integral JSON number written with a fraction or exponent (1.0) is a float64 and still
// satisfies type: integer, while 1.5 does not.
//
// A parsed Schema is immutable and safe for concurrent use; the functions that take an object modify only that
// object (Prune, Default) and may run concurrently on different objects.
package structural
