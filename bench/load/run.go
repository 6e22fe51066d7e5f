package load

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// Run runs the load cfg describes against a fresh kubemem server on a loopback listener and returns its report. The
// error is for a run that could not be carried out (bad Config, a server that does not start, watches that never
// open); what the run found wrong is in Report.Failures. Run measures the process's goroutines and heap, so run
// nothing else in the process at the same time.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := warmUp(ctx); err != nil {
		return nil, fmt.Errorf("load: warm-up: %w", err)
	}
	rep := &Report{Config: cfg}
	rep.GoroutinesBefore, rep.HeapBefore = settledUsage()
	if err := run(ctx, cfg, rep); err != nil {
		return nil, err
	}
	// Everything is closed: the goroutines must return to the baseline, give or take GoroutineSlack.
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep.GoroutinesAfter, rep.HeapAfter = settledUsage()
		if rep.GoroutinesAfter <= rep.GoroutinesBefore+cfg.GoroutineSlack || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rep.GoroutinesAfter > rep.GoroutinesBefore+cfg.GoroutineSlack {
		var b strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
		rep.GoroutineDump = b.String()
	}
	return rep, nil
}

// settledUsage returns the number of goroutines and the live heap after two garbage collections.
func settledUsage() (goroutines int, heap uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}

// warmUp makes one request of each kind against a throwaway server, so that process-wide state built on first use
// (client-go's and the server's lazily built tables) is not counted as the run's heap or goroutines.
func warmUp(ctx context.Context) error {
	cfg := Config{Clients: 1, Watches: 1, Namespaces: 1, Names: 1}
	cfg, _ = cfg.withDefaults()
	e, err := newEnv(cfg)
	if err != nil {
		return err
	}
	defer e.close()
	if err := e.createNamespaces(ctx); err != nil {
		return err
	}
	st := &stats{}
	c := e.newClient(0, st)
	c.create(ctx, configMaps)
	c.create(ctx, pods)
	c.updateConfigMap(ctx)
	c.list(ctx, configMaps)
	w := e.newWatcher(0, selection{res: configMaps, ns: 0, shards: 1, name: -1, labelSelector: "app=load"}, startInitialEvents, st)
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	w.run(wctx, func() {})
	if st.errCount > 0 {
		return errors.New(st.errors[0])
	}
	return nil
}

// run is the run between the two measurements of Run: everything it starts, it ends.
func run(ctx context.Context, cfg Config, rep *Report) error {
	logger := cfg.Logger
	e, err := newEnv(cfg)
	if err != nil {
		return err
	}
	defer e.close()
	sampler := startSampler()
	defer func() { rep.GoroutinesPeak, rep.HeapPeak = sampler.stop() }()

	setupCtx, cancelSetup := context.WithTimeout(ctx, cfg.SettleTimeout)
	defer cancelSetup()
	if err := e.createNamespaces(setupCtx); err != nil {
		return err
	}
	seedStats := &stats{}
	seedFrom, err := e.revision(setupCtx)
	if err != nil {
		return err
	}
	e.seed(setupCtx, seedStats)
	seedTo, err := e.revision(setupCtx)
	if err != nil {
		return err
	}
	if seedStats.errCount > 0 {
		return fmt.Errorf("load: seeding: %d errors, the first: %s", seedStats.errCount, seedStats.errors[0])
	}
	logger.Info("seeded", "namespaces", cfg.Namespaces, "revisions", seedTo-seedFrom)

	// Open every watch and wait until each one's start is known.
	st := &stats{}
	watchCtx, stopWatches := context.WithCancel(context.WithoutCancel(ctx))
	watchers := make([]*watcher, cfg.Watches)
	var established, watching sync.WaitGroup
	defer func() { stopWatches(); watching.Wait() }()
	for id := range watchers {
		sel, mode, from, err := e.planWatch(id, seedFrom, seedTo)
		if err != nil {
			return err
		}
		w := e.newWatcher(id, sel, mode, st)
		w.from = from
		watchers[id] = w
		established.Add(1)
		watching.Go(func() { w.run(watchCtx, established.Done) })
	}
	if !waitGroupWithin(&established, setupCtx) {
		return fmt.Errorf("load: %d watches not open after %s", cfg.Watches, cfg.SettleTimeout)
	}
	logger.Info("watches open", "watches", cfg.Watches)

	// The load: Clients clients for Duration.
	startCounts := st.requests()
	before := sampleRuntime()
	stop := make(chan struct{})
	var clients sync.WaitGroup
	start := time.Now()
	for id := range cfg.Clients {
		c := e.newClient(id, st)
		clients.Go(func() { c.run(context.WithoutCancel(ctx), stop) })
	}
	select {
	case <-time.After(cfg.Duration):
	case <-ctx.Done():
	}
	close(stop)
	clients.Wait()
	stopped := time.Now()
	rep.Elapsed = stopped.Sub(start)
	rep.Runtime = usageBetween(before, sampleRuntime())
	rep.Requests = st.requests() - startCounts
	logger.Info("clients stopped", "requests", rep.Requests, "elapsed", rep.Elapsed)

	// The committed history: the log, and the revisions of the ConfigMap deletes.
	cancelSetup()
	checkCtx := context.WithoutCancel(ctx) // the check reads the server in-process, with no bound but its work
	to, err := e.revision(checkCtx)
	if err != nil {
		return err
	}
	res, err := resolveDeletes(checkCtx, e.log, serverLister(e.srv), seedFrom, to)
	if err != nil {
		return err
	}
	h := buildHistory(e.log)
	rep.ForeignRevisions, rep.PodsLeftMarked, rep.HistoryProblems = res.foreign, res.leftMarked, append(res.problems, h.problems...)

	// Quiescence: every watch must receive what it is owed.
	owed := make([][]event, len(watchers))
	for i, w := range watchers {
		owed[i] = h.expected(&w.sel, w.start)
	}
	waitFrom := time.Now()
	for !caughtUp(watchers, owed) && time.Since(waitFrom) < cfg.SettleTimeout && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	_, rep.HeapLoaded = settledUsage()
	stopWatches()
	watching.Wait()
	rep.fill(st, h, watchers, owed)
	rep.CatchUp = catchUp(e.log, stopped, watchers, owed)
	logger.Info("watches stopped", "catch-up", rep.CatchUp, "lost", rep.Lost)
	return nil
}

// caughtUp reports whether every watcher has seen the resourceVersion of the last event it is owed.
func caughtUp(watchers []*watcher, owed [][]event) bool {
	for i, w := range watchers {
		if n := len(owed[i]); n > 0 && w.lastRV.Load() < owed[i][n-1].rv() {
			return false
		}
	}
	return true
}

// catchUp returns how long after stopped the last watch received the last event it is owed (zero if all had them
// by then).
func catchUp(l *writeLog, stopped time.Time, watchers []*watcher, owed [][]event) time.Duration {
	last := l.since(stopped)
	for i, w := range watchers {
		if len(owed[i]) == 0 {
			continue
		}
		want := owed[i][len(owed[i])-1]
		for j := len(w.events) - 1; j >= 0; j-- {
			if w.events[j] == want {
				last = max(last, int64(w.received[j])*int64(time.Microsecond))
				break
			}
		}
	}
	return time.Duration(last - l.since(stopped))
}

// waitGroupWithin waits for wg until ctx is done, and reports whether wg finished.
func waitGroupWithin(wg *sync.WaitGroup, ctx context.Context) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// sampler records the peak goroutine count and heap while a run goes on.
type sampler struct {
	done       chan struct{}
	finished   chan struct{}
	goroutines int
	heap       uint64
}

func startSampler() *sampler {
	s := &sampler{done: make(chan struct{}), finished: make(chan struct{})}
	go func() {
		defer close(s.finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			s.goroutines = max(s.goroutines, runtime.NumGoroutine())
			runtime.ReadMemStats(&ms)
			s.heap = max(s.heap, ms.HeapAlloc)
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peaks.
func (s *sampler) stop() (goroutines int, heap uint64) {
	close(s.done)
	<-s.finished
	return s.goroutines, s.heap
}
