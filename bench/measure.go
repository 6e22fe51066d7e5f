package bench

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errTimeout marks a workload that did not finish within Config.Timeout.
var errTimeout = errors.New("bench: timed out")

// errPanicked marks a workload during which the system panicked.
var errPanicked = errors.New("bench: system panicked")

// grace is how long bounded waits, after the deadline, for the workload to
// notice its cancelled context and return its own error.
const grace = time.Second

// Measurement is a system's figure for one workload, the best of its rounds.
type Measurement struct {
	// Ops is how many operations the best round timed (W8: starts); 0 when no
	// round succeeded.
	Ops int
	// Elapsed is the time the best round's operations took (W8: the sum over
	// its starts).
	Elapsed time.Duration
	// Min is, for W8, the fastest single start of any round; otherwise zero.
	Min time.Duration
	// Rounds is how many rounds ran the workload; Failed how many of them
	// failed, and Err is the last failure (nil if none did).
	Rounds, Failed int
	// Err is the last round's failure; errors.Is(Err, ErrNotSupported) when
	// the system does not implement the workload.
	Err error
}

// OK reports whether at least one round succeeded.
func (m Measurement) OK() bool { return m.Ops > 0 && m.Elapsed > 0 }

// Rate returns operations per second of the best round, 0 if none succeeded.
func (m Measurement) Rate() float64 {
	if !m.OK() {
		return 0
	}
	return float64(m.Ops) / m.Elapsed.Seconds()
}

// Mean returns the mean time per operation of the best round.
func (m Measurement) Mean() time.Duration {
	if !m.OK() {
		return 0
	}
	return m.Elapsed / time.Duration(m.Ops)
}

// add folds one round's outcome into m, keeping the faster successful round.
func (m Measurement) add(r Measurement, err error) Measurement {
	m.Rounds++
	if err != nil {
		m.Failed++
		m.Err = err
		return m
	}
	if r.Min > 0 && (m.Min == 0 || r.Min < m.Min) {
		m.Min = r.Min
	}
	if !m.OK() || r.Rate() > m.Rate() {
		m.Ops, m.Elapsed = r.Ops, r.Elapsed
	}
	return m
}

// bounded runs fn on its own goroutine under a context that expires after
// timeout. It returns fn's result, errPanicked if fn panicked, or errTimeout if
// fn did not return within timeout plus grace; fn's goroutine is then
// abandoned, still running, and whatever it uses must not be reused.
func bounded[T any](ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned fn never blocks on it
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("%w: %v", errPanicked, r)}
			}
		}()
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
	}
	select {
	case r := <-done:
		if r.err != nil && ctx.Err() != nil && errors.Is(r.err, ctx.Err()) {
			r.err = fmt.Errorf("%w after %v: %w", errTimeout, timeout, r.err)
		}
		return r.v, r.err
	case <-time.After(grace):
		var zero T
		return zero, fmt.Errorf("%w after %v; the system did not return", errTimeout, timeout)
	}
}

// each runs op for the pods 0..n-1 in order and stops at the first error. It
// checks ctx every 256 pods, so a system that ignores ctx still stops.
func each(ctx context.Context, n int, op func(context.Context, int) error) error {
	for i := range n {
		if i%256 == 0 && ctx.Err() != nil {
			return fmt.Errorf("after %d of %d pods: %w", i, n, ctx.Err())
		}
		if err := op(ctx, i); err != nil {
			return fmt.Errorf("%s: %w", PodName(i), err)
		}
	}
	return nil
}
