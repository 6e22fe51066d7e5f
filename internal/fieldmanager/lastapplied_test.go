package fieldmanager

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// csaConfig is a configuration applied client-side (kubectl apply) and then server-side (kubectl apply
// --server-side) with changes, as in kube's TestInteropForClientSideApplyAndServerSideApply.
const (
	csaConfig = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","labels":{"app":"a"}},
		"spec":{"replicas":100,"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"img:1"}]}}}}`
	ssaConfig = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","labels":{"app":"a2"}},
		"spec":{"replicas":8,"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"img:2"}]}}}}`
)

// clientSideApplied returns config with the last-applied-configuration annotation kubectl apply writes.
func clientSideApplied(t *testing.T, config string) string {
	t.Helper()
	obj := decode(t, config)
	annotation, err := encodeLastApplied(obj)
	require.NoError(t, err)
	metadataOf(obj)["annotations"] = map[string]any{LastAppliedConfigAnnotation: annotation}
	return encode(t, obj)
}

func TestClientSideApplyUpgrade(t *testing.T) {
	created := clientSideApplied(t, csaConfig)
	t.Run("kubectl takes over the fields of client-side apply", func(t *testing.T) {
		m := kindManager(t, deploymentGVK)
		live := runScript(t, m, []step{
			{manager: "kubectl-client-side-apply", obj: created},
			{
				// Any other manager conflicts with the client-side apply's Update entry.
				apply: true, manager: "other", obj: ssaConfig,
				wantErr: "Apply failed with 3 conflicts: conflicts with \"kubectl-client-side-apply\" using apps/v1:\n" +
					"- .metadata.labels.app\n- .spec.replicas\n- .spec.template.spec.containers[name=\"c\"].image",
			},
			{
				apply: true, manager: "kubectl", obj: ssaConfig,
				wantManaged: `[
					{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:02Z","fieldsType":"FieldsV1","fieldsV1":{
						"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
						"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{}}}}}}}},
					{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
						"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{}},
						"f:spec":{"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},
						"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:name":{},"f:resources":{}}}}}}}}]`,
			},
		})
		// The annotation now holds the server-side applied configuration, for a later client-side apply.
		want, err := encodeLastApplied(decode(t, ssaConfig))
		require.NoError(t, err)
		require.Equal(t, want, lastApplied(live))
		require.Contains(t, lastApplied(live), `"replicas":8`)
		require.Equal(t, byte('\n'), want[len(want)-1], "kube's JSON encoder ends with a newline")
		require.Equal(t, int64(8), live["spec"].(map[string]any)["replicas"])
	})
	t.Run("fields changed since the client-side apply still conflict", func(t *testing.T) {
		edited := decode(t, created)
		edited["spec"].(map[string]any)["replicas"] = int64(50)
		runScript(t, kindManager(t, deploymentGVK), []step{
			{manager: "kubectl-client-side-apply", obj: created},
			{manager: "kubectl-edit", obj: encode(t, edited)},
			{
				apply: true, manager: "kubectl", obj: ssaConfig,
				wantErr: `Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas`,
			},
		})
	})
	t.Run("without the annotation kubectl conflicts like any manager", func(t *testing.T) {
		runScript(t, kindManager(t, deploymentGVK), []step{
			{manager: "kubectl-client-side-apply", obj: csaConfig},
			{
				apply: true, manager: "kubectl", obj: ssaConfig,
				wantErr: "Apply failed with 3 conflicts: conflicts with \"kubectl-client-side-apply\" using apps/v1:\n" +
					"- .metadata.labels.app\n- .spec.replicas\n- .spec.template.spec.containers[name=\"c\"].image",
			},
		})
	})
}

func TestLastAppliedAnnotationSizeLimit(t *testing.T) {
	out := decode(t, `{"metadata":{"annotations":{}}}`)
	metadataOf(out)["annotations"].(map[string]any)["big"] = strings.Repeat("x", totalAnnotationSizeLimit)
	require.NoError(t, syncLastApplied(out, decode(t, csaConfig)))
	require.NotContains(t, metadataOf(out)["annotations"], LastAppliedConfigAnnotation, "dropped: over kube's limit")

	config := decode(t, clientSideApplied(t, csaConfig))
	s, err := encodeLastApplied(config)
	require.NoError(t, err)
	require.NotContains(t, s, "last-applied", "the annotation is not nested in itself")
	require.NotContains(t, s, "annotations", "an annotations map left empty is removed")
	require.Contains(t, metadataOf(config)["annotations"], LastAppliedConfigAnnotation, "config is not modified")
}
