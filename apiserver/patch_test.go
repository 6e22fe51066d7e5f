package apiserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// lookup returns the JSON at path in o.
func lookup(t testing.TB, o *types.Object, path ...string) string {
	t.Helper()
	v, ok := o.Lookup(path...)
	require.True(t, ok, "%v missing in %s", path, o.JSON())
	return string(v)
}

func twoContainerPod(t testing.TB, name string) *types.Object {
	return parseObject(t, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"`+name+`","labels":{"app":"a"}},`+
		`"spec":{"containers":[{"name":"web","image":"nginx:1.25","ports":[{"containerPort":80}]},{"name":"side","image":"busybox"}]}}`)
}

// twoContainerDeployment is a deployment whose template has the containers of twoContainerPod: a pod's container
// list cannot change, a template's can.
func twoContainerDeployment(t testing.TB, name string) *types.Object {
	return parseObject(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"`+name+`"},"spec":{`+
		`"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},`+
		`"spec":{"containers":[{"name":"web","image":"nginx:1.25","ports":[{"containerPort":80}]},{"name":"side","image":"busybox"}]}}}}`)
}

// containerImages summarizes a container list as name=image pairs, leaving out the defaulted fields.
func containerImages(t testing.TB, raw string) string {
	var containers []struct{ Name, Image string }
	require.NoError(t, json.Unmarshal([]byte(raw), &containers))
	var out []string
	for _, c := range containers {
		out = append(out, c.Name+"="+c.Image)
	}
	return strings.Join(out, ",")
}

func TestPatchTypes(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	pods := srv.Resource(apiserver.Pods).Namespace("default")
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	deployments := srv.Resource(apiserver.Deployments).Namespace("default")
	cases := []struct {
		images   bool // compare the container list at path by containerImages
		name     string
		client   *apiserver.ResourceClient
		obj      *types.Object
		pt       apiserver.PatchType
		patch    string
		path     []string
		want     string
		wantMore map[string]string // more paths (dot-separated) and their JSON
	}{
		{name: "JSON patch", client: cms, obj: configMap(t, "jp"), pt: apiserver.JSONPatchType,
			patch: `[{"op":"test","path":"/data/k","value":"v"},{"op":"replace","path":"/data/k","value":"v2"}]`, path: []string{"data"}, want: `{"k":"v2"}`},
		{name: "merge patch replaces lists", client: deployments, obj: twoContainerDeployment(t, "mp"), pt: apiserver.MergePatchType,
			patch: `{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}`,
			path:  []string{"spec", "template", "spec", "containers"}, images: true, want: `web=nginx:1.26`},
		{name: "strategic merge patch merges containers by name", client: deployments, obj: twoContainerDeployment(t, "smp"), pt: apiserver.StrategicMergePatchType,
			patch: `{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}`,
			path:  []string{"spec", "template", "spec", "containers"}, images: true, want: `web=nginx:1.26,side=busybox`},
		{name: "strategic merge patch of labels", client: pods, obj: twoContainerPod(t, "labels"), pt: apiserver.StrategicMergePatchType,
			patch: `{"metadata":{"labels":{"app":null,"tier":"web"}}}`, path: []string{"metadata", "labels"}, want: `{"tier":"web"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			created := mustCreate(t, tc.client, tc.obj)
			w := startWatch(t, tc.client, apiserver.ListOptions{ResourceVersion: created.ResourceVersion()})
			patched, err := tc.client.Patch(ctx, created.Name(), tc.pt, []byte(tc.patch), apiserver.PatchOptions{})
			require.NoError(t, err)
			if tc.images {
				require.Equal(t, tc.want, containerImages(t, lookup(t, patched, tc.path...)))
			} else {
				require.JSONEq(t, tc.want, lookup(t, patched, tc.path...))
			}
			require.Greater(t, rv(t, patched), rv(t, created))
			require.Equal(t, created.UID(), patched.UID())
			require.Equal(t, created.CreationTimestamp(), patched.CreationTimestamp())
			ev := nextEvent(t, w)
			require.Equal(t, watch.Modified, ev.Type)
			require.Equal(t, string(patched.JSON()), string(ev.Object.JSON()))
			got, err := tc.client.Get(ctx, created.Name(), apiserver.GetOptions{})
			require.NoError(t, err)
			require.Equal(t, string(patched.JSON()), string(got.JSON()), "stored as returned")
		})
	}
}

func TestPatchSemantics(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	created := mustCreate(t, cms, configMap(t, "s"))

	t.Run("patch of a missing object is 404 NotFound (a patch never creates)", func(t *testing.T) {
		for _, pt := range []apiserver.PatchType{apiserver.JSONPatchType, apiserver.MergePatchType, apiserver.StrategicMergePatchType} {
			body := `{"data":{"a":"b"}}`
			if pt == apiserver.JSONPatchType {
				body = `[{"op":"add","path":"/data/a","value":"b"}]`
			}
			_, err := cms.Patch(ctx, "missing", pt, []byte(body), apiserver.PatchOptions{})
			requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound, Message: `configmaps "missing" not found`})
		}
	})

	t.Run("a resourceVersion in the patch is a precondition", func(t *testing.T) {
		cur, err := cms.Patch(ctx, "s", apiserver.MergePatchType, []byte(`{"data":{"k":"v1"}}`), apiserver.PatchOptions{})
		require.NoError(t, err)
		_, err = cms.Patch(ctx, "s", apiserver.MergePatchType,
			[]byte(`{"metadata":{"resourceVersion":"`+created.ResourceVersion()+`"},"data":{"k":"stale"}}`), apiserver.PatchOptions{})
		requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonConflict, Message: optimisticLockMessage("configmaps", "s")})
		next, err := cms.Patch(ctx, "s", apiserver.MergePatchType,
			[]byte(`{"metadata":{"resourceVersion":"`+cur.ResourceVersion()+`"},"data":{"k":"fresh"}}`), apiserver.PatchOptions{})
		require.NoError(t, err)
		require.JSONEq(t, `"fresh"`, lookup(t, next, "data", "k"))
	})

	t.Run("a patch removing resourceVersion is unconditional", func(t *testing.T) {
		next, err := cms.Patch(ctx, "s", apiserver.MergePatchType, []byte(`{"metadata":{"resourceVersion":null},"data":{"k":"u"}}`), apiserver.PatchOptions{})
		require.NoError(t, err)
		require.NotEmpty(t, next.ResourceVersion())
	})

	t.Run("a patch that changes nothing makes no revision and no event (W-6)", func(t *testing.T) {
		cur, err := cms.Get(ctx, "s", apiserver.GetOptions{})
		require.NoError(t, err)
		w := startWatch(t, cms, apiserver.ListOptions{ResourceVersion: cur.ResourceVersion()})
		before := srv.Revision()
		for _, p := range []struct {
			pt   apiserver.PatchType
			body string
		}{
			{apiserver.StrategicMergePatchType, `{"data":{"k":"u"},"metadata":{"labels":{"absent":null}}}`},
			{apiserver.MergePatchType, `{"data":{"k":"u"}}`},
			{apiserver.JSONPatchType, `[{"op":"replace","path":"/data/k","value":"u"}]`},
		} {
			same, err := cms.Patch(ctx, "s", p.pt, []byte(p.body), apiserver.PatchOptions{})
			require.NoError(t, err)
			require.Equal(t, cur.ResourceVersion(), same.ResourceVersion(), "%s", p.pt)
		}
		require.Equal(t, before, srv.Revision())
		requireNoEvent(t, w)
	})

	t.Run("dryRun returns the result without storing it", func(t *testing.T) {
		before := srv.Revision()
		out, err := cms.Patch(ctx, "s", apiserver.MergePatchType, []byte(`{"data":{"k":"dry"}}`), apiserver.PatchOptions{DryRun: []string{"All"}})
		require.NoError(t, err)
		require.JSONEq(t, `"dry"`, lookup(t, out, "data", "k"))
		require.Equal(t, before, srv.Revision())
		got, err := cms.Get(ctx, "s", apiserver.GetOptions{})
		require.NoError(t, err)
		require.JSONEq(t, `"u"`, lookup(t, got, "data", "k"))
	})

	t.Run("identity fields", func(t *testing.T) {
		cases := []struct {
			name, patch string
			want        wantStatus
		}{
			{name: "renaming is 400", patch: `{"metadata":{"name":"other"}}`, want: wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
				Message: "the name of the object (other) does not match the name on the URL (s)"}},
			{name: "moving namespace is 400", patch: `{"metadata":{"namespace":"kube-system"}}`, want: wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
				Message: "the namespace of the object (kube-system) does not match the namespace on the URL (default)"}},
			{name: "changing uid is 422", patch: `{"metadata":{"uid":"x"}}`, want: wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
				Message: `ConfigMap "s" is invalid: metadata.uid: Invalid value: "x": field is immutable`}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := cms.Patch(ctx, "s", apiserver.MergePatchType, []byte(tc.patch), apiserver.PatchOptions{})
				requireStatus(t, err, tc.want)
			})
		}
		kept, err := cms.Patch(ctx, "s", apiserver.MergePatchType, []byte(`{"metadata":{"creationTimestamp":"2001-01-01T00:00:00Z","uid":null}}`), apiserver.PatchOptions{})
		require.NoError(t, err, "creationTimestamp changes are ignored, a removed uid is kept")
		require.Equal(t, created.CreationTimestamp(), kept.CreationTimestamp())
		require.Equal(t, created.UID(), kept.UID())
	})
}

func TestPatchErrors(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	pods := srv.Resource(apiserver.Pods).Namespace("default")
	mustCreate(t, pods, twoContainerPod(t, "e"))
	manyOps := "[" + strings.TrimSuffix(strings.Repeat(`{"op":"test","path":"/kind","value":"Pod"},`, 10001), ",") + "]"
	cases := []struct {
		name  string
		pt    apiserver.PatchType
		patch string
		opts  apiserver.PatchOptions
		want  wantStatus
	}{
		{name: "malformed JSON patch is 400", pt: apiserver.JSONPatchType, patch: `{"op":"add"}`,
			want: wantStatus{Code: 400, Reason: types.StatusReasonBadRequest}},
		{name: "failed JSON patch test is 422", pt: apiserver.JSONPatchType, patch: `[{"op":"test","path":"/metadata/name","value":"x"}]`,
			want: wantStatus{Code: 422, Reason: types.StatusReasonInvalid, Message: "the server rejected our request due to an error in our request"}},
		{name: "too many operations is 413", pt: apiserver.JSONPatchType, patch: manyOps,
			want: wantStatus{Code: 413, Reason: types.StatusReasonRequestEntityTooLarge,
				Message: "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"}},
		{name: "merge patch null is 400", pt: apiserver.MergePatchType, patch: `null`,
			want: wantStatus{Code: 400, Reason: types.StatusReasonBadRequest, Message: "Invalid JSON Patch"}},
		{name: "merge patch to a non-object is 422", pt: apiserver.MergePatchType, patch: `[1]`,
			want: wantStatus{Code: 422, Reason: types.StatusReasonInvalid}},
		{name: "malformed strategic merge patch is 400", pt: apiserver.StrategicMergePatchType, patch: `{"spec":`,
			want: wantStatus{Code: 400, Reason: types.StatusReasonBadRequest}},
		{name: "strategic merge directive format is 400", pt: apiserver.StrategicMergePatchType, patch: `{"metadata":{"$deleteFromPrimitiveList":["a"]}}`,
			want: wantStatus{Code: 400, Reason: types.StatusReasonBadRequest, Message: "invalid patch format of primitive list"}},
		{name: "element without merge key is 500 with upstream's message", pt: apiserver.StrategicMergePatchType,
			patch: `{"spec":{"containers":[{"image":"x"}]}}`,
			want:  wantStatus{Code: 500, Reason: types.StatusReasonUnknown, Message: "map: map[image:x] does not contain declared merge key: name"}},
		{name: "server-side apply needs a field manager", pt: apiserver.ApplyPatchType, patch: `{}`,
			want: wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
				Message: `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`}},
		{name: "unknown patch type is 415", pt: "application/json", patch: `{}`,
			want: wantStatus{Code: 415, Reason: types.StatusReasonUnsupportedMediaType,
				Message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"}},
		{name: "force is only for apply", pt: apiserver.MergePatchType, patch: `{}`, opts: apiserver.PatchOptions{Force: new(bool)},
			want: wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
				Message: `PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch`}},
		{name: "dryRun values", pt: apiserver.MergePatchType, patch: `{}`, opts: apiserver.PatchOptions{DryRun: []string{"Some"}},
			want: wantStatus{Code: 422, Reason: types.StatusReasonInvalid}},
		{name: "fieldValidation values", pt: apiserver.MergePatchType, patch: `{}`, opts: apiserver.PatchOptions{FieldValidation: "Loose"},
			want: wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
				Message: `PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"`}},
		{name: "fieldManager length", pt: apiserver.MergePatchType, patch: `{}`, opts: apiserver.PatchOptions{FieldManager: strings.Repeat("m", 129)},
			want: wantStatus{Code: 422, Reason: types.StatusReasonInvalid}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.Revision()
			_, err := pods.Patch(ctx, "e", tc.pt, []byte(tc.patch), tc.opts)
			requireStatus(t, err, tc.want)
			require.Equal(t, before, srv.Revision())
		})
	}
	t.Run("a JSON patch failure carries the cause", func(t *testing.T) {
		_, err := pods.Patch(ctx, "e", apiserver.JSONPatchType, []byte(`[{"op":"remove","path":"/spec/nope"}]`), apiserver.PatchOptions{})
		st := requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid})
		require.NotNil(t, st.Details)
		require.Len(t, st.Details.Causes, 1)
		require.Equal(t, types.CauseTypeUnexpectedServerResponse, st.Details.Causes[0].Type)
	})
	t.Run("namespace is required", func(t *testing.T) {
		_, err := srv.Resource(apiserver.Pods).Patch(ctx, "e", apiserver.MergePatchType, []byte(`{}`), apiserver.PatchOptions{})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest})
	})
	t.Run("unknown resource", func(t *testing.T) {
		_, err := srv.Resource(types.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}).
			Patch(ctx, "e", apiserver.MergePatchType, []byte(`{}`), apiserver.PatchOptions{})
		require.True(t, types.IsNotFound(err))
	})
}

func TestPatchGeneration(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	deps := srv.Resource(apiserver.Deployments).Namespace("default")
	d := mustCreate(t, deps, deployment(t, "g", nil))
	require.Equal(t, int64(1), d.Generation())
	labeled, err := deps.Patch(ctx, "g", apiserver.StrategicMergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`), apiserver.PatchOptions{})
	require.NoError(t, err)
	require.Equal(t, int64(1), labeled.Generation(), "metadata-only patches keep the generation")
	scaled, err := deps.Patch(ctx, "g", apiserver.StrategicMergePatchType, []byte(`{"spec":{"replicas":7}}`), apiserver.PatchOptions{})
	require.NoError(t, err)
	require.Equal(t, int64(2), scaled.Generation(), "spec patches bump it")
}

func TestPatchClusterScopedAndTyped(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	nodes := srv.Resource(apiserver.Nodes)
	mustCreate(t, nodes, parseObject(t, `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n","finalizers":["a.io/x"]}}`))
	n, err := nodes.Patch(ctx, "n", apiserver.StrategicMergePatchType, []byte(`{"metadata":{"finalizers":["a.io/y"]}}`), apiserver.PatchOptions{})
	require.NoError(t, err)
	require.JSONEq(t, `["a.io/y","a.io/x"]`, lookup(t, n, "metadata", "finalizers"), "finalizers merge as a set, new values first")
	// Remove the finalizers again, or the server's cleanup would wait for them.
	_, err = nodes.Patch(ctx, "n", apiserver.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), apiserver.PatchOptions{})
	require.NoError(t, err)

	type configMapT struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	cms := apiserver.For[configMapT](srv, apiserver.ConfigMaps).Namespace("default")
	mustCreate(t, srv.Resource(apiserver.ConfigMaps).Namespace("default"), configMap(t, "typed"))
	out, err := cms.Patch(ctx, "typed", apiserver.MergePatchType, []byte(`{"data":{"x":"y"}}`), apiserver.PatchOptions{})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"k": "v", "x": "y"}, out.Data)
}

// TestPatchConcurrent: patches without a resourceVersion are retried on concurrent writes, so none is lost.
func TestPatchConcurrent(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	mustCreate(t, cms, configMap(t, "c"))
	const writers, each = 8, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				body := fmt.Sprintf(`{"metadata":{"labels":{"w%d-%d":"x"}}}`, w, i)
				if _, err := cms.Patch(ctx, "c", apiserver.StrategicMergePatchType, []byte(body), apiserver.PatchOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := cms.Get(ctx, "c", apiserver.GetOptions{})
	require.NoError(t, err)
	require.Len(t, got.Labels(), writers*each)
}

// TestEveryResourceAcceptsStrategicMerge checks that the schema covers every built-in resource.
func TestEveryResourceAcceptsStrategicMerge(t *testing.T) {
	srv, _ := newServer(t)
	for _, r := range srv.Resources() {
		gvk := r.GVR.GroupVersion().WithKind(r.Kind)
		_, ok := types.SchemaFor(gvk)
		require.True(t, ok, "no schema for %v: regenerate types/schema_data.txt (go generate ./types)", gvk)
	}
}
