package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// managedFieldsEntry is the part of a managedFields entry the kubectl apply tests read.
type managedFieldsEntry struct {
	Manager     string         `json:"manager"`
	Operation   string         `json:"operation"`
	APIVersion  string         `json:"apiVersion"`
	Subresource string         `json:"subresource"`
	FieldsV1    map[string]any `json:"fieldsV1"`
}

// kubectlObject is what the kubectl apply tests read of `kubectl get -o json --show-managed-fields`.
type kubectlObject struct {
	Metadata struct {
		Annotations   map[string]string    `json:"annotations"`
		ManagedFields []managedFieldsEntry `json:"managedFields"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
	Spec struct {
		Replicas int `json:"replicas"`
	} `json:"spec"`
}

// get reads an object with its managedFields through kubectl.
func (k *kubectlRunner) get(resource, name string) kubectlObject {
	k.t.Helper()
	var obj kubectlObject
	out := k.ok("get", resource, name, "-o", "json", "--show-managed-fields")
	require.NoError(k.t, json.Unmarshal([]byte(out), &obj), out)
	return obj
}

// managers lists an object's entries as manager/operation.
func (o kubectlObject) managers() []string {
	var out []string
	for _, m := range o.Metadata.ManagedFields {
		out = append(out, m.Manager+"/"+m.Operation)
	}
	sort.Strings(out)
	return out
}

// owns reports whether manager's entry lists the field at path (FieldsV1 keys such as "f:data").
func (o kubectlObject) owns(manager string, path ...string) bool {
	for _, m := range o.Metadata.ManagedFields {
		if m.Manager != manager {
			continue
		}
		var cur any = m.FieldsV1
		for _, p := range path {
			next, ok := cur.(map[string]any)[p]
			if !ok {
				return false
			}
			cur = next
		}
		return true
	}
	return false
}

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// TestKubectlApply drives `kubectl apply --server-side` against kubemem serve: re-applying with a change, a conflict
// with another field manager and --force-conflicts, and the upgrade of an object created by client-side apply. The
// expectations are kube-apiserver's (https://kubernetes.io/docs/reference/using-api/server-side-apply/) and the
// messages kubectl prints for them.
func TestKubectlApply(t *testing.T) {
	k := &kubectlRunner{t: t, bin: kubectlPath(t), kubeconfig: startServe(t)}
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	cmV1 := file("cm-v1.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: \"1\"\n  b: \"2\"\n")
	cmV2 := file("cm-v2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: \"2\"\n")
	cmOther := file("cm-other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: \"other\"\n")

	t.Run("apply --server-side twice with a change", func(t *testing.T) {
		require.Equal(t, "configmap/ssa serverside-applied\n", k.ok("apply", "--server-side", "-f", cmV1))
		obj := k.get("configmap", "ssa")
		require.Equal(t, map[string]string{"a": "1", "b": "2"}, obj.Data)
		require.Equal(t, []string{"kubectl/Apply"}, obj.managers())
		require.Equal(t, map[string]any{"f:data": map[string]any{"f:a": map[string]any{}, "f:b": map[string]any{}}},
			obj.Metadata.ManagedFields[0].FieldsV1)
		require.Equal(t, "v1", obj.Metadata.ManagedFields[0].APIVersion)
		require.Empty(t, obj.Metadata.Annotations[lastApplied], "server-side apply keeps no last-applied annotation")

		require.Equal(t, "configmap/ssa serverside-applied\n", k.ok("apply", "--server-side", "-f", cmV2))
		obj = k.get("configmap", "ssa")
		require.Equal(t, map[string]string{"a": "2"}, obj.Data, "b is no longer applied: removed")
		require.False(t, obj.owns("kubectl", "f:data", "f:b"))

		// -o yaml hides managedFields unless asked.
		require.NotContains(t, k.ok("get", "configmap", "ssa", "-o", "yaml"), "managedFields")
		out := k.ok("get", "configmap", "ssa", "-o", "yaml", "--show-managed-fields")
		require.Contains(t, out, "managedFields:")
		require.Contains(t, out, "manager: kubectl\n")
		require.Contains(t, out, "operation: Apply\n")
		require.Contains(t, out, "f:a: {}")
	})

	t.Run("a conflict with --field-manager=other", func(t *testing.T) {
		out := k.run(true, "", "apply", "--server-side", "--field-manager=other", "-f", cmOther)
		require.Contains(t, out, `Apply failed with 1 conflict: conflict with "kubectl": .data.a`)
		require.Contains(t, out, "Please review the fields above--they currently have other managers.")
		require.Contains(t, out, "--force-conflicts")
		obj := k.get("configmap", "ssa")
		require.Equal(t, "2", obj.Data["a"])
		require.Equal(t, []string{"kubectl/Apply"}, obj.managers())
	})

	t.Run("--force-conflicts", func(t *testing.T) {
		require.Equal(t, "configmap/ssa serverside-applied\n",
			k.ok("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", cmOther))
		obj := k.get("configmap", "ssa")
		require.Equal(t, "other", obj.Data["a"])
		require.True(t, obj.owns("other", "f:data", "f:a"))
		require.False(t, obj.owns("kubectl", "f:data", "f:a"), "force moved the field")
		// kubectl now conflicts with other.
		out := k.run(true, "", "apply", "--server-side", "-f", cmV2)
		require.Contains(t, out, `Apply failed with 1 conflict: conflict with "other": .data.a`)
	})

	t.Run("client-side apply, then --server-side", func(t *testing.T) {
		deploy := func(replicas string) string {
			return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: csa\n  labels: {app: csa}\nspec:\n  replicas: " + replicas +
				"\n  selector: {matchLabels: {app: csa}}\n  template:\n    metadata: {labels: {app: csa}}\n    spec:\n" +
				"      containers:\n      - name: c\n        image: nginx:1.25\n"
		}
		v1 := file("deploy-v1.yaml", deploy("2"))
		v2 := file("deploy-v2.yaml", deploy("3"))
		require.Equal(t, "deployment.apps/csa created\n", k.ok("apply", "-f", v1))
		obj := k.get("deployment", "csa")
		require.Equal(t, []string{"kubectl-client-side-apply/Update"}, obj.managers())
		require.Contains(t, obj.Metadata.Annotations[lastApplied], `"replicas":2`)
		require.True(t, obj.owns("kubectl-client-side-apply", "f:metadata", "f:annotations", "f:"+lastApplied))

		// The upgrade: the fields client-side apply set are in last-applied, so kubectl's first server-side apply
		// takes them without a conflict, and kubectl moves the client-side entry into its own.
		require.Equal(t, "deployment.apps/csa serverside-applied\n", k.ok("apply", "--server-side", "-f", v2))
		obj = k.get("deployment", "csa")
		require.Equal(t, 3, obj.Spec.Replicas)
		require.Equal(t, []string{"kubectl-last-applied/Apply", "kubectl/Apply"}, obj.managers())
		require.True(t, obj.owns("kubectl", "f:spec", "f:replicas"))
		require.True(t, obj.owns("kubectl", "f:spec", "f:template", "f:spec", "f:containers", `k:{"name":"c"}`, "f:image"))
		require.True(t, obj.owns("kubectl-last-applied", "f:metadata", "f:annotations", "f:"+lastApplied))
		require.Contains(t, obj.Metadata.Annotations[lastApplied], `"replicas":3`,
			"kube-apiserver keeps the annotation up to date for the kubectl manager")

		// Back and forth: another server-side apply and a client-side one keep working.
		require.Equal(t, "deployment.apps/csa serverside-applied\n", k.ok("apply", "--server-side", "-f", v1))
		require.Equal(t, 2, k.get("deployment", "csa").Spec.Replicas)
		out := k.ok("get", "deployment", "csa", "-o", "yaml", "--show-managed-fields")
		require.Contains(t, out, "manager: kubectl-last-applied\n")
		require.NotContains(t, out, "kubectl-client-side-apply")

		// kubectl scale writes through the scale subresource: its manager owns the replicas there, and the next
		// apply of other replicas conflicts with it.
		require.Equal(t, "deployment.apps/csa scaled\n", k.ok("scale", "deployment", "csa", "--replicas=5"))
		obj = k.get("deployment", "csa")
		require.Equal(t, 5, obj.Spec.Replicas)
		var scaler managedFieldsEntry
		for _, m := range obj.Metadata.ManagedFields {
			if m.Subresource == "scale" {
				scaler = m
			}
		}
		require.Equal(t, "Update", scaler.Operation)
		require.Equal(t, "apps/v1", scaler.APIVersion)
		require.Equal(t, map[string]any{"f:spec": map[string]any{"f:replicas": map[string]any{}}}, scaler.FieldsV1)
		require.False(t, obj.owns("kubectl", "f:spec", "f:replicas"), "the scale took the replicas from the applier")
		out = k.run(true, "", "apply", "--server-side", "-f", v1)
		require.Contains(t, out, `Apply failed with 1 conflict: conflict with "`+scaler.Manager+`" with subresource "scale" using apps/v1: .spec.replicas`)
	})
}
