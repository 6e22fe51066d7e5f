package fieldmanager

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/merge"

	"github.com/kubemem/kubemem/types"
)

// The cases of kube's TestNewConflictError (k8s.io/apimachinery managedfields/internal/conflict_test.go), with
// manager identifiers as kube builds them (without time).
func TestConflictError(t *testing.T) {
	replicas := fieldpath.MakePathOrDie("spec", "replicas")
	label := fieldpath.MakePathOrDie("metadata", "labels", "app")
	update := identity{Manager: "foo", Operation: operationUpdate, APIVersion: "v1"}.key()
	cases := []struct {
		name      string
		conflicts merge.Conflicts
		message   string
		causes    []types.StatusCause
	}{
		{
			"one", merge.Conflicts{{Manager: update, Path: replicas}},
			`Apply failed with 1 conflict: conflict with "foo" using v1: .spec.replicas`,
			[]types.StatusCause{{Type: types.CauseTypeFieldManagerConflict, Message: `conflict with "foo" using v1`, Field: ".spec.replicas"}},
		},
		{
			"two owners, sorted",
			merge.Conflicts{{Manager: update, Path: replicas}, {Manager: identity{Manager: "bar", Operation: operationApply}.key(), Path: label}},
			"Apply failed with 2 conflicts: conflicts with \"bar\":\n- .metadata.labels.app\nconflicts with \"foo\" using v1:\n- .spec.replicas",
			[]types.StatusCause{
				{Type: types.CauseTypeFieldManagerConflict, Message: `conflict with "bar"`, Field: ".metadata.labels.app"},
				{Type: types.CauseTypeFieldManagerConflict, Message: `conflict with "foo" using v1`, Field: ".spec.replicas"},
			},
		},
		{
			"subresource",
			merge.Conflicts{{Manager: identity{Manager: "foo", Operation: operationUpdate, APIVersion: "v1", Subresource: "scale"}.key(), Path: replicas}},
			`Apply failed with 1 conflict: conflict with "foo" with subresource "scale" using v1: .spec.replicas`,
			[]types.StatusCause{{Type: types.CauseTypeFieldManagerConflict, Message: `conflict with "foo" with subresource "scale" using v1`, Field: ".spec.replicas"}},
		},
		{
			"list item",
			merge.Conflicts{{Manager: identity{Manager: "a", Operation: operationApply}.key(),
				Path: fieldpath.MakePathOrDie("spec", "containers", fieldpath.KeyByFields("name", "web"), "image")}},
			`Apply failed with 1 conflict: conflict with "a": .spec.containers[name="web"].image`,
			[]types.StatusCause{{Type: types.CauseTypeFieldManagerConflict, Message: `conflict with "a"`, Field: `.spec.containers[name="web"].image`}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error = newConflictError(tc.conflicts)
			require.EqualError(t, err, tc.message)
			require.Equal(t, tc.causes, err.(*ConflictError).Causes())
			require.True(t, types.IsConflict(err))
			st := types.StatusFromError(err)
			require.Equal(t, types.Status{
				TypeMeta: types.TypeMeta{Kind: "Status", APIVersion: "v1"},
				Status:   types.StatusFailure,
				Message:  tc.message,
				Reason:   types.StatusReasonConflict,
				Details:  &types.StatusDetails{Causes: tc.causes},
				Code:     http.StatusConflict,
			}, st)
			var ce *ConflictError
			require.True(t, errors.As(err, &ce))
			require.Len(t, ce.Conflicts(), len(tc.causes))
		})
	}
}
