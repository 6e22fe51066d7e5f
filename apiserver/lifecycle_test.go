package apiserver_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
)

// newServerWith is newServer with options changed by edit.
func newServerWith(t testing.TB, edit func(*apiserver.Options)) *apiserver.Server {
	t.Helper()
	opts := apiserver.Deterministic(clock.NewFake(epoch), 1)
	edit(&opts)
	srv, err := apiserver.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// TestPodCreatePipeline: a pod is stored as kube-apiserver stores it — defaulted, with the service account, its token
// volume, the default tolerations and the priority admission sets, and status Pending with its QoS class.
func TestPodCreatePipeline(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	pods := srv.Resource(apiserver.Pods).Namespace("default")
	p := mustCreate(t, pods, pod(t, "full", "", ""))
	for path, want := range map[string]string{
		"spec.serviceAccountName":                    `"default"`,
		"spec.serviceAccount":                        `"default"`,
		"spec.restartPolicy":                         `"Always"`,
		"spec.dnsPolicy":                             `"ClusterFirst"`,
		"spec.schedulerName":                         `"default-scheduler"`,
		"spec.terminationGracePeriodSeconds":         `30`,
		"spec.enableServiceLinks":                    `true`,
		"spec.priority":                              `0`,
		"spec.preemptionPolicy":                      `"PreemptLowerPriority"`,
		"spec.containers.0.imagePullPolicy":          `"Always"`,
		"spec.containers.0.terminationMessagePolicy": `"File"`,
		"spec.containers.0.volumeMounts.0.mountPath": `"/var/run/secrets/kubernetes.io/serviceaccount"`,
		"spec.containers.0.volumeMounts.0.readOnly":  `true`,
		"spec.volumes.0.projected.sources.0.serviceAccountToken.expirationSeconds": `3607`,
		"spec.tolerations.0.key":               `"node.kubernetes.io/not-ready"`,
		"spec.tolerations.1.key":               `"node.kubernetes.io/unreachable"`,
		"spec.tolerations.1.tolerationSeconds": `300`,
		"status.phase":                         `"Pending"`,
		"status.qosClass":                      `"BestEffort"`,
	} {
		require.JSONEq(t, want, jsonPath(t, p, path), path)
	}
	mount := jsonPath(t, p, "spec.containers.0.volumeMounts.0.name")
	require.Equal(t, mount, jsonPath(t, p, "spec.volumes.0.name"), "the mount names the token volume")
	require.Regexp(t, `^"kube-api-access-[a-z0-9]{5}"$`, mount)

	t.Run("automountServiceAccountToken false: no token volume", func(t *testing.T) {
		u, err := pod(t, "noauto", "", "").Unstructured()
		require.NoError(t, err)
		require.NoError(t, u.SetNested(false, "spec", "automountServiceAccountToken"))
		p := mustCreate(t, pods, toObject(t, u))
		_, found := p.Lookup("spec", "volumes")
		require.False(t, found)
	})

	t.Run("a missing service account is 403", func(t *testing.T) {
		u, err := pod(t, "nosa", "", "").Unstructured()
		require.NoError(t, err)
		require.NoError(t, u.SetNested("robot", "spec", "serviceAccountName"))
		_, err = pods.Create(ctx, toObject(t, u), apiserver.CreateOptions{})
		requireStatus(t, err, wantStatus{Code: 403, Reason: types.StatusReasonForbidden,
			Message: `pods "nosa" is forbidden: error looking up service account default/robot: serviceaccounts "robot" not found`})
	})

	t.Run("a missing priority class is 403", func(t *testing.T) {
		u, err := pod(t, "noprio", "", "").Unstructured()
		require.NoError(t, err)
		require.NoError(t, u.SetNested("gold", "spec", "priorityClassName"))
		_, err = pods.Create(ctx, toObject(t, u), apiserver.CreateOptions{})
		requireStatus(t, err, wantStatus{Code: 403, Reason: types.StatusReasonForbidden,
			Message: `pods "noprio" is forbidden: no PriorityClass with name gold was found`})
	})

	t.Run("a system priority class gives its value", func(t *testing.T) {
		u, err := pod(t, "critical", "", "").Unstructured()
		require.NoError(t, err)
		require.NoError(t, u.SetNested("system-node-critical", "spec", "priorityClassName"))
		p := mustCreate(t, pods, toObject(t, u))
		require.Equal(t, "2000001000", jsonPath(t, p, "spec.priority"))
	})

	t.Run("an invalid pod is 422 with kube's message", func(t *testing.T) {
		_, err := pods.Create(ctx, toObject(t, types.Unstructured{"metadata": map[string]any{"name": "empty"}, "spec": map[string]any{}}), apiserver.CreateOptions{})
		requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
			Message: `Pod "empty" is invalid: spec.containers: Required value`})
	})

	t.Run("without the admission plugins the pod is only defaulted", func(t *testing.T) {
		srv := newServerWith(t, func(o *apiserver.Options) {
			o.DisableAdmissionPlugins = []string{apiserver.AdmissionServiceAccount, apiserver.AdmissionDefaultTolerationSeconds, apiserver.AdmissionPriority}
		})
		p := mustCreate(t, srv.Resource(apiserver.Pods).Namespace("default"), pod(t, "plain", "", ""))
		for _, path := range [][]string{{"spec", "volumes"}, {"spec", "tolerations"}, {"spec", "priority"}, {"spec", "serviceAccountName"}} {
			_, found := p.Lookup(path...)
			require.False(t, found, "%v", path)
		}
		require.JSONEq(t, `"Always"`, jsonPath(t, p, "spec.restartPolicy"))
	})
}

// jsonPath returns the JSON at a dot-separated path of o ("spec.containers.0.name").
func jsonPath(t testing.TB, o *types.Object, path string) string {
	t.Helper()
	u, err := o.Unstructured()
	require.NoError(t, err)
	var cur any = map[string]any(u)
	for _, step := range splitDots(path) {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[step]
		case []any:
			i := 0
			for _, c := range step {
				i = i*10 + int(c-'0')
			}
			require.Less(t, i, len(v), path)
			cur = v[i]
		default:
			t.Fatalf("%s: no %s in %v", path, step, cur)
		}
	}
	out, err := types.Unstructured{"v": cur}.MarshalJSON()
	require.NoError(t, err)
	return string(out[len(`{"v":`) : len(out)-1])
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// TestAdmissionPlugins: embedders' plugins run after the built-in ones, mutating before validation and validating
// after, per resource and operation, with the old object, the user and dryRun; denials are 403 unless the plugin
// returns a Status.
func TestAdmissionPlugins(t *testing.T) {
	ctx := context.Background()
	var seen []apiserver.AdmissionRequest
	srv := newServerWith(t, func(o *apiserver.Options) {
		o.Admission = []apiserver.AdmissionPlugin{
			{
				Name:       "label",
				Resources:  []types.GroupResource{apiserver.ConfigMaps.GroupResource()},
				Operations: []apiserver.Operation{apiserver.OperationCreate},
				Mutate: func(_ context.Context, req *apiserver.AdmissionRequest) error {
					meta := req.Object["metadata"].(map[string]any)
					labels, _ := meta["labels"].(map[string]any)
					if labels == nil {
						labels = map[string]any{}
						meta["labels"] = labels
					}
					labels["admitted"] = "yes"
					return nil
				},
			},
			{
				Name:      "deny",
				Resources: []types.GroupResource{apiserver.ConfigMaps.GroupResource()},
				Validate: func(_ context.Context, req *apiserver.AdmissionRequest) error {
					seen = append(seen, *req)
					if req.Name == "denied" {
						return errors.New("denied by policy")
					}
					if req.Name == "teapot" {
						return types.NewBadRequest("short and stout")
					}
					return nil
				},
			},
		}
	})
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	user := apiserver.UserInfo{Name: "alice", Groups: []string{"dev"}}
	uctx := apiserver.WithUser(ctx, user)

	created, err := cms.Create(uctx, configMap(t, "ok"), apiserver.CreateOptions{})
	require.NoError(t, err)
	v, _ := created.Label("admitted")
	require.Equal(t, "yes", v, "the mutating plugin's change is stored")
	last := seen[len(seen)-1]
	require.Equal(t, apiserver.OperationCreate, last.Operation)
	require.Equal(t, user, last.User)
	require.Equal(t, "yes", last.Object["metadata"].(map[string]any)["labels"].(map[string]any)["admitted"], "validation sees the mutated object")

	_, err = cms.Create(ctx, configMap(t, "denied"), apiserver.CreateOptions{})
	requireStatus(t, err, wantStatus{Code: 403, Reason: types.StatusReasonForbidden, Message: `configmaps "denied" is forbidden: denied by policy`})
	_, err = cms.Create(ctx, configMap(t, "teapot"), apiserver.CreateOptions{})
	requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest, Message: "short and stout"})
	_, err = cms.Get(ctx, "denied", apiserver.GetOptions{})
	require.True(t, types.IsNotFound(err), "nothing stored")

	_, err = cms.Update(ctx, withData(t, created, "v2"), apiserver.UpdateOptions{DryRun: []string{apiserver.DryRunAll}})
	require.NoError(t, err)
	last = seen[len(seen)-1]
	require.Equal(t, apiserver.OperationUpdate, last.Operation)
	require.True(t, last.DryRun)
	require.Equal(t, created.UID(), last.OldObject.UID())
	require.Equal(t, apiserver.DefaultUser, last.User, "no user in the context: the default user")

	_, err = cms.Delete(ctx, "ok", apiserver.DeleteOptions{})
	require.NoError(t, err)
	last = seen[len(seen)-1]
	require.Equal(t, apiserver.OperationDelete, last.Operation)
	require.Nil(t, last.Object)
	require.Equal(t, created.UID(), last.OldObject.UID())

	// Other resources are not the plugins' business.
	n := len(seen)
	mustCreate(t, srv.Resource(apiserver.Secrets).Namespace("default"), toObject(t, types.Unstructured{"metadata": map[string]any{"name": "s"}}))
	require.Len(t, seen, n)
}

// TestNamespaceLifecycle: creates in a missing namespace are 404, in a terminating one 403 with kube's message and
// cause; a new namespace gets its default service account; the finalize subresource changes only spec.finalizers.
func TestNamespaceLifecycle(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := func(ns string) *apiserver.ResourceClient { return srv.Resource(apiserver.ConfigMaps).Namespace(ns) }

	_, err := cms("nowhere").Create(ctx, configMap(t, "x"), apiserver.CreateOptions{})
	requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound, Message: `namespaces "nowhere" not found`})

	ns := createNamespace(t, srv, "team")
	require.JSONEq(t, `["kubernetes"]`, jsonPath(t, ns, "spec.finalizers"))
	sa, err := srv.Resource(apiserver.ServiceAccounts).Namespace("team").Get(ctx, "default", apiserver.GetOptions{})
	require.NoError(t, err, "a new namespace has its default service account")
	require.Equal(t, "default", sa.Name())

	// A finalizer of our own keeps the namespace while the test looks at it.
	nsc := srv.Resource(apiserver.Namespaces)
	_, err = nsc.Patch(ctx, "team", apiserver.MergePatchType, []byte(`{"metadata":{"finalizers":["example.com/hold"]}}`), apiserver.PatchOptions{})
	require.NoError(t, err)
	// Content with a finalizer keeps the namespace controller from finalizing the namespace.
	mustCreate(t, cms("team"), toObject(t, types.Unstructured{"metadata": map[string]any{"name": "pinned", "finalizers": []any{"example.com/hold"}}}))
	d, err := nsc.Delete(ctx, "team", apiserver.DeleteOptions{})
	require.NoError(t, err)
	require.NotNil(t, d.DeletionTimestamp())
	require.JSONEq(t, `"Terminating"`, jsonPath(t, d, "status.phase"))

	_, err = cms("team").Create(ctx, configMap(t, "late"), apiserver.CreateOptions{})
	st := requireStatus(t, err, wantStatus{Code: 403, Reason: types.StatusReasonForbidden,
		Message: `configmaps "late" is forbidden: unable to create new content in namespace team because it is being terminated`})
	require.Contains(t, st.Details.Causes, types.StatusCause{Type: types.CauseTypeNamespaceTerminating,
		Message: "namespace team is being terminated", Field: "metadata.namespace"})

	// An update cannot change spec.finalizers; the finalize subresource can, and nothing else.
	cur, err := nsc.Get(ctx, "team", apiserver.GetOptions{})
	require.NoError(t, err)
	u, err := cur.Unstructured()
	require.NoError(t, err)
	require.NoError(t, u.SetNested([]any{}, "spec", "finalizers"))
	require.NoError(t, u.SetNested(map[string]any{"x": "y"}, "metadata", "annotations"))
	updated, err := nsc.Update(ctx, toObject(t, u).WithResourceVersion(""), apiserver.UpdateOptions{}) // the controller writes status
	require.NoError(t, err)
	require.JSONEq(t, `["kubernetes"]`, jsonPath(t, updated, "spec.finalizers"), "update keeps spec.finalizers")
	finalized, err := nsc.Finalize(ctx, toObject(t, u).WithResourceVersion(""), apiserver.UpdateOptions{})
	require.NoError(t, err)
	_, found := finalized.Lookup("spec", "finalizers")
	require.False(t, found || jsonPath(t, finalized, "spec") != "{}", "finalize emptied spec.finalizers: %s", finalized.JSON())
	require.JSONEq(t, `"Terminating"`, jsonPath(t, finalized, "status.phase"), "finalize leaves status")
}

// TestServiceAllocation: cluster IPs and node ports are allocated from their ranges, refused when taken or out of
// range, released on delete, and not taken by a dry run.
func TestServiceAllocation(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	svcs := srv.Resource(apiserver.Services).Namespace("default")
	service := func(name, clusterIP, typ string, nodePort int64) *types.Object {
		port := map[string]any{"port": int64(80)}
		if nodePort != 0 {
			port["nodePort"] = nodePort
		}
		spec := map[string]any{"ports": []any{port}, "selector": map[string]any{"app": name}}
		if clusterIP != "" {
			spec["clusterIP"] = clusterIP
		}
		if typ != "" {
			spec["type"] = typ
		}
		return toObject(t, types.Unstructured{"metadata": map[string]any{"name": name}, "spec": spec})
	}
	a := mustCreate(t, svcs, service("a", "", "", 0))
	ip, err := netip.ParseAddr(a.Field("spec.clusterIP"))
	require.NoError(t, err)
	require.True(t, netip.MustParsePrefix(apiserver.DefaultServiceClusterIPRange).Contains(ip), ip)
	require.JSONEq(t, `["`+ip.String()+`"]`, jsonPath(t, a, "spec.clusterIPs"))
	require.JSONEq(t, `["IPv4"]`, jsonPath(t, a, "spec.ipFamilies"))
	require.JSONEq(t, `80`, jsonPath(t, a, "spec.ports.0.targetPort"))

	_, err = svcs.Create(ctx, service("b", ip.String(), "", 0), apiserver.CreateOptions{})
	requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
		Message: `Service "b" is invalid: spec.clusterIPs: Invalid value: ["` + ip.String() + `"]: failed to allocate IP ` + ip.String() + `: provided IP is already allocated`})
	_, err = svcs.Create(ctx, service("c", "192.168.0.1", "", 0), apiserver.CreateOptions{})
	requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
		Message: `Service "c" is invalid: spec.clusterIPs: Invalid value: ["192.168.0.1"]: failed to allocate IP 192.168.0.1: the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12`})

	np := mustCreate(t, svcs, service("np", "", "NodePort", 0))
	require.Regexp(t, `^3[0-2]\d{3}$`, jsonPath(t, np, "spec.ports.0.nodePort"))
	_, err = svcs.Create(ctx, service("np2", "", "NodePort", 30000+int64(0)), apiserver.CreateOptions{})
	if jsonPath(t, np, "spec.ports.0.nodePort") == "30000" {
		requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
			Message: `Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30000: provided port is already allocated`})
	} else {
		require.NoError(t, err)
	}
	_, err = svcs.Create(ctx, service("np3", "", "NodePort", 80), apiserver.CreateOptions{})
	requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
		Message: `Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767`})

	headless := mustCreate(t, svcs, service("headless", "None", "", 0))
	require.JSONEq(t, `["None"]`, jsonPath(t, headless, "spec.clusterIPs"))

	// A dry run allocates nothing; a delete releases the address.
	_, err = svcs.Create(ctx, service("dry", "10.96.100.100", "", 0), apiserver.CreateOptions{DryRun: []string{apiserver.DryRunAll}})
	require.NoError(t, err)
	mustCreate(t, svcs, service("wet", "10.96.100.100", "", 0))
	_, err = svcs.Delete(ctx, "a", apiserver.DeleteOptions{})
	require.NoError(t, err)
	mustCreate(t, svcs, service("b", ip.String(), "", 0))
}

// TestDeletionFinalizers: delete options' validation, the garbage collector's finalizers, and the refusal of new
// finalizers on an object being deleted.
func TestDeletionFinalizers(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	orphan, background := apiserver.DeletePropagationOrphan, apiserver.DeletionPropagation("Bogus")
	yes := true

	mustCreate(t, cms, configMap(t, "opts"))
	_, err := cms.Delete(ctx, "opts", apiserver.DeleteOptions{PropagationPolicy: &orphan, OrphanDependents: &yes})
	requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
		Message: `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set`})
	_, err = cms.Delete(ctx, "opts", apiserver.DeleteOptions{PropagationPolicy: &background})
	requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
		Message: `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Bogus": supported values: "Foreground", "Background", "Orphan", "nil"`})

	// Orphan: the orphan finalizer holds the object for the garbage collector, which removes it.
	d, err := cms.Delete(ctx, "opts", apiserver.DeleteOptions{PropagationPolicy: &orphan})
	require.NoError(t, err)
	require.Equal(t, []string{apiserver.FinalizerOrphanDependents}, d.Finalizers())
	require.NotNil(t, d.DeletionTimestamp())
	require.Eventually(t, func() bool { _, err := cms.Get(ctx, "opts", apiserver.GetOptions{}); return types.IsNotFound(err) },
		eventWait, time.Millisecond, "the garbage collector removes the orphan finalizer")

	// No new finalizers on an object being deleted; removing the last one deletes it.
	mustCreate(t, cms, toObject(t, types.Unstructured{"metadata": map[string]any{"name": "opts", "finalizers": []any{"example.com/f"}}}))
	d, err = cms.Delete(ctx, "opts", apiserver.DeleteOptions{})
	require.NoError(t, err)
	u, err := d.Unstructured()
	require.NoError(t, err)
	require.NoError(t, u.SetNested([]any{"example.com/f", "example.com/more"}, "metadata", "finalizers"))
	_, err = cms.Update(ctx, toObject(t, u), apiserver.UpdateOptions{})
	requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
		Message: `ConfigMap "opts" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/more"}`})
	_, err = cms.Patch(ctx, "opts", apiserver.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), apiserver.PatchOptions{})
	require.NoError(t, err)
	_, err = cms.Get(ctx, "opts", apiserver.GetOptions{})
	require.True(t, types.IsNotFound(err), "gone with its last finalizer")

	t.Run("with the garbage collector off, propagation adds no finalizer", func(t *testing.T) {
		srv := newServerWith(t, func(o *apiserver.Options) { o.DisableGarbageCollector = true })
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		mustCreate(t, cms, configMap(t, "x"))
		_, err := cms.Delete(ctx, "x", apiserver.DeleteOptions{PropagationPolicy: &orphan})
		require.NoError(t, err)
		_, err = cms.Get(ctx, "x", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
	})

	t.Run("dryRun delete of an object with finalizers changes nothing", func(t *testing.T) {
		o := mustCreate(t, cms, toObject(t, types.Unstructured{"metadata": map[string]any{"name": "dry", "finalizers": []any{"example.com/f"}}}))
		d, err := cms.Delete(ctx, "dry", apiserver.DeleteOptions{DryRun: []string{apiserver.DryRunAll}})
		require.NoError(t, err)
		require.NotNil(t, d.DeletionTimestamp(), "the response shows what would be")
		got, err := cms.Get(ctx, "dry", apiserver.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, o.ResourceVersion(), got.ResourceVersion())
		require.Nil(t, got.DeletionTimestamp())
	})
}

// TestUpdateDefaultsBeforeComparing: an update that sends back what the client first sent (no defaults) is not a
// change: defaults are applied before the comparison, so neither generation nor resourceVersion moves (V-1, W-6).
func TestUpdateDefaultsBeforeComparing(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	deps := srv.Resource(apiserver.Deployments).Namespace("default")
	in := twoContainerDeployment(t, "same")
	created := mustCreate(t, deps, in)
	require.JSONEq(t, `"25%"`, jsonPath(t, created, "spec.strategy.rollingUpdate.maxSurge"))
	m := in.Meta()
	m.ResourceVersion = created.ResourceVersion()
	again, err := deps.Update(ctx, in.WithMeta(m), apiserver.UpdateOptions{})
	require.NoError(t, err)
	require.Equal(t, created.ResourceVersion(), again.ResourceVersion())
	require.Equal(t, int64(1), again.Generation())
}

// TestFieldValidation: unknown fields and duplicate keys are dropped; Strict refuses them with kube's 400, Warn (the
// default) reports them as warnings, Ignore says nothing.
func TestFieldValidation(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	body := func(name string) *types.Object {
		return parseObject(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"`+name+`","bogus":1},"data":{"a":"1","a":"2"},"extra":true}`)
	}
	// Parsing an Object already keeps the last of duplicate keys and drops unknown metadata fields: through the Go
	// API only the unknown body field is left to find (HTTP sees the body as sent: TestFieldValidationHTTP).
	cases := []struct {
		mode     string
		err      string
		warnings []string
	}{
		{mode: "Strict", err: `ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "extra"`},
		{mode: "Warn", warnings: []string{`unknown field "extra"`}},
		{mode: "", warnings: []string{`unknown field "extra"`}},
		{mode: "Ignore"},
	}
	for i, tc := range cases {
		t.Run("create "+tc.mode, func(t *testing.T) {
			var warnings []string
			wctx := apiserver.WithWarnings(ctx, func(m string) { warnings = append(warnings, m) })
			name := "fv" + string(rune('a'+i))
			created, err := cms.Create(wctx, body(name), apiserver.CreateOptions{FieldValidation: tc.mode})
			if tc.err != "" {
				requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest, Message: tc.err})
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.warnings, warnings)
			require.JSONEq(t, `{"a":"2"}`, jsonPath(t, created, "data"), "the last of duplicate keys")
			_, found := created.Lookup("extra")
			require.False(t, found, "unknown fields are dropped")
		})
	}
	t.Run("an update and a patch are checked too", func(t *testing.T) {
		cur := mustCreate(t, cms, configMap(t, "fvu"))
		u, err := cur.Unstructured()
		require.NoError(t, err)
		u["extra"] = true
		_, err = cms.Update(ctx, toObject(t, u), apiserver.UpdateOptions{FieldValidation: "Strict"})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
			Message: `ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "extra"`})
		_, err = cms.Patch(ctx, "fvu", apiserver.MergePatchType, []byte(`{"spec":{"x":1}}`), apiserver.PatchOptions{FieldValidation: "Strict"})
		// kube's patch handler words it without the decoder's prefix.
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest, Message: `strict decoding error: unknown field "spec"`})
	})
	t.Run("an unsupported mode is 422", func(t *testing.T) {
		_, err := cms.Create(ctx, configMap(t, "fvx"), apiserver.CreateOptions{FieldValidation: "Loud"})
		requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
			Message: `CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"`})
	})
}

// TestFieldValidationHTTP: over HTTP the body as sent is checked — unknown metadata fields and duplicate keys too —
// and warnings are Warning headers.
func TestFieldValidationHTTP(t *testing.T) {
	srv, _ := newServer(t)
	h := srv.Handler(apiserver.HandlerOptions{})
	body := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","bogus":1},"data":{"a":"1","a":"2"},"extra":true}`
	post := func(name, mode string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/namespaces/default/configmaps?fieldValidation="+mode,
			strings.NewReader(strings.Replace(body, "NAME", name, 1)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := post("strict", "Strict")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), `ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"metadata.bogus\", duplicate field \"data.a\", unknown field \"extra\"`)

	rec = post("warn", "Warn")
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Equal(t, []string{`299 - "unknown field \"metadata.bogus\""`, `299 - "duplicate field \"data.a\""`, `299 - "unknown field \"extra\""`},
		rec.Header().Values("Warning"))
	require.NotContains(t, rec.Body.String(), "extra")
	require.Contains(t, rec.Body.String(), `"data":{"a":"2"}`)

	rec = post("ignore", "Ignore")
	require.Equal(t, http.StatusCreated, rec.Code)
	require.Empty(t, rec.Header().Values("Warning"))
}

// TestMetadataOnlyUpdate: an update that changes only metadata skips the body's rules but not the metadata's.
func TestMetadataOnlyUpdate(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	pods := srv.Resource(apiserver.Pods).Namespace("default")
	p := mustCreate(t, pods, pod(t, "meta", "", ""))
	m := p.Meta()
	m.Labels = map[string]string{"bad key!": "x"}
	_, err := pods.Update(ctx, p.WithMeta(m), apiserver.UpdateOptions{})
	requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
		Message: `Pod "meta" is invalid: metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`})
	m.Labels = map[string]string{"good": "x"}
	m.Annotations = map[string]string{"kubernetes.io/config.mirror": "x"}
	_, err = pods.Update(ctx, p.WithMeta(m), apiserver.UpdateOptions{})
	require.Error(t, err, "the mirror-pod annotation cannot be added")
	m.Annotations = nil
	updated, err := pods.Update(ctx, p.WithMeta(m), apiserver.UpdateOptions{})
	require.NoError(t, err)
	v, _ := updated.Label("good")
	require.Equal(t, "x", v)
}

// TestServiceUpdateKeepsAllocatedValues: an update that leaves out the cluster IP and node ports keeps the
// allocated ones, as kube-apiserver's service registry does, so sending a manifest back changes nothing.
func TestServiceUpdateKeepsAllocatedValues(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	svcs := srv.Resource(apiserver.Services).Namespace("default")
	manifest := `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"type":"NodePort","selector":{"app":"web"},` +
		`"ports":[{"port":80}]}}`
	created := mustCreate(t, svcs, parseObject(t, manifest))
	again := parseObject(t, manifest)
	m := again.Meta()
	m.ResourceVersion = created.ResourceVersion()
	updated, err := svcs.Update(ctx, again.WithMeta(m), apiserver.UpdateOptions{})
	require.NoError(t, err)
	require.Equal(t, created.ResourceVersion(), updated.ResourceVersion(), "nothing changed (W-6)")
	require.Equal(t, jsonPath(t, created, "spec.clusterIP"), jsonPath(t, updated, "spec.clusterIP"))
	require.Equal(t, jsonPath(t, created, "spec.ports.0.nodePort"), jsonPath(t, updated, "spec.ports.0.nodePort"))
}

// TestTypeErrors: a value of a JSON type the kind's Go type cannot hold is refused as kube-apiserver's decoder
// refuses it (400, encoding/json's message), whatever fieldValidation says.
func TestTypeErrors(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cases := []struct {
		gvr  types.GroupVersionResource
		doc  string
		want string
	}{
		{apiserver.Deployments, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":"3"}}`,
			`Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`},
		{apiserver.Deployments, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":4294967296}}`,
			`Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 4294967296 into Go struct field DeploymentSpec.spec.replicas of type int32`},
		{apiserver.ConfigMaps, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":["a"]}`,
			`ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string`},
		{apiserver.Pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":7}]}}`,
			`Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string`},
		{apiserver.Pods, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":{}}}`,
			`Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container`},
	}
	for _, tc := range cases {
		_, err := srv.Resource(tc.gvr).Namespace("default").Create(ctx, parseObject(t, tc.doc), apiserver.CreateOptions{FieldValidation: "Ignore"})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest, Message: tc.want})
	}
}
