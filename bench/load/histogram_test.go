package load

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHistogramBuckets(t *testing.T) {
	// Every value lies within its bucket, buckets are contiguous and a bucket is at most ~3% wide.
	prevUpper := int64(-1)
	for b := range histBuckets - histSub {
		up := histUpper(b)
		require.Equal(t, uint64(prevUpper+1), lowerOf(b), "bucket %d starts where %d ends", b, b-1)
		require.Equal(t, b, histBucket(lowerOf(b)), "lower bound of %d", b)
		require.Equal(t, b, histBucket(up), "upper bound of %d", b)
		if lo := lowerOf(b); lo >= histSub {
			require.LessOrEqual(t, float64(up-lo+1)/float64(lo), 1.0/histSub+1e-9, "width of bucket %d", b)
		}
		prevUpper = int64(up)
		if up > 1<<50 {
			break
		}
	}
}

// lowerOf is the smallest value of bucket b.
func lowerOf(b int) uint64 {
	if b == 0 {
		return 0
	}
	return histUpper(b-1) + 1
}

func TestHistogramQuantile(t *testing.T) {
	tests := []struct {
		name     string
		values   []time.Duration
		q        float64
		min, max time.Duration // the answer's bounds
	}{
		{name: "empty", q: 0.5},
		{name: "one value", values: []time.Duration{time.Millisecond}, q: 0.99, min: time.Millisecond, max: time.Millisecond},
		{name: "median of 1..100 ms", values: series(100, time.Millisecond), q: 0.5, min: 50 * time.Millisecond, max: 52 * time.Millisecond},
		{name: "p99 of 1..100 ms", values: series(100, time.Millisecond), q: 0.99, min: 99 * time.Millisecond, max: 100 * time.Millisecond},
		{name: "negative counts as zero", values: []time.Duration{-time.Second}, q: 0.5, min: 0, max: 0},
		{name: "never above the maximum", values: []time.Duration{1000}, q: 1, min: 1000, max: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h histogram
			for _, v := range tt.values {
				h.Record(v)
			}
			require.EqualValues(t, len(tt.values), h.Count())
			got := h.Quantile(tt.q)
			require.GreaterOrEqual(t, got, tt.min)
			require.LessOrEqual(t, got, tt.max)
		})
	}
}

// series returns step, 2·step, ..., n·step.
func series(n int, step time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * step
	}
	return out
}
