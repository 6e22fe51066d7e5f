// Package apiserver is kubemem's Kubernetes API: the registry of resources, the verbs (create, get, list, watch,
// update, delete, deletecollection) with their options, and the object semantics kube-apiserver applies (uid,
// creationTimestamp, resourceVersion, generation, generateName, namespaces, optimistic concurrency, watch start
// rules). It wires the store and the watch broadcaster together.
//
// A Server is the whole control plane in one value, created in microseconds with every built-in resource
// registered:
//
//	srv, _ := apiserver.New(apiserver.Options{})
//	defer srv.Close()
//	pods := srv.Resource(apiserver.Pods).Namespace("default")
//	obj, err := pods.Create(ctx, pod, apiserver.CreateOptions{})
//
// Objects cross the Go API as immutable *types.Object values (no copy is made on any read); For[T] gives typed
// access with any JSON-marshalable struct, such as k8s.io/api types, without this module importing them.
//
// Every error a verb returns is a *types.StatusError with kube-apiserver's code, reason and message.
// Writes go through kube-apiserver's pipeline: defaulting, mutating admission (the built-in NamespaceLifecycle,
// ServiceAccount, Priority and DefaultTolerationSeconds plugins, then Options.Admission), validation with kube's
// field paths and messages, validating admission, field validation (Strict, Warn, Ignore). Deletes honour
// finalizers, graceful pod deletion and propagation policies; a Server runs, as clients of this Go API, the
// controllers kube-controller-manager would for them: the garbage collector (Options.DisableGarbageCollector turns it
// off) and the namespace controller.
//
// All methods are safe for concurrent use.
package apiserver
