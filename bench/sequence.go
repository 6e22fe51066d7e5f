package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// step is one timed workload of the W1–W6 sequence.
type step struct {
	id  string
	ops func(cfg Config) int
	run func(ctx context.Context, cfg Config, sys System) error
}

// sequence lists W1–W6 in the order they run on one system: W1 creates the
// pods the others read, change and finally delete.
var sequence = []step{
	{"W1", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.Create)
	}},
	{"W2", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.Get)
	}},
	{"W3", func(cfg Config) int { return cfg.Lists }, listSelected},
	{"W4", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.GetModifyUpdate)
	}},
	{"W5", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.PatchImage)
	}},
	{"W6", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.Delete)
	}},
}

func pods(cfg Config) int { return cfg.Pods }

// listSelected is W3: cfg.Lists lists with ListSelector, each of which must
// return exactly the matching tenth of the pods.
func listSelected(ctx context.Context, cfg Config, sys System) error {
	want := selectedPods(cfg.Pods)
	for k := range cfg.Lists {
		n, err := sys.ListSelected(ctx, ListSelector)
		if err != nil {
			return fmt.Errorf("list %d: %w", k, err)
		}
		if n != want {
			return fmt.Errorf("list %d returned %d pods, want %d", k, n, want)
		}
	}
	return nil
}

// sequenceRound is the outcome of one round of W1–W6 on one system.
type sequenceRound struct {
	// results and errs hold each timed step's figure or failure, by ID.
	results map[string]Measurement
	errs    map[string]error
	// heapPerPod is the live heap per pod after W1, valid if heapOK.
	heapPerPod float64
	heapOK     bool
}

// runSequence constructs a fresh system and runs the selected steps of W1–W6
// on it, timing each on its own; W1 also runs, untimed, when a later step needs
// its pods. Around W1 it measures the live heap: from before New to after the
// last create, each read after two garbage collections, divided by cfg.Pods.
func runSequence(ctx context.Context, cfg Config, f Factory) sequenceRound {
	out := sequenceRound{results: map[string]Measurement{}, errs: map[string]error{}}
	var wanted []step
	for _, s := range sequence {
		if cfg.selected(s.id) {
			wanted = append(wanted, s)
		}
	}
	if len(wanted) == 0 {
		return out
	}
	if wanted[0].id != "W1" {
		wanted = append([]step{sequence[0]}, wanted...)
	}
	fail := func(from int, err error) sequenceRound {
		for _, s := range wanted[from:] {
			if cfg.selected(s.id) {
				out.errs[s.id] = err
			}
		}
		return out
	}

	before := liveHeap()
	sys, err := f.New()
	if err != nil {
		return fail(0, fmt.Errorf("constructing the system: %w", err))
	}
	defer sys.Close()

	for k, s := range wanted {
		elapsed, err := bounded(ctx, cfg.Timeout, func(ctx context.Context) (time.Duration, error) {
			start := time.Now()
			err := s.run(ctx, cfg, sys)
			return time.Since(start), err
		})
		if s.id == "W1" && err == nil {
			out.heapPerPod = float64(int64(liveHeap())-int64(before)) / float64(cfg.Pods)
			out.heapOK = true
		}
		switch {
		case err == nil && cfg.selected(s.id):
			out.results[s.id] = Measurement{Ops: s.ops(cfg), Elapsed: elapsed}
		case err == nil:
		case s.id == "W1" || errors.Is(err, errTimeout) || errors.Is(err, errPanicked):
			// Later steps would run against missing pods or a system still
			// busy on an abandoned goroutine: skip them.
			fail(k+1, fmt.Errorf("skipped: %s failed", s.id))
			if cfg.selected(s.id) {
				out.errs[s.id] = err
			}
			return out
		default:
			out.errs[s.id] = err
		}
	}
	return out
}

// liveHeap returns the bytes of live heap objects after two garbage
// collections (the second frees what the first one's finalizers released).
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
