package bench

import (
	"context"
	"errors"
	"testing"
)

// The go test benchmarks below measure one operation of W1–W6 and W8 per
// iteration, with b.N chosen by the testing package. The fixed-size workload
// with its checks, W7 and the best-of-rounds report is cmd/compare; these are
// for profiling one operation of one system:
//
//	go test -run '^$' -bench 'W2Get/kubemem' -cpuprofile cpu.out

// benchPods is how many pods the benchmarks that need existing pods create
// first, untimed; operation i addresses pod i%benchPods.
const benchPods = 1_000

// forEachSystem runs fn as a sub-benchmark on a fresh instance of every
// registered system, after creating pods 0..created-1 untimed.
func forEachSystem(b *testing.B, created int, fn func(b *testing.B, ctx context.Context, sys System)) {
	for _, f := range Factories() {
		b.Run(f.Name, func(b *testing.B) {
			sys, err := f.New()
			if err != nil {
				b.Fatal(err)
			}
			defer sys.Close()
			ctx := b.Context()
			if err := each(ctx, created, sys.Create); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			fn(b, ctx, sys)
		})
	}
}

// must stops the benchmark on an error, and skips it for ErrNotSupported.
func must(b *testing.B, err error) {
	if errors.Is(err, ErrNotSupported) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkW1Create measures one create (W1) into a growing namespace.
func BenchmarkW1Create(b *testing.B) {
	forEachSystem(b, 0, func(b *testing.B, ctx context.Context, sys System) {
		for i := range b.N {
			must(b, sys.Create(ctx, i))
		}
	})
}

// BenchmarkW2Get measures one get (W2) among benchPods pods.
func BenchmarkW2Get(b *testing.B) {
	forEachSystem(b, benchPods, func(b *testing.B, ctx context.Context, sys System) {
		for i := range b.N {
			must(b, sys.Get(ctx, i%benchPods))
		}
	})
}

// BenchmarkW3List measures one list with ListSelector (W3) over benchPods pods.
func BenchmarkW3List(b *testing.B) {
	forEachSystem(b, benchPods, func(b *testing.B, ctx context.Context, sys System) {
		for range b.N {
			n, err := sys.ListSelected(ctx, ListSelector)
			must(b, err)
			if n != selectedPods(benchPods) {
				b.Fatalf("list returned %d pods, want %d", n, selectedPods(benchPods))
			}
		}
	})
}

// BenchmarkW4GetModifyUpdate measures one get, label change and update (W4).
func BenchmarkW4GetModifyUpdate(b *testing.B) {
	forEachSystem(b, benchPods, func(b *testing.B, ctx context.Context, sys System) {
		for i := range b.N {
			must(b, sys.GetModifyUpdate(ctx, i%benchPods))
		}
	})
}

// BenchmarkW5PatchImage measures one strategic merge patch (W5); it is skipped
// for a system without one.
func BenchmarkW5PatchImage(b *testing.B) {
	forEachSystem(b, benchPods, func(b *testing.B, ctx context.Context, sys System) {
		for i := range b.N {
			must(b, sys.PatchImage(ctx, i%benchPods))
		}
	})
}

// BenchmarkW6Delete measures one delete (W6); the pods are created untimed.
func BenchmarkW6Delete(b *testing.B) {
	forEachSystem(b, 0, func(b *testing.B, ctx context.Context, sys System) {
		b.StopTimer()
		must(b, each(ctx, b.N, sys.Create))
		b.StartTimer()
		for i := range b.N {
			must(b, sys.Delete(ctx, i))
		}
	})
}

// BenchmarkW8Start measures constructing a system and its first list (W8).
func BenchmarkW8Start(b *testing.B) {
	for _, f := range Factories() {
		b.Run(f.Name, func(b *testing.B) {
			ctx := b.Context()
			b.ReportAllocs()
			for range b.N {
				sys, err := f.New()
				must(b, err)
				_, err = sys.ListSelected(ctx, "")
				must(b, err)
				b.StopTimer()
				sys.Close()
				b.StartTimer()
			}
		})
	}
}
