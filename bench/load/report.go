package load

import (
	"fmt"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what one run measured and found. Failures lists what makes it a failed run.
type Report struct {
	// Config is the run's configuration with the defaults filled in.
	Config Config
	// Elapsed is how long the clients ran; Requests how many requests were made meanwhile (clients' and
	// watches' list and watch requests), answered or not.
	Elapsed  time.Duration
	Requests int64
	// Verbs holds each verb's outcomes and latency over the whole run (watches' lists and stream opens during
	// set-up included; seeding excluded).
	Verbs []VerbReport
	// Conflicts is the number of updates answered 409 and retried after a new get.
	Conflicts int64
	// Errors counts unexpected errors (not 404 or 409); ErrorExamples holds the first few.
	Errors        int
	ErrorExamples []string

	// Watch streams: Streams opened, of which EarlyEnds ended by the server before their timeoutSeconds (slow
	// watchers, K-2), Restarts initial-events streams that ended before their bookmark, BrokenStreams streams
	// ended by an error event.
	Streams, EarlyEnds, Restarts, BrokenStreams int
	// EventsReceived counts the ADDED, MODIFIED and DELETED events received, initial events included;
	// EventsOwed the change events owed (initial ones excluded).
	EventsReceived, EventsOwed int64
	// LagP50, LagP99 and LagMax are the watch delivery lag: from the answer of a write to a watch's receipt of
	// its event, for writes sent after the watch opened. LagEarly of those events arrived before their write's
	// answer, and count as zero. SentLagP50 and SentLagP99 measure from the write's request instead.
	LagP50, LagP99, LagMax time.Duration
	LagEarly               int64
	SentLagP50, SentLagP99 time.Duration
	// CatchUp is the time from the clients' stop until every watch had received every event it was owed.
	CatchUp time.Duration

	// Watch verdict, summed over the watches: lost events (owed, not received), unexpected ones, events at an
	// owed resourceVersion but of another object or type, duplicates and out-of-order ones, with a few examples;
	// Problems are violations seen while receiving (a 410, a bookmark going back, an object of another kind).
	Lost, Unexpected, Mismatched, Duplicates, OutOfOrder int
	ViolationExamples                                    []string
	Problems                                             []string
	// HistoryProblems are writes the server acknowledged that cannot have happened (see buildHistory and
	// resolveDeletes). ForeignRevisions are the revisions no acknowledged write explains. PodsLeftMarked counts
	// pod deletes (grace period 0) answered with the pod marked but not removed: kubemem's delete gives the removal
	// up when another write changed the pod after the mark, where kube-apiserver's Store.Delete removes it anyway.
	HistoryProblems  []string
	ForeignRevisions []int64
	PodsLeftMarked   int

	// Goroutines and live heap (HeapAlloc after two collections): before the server started, peak during the
	// run (sampled, the heap without a collection), with the load done but the server and watches still up
	// (HeapLoaded), and after everything was closed. GoroutineDump holds the goroutines when they did not
	// return to the baseline.
	GoroutinesBefore, GoroutinesPeak, GoroutinesAfter int
	HeapBefore, HeapPeak, HeapLoaded, HeapAfter       uint64
	GoroutineDump                                     string

	// Runtime is what the process (server, clients and watches together) used while the clients ran: its CPU
	// time, against Elapsed × GOMAXPROCS when it had the machine to itself; how long runnable goroutines waited
	// to run; the collector's cycles and pauses.
	Runtime RuntimeUsage
}

// VerbReport is one verb's outcomes and latency.
type VerbReport struct {
	Verb string
	// OK, Refused and Failed count the requests answered with success; with 404 or 409 (the answers contending
	// clients expect: missing, already exists, conflict); and otherwise (including transport errors).
	OK, Refused, Failed int64
	// P50, P99 and Max are latencies, from the call of the client-go method to its return (a watch: to its
	// response's headers).
	P50, P99, Max time.Duration
}

// fill sets the report's measurements and verdict from the run's stats, history and watchers.
func (r *Report) fill(st *stats, h *history, watchers []*watcher, owed [][]event) {
	for v := range numVerbs {
		vs := &st.verbs[v]
		r.Verbs = append(r.Verbs, VerbReport{Verb: v.String(), OK: vs.ok.Load(), Refused: vs.refused.Load(), Failed: vs.failed.Load(),
			P50: vs.latency.Quantile(0.5), P99: vs.latency.Quantile(0.99), Max: vs.latency.Max()})
	}
	r.Conflicts = st.conflicts.Load()
	r.Errors, r.ErrorExamples = st.errCount, st.errors
	r.EventsReceived = st.events.Load()
	var fromAnswer, fromSent histogram
	var total verdict
	for i, w := range watchers {
		r.LagEarly += w.lags(h.log, &fromAnswer, &fromSent)
		r.Streams += w.streams
		r.EarlyEnds += w.early
		r.Restarts += w.restarts
		r.BrokenStreams += w.broken
		r.EventsOwed += int64(len(owed[i]))
		r.Problems = append(r.Problems, w.problems...)
		total.add(w.verdict(h, owed[i]))
	}
	r.Lost, r.Unexpected, r.Mismatched, r.Duplicates, r.OutOfOrder = total.Missing, total.Unexpected, total.Mismatched, total.Duplicates, total.OutOfOrder
	r.ViolationExamples = total.Examples
	r.LagP50, r.LagP99, r.LagMax = fromAnswer.Quantile(0.5), fromAnswer.Quantile(0.99), fromAnswer.Max()
	r.SentLagP50, r.SentLagP99 = fromSent.Quantile(0.5), fromSent.Quantile(0.99)
}

// lags records the delivery lag of every change event w received whose write was sent after w opened, from the
// write's answer and from its request, and returns how many arrived before the answer.
func (w *watcher) lags(l *writeLog, fromAnswer, fromSent *histogram) (early int64) {
	opened := l.since(w.opened)
	for i, e := range w.events {
		sent, answered, ok := l.times(e.rv())
		if !ok || sent < opened {
			continue
		}
		at := int64(w.received[i]) * int64(time.Microsecond)
		if at < answered {
			early++
		}
		fromAnswer.Record(time.Duration(at - answered))
		fromSent.Record(time.Duration(at - sent))
	}
	return early
}

// verdict compares what w received with what it is owed: its list's items or initial events with the state at
// its start, its change events with owed.
func (w *watcher) verdict(h *history, owed []event) verdict {
	name := fmt.Sprintf("watch %d (%s, %s from %d)", w.id, w.sel.describe(), w.mode, w.start)
	var v verdict
	if w.mode != startReplay {
		v.add(compareEvents(name+" initial", w.initial, h.stateAt(&w.sel, w.start), false))
	}
	v.add(compareEvents(name, w.events, owed, true))
	return v
}

// Failures returns what makes the run a failure: lost, unexpected or disordered events, watch problems,
// impossible acknowledged writes, unexpected errors, goroutines that did not return to the baseline and a live heap
// that grew by more than Config.HeapSlack. Empty for a good run.
func (r *Report) Failures() []string {
	var out []string
	if r.Lost+r.Unexpected+r.Mismatched+r.Duplicates+r.OutOfOrder > 0 {
		out = append(out, fmt.Sprintf("watch events: %d lost, %d unexpected, %d mismatched, %d duplicated, %d out of order; e.g. %s",
			r.Lost, r.Unexpected, r.Mismatched, r.Duplicates, r.OutOfOrder, strings.Join(r.ViolationExamples, "; ")))
	}
	for _, p := range r.Problems {
		out = append(out, "watch problem: "+p)
	}
	for _, p := range r.HistoryProblems {
		out = append(out, "history: "+p)
	}
	if len(r.ForeignRevisions) > 0 {
		out = append(out, fmt.Sprintf("%d revisions committed by no acknowledged write, e.g. %v",
			len(r.ForeignRevisions), r.ForeignRevisions[:min(len(r.ForeignRevisions), maxExamples)]))
	}
	if r.Errors > 0 {
		out = append(out, fmt.Sprintf("%d unexpected errors, e.g. %s", r.Errors, strings.Join(r.ErrorExamples, "; ")))
	}
	if r.GoroutinesAfter > r.GoroutinesBefore+r.Config.GoroutineSlack {
		out = append(out, fmt.Sprintf("goroutine leak: %d before, %d after (slack %d):\n%s",
			r.GoroutinesBefore, r.GoroutinesAfter, r.Config.GoroutineSlack, r.GoroutineDump))
	}
	if r.HeapAfter > r.HeapBefore+r.Config.HeapSlack {
		out = append(out, fmt.Sprintf("heap leak: live heap %s before, %s after (slack %s)",
			mib(r.HeapBefore), mib(r.HeapAfter), mib(r.Config.HeapSlack)))
	}
	return out
}

// String formats the report as a text summary with a table of the verbs.
func (r *Report) String() string {
	var b strings.Builder
	c := r.Config
	secs := r.Elapsed.Seconds()
	fmt.Fprintf(&b, "load: %d clients, %d watches, %d namespaces × %d names, %s (%s, GOMAXPROCS=%d)\n",
		c.Clients, c.Watches, c.Namespaces, c.Names, r.Elapsed.Round(time.Millisecond), runtime.Version(), runtime.GOMAXPROCS(0))
	var writes int64
	for _, v := range r.Verbs {
		switch v.Verb {
		case verbCreate.String(), verbUpdate.String(), verbMergePatch.String(), verbStrategicPatch.String(), verbDelete.String():
			writes += v.OK
		}
	}
	fmt.Fprintf(&b, "throughput: %.0f requests/s (%d requests), %.0f acknowledged writes/s, %d conflicts retried, %d unexpected errors\n",
		float64(r.Requests)/secs, r.Requests, float64(writes)/secs, r.Conflicts, r.Errors)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "verb\tok\trefused\tfailed\tp50\tp99\tmax\t")
	for _, v := range r.Verbs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t\n", v.Verb, v.OK, v.Refused, v.Failed, dur(v.P50), dur(v.P99), dur(v.Max))
	}
	_ = tw.Flush()
	fmt.Fprintf(&b, "watches: %d streams (%d ended early by the server, %d initial restarts, %d broken), %d events received (%.0f/s), %d change events owed\n",
		r.Streams, r.EarlyEnds, r.Restarts, r.BrokenStreams, r.EventsReceived, float64(r.EventsReceived)/secs, r.EventsOwed)
	fmt.Fprintf(&b, "delivery lag from the write's answer: p50 %s, p99 %s, max %s (%d events before their write's answer); from its request: p50 %s, p99 %s\n",
		dur(r.LagP50), dur(r.LagP99), dur(r.LagMax), r.LagEarly, dur(r.SentLagP50), dur(r.SentLagP99))
	fmt.Fprintf(&b, "caught up %s after the clients stopped; %d foreign revisions; %d pod deletes left the pod marked\n",
		dur(r.CatchUp), len(r.ForeignRevisions), r.PodsLeftMarked)
	fmt.Fprintf(&b, "events: %d lost, %d unexpected, %d mismatched, %d duplicated, %d out of order; %d watch problems, %d history problems\n",
		r.Lost, r.Unexpected, r.Mismatched, r.Duplicates, r.OutOfOrder, len(r.Problems), len(r.HistoryProblems))
	u := r.Runtime
	fmt.Fprintf(&b, "process while loaded: %.2f CPUs used of %d, goroutines waited to run p50 %s p99 %s, %d GC cycles (pauses p99 %s, total %s)\n",
		u.CPU.Seconds()/secs, runtime.GOMAXPROCS(0), dur(u.SchedP50), dur(u.SchedP99), u.GCCycles, dur(u.GCPauseP99), dur(u.GCPauses))
	fmt.Fprintf(&b, "goroutines: %d before, %d peak, %d after; live heap: %s before, %s peak, %s loaded, %s after\n",
		r.GoroutinesBefore, r.GoroutinesPeak, r.GoroutinesAfter, mib(r.HeapBefore), mib(r.HeapPeak), mib(r.HeapLoaded), mib(r.HeapAfter))
	return b.String()
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// dur rounds d to three significant digits.
func dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}
