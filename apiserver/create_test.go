package apiserver_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

func TestCreate(t *testing.T) {
	ctx := context.Background()
	srv, clk := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")

	t.Run("W-1 create returns the stored object with a new resourceVersion and emits an identical ADDED", func(t *testing.T) {
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
		before := srv.Revision()
		clk.Step(time.Minute)
		created, err := cms.Create(ctx, configMap(t, "w1", "app", "x"), apiserver.CreateOptions{})
		require.NoError(t, err)
		require.Equal(t, before+1, rv(t, created), "S-5: exactly one new revision")
		require.Equal(t, before+1, srv.Revision())
		require.Equal(t, "w1", created.Name())
		require.Equal(t, "default", created.Namespace())
		require.Equal(t, "ConfigMap", created.Kind())
		require.Equal(t, "v1", created.APIVersion())
		require.Regexp(t, uidPattern, created.UID())
		require.Equal(t, clk.Now(), created.CreationTimestamp().Time)
		ev := nextEvent(t, w)
		require.Equal(t, watch.Added, ev.Type)
		require.Equal(t, string(created.JSON()), string(ev.Object.JSON()))
		got, err := cms.Get(ctx, "w1", apiserver.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, string(created.JSON()), string(got.JSON()))
	})

	t.Run("W-1 kind and apiVersion are filled in when empty", func(t *testing.T) {
		o := mustCreate(t, cms, toObject(t, types.Unstructured{"metadata": map[string]any{"name": "typeless"}}))
		require.Equal(t, "ConfigMap", o.Kind())
		require.Equal(t, "v1", o.APIVersion())
	})

	t.Run("W-1 S-3 a duplicate name is 409 AlreadyExists", func(t *testing.T) {
		before := srv.Revision()
		_, err := cms.Create(ctx, configMap(t, "w1"), apiserver.CreateOptions{})
		requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonAlreadyExists,
			Message: `configmaps "w1" already exists`,
			Details: &types.StatusDetails{Name: "w1", Kind: "configmaps"}})
		require.True(t, types.IsAlreadyExists(err))
		require.Equal(t, before, srv.Revision(), "a failed write makes no revision")
	})

	t.Run("W-1 concurrent creates of one name: exactly one wins, the others are 409 AlreadyExists", func(t *testing.T) {
		before := srv.Revision()
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		obj := configMap(t, "contended")
		for i := range n {
			wg.Go(func() {
				_, errs[i] = cms.Create(ctx, obj, apiserver.CreateOptions{})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			require.True(t, types.IsAlreadyExists(err), err)
		}
		require.Equal(t, 1, wins)
		require.Equal(t, before+1, srv.Revision())
	})

	t.Run("S-3 AlreadyExists names the group of a group resource", func(t *testing.T) {
		deps := srv.Resource(apiserver.Deployments).Namespace("default")
		mustCreate(t, deps, deployment(t, "d", nil))
		_, err := deps.Create(ctx, deployment(t, "d", nil), apiserver.CreateOptions{})
		requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonAlreadyExists,
			Message: `deployments.apps "d" already exists`,
			Details: &types.StatusDetails{Name: "d", Group: "apps", Kind: "deployments"}})
	})

	t.Run("W-1 KUBE a numeric non-zero resourceVersion is 500 with an empty reason", func(t *testing.T) {
		for _, v := range []string{"1", "12345", "18446744073709551615"} {
			before := srv.Revision()
			o := configMap(t, "numeric-rv").WithResourceVersion(v)
			_, err := cms.Create(ctx, o, apiserver.CreateOptions{})
			st := requireStatus(t, err, wantStatus{Code: 500, Reason: "",
				Message: "resourceVersion should not be set on objects to be created"})
			require.Nil(t, st.Details)
			require.Equal(t, before, srv.Revision())
		}
	})

	t.Run("W-1 KUBE a non-numeric or zero resourceVersion is ignored", func(t *testing.T) {
		for i, v := range []string{"abc", "0", "-1", " 1"} {
			name := "ignored-rv-" + string(rune('a'+i))
			before := srv.Revision()
			o, err := cms.Create(ctx, configMap(t, name).WithResourceVersion(v), apiserver.CreateOptions{})
			require.NoError(t, err, v)
			require.Equal(t, before+1, rv(t, o), v)
		}
	})

	t.Run("server-set fields: uid, creationTimestamp and deletion fields from the client are replaced (rest.BeforeCreate)", func(t *testing.T) {
		o := toObject(t, types.Unstructured{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{
			"name": "sysfields", "uid": "client-uid", "creationTimestamp": "2001-01-01T00:00:00Z",
			"deletionTimestamp": "2001-01-01T00:00:00Z", "deletionGracePeriodSeconds": int64(5),
		}})
		created := mustCreate(t, cms, o)
		require.NotEqual(t, "client-uid", created.UID())
		require.Regexp(t, uidPattern, created.UID())
		require.Equal(t, clk.Now(), created.CreationTimestamp().Time)
		require.Nil(t, created.DeletionTimestamp())
		require.Nil(t, created.DeletionGracePeriodSeconds())
	})

	t.Run("labels, annotations, finalizers and the body are stored as given", func(t *testing.T) {
		o := toObject(t, types.Unstructured{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "kept", "labels": map[string]any{"a": "1"}, "annotations": map[string]any{"n": "x"},
				"finalizers": []any{"example.com/f"}},
			"data": map[string]any{"k": "v"}, "binaryData": map[string]any{"b": "AQI="}})
		created := mustCreate(t, cms, o)
		require.Equal(t, map[string]string{"a": "1"}, created.Labels())
		require.Equal(t, map[string]string{"n": "x"}, created.Annotations())
		require.Equal(t, []string{"example.com/f"}, created.Finalizers())
		data, _ := created.Lookup("data")
		require.JSONEq(t, `{"k":"v"}`, string(data))
		bin, _ := created.Lookup("binaryData")
		require.JSONEq(t, `{"b":"AQI="}`, string(bin))
	})

	t.Run("a namespace mismatch is 400 BadRequest", func(t *testing.T) {
		o := toObject(t, types.Unstructured{"metadata": map[string]any{"name": "mismatch", "namespace": "kube-system"}})
		_, err := cms.Create(ctx, o, apiserver.CreateOptions{})
		st := requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
			Message: "the namespace of the provided object does not match the namespace sent on the request"})
		require.Nil(t, st.Details)
	})

	t.Run("the request namespace is applied to an object without one", func(t *testing.T) {
		o := mustCreate(t, srv.Resource(apiserver.ConfigMaps).Namespace("kube-public"), configMap(t, "ns-applied"))
		require.Equal(t, "kube-public", o.Namespace())
	})

	t.Run("an object's namespace is used by an all-namespaces client", func(t *testing.T) {
		o := toObject(t, types.Unstructured{"metadata": map[string]any{"name": "from-object", "namespace": "kube-system"}})
		created := mustCreate(t, srv.Resource(apiserver.ConfigMaps), o)
		require.Equal(t, "kube-system", created.Namespace())
	})

	t.Run("cluster-scoped objects lose a namespace", func(t *testing.T) {
		nodes := srv.Resource(apiserver.Nodes)
		o := toObject(t, types.Unstructured{"metadata": map[string]any{"name": "n1", "namespace": "default"}})
		created := mustCreate(t, nodes, o)
		require.Empty(t, created.Namespace())
		got, err := nodes.Get(ctx, "n1", apiserver.GetOptions{})
		require.NoError(t, err)
		require.Empty(t, got.Namespace())
		// A namespace on the client does not matter either.
		created = mustCreate(t, nodes.Namespace("default"), toObject(t, types.Unstructured{"metadata": map[string]any{"name": "n2"}}))
		require.Empty(t, created.Namespace())
	})

	t.Run("V-6 creating in a missing namespace is 404 namespaces \"x\" not found", func(t *testing.T) {
		before := srv.Revision()
		_, err := srv.Resource(apiserver.ConfigMaps).Namespace("x").Create(ctx, configMap(t, "c"), apiserver.CreateOptions{})
		requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound,
			Message: `namespaces "x" not found`,
			Details: &types.StatusDetails{Name: "x", Kind: "namespaces"}})
		require.Equal(t, before, srv.Revision())
	})

	t.Run("a wrong kind is 400 BadRequest", func(t *testing.T) {
		o := toObject(t, types.Unstructured{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "wrong-kind"}})
		_, err := cms.Create(ctx, o, apiserver.CreateOptions{})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest})
		o = toObject(t, types.Unstructured{"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "wrong-version"}})
		_, err = cms.Create(ctx, o, apiserver.CreateOptions{})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest})
	})

	t.Run("W-9 S-3 invalid names are 422 Invalid with causes", func(t *testing.T) {
		cases := []struct {
			name, message string
			cause         types.StatusCause
		}{
			{"", `ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required`,
				types.StatusCause{Type: types.CauseTypeFieldValueRequired, Message: "Required value: name or generateName is required", Field: "metadata.name"}},
			{"Bad_Name", `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
				types.StatusCause{Type: types.CauseTypeFieldValueInvalid, Message: `Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`, Field: "metadata.name"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := srv.Revision()
				_, err := cms.Create(ctx, toObject(t, types.Unstructured{"metadata": map[string]any{"name": c.name}}), apiserver.CreateOptions{})
				requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid, Message: c.message,
					Details: &types.StatusDetails{Name: c.name, Kind: "ConfigMap", Causes: []types.StatusCause{c.cause}}})
				require.True(t, types.IsInvalid(err))
				require.Equal(t, before, srv.Revision())
			})
		}
	})

	t.Run("dryRun=All stores nothing and makes no revision", func(t *testing.T) {
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision())})
		before := srv.Revision()
		o, err := cms.Create(ctx, configMap(t, "dry"), apiserver.CreateOptions{DryRun: []string{apiserver.DryRunAll}})
		require.NoError(t, err)
		require.Equal(t, "dry", o.Name())
		require.Regexp(t, uidPattern, o.UID())
		require.Equal(t, clk.Now(), o.CreationTimestamp().Time)
		require.Equal(t, before, srv.Revision())
		_, err = cms.Get(ctx, "dry", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
		requireNoEvent(t, w)
	})

	t.Run("dryRun=All still answers 409 for a taken name", func(t *testing.T) {
		_, err := cms.Create(ctx, configMap(t, "w1"), apiserver.CreateOptions{DryRun: []string{apiserver.DryRunAll}})
		require.True(t, types.IsAlreadyExists(err))
	})

	t.Run("an unknown dryRun value is 400", func(t *testing.T) {
		_, err := cms.Create(ctx, configMap(t, "dry-bad"), apiserver.CreateOptions{DryRun: []string{"Some"}})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest})
		_, err = cms.Get(ctx, "dry-bad", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
	})
}

func TestCreateGenerateName(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	const alphabet = "bcdfghjklmnpqrstvwxz2456789" // apimachinery utilrand

	t.Run("generateName appends 5 characters of kube's alphabet", func(t *testing.T) {
		seen := map[string]bool{}
		for range 50 {
			o := mustCreate(t, cms, toObject(t, types.Unstructured{"metadata": map[string]any{"generateName": "web-"}}))
			require.True(t, strings.HasPrefix(o.Name(), "web-"), o.Name())
			suffix := strings.TrimPrefix(o.Name(), "web-")
			require.Len(t, suffix, 5)
			for _, c := range suffix {
				require.Contains(t, alphabet, string(c), o.Name())
			}
			require.Equal(t, "web-", o.GenerateName())
			require.False(t, seen[o.Name()])
			seen[o.Name()] = true
		}
	})

	t.Run("concurrent generateName creates all get distinct names", func(t *testing.T) {
		const n = 64
		names := make([]string, n)
		var wg sync.WaitGroup
		obj := toObject(t, types.Unstructured{"metadata": map[string]any{"generateName": "par-"}})
		for i := range n {
			wg.Go(func() {
				o, err := cms.Create(ctx, obj, apiserver.CreateOptions{})
				if err == nil {
					names[i] = o.Name()
				}
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, name := range names {
			require.NotEmpty(t, name)
			require.False(t, seen[name], name)
			seen[name] = true
		}
	})

	t.Run("a name given with generateName wins", func(t *testing.T) {
		o := mustCreate(t, cms, toObject(t, types.Unstructured{"metadata": map[string]any{"name": "fixed", "generateName": "web-"}}))
		require.Equal(t, "fixed", o.Name())
	})

	t.Run("W-9 an invalid generateName is 422 on metadata.generateName", func(t *testing.T) {
		_, err := cms.Create(ctx, toObject(t, types.Unstructured{"metadata": map[string]any{"generateName": "Bad_"}}), apiserver.CreateOptions{})
		st := requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid})
		require.NotEmpty(t, st.Details.Causes)
		require.Equal(t, "metadata.generateName", st.Details.Causes[0].Field)
	})

	t.Run("a generateName longer than 58 characters is truncated to 58 (names.SimpleNameGenerator)", func(t *testing.T) {
		// fixed: was a known divergence
		base := strings.Repeat("a", 70) + "-"
		o := mustCreate(t, cms, toObject(t, types.Unstructured{"metadata": map[string]any{"generateName": base}}))
		require.Len(t, o.Name(), 63)
		require.True(t, strings.HasPrefix(o.Name(), base[:58]))
	})

	t.Run("V-4 a generated namespace name stays a valid DNS label", func(t *testing.T) {
		// fixed: was a known divergence
		base := strings.Repeat("n", 60)
		o, err := srv.Resource(apiserver.Namespaces).Create(ctx, toObject(t, types.Unstructured{"metadata": map[string]any{"generateName": base}}), apiserver.CreateOptions{})
		require.NoError(t, err)
		require.LessOrEqual(t, len(o.Name()), 63)
	})
}

func TestCreateNamespace(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	nss := srv.Resource(apiserver.Namespaces)

	t.Run("a new namespace gets the kubernetes.io/metadata.name label", func(t *testing.T) {
		o := createNamespace(t, srv, "team-a")
		v, ok := o.Label("kubernetes.io/metadata.name")
		require.True(t, ok)
		require.Equal(t, "team-a", v)
	})

	t.Run("a client value of the label is overwritten with the name", func(t *testing.T) {
		o := mustCreate(t, nss, toObject(t, types.Unstructured{"metadata": map[string]any{"name": "team-b",
			"labels": map[string]any{"kubernetes.io/metadata.name": "other", "x": "y"}}}))
		require.Equal(t, map[string]string{"kubernetes.io/metadata.name": "team-b", "x": "y"}, o.Labels())
	})

	t.Run("a generated namespace is labelled with its generated name", func(t *testing.T) {
		o := mustCreate(t, nss, toObject(t, types.Unstructured{"metadata": map[string]any{"generateName": "gen-"}}))
		v, _ := o.Label("kubernetes.io/metadata.name")
		require.Equal(t, o.Name(), v)
	})

	cases := []struct{ name, message string }{
		{"bad.name", `Namespace "bad.name" is invalid: metadata.name: Invalid value: "bad.name": must not contain dots`},
		{"Bad", `Namespace "Bad" is invalid: metadata.name: Invalid value: "Bad": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{strings.Repeat("a", 64), `Namespace "` + strings.Repeat("a", 64) + `" is invalid: metadata.name: Invalid value: "` + strings.Repeat("a", 64) + `": must be no more than 63 characters`},
	}
	for _, c := range cases {
		t.Run("V-4 "+c.name[:min(len(c.name), 10)], func(t *testing.T) {
			_, err := nss.Create(ctx, toObject(t, types.Unstructured{"metadata": map[string]any{"name": c.name}}), apiserver.CreateOptions{})
			st := requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid, Message: c.message})
			require.Equal(t, "Namespace", st.Details.Kind)
			require.Equal(t, c.name, st.Details.Name)
			require.Len(t, st.Details.Causes, 1)
			require.Equal(t, types.CauseTypeFieldValueInvalid, st.Details.Causes[0].Type)
			require.Equal(t, "metadata.name", st.Details.Causes[0].Field)
		})
	}

	t.Run("V-4 a 63-character namespace name is valid", func(t *testing.T) {
		createNamespace(t, srv, strings.Repeat("a", 63))
	})
}

// deployment builds a Deployment with the given annotations.
func deployment(t testing.TB, name string, annotations map[string]any) *types.Object {
	t.Helper()
	meta := map[string]any{"name": name}
	if annotations != nil {
		meta["annotations"] = annotations
	}
	return toObject(t, types.Unstructured{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
		"spec": map[string]any{"replicas": int64(1), "selector": map[string]any{"matchLabels": map[string]any{"app": name}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": name}},
				"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}}}}})
}

func TestCreateGeneration(t *testing.T) {
	srv, _ := newServer(t)
	cases := []struct {
		name string
		gvr  types.GroupVersionResource
		obj  *types.Object
		want int64
	}{
		{"V-1 deployments start at generation 1", apiserver.Deployments, deployment(t, "d", nil), 1},
		{"V-1 pods start at generation 1", apiserver.Pods, pod(t, "p", "", ""), 1},
		{"V-1 configmaps have no generation", apiserver.ConfigMaps, configMap(t, "c"), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := mustCreate(t, srv.Resource(c.gvr).Namespace("default"), c.obj)
			require.Equal(t, c.want, o.Generation())
			if c.want == 0 {
				require.NotContains(t, string(o.JSON()), `"generation"`)
			}
		})
	}
	t.Run("V-1 a client generation on create is replaced by 1", func(t *testing.T) {
		u, err := deployment(t, "d-gen", nil).Unstructured()
		require.NoError(t, err)
		require.NoError(t, u.SetNested(int64(7), "metadata", "generation"))
		o := mustCreate(t, srv.Resource(apiserver.Deployments).Namespace("default"), toObject(t, u))
		require.Equal(t, int64(1), o.Generation())
	})
}
