package bench

import (
	"context"
	"runtime"
)

// SystemReport holds one system's figures.
type SystemReport struct {
	// Name is the Factory name.
	Name string
	// Results holds the best round of each selected workload, by ID.
	Results map[string]Measurement
	// HeapPerPod is the live heap per stored pod after W1, in bytes, counting
	// everything from before the system was constructed (the smallest of the
	// rounds); valid if HeapMeasured.
	HeapPerPod   float64
	HeapMeasured bool
}

// Report is the outcome of Run.
type Report struct {
	// Config is the configuration the run used, defaults filled in.
	Config Config
	// Workloads are the selected workloads, in order.
	Workloads []Workload
	// Systems are the systems in the order given to Run.
	Systems []SystemReport
}

// Run runs the selected workloads on every system, cfg.Rounds times. Each
// round visits the systems in turn, so slow drift in the machine's speed
// spreads over all of them. It returns an error only for an invalid cfg; a
// system's failures are in its measurements.
func Run(ctx context.Context, cfg Config, systems []Factory) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rep := &Report{Config: cfg}
	for _, w := range workloads {
		if cfg.selected(w.ID) {
			rep.Workloads = append(rep.Workloads, w)
		}
	}
	for _, f := range systems {
		rep.Systems = append(rep.Systems, SystemReport{Name: f.Name, Results: map[string]Measurement{}})
	}
	log := cfg.Logger
	for round := 1; round <= cfg.Rounds; round++ {
		for k, f := range systems {
			sr := &rep.Systems[k]
			record := func(id string, m Measurement, err error) {
				sr.Results[id] = sr.Results[id].add(m, err)
				if err != nil {
					log.Warn("failed", "round", round, "system", f.Name, "workload", id, "err", err)
					return
				}
				log.Info("measured", "round", round, "system", f.Name, "workload", id,
					"ops", m.Ops, "elapsed", m.Elapsed, "ops/s", int64(m.Rate()))
			}

			heap := runSequence(ctx, cfg, f, record)
			if heap.ok {
				log.Info("heap", "round", round, "system", f.Name, "bytes/pod", int64(heap.perPod))
				if !sr.HeapMeasured || heap.perPod < sr.HeapPerPod {
					sr.HeapPerPod, sr.HeapMeasured = heap.perPod, true
				}
			}

			if cfg.selected("W7") {
				runtime.GC()
				m, err := bounded(ctx, cfg.Timeout, func(ctx context.Context) (Measurement, error) {
					return runWatchFanOut(ctx, cfg, f)
				})
				record("W7", m, err)
			}
			if cfg.selected("W8") {
				runtime.GC()
				m, err := bounded(ctx, cfg.Timeout, func(ctx context.Context) (Measurement, error) {
					return runStartup(ctx, cfg, f)
				})
				record("W8", m, err)
				if err == nil {
					log.Info("start", "round", round, "system", f.Name, "mean", m.Mean(), "min", m.Min)
				}
			}
		}
	}
	return rep, nil
}
