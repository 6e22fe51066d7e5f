package bench

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
)

// faults make stubSystem misbehave in one way, to test that the runner notices.
type faults struct {
	listOffByOne  bool // ListSelected(ListSelector) reports one pod too many
	dropFirstAdd  bool // the first watcher misses the first ADDED event
	panicOnCreate bool // Create panics, like client-go's fake with a full watch channel
	hangOnGet     bool // Get blocks forever and ignores ctx
	noPatch       bool // PatchImage is not supported
}

// stubSystem is a minimal correct System over a map, for testing the runner
// without the peers' cost or quirks.
type stubSystem struct {
	faults faults
	// mu guards pods, watchers and sent.
	mu       sync.Mutex
	pods     map[string]map[string]string // name -> labels
	watchers []*stubWatcher
	sent     int
}

func stubFactory(name string, f faults) Factory {
	return Factory{Name: name, New: func() (System, error) {
		return &stubSystem{faults: f, pods: map[string]map[string]string{}}, nil
	}}
}

var _ System = (*stubSystem)(nil)

func (s *stubSystem) Create(_ context.Context, i int) error {
	if s.faults.panicOnCreate {
		panic("channel full")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := PodName(i)
	if _, ok := s.pods[name]; ok {
		return errors.New("already exists")
	}
	s.pods[name] = PodLabels(i)
	for k, w := range s.watchers {
		if s.faults.dropFirstAdd && k == 0 && s.sent == 0 {
			continue
		}
		w.ch <- true // buffered beyond any test's creates: never blocks
	}
	s.sent++
	return nil
}

func (s *stubSystem) Get(_ context.Context, i int) error {
	if s.faults.hangOnGet {
		select {}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pods[PodName(i)]; !ok {
		return errors.New("not found")
	}
	return nil
}

func (s *stubSystem) ListSelected(_ context.Context, selector string) (int, error) {
	key, value, equals := strings.Cut(selector, "=")
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, l := range s.pods {
		v, ok := l[key]
		if selector == "" || ok && (!equals || v == value) {
			n++
		}
	}
	if s.faults.listOffByOne && selector == ListSelector {
		n++
	}
	return n, nil
}

func (s *stubSystem) GetModifyUpdate(_ context.Context, i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.pods[PodName(i)]
	if !ok {
		return errors.New("not found")
	}
	l[UpdateLabel] = strconv.Itoa(i)
	return nil
}

func (s *stubSystem) PatchImage(ctx context.Context, i int) error {
	if s.faults.noPatch {
		return ErrNotSupported
	}
	return s.Get(ctx, i)
}

func (s *stubSystem) Delete(_ context.Context, i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pods[PodName(i)]; !ok {
		return errors.New("not found")
	}
	delete(s.pods, PodName(i))
	return nil
}

func (s *stubSystem) Watch(context.Context) (Watcher, error) {
	w := &stubWatcher{ch: make(chan bool, 1<<12), done: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchers = append(s.watchers, w)
	return w, nil
}

func (s *stubSystem) Close() {}

// stubWatcher receives stubSystem's events; true means ADDED.
type stubWatcher struct {
	ch       chan bool
	done     chan struct{}
	stopOnce sync.Once
}

func (w *stubWatcher) Next(ctx context.Context) (bool, error) {
	select {
	case added := <-w.ch:
		return added, nil
	case <-w.done:
		return false, errWatchClosed
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (w *stubWatcher) Stop() { w.stopOnce.Do(func() { close(w.done) }) }
