package apiserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// meta is a small ObjectMeta with the fields the tests read.
type meta struct {
	Name              string            `json:"name,omitempty"`
	GenerateName      string            `json:"generateName,omitempty"`
	Namespace         string            `json:"namespace,omitempty"`
	UID               string            `json:"uid,omitempty"`
	ResourceVersion   string            `json:"resourceVersion,omitempty"`
	Generation        int64             `json:"generation,omitempty"`
	CreationTimestamp *time.Time        `json:"creationTimestamp,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
}

// cmStruct is a ConfigMap as a user-defined Go type.
type cmStruct struct {
	APIVersion string            `json:"apiVersion,omitempty"`
	Kind       string            `json:"kind,omitempty"`
	Metadata   meta              `json:"metadata"`
	Data       map[string]string `json:"data,omitempty"`
	Immutable  *bool             `json:"immutable,omitempty"`
}

// deployStruct is a Deployment with only the fields the test touches.
type deployStruct struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Metadata   meta   `json:"metadata"`
	Spec       struct {
		Replicas int32          `json:"replicas"`
		Selector map[string]any `json:"selector,omitempty"`
		Template map[string]any `json:"template,omitempty"`
	} `json:"spec"`
}

func TestTyped(t *testing.T) {
	ctx := context.Background()
	srv, clk := newServer(t)
	cms := apiserver.For[cmStruct](srv, apiserver.ConfigMaps).Namespace("default")
	no := false

	var created *cmStruct
	t.Run("Create round-trips the struct and fills server fields", func(t *testing.T) {
		in := &cmStruct{Metadata: meta{Name: "typed", Labels: map[string]string{"app": "t"}}, Data: map[string]string{"a": "1"}, Immutable: &no}
		var err error
		created, err = cms.Create(ctx, in, apiserver.CreateOptions{})
		require.NoError(t, err)
		require.Equal(t, "ConfigMap", created.Kind)
		require.Equal(t, "v1", created.APIVersion)
		require.Equal(t, "typed", created.Metadata.Name)
		require.Equal(t, "default", created.Metadata.Namespace)
		require.Regexp(t, uidPattern, created.Metadata.UID)
		require.Equal(t, fmtRV(srv.Revision()), created.Metadata.ResourceVersion)
		require.True(t, clk.Now().Equal(*created.Metadata.CreationTimestamp))
		require.Equal(t, map[string]string{"app": "t"}, created.Metadata.Labels)
		require.Equal(t, map[string]string{"a": "1"}, created.Data)
		require.False(t, *created.Immutable)
		require.Empty(t, in.Metadata.UID, "the input is not modified")
	})

	t.Run("Get returns what Create returned", func(t *testing.T) {
		got, err := cms.Get(ctx, "typed", apiserver.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, created, got)
	})

	t.Run("List returns the items and the list metadata", func(t *testing.T) {
		_, err := cms.Create(ctx, &cmStruct{Metadata: meta{Name: "typed-2"}}, apiserver.CreateOptions{})
		require.NoError(t, err)
		items, lm, err := cms.List(ctx, apiserver.ListOptions{LabelSelector: "app=t"})
		require.NoError(t, err)
		require.Len(t, items, 1)
		require.Equal(t, *created, items[0])
		require.Equal(t, fmtRV(srv.Revision()), lm.ResourceVersion)

		items, lm, err = cms.List(ctx, apiserver.ListOptions{Limit: 1})
		require.NoError(t, err)
		require.Len(t, items, 1)
		require.NotEmpty(t, lm.Continue)
		require.Equal(t, int64(1), *lm.RemainingItemCount)
	})

	t.Run("Update with the current resourceVersion, then a stale one conflicts (W-2, W-3)", func(t *testing.T) {
		upd := *created
		upd.Data = map[string]string{"a": "2"}
		updated, err := cms.Update(ctx, &upd, apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"a": "2"}, updated.Data)
		require.Greater(t, parseRV(t, updated.Metadata.ResourceVersion), parseRV(t, created.Metadata.ResourceVersion))
		require.Equal(t, created.Metadata.UID, updated.Metadata.UID)

		_, err = cms.Update(ctx, &upd, apiserver.UpdateOptions{})
		requireStatus(t, err, wantStatus{Code: 409, Reason: types.StatusReasonConflict, Message: optimisticLockMessage("configmaps", "typed")})
	})

	t.Run("Watch events decode into the type", func(t *testing.T) {
		w, err := cms.Watch(ctx, apiserver.ListOptions{ResourceVersion: fmtRV(srv.Revision()), FieldSelector: "metadata.name=typed"})
		require.NoError(t, err)
		t.Cleanup(w.Stop)
		require.NoError(t, cms.Delete(ctx, "typed", apiserver.DeleteOptions{}))
		ev := nextEvent(t, w)
		require.Equal(t, watch.Deleted, ev.Type)
		gone, err := apiserver.Decode[cmStruct](ev.Object)
		require.NoError(t, err)
		require.Equal(t, "typed", gone.Metadata.Name)
		require.Equal(t, map[string]string{"a": "2"}, gone.Data)
		require.Equal(t, fmtRV(srv.Revision()), gone.Metadata.ResourceVersion)
	})

	t.Run("errors are the verbs' Status errors", func(t *testing.T) {
		_, err := cms.Get(ctx, "typed", apiserver.GetOptions{})
		requireStatus(t, err, wantStatus{Code: 404, Reason: types.StatusReasonNotFound, Message: `configmaps "typed" not found`})
		err = cms.Delete(ctx, "typed", apiserver.DeleteOptions{})
		require.True(t, types.IsNotFound(err))
		_, err = cms.Create(ctx, &cmStruct{Metadata: meta{Name: "typed-2"}}, apiserver.CreateOptions{})
		require.True(t, types.IsAlreadyExists(err))
	})

	t.Run("generateName and generation through a typed client", func(t *testing.T) {
		deps := apiserver.For[deployStruct](srv, apiserver.Deployments).Namespace("default")
		d := &deployStruct{Metadata: meta{GenerateName: "web-"}}
		d.Spec.Replicas = 1
		d.Spec.Selector = map[string]any{"matchLabels": map[string]any{"app": "web"}}
		d.Spec.Template = map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}}}
		created, err := deps.Create(ctx, d, apiserver.CreateOptions{})
		require.NoError(t, err)
		require.Equal(t, "apps/v1", created.APIVersion)
		require.Len(t, created.Metadata.Name, len("web-")+5)
		require.Equal(t, int64(1), created.Metadata.Generation)
		created.Spec.Replicas = 3
		updated, err := deps.Update(ctx, created, apiserver.UpdateOptions{})
		require.NoError(t, err)
		require.Equal(t, int64(2), updated.Metadata.Generation, "V-1")
		require.Equal(t, int32(3), updated.Spec.Replicas)
	})

	t.Run("Unstructured as the type", func(t *testing.T) {
		us := apiserver.For[types.Unstructured](srv, apiserver.ConfigMaps).Namespace("default")
		u, err := us.Create(ctx, &types.Unstructured{"metadata": map[string]any{"name": "u"}, "data": map[string]any{"x": "y"}}, apiserver.CreateOptions{})
		require.NoError(t, err)
		require.Equal(t, "ConfigMap", u.GetKind())
		v, _ := u.NestedString("data", "x")
		require.Equal(t, "y", v)
	})
}
