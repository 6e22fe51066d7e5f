package apiserver_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
)

// continueExpiredMessage is P-5's message (etcd3/errors.go inconsistentContinue).
const continueExpiredMessage = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."

// decodedToken is the JSON inside a continue token (P-1).
type decodedToken struct {
	V     string `json:"v"`
	RV    int64  `json:"rv"`
	Start string `json:"start"`
}

func decodeToken(t testing.TB, token string) decodedToken {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	var d decodedToken
	require.NoError(t, json.Unmarshal(raw, &d))
	return d
}

func encodeToken(t testing.TB, d any) string {
	t.Helper()
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// listAll lists c with opts, checking the S-4 invariants on the way.
func listAll(t testing.TB, c *apiserver.ResourceClient, opts apiserver.ListOptions) *types.List {
	t.Helper()
	l, err := c.List(context.Background(), opts)
	require.NoError(t, err)
	requireListInvariants(t, l)
	return l
}

// requireListInvariants checks S-4: items never nil, sorted by key, list RV >= every item's RV.
func requireListInvariants(t testing.TB, l *types.List) {
	t.Helper()
	require.NotNil(t, l.Items, "S-4 items is never nil")
	listRV := parseRV(t, l.ListMeta.ResourceVersion)
	keys := make([]string, len(l.Items))
	for i, o := range l.Items {
		require.LessOrEqual(t, rv(t, o), listRV, "S-4 list RV >= item RV")
		keys[i] = o.Namespace() + "/" + o.Name()
	}
	require.Equal(t, sortedCopy(keys), keys, "S-4 byte-wise key order")
	b, err := json.Marshal(l)
	require.NoError(t, err)
	require.Contains(t, string(b), `"items":[`)
}

func TestListOrderAndScope(t *testing.T) {
	srv, _ := newServer(t)
	for _, ns := range []string{"a", "a-b", "ns1", "ns10", "b"} {
		createNamespace(t, srv, ns)
	}
	all := srv.Resource(apiserver.ConfigMaps)
	for _, key := range []string{"a/x", "a-b/x", "ns10/y", "ns1/y", "ns1/x", "b/a", "a/x-1", "a/x.1"} {
		ns, name, _ := strings.Cut(key, "/")
		mustCreate(t, all.Namespace(ns), configMap(t, name))
	}

	t.Run("S-4 items are sorted byte-wise by <ns>/<name>: a-b/x before a/x", func(t *testing.T) {
		l := listAll(t, all, apiserver.ListOptions{})
		require.Equal(t, []string{"a-b/x", "a/x", "a/x-1", "a/x.1", "b/a", "ns1/x", "ns1/y", "ns10/y"}, itemNames(l))
	})
	t.Run("S-4 a list of ns1 never returns ns10 objects", func(t *testing.T) {
		l := listAll(t, all.Namespace("ns1"), apiserver.ListOptions{})
		require.Equal(t, []string{"ns1/x", "ns1/y"}, itemNames(l))
		l = listAll(t, all.Namespace("a"), apiserver.ListOptions{})
		require.Equal(t, []string{"a/x", "a/x-1", "a/x.1"}, itemNames(l))
	})
	t.Run("S-4 a list of ns1 paged one by one never returns ns10 objects", func(t *testing.T) {
		var names []string
		opts := apiserver.ListOptions{Limit: 1}
		for {
			l := listAll(t, all.Namespace("ns1"), opts)
			names = append(names, itemNames(l)...)
			if l.ListMeta.Continue == "" {
				break
			}
			opts.Continue = l.ListMeta.Continue
		}
		require.Equal(t, []string{"ns1/x", "ns1/y"}, names)
	})
	t.Run("S-4 a metadata.namespace field selector scopes an all-namespaces list", func(t *testing.T) {
		l := listAll(t, all, apiserver.ListOptions{FieldSelector: "metadata.namespace=ns1"})
		require.Equal(t, []string{"ns1/x", "ns1/y"}, itemNames(l))
		l = listAll(t, all, apiserver.ListOptions{FieldSelector: "metadata.namespace!=ns1"})
		require.Equal(t, []string{"a-b/x", "a/x", "a/x-1", "a/x.1", "b/a", "ns10/y"}, itemNames(l))
	})
	t.Run("S-4 an empty result has an empty items array, never null", func(t *testing.T) {
		l := listAll(t, srv.Resource(apiserver.Secrets).Namespace("default"), apiserver.ListOptions{})
		require.Empty(t, l.Items)
		b, err := json.Marshal(l)
		require.NoError(t, err)
		require.Contains(t, string(b), `"items":[]`)
		require.Equal(t, "SecretList", l.Kind)
		require.Equal(t, "v1", l.APIVersion)
	})
	t.Run("S-4 the list resourceVersion is the current revision, >= every item's", func(t *testing.T) {
		l := listAll(t, all, apiserver.ListOptions{})
		require.Equal(t, fmtRV(srv.Revision()), l.ListMeta.ResourceVersion)
	})
	t.Run("V-6 a list in a missing namespace is empty, not 404", func(t *testing.T) {
		l := listAll(t, all.Namespace("missing"), apiserver.ListOptions{})
		require.Empty(t, l.Items)
		require.Equal(t, fmtRV(srv.Revision()), l.ListMeta.ResourceVersion)
	})
	t.Run("list kinds name the group version", func(t *testing.T) {
		l := listAll(t, srv.Resource(apiserver.Deployments), apiserver.ListOptions{})
		require.Equal(t, "DeploymentList", l.Kind)
		require.Equal(t, "apps/v1", l.APIVersion)
	})
	t.Run("label selectors", func(t *testing.T) {
		c := srv.Resource(apiserver.ConfigMaps).Namespace("b")
		mustCreate(t, c, configMap(t, "l1", "app", "web", "tier", "fe"))
		mustCreate(t, c, configMap(t, "l2", "app", "web", "tier", "be"))
		mustCreate(t, c, configMap(t, "l3", "app", "db"))
		cases := map[string][]string{
			"app=web":                {"b/l1", "b/l2"},
			"app==web,tier=fe":       {"b/l1"},
			"app!=web":               {"b/a", "b/l3"},
			"tier":                   {"b/l1", "b/l2"},
			"!tier":                  {"b/a", "b/l3"},
			"app in (db,web)":        {"b/l1", "b/l2", "b/l3"},
			"app notin (web),tier":   {},
			"app=none":               {},
			"app=web,tier notin(fe)": {"b/l2"},
		}
		for sel, want := range cases {
			t.Run(sel, func(t *testing.T) {
				l := listAll(t, c, apiserver.ListOptions{LabelSelector: sel})
				require.Equal(t, want, itemNames(l))
			})
		}
		t.Run("a malformed label selector is 400", func(t *testing.T) {
			_, err := c.List(context.Background(), apiserver.ListOptions{LabelSelector: "app in (web"})
			requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest})
		})
	})
}

func TestListFieldSelectors(t *testing.T) {
	srv, _ := newServer(t)
	pods := srv.Resource(apiserver.Pods).Namespace("default")
	// Status is set on create here, which kube-apiserver would reset (the status subresource owns it); see the
	// report of the status divergence in update_test.go.
	mustCreatePod(t, pods, pod(t, "p1", "node-a", "Running"))
	mustCreatePod(t, pods, pod(t, "p2", "node-b", "Pending"))
	mustCreatePod(t, pods, pod(t, "p3", "", "Pending"))
	mustCreatePod(t, pods, pod(t, "p4", "node-a", "Succeeded"))

	cases := []struct {
		selector string
		want     []string
	}{
		{"spec.nodeName=node-a", []string{"default/p1", "default/p4"}},
		{"spec.nodeName==node-b", []string{"default/p2"}},
		{"spec.nodeName=", []string{"default/p3"}},
		{"spec.nodeName!=", []string{"default/p1", "default/p2", "default/p4"}},
		{"status.phase=Pending", []string{"default/p2", "default/p3"}},
		{"status.phase!=Pending", []string{"default/p1", "default/p4"}},
		{"spec.nodeName=node-a,status.phase=Running", []string{"default/p1"}},
		{"metadata.name=p3", []string{"default/p3"}},
		{"metadata.namespace=default,metadata.name!=p1", []string{"default/p2", "default/p3", "default/p4"}},
		{"metadata.name=nope", []string{}},
	}
	for _, c := range cases {
		t.Run(c.selector, func(t *testing.T) {
			l := listAll(t, pods, apiserver.ListOptions{FieldSelector: c.selector})
			require.Equal(t, c.want, itemNames(l))
		})
	}
	t.Run("an unsupported field is 400 field label not supported", func(t *testing.T) {
		for _, f := range []string{"x", "spec.containers"} {
			_, err := pods.List(context.Background(), apiserver.ListOptions{FieldSelector: f + "=y"})
			st := requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
				Message: "field label not supported: " + f})
			require.Nil(t, st.Details)
			_, err = pods.Watch(context.Background(), apiserver.ListOptions{FieldSelector: f + "=y"})
			requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
				Message: "field label not supported: " + f})
		}
	})
	t.Run("the pods field spec.host is the legacy name of spec.nodeName", func(t *testing.T) {
		// fixed: was a known divergence
		l := listAll(t, pods, apiserver.ListOptions{FieldSelector: "spec.host=node-a"})
		require.Equal(t, []string{"default/p1", "default/p4"}, itemNames(l))
	})
	t.Run("kinds without field label conversions answer the default message", func(t *testing.T) {
		// fixed: was a known divergence
		_, err := srv.Resource(apiserver.ConfigMaps).Namespace("default").List(context.Background(), apiserver.ListOptions{FieldSelector: "x=y"})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
			Message: `"x" is not a known field selector: only "metadata.name", "metadata.namespace"`})
	})
	t.Run("nodes and namespaces do not support metadata.namespace", func(t *testing.T) {
		// fixed: was a known divergence
		for _, gvr := range []types.GroupVersionResource{apiserver.Nodes, apiserver.Namespaces} {
			_, err := srv.Resource(gvr).List(context.Background(), apiserver.ListOptions{FieldSelector: "metadata.namespace=x"})
			requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
				Message: "field label not supported: metadata.namespace"})
		}
	})
	t.Run("a malformed field selector is 400", func(t *testing.T) {
		_, err := pods.List(context.Background(), apiserver.ListOptions{FieldSelector: "spec.nodeName"})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest})
	})
	t.Run("P-4 field selectors page without remainingItemCount", func(t *testing.T) {
		l := listAll(t, pods, apiserver.ListOptions{FieldSelector: "status.phase=Pending", Limit: 1})
		require.Equal(t, []string{"default/p2"}, itemNames(l))
		require.NotEmpty(t, l.ListMeta.Continue)
		require.Nil(t, l.ListMeta.RemainingItemCount)
	})
}

// listFixture is a server with 10 configmaps c0..c9 in default, and the revisions at interesting points.
type listFixture struct {
	srv *apiserver.Server
	cms *apiserver.ResourceClient
	// at5 is the revision when c0..c4 existed; at10 when all ten existed; then c0 is updated (data v2) and c9 is
	// deleted, and cur is the revision after that.
	at5, at10, cur int64
}

func newListFixture(t *testing.T) listFixture {
	t.Helper()
	srv, _ := newServer(t)
	f := listFixture{srv: srv, cms: srv.Resource(apiserver.ConfigMaps).Namespace("default")}
	for i := range 10 {
		mustCreate(t, f.cms, configMap(t, fmt.Sprintf("c%d", i)))
		if i == 4 {
			f.at5 = srv.Revision()
		}
	}
	f.at10 = srv.Revision()
	c0, err := f.cms.Get(context.Background(), "c0", apiserver.GetOptions{})
	require.NoError(t, err)
	_, err = f.cms.Update(context.Background(), withData(t, c0, "v2"), apiserver.UpdateOptions{})
	require.NoError(t, err)
	_, err = f.cms.Delete(context.Background(), "c9", apiserver.DeleteOptions{})
	require.NoError(t, err)
	f.cur = srv.Revision()
	return f
}

func names(prefix string, idx ...int) []string {
	out := make([]string, len(idx))
	for i, n := range idx {
		out[i] = fmt.Sprintf("%s%d", prefix, n)
	}
	return out
}

func TestListResourceVersion(t *testing.T) {
	f := newListFixture(t)
	current := names("default/c", 0, 1, 2, 3, 4, 5, 6, 7, 8)

	cases := []struct {
		name   string
		opts   apiserver.ListOptions
		items  []string
		listRV int64
		more   bool
		c0Data string
	}{
		{"R-2 RV unset, no limit: most recent", apiserver.ListOptions{}, current, f.cur, false, "v2"},
		{"R-2 RV=0, no limit: any (current)", apiserver.ListOptions{ResourceVersion: "0"}, current, f.cur, false, "v2"},
		{"R-2 RV=N, no limit: not older than N (current)", apiserver.ListOptions{ResourceVersion: fmtRV(f.at5)}, current, f.cur, false, "v2"},
		{"R-2 RV unset, limit: most recent, paged", apiserver.ListOptions{Limit: 4}, names("default/c", 0, 1, 2, 3), f.cur, true, "v2"},
		{"R-2 KUBE RV=0, limit: the limit is ignored and there is no continue", apiserver.ListOptions{ResourceVersion: "0", Limit: 4}, current, f.cur, false, "v2"},
		{"R-2 RV=N, limit: exact N, paged", apiserver.ListOptions{ResourceVersion: fmtRV(f.at5), Limit: 4}, names("default/c", 0, 1, 2, 3), f.at5, true, "v"},
		{"R-2 RV=N, limit larger than the state at N: exact N", apiserver.ListOptions{ResourceVersion: fmtRV(f.at10), Limit: 100}, names("default/c", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), f.at10, false, "v"},
		{"R-3 NotOlderThan N: current", apiserver.ListOptions{ResourceVersion: fmtRV(f.at5), ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan}, current, f.cur, false, "v2"},
		{"R-3 NotOlderThan N with limit: paged from the current state", apiserver.ListOptions{ResourceVersion: fmtRV(f.at5), ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, Limit: 4}, names("default/c", 0, 1, 2, 3), f.cur, true, "v2"},
		{"R-3 NotOlderThan 0: current", apiserver.ListOptions{ResourceVersion: "0", ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan}, current, f.cur, false, "v2"},
		{"R-4 Exact N: the state at N", apiserver.ListOptions{ResourceVersion: fmtRV(f.at5), ResourceVersionMatch: apiserver.ResourceVersionMatchExact}, names("default/c", 0, 1, 2, 3, 4), f.at5, false, "v"},
		{"R-4 Exact N with limit: paged state at N", apiserver.ListOptions{ResourceVersion: fmtRV(f.at10), ResourceVersionMatch: apiserver.ResourceVersionMatchExact, Limit: 9}, names("default/c", 0, 1, 2, 3, 4, 5, 6, 7, 8), f.at10, true, "v"},
		{"R-4 Exact current", apiserver.ListOptions{ResourceVersion: fmtRV(f.cur), ResourceVersionMatch: apiserver.ResourceVersionMatchExact}, current, f.cur, false, "v2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := listAll(t, f.cms, c.opts)
			require.Equal(t, c.items, itemNames(l))
			require.Equal(t, fmtRV(c.listRV), l.ListMeta.ResourceVersion)
			require.Equal(t, c.more, l.ListMeta.Continue != "", "P-3 continue iff more")
			data, _ := l.Items[0].Lookup("data", "k")
			require.JSONEq(t, `"`+c.c0Data+`"`, string(data), "c0 as of the list revision")
		})
	}
}

func TestListExactWithSelectors(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	for _, ns := range []string{"a", "a-b"} {
		createNamespace(t, srv, ns)
	}
	all := srv.Resource(apiserver.ConfigMaps)
	ax := mustCreate(t, all.Namespace("a"), configMap(t, "x", "l", "one"))
	mustCreate(t, all.Namespace("a-b"), configMap(t, "x", "l", "one"))
	mustCreate(t, all.Namespace("a"), configMap(t, "y", "l", "two"))
	at := srv.Revision()
	_, err := all.Namespace("a").Update(ctx, withLabels(ax, "l", "two"), apiserver.UpdateOptions{})
	require.NoError(t, err)
	_, err = all.Namespace("a-b").Delete(ctx, "x", apiserver.DeleteOptions{})
	require.NoError(t, err)

	t.Run("S-4 selected items are in key order across namespaces", func(t *testing.T) {
		l := listAll(t, all, apiserver.ListOptions{ResourceVersion: fmtRV(at), ResourceVersionMatch: apiserver.ResourceVersionMatchExact, LabelSelector: "l"})
		require.Equal(t, []string{"a-b/x", "a/x", "a/y"}, itemNames(l))
	})
	t.Run("R-4 an Exact list selects by the labels objects had at N", func(t *testing.T) {
		l := listAll(t, all, apiserver.ListOptions{ResourceVersion: fmtRV(at), ResourceVersionMatch: apiserver.ResourceVersionMatchExact, LabelSelector: "l=one"})
		require.Equal(t, []string{"a-b/x", "a/x"}, itemNames(l))
		l = listAll(t, all, apiserver.ListOptions{LabelSelector: "l=one"})
		require.Empty(t, itemNames(l))
		l = listAll(t, all, apiserver.ListOptions{LabelSelector: "l=two"})
		require.Equal(t, []string{"a/x", "a/y"}, itemNames(l))
	})
	t.Run("R-4 P-2 a paged Exact list with a selector stays at N", func(t *testing.T) {
		var got []string
		opts := apiserver.ListOptions{ResourceVersion: fmtRV(at), Limit: 1, LabelSelector: "l=one"}
		for {
			l := listAll(t, all, opts)
			require.Equal(t, fmtRV(at), l.ListMeta.ResourceVersion)
			got = append(got, itemNames(l)...)
			if l.ListMeta.Continue == "" {
				break
			}
			opts = apiserver.ListOptions{Continue: l.ListMeta.Continue, Limit: 1, LabelSelector: "l=one"}
		}
		require.Equal(t, []string{"a-b/x", "a/x"}, got)
	})
	t.Run("R-4 after compaction to N, the state at N is still selected correctly", func(t *testing.T) {
		srv.Compact(at)
		l := listAll(t, all, apiserver.ListOptions{ResourceVersion: fmtRV(at), ResourceVersionMatch: apiserver.ResourceVersionMatchExact, LabelSelector: "l=one"})
		require.Equal(t, []string{"a-b/x", "a/x"}, itemNames(l))
	})
	t.Run("P-1 an all-namespaces token starts at <ns>/<name>\\x00", func(t *testing.T) {
		l := listAll(t, all, apiserver.ListOptions{Limit: 1})
		require.Equal(t, "a/x\x00", decodeToken(t, l.ListMeta.Continue).Start)
	})
}

func TestListResourceVersionErrors(t *testing.T) {
	ctx := context.Background()
	f := newListFixture(t)
	invalid := func(field string, typ types.CauseType, body string) wantStatus {
		return wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
			Message: `ListOptions.meta.k8s.io "" is invalid: ` + field + ": " + body,
			Details: &types.StatusDetails{Group: "meta.k8s.io", Kind: "ListOptions",
				Causes: []types.StatusCause{{Type: typ, Message: body, Field: field}}}}
	}
	token := listAll(t, f.cms, apiserver.ListOptions{Limit: 2}).ListMeta.Continue
	yes := true

	cases := []struct {
		name string
		opts apiserver.ListOptions
		want wantStatus
	}{
		{"R-5 resourceVersionMatch without resourceVersion", apiserver.ListOptions{ResourceVersionMatch: apiserver.ResourceVersionMatchExact},
			invalid("resourceVersionMatch", types.CauseTypeFieldValueForbidden, "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")},
		{"R-5 resourceVersionMatch with continue", apiserver.ListOptions{ResourceVersion: "0", ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan, Continue: token},
			invalid("resourceVersionMatch", types.CauseTypeFieldValueForbidden, "Forbidden: resourceVersionMatch is forbidden when continue is provided")},
		{"R-5 Exact with resourceVersion 0", apiserver.ListOptions{ResourceVersion: "0", ResourceVersionMatch: apiserver.ResourceVersionMatchExact},
			invalid("resourceVersionMatch", types.CauseTypeFieldValueForbidden, `Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"`)},
		{"R-5 an unknown resourceVersionMatch", apiserver.ListOptions{ResourceVersion: "1", ResourceVersionMatch: "X"},
			invalid("resourceVersionMatch", types.CauseTypeFieldValueNotSupported, `Unsupported value: "X": supported values: "Exact", "NotOlderThan", ""`)},
		{"R-5 sendInitialEvents on a list", apiserver.ListOptions{SendInitialEvents: &yes},
			invalid("sendInitialEvents", types.CauseTypeFieldValueForbidden, "Forbidden: sendInitialEvents is forbidden for list")},
		{"R-6 an unparseable resourceVersion is 400", apiserver.ListOptions{ResourceVersion: "abc"},
			wantStatus{Code: 400, Reason: types.StatusReasonBadRequest}},
		{"R-6 an unparseable resourceVersion with limit is 400", apiserver.ListOptions{ResourceVersion: "-5", Limit: 2},
			wantStatus{Code: 400, Reason: types.StatusReasonBadRequest}},
		{"R-6 an unparseable Exact resourceVersion is 400", apiserver.ListOptions{ResourceVersion: "1x", ResourceVersionMatch: apiserver.ResourceVersionMatchExact},
			wantStatus{Code: 400, Reason: types.StatusReasonBadRequest}},
		{"R-2 resourceVersion with continue is 400", apiserver.ListOptions{ResourceVersion: fmtRV(f.at10), Continue: token},
			wantStatus{Code: 400, Reason: types.StatusReasonBadRequest, Message: "specifying resource version is not allowed when using continue"}},
		{"R-4 Exact in the future is 504 TooLargeResourceVersion", apiserver.ListOptions{ResourceVersion: fmtRV(f.cur + 5), ResourceVersionMatch: apiserver.ResourceVersionMatchExact},
			wantStatus{Code: 504, Reason: types.StatusReasonTimeout, Message: fmt.Sprintf("Timeout: Too large resource version: %d, current: %d", f.cur+5, f.cur),
				Details: &types.StatusDetails{Causes: []types.StatusCause{{Type: types.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}, RetryAfterSeconds: 1}}},
		{"R-7 NotOlderThan in the future is 504 TooLargeResourceVersion", apiserver.ListOptions{ResourceVersion: fmtRV(f.cur + 1)},
			wantStatus{Code: 504, Reason: types.StatusReasonTimeout, Message: fmt.Sprintf("Timeout: Too large resource version: %d, current: %d", f.cur+1, f.cur),
				Details: &types.StatusDetails{Causes: []types.StatusCause{{Type: types.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}, RetryAfterSeconds: 1}}},
		{"R-7 legacy RV=N with limit in the future is 504", apiserver.ListOptions{ResourceVersion: fmtRV(f.cur + 1), Limit: 3},
			wantStatus{Code: 504, Reason: types.StatusReasonTimeout}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.cms.List(ctx, c.opts)
			requireStatus(t, err, c.want)
		})
	}

	t.Run("R-5 several errors are aggregated", func(t *testing.T) {
		_, err := f.cms.List(ctx, apiserver.ListOptions{ResourceVersionMatch: "X", Continue: token})
		st := requireStatus(t, err, wantStatus{Code: 422, Reason: types.StatusReasonInvalid,
			Message: `ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided, resourceVersionMatch: Unsupported value: "X": supported values: "Exact", "NotOlderThan", ""]`})
		require.Len(t, st.Details.Causes, 3)
	})

	t.Run("R-2 resourceVersion 0 with continue is tolerated", func(t *testing.T) {
		l, err := f.cms.List(ctx, apiserver.ListOptions{ResourceVersion: "0", Continue: token, Limit: 2})
		require.NoError(t, err)
		require.Equal(t, names("default/c", 2, 3), itemNames(l))
	})
}

func TestListCompaction(t *testing.T) {
	ctx := context.Background()
	f := newListFixture(t)
	f.srv.Compact(f.at10)
	floor := f.srv.CompactedRevision()
	require.Equal(t, f.at10, floor)
	current := names("default/c", 0, 1, 2, 3, 4, 5, 6, 7, 8)

	t.Run("R-3 NotOlderThan below the floor never answers 410", func(t *testing.T) {
		for _, v := range []string{"1", fmtRV(f.at5), fmtRV(floor - 1)} {
			l := listAll(t, f.cms, apiserver.ListOptions{ResourceVersion: v, ResourceVersionMatch: apiserver.ResourceVersionMatchNotOlderThan})
			require.Equal(t, current, itemNames(l), v)
			require.Equal(t, fmtRV(f.cur), l.ListMeta.ResourceVersion)
		}
	})
	t.Run("R-2 legacy RV=N below the floor without limit is NotOlderThan: no 410", func(t *testing.T) {
		l := listAll(t, f.cms, apiserver.ListOptions{ResourceVersion: fmtRV(f.at5)})
		require.Equal(t, current, itemNames(l))
	})
	expired := wantStatus{Code: 410, Reason: types.StatusReasonExpired, Message: "The resourceVersion for the provided list is too old."}
	t.Run("R-4 Exact below the floor is 410 Expired", func(t *testing.T) {
		_, err := f.cms.List(ctx, apiserver.ListOptions{ResourceVersion: fmtRV(floor - 1), ResourceVersionMatch: apiserver.ResourceVersionMatchExact})
		st := requireStatus(t, err, expired)
		require.Nil(t, st.Details)
		require.True(t, types.IsResourceExpired(err))
	})
	t.Run("R-2 legacy RV=N with limit below the floor is Exact: 410 Expired", func(t *testing.T) {
		_, err := f.cms.List(ctx, apiserver.ListOptions{ResourceVersion: fmtRV(f.at5), Limit: 2})
		requireStatus(t, err, expired)
	})
	t.Run("R-4 Exact at the floor is served", func(t *testing.T) {
		l := listAll(t, f.cms, apiserver.ListOptions{ResourceVersion: fmtRV(floor), ResourceVersionMatch: apiserver.ResourceVersionMatchExact})
		require.Equal(t, names("default/c", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), itemNames(l))
		require.Equal(t, fmtRV(floor), l.ListMeta.ResourceVersion)
	})
}

func TestListPaging(t *testing.T) {
	ctx := context.Background()

	t.Run("P-2 P-3 P-4 pages stay at the first page's revision while writes happen between pages", func(t *testing.T) {
		f := newListFixture(t)
		// c0..c8 exist at f.cur; add c9 back to have ten.
		mustCreate(t, f.cms, configMap(t, "c9"))
		first := f.srv.Revision()
		exact := listAll(t, f.cms, apiserver.ListOptions{ResourceVersion: fmtRV(first), ResourceVersionMatch: apiserver.ResourceVersionMatchExact})

		var got []string
		var remaining []*int64
		opts := apiserver.ListOptions{Limit: 3}
		for page := 0; ; page++ {
			l := listAll(t, f.cms, opts)
			require.Equal(t, fmtRV(first), l.ListMeta.ResourceVersion, "P-2 page %d", page)
			got = append(got, itemNames(l)...)
			remaining = append(remaining, l.ListMeta.RemainingItemCount)
			if l.ListMeta.Continue == "" {
				break
			}
			tok := decodeToken(t, l.ListMeta.Continue)
			require.Equal(t, "meta.k8s.io/v1", tok.V, "P-1")
			require.Equal(t, first, tok.RV, "P-1")
			require.Equal(t, l.Items[len(l.Items)-1].Name()+"\x00", tok.Start, "P-1: the key after the namespace prefix")
			opts.Continue = l.ListMeta.Continue
			// Ten writes between pages: new keys right after the page, before and after the range, and an update
			// and a delete of keys still to come.
			before := f.srv.Revision()
			for i := range 3 {
				mustCreate(t, f.cms, configMap(t, fmt.Sprintf("c%d-new-%d", page*3+2, i)))
			}
			mustCreate(t, f.cms, configMap(t, fmt.Sprintf("a-%d", page)))
			mustCreate(t, f.cms, configMap(t, fmt.Sprintf("z-%d", page)))
			upd, del := [][2]string{{"c5", "c6"}, {"c8", "c7"}, {"c9", "c9"}}[page][0], [][2]string{{"c5", "c6"}, {"c8", "c7"}, {"c9", "c9"}}[page][1]
			o, err := f.cms.Get(ctx, upd, apiserver.GetOptions{})
			require.NoError(t, err)
			_, err = f.cms.Update(ctx, withData(t, o, fmt.Sprint("page", page)), apiserver.UpdateOptions{})
			require.NoError(t, err)
			_, err = f.cms.Delete(ctx, del, apiserver.DeleteOptions{})
			require.NoError(t, err)
			for range 3 {
				mustCreate(t, f.srv.Resource(apiserver.Secrets).Namespace("default"), toObject(t, types.Unstructured{"metadata": map[string]any{"generateName": "s-"}}))
			}
			require.Equal(t, before+10, f.srv.Revision())
		}
		require.Equal(t, itemNames(exact), got, "P-2 the pages concatenate to one Exact list at the first revision")
		require.Len(t, remaining, 4)
		require.Equal(t, int64(7), *remaining[0], "P-4")
		require.Equal(t, int64(4), *remaining[1], "P-4")
		require.Equal(t, int64(1), *remaining[2], "P-4")
		require.Nil(t, remaining[3], "P-4 absent on the last page")
	})

	t.Run("P-3 the last page has no continue even when it is exactly full", func(t *testing.T) {
		f := newListFixture(t)
		l := listAll(t, f.cms, apiserver.ListOptions{Limit: 9})
		require.Len(t, l.Items, 9)
		require.Empty(t, l.ListMeta.Continue)
		require.Nil(t, l.ListMeta.RemainingItemCount)
		b, err := json.Marshal(l)
		require.NoError(t, err)
		require.NotContains(t, string(b), `"continue"`)
		require.NotContains(t, string(b), `"remainingItemCount"`)
	})

	t.Run("P-4 remainingItemCount is absent with a label selector", func(t *testing.T) {
		srv, _ := newServer(t)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		for i := range 10 {
			mustCreate(t, cms, configMap(t, fmt.Sprintf("c%d", i), "app", "x"))
		}
		opts := apiserver.ListOptions{Limit: 3, LabelSelector: "app=x"}
		pages := 0
		for {
			l := listAll(t, cms, opts)
			pages++
			require.Nil(t, l.ListMeta.RemainingItemCount, "page %d", pages)
			if l.ListMeta.Continue == "" {
				break
			}
			opts.Continue = l.ListMeta.Continue
		}
		require.Equal(t, 4, pages)
	})

	t.Run("P-3 a filtered page may continue and the rest is found", func(t *testing.T) {
		srv, _ := newServer(t)
		cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
		for i := range 20 {
			app := "other"
			if i%7 == 0 {
				app = "x"
			}
			mustCreate(t, cms, configMap(t, fmt.Sprintf("c%02d", i), "app", app))
		}
		var got []string
		opts := apiserver.ListOptions{Limit: 1, LabelSelector: "app=x"}
		for range 10 {
			l := listAll(t, cms, opts)
			got = append(got, itemNames(l)...)
			if l.ListMeta.Continue == "" {
				break
			}
			opts.Continue = l.ListMeta.Continue
		}
		require.Equal(t, []string{"default/c00", "default/c07", "default/c14"}, got)
	})

	t.Run("P-5 an expired continue token is 410 with a token that continues at the latest state", func(t *testing.T) {
		f := newListFixture(t)
		page1 := listAll(t, f.cms, apiserver.ListOptions{Limit: 3})
		tok := decodeToken(t, page1.ListMeta.Continue)
		require.Equal(t, f.cur, tok.RV)
		// Change the remainder, then compact past the token's revision.
		_, err := f.cms.Delete(ctx, "c4", apiserver.DeleteOptions{})
		require.NoError(t, err)
		mustCreate(t, f.cms, configMap(t, "c9"))
		f.srv.Compact(f.srv.Revision())

		_, err = f.cms.List(ctx, apiserver.ListOptions{Limit: 3, Continue: page1.ListMeta.Continue})
		st := requireStatus(t, err, wantStatus{Code: 410, Reason: types.StatusReasonExpired, Message: continueExpiredMessage})
		require.Nil(t, st.Details)
		require.True(t, types.IsResourceExpired(err))
		require.NotEmpty(t, st.ListMeta.Continue, "P-5 the Status carries metadata.continue")
		fresh := decodeToken(t, st.ListMeta.Continue)
		require.Equal(t, decodedToken{V: "meta.k8s.io/v1", RV: -1, Start: tok.Start}, fresh)

		// The rv -1 token continues from the same key at the latest state.
		var got []string
		opts := apiserver.ListOptions{Limit: 3, Continue: st.ListMeta.Continue}
		for {
			l := listAll(t, f.cms, opts)
			require.Equal(t, fmtRV(f.srv.Revision()), l.ListMeta.ResourceVersion)
			got = append(got, itemNames(l)...)
			if l.ListMeta.Continue == "" {
				break
			}
			opts.Continue = l.ListMeta.Continue
		}
		require.Equal(t, names("default/c", 3, 5, 6, 7, 8, 9), got)
	})

	t.Run("P-5 the latest-state token itself pages at one revision", func(t *testing.T) {
		f := newListFixture(t)
		start := encodeToken(t, decodedToken{V: "meta.k8s.io/v1", RV: -1, Start: "c2"})
		l := listAll(t, f.cms, apiserver.ListOptions{Limit: 2, Continue: start})
		require.Equal(t, names("default/c", 2, 3), itemNames(l))
		require.Equal(t, f.cur, decodeToken(t, l.ListMeta.Continue).RV)
	})
}

func TestListBadContinue(t *testing.T) {
	ctx := context.Background()
	f := newListFixture(t)
	prefix := "invalid continue token: continue key is not valid"
	cases := []struct {
		name, token, message string
	}{
		{"P-6 not base64", "%%%", ""},
		{"P-6 not JSON", base64.RawURLEncoding.EncodeToString([]byte("nope")), ""},
		{"P-6 rv 0", encodeToken(t, decodedToken{V: "meta.k8s.io/v1", RV: 0, Start: "default/c1"}),
			prefix + ": incorrect encoded start resourceVersion (version meta.k8s.io/v1)"},
		{"P-6 empty start", encodeToken(t, decodedToken{V: "meta.k8s.io/v1", RV: f.cur, Start: ""}),
			prefix + ": encoded start key empty (version meta.k8s.io/v1)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.cms.List(ctx, apiserver.ListOptions{Limit: 2, Continue: c.token})
			st := requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest, Message: c.message})
			require.True(t, strings.HasPrefix(st.Message, prefix), st.Message)
			require.Nil(t, st.Details)
		})
	}
	t.Run("P-6 an unknown version", func(t *testing.T) {
		// fixed: was a known divergence
		_, err := f.cms.List(ctx, apiserver.ListOptions{Limit: 2, Continue: encodeToken(t, decodedToken{V: "v2", RV: f.cur, Start: "default/c1"})})
		requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest,
			Message: prefix + ": server does not recognize this encoded version v2"})
	})
	t.Run("P-6 a start key that path.Clean changes is rejected", func(t *testing.T) {
		// fixed: was a known divergence
		for _, start := range []string{"../kube-system/x", "default/../c1", "default//c1"} {
			_, err := f.cms.List(ctx, apiserver.ListOptions{Limit: 2, Continue: encodeToken(t, decodedToken{V: "meta.k8s.io/v1", RV: f.cur, Start: start})})
			requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest, Message: prefix + ": " + start})
		}
	})
	t.Run("P-6 a token cannot reach outside the list's prefix", func(t *testing.T) {
		s, _ := newServer(t)
		createNamespace(t, s, "zz")
		mustCreate(t, s.Resource(apiserver.ConfigMaps).Namespace("zz"), configMap(t, "secret-ish"))
		cms := s.Resource(apiserver.ConfigMaps).Namespace("default")
		mustCreate(t, cms, configMap(t, "a"))
		tok := encodeToken(t, decodedToken{V: "meta.k8s.io/v1", RV: s.Revision(), Start: "../zz/"})
		l, err := cms.List(ctx, apiserver.ListOptions{Limit: 5, Continue: tok})
		if err == nil {
			for _, o := range l.Items {
				require.Equal(t, "default", o.Namespace())
			}
		}
	})
}
