package apiserver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// Micro-benchmarks of the stages of a pod create (see admitCreate) on the pod of BenchmarkW1Create: defaulting,
// the built-in mutating admission plugins and validation. Each iteration's fresh tree is decoded with the timer
// stopped, so allocs/op counts the stage alone.

// w1Tree returns the decoded W1 pod and the resource and server its create runs against.
func w1Tree(b *testing.B) (*Server, *Resource, map[string]any) {
	srv, _ := newWorkloadServer(b)
	tree, err := decodeTree(workloadPod(0))
	require.NoError(b, err)
	return srv, srv.registry().resources[Pods], tree
}

// w1Request returns the admission request admitCreate builds for tree.
func w1Request(r *Resource, tree map[string]any) *AdmissionRequest {
	return &AdmissionRequest{
		Operation: OperationCreate, Resource: r.GVR, Kind: r.GVR.GroupVersion().WithKind(r.Kind),
		Namespace: "default", Name: "pod-00000", Object: tree, User: DefaultUser,
	}
}

func BenchmarkPodCreateDefault(b *testing.B) {
	_, r, _ := w1Tree(b)
	obj := workloadPod(0)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		tree, err := decodeTree(obj)
		require.NoError(b, err)
		b.StartTimer()
		if !defaultTree(r, tree) {
			b.Fatal("the W1 pod has defaults to apply")
		}
	}
}

func BenchmarkPodCreateAdmission(b *testing.B) {
	srv, r, _ := w1Tree(b)
	obj := workloadPod(0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		tree, err := decodeTree(obj)
		require.NoError(b, err)
		defaultTree(r, tree)
		b.StartTimer()
		if _, err := srv.admission.mutate(ctx, w1Request(r, tree)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPodCreateValidate(b *testing.B) {
	srv, r, tree := w1Tree(b)
	defaultTree(r, tree)
	_, err := srv.admission.mutate(context.Background(), w1Request(r, tree))
	require.NoError(b, err)
	tree, _ = prepareForCreate(r, tree)
	b.ReportAllocs()
	for b.Loop() {
		if errs := validatePodCreate(tree); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
