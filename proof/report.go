package proof

import (
	"fmt"
	"time"
)

// Report is what a run checked and found.
type Report struct {
	Histories  int // histories checked by porcupine
	Operations int // operations in them
	Revisions  int // committed revisions checked against the clients' answers
	Foreign    int // revisions in which something other than the clients wrote outside the namespace
	Streams    int // watch streams checked
	Events     int // watch events compared with the committed history, bookmarks included
	Resumes    int // resumption checks (a new watch from a delivered resourceVersion)
	// CheckTime is the longest porcupine check.
	CheckTime time.Duration

	// Faults that fired.
	Cuts, ServerEnded, WatchExpired, ContinueExpired, ExactExpired, Relists, Disconnects, Unknown, Compactions int

	// Violations lists every property that failed, in words; empty when the run is correct.
	Violations []string
	// Visualization is the path of porcupine's HTML visualisation when the history was not linearizable.
	Visualization string
}

// Add adds o's figures to r.
func (r *Report) Add(o *Report) {
	r.Histories += o.Histories
	r.Operations += o.Operations
	r.Revisions += o.Revisions
	r.Foreign += o.Foreign
	r.Streams += o.Streams
	r.Events += o.Events
	r.Resumes += o.Resumes
	r.CheckTime = max(r.CheckTime, o.CheckTime)
	r.Cuts += o.Cuts
	r.ServerEnded += o.ServerEnded
	r.WatchExpired += o.WatchExpired
	r.ContinueExpired += o.ContinueExpired
	r.ExactExpired += o.ExactExpired
	r.Relists += o.Relists
	r.Disconnects += o.Disconnects
	r.Unknown += o.Unknown
	r.Compactions += o.Compactions
	r.Violations = append(r.Violations, o.Violations...)
	if r.Visualization == "" {
		r.Visualization = o.Visualization
	}
}

// String summarizes the figures.
func (r *Report) String() string {
	return fmt.Sprintf("histories %d, operations %d, revisions %d (foreign %d), watch streams %d, events %d, resumption checks %d, longest check %s; "+
		"faults: streams cut %d, ended by the server %d, watch 410s %d, continue 410s %d, exact-list 410s %d, relists %d, "+
		"disconnects %d, unknown outcomes %d, compactions %d; violations %d",
		r.Histories, r.Operations, r.Revisions, r.Foreign, r.Streams, r.Events, r.Resumes, r.CheckTime.Round(time.Millisecond),
		r.Cuts, r.ServerEnded, r.WatchExpired, r.ContinueExpired, r.ExactExpired, r.Relists,
		r.Disconnects, r.Unknown, r.Compactions, len(r.Violations))
}
