package bench

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tiny is the comparison at sizes that run in seconds under -race.
var tiny = Config{Pods: 200, Lists: 3, Watchers: 5, WatchCreates: 50, Starts: 3, Rounds: 1, Timeout: time.Minute}

// requireComplete checks that every workload of rep succeeded on every system
// with the expected number of operations; W5 may be unsupported.
func requireComplete(t *testing.T, cfg Config, rep *Report) {
	t.Helper()
	want := map[string]int{
		"W1": cfg.Pods, "W2": cfg.Pods, "W3": cfg.Lists, "W4": cfg.Pods, "W5": cfg.Pods, "W6": cfg.Pods,
		"W7": cfg.WatchCreates, "W8": cfg.Starts,
	}
	for _, s := range rep.Systems {
		for _, w := range rep.Workloads {
			m := s.Results[w.ID]
			if w.ID == "W5" && errors.Is(m.Err, ErrNotSupported) {
				continue
			}
			require.NoError(t, m.Err, "%s %s", s.Name, w.ID)
			require.Equal(t, want[w.ID], m.Ops, "%s %s", s.Name, w.ID)
			require.Positive(t, m.Rate(), "%s %s", s.Name, w.ID)
		}
		require.Positive(t, s.Results["W8"].Min, s.Name)
		require.True(t, s.HeapMeasured, s.Name)
	}
}

// TestCompareTiny runs the whole comparison on every registered system. The
// runner itself checks the counts: W3's lists return N/10 pods, every W7
// watcher receives exactly every ADDED event, W8's new systems list nothing.
func TestCompareTiny(t *testing.T) {
	fs := Factories()
	require.NotEmpty(t, fs)
	for _, f := range fs {
		t.Run(f.Name, func(t *testing.T) {
			rep, err := Run(t.Context(), tiny, []Factory{f})
			require.NoError(t, err)
			require.Len(t, rep.Workloads, 8)
			requireComplete(t, rep.Config, rep)
			var out bytes.Buffer
			require.NoError(t, rep.Table().WriteText(&out))
			t.Log("\n" + out.String())
		})
	}
}

// TestRunnerStub runs the comparison on a correct stub system, and on stubs
// with one fault each, which must fail exactly the affected workloads.
func TestRunnerStub(t *testing.T) {
	cfg := tiny
	cfg.Timeout = 500 * time.Millisecond
	tests := []struct {
		name   string
		faults faults
		failed map[string]error // workload -> error it must wrap (nil: any)
		na     []string
	}{
		{name: "correct"},
		{name: "list off by one", faults: faults{listOffByOne: true}, failed: map[string]error{"W3": nil}},
		{name: "watcher misses an event", faults: faults{dropFirstAdd: true}, failed: map[string]error{"W7": context.DeadlineExceeded}},
		{name: "create panics", faults: faults{panicOnCreate: true}, failed: map[string]error{
			"W1": errPanicked, "W2": nil, "W3": nil, "W4": nil, "W5": nil, "W6": nil, "W7": errPanicked,
		}},
		{name: "get hangs", faults: faults{hangOnGet: true}, failed: map[string]error{
			"W2": errTimeout, "W3": nil, "W4": nil, "W5": nil, "W6": nil,
		}},
		{name: "no patch", faults: faults{noPatch: true}, failed: map[string]error{"W5": ErrNotSupported}, na: []string{"W5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Run(t.Context(), cfg, []Factory{stubFactory(KubememName, tt.faults)})
			require.NoError(t, err)
			s := rep.Systems[0]
			for _, w := range rep.Workloads {
				m := s.Results[w.ID]
				want, failed := tt.failed[w.ID]
				if !failed {
					require.NoError(t, m.Err, w.ID)
					require.True(t, m.OK(), w.ID)
					continue
				}
				require.Error(t, m.Err, w.ID)
				require.False(t, m.OK(), w.ID)
				if want != nil {
					require.ErrorIs(t, m.Err, want, w.ID)
				}
			}
			table := rep.Table()
			for _, row := range table.Rows {
				for _, id := range tt.na {
					if row[0][:2] == id {
						require.Equal(t, "n/a", row[1])
					}
				}
			}
		})
	}
}

// TestRunOnly checks that -only runs just the named workloads, with W1 run
// untimed when W3 needs its pods.
func TestRunOnly(t *testing.T) {
	cfg := tiny
	cfg.Only = []string{"W3", "W8"}
	rep, err := Run(t.Context(), cfg, []Factory{stubFactory("stub", faults{})})
	require.NoError(t, err)
	require.Equal(t, []Workload{workloads[2], workloads[7]}, rep.Workloads)
	res := rep.Systems[0].Results
	require.Len(t, res, 2)
	require.Equal(t, cfg.Lists, res["W3"].Ops)

	cfg.Only = []string{"W9"}
	_, err = Run(t.Context(), cfg, nil)
	require.Error(t, err)
}

// TestPeerPanicIsReported documents why every workload runs under bounded:
// client-go's fake panics in Create once a watcher has 100 unread events, and
// the runner must report that instead of crashing.
func TestPeerPanicIsReported(t *testing.T) {
	f := Factories()[slices.IndexFunc(Factories(), func(f Factory) bool {
		return f.Name == "client-go fake (NewSimpleClientset)"
	})]
	sys, err := f.New()
	require.NoError(t, err)
	defer sys.Close()
	w, err := sys.Watch(t.Context())
	require.NoError(t, err)
	defer w.Stop()
	_, err = bounded(t.Context(), time.Minute, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, each(ctx, 200, sys.Create) // nobody drains w
	})
	require.ErrorIs(t, err, errPanicked)
}
