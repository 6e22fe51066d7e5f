package apiserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// Shared helpers of the apiserver_test package (the tests of the verbs live in create_test.go, get_test.go, ...).

// epoch is the start time of every deterministic test server.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// eventWait bounds how long a test waits (in real time) for a watch event that must come.
const eventWait = 5 * time.Second

// quiet is how long a test waits (in real time) to conclude that no watch event is coming.
const quiet = 50 * time.Millisecond

// newServer returns a deterministic server (fake clock at epoch, fixed seed) that is closed with the test.
func newServer(t testing.TB) (*apiserver.Server, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(epoch)
	srv, err := apiserver.New(apiserver.Deterministic(clk, 1))
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv, clk
}

// toObject turns an unstructured literal into an object.
func toObject(t testing.TB, u types.Unstructured) *types.Object {
	t.Helper()
	o, err := u.ToObject()
	require.NoError(t, err)
	return o
}

// parseObject parses a JSON document into an object.
func parseObject(t testing.TB, doc string) *types.Object {
	t.Helper()
	o, err := types.ParseObject([]byte(doc))
	require.NoError(t, err)
	return o
}

// configMap builds a ConfigMap with data k=v and the given labels (key, value pairs).
func configMap(t testing.TB, name string, labels ...string) *types.Object {
	t.Helper()
	meta := map[string]any{"name": name}
	if len(labels) > 0 {
		l := map[string]any{}
		for i := 0; i+1 < len(labels); i += 2 {
			l[labels[i]] = labels[i+1]
		}
		meta["labels"] = l
	}
	return toObject(t, types.Unstructured{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": map[string]any{"k": "v"}})
}

// pod builds a Pod with one container, optionally bound to node and with status.phase set.
func pod(t testing.TB, name, node, phase string) *types.Object {
	t.Helper()
	spec := map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}}
	if node != "" {
		spec["nodeName"] = node
	}
	u := types.Unstructured{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name}, "spec": spec}
	if phase != "" {
		u["status"] = map[string]any{"phase": phase}
	}
	return toObject(t, u)
}

// createNamespace creates namespace name.
func createNamespace(t testing.TB, srv *apiserver.Server, name string) *types.Object {
	t.Helper()
	o, err := srv.Resource(apiserver.Namespaces).Create(context.Background(),
		toObject(t, types.Unstructured{"metadata": map[string]any{"name": name}}), apiserver.CreateOptions{})
	require.NoError(t, err)
	return o
}

// mustCreatePod creates a pod and, when it carries a status, sets that status through the status subresource as a
// kubelet would: a create always starts a pod Pending.
func mustCreatePod(t testing.TB, pods *apiserver.ResourceClient, p *types.Object) *types.Object {
	t.Helper()
	created := mustCreate(t, pods, p)
	status, ok := p.Lookup("status")
	if !ok {
		return created
	}
	updated, err := pods.UpdateStatus(context.Background(), created.WithMember("status", status), apiserver.UpdateOptions{})
	require.NoError(t, err)
	return updated
}

// mustCreate creates obj with c.
func mustCreate(t testing.TB, c *apiserver.ResourceClient, obj *types.Object) *types.Object {
	t.Helper()
	o, err := c.Create(context.Background(), obj, apiserver.CreateOptions{})
	require.NoError(t, err)
	return o
}

// withLabels returns o with its labels replaced (key, value pairs), keeping its resourceVersion.
func withLabels(o *types.Object, labels ...string) *types.Object {
	m := o.Meta()
	m.Labels = map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		m.Labels[labels[i]] = labels[i+1]
	}
	return o.WithMeta(m)
}

// withData returns a ConfigMap o with data k=v replaced by k=value, keeping its metadata.
func withData(t testing.TB, o *types.Object, value string) *types.Object {
	t.Helper()
	body, err := json.Marshal(map[string]any{"data": map[string]any{"k": value}})
	require.NoError(t, err)
	out, err := o.WithBody(body)
	require.NoError(t, err)
	return out
}

// withoutRV returns o with metadata.resourceVersion cleared (an unconditional update).
func withoutRV(o *types.Object) *types.Object { return o.WithResourceVersion("") }

// rv parses the resourceVersion of o.
func rv(t testing.TB, o *types.Object) int64 {
	t.Helper()
	n, err := strconv.ParseInt(o.ResourceVersion(), 10, 64)
	require.NoError(t, err, "resourceVersion %q", o.ResourceVersion())
	return n
}

// parseRV parses a resourceVersion string.
func parseRV(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, "resourceVersion %q", s)
	return n
}

// fmtRV formats a revision as a resourceVersion.
func fmtRV(n int64) string { return strconv.FormatInt(n, 10) }

// wantStatus is the Status an error must carry; empty fields (and a nil Details) are not checked, except Reason,
// which is always checked (an empty reason is kube's answer for plain errors).
type wantStatus struct {
	Code    int32
	Reason  types.StatusReason
	Message string
	Details *types.StatusDetails
}

// requireStatus checks the Status err carries (SEMANTICS S-1, S-3).
func requireStatus(t testing.TB, err error, want wantStatus) types.Status {
	t.Helper()
	require.Error(t, err)
	st := types.StatusFromError(err)
	require.Equal(t, "Status", st.Kind)
	require.Equal(t, "v1", st.APIVersion)
	require.Equal(t, types.StatusFailure, st.Status)
	require.Equal(t, want.Code, st.Code, "code of %q", st.Message)
	require.Equal(t, want.Reason, st.Reason, "reason of %q", st.Message)
	if want.Message != "" {
		require.Equal(t, want.Message, st.Message)
	}
	if want.Details != nil {
		require.Equal(t, want.Details, st.Details)
	}
	return st
}

// itemNames returns "<ns>/<name>" (or "<name>") of each item.
func itemNames(l *types.List) []string {
	out := make([]string, len(l.Items))
	for i, o := range l.Items {
		out[i] = o.Name()
		if o.Namespace() != "" {
			out[i] = o.Namespace() + "/" + o.Name()
		}
	}
	return out
}

// startWatch starts a watch that is stopped with the test.
func startWatch(t testing.TB, c *apiserver.ResourceClient, opts apiserver.ListOptions) watch.Interface {
	t.Helper()
	w, err := c.Watch(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(w.Stop)
	return w
}

// nextEvent returns the next event of w; it fails if none arrives in time or the watch ends.
func nextEvent(t testing.TB, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		require.True(t, ok, "watch ended")
		return ev
	case <-time.After(eventWait):
		t.Fatal("no watch event")
		return watch.Event{}
	}
}

// requireNoEvent checks that w delivers nothing for a while (and is still open).
func requireNoEvent(t testing.TB, w watch.Interface) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch ended")
		}
		t.Fatalf("unexpected event %s %s rv=%s", ev.Type, describe(ev), eventRV(ev))
	case <-time.After(quiet):
	}
}

// requireClosed checks that w's channel closes (with no further event) in time.
func requireClosed(t testing.TB, w watch.Interface) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		require.False(t, ok, "expected the watch to end, got %s %s", ev.Type, describe(ev))
	case <-time.After(eventWait):
		t.Fatal("watch did not end")
	}
}

// eventRV returns the resourceVersion an event carries.
func eventRV(ev watch.Event) string {
	if ev.Object == nil {
		return ""
	}
	return ev.Object.ResourceVersion()
}

func describe(ev watch.Event) string {
	switch {
	case ev.Err != nil:
		return ev.Err.Error()
	case ev.Object != nil:
		return ev.Object.Namespace() + "/" + ev.Object.Name()
	}
	return ""
}

// event is the comparable summary of a watch event.
type event struct {
	Type watch.EventType
	Name string
	RV   string
}

func summary(ev watch.Event) event {
	e := event{Type: ev.Type, RV: eventRV(ev)}
	if ev.Object != nil {
		e.Name = ev.Object.Name()
	}
	return e
}

// nextEvents returns the next n events of w as summaries.
func nextEvents(t testing.TB, w watch.Interface, n int) []event {
	t.Helper()
	out := make([]event, 0, n)
	for range n {
		out = append(out, summary(nextEvent(t, w)))
	}
	return out
}

func TestNew(t *testing.T) {
	ctx := context.Background()
	srv, err := apiserver.New(apiserver.Options{})
	require.NoError(t, err)
	defer srv.Close()

	t.Run("default namespaces exist, labelled kubernetes.io/metadata.name", func(t *testing.T) {
		l, err := srv.Resource(apiserver.Namespaces).List(ctx, apiserver.ListOptions{})
		require.NoError(t, err)
		require.Equal(t, []string{"default", "kube-node-lease", "kube-public", "kube-system"}, itemNames(l))
		for _, ns := range l.Items {
			v, ok := ns.Label("kubernetes.io/metadata.name")
			require.True(t, ok, ns.Name())
			require.Equal(t, ns.Name(), v)
			require.Equal(t, "Namespace", ns.Kind())
			require.Equal(t, "v1", ns.APIVersion())
			require.NotEmpty(t, ns.UID())
			require.False(t, ns.CreationTimestamp().IsZero())
			phase, _ := ns.Lookup("status", "phase")
			require.JSONEq(t, `"Active"`, string(phase))
		}
	})
	t.Run("S-5 every default namespace has its own revision", func(t *testing.T) {
		l, err := srv.Resource(apiserver.Namespaces).List(ctx, apiserver.ListOptions{})
		require.NoError(t, err)
		seen := map[string]bool{}
		for _, ns := range l.Items {
			require.False(t, seen[ns.ResourceVersion()])
			seen[ns.ResourceVersion()] = true
		}
		require.Equal(t, parseRV(t, l.ListMeta.ResourceVersion), srv.Revision())
	})
	t.Run("the zero Options work with the wall clock", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		o := mustCreate(t, srv.Resource(apiserver.ConfigMaps).Namespace("default"), configMap(t, "wall"))
		require.True(t, o.CreationTimestamp().After(before), o.CreationTimestamp())
	})
}

func TestResources(t *testing.T) {
	srv, _ := newServer(t)
	byGVR := map[types.GroupVersionResource]*apiserver.Resource{}
	for _, r := range srv.Resources() {
		_, dup := byGVR[r.GVR]
		require.False(t, dup, "duplicate %v", r.GVR)
		byGVR[r.GVR] = r
		got, ok := srv.ResourceFor(r.GVR)
		require.True(t, ok)
		require.Same(t, r, got)
		require.NotEmpty(t, r.Kind, r.GVR)
		require.Equal(t, r.Kind+"List", r.ListKind, r.GVR)
	}
	cases := []struct {
		gvr                                 types.GroupVersionResource
		kind                                string
		namespaced, createOnUpdate, deleted bool
		generation                          apiserver.GenerationRule
		requireRV                           bool // AllowUnconditionalUpdate is false (W-4)
	}{
		{apiserver.Pods, "Pod", true, false, true, apiserver.GenerationSpec, false},
		{apiserver.Services, "Service", true, true, true, apiserver.GenerationNone, false},
		{apiserver.ConfigMaps, "ConfigMap", true, false, false, apiserver.GenerationNone, false},
		{apiserver.Secrets, "Secret", true, false, false, apiserver.GenerationNone, false},
		{apiserver.Namespaces, "Namespace", false, false, true, apiserver.GenerationNone, false},
		{apiserver.Nodes, "Node", false, false, false, apiserver.GenerationNone, false},
		{apiserver.Events, "Event", true, true, false, apiserver.GenerationNone, false},
		{apiserver.Deployments, "Deployment", true, false, false, apiserver.GenerationSpecOrAnnotations, false},
		{apiserver.Leases, "Lease", true, true, false, apiserver.GenerationNone, false},
		{apiserver.CustomResourceDefinitions, "CustomResourceDefinition", false, false, false, apiserver.GenerationSpec, true},
	}
	for _, c := range cases {
		t.Run(c.gvr.String(), func(t *testing.T) {
			r, ok := byGVR[c.gvr]
			require.True(t, ok)
			require.Equal(t, c.kind, r.Kind)
			require.Equal(t, c.namespaced, r.Namespaced)
			require.Equal(t, c.createOnUpdate, r.AllowCreateOnUpdate, "W-5")
			require.Equal(t, !c.requireRV, r.AllowUnconditionalUpdate, "W-4")
			require.Equal(t, c.deleted, r.ReturnDeletedObject, "W-7")
			require.Equal(t, c.generation, r.Generation, "V-1")
		})
	}
	t.Run("W-5 endpoints and limitranges create on update", func(t *testing.T) {
		for _, res := range []string{"endpoints", "limitranges"} {
			r, ok := srv.ResourceFor(types.GroupVersionResource{Version: "v1", Resource: res})
			require.True(t, ok, res)
			require.True(t, r.AllowCreateOnUpdate, res)
		}
	})
}

func TestUnknownResource(t *testing.T) {
	srv, _ := newServer(t)
	ctx := context.Background()
	foos := srv.Resource(types.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "foos"}).Namespace("default")
	_, ok := srv.ResourceFor(types.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "foos"})
	require.False(t, ok)
	obj := toObject(t, types.Unstructured{"apiVersion": "example.com/v1", "kind": "Foo", "metadata": map[string]any{"name": "x"}})
	verbs := map[string]func() error{
		"create": func() error { _, err := foos.Create(ctx, obj, apiserver.CreateOptions{}); return err },
		"get":    func() error { _, err := foos.Get(ctx, "x", apiserver.GetOptions{}); return err },
		"list":   func() error { _, err := foos.List(ctx, apiserver.ListOptions{}); return err },
		"watch":  func() error { _, err := foos.Watch(ctx, apiserver.ListOptions{}); return err },
		"update": func() error { _, err := foos.Update(ctx, obj, apiserver.UpdateOptions{}); return err },
		"delete": func() error { _, err := foos.Delete(ctx, "x", apiserver.DeleteOptions{}); return err },
		"deletecollection": func() error {
			_, err := foos.DeleteCollection(ctx, apiserver.DeleteOptions{}, apiserver.ListOptions{})
			return err
		},
	}
	for name, verb := range verbs {
		t.Run(name+" is 404 NotFound", func(t *testing.T) {
			err := verb()
			requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound})
			require.True(t, types.IsNotFound(err))
		})
	}
	t.Run("a known resource at an unknown version is unknown", func(t *testing.T) {
		_, err := srv.Resource(types.GroupVersionResource{Group: "apps", Version: "v1beta1", Resource: "deployments"}).List(ctx, apiserver.ListOptions{})
		require.True(t, types.IsNotFound(err))
	})
}

// uidPattern is a version 4 UUID.
var uidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	// run builds the same history on a fresh server and returns every object it produced, as JSON.
	run := func(seed uint64) []string {
		clk := clock.NewFake(epoch)
		srv, err := apiserver.New(apiserver.Deterministic(clk, seed))
		require.NoError(t, err)
		defer srv.Close()
		var out []string
		nss, err := srv.Resource(apiserver.Namespaces).List(ctx, apiserver.ListOptions{})
		require.NoError(t, err)
		for _, ns := range nss.Items {
			out = append(out, string(ns.JSON()))
		}
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		for i := range 5 {
			clk.Step(time.Second)
			o := toObject(t, types.Unstructured{"metadata": map[string]any{"generateName": "gen-"}, "data": map[string]any{"i": fmt.Sprint(i)}})
			created := mustCreate(t, cms, o)
			out = append(out, string(created.JSON()))
		}
		l, err := cms.List(ctx, apiserver.ListOptions{})
		require.NoError(t, err)
		b, err := json.Marshal(l)
		require.NoError(t, err)
		return append(out, string(b))
	}
	a, b := run(7), run(7)
	t.Run("same seed and clock give identical uids, names, timestamps and resourceVersions", func(t *testing.T) {
		require.Equal(t, a, b)
	})
	t.Run("a different seed gives different uids and names", func(t *testing.T) {
		c := run(8)
		require.NotEqual(t, a[0], c[0])
		require.NotEqual(t, a[len(a)-1], c[len(c)-1])
	})
	t.Run("creationTimestamp comes from the fake clock", func(t *testing.T) {
		srv, clk := newServer(t)
		clk.Step(90 * time.Minute)
		o := mustCreate(t, srv.Resource(apiserver.ConfigMaps).Namespace("default"), configMap(t, "ts"))
		require.Equal(t, epoch.Add(90*time.Minute), o.CreationTimestamp().Time)
		require.Contains(t, string(o.JSON()), `"creationTimestamp":"2026-01-02T04:34:05Z"`)
	})
	t.Run("uids are version 4 UUIDs", func(t *testing.T) {
		srv, _ := newServer(t)
		o := mustCreate(t, srv.Resource(apiserver.ConfigMaps).Namespace("default"), configMap(t, "u"))
		require.Regexp(t, uidPattern, o.UID())
	})
}

func TestFork(t *testing.T) {
	ctx := context.Background()
	base, _ := newServer(t)
	baseCMs := base.Resource(apiserver.ConfigMaps).Namespace("default")
	fixture := mustCreate(t, baseCMs, configMap(t, "fixture"))
	rev := base.Revision()

	fork := base.Fork()
	t.Cleanup(func() { _ = fork.Close() })
	forkCMs := fork.Resource(apiserver.ConfigMaps).Namespace("default")

	t.Run("the fork starts with the objects and revision of the base", func(t *testing.T) {
		require.Equal(t, rev, fork.Revision())
		got, err := forkCMs.Get(ctx, "fixture", apiserver.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, string(fixture.JSON()), string(got.JSON()))
		nss, err := fork.Resource(apiserver.Namespaces).List(ctx, apiserver.ListOptions{})
		require.NoError(t, err)
		require.Len(t, nss.Items, 4)
	})
	t.Run("the fork's history starts at the fork", func(t *testing.T) {
		require.Equal(t, rev, fork.CompactedRevision())
		w := startWatch(t, forkCMs, apiserver.ListOptions{ResourceVersion: fmtRV(rev - 1)})
		ev := nextEvent(t, w)
		require.Equal(t, watch.Error, ev.Type)
		requireStatus(t, ev.Err, wantStatus{Code: 410, Reason: types.StatusReasonExpired,
			Message: fmt.Sprintf("too old resource version: %d (%d)", rev-1, rev)})
	})
	w := startWatch(t, forkCMs, apiserver.ListOptions{ResourceVersion: fmtRV(rev)})
	baseW := startWatch(t, baseCMs, apiserver.ListOptions{ResourceVersion: fmtRV(rev)})
	t.Run("writes to the fork are invisible to the base", func(t *testing.T) {
		_, err := forkCMs.Delete(ctx, "fixture", apiserver.DeleteOptions{})
		require.NoError(t, err)
		mustCreate(t, forkCMs, configMap(t, "only-in-fork"))
		_, err = forkCMs.Get(ctx, "fixture", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
		_, err = baseCMs.Get(ctx, "fixture", apiserver.GetOptions{})
		require.NoError(t, err)
		_, err = baseCMs.Get(ctx, "only-in-fork", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
		require.Equal(t, rev, base.Revision())
		require.Equal(t, rev+2, fork.Revision())
		require.Equal(t, []event{{watch.Deleted, "fixture", fmtRV(rev + 1)}, {watch.Added, "only-in-fork", fmtRV(rev + 2)}}, nextEvents(t, w, 2))
		requireNoEvent(t, baseW)
	})
	t.Run("writes to the base are invisible to the fork", func(t *testing.T) {
		mustCreate(t, baseCMs, configMap(t, "only-in-base"))
		_, err := forkCMs.Get(ctx, "only-in-base", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
		require.Equal(t, event{watch.Added, "only-in-base", fmtRV(rev + 1)}, summary(nextEvent(t, baseW)))
		requireNoEvent(t, w)
	})
	t.Run("the fork's generated names and uids are deterministic too", func(t *testing.T) {
		mk := func() *types.Object {
			b, _ := newServer(t)
			f := b.Fork()
			defer f.Close()
			return mustCreate(t, f.Resource(apiserver.ConfigMaps).Namespace("default"),
				toObject(t, types.Unstructured{"metadata": map[string]any{"generateName": "f-"}}))
		}
		x, y := mk(), mk()
		require.Equal(t, x.Name(), y.Name())
		require.Equal(t, x.UID(), y.UID())
	})
}

func TestClose(t *testing.T) {
	srv, err := apiserver.New(apiserver.Options{})
	require.NoError(t, err)
	w, err := srv.Resource(apiserver.Pods).Watch(context.Background(), apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
	require.NoError(t, err)
	require.NoError(t, srv.Close())
	t.Run("Close ends every watch without an ERROR event", func(t *testing.T) {
		requireClosed(t, w)
	})
	t.Run("Close is idempotent", func(t *testing.T) {
		require.NotPanics(t, func() { _ = srv.Close() })
	})
}

// sortedCopy returns a sorted copy of s.
func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
