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
	// check, if set, verifies the step's effect through a list, untimed.
	check func(ctx context.Context, cfg Config, sys System) error
}

// wantListed returns a check that the pods matching selector number want(cfg).
func wantListed(selector string, want func(Config) int) func(context.Context, Config, System) error {
	return func(ctx context.Context, cfg Config, sys System) error {
		n, err := sys.ListSelected(ctx, selector)
		if err != nil {
			return fmt.Errorf("checking with a list: %w", err)
		}
		if n != want(cfg) {
			return fmt.Errorf("afterwards a list with selector %q returned %d pods, want %d", selector, n, want(cfg))
		}
		return nil
	}
}

// sequence lists W1–W6 in the order they run on one system: W1 creates the
// pods the others read, change and finally delete. W1, W4 and W6 check their
// effect afterwards with a list: all pods exist, all carry the label w4 (an
// existence selector), none is left.
var sequence = []step{
	{"W1", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.Create)
	}, wantListed("", pods)},
	{"W2", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.Get)
	}, nil},
	{"W3", func(cfg Config) int { return cfg.Lists }, listSelected, nil},
	{"W4", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.GetModifyUpdate)
	}, wantListed(UpdateLabel, pods)},
	{"W5", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.PatchImage)
	}, nil},
	{"W6", pods, func(ctx context.Context, cfg Config, sys System) error {
		return each(ctx, cfg.Pods, sys.Delete)
	}, wantListed("", func(Config) int { return 0 })},
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

// heapReading is the live heap per pod after W1, if it was measured.
type heapReading struct {
	perPod float64
	ok     bool
}

// runSequence constructs a fresh system and runs the selected steps of W1–W6
// on it, timing each on its own and passing each selected step's outcome to
// record as soon as it is known; W1 also runs, untimed, when a later step needs
// its pods. Around W1 it measures the live heap: from before New to after the
// last create, each read after two garbage collections, divided by cfg.Pods.
func runSequence(ctx context.Context, cfg Config, f Factory, record func(id string, m Measurement, err error)) heapReading {
	var heap heapReading
	var wanted []step
	for _, s := range sequence {
		if cfg.selected(s.id) {
			wanted = append(wanted, s)
		}
	}
	if len(wanted) == 0 {
		return heap
	}
	if wanted[0].id != "W1" {
		wanted = append([]step{sequence[0]}, wanted...)
	}
	report := func(s step, m Measurement, err error) {
		if cfg.selected(s.id) {
			record(s.id, m, err)
		}
	}
	skip := func(rest []step, err error) {
		for _, s := range rest {
			report(s, Measurement{}, err)
		}
	}

	before := liveHeap()
	sys, err := f.New()
	if err != nil {
		skip(wanted, fmt.Errorf("constructing the system: %w", err))
		return heap
	}
	defer sys.Close()

	for k, s := range wanted {
		elapsed, err := bounded(ctx, cfg.Timeout, func(ctx context.Context) (time.Duration, error) {
			start := time.Now()
			err := s.run(ctx, cfg, sys)
			elapsed := time.Since(start)
			if err == nil && s.check != nil {
				err = s.check(ctx, cfg, sys)
			}
			return elapsed, err
		})
		if s.id == "W1" && err == nil {
			heap = heapReading{perPod: float64(int64(liveHeap())-int64(before)) / float64(cfg.Pods), ok: true}
		}
		if err != nil {
			report(s, Measurement{}, err)
		} else {
			report(s, Measurement{Ops: s.ops(cfg), Elapsed: elapsed}, nil)
		}
		if err != nil && (s.id == "W1" || errors.Is(err, errTimeout) || errors.Is(err, errPanicked)) {
			// Later steps would run against missing pods or a system still
			// busy on an abandoned goroutine.
			skip(wanted[k+1:], fmt.Errorf("skipped: %s failed", s.id))
			return heap
		}
	}
	return heap
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
