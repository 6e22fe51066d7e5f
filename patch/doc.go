// Package patch applies Kubernetes patch documents to JSON objects as pure functions: RFC 6902 JSON Patch and
// RFC 7386 JSON merge patch (on github.com/evanphx/json-patch/v5), with kube-apiserver's limits. Strategic merge
// patch and server-side apply build on these in later work.
//
// Every function is safe for concurrent use and never modifies its inputs.
package patch
