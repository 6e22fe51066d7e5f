// Package smp compares kubemem's strategic merge patch (package patch) with the implementation kube-apiserver
// uses, k8s.io/apimachinery's pkg/util/strategicpatch, on the same inputs: the benchmark inputs in
// patch/testdata/bench (a 20-container pod and a deployment with kubectl-apply-like patches, and the W5 image
// patch) and, for correctness, the conformance corpus in ../shared/testdata/strategicpatch.
//
//	go test ./smp -run TestRatio -v          # ns/op, allocs/op and the ratio, as a table
//	go test ./smp -bench . -benchmem         # the raw benchmarks
//	go test ./smp -run Differential          # kubemem and apimachinery agree on the corpus and the fuzz seeds
package smp
