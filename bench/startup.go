package bench

import (
	"context"
	"fmt"
	"time"
)

// runStartup is W8: cfg.Starts times, it constructs a system and lists the
// pods in Namespace, which must be empty, timing from before New until the
// list returned. Close is not timed. The result's Elapsed is the sum over all
// starts and Min the fastest one.
func runStartup(ctx context.Context, cfg Config, f Factory) (Measurement, error) {
	var m Measurement
	for k := range cfg.Starts {
		if ctx.Err() != nil {
			return Measurement{}, fmt.Errorf("after %d of %d starts: %w", k, cfg.Starts, ctx.Err())
		}
		start := time.Now()
		sys, err := f.New()
		if err != nil {
			return Measurement{}, fmt.Errorf("start %d: constructing the system: %w", k, err)
		}
		n, err := sys.ListSelected(ctx, "")
		d := time.Since(start)
		sys.Close()
		if err != nil {
			return Measurement{}, fmt.Errorf("start %d: list: %w", k, err)
		}
		if n != 0 {
			return Measurement{}, fmt.Errorf("start %d: a new system listed %d pods, want 0", k, n)
		}
		m.Ops++
		m.Elapsed += d
		if m.Min == 0 || d < m.Min {
			m.Min = d
		}
	}
	return m, nil
}
