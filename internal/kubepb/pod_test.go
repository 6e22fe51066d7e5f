package kubepb

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPodRoundTrip: a pod survives JSON → protobuf → JSON, and the JSON it comes back as is a fixed point
// (embedded VolumeSource fields, maps, quantities, times and pointers included).
func TestPodRoundTrip(t *testing.T) {
	doc := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"b":"2","a":"1"},"creationTimestamp":"2024-01-02T03:04:05Z","resourceVersion":"12"},"spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],"resources":{"limits":{"cpu":"100m"}}}],"volumes":[{"name":"v","hostPath":{"path":"/x"}}],"priority":5},"status":{"phase":"Running"}}`)
	pb, err := AppendObject(nil, "v1", "Pod", doc)
	require.NoError(t, err)
	av, k, out, err := DecodeObject(pb)
	require.NoError(t, err)
	require.Equal(t, "v1", av)
	require.Equal(t, "Pod", k)
	pb2, err := AppendObject(nil, "v1", "Pod", out)
	require.NoError(t, err)
	_, _, out2, err := DecodeObject(pb2)
	require.NoError(t, err)
	require.Equal(t, string(out), string(out2))
}
