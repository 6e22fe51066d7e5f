package apiserver

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
)

// TestControllersResync: a list after a gap in the watch (410 Expired) reports what the gap hid; the controllers
// compare it with what they track. The controllers here are not started: their queues only collect keys.
func TestControllersResync(t *testing.T) {
	ctx := context.Background()
	newControllers := func(t *testing.T) (*Server, *controllers) {
		srv, err := New(Deterministic(clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), 3))
		require.NoError(t, err)
		t.Cleanup(func() { _ = srv.Close() })
		c := &controllers{s: srv, ctx: ctx, informers: map[types.GroupResource]*informer{}}
		c.gc, c.ns = newGarbageCollector(c), newNamespaceController(c)
		for _, r := range srv.Resources() {
			c.gc.addKind(r)
		}
		return srv, c
	}
	create := func(t *testing.T, srv *Server, name string, owners ...*types.Object) *types.Object {
		m := types.ObjectMeta{Name: name}
		for _, o := range owners {
			m.OwnerReferences = append(m.OwnerReferences, types.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: o.Name(), UID: o.UID()})
		}
		obj, err := srv.Resource(ConfigMaps).Namespace("default").Create(ctx,
			types.NewObject(types.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, m), CreateOptions{})
		require.NoError(t, err)
		return obj
	}
	drain := func(q *workQueue[gcRef]) []string {
		var names []string
		for q.pending() > 0 {
			key, _ := q.get()
			names = append(names, key.name)
			q.done(key)
		}
		slices.Sort(names)
		return names
	}

	for _, tc := range []struct {
		name     string
		observed bool // the owner has an owner of its own, so the graph tracks it as observed (else: virtual)
	}{{"an owner the graph knows only from its dependents", false}, {"an owner the graph tracks", true}} {
		t.Run("garbage collector: "+tc.name+", deleted during a gap, has its dependents checked", func(t *testing.T) {
			srv, c := newControllers(t)
			cmr := srv.registry().resources[ConfigMaps]
			var owner *types.Object
			if tc.observed {
				owner = create(t, srv, "owner", create(t, srv, "grandowner"))
			} else {
				owner = create(t, srv, "owner")
			}
			dep := create(t, srv, "dep", owner)
			l, err := srv.Resource(ConfigMaps).List(ctx, ListOptions{})
			require.NoError(t, err)
			c.gc.resync(cmr, l.Items)
			first := drain(c.gc.attemptToDelete)
			require.Contains(t, first, "dep", "a dependent is checked when first seen")

			c.gc.resync(cmr, l.Items)
			require.Empty(t, drain(c.gc.attemptToDelete), "a list with nothing new queues nothing")

			listed := slices.DeleteFunc(slices.Clone(l.Items), func(o *types.Object) bool { return o.UID() == owner.UID() })
			c.gc.resync(cmr, listed)
			require.Equal(t, []string{dep.Name()}, drain(c.gc.attemptToDelete), "the owner's dependents are checked")
		})
	}

	t.Run("namespace controller: a namespace marked during a gap is synced, and so is one whose content changed", func(t *testing.T) {
		srv, c := newControllers(t)
		nsr := srv.registry().resources[Namespaces]
		_, err := srv.Resource(Namespaces).Create(ctx, types.NewObject(types.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			types.ObjectMeta{Name: "doomed"}), CreateOptions{})
		require.NoError(t, err)
		marked, err := srv.Resource(Namespaces).Delete(ctx, "doomed", DeleteOptions{})
		require.NoError(t, err)
		drainNS := func() []string {
			var names []string
			for c.ns.queue.pending() > 0 {
				key, _ := c.ns.queue.get()
				names = append(names, key)
				c.ns.queue.done(key)
			}
			return names
		}
		c.ns.resync(nsr, []*types.Object{marked})
		require.Equal(t, []string{"doomed"}, drainNS())
		c.ns.resync(srv.registry().resources[ConfigMaps], nil)
		require.Equal(t, []string{"doomed"}, drainNS(), "its content may have changed unseen")
		c.ns.resync(srv.registry().resources[Nodes], nil)
		require.Empty(t, drainNS(), "cluster-scoped content is not a namespace's")
		c.ns.resync(nsr, nil)
		c.ns.resync(srv.registry().resources[ConfigMaps], nil)
		require.Empty(t, drainNS(), "a namespace gone during the gap is forgotten")
	})
}
