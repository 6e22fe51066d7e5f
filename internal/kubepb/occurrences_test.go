package kubepb

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kubemem/kubemem/types"
)

// Regression tests for what conformance/protobuf_roundtrip_test.go found by comparing kubepb with k8s.io/api's
// generated code on messages other protobuf writers may send.

func msgOf(fields ...[]byte) []byte { return slices.Concat(fields...) }

func varintField(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func bytesField(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
}

func timestamp(secs int64, nanos int32) []byte {
	return msgOf(varintField(1, uint64(secs)), varintField(2, uint64(int64(nanos))))
}

func mustSchemaType(t *testing.T, name string) *types.Schema {
	t.Helper()
	s, ok := types.SchemaForType(name)
	require.True(t, ok, name)
	return s
}

// zeroInstant is 0001-01-01T00:00:00Z, the zero time.Time, in Unix seconds.
const zeroInstant = -62135596800

// TestTimeOccurrencesReplace: metav1.Time and MicroTime's hand-written Unmarshal replaces the value at each
// occurrence of the field (an empty one is the zero time), where the occurrences of a generated message merge.
// kubepb used to merge them.
func TestTimeOccurrencesReplace(t *testing.T) {
	pom := mustSchemaType(t, "metav1.PartialObjectMetadata")
	for _, tc := range []struct {
		name string
		meta []byte // an ObjectMeta message
		want string
	}{
		{"creationTimestamp emptied", msgOf(bytesField(8, timestamp(777, 0)), bytesField(8, nil)), `{"metadata":{}}`},
		// The second has no seconds: the epoch (merged, it would be second 777).
		{"creationTimestamp replaced", msgOf(bytesField(8, timestamp(777, 0)), bytesField(8, varintField(2, 5))), `{"metadata":{"creationTimestamp":"1970-01-01T00:00:00Z"}}`},
		{"creationTimestamp last", msgOf(bytesField(8, timestamp(777, 0)), bytesField(8, timestamp(60, 0))), `{"metadata":{"creationTimestamp":"1970-01-01T00:01:00Z"}}`},
		{"deletionTimestamp emptied", msgOf(bytesField(9, timestamp(777, 0)), bytesField(9, nil)), `{"metadata":{"deletionTimestamp":null}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := AppendJSON(nil, pom, bytesField(1, tc.meta))
			require.NoError(t, err)
			require.Equal(t, tc.want, string(doc))
		})
	}

	event := mustSchemaType(t, "eventsv1.Event")
	doc, err := AppendJSON(nil, event, msgOf(bytesField(2, timestamp(777, 5000)), bytesField(2, varintField(1, 60))))
	require.NoError(t, err)
	require.Contains(t, string(doc), `"eventTime":"1970-01-01T00:01:00.000000Z"`, "the second MicroTime replaces the first, nanoseconds included")
}

// TestTimestampsAsKubernetes: a Timestamp decodes as metav1.Time (nanoseconds ignored) and MicroTime (nanoseconds
// truncated toward zero to microseconds) unmarshal it; the zero instant is null (left out under omitzero); years
// without an RFC 3339 form are refused.
func TestTimestampsAsKubernetes(t *testing.T) {
	pom := mustSchemaType(t, "metav1.PartialObjectMetadata")
	event := mustSchemaType(t, "eventsv1.Event")
	for _, tc := range []struct {
		name         string
		secs         int64
		nanos        int32
		time, micro  string // JSON of metav1.Time (as deletionTimestamp) and of MicroTime (as eventTime)
		creationOmit bool   // creationTimestamp (omitzero) left out
	}{
		{"epoch", 0, 0, `"1970-01-01T00:00:00Z"`, `"1970-01-01T00:00:00.000000Z"`, false},
		{"zero instant", zeroInstant, 0, `null`, `null`, true},
		{"zero instant and nanoseconds", zeroInstant, 5, `null`, `null`, true},
		{"zero instant and microseconds", zeroInstant, 5000, `null`, `"0001-01-01T00:00:00.000005Z"`, true},
		{"negative nanoseconds", 100, -1, `"1970-01-01T00:01:40Z"`, `"1970-01-01T00:01:40.000000Z"`, false},
		{"negative microseconds", 10, -1500, `"1970-01-01T00:00:10Z"`, `"1970-01-01T00:00:09.999999Z"`, false},
		{"nanoseconds past a second", 10, 2_000_001_999, `"1970-01-01T00:00:10Z"`, `"1970-01-01T00:00:12.000001Z"`, false},
		{"last second of 9999", 253402300799, 0, `"9999-12-31T23:59:59Z"`, `"9999-12-31T23:59:59.000000Z"`, false},
		{"year 0", -62167219200, 0, `"0000-01-01T00:00:00Z"`, `"0000-01-01T00:00:00.000000Z"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := timestamp(tc.secs, tc.nanos)
			doc, err := AppendJSON(nil, pom, bytesField(1, bytesField(9, ts)))
			require.NoError(t, err)
			require.Equal(t, `{"metadata":{"deletionTimestamp":`+tc.time+`}}`, string(doc))

			doc, err = AppendJSON(nil, pom, bytesField(1, bytesField(8, ts)))
			require.NoError(t, err)
			if tc.creationOmit {
				require.Equal(t, `{"metadata":{}}`, string(doc))
			} else {
				require.Equal(t, `{"metadata":{"creationTimestamp":`+tc.time+`}}`, string(doc))
			}

			doc, err = AppendJSON(nil, event, bytesField(2, ts))
			require.NoError(t, err)
			require.Contains(t, string(doc), `"eventTime":`+tc.micro+`,`)

			// The JSON reads back to a message that decodes to the same JSON.
			msg, err := AppendMessage(nil, event, doc)
			require.NoError(t, err)
			again, err := AppendJSON(nil, event, msg)
			require.NoError(t, err)
			require.Equal(t, string(doc), string(again))
		})
	}
	for _, secs := range []int64{253402300800, -62167219201, 1 << 50, -1 << 50} {
		_, err := AppendJSON(nil, pom, bytesField(1, bytesField(9, timestamp(secs, 0))))
		require.ErrorIs(t, err, ErrMalformed, "%d s", secs)
		_, err = AppendJSON(nil, event, bytesField(2, timestamp(secs, 0)))
		require.ErrorIs(t, err, ErrMalformed, "%d s", secs)
	}
}

// TestMapValueOccurrencesReplace: every occurrence of a map entry's value is unmarshalled into a new value by the
// generated code, so the last wins whole, a message value too. kubepb used to merge message values.
func TestMapValueOccurrencesReplace(t *testing.T) {
	props := mustSchemaType(t, "apiextensionsv1.JSONSchemaProps")
	value := msgOf(bytesField(5, []byte("object")), bytesField(23, []byte("a")))
	entry := msgOf(bytesField(1, []byte("p")), bytesField(2, value), bytesField(2, value))
	doc, err := AppendJSON(nil, props, bytesField(29, entry))
	require.NoError(t, err)
	require.Contains(t, string(doc), `"properties":{"p":{"type":"object","required":["a"]}}`)

	item := mustSchemaType(t, "corev1.LimitRangeItem")
	entry = msgOf(bytesField(1, []byte("cpu")), bytesField(2, bytesField(1, []byte("1"))), bytesField(2, nil))
	doc, err = AppendJSON(nil, item, bytesField(2, entry))
	require.NoError(t, err)
	require.Equal(t, `{"type":"","max":{"cpu":"0"}}`, string(doc))
}
