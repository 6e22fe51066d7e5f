package apiserver_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
)

func TestGet(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	first := mustCreate(t, cms, configMap(t, "g"))
	updated, err := cms.Update(ctx, withData(t, first, "v2"), apiserver.UpdateOptions{})
	require.NoError(t, err)
	mustCreate(t, cms, configMap(t, "other")) // the current revision is past the object's
	cur := srv.Revision()

	t.Run("R-1 resourceVersion cases serve the current state", func(t *testing.T) {
		for _, v := range []string{"", "0", "1", fmtRV(rv(t, first)), fmtRV(rv(t, updated)), fmtRV(cur)} {
			got, err := cms.Get(ctx, "g", apiserver.GetOptions{ResourceVersion: v})
			require.NoError(t, err, "rv %q", v)
			require.Equal(t, string(updated.JSON()), string(got.JSON()), "rv %q", v)
		}
	})

	t.Run("R-1 GET never answers 410, even below the compaction floor", func(t *testing.T) {
		s, _ := newServer(t)
		c := s.Resource(apiserver.ConfigMaps).Namespace("default")
		mustCreate(t, c, configMap(t, "g"))
		mustCreate(t, c, configMap(t, "h"))
		s.Compact(s.Revision())
		for _, v := range []string{"1", fmtRV(s.Revision() - 1)} {
			_, err := c.Get(ctx, "g", apiserver.GetOptions{ResourceVersion: v})
			require.NoError(t, err, v)
		}
	})

	t.Run("R-7 S-3 a future resourceVersion is 504 TooLargeResourceVersion with retryAfterSeconds 1", func(t *testing.T) {
		future := cur + 10
		_, err := cms.Get(ctx, "g", apiserver.GetOptions{ResourceVersion: fmtRV(future)})
		requireStatus(t, err, wantStatus{Code: 504, Reason: types.StatusReasonTimeout,
			Message: fmt.Sprintf("Timeout: Too large resource version: %d, current: %d", future, cur),
			Details: &types.StatusDetails{
				Causes:            []types.StatusCause{{Type: types.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}},
				RetryAfterSeconds: 1,
			}})
		require.True(t, types.IsTooLargeResourceVersion(err))
		require.True(t, types.HasStatusCause(err, types.CauseTypeResourceVersionTooLarge))
	})

	t.Run("R-7 the future check comes before the existence check", func(t *testing.T) {
		_, err := cms.Get(ctx, "missing", apiserver.GetOptions{ResourceVersion: fmtRV(cur + 1)})
		require.True(t, types.IsTooLargeResourceVersion(err))
	})

	t.Run("R-6 an unparseable resourceVersion is 400", func(t *testing.T) {
		for _, v := range []string{"abc", "-1", "1.5", " 1"} {
			_, err := cms.Get(ctx, "g", apiserver.GetOptions{ResourceVersion: v})
			st := requireStatus(t, err, wantStatus{Code: 400, Reason: types.StatusReasonBadRequest})
			require.True(t, strings.HasPrefix(st.Message, "invalid resource version: "), st.Message)
		}
	})

	t.Run("R-1 S-3 a missing object is 404 NotFound", func(t *testing.T) {
		cases := []struct {
			gvr     types.GroupVersionResource
			ns      string
			message string
			details types.StatusDetails
		}{
			{apiserver.ConfigMaps, "default", `configmaps "nope" not found`, types.StatusDetails{Name: "nope", Kind: "configmaps"}},
			{apiserver.Pods, "default", `pods "nope" not found`, types.StatusDetails{Name: "nope", Kind: "pods"}},
			{apiserver.Deployments, "default", `deployments.apps "nope" not found`, types.StatusDetails{Name: "nope", Group: "apps", Kind: "deployments"}},
			{apiserver.Leases, "default", `leases.coordination.k8s.io "nope" not found`, types.StatusDetails{Name: "nope", Group: "coordination.k8s.io", Kind: "leases"}},
			{apiserver.Namespaces, "", `namespaces "nope" not found`, types.StatusDetails{Name: "nope", Kind: "namespaces"}},
			{apiserver.Nodes, "", `nodes "nope" not found`, types.StatusDetails{Name: "nope", Kind: "nodes"}},
		}
		for _, c := range cases {
			t.Run(c.gvr.Resource, func(t *testing.T) {
				_, err := srv.Resource(c.gvr).Namespace(c.ns).Get(ctx, "nope", apiserver.GetOptions{})
				requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound, Message: c.message, Details: &c.details})
				require.True(t, types.IsNotFound(err))
			})
		}
	})

	t.Run("an object in another namespace is not found", func(t *testing.T) {
		_, err := srv.Resource(apiserver.ConfigMaps).Namespace("kube-system").Get(ctx, "g", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
	})

	t.Run("a deleted object is not found", func(t *testing.T) {
		_, err := cms.Delete(ctx, "other", apiserver.DeleteOptions{})
		require.NoError(t, err)
		_, err = cms.Get(ctx, "other", apiserver.GetOptions{})
		require.True(t, types.IsNotFound(err))
	})

	t.Run("a cluster-scoped get ignores the client namespace", func(t *testing.T) {
		o, err := srv.Resource(apiserver.Namespaces).Namespace("default").Get(ctx, "kube-system", apiserver.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, "kube-system", o.Name())
	})

	t.Run("a done context fails the get", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := cms.Get(cctx, "g", apiserver.GetOptions{})
		require.ErrorIs(t, err, context.Canceled)
	})
}
