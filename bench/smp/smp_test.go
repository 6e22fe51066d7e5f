package smp

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/kubemem/kubemem/patch"
	"github.com/kubemem/kubemem/types"
)

func inputs(t testing.TB) []Input {
	in, err := Inputs(filepath.Join("..", "..", "patch", "testdata", "bench"))
	require.NoError(t, err)
	return in
}

func kubememMerge(t testing.TB, in Input) func() {
	schema, ok := types.SchemaFor(in.GVK)
	require.True(t, ok)
	return func() {
		if _, err := patch.StrategicMerge(in.Original, in.Patch, schema); err != nil {
			panic(err)
		}
	}
}

func apimachineryMerge(in Input) func() {
	return func() {
		if _, err := strategicpatch.StrategicMergePatch(in.Original, in.Patch, in.Typed); err != nil {
			panic(err)
		}
	}
}

func BenchmarkStrategicMerge(b *testing.B) {
	for _, in := range inputs(b) {
		for _, impl := range []struct {
			name string
			run  func()
		}{{"kubemem", kubememMerge(b, in)}, {"apimachinery", apimachineryMerge(in)}} {
			b.Run(in.Name+"/"+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					impl.run()
				}
			})
		}
	}
}

// TestRatio measures both implementations on every input and prints ns/op, allocs/op and the ratio
// apimachinery/kubemem (how many times faster kubemem is).
func TestRatio(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n| input | kubemem ns/op | allocs/op | apimachinery ns/op | allocs/op | speed-up | allocs ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, in := range inputs(t) {
		k := testing.Benchmark(func(b *testing.B) {
			run := kubememMerge(b, in)
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
		})
		a := testing.Benchmark(func(b *testing.B) {
			run := apimachineryMerge(in)
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
		})
		fmt.Fprintf(&sb, "| %s | %d | %d | %d | %d | %.1f× | %.1f× |\n", in.Name, k.NsPerOp(), k.AllocsPerOp(), a.NsPerOp(), a.AllocsPerOp(),
			float64(a.NsPerOp())/float64(k.NsPerOp()), float64(a.AllocsPerOp())/float64(max(k.AllocsPerOp(), 1)))
	}
	t.Log(sb.String())
}
