package apiserver

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestValidationQuantity: parsing and canonical printing as apimachinery's resource.Quantity (quantity_test.go cases).
func TestValidationQuantity(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "1": "1", "1000m": "1", "500m": "500m", "0.5": "500m", ".5": "500m", "1.5": "1500m", "1000": "1k",
		"2000k": "2M", "1M": "1M", "1n": "1n", "0.0000000001": "1n", "100u": "100u", "-1": "-1", "+5": "5",
		"1Ki": "1Ki", "1024Mi": "1Gi", "1.5Gi": "1536Mi", "0.5Ki": "512", "1536": "1536", "100Mi": "100Mi",
		"1e3": "1e3", "12e6": "12e6", "1E3": "1e3", "1e0": "1", "007": "7", "1.": "1",
	} {
		q, err := parseValQuantity(in)
		require.NoError(t, err, in)
		require.Equal(t, want, q.String(), in)
	}
	for in, want := range map[string]string{
		"":     "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
		"1 Gi": "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
		"1Gb":  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
		"1K":   "unable to parse quantity's suffix",
		"1e":   "unable to parse quantity's suffix",
	} {
		_, err := parseValQuantity(in)
		require.EqualError(t, err, want, in)
	}

	a, _ := vQuantity(float64(0.5))
	b, _ := parseValQuantity("500m")
	require.Equal(t, 0, a.Cmp(b))
	c, _ := vQuantity(int64(2))
	require.Equal(t, 1, c.Cmp(b))
	require.True(t, c.isMilliIntegral())
	require.False(t, b.isMilliIntegral())
}

func TestValidationSemanticEqual(t *testing.T) {
	require.True(t, vSemanticEqual(map[string]any{"a": nil, "b": []any{}, "c": false}, map[string]any{}))
	require.True(t, vSemanticEqual(map[string]any{"n": int64(1)}, map[string]any{"n": float64(1)}))
	require.False(t, vSemanticEqual(map[string]any{"n": int64(1)}, map[string]any{"n": int64(2)}))
	require.True(t, vSemanticEqualAt("resources", map[string]any{"limits": map[string]any{"cpu": "1"}}, map[string]any{"limits": map[string]any{"cpu": "1000m"}}))
	require.False(t, vSemanticEqualAt("labels", map[string]any{"a": ""}, map[string]any{}), "an empty-valued entry of a map counts")
	require.True(t, vSemanticEqualAt("labels", map[string]any{}, nil))
	require.False(t, vSemanticEqual([]any{"a"}, []any{"a", "b"}))
}
