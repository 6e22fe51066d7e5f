package kubepb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/kubemem/kubemem/types"
)

// fuzzSchemas are the schemas FuzzRoundTrip picks from: every kind of the schema, then the meta.k8s.io types,
// in a fixed order (the corpus names them by index).
var fuzzSchemas = sync.OnceValue(func() []*types.Schema {
	kinds := types.SchemaKinds()
	slices.SortFunc(kinds, func(a, b types.GroupVersionKind) int {
		if c := bytes.Compare([]byte(a.GroupVersion().String()), []byte(b.GroupVersion().String())); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.Kind), []byte(b.Kind))
	})
	var out []*types.Schema
	for _, gvk := range kinds {
		s, ok := types.SchemaFor(gvk)
		if !ok {
			panic("no schema for " + gvk.Kind)
		}
		out = append(out, s)
	}
	for _, kind := range []string{"Status", "DeleteOptions", "CreateOptions", "UpdateOptions", "PatchOptions",
		"ListOptions", "WatchEvent", "PartialObjectMetadata", "PartialObjectMetadataList", "ObjectMeta"} {
		s, ok := types.SchemaForType("metav1." + kind)
		if !ok {
			panic("no schema for metav1." + kind)
		}
		out = append(out, s)
	}
	return out
})

// FuzzRoundTrip treats arbitrary bytes as a message of one of the built-in kinds' schemas (index picks it):
// whatever AppendJSON accepts, AppendMessage must accept, and the message it writes must decode to the same JSON
// (a fixed point). After one round that is the same JSON but for members that were null: a pointer field present
// in protobuf with a value whose JSON is null (an empty metav1.FieldsV1, a zero metav1.Time) is null in the JSON,
// as encoding/json writes it, and null in JSON is absence, as encoding/json reads it. Invalid UTF-8 is the escape
// \ufffd in the first JSON and the character in the next, as with encoding/json too. From the second round on, the
// bytes are the same. Input starting with the Kubernetes protobuf prefix goes through DecodeObject and AppendObject
// the same way. Nothing may panic.
func FuzzRoundTrip(f *testing.F) {
	pod, err := AppendObject(nil, "v1", "Pod", []byte(`{"metadata":{"name":"p","namespace":"default","labels":{"a":"1"},"creationTimestamp":"2024-01-02T03:04:05Z"},"spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],"resources":{"limits":{"cpu":"100m"}}}],"volumes":[{"name":"v","hostPath":{"path":"/x"}}]},"status":{"phase":"Running","startTime":"2024-01-02T03:04:06Z"}}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint16(0), pod)
	f.Add(uint16(0), []byte{})
	f.Fuzz(func(t *testing.T, index uint16, msg []byte) {
		schemas := fuzzSchemas()
		s := schemas[int(index)%len(schemas)]
		if doc, err := AppendJSON(nil, s, msg); err == nil {
			round := func(doc []byte) []byte {
				msg, err := AppendMessage(nil, s, doc)
				if err != nil {
					t.Fatalf("AppendMessage of AppendJSON's output for %s: %v\nJSON: %s", s, err, doc)
				}
				doc2, err := AppendJSON(nil, s, msg)
				if err != nil {
					t.Fatalf("AppendJSON of AppendMessage's output for %s: %v\nJSON: %s", s, err, doc)
				}
				return doc2
			}
			doc2 := round(doc)
			requireSameJSON(t, s.String(), doc, doc2)
			if doc3 := round(doc2); !bytes.Equal(doc2, doc3) {
				t.Fatalf("not a fixed point for %s:\nsecond: %s\nthird:  %s", s, doc2, doc3)
			}
		}
		if !IsObject(msg) {
			return
		}
		apiVersion, kind, doc, err := DecodeObject(msg)
		if err != nil {
			return
		}
		obj, err := AppendObject(nil, apiVersion, kind, doc)
		if err != nil {
			t.Fatalf("AppendObject of DecodeObject's output (%s %s): %v\nJSON: %s", apiVersion, kind, err, doc)
		}
		apiVersion2, kind2, doc2, err := DecodeObject(obj)
		if err != nil {
			t.Fatalf("DecodeObject of AppendObject's output (%s %s): %v\nJSON: %s", apiVersion, kind, err, doc)
		}
		if apiVersion2 != apiVersion || kind2 != kind {
			t.Fatalf("DecodeObject of AppendObject(%q, %q): %q, %q", apiVersion, kind, apiVersion2, kind2)
		}
		requireSameJSON(t, apiVersion+" "+kind, doc, doc2)
	})
}

// requireSameJSON fails unless a and b are valid JSON with the same value once the members whose value is null
// are left out (strings compared unescaped, numbers as written).
func requireSameJSON(t *testing.T, what string, a, b []byte) {
	t.Helper()
	va, errA := decodeWithoutNulls(a)
	vb, errB := decodeWithoutNulls(b)
	if errA != nil || errB != nil || !reflect.DeepEqual(va, vb) {
		t.Fatalf("not a fixed point for %s (%v, %v):\nfirst:  %s\nsecond: %s", what, errA, errB, a, b)
	}
}

func decodeWithoutNulls(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	var strip func(v any)
	strip = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if e == nil {
					delete(v, k)
				} else {
					strip(e)
				}
			}
		case []any:
			for _, e := range v {
				strip(e)
			}
		}
	}
	strip(v)
	return v, nil
}
