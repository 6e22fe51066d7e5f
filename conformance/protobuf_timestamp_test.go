package conformance

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemem/kubemem/internal/kubepb"
)

// TestProtobufTimestamps compares kubepb with metav1.Time's and MicroTime's hand-written Unmarshal on the
// Timestamps k8s never writes but reads: nanoseconds on a Time, nanoseconds that are negative, past a second or
// not whole microseconds, the zero instant (null, left out of an omitzero field), the edges of the years 0 to 9999.
// Past those years k8s decodes the time but writes JSON no JSON decoder reads back (its own included); kubepb
// refuses such messages instead.
func TestProtobufTimestamps(t *testing.T) {
	const zeroInstant = -62135596800 // 0001-01-01T00:00:00Z
	for _, tc := range []struct {
		secs     int64
		nanos    int32
		unusable bool // beyond the years RFC 3339 writes
	}{
		{secs: 0}, {secs: 1700000000, nanos: 999999999}, {secs: zeroInstant}, {secs: zeroInstant, nanos: 5},
		{secs: zeroInstant, nanos: 5000}, {secs: 100, nanos: -1}, {secs: 10, nanos: -1500},
		{secs: 10, nanos: 2_000_001_999}, {secs: 253402300799, nanos: 999999999}, {secs: -62167219200},
		{secs: 253402300800, unusable: true}, {secs: -62167219201, unusable: true}, {secs: 1 << 40, unusable: true},
	} {
		t.Run(fmt.Sprintf("%d.%d", tc.secs, tc.nanos), func(t *testing.T) {
			ts := pbMsg(pbVarint(1, uint64(tc.secs)), pbVarint(2, uint64(int64(tc.nanos))))
			for _, c := range []struct {
				apiVersion, kind string
				msg              []byte
				obj              pbObject
			}{
				// creationTimestamp (omitzero) and deletionTimestamp (a pointer) of ObjectMeta.
				{"meta.k8s.io/v1", "PartialObjectMetadata", pbBytes(1, pbMsg(pbBytes(8, ts), pbBytes(9, ts))), &metav1.PartialObjectMetadata{}},
				// eventTime (MicroTime) and deprecatedFirstTimestamp (Time).
				{"events.k8s.io/v1", "Event", pbMsg(pbBytes(2, ts), pbBytes(13, ts)), &eventsv1.Event{}},
			} {
				s, ok := kubepb.SchemaFor(c.apiVersion, c.kind)
				require.True(t, ok)
				require.NoError(t, c.obj.Unmarshal(c.msg), "k8s reads every Timestamp")
				want, err := json.Marshal(c.obj)
				require.NoError(t, err)
				doc, err := kubepb.AppendJSON(nil, s, c.msg)
				if tc.unusable {
					require.Error(t, json.Unmarshal(want, c.obj), "k8s' JSON %s reads back", want)
					require.ErrorIs(t, err, kubepb.ErrMalformed, "kubepb must refuse what has no JSON form")
					continue
				}
				require.NoError(t, err)
				requireJSONEqual(t, want, doc, c.kind)
			}
		})
	}
}
