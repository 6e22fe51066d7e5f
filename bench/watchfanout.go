package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// runWatchFanOut is W7 on a fresh system: it opens cfg.Watchers watches, each
// drained by its own goroutine, then creates cfg.WatchCreates pods and times
// from the first create until every watcher has received every ADDED event.
// Each watcher must receive exactly cfg.WatchCreates ADDED events.
func runWatchFanOut(ctx context.Context, cfg Config, f Factory) (Measurement, error) {
	sys, err := f.New()
	if err != nil {
		return Measurement{}, fmt.Errorf("constructing the system: %w", err)
	}
	defer sys.Close()

	drainCtx, cancelDrain := context.WithCancel(ctx)
	watchers := make([]Watcher, 0, cfg.Watchers)
	var drained sync.WaitGroup
	// shutdown stops the watches and waits for their drainers, which return
	// once drainCtx is cancelled. It runs once: after timing, or on the way out.
	shutdown := sync.OnceFunc(func() {
		cancelDrain()
		for _, w := range watchers {
			w.Stop()
		}
		drained.Wait()
	})
	defer shutdown()
	for k := range cfg.Watchers {
		w, err := sys.Watch(ctx)
		if err != nil {
			return Measurement{}, fmt.Errorf("watch %d: %w", k, err)
		}
		watchers = append(watchers, w)
	}

	want := int64(cfg.WatchCreates)
	counts := make([]atomic.Int64, len(watchers))
	var pending atomic.Int64 // watchers that have not yet received want events
	pending.Store(int64(len(watchers)))
	allReceived := make(chan struct{})
	for k, w := range watchers {
		drained.Go(func() {
			for {
				added, err := w.Next(drainCtx)
				if err != nil {
					return
				}
				if !added {
					continue
				}
				if counts[k].Add(1) == want && pending.Add(-1) == 0 {
					close(allReceived)
				}
			}
		})
	}

	start := time.Now()
	if err := each(ctx, cfg.WatchCreates, sys.Create); err != nil {
		return Measurement{}, err
	}
	select {
	case <-allReceived:
	case <-ctx.Done():
		least := want
		for k := range counts {
			least = min(least, counts[k].Load())
		}
		return Measurement{}, fmt.Errorf("%d of %d watchers incomplete, the slowest received %d of %d events: %w",
			pending.Load(), len(watchers), least, want, ctx.Err())
	}
	elapsed := time.Since(start)

	shutdown()
	for k := range counts {
		if got := counts[k].Load(); got != want {
			return Measurement{}, fmt.Errorf("watcher %d received %d ADDED events, want %d", k, got, want)
		}
	}
	return Measurement{Ops: cfg.WatchCreates, Elapsed: elapsed}, nil
}
