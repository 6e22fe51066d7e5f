package apiserver_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// optimisticLockMessage is W-3's message for RES "name".
func optimisticLockMessage(res, name string) string {
	return fmt.Sprintf("Operation cannot be fulfilled on %s %q: the object has been modified; please apply your changes to the latest version and try again", res, name)
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	srv, clk := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	created := mustCreate(t, cms, configMap(t, "u"))

	t.Run("W-2 S-5 an update with the current resourceVersion gets exactly one new revision and emits MODIFIED", func(t *testing.T) {
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
		cur, err := cms.Get(ctx, "u", apiserver.GetOptions{})
		require.NoError(t, err)
		before := srv.Revision()
		updated, err := cms.Update(ctx, withData(t, cur, "v2"), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, before+1, rv(t, updated))
		require.Equal(t, before+1, srv.Revision())
		data, _ := updated.Lookup("data", "k")
		require.JSONEq(t, `"v2"`, string(data))
		ev := nextEvent(t, w)
		require.Equal(t, watch.Modified, ev.Type)
		require.Equal(t, string(updated.JSON()), string(ev.Object.JSON()))
	})

	t.Run("W-3 S-3 a stale resourceVersion is 409 Conflict", func(t *testing.T) {
		before := srv.Revision()
		_, err := cms.Update(ctx, withData(t, created, "stale"), apiserver.UpdateOptions{})
		requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonConflict,
			Message: optimisticLockMessage("configmaps", "u"),
			Details: &types.StatusDetails{Name: "u", Kind: "configmaps"}})
		require.True(t, types.IsConflict(err))
		require.Equal(t, before, srv.Revision())
	})

	t.Run("W-3 a future resourceVersion is 409 Conflict too", func(t *testing.T) {
		_, err := cms.Update(ctx, withData(t, created, "x").WithResourceVersion(fmtRV(srv.Revision()+100)), apiserver.UpdateOptions{})
		requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonConflict, Message: optimisticLockMessage("configmaps", "u")})
	})

	t.Run("W-3 the conflict message names the group resource", func(t *testing.T) {
		deps := srv.Resource(apiserver.Deployments).Namespace("default")
		d := mustCreate(t, deps, deployment(t, "dc", nil))
		_, err := deps.Update(ctx, withLabels(d, "a", "b"), apiserver.UpdateOptions{})
		require.NoError(t, err)
		_, err = deps.Update(ctx, withLabels(d, "a", "c"), apiserver.UpdateOptions{})
		requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonConflict,
			Message: optimisticLockMessage("deployments.apps", "dc"),
			Details: &types.StatusDetails{Name: "dc", Group: "apps", Kind: "deployments"}})
	})

	t.Run("W-4 built-ins allow unconditional updates of the latest version", func(t *testing.T) {
		before := srv.Revision()
		updated, err := cms.Update(ctx, withoutRV(withData(t, created, "unconditional")), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, before+1, rv(t, updated))
		require.Equal(t, created.UID(), updated.UID())
	})

	t.Run("W-6 a no-op update keeps the resourceVersion and makes no revision and no event", func(t *testing.T) {
		cur, err := cms.Get(ctx, "u", apiserver.GetOptions{})
		require.NoError(t, err)
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
		before := srv.Revision()
		for _, o := range []*types.Object{cur, withoutRV(cur)} {
			same, err := cms.Update(ctx, o, apiserver.UpdateOptions{})
			require.NoError(t, err)
			require.Equal(t, cur.ResourceVersion(), same.ResourceVersion())
			require.Equal(t, string(cur.JSON()), string(same.JSON()))
		}
		// Server-set fields the client omits are restored before the comparison.
		m := cur.Meta()
		m.UID, m.CreationTimestamp = "", types.Time{}
		same, err := cms.Update(ctx, cur.WithMeta(m), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, cur.ResourceVersion(), same.ResourceVersion())
		require.Equal(t, before, srv.Revision())
		requireNoEvent(t, w)
	})

	t.Run("W-6 a no-op update is recognised whatever the JSON key order", func(t *testing.T) {
		// fixed: was a known divergence
		o := mustCreate(t, cms, parseObject(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"order"},"data":{"a":"1","b":"2"},"binaryData":{"x":"AQ=="}}`))
		before := srv.Revision()
		same, err := cms.Update(ctx, parseObject(t, `{"binaryData":{"x":"AQ=="},"data":{"b":"2","a":"1"},"metadata":{"name":"order","resourceVersion":"`+o.ResourceVersion()+`"},"kind":"ConfigMap","apiVersion":"v1"}`), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, o.ResourceVersion(), same.ResourceVersion())
		require.Equal(t, before, srv.Revision())
	})

	t.Run("uid and creationTimestamp are preserved on update", func(t *testing.T) {
		cur, err := cms.Get(ctx, "u", apiserver.GetOptions{})
		require.NoError(t, err)
		clk.Step(time.Hour)
		m := cur.Meta()
		m.UID = ""
		m.CreationTimestamp = types.NewTime(epoch.Add(-24 * time.Hour))
		m.Labels = map[string]string{"touched": "yes"}
		updated, err := cms.Update(ctx, cur.WithMeta(m), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, created.UID(), updated.UID())
		require.Equal(t, created.CreationTimestamp(), updated.CreationTimestamp())
		require.Equal(t, map[string]string{"touched": "yes"}, updated.Labels())
	})

	t.Run("W-8 a different uid in the body is 409 Conflict (the uid is a precondition)", func(t *testing.T) {
		cur, err := cms.Get(ctx, "u", apiserver.GetOptions{})
		require.NoError(t, err)
		m := cur.Meta()
		m.UID = "00000000-0000-4000-8000-000000000000"
		before := srv.Revision()
		_, err = cms.Update(ctx, cur.WithMeta(m), apiserver.UpdateOptions{})
		st := requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonConflict})
		require.True(t, strings.HasPrefix(st.Message, `Operation cannot be fulfilled on configmaps "u": `), st.Message)
		require.True(t, strings.HasSuffix(st.Message, "Precondition failed: UID in precondition: "+m.UID+", UID in object meta: "+created.UID()), st.Message)
		require.Equal(t, before, srv.Revision())
	})

	t.Run("a namespace mismatch is 400 BadRequest", func(t *testing.T) {
		cur, err := cms.Get(ctx, "u", apiserver.GetOptions{})
		require.NoError(t, err)
		_, err = srv.Resource(apiserver.ConfigMaps).Namespace("kube-system").Update(ctx, cur, apiserver.UpdateOptions{})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
			Message: "the namespace of the provided object does not match the namespace sent on the request"})
	})

	t.Run("W-9 an update without a name is 422", func(t *testing.T) {
		_, err := cms.Update(ctx, toObject(t, types.Unstructured{"metadata": map[string]any{}}), apiserver.UpdateOptions{})
		st := requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid})
		require.Equal(t, "metadata.name", st.Details.Causes[0].Field)
	})

	t.Run("dryRun=All returns the result but stores nothing", func(t *testing.T) {
		cur, err := cms.Get(ctx, "u", apiserver.GetOptions{})
		require.NoError(t, err)
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
		before := srv.Revision()
		dry, err := cms.Update(ctx, withData(t, cur, "dry"), apiserver.UpdateOptions{DryRun: []string{apiserver.DryRunAll}})
		require.NoError(t, err)
		data, _ := dry.Lookup("data", "k")
		require.JSONEq(t, `"dry"`, string(data))
		require.Equal(t, cur.UID(), dry.UID())
		require.Equal(t, before, srv.Revision())
		got, err := cms.Get(ctx, "u", apiserver.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, string(cur.JSON()), string(got.JSON()))
		requireNoEvent(t, w)
	})

	t.Run("dryRun=All still checks the resourceVersion", func(t *testing.T) {
		_, err := cms.Update(ctx, withData(t, created, "dry"), apiserver.UpdateOptions{DryRun: []string{apiserver.DryRunAll}})
		require.True(t, types.IsConflict(err))
	})

	t.Run("a cluster-scoped update drops a namespace", func(t *testing.T) {
		nodes := srv.Resource(apiserver.Nodes)
		n := mustCreate(t, nodes, toObject(t, types.Unstructured{"metadata": map[string]any{"name": "node-u"}}))
		m := n.Meta()
		m.Namespace = "default"
		m.Labels = map[string]string{"x": "y"}
		updated, err := nodes.Update(ctx, n.WithMeta(m), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Empty(t, updated.Namespace())
	})

	t.Run("a namespace keeps its kubernetes.io/metadata.name label across updates", func(t *testing.T) {
		ns := createNamespace(t, srv, "relabel")
		updated, err := srv.Resource(apiserver.Namespaces).Update(ctx, withLabels(ns, "team", "a"), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"team": "a", "kubernetes.io/metadata.name": "relabel"}, updated.Labels())
	})
}

func TestUpdateCreateOnUpdate(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	newObj := func(kind, apiVersion, name string) *types.Object {
		return toObject(t, types.Unstructured{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name}})
	}
	creates := []struct {
		gvr        types.GroupVersionResource
		kind, apiV string
	}{
		{apiserver.Services, "Service", "v1"},
		{apiserver.Events, "Event", "v1"},
		{apiserver.Leases, "Lease", "coordination.k8s.io/v1"},
		{types.GroupVersionResource{Version: "v1", Resource: "endpoints"}, "Endpoints", "v1"},
		{types.GroupVersionResource{Version: "v1", Resource: "limitranges"}, "LimitRange", "v1"},
	}
	for _, c := range creates {
		t.Run("W-5 an update of a missing "+c.gvr.Resource+" creates it", func(t *testing.T) {
			client := srv.Resource(c.gvr).Namespace("default")
			w := startWatch(t, client, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
			before := srv.Revision()
			obj := newObj(c.kind, c.apiV, "cou")
			if c.gvr == apiserver.Services {
				obj = obj.WithMember("spec", []byte(`{"clusterIP":"None"}`)) // headless: valid without ports
			}
			o, err := client.Update(ctx, obj, apiserver.UpdateOptions{})
			require.NoError(t, err)
			require.Equal(t, before+1, rv(t, o))
			require.Regexp(t, uidPattern, o.UID())
			require.False(t, o.CreationTimestamp().IsZero())
			require.Equal(t, "default", o.Namespace())
			ev := nextEvent(t, w)
			require.Equal(t, watch.Added, ev.Type, "W-5 emits ADDED")
			require.Equal(t, string(o.JSON()), string(ev.Object.JSON()))
			got, err := client.Get(ctx, "cou", apiserver.GetOptions{})
			require.NoError(t, err)
			require.Equal(t, o.UID(), got.UID())
		})
	}
	t.Run("W-5 create-on-update still checks the namespace exists", func(t *testing.T) {
		_, err := srv.Resource(apiserver.Services).Namespace("nowhere").Update(ctx, newObj("Service", "v1", "x"), apiserver.UpdateOptions{})
		requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound, Message: `namespaces "nowhere" not found`})
	})
	notFound := []struct {
		gvr        types.GroupVersionResource
		kind, apiV string
		message    string
		details    types.StatusDetails
	}{
		{apiserver.Pods, "Pod", "v1", `pods "cou" not found`, types.StatusDetails{Name: "cou", Kind: "pods"}},
		{apiserver.ConfigMaps, "ConfigMap", "v1", `configmaps "cou" not found`, types.StatusDetails{Name: "cou", Kind: "configmaps"}},
		{apiserver.Secrets, "Secret", "v1", `secrets "cou" not found`, types.StatusDetails{Name: "cou", Kind: "secrets"}},
		{apiserver.Deployments, "Deployment", "apps/v1", `deployments.apps "cou" not found`, types.StatusDetails{Name: "cou", Group: "apps", Kind: "deployments"}},
	}
	for _, c := range notFound {
		t.Run("W-5 an update of a missing "+c.gvr.Resource+" is 404", func(t *testing.T) {
			before := srv.Revision()
			_, err := srv.Resource(c.gvr).Namespace("default").Update(ctx, newObj(c.kind, c.apiV, "cou"), apiserver.UpdateOptions{})
			requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound, Message: c.message, Details: &c.details})
			require.Equal(t, before, srv.Revision())
		})
	}
}

func TestUpdateGeneration(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)

	t.Run("V-1 deployments bump generation on spec or annotation changes, not labels or status", func(t *testing.T) {
		deps := srv.Resource(apiserver.Deployments).Namespace("default")
		d := mustCreate(t, deps, deployment(t, "gen", nil))
		steps := []struct {
			name string
			edit func(u types.Unstructured)
			want int64
		}{
			{"label", func(u types.Unstructured) { u.SetLabels(map[string]string{"a": "b"}) }, 1},
			{"status", func(u types.Unstructured) { _ = u.SetNested(int64(3), "status", "replicas") }, 1},
			{"spec", func(u types.Unstructured) { _ = u.SetNested(int64(2), "spec", "replicas") }, 2},
			{"annotation", func(u types.Unstructured) { u.SetAnnotations(map[string]string{"n": "1"}) }, 3},
			{"another annotation value", func(u types.Unstructured) { u.SetAnnotations(map[string]string{"n": "2"}) }, 4},
			{"spec and annotation together", func(u types.Unstructured) {
				_ = u.SetNested(int64(5), "spec", "replicas")
				u.SetAnnotations(map[string]string{"n": "3"})
			}, 5},
			{"a client generation is ignored", func(u types.Unstructured) { _ = u.SetNested(int64(42), "metadata", "generation") }, 5},
		}
		for _, s := range steps {
			u, err := d.Unstructured()
			require.NoError(t, err)
			s.edit(u)
			d, err = deps.Update(ctx, toObject(t, u), apiserver.UpdateOptions{})
			require.NoError(t, err, s.name)
			require.Equal(t, s.want, d.Generation(), s.name)
		}
	})

	t.Run("V-1 pods bump generation on spec changes, not labels", func(t *testing.T) {
		pods := srv.Resource(apiserver.Pods).Namespace("default")
		p := mustCreate(t, pods, pod(t, "gen", "", ""))
		p, err := pods.Update(ctx, withLabels(p, "a", "b"), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, int64(1), p.Generation(), "label")
		u, err := p.Unstructured()
		require.NoError(t, err)
		containers, _ := u.Nested("spec", "containers")
		containers.([]any)[0].(map[string]any)["image"] = "nginx:2" // the image is a pod's mutable spec field
		p, err = pods.Update(ctx, toObject(t, u), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, int64(2), p.Generation(), "spec")
	})

	t.Run("V-1 configmaps never get a generation", func(t *testing.T) {
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		c := mustCreate(t, cms, configMap(t, "gen"))
		c, err := cms.Update(ctx, withData(t, c, "v2"), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, int64(0), c.Generation())
		u, err := c.Unstructured()
		require.NoError(t, err)
		require.NoError(t, u.SetNested(int64(9), "metadata", "generation"))
		c, err = cms.Update(ctx, toObject(t, u), apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, int64(0), c.Generation(), "rest.BeforeUpdate keeps the stored generation")
	})

	t.Run("status sent to the main resource is ignored (status subresource kinds)", func(t *testing.T) {
		// fixed: was a known divergence
		deps := srv.Resource(apiserver.Deployments).Namespace("default")
		u, err := deployment(t, "status", nil).Unstructured()
		require.NoError(t, err)
		require.NoError(t, u.SetNested(int64(7), "status", "replicas"))
		d := mustCreate(t, deps, toObject(t, u))
		_, found := d.Lookup("status", "replicas")
		require.False(t, found, "status is reset on create")
		u, err = d.Unstructured()
		require.NoError(t, err)
		require.NoError(t, u.SetNested(int64(7), "status", "replicas"))
		d, err = deps.Update(ctx, toObject(t, u), apiserver.UpdateOptions{})
		require.NoError(t, err)
		_, found = d.Lookup("status", "replicas")
		require.False(t, found, "status is kept on update")
	})
}

func TestUpdateConcurrency(t *testing.T) {
	ctx := context.Background()
	const n = 32

	t.Run("W-4 concurrent unconditional updates all succeed, each with its own revision", func(t *testing.T) {
		srv, _ := newServer(t)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		base := mustCreate(t, cms, configMap(t, "hot"))
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: base.ResourceVersion(), FieldSelector: "metadata.name=hot"})
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			obj := withoutRV(withData(t, base, fmt.Sprint("writer-", i)))
			wg.Go(func() {
				_, errs[i] = cms.Update(ctx, obj, apiserver.UpdateOptions{})
			})
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "writer %d: W-4 never surfaces a 409 caused by a concurrent writer", i)
		}
		require.Equal(t, rv(t, base)+n, srv.Revision(), "S-5 one revision per update")
		seen := map[string]bool{}
		last := rv(t, base)
		for range n {
			ev := nextEvent(t, w)
			require.Equal(t, watch.Modified, ev.Type)
			require.Greater(t, rv(t, ev.Object), last, "X-15 strictly increasing")
			last = rv(t, ev.Object)
			data, _ := ev.Object.Lookup("data", "k")
			require.False(t, seen[string(data)], "each writer's value is one revision")
			seen[string(data)] = true
			require.Equal(t, base.UID(), ev.Object.UID())
		}
		require.Len(t, seen, n)
		requireNoEvent(t, w)
	})

	t.Run("W-2 W-3 concurrent conditional updates from one resourceVersion: exactly one wins", func(t *testing.T) {
		srv, _ := newServer(t)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		base := mustCreate(t, cms, configMap(t, "race"))
		var wg sync.WaitGroup
		errs := make([]error, n)
		results := make([]*types.Object, n)
		for i := range n {
			obj := withData(t, base, fmt.Sprint("writer-", i))
			wg.Go(func() {
				results[i], errs[i] = cms.Update(ctx, obj, apiserver.UpdateOptions{})
			})
		}
		wg.Wait()
		winners := 0
		for i, err := range errs {
			if err == nil {
				winners++
				require.Equal(t, rv(t, base)+1, rv(t, results[i]))
				continue
			}
			requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonConflict, Message: optimisticLockMessage("configmaps", "race")})
		}
		require.Equal(t, 1, winners)
		require.Equal(t, rv(t, base)+1, srv.Revision())
	})
}
