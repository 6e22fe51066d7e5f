package apiserver

import (
	"context"
	"fmt"
	"testing"
)

// applyBenchN is how many deployments the apply benchmarks rotate over, so that each write finds a stored object
// that is not the one just written.
const applyBenchN = 1000

// applyBenchConfig is the server-side apply configuration of deployment name with the given image: what
// `kubectl apply --server-side` sends for a small manifest.
func applyBenchConfig(name, image string) []byte {
	return fmt.Appendf(nil, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":%q,"labels":{"app":"web"}},
"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"containers":[{"name":"c","image":%q,"ports":[{"containerPort":80}]}]}}}}`, name, image)
}

// BenchmarkApplyVsStrategicPatch changes the image of a deployment's container, alternating between two images on
// every round over the deployments, once by server-side apply of the whole configuration (the manager that applied
// it before applies it again) and once by a strategic merge patch of the same change. Both write a new revision
// with managedFields on every operation; the deployments were created by the same apply in both.
func BenchmarkApplyVsStrategicPatch(b *testing.B) {
	images := [2]string{"nginx:1.26", "nginx:1.25"}
	names := make([]string, applyBenchN)
	for i := range names {
		names[i] = fmt.Sprintf("web-%04d", i)
	}
	setup := func(b *testing.B) *ResourceClient {
		srv, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { srv.Close() })
		deps := srv.Resource(Deployments).Namespace("default")
		for _, name := range names {
			if _, err := deps.Patch(context.Background(), name, ApplyPatchType, applyBenchConfig(name, images[1]), PatchOptions{FieldManager: "ci"}); err != nil {
				b.Fatal(err)
			}
		}
		return deps
	}
	run := func(b *testing.B, patch func(deps *ResourceClient, name, image string) error) {
		deps := setup(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := patch(deps, names[i%applyBenchN], images[(i/applyBenchN)%2]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
	}
	ctx := context.Background()
	b.Run("apply", func(b *testing.B) {
		run(b, func(deps *ResourceClient, name, image string) error {
			_, err := deps.Patch(ctx, name, ApplyPatchType, applyBenchConfig(name, image), PatchOptions{FieldManager: "ci"})
			return err
		})
	})
	b.Run("strategic-merge-patch", func(b *testing.B) {
		run(b, func(deps *ResourceClient, name, image string) error {
			p := fmt.Appendf(nil, `{"spec":{"template":{"spec":{"containers":[{"name":"c","image":%q}]}}}}`, image)
			_, err := deps.Patch(ctx, name, StrategicMergePatchType, p, PatchOptions{FieldManager: "ci"})
			return err
		})
	})
}
