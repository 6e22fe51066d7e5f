package watch_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/watch"
	"github.com/kubemem/kubemem/watch/watchtest"
)

// TestEncodingsEncodeOnce: concurrent callers of one form share one encoding; errors are not cached; a nil
// *Encodings encodes every time.
func TestEncodingsEncodeOnce(t *testing.T) {
	var e watch.Encodings
	var calls atomic.Int32
	var wg sync.WaitGroup
	results := make([][]byte, 16)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := e.Encode("protobuf", func() ([]byte, error) { calls.Add(1); return []byte("pb"), nil })
			require.NoError(t, err)
			results[i] = b
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, calls.Load())
	for _, r := range results {
		require.Equal(t, "pb", string(r))
	}
	other, err := e.Encode("json", func() ([]byte, error) { return []byte("js"), nil })
	require.NoError(t, err)
	require.Equal(t, "js", string(other))

	boom := errors.New("boom")
	_, err = e.Encode("failing", func() ([]byte, error) { return nil, boom })
	require.ErrorIs(t, err, boom)
	b, err := e.Encode("failing", func() ([]byte, error) { return []byte("ok"), nil })
	require.NoError(t, err)
	require.Equal(t, "ok", string(b))

	var nilEnc *watch.Encodings
	for range 2 {
		_, err := nilEnc.Encode("protobuf", func() ([]byte, error) { calls.Add(1); return nil, nil })
		require.NoError(t, err)
	}
	require.EqualValues(t, 3, calls.Load())
}

// TestDispatchSharesEncodings: the dispatcher hands every watcher that receives a change's object the same
// Encodings, and watchers the change takes out of their selection another one, for the Deleted object.
func TestDispatchSharesEncodings(t *testing.T) {
	h := watchtest.NewHistory()
	put(h, "ns1", "a", "a")
	c := clock.NewFake(t0)
	b := newBroadcaster(t, h, watch.Options{Clock: c, BookmarkInterval: time.Second})
	req := watch.Request{Prefix: nsPrefix("ns1"), From: h.Revision(), Bookmarks: true, BookmarkType: podType}
	w1 := startWatch(t, b, req)
	w2 := startWatch(t, b, req)
	req.Predicate = labelIs("a")
	w3 := startWatch(t, b, req) // the change below takes the pod out of its selection
	waitRegistered(t, c, time.Second, w1, w2, w3)

	put(h, "ns1", "a", "b")
	e1, e2, e3 := recv(t, w1), recv(t, w2), recv(t, w3)
	require.Equal(t, watch.Modified, e1.Type)
	require.Equal(t, watch.Deleted, e3.Type)
	require.NotNil(t, e1.Encodings)
	require.Same(t, e1.Encodings, e2.Encodings)
	require.NotNil(t, e3.Encodings)
	require.NotSame(t, e1.Encodings, e3.Encodings)
}
