package bench

import (
	"context"
	"errors"

	"k8s.io/apimachinery/pkg/watch"
)

// errWatchClosed is returned by Next once the watch's result channel closed.
var errWatchClosed = errors.New("bench: watch closed")

// apiWatcher adapts an apimachinery watch.Interface, which every peer returns,
// to Watcher. It receives straight from the result channel: no relay goroutine.
type apiWatcher struct {
	w watch.Interface
}

var _ Watcher = apiWatcher{}

// Next implements Watcher.
func (a apiWatcher) Next(ctx context.Context) (bool, error) {
	select {
	case ev, ok := <-a.w.ResultChan():
		if !ok {
			return false, errWatchClosed
		}
		return ev.Type == watch.Added, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// Stop implements Watcher.
func (a apiWatcher) Stop() { a.w.Stop() }
