package load

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram buckets: values below 2^histSubBits nanoseconds have a bucket each; above, every power of two is split
// into 2^histSubBits buckets, so a bucket's width is at most 1/2^histSubBits (about 3%) of its lower bound.
const (
	histSubBits = 5
	histSub     = 1 << histSubBits
	histBuckets = (64 - histSubBits + 1) * histSub
)

// histogram counts durations in log-linear buckets of at most ~3% relative width. Its zero value is empty and ready;
// Record is safe for concurrent use (one atomic add), Quantile and Count read a consistent view only once recording
// has stopped.
type histogram struct {
	counts [histBuckets]atomic.Uint64
	max    atomic.Int64
}

// histBucket returns the bucket of v nanoseconds (v ≥ 0).
func histBucket(v uint64) int {
	if v < histSub {
		return int(v)
	}
	exp := bits.Len64(v) - histSubBits // ≥ 1: how far v's top histSubBits bits are shifted
	return exp*histSub + int(v>>uint(exp-1)) - histSub
}

// histUpper returns the largest value of bucket b.
func histUpper(b int) uint64 {
	if b < histSub {
		return uint64(b)
	}
	exp, sub := b/histSub, uint64(b%histSub)
	return (histSub+sub+1)<<uint(exp-1) - 1
}

// Record adds d to the histogram; a negative d counts as zero.
func (h *histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[histBucket(uint64(v))].Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Count returns the number of recorded values.
func (h *histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// Max returns the largest recorded value (exact), zero when empty.
func (h *histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Quantile returns the upper bound of the bucket that holds the q-quantile (0 < q ≤ 1) of the recorded values,
// never more than Max; zero when empty.
func (h *histogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return min(time.Duration(histUpper(i)), h.Max())
		}
	}
	return h.Max()
}
