package fieldmanager

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// decodeList decodes a JSON list of managedFields entries.
func decodeList(t *testing.T, s string) any {
	t.Helper()
	v, err := jsontree.Decode([]byte(s))
	require.NoError(t, err, s)
	return v
}

// TestScaleManagedFields: the entries of the object's version that own the replicas become entries of the Scale
// owning its spec.replicas, with their identity, operation and time (kube's ScaleHandler.ToSubresource).
func TestScaleManagedFields(t *testing.T) {
	tests := []struct {
		name, parent, want string
	}{
		{
			name: "the owners of the replicas",
			parent: `[{"manager":"ci","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{},"f:paused":{}}}},
				{"manager":"labeler","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:a":{}}}}},
				{"manager":"hpa","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}},"subresource":"scale"},
				{"manager":"old","operation":"Update","apiVersion":"apps/v1beta2","time":"2026-01-02T03:04:02Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}]`,
			want: `[{"apiVersion":"autoscaling/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}},"manager":"ci","operation":"Apply","time":"2026-01-02T03:04:00Z"},` +
				`{"apiVersion":"autoscaling/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}},"manager":"hpa","operation":"Update","subresource":"scale"}]`,
		},
		{name: "nobody owns them", parent: `[{"manager":"x","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:paused":{}}}}]`, want: `null`},
		{name: "no managedFields", parent: `null`, want: `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ScaleManagedFields(decodeList(t, tt.parent), "apps/v1", []string{"spec", "replicas"})
			require.NoError(t, err)
			if tt.want == "null" {
				require.Nil(t, got)
				return
			}
			require.Equal(t, tt.want, encode(t, got))
		})
	}
}

// TestParentManagedFields: the Scale's entries after a write are carried back to the object's as kube's
// ScaleHandler.ToParent carries them.
func TestParentManagedFields(t *testing.T) {
	const parent = `[{"manager":"ci","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{},"f:paused":{}}}},
		{"manager":"only","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}},
		{"manager":"labeler","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:02Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:a":{}}}}},
		{"manager":"old","operation":"Update","apiVersion":"apps/v1beta2","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:b":{}}}}}]`
	const labeler = `{"apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:a":{}}}},"manager":"labeler","operation":"Update","time":"2026-01-02T03:04:02Z"}`
	tests := []struct {
		name, scale, want string
	}{
		{
			name:  "another manager took the replicas",
			scale: `[{"manager":"hpa","operation":"Apply","apiVersion":"autoscaling/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}},"subresource":"scale"}]`,
			// ci keeps paused; "only" owned nothing else and goes; hpa's entry has no time; old's version is dropped.
			want: `[{"apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}},"manager":"hpa","operation":"Apply","subresource":"scale"},` +
				`{"apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:paused":{}}},"manager":"ci","operation":"Apply","time":"2026-01-02T03:04:00Z"},` +
				labeler + `]`,
		},
		{
			name: "the owners kept them",
			scale: `[{"manager":"ci","operation":"Apply","apiVersion":"autoscaling/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}},
				{"manager":"only","operation":"Update","apiVersion":"autoscaling/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}},
				{"manager":"idle","operation":"Apply","apiVersion":"autoscaling/v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{}}},"subresource":"scale"}]`,
			// ci's entry is the same manager (an applier's identity has no apiVersion) and is kept as it was. An
			// updater's identity has its apiVersion, so "only" is another manager on the Scale (autoscaling/v1): its
			// object entry loses the replicas and its Scale entry comes back without a time, as in kube. A Scale entry
			// that does not own the replicas is not carried back.
			want: `[{"apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:paused":{},"f:replicas":{}}},"manager":"ci","operation":"Apply","time":"2026-01-02T03:04:00Z"},` +
				`{"apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}},"manager":"only","operation":"Update"},` +
				labeler + `]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, s := decodeList(t, parent), decodeList(t, tt.scale)
			pBefore, sBefore := encode(t, p), encode(t, s)
			got, err := ParentManagedFields(p, s, "apps/v1", []string{"spec", "replicas"})
			require.NoError(t, err)
			require.Equal(t, tt.want, encode(t, got))
			require.Equal(t, pBefore, encode(t, p), "the arguments are not modified")
			require.Equal(t, sBefore, encode(t, s))
		})
	}
}
