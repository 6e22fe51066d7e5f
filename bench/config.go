package bench

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Workload describes one of the workloads W1–W8.
type Workload struct {
	// ID is "W1" ... "W8".
	ID string
	// Name says what the workload does, for the report.
	Name string
	// Unit names one timed operation, for rates ("pods/s"); empty for W8,
	// which reports a time per start.
	Unit string
}

// workloads lists W1–W8 in the order they run and are reported.
var workloads = []Workload{
	{ID: "W1", Name: "create", Unit: "creates/s"},
	{ID: "W2", Name: "get", Unit: "gets/s"},
	{ID: "W3", Name: "list " + ListSelector, Unit: "lists/s"},
	{ID: "W4", Name: "get+update", Unit: "updates/s"},
	{ID: "W5", Name: "strategic merge patch", Unit: "patches/s"},
	{ID: "W6", Name: "delete", Unit: "deletes/s"},
	{ID: "W7", Name: "watch fan-out", Unit: "creates/s"},
	{ID: "W8", Name: "start to first list"},
}

// Workloads returns W1–W8 in order.
func Workloads() []Workload { return slices.Clone(workloads) }

// Config sizes a comparison. Its zero value runs the sizes once.
type Config struct {
	// Pods is N, the number of pods of W1–W6 (default 10,000).
	Pods int
	// Lists is how many times W3 lists (default 100).
	Lists int
	// Watchers is how many watches W7 opens (default 100).
	Watchers int
	// WatchCreates is how many pods W7 creates (default 1,000).
	WatchCreates int
	// Starts is how many systems W8 constructs (default 200).
	Starts int
	// Rounds is how many times every workload runs on every system; the report
	// keeps each system's best round per workload (default 1).
	Rounds int
	// Only restricts the run to these workload IDs; empty runs all. W1 still
	// runs, untimed, when a later step of W1–W6 needs its pods.
	Only []string
	// Timeout bounds one workload on one system in one round, W1–W6 each on
	// its own (default 10 minutes: the field-managed fakes take
	// minutes for W1 at N=10,000 on a busy machine). A system that exceeds it is reported failed.
	Timeout time.Duration
	// Logger receives progress, one record per measurement; nil discards.
	Logger *slog.Logger
}

// withDefaults returns c with every zero field set to its default, or an error
// for a negative size or an unknown workload ID.
func (c Config) withDefaults() (Config, error) {
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&c.Pods, 10_000}, {&c.Lists, 100}, {&c.Watchers, 100},
		{&c.WatchCreates, 1_000}, {&c.Starts, 200}, {&c.Rounds, 1},
	} {
		if *f.v < 0 {
			return c, fmt.Errorf("bench: negative size %d in config", *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	for _, id := range c.Only {
		if !slices.ContainsFunc(workloads, func(w Workload) bool { return w.ID == id }) {
			return c, fmt.Errorf("bench: unknown workload %q (want W1 ... W8)", id)
		}
	}
	return c, nil
}

// selected reports whether workload id is part of the run.
func (c Config) selected(id string) bool {
	return len(c.Only) == 0 || slices.Contains(c.Only, id)
}

// ParseWorkloads parses a comma-separated list of workload IDs such as
// "W1,W3" (case-insensitive, blanks ignored) for Config.Only.
func ParseWorkloads(s string) ([]string, error) {
	var ids []string
	for part := range strings.SplitSeq(s, ",") {
		id := strings.ToUpper(strings.TrimSpace(part))
		if id == "" {
			continue
		}
		if !slices.ContainsFunc(workloads, func(w Workload) bool { return w.ID == id }) {
			return nil, fmt.Errorf("bench: unknown workload %q (want W1 ... W8)", part)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
