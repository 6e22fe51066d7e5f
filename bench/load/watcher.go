package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// startMode is how a watch begins.
type startMode uint8

const (
	// startList lists the selection, then watches from the list's resourceVersion, as a reflector does.
	startList startMode = iota
	// startInitialEvents watches with sendInitialEvents=true and no resourceVersion (WatchList): the current
	// state as ADDED events, the initial-events-end bookmark, then the changes.
	startInitialEvents
	// startInitialEventsFrom is startInitialEvents with resourceVersion set to a revision of the seed objects and
	// resourceVersionMatch=NotOlderThan.
	startInitialEventsFrom
	// startReplay watches from a revision of the seed objects: the history after it, then the changes.
	startReplay
	numStartModes
)

var startModeNames = [numStartModes]string{"list+watch", "sendInitialEvents", "sendInitialEvents from RV", "watch from an old RV"}

func (m startMode) String() string { return startModeNames[m] }

// watcher follows one selection for the whole run, resuming from the last resourceVersion it saw whenever a stream
// ends. Its fields past lastRV belong to its goroutine until run returns.
type watcher struct {
	id      int
	sel     selection
	mode    startMode
	from    int64         // the resourceVersion startInitialEventsFrom and startReplay start from
	timeout time.Duration // mean stream timeout
	drop    int           // Config.dropEvent
	cs      kubernetes.Interface
	log     *writeLog
	stats   *stats
	rng     *rand.Rand

	lastRV atomic.Int64 // the newest resourceVersion delivered (event or bookmark); where a resumption starts

	established func() // called once, when start is known; nil afterwards

	start    int64    // the revision after which every change of the selection is owed as an event
	initial  []event  // the list's items or the initial events (startList, startInitialEvents*)
	events   []event  // the change events, in the order received
	received []uint32 // received[i]: when events[i] arrived, in microseconds since the log's epoch
	opened   time.Time
	streams  int // streams opened
	early    int // streams the server ended before their timeout (slow watcher, K-2)
	restarts int // initial-events streams that ended before their bookmark and began again
	broken   int // streams that ended with an error event other than 410
	problems []string
}

// problem records a violation the watcher saw as it happened.
func (w *watcher) problem(format string, args ...any) {
	if len(w.problems) < maxExamples {
		w.problems = append(w.problems, fmt.Sprintf("watch %d (%s, %s): ", w.id, w.sel.describe(), w.mode)+fmt.Sprintf(format, args...))
	}
}

// describe names the selection in messages.
func (s *selection) describe() string {
	ns := "all namespaces"
	if s.ns >= 0 {
		ns = namespaceName(s.ns)
	}
	d := s.res.String() + " in " + ns + " " + s.labelSelector
	if s.fieldSelector != "" {
		d += " " + s.fieldSelector
	}
	return d
}

// iface returns the typed client of the watcher's resource and namespace.
func (w *watcher) iface() interface {
	Watch(context.Context, metav1.ListOptions) (watch.Interface, error)
} {
	ns := ""
	if w.sel.ns >= 0 {
		ns = namespaceName(w.sel.ns)
	}
	if w.sel.res == pods {
		return w.cs.CoreV1().Pods(ns)
	}
	return w.cs.CoreV1().ConfigMaps(ns)
}

// streamOptions returns the options of a stream from resourceVersion rv with a random timeout.
func (w *watcher) streamOptions(rv string) (metav1.ListOptions, time.Duration) {
	secs := int64(max(1, (float64(w.timeout)*(0.5+w.rng.Float64())+float64(time.Second)/2)/float64(time.Second)))
	return metav1.ListOptions{
		LabelSelector:       w.sel.labelSelector,
		FieldSelector:       w.sel.fieldSelector,
		ResourceVersion:     rv,
		AllowWatchBookmarks: true,
		TimeoutSeconds:      &secs,
	}, time.Duration(secs) * time.Second
}

// run follows the selection until ctx is done; established is called once the watch's start is known (its first
// stream is open and, for initial events, its bookmark has arrived).
func (w *watcher) run(ctx context.Context, established func()) {
	w.opened, w.established = time.Now(), established
	defer w.establish() // also when the watch never began: the run does not wait for it forever
	if !w.begin(ctx) {
		return
	}
	for ctx.Err() == nil {
		opts, timeout := w.streamOptions(strconv.FormatInt(w.lastRV.Load(), 10))
		if w.stream(ctx, opts, timeout, false) == streamExpired {
			return
		}
	}
}

// establish calls the established callback, once.
func (w *watcher) establish() {
	if w.established != nil {
		w.established()
		w.established = nil
	}
}

// begin sets w.start as w.mode says and establishes the watch. For initial events, it opens the first stream and
// follows it to its end, restarting while a stream ends before its bookmark. It reports whether the watch began.
func (w *watcher) begin(ctx context.Context) bool {
	switch w.mode {
	case startList:
		for ctx.Err() == nil {
			rv, items, err := w.list(ctx)
			if err != nil {
				if ctx.Err() == nil {
					w.stats.fail("watch %d: list: %v", w.id, err)
					time.Sleep(10 * time.Millisecond)
				}
				continue
			}
			w.initial, w.start = items, rv
			w.lastRV.Store(rv)
			w.establish()
			return true
		}
	case startReplay:
		w.start = w.from
		w.lastRV.Store(w.from)
		w.establish()
		return true
	default: // startInitialEvents, startInitialEventsFrom
		for ctx.Err() == nil {
			rv := ""
			if w.mode == startInitialEventsFrom {
				rv = strconv.FormatInt(w.from, 10)
			}
			opts, timeout := w.streamOptions(rv)
			t, match := true, metav1.ResourceVersionMatchNotOlderThan
			opts.SendInitialEvents, opts.ResourceVersionMatch = &t, match
			w.initial, w.start = nil, 0
			switch w.stream(ctx, opts, timeout, true) {
			case streamHandedOver:
				return true
			case streamExpired:
				return false
			}
			w.restarts++
		}
	}
	return false
}

// list lists the whole selection, returning its resourceVersion and items.
func (w *watcher) list(ctx context.Context) (int64, []event, error) {
	ns := ""
	if w.sel.ns >= 0 {
		ns = namespaceName(w.sel.ns)
	}
	opts := metav1.ListOptions{LabelSelector: w.sel.labelSelector, FieldSelector: w.sel.fieldSelector}
	var (
		lrv   string
		items []runtime.Object
	)
	err := w.timedList(ctx, func() error {
		if w.sel.res == pods {
			l, err := w.cs.CoreV1().Pods(ns).List(ctx, opts)
			if err == nil {
				lrv = l.ResourceVersion
				for i := range l.Items {
					items = append(items, &l.Items[i])
				}
			}
			return err
		}
		l, err := w.cs.CoreV1().ConfigMaps(ns).List(ctx, opts)
		if err == nil {
			lrv = l.ResourceVersion
			for i := range l.Items {
				items = append(items, &l.Items[i])
			}
		}
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	rv, err := strconv.ParseInt(lrv, 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("list resourceVersion %q", lrv)
	}
	evs := make([]event, 0, len(items))
	for _, it := range items {
		if e, ok := w.toEvent(it, added); ok {
			evs = append(evs, e)
		}
	}
	return rv, evs, nil
}

// timedList runs f as one list request and records it, unless it failed because the run stopped the watch.
func (w *watcher) timedList(ctx context.Context, f func() error) error {
	start := time.Now()
	err := f()
	if err == nil || ctx.Err() == nil {
		w.stats.observe(verbList, time.Since(start), err)
	}
	return err
}

// streamEnd is how a stream ended.
type streamEnd uint8

const (
	streamEnded      streamEnd = iota // cleanly, by timeout, by the server or by an error other than 410: resume
	streamHandedOver                  // an initial-events stream delivered its bookmark; it is followed by run
	streamExpired                     // 410: the watch cannot resume without a gap
)

// stream opens one stream with opts and receives from it until it ends or ctx is done. With initial set, events
// before the initial-events-end bookmark are initial events; at the bookmark the watch's start is set and the stream
// is followed to its end before streamHandedOver is returned.
func (w *watcher) stream(ctx context.Context, opts metav1.ListOptions, timeout time.Duration, initial bool) streamEnd {
	var (
		wi  watch.Interface
		err error
	)
	start := time.Now()
	wi, err = w.iface().Watch(ctx, opts)
	if ctx.Err() != nil && err != nil {
		return streamEnded // the run stopped the watch
	}
	w.stats.observe(verbWatch, time.Since(start), err)
	if err != nil {
		time.Sleep(10 * time.Millisecond)
		return streamEnded
	}
	defer wi.Stop()
	w.streams++
	handedOver := false
	end := func() streamEnd {
		if handedOver {
			return streamHandedOver
		}
		return streamEnded
	}
	for {
		var (
			ev watch.Event
			ok bool
		)
		select {
		case <-ctx.Done():
			return end()
		case ev, ok = <-wi.ResultChan():
		}
		if ctx.Err() != nil {
			return end() // the run stopped the watch: what follows is the stream's end, not the server's
		}
		if !ok {
			if time.Since(start) < timeout-250*time.Millisecond {
				w.early++
			}
			return end()
		}
		now := time.Now()
		switch ev.Type {
		case watch.Bookmark:
			m, err := meta.Accessor(ev.Object)
			if err != nil {
				w.problem("bookmark of %T", ev.Object)
				continue
			}
			rv, err := strconv.ParseInt(m.GetResourceVersion(), 10, 64)
			if err != nil {
				w.problem("bookmark resourceVersion %q", m.GetResourceVersion())
				continue
			}
			if initial && !handedOver {
				if m.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true" {
					handedOver, w.start = true, rv
					w.lastRV.Store(rv)
					w.establish()
				}
				continue
			}
			if rv < w.lastRV.Load() {
				w.problem("bookmark at %d after resourceVersion %d", rv, w.lastRV.Load())
				continue
			}
			w.lastRV.Store(rv)
		case watch.Added, watch.Modified, watch.Deleted:
			t := map[watch.EventType]eventType{watch.Added: added, watch.Modified: modified, watch.Deleted: deleted}[ev.Type]
			e, ok := w.toEvent(ev.Object, t)
			if !ok {
				continue
			}
			w.stats.events.Add(1)
			if initial && !handedOver {
				w.initial = append(w.initial, e)
				continue
			}
			if w.drop--; w.drop == 0 {
				continue
			}
			w.events = append(w.events, e)
			w.received = append(w.received, uint32(w.log.since(now)/int64(time.Microsecond)))
			if e.rv() > w.lastRV.Load() {
				w.lastRV.Store(e.rv())
			}
		case watch.Error:
			err := apierrors.FromObject(ev.Object)
			if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
				w.problem("410 at resourceVersion %d: %v", w.lastRV.Load(), err)
				return streamExpired
			}
			w.broken++
			w.stats.fail("watch %d: error event: %v", w.id, err)
		default:
			w.problem("event of type %q", ev.Type)
		}
	}
}

// toEvent packs a received object; a problem if it is not an object of the load.
func (w *watcher) toEvent(obj runtime.Object, t eventType) (event, bool) {
	m, err := meta.Accessor(obj)
	if err != nil {
		w.problem("%s of %T", t, obj)
		return 0, false
	}
	switch obj.(type) {
	case *corev1.ConfigMap, *corev1.Pod:
	default:
		w.problem("%s of %T", t, obj)
		return 0, false
	}
	k, err := parseKey(w.sel.res, m.GetNamespace(), m.GetName())
	if err != nil {
		w.problem("%s: %v", t, err)
		return 0, false
	}
	rv, err := strconv.ParseInt(m.GetResourceVersion(), 10, 64)
	if err != nil || rv <= 0 || rv > maxRevision {
		w.problem("%s of %s with resourceVersion %q", t, k, m.GetResourceVersion())
		return 0, false
	}
	return makeEvent(rv, k, t), true
}
