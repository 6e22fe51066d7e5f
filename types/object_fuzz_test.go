package types

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// TestParseObjectHostile covers the documents of the hostile-input list (deep nesting, huge values, numbers out of
// range, invalid UTF-8, repeated keys): each is refused, or kept in the form encoding/json would decode it to, so
// that kubemem's readers (validation, field selectors, patches) and clients see the same object.
func TestParseObjectHostile(t *testing.T) {
	deep := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	tests := []struct {
		name string
		in   string
		want string // the object's JSON; "" when ParseObject must fail
		err  string
	}{
		{name: "100k levels of objects", in: `{"kind":"ConfigMap","data":` + deep(100000) + `}`, err: "exceeded max depth"},
		{name: "100k levels of arrays", in: strings.Repeat("[", 100000) + strings.Repeat("]", 100000), err: "exceeded max depth"},
		{name: "number out of float64 range in the body", in: `{"kind":"Pod","spec":{"activeDeadlineSeconds":1e400}}`, err: "1e400"},
		{name: "number out of range in metadata", in: `{"metadata":{"generation":99999999999999999999999}}`, err: "99999999999999999999999"},
		{name: "integer beyond int64 but within float64 is kept", in: `{"x":99999999999999999999999}`,
			want: `{"metadata":{},"x":99999999999999999999999}`},
		{name: "repeated key in the body: the last wins", in: `{"data":{"k":"v","k":"w"}}`, want: `{"metadata":{},"data":{"k":"w"}}`},
		{name: "repeated escaped key", in: `{"spec":{"replicas":1,"\u0072eplicas":-5}}`, want: `{"metadata":{},"spec":{"\u0072eplicas":-5}}`},
		{name: "repeated top-level key spelled with an escape", in: `{"data":1,"d\u0061ta":2}`, want: `{"metadata":{},"d\u0061ta":2}`},
		{name: "repeated key in metadata", in: `{"metadata":{"name":"a","name":"b"}}`, want: `{"metadata":{"name":"b"}}`},
		{name: "invalid UTF-8 in a value", in: "{\"data\":{\"k\":\"a\xffb\"}}", want: "{\"metadata\":{},\"data\":{\"k\":\"a\uFFFDb\"}}"},
		{name: "invalid UTF-8 in a key", in: "{\"data\":{\"\xfe\":\"v\"}}", want: "{\"metadata\":{},\"data\":{\"\uFFFD\":\"v\"}}"},
		{name: "invalid UTF-8 in metadata", in: "{\"metadata\":{\"name\":\"a\xff\"}}", want: "{\"metadata\":{\"name\":\"a\uFFFD\"}}"},
		{name: "huge array", in: `{"x":[` + strings.Repeat("1,", 1<<19) + `1]}`, want: `{"metadata":{},"x":[` + strings.Repeat("1,", 1<<19) + `1]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			o, err := ParseObject([]byte(tc.in))
			require.Less(t, time.Since(start), 2*time.Second)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, string(o.JSON()))
		})
	}
}

// FuzzParseObject checks ParseObject on any input: it never panics; it refuses what encoding/json cannot decode;
// what it accepts encodes to compact, valid UTF-8 JSON with no repeated key, which decodes to what encoding/json
// decodes the input to (metadata aside, which is normalized) and parses back to the same object.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","resourceVersion":"12","labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}`,
		`{"kind":"ConfigMap","metadata":{"name":"a","name":"b"},"data":{"k":"v","k":"w"}}`,
		`{"kind":"X","x":1e400}`, "{\"kind\":\"X\",\"data\":{\"k\":\"\xff\"}}", `{"metadata":null,"kind":null}`,
		`{"metadata":{"generation":1e3}}`, `{"kind":"\u0058","\u006bind":"Y"}`, `[1]`, `{"a":{"b":[{"c":1,"c":2}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseObject(data)
		var ref any
		refErr := json.Unmarshal(data, &ref)
		if refErr != nil {
			if err == nil {
				t.Fatalf("accepted what encoding/json refuses (%v): %q", refErr, data)
			}
			return
		}
		if err != nil {
			return // well-formed JSON that is not an object of the right shape
		}
		out := o.JSON()
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8: %q", out)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, out); err != nil || !bytes.Equal(compact.Bytes(), out) {
			t.Fatalf("not compact JSON: %q (%v)", out, err)
		}
		var back map[string]any
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("output does not decode: %v: %q", err, out)
		}
		in := ref.(map[string]any)
		for _, m := range []map[string]any{in, back} {
			delete(m, "metadata")
			for _, k := range []string{"kind", "apiVersion"} {
				if m[k] == nil || m[k] == "" {
					delete(m, k)
				}
			}
		}
		if !reflect.DeepEqual(in, back) {
			t.Fatalf("body changed: %v became %v", in, back)
		}
		again, err := ParseObject(out)
		if err != nil || !bytes.Equal(again.JSON(), out) {
			t.Fatalf("round trip changed the object: %q then %v", out, err)
		}
	})
}
