package load

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// verb is a kind of request the load times.
type verb int

const (
	verbCreate verb = iota
	verbGet
	verbList
	verbUpdate
	verbMergePatch
	verbStrategicPatch
	verbDelete
	verbWatch // opening a watch stream: until its response headers arrive
	numVerbs
)

var verbNames = [numVerbs]string{"create", "get", "list", "update", "patch (merge)", "patch (strategic merge)", "delete", "watch (open)"}

func (v verb) String() string { return verbNames[v] }

// verbStats is one verb's latency and outcomes. Safe for concurrent use.
type verbStats struct {
	latency histogram
	ok      atomic.Int64
	refused atomic.Int64 // 404, 409 (conflict or already exists): the answers contending clients expect
	failed  atomic.Int64 // anything else
}

// stats gathers the clients' and watches' measurements. Safe for concurrent use.
type stats struct {
	verbs     [numVerbs]verbStats
	conflicts atomic.Int64 // update attempts answered 409 and retried
	events    atomic.Int64 // change events received by watches, initial ones included

	mu       sync.Mutex // guards errors
	errors   []string   // the first maxExamples unexpected errors
	errCount int
}

// observe records one request of v that took d and answered err.
func (s *stats) observe(v verb, d time.Duration, err error) {
	vs := &s.verbs[v]
	vs.latency.Record(d)
	switch {
	case err == nil:
		vs.ok.Add(1)
	case apierrors.IsNotFound(err) || apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err):
		vs.refused.Add(1)
	default:
		vs.failed.Add(1)
		s.fail("%s: %v", v, err)
	}
}

// fail records an unexpected error.
func (s *stats) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errCount++
	if len(s.errors) < maxExamples {
		s.errors = append(s.errors, fmt.Sprintf(format, args...))
	}
}

// requests returns the number of requests recorded so far.
func (s *stats) requests() int64 {
	var n int64
	for i := range s.verbs {
		n += s.verbs[i].ok.Load() + s.verbs[i].refused.Load() + s.verbs[i].failed.Load()
	}
	return n
}
