package load

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"
)

// Config is the shape of one load run. Its zero value is the short run `go test` makes: 3 s, 20 clients, 100
// watches. Every field's zero value means its default.
type Config struct {
	// Duration is how long the clients write, read and list: less than an hour. Default 3 s.
	Duration time.Duration
	// Clients is the number of concurrent clients, each issuing one request at a time. Default 20.
	Clients int
	// Watches is the number of watches open at once for the whole run. Default 100.
	Watches int
	// Namespaces is the number of namespaces the load spreads over (at most 127). Default 5.
	Namespaces int
	// Names is the number of distinct object names per resource and namespace: creates of a taken name and
	// writes of a missing one are refused, as contending clients are. Default 100.
	Names int
	// Shards is the number of values of the label "shard" (at most 32) that writes move objects between and
	// watches select on. Default 4.
	Shards int
	// WatchTimeout is the mean timeoutSeconds a watch stream asks for (each stream draws from [½, 1½) of it, at
	// least a second); when a stream ends its watch resumes from the last resourceVersion it saw. Default a quarter
	// of Duration, within [1 s, 30 s].
	WatchTimeout time.Duration
	// SettleTimeout bounds the wait, after the clients stop, for every watch to receive the events it is owed,
	// and the set-up (namespaces, seed objects, opening the watches). Default 1 min.
	SettleTimeout time.Duration
	// GoroutineSlack is how many goroutines more than before the run may remain once it is over. Default 2.
	GoroutineSlack int
	// HeapSlack is how many bytes the live heap may grow from before the run to after it. Default 16 MiB: the
	// runtime keeps the descriptors of exited goroutines for reuse, a few hundred bytes for each of the peak's.
	HeapSlack uint64
	// Seed makes the clients' and watches' choices reproducible (the server's timing does not). Default 1.
	Seed uint64
	// Logger, if set, receives the run's progress.
	Logger *slog.Logger

	// dropEvent, for the tests that show the check is not vacuous: when positive, every watch discards the
	// dropEvent-th change event it receives.
	dropEvent int
}

// Environment variables ConfigFromEnv reads.
const (
	EnvDuration   = "KUBEMEM_LOAD_DURATION"      // Config.Duration, e.g. 60s
	EnvClients    = "KUBEMEM_LOAD_CLIENTS"       // Config.Clients
	EnvWatches    = "KUBEMEM_LOAD_WATCHES"       // Config.Watches
	EnvNamespaces = "KUBEMEM_LOAD_NAMESPACES"    // Config.Namespaces
	EnvNames      = "KUBEMEM_LOAD_NAMES"         // Config.Names
	EnvTimeout    = "KUBEMEM_LOAD_WATCH_TIMEOUT" // Config.WatchTimeout
	EnvSeed       = "KUBEMEM_LOAD_SEED"          // Config.Seed
)

// ConfigFromEnv returns cfg with the fields overridden by the environment variables that are set (Env*), or the
// first malformed one's error.
func ConfigFromEnv(cfg Config) (Config, error) {
	durations := []struct {
		env string
		dst *time.Duration
	}{{EnvDuration, &cfg.Duration}, {EnvTimeout, &cfg.WatchTimeout}}
	for _, d := range durations {
		if v := os.Getenv(d.env); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", d.env, err)
			}
			*d.dst = x
		}
	}
	ints := []struct {
		env string
		dst *int
	}{{EnvClients, &cfg.Clients}, {EnvWatches, &cfg.Watches}, {EnvNamespaces, &cfg.Namespaces}, {EnvNames, &cfg.Names}}
	for _, n := range ints {
		if v := os.Getenv(n.env); v != "" {
			x, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", n.env, err)
			}
			*n.dst = x
		}
	}
	if v := os.Getenv(EnvSeed); v != "" {
		x, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return cfg, fmt.Errorf("%s: %w", EnvSeed, err)
		}
		cfg.Seed = x
	}
	return cfg, nil
}

// withDefaults returns c with every zero field set to its default, or an error for a value out of range.
func (c Config) withDefaults() (Config, error) {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	defDur := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	defDur(&c.Duration, 3*time.Second)
	def(&c.Clients, 20)
	def(&c.Watches, 100)
	def(&c.Namespaces, 5)
	def(&c.Names, 100)
	def(&c.Shards, 4)
	defDur(&c.WatchTimeout, min(max(c.Duration/4, time.Second), 30*time.Second))
	defDur(&c.SettleTimeout, time.Minute)
	def(&c.GoroutineSlack, 2)
	if c.HeapSlack == 0 {
		c.HeapSlack = 16 << 20
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.Duration < 0 || c.WatchTimeout < 0 || c.SettleTimeout < 0:
		return c, fmt.Errorf("load: negative duration in %+v", c)
	case c.Duration >= time.Hour:
		return c, fmt.Errorf("load: Duration %s not below an hour", c.Duration) // watcher.received holds µs in 32 bits
	case c.Clients < 0 || c.Watches < 0 || c.GoroutineSlack < 0:
		return c, fmt.Errorf("load: negative count in %+v", c)
	case c.Namespaces < 1 || c.Namespaces >= maxNamespaces:
		return c, fmt.Errorf("load: Namespaces %d not in [1, %d)", c.Namespaces, maxNamespaces)
	case c.Names < 1 || c.Names >= maxNames:
		return c, fmt.Errorf("load: Names %d not in [1, %d)", c.Names, maxNames)
	case c.Shards < 1 || c.Shards > 32:
		return c, fmt.Errorf("load: Shards %d not in [1, 32]", c.Shards)
	}
	return c, nil
}
