package load

import (
	"runtime/metrics"
	"time"
)

// Runtime metrics read around the load, to tell a starved process from a slow server.
const (
	metricSchedLatency = "/sched/latencies:seconds"       // time goroutines wait runnable before they run
	metricGCPauses     = "/sched/pauses/total/gc:seconds" // stop-the-world pauses of the collector
	metricGCCycles     = "/gc/cycles/total:gc-cycles"
)

// runtimeSample is a reading of the runtime metrics and of the process's CPU time.
type runtimeSample struct {
	samples []metrics.Sample
	cpu     time.Duration // user and system, zero where unknown
}

func sampleRuntime() runtimeSample {
	s := []metrics.Sample{{Name: metricSchedLatency}, {Name: metricGCPauses}, {Name: metricGCCycles}}
	metrics.Read(s)
	return runtimeSample{samples: s, cpu: processCPU()}
}

// RuntimeUsage is what the process did while the clients ran (see Report.Runtime).
type RuntimeUsage struct {
	CPU                  time.Duration // user and system CPU time; zero where unknown
	SchedP50, SchedP99   time.Duration // scheduling latency of goroutines
	GCCycles             uint64
	GCPauseP99, GCPauses time.Duration // the 99th percentile and the total of the collector's pauses
}

// usageBetween returns the usage between samples a and b.
func usageBetween(a, b runtimeSample) RuntimeUsage {
	u := RuntimeUsage{CPU: b.cpu - a.cpu}
	u.SchedP50, u.SchedP99 = histDelta(a.samples[0], b.samples[0], 0.5), histDelta(a.samples[0], b.samples[0], 0.99)
	u.GCPauseP99, u.GCPauses = histDelta(a.samples[1], b.samples[1], 0.99), histTotal(a.samples[1], b.samples[1])
	if b.samples[2].Value.Kind() == metrics.KindUint64 {
		u.GCCycles = b.samples[2].Value.Uint64() - a.samples[2].Value.Uint64()
	}
	return u
}

// histCounts returns the bucket counts b has more than a, and b's bucket boundaries; nil if not histograms.
func histCounts(a, b metrics.Sample) ([]uint64, []float64) {
	if a.Value.Kind() != metrics.KindFloat64Histogram || b.Value.Kind() != metrics.KindFloat64Histogram {
		return nil, nil
	}
	ha, hb := a.Value.Float64Histogram(), b.Value.Float64Histogram()
	counts := make([]uint64, len(hb.Counts))
	for i := range counts {
		counts[i] = hb.Counts[i] - ha.Counts[i]
	}
	return counts, hb.Buckets
}

// histDelta returns the q-quantile (the upper bound of its bucket) of the values recorded between a and b.
func histDelta(a, b metrics.Sample, q float64) time.Duration {
	counts, buckets := histCounts(a, b)
	var n uint64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	var seen uint64
	for i, c := range counts {
		if seen += c; seen >= max(rank, 1) {
			return seconds(buckets[i+1])
		}
	}
	return 0
}

// histTotal estimates the sum of the values recorded between a and b, each at its bucket's midpoint (its lower
// bound for the last, unbounded bucket).
func histTotal(a, b metrics.Sample) time.Duration {
	counts, buckets := histCounts(a, b)
	var total float64
	for i, c := range counts {
		lo, hi := buckets[i], buckets[i+1]
		switch {
		case c == 0:
		case hi > 1e300:
			total += float64(c) * lo
		case lo < -1e300:
			total += float64(c) * hi
		default:
			total += float64(c) * (lo + hi) / 2
		}
	}
	return seconds(total)
}

func seconds(s float64) time.Duration {
	if s > 1e6 {
		return time.Duration(1e6 * float64(time.Second))
	}
	return time.Duration(s * float64(time.Second))
}
