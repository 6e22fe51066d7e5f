// Command compare runs the kubemem benchmark workload (W1–W8) against every
// registered system and prints ops/s per system and the ratio kubemem/peer.
//
//	cd bench && go run ./cmd/compare -n 10000 -rounds 3
//	go run ./cmd/compare -only W1,W3 -markdown
//	go run ./cmd/compare -only W1,W2,W3 -systems "over HTTP,in-process" -markdown   (protobuf vs JSON)
//
// Progress goes to standard error, the table to standard output.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/kubemem/kubemem/bench"
)

func main() {
	var (
		n        = flag.Int("n", 10_000, "pods created, read, updated, patched and deleted by W1–W6")
		watchers = flag.Int("watchers", 100, "watches opened by W7")
		creates  = flag.Int("watch-creates", 1_000, "pods created while W7's watchers drain")
		lists    = flag.Int("lists", 100, "label-selected lists made by W3")
		starts   = flag.Int("starts", 200, "systems constructed by W8")
		rounds   = flag.Int("rounds", 3, "rounds per system and workload; the best is reported")
		only     = flag.String("only", "", "comma-separated workloads to run, e.g. W1,W3 (default all)")
		systems  = flag.String("systems", "", "comma-separated parts of system names; only systems whose name contains one run (default all)")
		timeout  = flag.Duration("timeout", 10*time.Minute, "bound on one workload on one system in one round")
		markdown = flag.Bool("markdown", false, "print the table as markdown")
		quiet    = flag.Bool("q", false, "no progress on standard error")
	)
	flag.Parse()
	ids, err := bench.ParseWorkloads(*only)
	if err != nil {
		fatal(err)
	}
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelError
	}
	cfg := bench.Config{
		Pods: *n, Lists: *lists, Watchers: *watchers, WatchCreates: *creates, Starts: *starts,
		Rounds: *rounds, Only: ids, Timeout: *timeout,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := bench.Run(ctx, cfg, selectSystems(bench.Factories(), *systems))
	if err != nil {
		fatal(err)
	}
	table := rep.Table()
	if *markdown {
		err = table.WriteMarkdown(os.Stdout)
	} else {
		err = table.WriteText(os.Stdout)
	}
	if err != nil {
		fatal(err)
	}
}

// selectSystems keeps the factories whose name contains one of the comma-separated parts of filter (all of them
// when filter is empty).
func selectSystems(fs []bench.Factory, filter string) []bench.Factory {
	if filter == "" {
		return fs
	}
	var out []bench.Factory
	for _, f := range fs {
		for part := range strings.SplitSeq(filter, ",") {
			if part != "" && strings.Contains(f.Name, part) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "compare:", err)
	os.Exit(2)
}
