package watch_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
	"github.com/kubemem/kubemem/watch/watchtest"
)

func pod(name string, labels map[string]string) *types.Object {
	return types.NewObject(types.TypeMeta{Kind: "Pod", APIVersion: "v1"}, types.ObjectMeta{Name: name, Namespace: "ns", Labels: labels})
}

func next(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		require.True(t, ok, "channel closed")
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("timeout")
	}
	return watch.Event{}
}

func TestSmokeTransitions(t *testing.T) {
	h := watchtest.NewHistory()
	b := watch.NewBroadcaster(h, watch.Options{})
	defer b.Close()
	h.Put("/pods/ns/a", pod("a", map[string]string{"l": "a"}))
	sel := func(o *types.Object) bool { v, _ := o.Label("l"); return v == "a" }
	w, err := b.Watch(context.Background(), watch.Request{Prefix: "/pods/ns/", Predicate: sel, From: 1})
	require.NoError(t, err)
	ev := next(t, w)
	require.Equal(t, watch.Added, ev.Type)
	require.Equal(t, "2", ev.Object.ResourceVersion())
	h.Put("/pods/ns/a", pod("a", map[string]string{"l": "b"}))
	ev = next(t, w)
	require.Equal(t, watch.Deleted, ev.Type)
	require.Equal(t, "3", ev.Object.ResourceVersion())
	require.Equal(t, "a", ev.Object.Labels()["l"], "X-12: DELETED carries the old labels")
	h.Put("/pods/ns/a", pod("a", map[string]string{"l": "a"}))
	require.Equal(t, watch.Added, next(t, w).Type)
	h.Put("/pods/other/x", pod("x", map[string]string{"l": "a"}))
	h.Delete("/pods/ns/a")
	ev = next(t, w)
	require.Equal(t, watch.Deleted, ev.Type)
	require.Equal(t, "6", ev.Object.ResourceVersion())
	w.Stop()
	for range w.ResultChan() {
	}
}

func TestSmokeExpired(t *testing.T) {
	h := watchtest.NewHistory()
	b := watch.NewBroadcaster(h, watch.Options{})
	defer b.Close()
	h.Put("/a/x", pod("x", nil))
	h.Put("/a/x", pod("x", nil))
	h.Compact(3)
	w, err := b.Watch(context.Background(), watch.Request{Prefix: "/a/", From: 2})
	require.NoError(t, err)
	ev := next(t, w)
	require.Equal(t, watch.Error, ev.Type)
	require.True(t, types.IsResourceExpired(ev.Err))
	_, ok := <-w.ResultChan()
	require.False(t, ok)
}
