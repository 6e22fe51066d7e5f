package apiserver

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkW5StrategicPatch is W5: a strategic merge patch of the container image of each pod in turn,
// {"spec":{"containers":[{"name":"c","image":"nginx:1.26"}]}}. Every round over the pods alternates the image
// between nginx:1.26 and nginx:1.25, so every patch is a real change (and a new revision).
func BenchmarkW5StrategicPatch(b *testing.B) {
	_, pods := newWorkloadServer(b)
	createAll(b, pods, workloadObjects(workloadN))
	names := make([]string, workloadN)
	for i := range names {
		names[i] = fmt.Sprintf("pod-%05d", i)
	}
	patches := [2][]byte{
		[]byte(`{"spec":{"containers":[{"name":"c","image":"nginx:1.26"}]}}`),
		[]byte(`{"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}}`),
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := pods.Patch(ctx, names[i%workloadN], StrategicMergePatchType, patches[(i/workloadN)%2], PatchOptions{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "patches/s")
}
