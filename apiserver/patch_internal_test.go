package apiserver

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/types"
)

// TestStrategicMergeWithoutSchema: a kind without a schema (a custom resource) gets kube-apiserver's 415, which
// lists the patch types custom resources accept.
func TestStrategicMergeWithoutSchema(t *testing.T) {
	widgets := &Resource{GVR: types.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}, Kind: "Widget", Namespaced: true}
	widgets.complete()
	_, err := patchFunc(widgets, StrategicMergePatchType)
	require.True(t, types.IsUnsupportedMediaType(err))
	st := types.StatusFromError(err)
	require.Equal(t, int32(415), st.Code)
	require.Equal(t, "the body of the request was in an unknown format - accepted media types include: "+
		"application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml", st.Message)
	for _, pt := range []PatchType{JSONPatchType, MergePatchType} {
		_, err := patchFunc(widgets, pt)
		require.NoError(t, err, pt)
	}
}
