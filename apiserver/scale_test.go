package apiserver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/types"
)

func TestScale(t *testing.T) {
	ctx := context.Background()
	srv, err := New(Options{Retention: -1})
	require.NoError(t, err)
	defer srv.Close()
	cases := []struct {
		name     string
		gvr      types.GroupVersionResource
		selector any
		labels   map[string]any // the template's, which the selector must match (validation)
		want     string
	}{
		{"deployment matchLabels", Deployments, map[string]any{"matchLabels": map[string]any{"b": "2", "a": "1"}},
			map[string]any{"a": "1", "b": "2"}, "a=1,b=2"},
		{"deployment matchExpressions", Deployments, map[string]any{
			"matchLabels":      map[string]any{"a": "1"},
			"matchExpressions": []any{map[string]any{"key": "t", "operator": "In", "values": []any{"x", "y"}}},
		}, map[string]any{"a": "1", "t": "x"}, "a=1,t in (x,y)"},
		{"replicationcontroller map", types.GroupVersionResource{Version: "v1", Resource: "replicationcontrollers"},
			map[string]any{"app": "web"}, map[string]any{"app": "web"}, "app=web"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.Resource(tc.gvr).Namespace("default")
			name := "s" + string(rune('a'+i))
			obj, err := types.Unstructured{"metadata": map[string]any{"name": name},
				"spec": map[string]any{"replicas": int64(2), "selector": tc.selector, "template": map[string]any{
					"metadata": map[string]any{"labels": tc.labels},
					"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}},
				}}}.ToObject()
			require.NoError(t, err)
			_, err = c.Create(ctx, obj, CreateOptions{})
			require.NoError(t, err)
			scale, err := c.GetScale(ctx, name, GetOptions{})
			require.NoError(t, err)
			require.Equal(t, "Scale", scale.Kind())
			sel, _ := scale.Lookup("status", "selector")
			require.JSONEq(t, `"`+tc.want+`"`, string(sel))
			scale, err = c.PatchScale(ctx, name, MergePatchType, []byte(`{"spec":{"replicas":5}}`), PatchOptions{})
			require.NoError(t, err)
			replicas, _ := scale.Lookup("spec", "replicas")
			require.Equal(t, "5", string(replicas))
			got, err := c.Get(ctx, name, GetOptions{})
			require.NoError(t, err)
			replicas, _ = got.Lookup("spec", "replicas")
			require.Equal(t, "5", string(replicas))
		})
	}
	_, err = srv.Resource(ConfigMaps).Namespace("default").GetScale(ctx, "x", GetOptions{})
	require.True(t, types.IsNotFound(err), "no scale subresource")
}
