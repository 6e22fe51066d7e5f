// Package types holds the vocabulary every other kubemem package speaks: Kubernetes object metadata (TypeMeta,
// ObjectMeta, ListMeta, OwnerReference), the immutable stored Object and the mutable Unstructured form,
// group/version/kind/resource names, label and field selectors with the full Kubernetes syntax, DNS-1123 name
// checks, Status errors with kube-apiserver's codes, reasons and messages, and the schema of the built-in kinds
// (SchemaFor: fields, list and map types, patch strategies and merge keys, generated from k8s.io/api).
//
// The package does no I/O and holds no locks, except the one that serializes decoding each embedded schema on
// its first use. Every value type here is safe to share between goroutines once it is
// no longer being modified; Object is immutable by construction and may be shared freely.
package types
