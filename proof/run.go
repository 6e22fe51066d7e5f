package proof

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/clock"
)

// Backends says which face of the API a run's clients and watchers use.
type Backends string

// The backends.
const (
	// GoAPI runs everything through apiserver.ResourceClient.
	GoAPI Backends = "go"
	// HTTP runs everything as JSON HTTP requests against Server.Handler on a loopback httptest server.
	HTTP Backends = "http"
	// Mixed alternates: even clients and watchers use the Go API, odd ones HTTP.
	Mixed Backends = "mixed"
)

// Faults are the faults a run injects.
type Faults struct {
	// WatchCuts makes watchers close streams mid-way and resume from the last resourceVersion they saw.
	WatchCuts bool
	// SlowWatchers is how many watchers consume slowly; with a small BufferSize their buffers overflow and the
	// server terminates them (K-2).
	SlowWatchers int
	// BufferSize is the server's per-watcher buffer (apiserver.Options.WatchBufferSize); zero keeps the default.
	BufferSize int
	// WatchTimeouts makes watchers ask for short timeoutSeconds.
	WatchTimeouts bool
	// Compaction compacts the history every few milliseconds, to just below the current revision, racing with watch
	// resumptions, paged lists and Exact lists (410 then relist).
	Compaction bool
	// Disconnects makes HTTP clients give up on a fifth of their requests mid-flight.
	Disconnects bool
	// Shutdown closes the server halfway through the traffic, with watches open.
	Shutdown bool
}

// Config is one run: a fresh server, concurrent clients and watchers, then the checks.
type Config struct {
	// Name names the run in reports and visualisation files.
	Name string
	// Seed seeds every random choice of the run: operations, values, watchers' selectors and starts, faults. The
	// interleaving is the scheduler's, so a seed fixes the workload, not the history.
	Seed uint64
	// Backends says which API face the clients and watchers use.
	Backends Backends
	// Clients is the number of concurrent traffic clients, each issuing OpsPerClient operations.
	Clients, OpsPerClient int
	// Keys is the number of ConfigMap names (at most 8).
	Keys int
	// Watchers is the number of concurrent watchers.
	Watchers int
	// Resumes is how many delivered resourceVersions are picked at the end to check that a new watch from each
	// yields exactly the remainder.
	Resumes int
	// Faults are the faults to inject.
	Faults Faults
	// CheckTimeout bounds porcupine's search; a search that times out counts as a violation.
	CheckTimeout time.Duration
	// OutDir is where a failing history's visualisation is written; empty means a new directory under the system's
	// temporary directory.
	OutDir string

	// wrap, when set, wraps the backends the clients and watchers use (not the historian's): the checkers' own
	// tests corrupt answers and streams through it to show that the checks catch them.
	wrap func(backend) backend
}

// counters count the faults that fired.
type counters struct {
	cuts, serverEnded, watchExpired, continueExpired, exactExpired, relists, disconnects, compactions atomic.Int64
	openStreams                                                                                       atomic.Int64
}

// run is the shared state of one run.
type run struct {
	cfg      Config
	srv      *apiserver.Server
	rec      *recorder
	counters counters
	opsDone  atomic.Int64
	// closing is set just before the server is closed (Faults.Shutdown).
	closing atomic.Bool
	// target is the final revision, set when the traffic is over; watchers stop once they have seen it.
	target atomic.Int64
}

// Run runs one configuration and checks it. The error is for a run that could not be set up or finished; what the
// checks found is in the Report's Violations.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Keys <= 0 || cfg.Keys > maxKeys {
		return nil, fmt.Errorf("proof: Keys must be in [1, %d]", maxKeys)
	}
	if cfg.CheckTimeout <= 0 {
		cfg.CheckTimeout = time.Minute
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed))
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv, err := apiserver.New(apiserver.Options{
		Clock:           clk,
		Rand:            rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())),
		Retention:       -1, // compaction is the run's own fault
		WatchBufferSize: cfg.Faults.BufferSize,
	})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	r := &run{cfg: cfg, srv: srv, rec: newRecorder()}
	// Traffic and watches go to two HTTP servers on one handler, so that closing the traffic server (which waits for
	// its handlers) settles every request of a client that gave up, while watches go on.
	mw := newFaultMiddleware(srv.Handler(apiserver.HandlerOptions{}), r.rec.now)
	trafficServer, watchServer := httptest.NewServer(mw), httptest.NewServer(mw)
	defer trafficServer.Close()
	defer watchServer.Close()
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	defer transport.CloseIdleConnections()
	httpClient := &http.Client{Transport: transport}
	goB := newGoBackend(srv)
	httpTraffic, httpWatch := newHTTPBackend(httpClient, trafficServer.URL), newHTTPBackend(httpClient, watchServer.URL)
	useHTTP := func(i int) bool { return cfg.Backends == HTTP || cfg.Backends == Mixed && i%2 == 1 }
	var goClients, httpTrafficClients, httpWatchClients backend = goB, httpTraffic, httpWatch
	if cfg.wrap != nil {
		goClients, httpTrafficClients, httpWatchClients = cfg.wrap(goB), cfg.wrap(httpTraffic), cfg.wrap(httpWatch)
	}

	rev0 := srv.Revision()
	hist := newHistorian(goB, rev0)

	stopClock := runClock(clk)
	defer stopClock()

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()

	// Watchers.
	watchers := make([]*watcher, cfg.Watchers)
	var watchWG sync.WaitGroup
	for i := range watchers {
		wc := watcherConfig{
			Selector:      pick(rng, "", "", "team=a", "team=b"),
			Start:         pick(rng, int64(-1), int64(-2), int64(-2), int64(0), rev0),
			Cuts:          cfg.Faults.WatchCuts,
			Slow:          i < cfg.Faults.SlowWatchers,
			ShortTimeouts: cfg.Faults.WatchTimeouts && i%2 == 0,
		}
		b := goClients
		if useHTTP(i) {
			b = httpWatchClients
		}
		watchers[i] = &watcher{id: cfg.Clients + i, b: b, rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(i))), run: r, cfg: wc}
	}
	for _, w := range watchers {
		watchWG.Add(1)
		go func() { defer watchWG.Done(); w.loop(runCtx) }()
	}

	// Compaction and shutdown.
	var faultWG sync.WaitGroup
	faultCtx, stopFaults := context.WithCancel(runCtx)
	defer stopFaults()
	var compactErr error
	if cfg.Faults.Compaction {
		crng := rand.New(rand.NewPCG(rng.Uint64(), 1))
		faultWG.Add(1)
		go func() { defer faultWG.Done(); compactErr = r.compactLoop(faultCtx, hist, crng) }()
	}
	if cfg.Faults.Shutdown {
		faultWG.Add(1)
		go func() { defer faultWG.Done(); r.shutdownHalfway(faultCtx) }()
	}

	// Traffic.
	var clientWG sync.WaitGroup
	for i := range cfg.Clients {
		b := goClients
		if useHTTP(i) {
			b = httpTrafficClients
		}
		c := &trafficClient{id: i, b: b, rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(i))), run: r}
		clientWG.Add(1)
		go func() { defer clientWG.Done(); c.runOps(runCtx, cfg.OpsPerClient) }()
	}
	clientWG.Wait()
	stopFaults()
	faultWG.Wait()
	if compactErr != nil {
		return nil, compactErr
	}
	trafficServer.Close() // every request a client gave up on has run its course: no write commits after this

	// Let every watcher reach the final revision.
	final := srv.Revision()
	r.target.Store(final)
	if !waitGroupTimeout(&watchWG, 30*time.Second) {
		cancelRun()
		watchWG.Wait()
	}

	// Resumption: a new watch from a delivered resourceVersion yields exactly the remainder.
	var verifiers []*watcher
	if !cfg.Faults.Shutdown {
		verifiers = pickResumes(rng, watchers, cfg.Resumes, r)
		var vwg sync.WaitGroup
		for _, v := range verifiers {
			vwg.Add(1)
			go func() { defer vwg.Done(); v.loop(runCtx) }()
		}
		if !waitGroupTimeout(&vwg, 30*time.Second) {
			cancelRun()
			vwg.Wait()
		}
	}

	cancelRun()
	watchServer.Close()
	srv.Close()
	if err := hist.extendTo(ctx, final); err != nil {
		return nil, err
	}
	return r.check(hist, mw, watchers, verifiers, rev0, final)
}

// runClock makes the fake clock run at a second per millisecond, so that bookmarks (every minute) arrive every
// ~60ms, slow-watcher budgets expire at the next tick, and short watch timeouts end streams within tens of
// milliseconds. It returns the function that stops it.
func runClock(clk *clock.Fake) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				clk.Step(time.Second)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// compactLoop compacts every few milliseconds to just below the current revision, after the historian has read
// the revisions compaction discards, until ctx ends.
func (r *run) compactLoop(ctx context.Context, hist *historian, rng *rand.Rand) error {
	for ctx.Err() == nil {
		time.Sleep(time.Duration(1+rng.IntN(4)) * time.Millisecond)
		c := r.srv.Revision() - int64(rng.IntN(4))
		if c <= r.srv.CompactedRevision() {
			continue
		}
		if err := hist.extendTo(ctx, c); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		r.srv.Compact(c)
		r.counters.compactions.Add(1)
	}
	return nil
}

// shutdownHalfway closes the server once half the traffic is done and every watcher has a stream open.
func (r *run) shutdownHalfway(ctx context.Context) {
	total := int64(r.cfg.Clients * r.cfg.OpsPerClient)
	deadline := time.Now().Add(10 * time.Second)
	for ctx.Err() == nil && (r.opsDone.Load() < total/2 ||
		r.counters.openStreams.Load() < int64(r.cfg.Watchers) && time.Now().Before(deadline)) {
		time.Sleep(200 * time.Microsecond)
	}
	r.closing.Store(true)
	r.srv.Close()
}

// pickResumes picks delivered resourceVersions (events and bookmarks after any initial events) and returns a
// verifying watcher for each, on the same backend and selector as the stream that delivered it.
func pickResumes(rng *rand.Rand, watchers []*watcher, n int, r *run) []*watcher {
	type candidate struct {
		w  *watcher
		rv int64
	}
	var cands []candidate
	for _, w := range watchers {
		for _, s := range w.streams {
			initial := s.Opts.RV <= 0
			for _, ev := range s.Events {
				if initial {
					initial = !ev.InitialEnd
					continue
				}
				if ev.Type != "ERROR" {
					cands = append(cands, candidate{w, ev.Obj.RV})
				}
			}
		}
	}
	var res []*watcher
	for i := 0; i < n && len(cands) > 0; i++ {
		c := cands[rng.IntN(len(cands))]
		res = append(res, &watcher{
			id: c.w.id, b: c.w.b, rng: rand.New(rand.NewPCG(rng.Uint64(), 7)), run: r,
			cfg: watcherConfig{Selector: c.w.cfg.Selector, Start: c.rv, Verify: true},
		})
	}
	return res
}

func waitGroupTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// check runs every checker over the finished run.
func (r *run) check(hist *historian, mw *faultMiddleware, watchers, verifiers []*watcher, rev0, final int64) (*Report, error) {
	rep := &Report{
		Cuts: int(r.counters.cuts.Load()), ServerEnded: int(r.counters.serverEnded.Load()),
		WatchExpired: int(r.counters.watchExpired.Load()), ContinueExpired: int(r.counters.continueExpired.Load()),
		ExactExpired: int(r.counters.exactExpired.Load()), Relists: int(r.counters.relists.Load()),
		Disconnects: int(r.counters.disconnects.Load()), Compactions: int(r.counters.compactions.Load()),
	}
	rec := r.rec
	rep.Violations = append(rep.Violations, rec.problems...)
	hist.mu.Lock()
	rep.Violations = append(rep.Violations, hist.problems...)
	rep.Revisions = len(hist.changes)
	hist.mu.Unlock()

	// An unknown outcome may have taken effect until its last request's handler returned.
	for i := range rec.ops {
		op := &rec.ops[i]
		if op.Out.Outcome != outUnknown {
			continue
		}
		rep.Unknown++
		for _, id := range op.ReqIDs {
			if t, ok := mw.end(id); ok && t > op.Return {
				op.Return = t
			}
		}
	}
	sort.SliceStable(rec.ops, func(i, j int) bool { return rec.ops[i].Call < rec.ops[j].Call })

	// 1. Linearizability.
	checkStart := time.Now()
	name := fmt.Sprintf("%s-seed%d", r.cfg.Name, r.cfg.Seed)
	hist.mu.Lock()
	foreign := slices.Clone(hist.foreign)
	hist.mu.Unlock()
	rep.Foreign = len(foreign)
	res, path, err := checkLinearizable(rec.ops, rev0, modelOptions{foreign: foreign}, r.cfg.CheckTimeout, r.cfg.OutDir, name)
	if err != nil {
		return nil, err
	}

	rep.CheckTime = time.Since(checkStart)
	rep.Histories = 1
	rep.Operations = len(porcupineOps(rec.ops))
	if res != porcupine.Ok {
		rep.Visualization = path
		rep.Violations = append(rep.Violations, fmt.Sprintf("the history of %d operations is not linearizable (porcupine: %s); visualisation: %s", rep.Operations, res, path))
	}

	// 2. Acknowledged writes against the committed history, and the final state.
	rep.Violations = append(rep.Violations, checkCommitted(hist, rec)...)
	finalList, err := newGoBackend(r.srv).list(context.Background(), listOpts{})
	if err != nil {
		return nil, err
	}
	if st, _ := hist.stateAt(final); finalList.RV != final || !slices.Equal(finalList.Items, st.items()) {
		rep.Violations = append(rep.Violations, fmt.Sprintf("after the run the server lists %v at %d; the committed history ends with %v at %d", finalList.Items, finalList.RV, st.items(), final))
	}

	// 3. Watch guarantees.
	checkWatcher := func(w *watcher) {
		for i, s := range w.streams {
			c := checkStream(hist, s, final)
			rep.Streams++
			rep.Events += c.events
			rep.Violations = append(rep.Violations, c.problems...)
			if len(c.problems) > 0 {
				path, err := saveStream(r.cfg.OutDir, fmt.Sprintf("%s-seed%d-watcher%d-stream%d", r.cfg.Name, r.cfg.Seed, w.id, i), s, hist, final)
				if err != nil {
					rep.Violations = append(rep.Violations, fmt.Sprintf("saving the stream: %v", err))
				} else {
					rep.Violations = append(rep.Violations, "the stream and its expected events: "+path)
				}
			}
		}
		if !w.done && !r.cfg.Faults.Shutdown && !(w.cfg.Verify && w.stopped == "expired") {
			rep.Violations = append(rep.Violations, fmt.Sprintf("watcher %d (%s, selector %q) did not see revision %d: %s, last resourceVersion %d", w.id, w.b.name(), w.cfg.Selector, final, w.stopped, w.lastRV))
		}
	}
	for _, w := range watchers {
		checkWatcher(w)
	}
	for _, v := range verifiers {
		rep.Resumes++
		if v.stopped == "expired" {
			// The first stream must have been a 410 for a compacted resourceVersion (checked with the stream).
			if len(v.streams) == 0 || v.streams[0].End != endError {
				rep.Violations = append(rep.Violations, fmt.Sprintf("resumption check from %d stopped without a 410", v.cfg.Start))
			}
		}
		checkWatcher(v)
	}
	return rep, nil
}
