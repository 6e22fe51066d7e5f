package proof

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The checkers' own proof: a run whose answers or watch streams are corrupted on the client side, after the
// server, must be reported. Each case corrupts one thing once and names the violation it expects.

// corruptBackend corrupts what a backend returns.
type corruptBackend struct {
	backend
	c *corruption
}

// corruption is one kind of corruption, shared by every backend of a run so that it fires once per run (or, for
// reads, from some point on).
type corruption struct {
	// staleGets answers every get with the first answer of its name while that is out of date; stale counts them.
	staleGets bool
	stale     atomic.Int64
	mu        sync.Mutex
	first     map[int]observed

	// ackCreates answers every fifth create as applied without sending it.
	ackCreates bool
	creates    atomic.Int64

	// stream corrupts the 25th change event delivered after any initial events (over all streams), once.
	stream func(ev wireEvent) []wireEvent
	// breakStream makes the 25th change event a broken connection.
	breakStream bool
	events      atomic.Int64
}

func (b *corruptBackend) get(ctx context.Context, key int) (observed, error) {
	o, err := b.backend.get(ctx, key)
	if err != nil || !b.c.staleGets {
		return o, err
	}
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	if b.c.first == nil {
		b.c.first = map[int]observed{}
	}
	if f, ok := b.c.first[key]; ok && f.RV != o.RV {
		b.c.stale.Add(1)
		return f, nil
	}
	if _, ok := b.c.first[key]; !ok {
		b.c.first[key] = o
	}
	return o, nil
}

func (b *corruptBackend) create(ctx context.Context, key int, v Value) (observed, error) {
	if b.c.ackCreates && b.c.creates.Add(1)%5 == 0 {
		return observed{Key: key, RV: 1 << 40, UID: "forged", Value: v}, nil
	}
	return b.backend.create(ctx, key, v)
}

func (b *corruptBackend) watch(ctx context.Context, opts watchOpts) (eventStream, error) {
	s, err := b.backend.watch(ctx, opts)
	if err != nil || b.c.stream == nil && !b.c.breakStream {
		return s, err
	}
	return &corruptStream{eventStream: s, c: b.c, initial: opts.RV <= 0}, nil
}

type corruptStream struct {
	eventStream
	c       *corruption
	initial bool // before the initial-events-end bookmark: passed through
	pending []wireEvent
}

func (s *corruptStream) Next() (wireEvent, error) {
	for {
		if len(s.pending) > 0 {
			ev := s.pending[0]
			s.pending = s.pending[1:]
			return ev, nil
		}
		ev, err := s.eventStream.Next()
		if err != nil || ev.Type == "BOOKMARK" || ev.Type == "ERROR" || s.initial {
			if ev.InitialEnd {
				s.initial = false
			}
			return ev, err
		}
		if s.c.events.Add(1) != 25 {
			return ev, nil
		}
		if s.c.breakStream {
			return wireEvent{}, errors.New("injected: connection reset")
		}
		s.pending = s.c.stream(ev)
		if len(s.pending) > 0 && s.pending[0].Type == "HOLD" { // swap with the next event
			next, err := s.eventStream.Next()
			if err != nil {
				return next, err
			}
			s.pending = []wireEvent{ev}
			return next, nil
		}
	}
}

func TestCheckersCatchCorruption(t *testing.T) {
	cases := []struct {
		name    string
		c       *corruption
		backend Backends
		want    string
	}{
		{name: "stale get", c: &corruption{staleGets: true}, backend: GoAPI, want: "not linearizable"},
		{name: "stale get over HTTP", c: &corruption{staleGets: true}, backend: HTTP, want: "not linearizable"},
		{name: "acknowledged write not applied", c: &corruption{ackCreates: true}, backend: GoAPI, want: "lost write"},
		{name: "event dropped", c: &corruption{stream: func(wireEvent) []wireEvent { return nil }}, backend: GoAPI, want: "gap"},
		{name: "event delivered twice", c: &corruption{stream: func(ev wireEvent) []wireEvent { return []wireEvent{ev, ev} }}, backend: HTTP, want: "out of order or twice"},
		{name: "events reordered", c: &corruption{stream: func(wireEvent) []wireEvent { return []wireEvent{{Type: "HOLD"}} }}, backend: GoAPI, want: "gap"},
		{name: "event content", c: &corruption{stream: func(ev wireEvent) []wireEvent { ev.Obj.W = "corrupt"; return []wireEvent{ev} }}, backend: HTTP, want: "delivered;"},
		{name: "bookmark ahead of events", c: &corruption{stream: func(ev wireEvent) []wireEvent {
			return []wireEvent{{Type: "BOOKMARK", Obj: observed{RV: ev.Obj.RV}, Kind: "ConfigMap", APIVersion: "v1"}, ev}
		}}, backend: GoAPI, want: "X-17"},
		{name: "stream broken", c: &corruption{breakStream: true}, backend: HTTP, want: "broke"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			rep, err := Run(context.Background(), Config{
				Name: "corrupt", Seed: 3, Backends: tc.backend, Clients: 3, OpsPerClient: 100, Keys: 3, Watchers: 2,
				Resumes: 2, CheckTimeout: 30 * time.Second, OutDir: dir,
				wrap: func(b backend) backend { return &corruptBackend{backend: b, c: tc.c} },
			})
			require.NoError(t, err)
			require.NotEmpty(t, rep.Violations, "the corruption went unnoticed")
			require.Contains(t, strings.Join(rep.Violations, "\n"), tc.want)
			if tc.want == "not linearizable" {
				require.FileExists(t, rep.Visualization)
				entries, err := os.ReadDir(dir)
				require.NoError(t, err)
				require.Len(t, entries, 3, "the visualisation, its text and the history")
			}
		})
	}
}
