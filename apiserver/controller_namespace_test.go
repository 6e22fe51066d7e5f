package apiserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
)

// ctlNamespace creates a namespace.
func ctlNamespace(t testing.TB, srv *apiserver.Server, name string) *types.Object {
	t.Helper()
	return ctlCreate(t, srv, apiserver.Namespaces, "", types.Unstructured{"apiVersion": "v1", "kind": "Namespace", "metadata": ctlMeta(name)})
}

// ctlCondition is a namespace condition without its lastTransitionTime.
type ctlCondition struct{ Type, Status, Reason, Message string }

// ctlNamespaceConditions returns a namespace's conditions in order.
func ctlNamespaceConditions(t testing.TB, ns *types.Object) []ctlCondition {
	t.Helper()
	var out []ctlCondition
	for _, c := range ctlConditions(t, ns) {
		require.NotEmpty(t, c["lastTransitionTime"])
		out = append(out, ctlCondition{c["type"], c["status"], c["reason"], c["message"]})
	}
	return out
}

// The conditions of kube's namespace controller when nothing is wrong.
var (
	ctlDiscovered    = ctlCondition{"NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"}
	ctlParsed        = ctlCondition{"NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed"}
	ctlContentGone   = ctlCondition{"NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"}
	ctlNoContent     = ctlCondition{"NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed"}
	ctlNoFinalizers  = ctlCondition{"NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers", "All content-preserving finalizers finished"}
	ctlAllConditions = []ctlCondition{ctlDiscovered, ctlParsed, ctlContentGone, ctlNoContent, ctlNoFinalizers}
)

// TestNamespaceController deletes namespaces with content: everything goes, pods first; content with finalizers
// holds the namespace Terminating, with conditions saying why, until the finalizers are removed.
func TestNamespaceController(t *testing.T) {
	ctx := context.Background()

	t.Run("content goes; a finalizer holds the namespace until it is removed", func(t *testing.T) {
		srv := ctlServer(t)
		ctlNamespace(t, srv, "doomed")
		for _, name := range []string{"c1", "c2"} {
			ctlCreate(t, srv, apiserver.ConfigMaps, "doomed", ctlConfigMap(name))
		}
		ctlCreate(t, srv, apiserver.ConfigMaps, "doomed", ctlConfigMap("held", "example.com/hold"))
		ctlCreate(t, srv, apiserver.Pods, "doomed", ctlPod("p1"))
		ctlCreate(t, srv, apiserver.Secrets, "doomed", types.Unstructured{"apiVersion": "v1", "kind": "Secret", "metadata": ctlMeta("s")})

		d := ctlDelete(t, srv, apiserver.Namespaces, "", "doomed", nil)
		require.NotNil(t, d.DeletionTimestamp())
		require.JSONEq(t, `"Terminating"`, jsonPath(t, d, "status.phase"))
		_, err := srv.Resource(apiserver.ConfigMaps).Namespace("doomed").Create(ctx, toObject(t, ctlConfigMap("late")), apiserver.CreateOptions{})
		require.True(t, types.IsForbidden(err), "creating in a terminating namespace is 403: %v", err)

		want := []ctlCondition{ctlDiscovered, ctlParsed, ctlContentGone,
			{"NamespaceContentRemaining", "True", "SomeResourcesRemain", "Some resources are remaining: configmaps. has 1 resource instances"},
			{"NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
				"Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"}}
		require.Eventually(t, func() bool {
			ns := ctlGet(t, srv, apiserver.Namespaces, "", "doomed")
			return ns != nil && len(ctlConditions(t, ns)) == 5 && slices.Equal(ctlNamespaceConditions(t, ns), want)
		}, ctlWait, ctlTick, "conditions: %+v", func() any {
			if ns := ctlGet(t, srv, apiserver.Namespaces, "", "doomed"); ns != nil {
				return ns.JSON()
			}
			return nil
		}())
		for _, gone := range []struct {
			gvr  types.GroupVersionResource
			name string
		}{{apiserver.ConfigMaps, "c1"}, {apiserver.ConfigMaps, "c2"}, {apiserver.Pods, "p1"}, {apiserver.Secrets, "s"},
			{apiserver.ServiceAccounts, "default"}} {
			require.Nil(t, ctlGet(t, srv, gone.gvr, "doomed", gone.name), "%s %s", gone.gvr.Resource, gone.name)
		}
		held := ctlStays(t, srv, apiserver.ConfigMaps, "doomed", "held")
		require.NotNil(t, held.DeletionTimestamp())
		ns := ctlStays(t, srv, apiserver.Namespaces, "", "doomed")
		require.JSONEq(t, `["kubernetes"]`, jsonPath(t, ns, "spec.finalizers"))
		require.JSONEq(t, `"Terminating"`, jsonPath(t, ns, "status.phase"))

		// Nothing changes while the content waits: no polling writes.
		rev := srv.Revision()
		time.Sleep(ctlQuiet)
		require.Equal(t, rev, srv.Revision(), "the controllers are quiet while nothing changes")

		ctlRemoveFinalizers(t, srv, apiserver.ConfigMaps, "doomed", "held")
		ctlEventuallyGone(t, srv, apiserver.Namespaces, "", "doomed")
	})

	t.Run("pods go first: nothing else is deleted while one remains", func(t *testing.T) {
		srv := ctlServer(t)
		ctlNamespace(t, srv, "ordered")
		ctlCreate(t, srv, apiserver.Pods, "ordered", ctlPod("stuck", "example.com/hold"))
		ctlCreate(t, srv, apiserver.ConfigMaps, "ordered", ctlConfigMap("config"))
		ctlDelete(t, srv, apiserver.Namespaces, "", "ordered", nil)
		require.Eventually(t, func() bool {
			p := ctlGet(t, srv, apiserver.Pods, "ordered", "stuck")
			return p != nil && p.DeletionTimestamp() != nil
		}, ctlWait, ctlTick)
		cm := ctlStays(t, srv, apiserver.ConfigMaps, "ordered", "config")
		require.Nil(t, cm.DeletionTimestamp(), "the configmap waits for the pods")
		// As kube's controller does, the early return for remaining pods reports no content totals.
		require.Eventually(t, func() bool {
			ns := ctlGet(t, srv, apiserver.Namespaces, "", "ordered")
			return len(ctlConditions(t, ns)) > 0 && slices.Equal(ctlAllConditions, ctlNamespaceConditions(t, ns))
		}, ctlWait, ctlTick)

		ctlRemoveFinalizers(t, srv, apiserver.Pods, "ordered", "stuck")
		ctlEventuallyGone(t, srv, apiserver.Namespaces, "", "ordered")
		require.Nil(t, ctlGet(t, srv, apiserver.ConfigMaps, "ordered", "config"))
	})

	t.Run("an empty namespace goes at once; the finalize subresource and its conditions are as kube's", func(t *testing.T) {
		srv := ctlServer(t)
		ns := ctlNamespace(t, srv, "empty")
		w, err := srv.Resource(apiserver.Namespaces).Watch(ctx, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision()),
			FieldSelector: "metadata.name=empty"})
		require.NoError(t, err)
		defer w.Stop()
		ctlDelete(t, srv, apiserver.Namespaces, "", "empty", nil)
		ctlEventuallyGone(t, srv, apiserver.Namespaces, "", "empty")
		var last *types.Object
		for ev := range w.ResultChan() {
			if string(ev.Type) == "DELETED" {
				last = ev.Object
				break
			}
		}
		require.NotNil(t, last)
		require.Equal(t, ns.UID(), last.UID())
		require.Equal(t, ctlAllConditions, ctlNamespaceConditions(t, last))
		// The finalize that empties spec.finalizers deletes the namespace (ShouldDeleteNamespaceDuringUpdate), and
		// the DELETED event carries the last stored state, which still names the finalizer.
		finalizers, _ := last.Lookup("spec", "finalizers")
		require.JSONEq(t, `["kubernetes"]`, string(finalizers), "%s", last.JSON())
	})

	t.Run("a namespace deleted in the foreground goes once the garbage collector lets it", func(t *testing.T) {
		srv := ctlServer(t)
		ctlNamespace(t, srv, "fg")
		ctlCreate(t, srv, apiserver.ConfigMaps, "fg", ctlConfigMap("c"))
		d := ctlDelete(t, srv, apiserver.Namespaces, "", "fg", ctlPolicy(apiserver.DeletePropagationForeground))
		require.Equal(t, []string{apiserver.FinalizerDeleteDependents}, d.Finalizers())
		ctlEventuallyGone(t, srv, apiserver.Namespaces, "", "fg")
	})

	t.Run("with the garbage collector off, namespaces are still emptied and deleted", func(t *testing.T) {
		srv := ctlServer(t, func(o *apiserver.Options) { o.DisableGarbageCollector = true })
		ctlNamespace(t, srv, "nogc")
		ctlCreate(t, srv, apiserver.ConfigMaps, "nogc", ctlConfigMap("c"))
		ctlDelete(t, srv, apiserver.Namespaces, "", "nogc", nil)
		ctlEventuallyGone(t, srv, apiserver.Namespaces, "", "nogc")
		require.Nil(t, ctlGet(t, srv, apiserver.ConfigMaps, "nogc", "c"))
	})
}

// TestNamespaceControllerHTTP deletes a namespace the way kubectl does: DELETE answers 200 with the namespace,
// Terminating; then it disappears.
func TestNamespaceControllerHTTP(t *testing.T) {
	srv := ctlServer(t)
	hs := httptest.NewServer(srv.Handler(apiserver.HandlerOptions{}))
	defer hs.Close()
	do := func(method, path, body string) (int, map[string]any) {
		req, err := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Accept", "application/json")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hs.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		var out map[string]any
		require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
		return resp.StatusCode, out
	}
	code, _ := do("POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"web"}}`)
	require.Equal(t, http.StatusCreated, code)
	code, _ = do("POST", "/api/v1/namespaces/web/configmaps", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"}}`)
	require.Equal(t, http.StatusCreated, code)

	code, body := do("DELETE", "/api/v1/namespaces/web", `{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}`)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "Namespace", body["kind"])
	require.NotEmpty(t, body["metadata"].(map[string]any)["deletionTimestamp"])
	require.Equal(t, "Terminating", body["status"].(map[string]any)["phase"])

	require.Eventually(t, func() bool {
		code, _ := do("GET", "/api/v1/namespaces/web", "")
		return code == http.StatusNotFound
	}, ctlWait, ctlTick)
	code, body = do("GET", "/api/v1/namespaces/web/configmaps", "")
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, body["items"])
}
