package apiserver_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

func TestDelete(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")

	t.Run("W-7 X-13 S-5 delete returns the last state at the deletion revision, equal to the DELETED event", func(t *testing.T) {
		o := mustCreate(t, cms, configMap(t, "d", "app", "x"))
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: o.ResourceVersion()})
		deleted, err := cms.Delete(ctx, "d", apiserver.DeleteOptions{})
		require.NoError(t, err)
		require.Equal(t, rv(t, o)+1, rv(t, deleted), "S-5 exactly one revision")
		require.Equal(t, rv(t, deleted), srv.Revision())
		require.Equal(t, string(o.WithResourceVersion(deleted.ResourceVersion()).JSON()), string(deleted.JSON()), "the last state")
		ev := nextEvent(t, w)
		require.Equal(t, watch.Deleted, ev.Type)
		require.Equal(t, string(deleted.JSON()), string(ev.Object.JSON()), "X-13 the DELETED payload equals the DELETE response")
		_, err = cms.Get(ctx, "d", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
	})

	t.Run("W-7 S-3 deleting a missing object is 404", func(t *testing.T) {
		before := srv.Revision()
		_, err := cms.Delete(ctx, "d", apiserver.DeleteOptions{})
		requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound, Message: `configmaps "d" not found`,
			Details: &types.StatusDetails{Name: "d", Kind: "configmaps"}})
		_, err = srv.Resource(apiserver.Deployments).Namespace("default").Delete(ctx, "d", apiserver.DeleteOptions{})
		requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound, Message: `deployments.apps "d" not found`,
			Details: &types.StatusDetails{Name: "d", Group: "apps", Kind: "deployments"}})
		require.Equal(t, before, srv.Revision())
	})

	t.Run("a name can be reused after a delete, with a new uid", func(t *testing.T) {
		a := mustCreate(t, cms, configMap(t, "reuse"))
		_, err := cms.Delete(ctx, "reuse", apiserver.DeleteOptions{})
		require.NoError(t, err)
		b := mustCreate(t, cms, configMap(t, "reuse"))
		require.NotEqual(t, a.UID(), b.UID())
		require.Greater(t, rv(t, b), rv(t, a))
	})

	t.Run("W-7 concurrent deletes of one object: exactly one wins, the others are 404", func(t *testing.T) {
		mustCreate(t, cms, configMap(t, "contended"))
		before := srv.Revision()
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = cms.Delete(ctx, "contended", apiserver.DeleteOptions{})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			require.True(t, types.IsNotFound(err), err)
		}
		require.Equal(t, 1, wins)
		require.Equal(t, before+1, srv.Revision())
	})

	t.Run("cluster-scoped objects are deleted by name", func(t *testing.T) {
		nodes := srv.Resource(apiserver.Nodes)
		mustCreate(t, nodes, toObject(t, types.Unstructured{"metadata": map[string]any{"name": "gone"}}))
		d, err := nodes.Delete(ctx, "gone", apiserver.DeleteOptions{})
		require.NoError(t, err)
		require.Equal(t, "gone", d.Name())
	})

	t.Run("dryRun=All returns the object but deletes nothing", func(t *testing.T) {
		o := mustCreate(t, cms, configMap(t, "dry"))
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
		before := srv.Revision()
		d, err := cms.Delete(ctx, "dry", apiserver.DeleteOptions{DryRun: []string{apiserver.DryRunAll}})
		require.NoError(t, err)
		require.Equal(t, o.UID(), d.UID())
		require.Equal(t, before, srv.Revision())
		got, err := cms.Get(ctx, "dry", apiserver.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, string(o.JSON()), string(got.JSON()))
		requireNoEvent(t, w)
		_, err = cms.Delete(ctx, "nope", apiserver.DeleteOptions{DryRun: []string{apiserver.DryRunAll}})
		require.True(t, types.IsNotFound(err))
	})
}

func TestDeletePreconditions(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	pc := mustCreate(t, cms, configMap(t, "pc"))
	stale := "1"
	otherUID := "00000000-0000-4000-8000-000000000000"
	uid, version := pc.UID(), pc.ResourceVersion()

	cases := []struct {
		name    string
		pre     apiserver.Preconditions
		dryRun  bool
		message string
	}{
		{"V-3 a stale resourceVersion precondition is 409 Conflict", apiserver.Preconditions{ResourceVersion: &stale}, false,
			fmt.Sprintf(`Operation cannot be fulfilled on ConfigMap "pc": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (%s). The object might have been modified`, version)},
		{"V-3 a wrong uid precondition is 409 Conflict", apiserver.Preconditions{UID: &otherUID}, false,
			fmt.Sprintf(`Operation cannot be fulfilled on ConfigMap "pc": the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated`, otherUID, uid)},
		{"V-3 the uid is checked before the resourceVersion", apiserver.Preconditions{UID: &otherUID, ResourceVersion: &stale}, false,
			fmt.Sprintf(`Operation cannot be fulfilled on ConfigMap "pc": the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated`, otherUID, uid)},
		{"V-3 a matching uid with a stale resourceVersion is 409", apiserver.Preconditions{UID: &uid, ResourceVersion: &stale}, false,
			fmt.Sprintf(`Operation cannot be fulfilled on ConfigMap "pc": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (%s). The object might have been modified`, version)},
		{"V-3 dryRun checks preconditions too", apiserver.Preconditions{ResourceVersion: &stale}, true,
			fmt.Sprintf(`Operation cannot be fulfilled on ConfigMap "pc": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (%s). The object might have been modified`, version)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := srv.Revision()
			opts := apiserver.DeleteOptions{Preconditions: &c.pre}
			if c.dryRun {
				opts.DryRun = []string{apiserver.DryRunAll}
			}
			_, err := cms.Delete(ctx, "pc", opts)
			requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonConflict, Message: c.message,
				Details: &types.StatusDetails{Name: "pc", Kind: "ConfigMap"}})
			require.True(t, types.IsConflict(err))
			require.Equal(t, before, srv.Revision())
			_, err = cms.Get(ctx, "pc", apiserver.GetOptions{})
			require.NoError(t, err)
		})
	}

	t.Run("V-3 the message names Kind.group for group kinds", func(t *testing.T) {
		deps := srv.Resource(apiserver.Deployments).Namespace("default")
		d := mustCreate(t, deps, deployment(t, "pcd", nil))
		_, err := deps.Delete(ctx, "pcd", apiserver.DeleteOptions{Preconditions: &apiserver.Preconditions{ResourceVersion: &stale}})
		requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonConflict,
			Message: fmt.Sprintf(`Operation cannot be fulfilled on Deployment.apps "pcd": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (%s). The object might have been modified`, d.ResourceVersion()),
			Details: &types.StatusDetails{Name: "pcd", Group: "apps", Kind: "Deployment"}})
	})

	t.Run("W-8 matching preconditions delete as W-7", func(t *testing.T) {
		before := srv.Revision()
		d, err := cms.Delete(ctx, "pc", apiserver.DeleteOptions{Preconditions: &apiserver.Preconditions{UID: &uid, ResourceVersion: &version}})
		require.NoError(t, err)
		require.Equal(t, before+1, rv(t, d))
		_, err = cms.Get(ctx, "pc", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
	})

	t.Run("W-8 preconditions on a missing object are 404", func(t *testing.T) {
		_, err := cms.Delete(ctx, "pc", apiserver.DeleteOptions{Preconditions: &apiserver.Preconditions{UID: &uid}})
		require.True(t, types.IsNotFound(err))
	})
}

func TestDeleteGraceful(t *testing.T) {
	ctx := context.Background()
	srv, clk := newServer(t)

	t.Run("an object with finalizers is marked for deletion, not removed", func(t *testing.T) {
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		o := mustCreate(t, cms, toObject(t, types.Unstructured{"metadata": map[string]any{"name": "fin", "finalizers": []any{"example.com/f"}}}))
		d, err := cms.Delete(ctx, "fin", apiserver.DeleteOptions{})
		require.NoError(t, err)
		require.NotNil(t, d.DeletionTimestamp())
		require.Equal(t, int64(0), *d.DeletionGracePeriodSeconds())
		require.Equal(t, rv(t, o)+1, rv(t, d))
		got, err := cms.Get(ctx, "fin", apiserver.GetOptions{})
		require.NoError(t, err)
		require.NotNil(t, got.DeletionTimestamp())
		m := got.Meta()
		m.Finalizers = nil
		_, err = cms.Update(ctx, got.WithMeta(m), apiserver.UpdateOptions{})
		require.NoError(t, err)
		_, err = cms.Get(ctx, "fin", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
	})

	t.Run("a pod bound to a node is deleted gracefully (30s)", func(t *testing.T) {
		pods := srv.Resource(apiserver.Pods).Namespace("default")
		mustCreate(t, srv.Resource(apiserver.Nodes), toObject(t, types.Unstructured{"metadata": map[string]any{"name": "node-a"}}))
		mustCreate(t, pods, pod(t, "bound", "node-a", ""))
		d, err := pods.Delete(ctx, "bound", apiserver.DeleteOptions{})
		require.NoError(t, err)
		require.NotNil(t, d.DeletionTimestamp())
		require.Equal(t, clk.Now().Add(30*time.Second), d.DeletionTimestamp().Time)
		require.Equal(t, int64(30), *d.DeletionGracePeriodSeconds())
		_, err = pods.Get(ctx, "bound", apiserver.GetOptions{})
		require.NoError(t, err)
	})

	t.Run("a namespace is finalized: deleting it makes it Terminating", func(t *testing.T) {
		ns := createNamespace(t, srv, "doomed")
		// Content with a finalizer keeps the namespace controller from finishing the deletion.
		mustCreate(t, srv.Resource(apiserver.ConfigMaps).Namespace("doomed"),
			toObject(t, types.Unstructured{"metadata": map[string]any{"name": "pinned", "finalizers": []any{"example.com/f"}}}))
		d, err := srv.Resource(apiserver.Namespaces).Delete(ctx, "doomed", apiserver.DeleteOptions{})
		require.NoError(t, err)
		require.NotNil(t, d.DeletionTimestamp())
		phase, _ := d.Lookup("status", "phase")
		require.JSONEq(t, `"Terminating"`, string(phase))
		got, err := srv.Resource(apiserver.Namespaces).Get(ctx, "doomed", apiserver.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, ns.UID(), got.UID())
	})

	t.Run("the default, kube-system and kube-public namespaces cannot be deleted", func(t *testing.T) {
		srv, _ := newServer(t)
		for _, name := range []string{"default", "kube-system", "kube-public"} {
			_, err := srv.Resource(apiserver.Namespaces).Delete(ctx, name, apiserver.DeleteOptions{})
			requireStatus(t, err, wantStatus{Code: 403, Reason: types.StatusReasonForbidden,
				Message: `namespaces "` + name + `" is forbidden: this namespace may not be deleted`})
		}
	})

	t.Run("a pod bound to a node that does not exist is deleted at once (what kube's pod GC does)", func(t *testing.T) {
		pods := srv.Resource(apiserver.Pods).Namespace("default")
		mustCreate(t, pods, pod(t, "orphaned", "node-gone", ""))
		_, err := pods.Delete(ctx, "orphaned", apiserver.DeleteOptions{})
		require.NoError(t, err)
		_, err = pods.Get(ctx, "orphaned", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
	})

	t.Run("an unscheduled pod is deleted at once", func(t *testing.T) {
		pods := srv.Resource(apiserver.Pods).Namespace("default")
		mustCreate(t, pods, pod(t, "unbound", "", ""))
		_, err := pods.Delete(ctx, "unbound", apiserver.DeleteOptions{})
		require.NoError(t, err)
		_, err = pods.Get(ctx, "unbound", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
	})
}

func TestDeleteCollection(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	createNamespace(t, srv, "other")
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	for i := range 6 {
		app := "keep"
		if i%2 == 0 {
			app = "drop"
		}
		mustCreate(t, cms, configMap(t, fmt.Sprintf("c%d", i), "app", app))
	}
	mustCreate(t, srv.Resource(apiserver.ConfigMaps).Namespace("other"), configMap(t, "c0", "app", "drop"))

	t.Run("a label selector deletes only the matching objects of the namespace, each at its own revision", func(t *testing.T) {
		w := startWatch(t, srv.Resource(apiserver.ConfigMaps), apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
		before := srv.Revision()
		l, err := cms.DeleteCollection(ctx, apiserver.DeleteOptions{}, apiserver.ListOptions{LabelSelector: "app=drop"})
		require.NoError(t, err)
		require.Equal(t, []string{"default/c0", "default/c2", "default/c4"}, itemNames(l))
		require.Equal(t, before+3, srv.Revision(), "S-5 one revision per deleted object")
		seen := map[string]bool{}
		for i, o := range l.Items {
			require.False(t, seen[o.ResourceVersion()])
			seen[o.ResourceVersion()] = true
			ev := nextEvent(t, w)
			require.Equal(t, watch.Deleted, ev.Type)
			require.Equal(t, string(l.Items[i].JSON()), string(ev.Object.JSON()), "X-13")
		}
		requireNoEvent(t, w)
		rest := listAll(t, cms, apiserver.ListOptions{})
		require.Equal(t, []string{"default/c1", "default/c3", "default/c5"}, itemNames(rest))
		_, err = srv.Resource(apiserver.ConfigMaps).Namespace("other").Get(ctx, "c0", apiserver.GetOptions{})
		require.NoError(t, err, "other namespaces are untouched")
	})

	t.Run("a field selector selects too", func(t *testing.T) {
		l, err := cms.DeleteCollection(ctx, apiserver.DeleteOptions{}, apiserver.ListOptions{FieldSelector: "metadata.name=c1"})
		require.NoError(t, err)
		require.Equal(t, []string{"default/c1"}, itemNames(l))
	})

	t.Run("dryRun=All deletes nothing", func(t *testing.T) {
		before := srv.Revision()
		l, err := cms.DeleteCollection(ctx, apiserver.DeleteOptions{DryRun: []string{apiserver.DryRunAll}}, apiserver.ListOptions{})
		require.NoError(t, err)
		require.Len(t, l.Items, 2)
		require.Equal(t, before, srv.Revision())
		require.Len(t, listAll(t, cms, apiserver.ListOptions{}).Items, 2)
	})

	t.Run("no selector deletes the whole namespace's collection", func(t *testing.T) {
		l, err := cms.DeleteCollection(ctx, apiserver.DeleteOptions{}, apiserver.ListOptions{})
		require.NoError(t, err)
		require.Equal(t, []string{"default/c3", "default/c5"}, itemNames(l))
		require.Empty(t, listAll(t, cms, apiserver.ListOptions{}).Items)
		require.NotNil(t, l.Items)
	})

	t.Run("list option errors are returned", func(t *testing.T) {
		_, err := cms.DeleteCollection(ctx, apiserver.DeleteOptions{}, apiserver.ListOptions{FieldSelector: "x=y"})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest})
	})
}
