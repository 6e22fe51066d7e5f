package proof

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Values of the fault header: the middleware sleeps before or after the real handler, for the microseconds that
// follow the name ("before 300"), so that a client that gives up meanwhile disconnects while its request is queued
// or after its write committed but before its answer is sent.
const (
	faultDelayBefore = "before"
	faultDelayAfter  = "after"
)

// faultMiddleware wraps the server's handler: it injects the delays a request asks for and records when the
// handler of each tagged request returned. That instant bounds when a request whose client disconnected can have
// taken effect, so an unknown outcome gets a finite return time in the history (etcd's robustness tests use +∞).
type faultMiddleware struct {
	next http.Handler
	now  func() int64

	// mu guards ends.
	mu   sync.Mutex
	ends map[string]int64 // request id → handler end, in history time
}

func newFaultMiddleware(next http.Handler, now func() int64) *faultMiddleware {
	return &faultMiddleware{next: next, now: now, ends: map[string]int64{}}
}

func (m *faultMiddleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(headerOpID)
	fault, delay := parseFault(r.Header.Get(headerFault))
	if fault == faultDelayBefore {
		time.Sleep(delay)
	}
	m.next.ServeHTTP(w, r)
	if fault == faultDelayAfter {
		time.Sleep(delay) // the answer is buffered until the handler returns
	}
	if id != "" {
		m.mu.Lock()
		m.ends[id] = m.now()
		m.mu.Unlock()
	}
}

// end returns when the handler of request id returned, if it ran.
func (m *faultMiddleware) end(id string) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.ends[id]
	return t, ok
}

func faultHeader(kind string, d time.Duration) string {
	return kind + " " + strconv.FormatInt(d.Microseconds(), 10)
}

func parseFault(h string) (string, time.Duration) {
	kind, us, ok := strings.Cut(h, " ")
	if !ok {
		return "", 0
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return "", 0
	}
	return kind, time.Duration(n) * time.Microsecond
}
