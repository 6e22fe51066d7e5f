// Package types holds the vocabulary every other kubemem package speaks: Kubernetes object metadata (TypeMeta,
// ObjectMeta, ListMeta, OwnerReference), the immutable stored Object and the mutable Unstructured form,
// group/version/kind/resource names, label and field selectors with the full Kubernetes syntax, DNS-1123 name
// checks, and Status errors with kube-apiserver's codes, reasons and messages.
//
// The package does no I/O and holds no locks. Every value type here is safe to share between goroutines once it is
// no longer being modified; Object is immutable by construction and may be shared freely.
package types
