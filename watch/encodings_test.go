package watch_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
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

// TestTransform: Request.Transform is applied to the initial events and to live ones, and an event it transformed
// shares no Encodings (the transformed object is the watcher's own).
func TestTransform(t *testing.T) {
	h := watchtest.NewHistory()
	put(h, "ns1", "a", "a")
	c := clock.NewFake(t0)
	b := newBroadcaster(t, h, watch.Options{Clock: c, BookmarkInterval: time.Second})
	relabel := func(o *types.Object) *types.Object {
		m := o.Meta()
		m.Labels = map[string]string{"l": "transformed"}
		return o.WithMeta(m)
	}
	req := watch.Request{Prefix: nsPrefix("ns1"), From: h.Revision(), Bookmarks: true, BookmarkType: podType}
	plain, plain2 := startWatch(t, b, req), startWatch(t, b, req)
	req.Initial, req.Transform = liveAt(t, h, nsPrefix("ns1"), h.Revision()), relabel
	tr := startWatch(t, b, req)
	first := recv(t, tr)
	require.Equal(t, watch.Added, first.Type)
	require.Equal(t, map[string]string{"l": "transformed"}, first.Object.LabelsNoCopy())
	waitRegistered(t, c, time.Second, plain, tr, plain2)

	put(h, "ns1", "b", "b")
	e, p1, p2 := recv(t, tr), recv(t, plain), recv(t, plain2)
	require.Equal(t, "b", e.Object.Name())
	require.Equal(t, map[string]string{"l": "transformed"}, e.Object.LabelsNoCopy())
	require.Equal(t, map[string]string{"l": "b"}, p1.Object.LabelsNoCopy(), "other watchers see the object as it is")
	require.Nil(t, e.Encodings)
	require.Same(t, p1.Encodings, p2.Encodings)
}

// TestFlushed: Flushed answers at once with no registered watcher or for a revision already dispatched, and
// otherwise once the dispatcher has handed the change to the watchers, before their consumer reads it.
func TestFlushed(t *testing.T) {
	h := watchtest.NewHistory()
	put(h, "ns1", "a", "a")
	c := clock.NewFake(t0)
	b := newBroadcaster(t, h, watch.Options{Clock: c, BookmarkInterval: time.Second})
	select {
	case <-b.Flushed(h.Revision() + 5):
	default:
		t.Fatal("with no watcher registered, Flushed must answer at once")
	}
	w := startWatch(t, b, watch.Request{Prefix: nsPrefix("ns1"), From: h.Revision(), Bookmarks: true, BookmarkType: podType})
	waitRegistered(t, c, time.Second, w)
	put(h, "ns1", "b", "b")
	<-b.Flushed(h.Revision())
	select {
	case e := <-w.ResultChan():
		require.Equal(t, "b", e.Object.Name(), "the change is in the watcher's buffer once Flushed answers")
	default:
		t.Fatal("Flushed answered before the change was delivered")
	}
	select {
	case <-b.Flushed(h.Revision()):
	default:
		t.Fatal("a dispatched revision must answer at once")
	}
	pending := b.Flushed(h.Revision() + 1)
	b.Close()
	<-pending // Close answers every waiter
}
