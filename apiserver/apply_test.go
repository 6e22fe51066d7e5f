package apiserver_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/types"
)

// applyDeployment is a deployment apply configuration with replicas spelled as given.
func applyDeployment(replicas string) []byte {
	return []byte(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ` + replicas + `
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: nginx:1.25
`)
}

// managers returns "manager/operation" of each managedFields entry.
func managers(o *types.Object) []string {
	var out []string
	for _, e := range o.MetaNoCopy().ManagedFields {
		out = append(out, e.Manager+"/"+e.Operation)
	}
	return out
}

// TestServerSideApply: apply creates, re-applies, conflicts with another manager (409 with kube's Status), is forced,
// and every other write records its manager with operation Update.
func TestServerSideApply(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	deps := srv.Resource(apiserver.Deployments).Namespace("default")
	apply := func(replicas, manager string, force bool) (*types.Object, error) {
		opts := apiserver.PatchOptions{FieldManager: manager}
		if force {
			opts.Force = &force
		}
		return deps.Patch(ctx, "web", apiserver.ApplyPatchType, applyDeployment(replicas), opts)
	}

	created, err := apply("2", "ci", false)
	require.NoError(t, err)
	require.Equal(t, "2", jsonPath(t, created, "spec.replicas"))
	require.Equal(t, []string{"ci/Apply"}, managers(created))
	require.Equal(t, `"RollingUpdate"`, jsonPath(t, created, "spec.strategy.type"), "the applied object is defaulted")

	again, err := apply("2", "ci", false)
	require.NoError(t, err)
	require.Equal(t, created.ResourceVersion(), again.ResourceVersion(), "an apply that changes nothing writes nothing")

	_, err = apply("3", "other", false)
	st := requireStatus(t, err, wantStatus{Code: http.StatusConflict, Reason: types.StatusReasonConflict,
		Message: `Apply failed with 1 conflict: conflict with "ci": .spec.replicas`})
	require.Equal(t, []types.StatusCause{{Type: "FieldManagerConflict", Message: `conflict with "ci"`, Field: ".spec.replicas"}}, st.Details.Causes)

	forced, err := apply("3", "other", true)
	require.NoError(t, err)
	require.Equal(t, "3", jsonPath(t, forced, "spec.replicas"))
	require.Equal(t, []string{"ci/Apply", "other/Apply"}, managers(forced))

	// Another write records its manager as an Update.
	labeled, err := deps.Patch(ctx, "web", apiserver.MergePatchType, []byte(`{"metadata":{"labels":{"team":"a"}}}`), apiserver.PatchOptions{FieldManager: "labeler"})
	require.NoError(t, err)
	require.Equal(t, []string{"ci/Apply", "other/Apply", "labeler/Update"}, managers(labeled))

	_, err = deps.Patch(ctx, "web", apiserver.ApplyPatchType, applyDeployment("3"), apiserver.PatchOptions{})
	requireStatus(t, err, wantStatus{Code: http.StatusUnprocessableEntity, Reason: types.StatusReasonInvalid,
		Message: `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`})
}

// TestManagedFieldsOnWrites: a create names its manager (the fieldManager option, else the User-Agent's product over
// HTTP), an update that sends no managedFields keeps them, and one that sends managedFields: [] clears them.
func TestManagedFieldsOnWrites(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	created, err := cms.Create(ctx, configMap(t, "a"), apiserver.CreateOptions{FieldManager: "creator"})
	require.NoError(t, err)
	require.Equal(t, []string{"creator/Update"}, managers(created))

	updated, err := cms.Update(ctx, withData(t, withoutRV(created).WithResourceVersion(created.ResourceVersion()), "v2"), apiserver.UpdateOptions{FieldManager: "updater"})
	require.NoError(t, err)
	require.Equal(t, []string{"creator/Update", "updater/Update"}, managers(updated))
	require.JSONEq(t, `{"f:data":{}}`, string(updated.MetaNoCopy().ManagedFields[0].FieldsV1), "the creator keeps the map, not its key")
	require.JSONEq(t, `{"f:data":{"f:k":{}}}`, string(updated.MetaNoCopy().ManagedFields[1].FieldsV1), "the updater took data.k")

	m := updated.Meta()
	m.ManagedFields = []types.ManagedFieldsEntry{}
	cleared, err := cms.Update(ctx, updated.WithMeta(m), apiserver.UpdateOptions{FieldManager: "updater"})
	require.NoError(t, err)
	require.Empty(t, managers(cleared))
}

// TestManagedFieldsOnMetadataUpdates: updates that change only metadata (the field manager then reads metadata
// alone) record ownership as kube-apiserver does, whether the client sends back the managedFields it read or none.
func TestManagedFieldsOnMetadataUpdates(t *testing.T) {
	type entry struct{ Manager, Fields string }
	tests := []struct {
		name     string
		manager  string
		sendBack bool                      // the update carries the managedFields it read
		edit     func(m map[string]string) // changes the labels
		want     []entry
	}{
		{
			name: "the creator adds a label", manager: "creator", sendBack: true,
			edit: func(m map[string]string) { m["b"] = "1" },
			want: []entry{{"creator", `{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{".":{},"f:a":{},"f:b":{}}}}`}},
		},
		{
			name: "another manager adds a label", manager: "labeler",
			edit: func(m map[string]string) { m["b"] = "1" },
			want: []entry{
				{"creator", `{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{".":{},"f:a":{}}}}`},
				{"labeler", `{"f:metadata":{"f:labels":{"f:b":{}}}}`},
			},
		},
		{
			name: "another manager changes the creator's label", manager: "labeler", sendBack: true,
			edit: func(m map[string]string) { m["a"] = "2" },
			want: []entry{
				{"creator", `{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{}}}`}, // the map, not its key
				{"labeler", `{"f:metadata":{"f:labels":{"f:a":{}}}}`},
			},
		},
		{
			name: "another manager removes the creator's label", manager: "labeler",
			edit: func(m map[string]string) { delete(m, "a") },
			// The labels are now empty, which ObjectMeta does not encode: the map is gone, and nobody owns it.
			want: []entry{{"creator", `{"f:data":{".":{},"f:k":{}}}`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv, _ := newServer(t)
			cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
			created, err := cms.Create(ctx, configMap(t, "a", "a", "1"), apiserver.CreateOptions{FieldManager: "creator"})
			require.NoError(t, err)
			m := created.Meta()
			tt.edit(m.Labels)
			if !tt.sendBack {
				m.ManagedFields = nil
			}
			updated, err := cms.Update(ctx, created.WithMeta(m), apiserver.UpdateOptions{FieldManager: tt.manager})
			require.NoError(t, err)
			var got []entry
			for _, e := range updated.MetaNoCopy().ManagedFields {
				got = append(got, entry{e.Manager, string(e.FieldsV1)})
			}
			require.Equal(t, tt.want, got)
			stored, err := cms.Get(ctx, "a", apiserver.GetOptions{})
			require.NoError(t, err)
			require.Equal(t, updated.JSON(), stored.JSON())
		})
	}
}

// TestManagedFieldsThroughScale: a write through the scale subresource gives its manager the replicas with
// subresource "scale" (kube-apiserver's scale handler maps the Scale's fields to the object's), so a later apply of
// other replicas conflicts with it.
func TestManagedFieldsThroughScale(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	deps := srv.Resource(apiserver.Deployments).Namespace("default")
	_, err := deps.Patch(ctx, "web", apiserver.ApplyPatchType, applyDeployment("2"), apiserver.PatchOptions{FieldManager: "ci"})
	require.NoError(t, err)
	_, err = deps.PatchScale(ctx, "web", apiserver.MergePatchType, []byte(`{"spec":{"replicas":5}}`), apiserver.PatchOptions{FieldManager: "scaler"})
	require.NoError(t, err)
	scaled, err := deps.Get(ctx, "web", apiserver.GetOptions{})
	require.NoError(t, err)
	entries := scaled.MetaNoCopy().ManagedFields
	require.Len(t, entries, 2)
	require.Equal(t, []string{"ci", "Apply", "", "scaler", "Update", "scale"},
		[]string{entries[0].Manager, entries[0].Operation, entries[0].Subresource, entries[1].Manager, entries[1].Operation, entries[1].Subresource})
	require.Equal(t, "apps/v1", entries[1].APIVersion)
	require.Nil(t, entries[1].Time, "kube's scale handler writes the entry without a time")
	require.JSONEq(t, `{"f:spec":{"f:replicas":{}}}`, string(entries[1].FieldsV1))
	require.NotContains(t, string(entries[0].FieldsV1), `"f:replicas"`, "the applier lost the replicas")

	_, err = deps.Patch(ctx, "web", apiserver.ApplyPatchType, applyDeployment("2"), apiserver.PatchOptions{FieldManager: "ci"})
	requireStatus(t, err, wantStatus{Code: http.StatusConflict, Reason: types.StatusReasonConflict,
		Message: `Apply failed with 1 conflict: conflict with "scaler" with subresource "scale" using apps/v1: .spec.replicas`})
}

// TestApplyThroughScale: an apply of a Scale conflicts with the object's owner of the replicas, takes them when
// forced, and is recorded on the object as kube-apiserver's scale handler records it (subresource scale, the object's
// apiVersion, no time), so that the owner's next apply of other replicas conflicts with it.
func TestApplyThroughScale(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	deps := srv.Resource(apiserver.Deployments).Namespace("default")
	_, err := deps.Patch(ctx, "web", apiserver.ApplyPatchType, applyDeployment("2"), apiserver.PatchOptions{FieldManager: "ci"})
	require.NoError(t, err)
	scaleConfig := []byte("apiVersion: autoscaling/v1\nkind: Scale\nmetadata: {name: web}\nspec: {replicas: 5}\n")

	_, err = deps.PatchScale(ctx, "web", apiserver.ApplyPatchType, scaleConfig, apiserver.PatchOptions{FieldManager: "hpa"})
	requireStatus(t, err, wantStatus{Code: http.StatusConflict, Reason: types.StatusReasonConflict,
		Message: `Apply failed with 1 conflict: conflict with "ci": .spec.replicas`})

	force := true
	scale, err := deps.PatchScale(ctx, "web", apiserver.ApplyPatchType, scaleConfig, apiserver.PatchOptions{FieldManager: "hpa", Force: &force})
	require.NoError(t, err)
	require.Equal(t, "5", jsonPath(t, scale, "spec.replicas"))
	dep, err := deps.Get(ctx, "web", apiserver.GetOptions{})
	require.NoError(t, err)
	require.Equal(t, "5", jsonPath(t, dep, "spec.replicas"))
	entries := dep.MetaNoCopy().ManagedFields
	require.Len(t, entries, 2)
	// Entries without a time sort first among the Apply entries, as kube sorts them.
	require.Equal(t, []string{"hpa", "Apply", "scale", "apps/v1", "ci", "Apply", ""},
		[]string{entries[0].Manager, entries[0].Operation, entries[0].Subresource, entries[0].APIVersion, entries[1].Manager, entries[1].Operation, entries[1].Subresource})
	require.Nil(t, entries[0].Time)
	require.JSONEq(t, `{"f:spec":{"f:replicas":{}}}`, string(entries[0].FieldsV1))
	require.NotContains(t, string(entries[1].FieldsV1), `"f:replicas"`)

	again, err := deps.PatchScale(ctx, "web", apiserver.ApplyPatchType, scaleConfig, apiserver.PatchOptions{FieldManager: "hpa"})
	require.NoError(t, err)
	require.Equal(t, scale.ResourceVersion(), again.ResourceVersion(), "the same apply again writes nothing")

	_, err = deps.Patch(ctx, "web", apiserver.ApplyPatchType, applyDeployment("2"), apiserver.PatchOptions{FieldManager: "ci"})
	requireStatus(t, err, wantStatus{Code: http.StatusConflict, Reason: types.StatusReasonConflict,
		Message: `Apply failed with 1 conflict: conflict with "hpa" with subresource "scale": .spec.replicas`})

	_, err = deps.PatchScale(ctx, "web", apiserver.ApplyPatchType, []byte("apiVersion: apps/v1\nkind: Scale\nspec: {replicas: 1}\n"), apiserver.PatchOptions{FieldManager: "hpa"})
	requireStatus(t, err, wantStatus{Code: http.StatusBadRequest, Reason: types.StatusReasonBadRequest,
		Message: `the API version in the data (apps/v1) does not match the expected API version (autoscaling/v1)`})
}

// TestManagedFieldsOfServerWrites: the objects and writes kubemem makes itself carry the managers kube's components
// have there: kube-apiserver for the default namespaces and priority classes, kube-controller-manager for the
// namespace controller's status writes.
func TestManagedFieldsOfServerWrites(t *testing.T) {
	ctx := context.Background()
	srv, _ := newServer(t)
	ns, err := srv.Resource(apiserver.Namespaces).Get(ctx, "default", apiserver.GetOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"kube-apiserver/Update"}, managers(ns))
	pc, err := srv.Resource(apiserver.PriorityClasses).Get(ctx, "system-node-critical", apiserver.GetOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"kube-apiserver/Update"}, managers(pc))

	// A namespace being deleted with an object that holds a finalizer: the namespace controller writes its
	// conditions through the status subresource.
	_, err = srv.Resource(apiserver.Namespaces).Create(ctx, toObject(t, types.Unstructured{"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": "doomed"}}), apiserver.CreateOptions{FieldManager: "test"})
	require.NoError(t, err)
	_, err = srv.Resource(apiserver.ConfigMaps).Namespace("doomed").Create(ctx, toObject(t, types.Unstructured{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "held", "finalizers": []any{"example.com/hold"}}}), apiserver.CreateOptions{})
	require.NoError(t, err)
	_, err = srv.Resource(apiserver.Namespaces).Delete(ctx, "doomed", apiserver.DeleteOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		ns, err := srv.Resource(apiserver.Namespaces).Get(ctx, "doomed", apiserver.GetOptions{})
		require.NoError(t, err)
		for _, e := range ns.MetaNoCopy().ManagedFields {
			if e.Manager == "kube-controller-manager" && e.Subresource == "status" {
				return true
			}
		}
		return false
	}, 5*time.Second, 5*time.Millisecond)
}
