// Command load runs kubemem's load test (package load): concurrent client-go clients of mixed verbs and open
// watches against a kubemem server on a loopback listener, then prints throughput, latency, watch delivery lag,
// goroutines and heap, and whether every watch received exactly the events it was owed. It exits 1 when the run
// failed (lost events, a leak, unexpected errors).
//
//	cd bench && go run ./cmd/load -duration 60s -clients 200 -watches 1000
//
// Progress goes to standard error, the report to standard output.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"github.com/kubemem/kubemem/bench/load"
)

func main() {
	var cfg load.Config
	flag.DurationVar(&cfg.Duration, "duration", 0, "how long the clients run (default 3s)")
	flag.IntVar(&cfg.Clients, "clients", 0, "concurrent clients (default 20)")
	flag.IntVar(&cfg.Watches, "watches", 0, "watches open at once (default 100)")
	flag.IntVar(&cfg.Namespaces, "namespaces", 0, "namespaces (default 5)")
	flag.IntVar(&cfg.Names, "names", 0, "object names per resource and namespace (default 100)")
	flag.DurationVar(&cfg.WatchTimeout, "watch-timeout", 0, "mean timeoutSeconds of a watch stream (default duration/4 within [1s, 30s])")
	flag.DurationVar(&cfg.SettleTimeout, "settle-timeout", 0, "bound on set-up and on the watches' catching up (default 1m)")
	flag.Uint64Var(&cfg.Seed, "seed", 0, "seed of the clients' and watches' choices (default 1)")
	quiet := flag.Bool("q", false, "no progress on standard error")
	flag.Parse()
	if !*quiet {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := load.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Print(rep)
	if failures := rep.Failures(); len(failures) > 0 {
		for _, f := range failures {
			fmt.Fprintln(os.Stderr, "FAIL:", f)
		}
		os.Exit(1)
	}
}
