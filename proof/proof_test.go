package proof

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scenarios are the runs of 1–3: each checks linearizability (porcupine) and the watch guarantees, through the Go
// API, HTTP or both, with the faults of its name.
func scenarios() []Config {
	return []Config{
		{Name: "go", Backends: GoAPI, Clients: 6, Keys: 4, Watchers: 4, Resumes: 6,
			Faults: Faults{WatchCuts: true}},
		{Name: "http", Backends: HTTP, Clients: 6, Keys: 4, Watchers: 4, Resumes: 6,
			Faults: Faults{WatchCuts: true, WatchTimeouts: true}},
		{Name: "mixed-slow-watchers", Backends: Mixed, Clients: 6, Keys: 3, Watchers: 4, Resumes: 4,
			Faults: Faults{SlowWatchers: 2, BufferSize: 4}},
		{Name: "http-disconnects", Backends: HTTP, Clients: 6, Keys: 4, Watchers: 3, Resumes: 4,
			Faults: Faults{Disconnects: true, WatchCuts: true}},
		{Name: "mixed-compaction", Backends: Mixed, Clients: 6, Keys: 5, Watchers: 4, Resumes: 6,
			Faults: Faults{Compaction: true, WatchCuts: true, SlowWatchers: 1, BufferSize: 8}},
		{Name: "mixed-shutdown", Backends: Mixed, Clients: 6, Keys: 4, Watchers: 4,
			Faults: Faults{Shutdown: true, Disconnects: true}},
	}
}

// TestProof runs each scenario once with a fixed seed: the short version that every `go test` runs. With
// KUBEMEM_PROOF_DURATION set (for example 5m) it runs the scenarios round after round with new seeds for that long
// and logs the figures (README, "Proof of correctness").
func TestProof(t *testing.T) {
	if d := os.Getenv("KUBEMEM_PROOF_DURATION"); d != "" {
		dur, err := time.ParseDuration(d)
		require.NoError(t, err, "KUBEMEM_PROOF_DURATION")
		longRun(t, dur)
		return
	}
	for _, cfg := range scenarios() {
		t.Run(cfg.Name, func(t *testing.T) {
			t.Parallel()
			cfg.Seed = 1
			cfg.OpsPerClient = 60
			cfg.CheckTimeout = 30 * time.Second
			cfg.OutDir = os.Getenv("KUBEMEM_PROOF_OUT")
			rep, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			t.Log(rep)
			require.Empty(t, rep.Violations, strings.Join(rep.Violations, "\n"))
		})
	}
}

// longRun runs every scenario with successive seeds until d has passed.
func longRun(t *testing.T, d time.Duration) {
	var total Report
	deadline := time.Now().Add(d)
	for seed := uint64(1); time.Now().Before(deadline); seed++ {
		for _, cfg := range scenarios() {
			if only := os.Getenv("KUBEMEM_PROOF_SCENARIO"); only != "" && !strings.Contains(cfg.Name, only) {
				continue
			}
			cfg.Seed = seed
			cfg.OpsPerClient = 300
			cfg.CheckTimeout = 5 * time.Minute
			cfg.OutDir = os.Getenv("KUBEMEM_PROOF_OUT")
			rep, err := Run(context.Background(), cfg)
			require.NoError(t, err, "%s seed %d", cfg.Name, seed)
			for _, v := range rep.Violations {
				t.Errorf("%s seed %d: %s", cfg.Name, seed, v)
			}
			total.Add(rep)
		}
		t.Logf("after round %d: %s", seed, &total)
	}
	t.Logf("long run of %s: %s", d, &total)
}

// TestReplay checks a history saved by a failing run again: KUBEMEM_PROOF_REPLAY=<path of the .json file>.
func TestReplay(t *testing.T) {
	path := os.Getenv("KUBEMEM_PROOF_REPLAY")
	if path == "" {
		t.Skip("set KUBEMEM_PROOF_REPLAY to a saved history (.json) to check it again")
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var h savedHistory
	require.NoError(t, json.Unmarshal(data, &h))
	res, vis, err := checkLinearizable(h.Ops, h.Rev0, modelOptions{foreign: h.Foreign}, 5*time.Minute, t.TempDir(), "replay")
	require.NoError(t, err)
	t.Logf("porcupine: %s %s", res, vis)
}
