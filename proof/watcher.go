package proof

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// endKind is how a watch stream ended.
type endKind uint8

const (
	endOpen   endKind = iota // still open (a bug in the run)
	endEOF                   // the server ended it cleanly: timeout, slow watcher, shutdown (X-4, K-2)
	endCut                   // the client closed it mid-stream (a fault) or gave up waiting
	endDone                  // the client had everything up to the target revision and closed it
	endError                 // an ERROR event ended it
	endBroken                // it broke: a decode error or a connection cut the client did not cause
)

var endNames = [...]string{"open", "EOF", "cut", "done", "ERROR", "broken"}

func (e endKind) String() string { return endNames[e] }

// recordedEvent is a delivered event and the server's revision right after it arrived, which a bookmark may not
// exceed.
type recordedEvent struct {
	wireEvent
	StoreRev int64
}

// streamRecord is one watch stream as a client saw it.
type streamRecord struct {
	Watcher int
	Backend string
	Opts    watchOpts
	Events  []recordedEvent
	End     endKind
	Err     string
	// Floor is the compaction floor read right after a 410 ERROR event.
	Floor int64
}

// watcherConfig says how a watcher behaves.
type watcherConfig struct {
	Selector string
	// Start is the first stream's resourceVersion: -1 (unset) or 0 for the current state first,
	// -2 for list then watch (the informer pattern, C-1/C-2), or a revision to replay from.
	Start int64
	// Cuts makes the watcher close streams mid-way and resume from the last resourceVersion it saw.
	Cuts bool
	// Slow makes it sleep on every event, so that a small buffer overflows and the server terminates it (K-2).
	Slow bool
	// ShortTimeouts asks for timeoutSeconds of a few (fake) seconds, so streams end by timeout.
	ShortTimeouts bool
	// Verify marks a resumption check: it starts at Start and must not relist.
	Verify bool
}

// watcher follows the namespace across streams the way a reflector does: resume from the last delivered
// resourceVersion (events and bookmarks, C-3, C-4), relist after 410 (C-5), retry an initial-events stream that
// ended before its bookmark (C-6), until it has seen the run's final revision.
type watcher struct {
	id  int // its porcupine client id, for its lists
	b   backend
	rng *rand.Rand
	run *run
	cfg watcherConfig

	streams []*streamRecord
	lastRV  int64
	done    bool   // reached the target revision
	stopped string // why it stopped otherwise
}

// loop runs until the watcher has seen the target revision, the server closed, or ctx ended.
func (w *watcher) loop(ctx context.Context) {
	resume := w.cfg.Start
	for {
		if t := w.run.target.Load(); t > 0 && w.lastRV >= t && resume >= 0 {
			w.done = true
			return
		}
		if ctx.Err() != nil {
			w.stopped = "context ended"
			return
		}
		if resume == -2 {
			rv, err := w.relist(ctx)
			if err != nil {
				if w.run.closing.Load() || ctx.Err() != nil {
					w.stopped = "relist failed: " + err.Error()
					return
				}
				if types.IsResourceExpired(err) {
					continue // a continue token compacted away (recorded): list again (P-7)
				}
				w.run.rec.problem(fmt.Sprintf("watcher %d: relist: %v", w.id, err))
				w.stopped = "relist failed"
				return
			}
			resume, w.lastRV = rv, rv
		}
		next, err := w.stream(ctx, resume)
		if err != nil {
			if w.run.closing.Load() || ctx.Err() != nil {
				w.stopped = "watch failed: " + err.Error()
				return
			}
			w.run.rec.problem(fmt.Sprintf("watcher %d: watch from %d: %v", w.id, resume, err))
			w.stopped = "watch failed"
			return
		}
		if next == -2 && w.cfg.Verify {
			w.stopped = "expired"
			return
		}
		resume = next
	}
}

// relist lists the namespace (paged or not, recorded as a linearizable read) and returns its resourceVersion.
func (w *watcher) relist(ctx context.Context) (int64, error) {
	limit := int64(0)
	if w.rng.IntN(2) == 0 {
		limit = int64(1 + w.rng.IntN(3))
	}
	op := recordedOp{Client: w.id, Backend: w.b.name(), In: modelInput{Kind: opList, Limit: limit}}
	op.Call = w.run.rec.now()
	page, err := w.b.list(ctx, listOpts{Limit: limit})
	if err != nil {
		return 0, err
	}
	op.Return = w.run.rec.now()
	items := page.Items
	for page.Continue != "" {
		rv := page.RV
		page, err = w.b.list(ctx, listOpts{Limit: limit, Continue: page.Continue})
		if err != nil {
			if types.IsResourceExpired(err) {
				w.run.rec.addExpired(expiredContinue{SnapshotRV: rv, Floor: w.run.srv.CompactedRevision()})
				w.run.counters.continueExpired.Add(1)
			}
			return 0, err
		}
		if page.RV != rv {
			w.run.rec.problem(fmt.Sprintf("watcher %d: a page of a paged list reported resourceVersion %d, the first %d (P-2)", w.id, page.RV, rv))
		}
		items = append(items, page.Items...)
	}
	op.Out = modelOutput{Outcome: outOK, ListRV: page.RV, Items: items}
	w.run.rec.add(op)
	w.run.counters.relists.Add(1)
	return page.RV, nil
}

// stream runs one watch stream from rv (-1 or 0: current state first) and returns where to resume: a
// resourceVersion, -1 for a new initial-events stream, or -2 to relist.
func (w *watcher) stream(ctx context.Context, rv int64) (int64, error) {
	opts := watchOpts{RV: rv, Selector: w.cfg.Selector, Bookmarks: true}
	switch {
	case w.cfg.ShortTimeouts:
		opts.TimeoutSeconds = int64(5 + w.rng.IntN(60))
	case w.b.name() == "http":
		opts.TimeoutSeconds = 1 << 30 // instead of a random 30-60 minutes of the fake clock, which runs fast
	}
	s, err := w.b.watch(ctx, opts)
	if err != nil {
		return 0, err
	}
	rec := &streamRecord{Watcher: w.id, Backend: w.b.name(), Opts: opts}
	w.streams = append(w.streams, rec)
	w.run.counters.openStreams.Add(1)
	defer w.run.counters.openStreams.Add(-1)
	defer s.Close()

	cutAfter := -1
	if w.cfg.Cuts && w.rng.IntN(2) == 0 {
		cutAfter = 1 + w.rng.IntN(30)
	}
	initial := rv <= 0
	resume := rv
	if initial {
		resume = -1
	}
	for {
		ev, err := s.Next()
		if err != nil {
			switch {
			case errors.Is(err, io.EOF):
				rec.End = endEOF
				w.run.counters.serverEnded.Add(1)
			case ctx.Err() != nil:
				rec.End, rec.Err = endCut, "context ended"
			default:
				rec.End, rec.Err = endBroken, err.Error()
			}
			return resume, nil
		}
		rec.Events = append(rec.Events, recordedEvent{wireEvent: ev, StoreRev: w.run.srv.Revision()})
		switch ev.Type {
		case string(watch.Error):
			rec.End = endError
			if ev.Status != nil && ev.Status.Reason == types.StatusReasonExpired {
				rec.Floor = w.run.srv.CompactedRevision()
				w.run.counters.watchExpired.Add(1)
			}
			return -2, nil
		case string(watch.Bookmark):
			if initial {
				if ev.InitialEnd {
					initial = false
					resume, w.lastRV = ev.Obj.RV, ev.Obj.RV
				}
			} else {
				resume, w.lastRV = ev.Obj.RV, ev.Obj.RV
			}
		default:
			if !initial {
				resume, w.lastRV = ev.Obj.RV, ev.Obj.RV
			}
		}
		if t := w.run.target.Load(); t > 0 && !initial && w.lastRV >= t {
			rec.End = endDone
			return resume, nil
		}
		if cutAfter >= 0 && len(rec.Events) >= cutAfter {
			rec.End = endCut
			w.run.counters.cuts.Add(1)
			return resume, nil
		}
		if w.cfg.Slow {
			time.Sleep(time.Duration(300+w.rng.IntN(1500)) * time.Microsecond)
		}
	}
}
