package types

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// mfTime returns a *Time at the given second of 2026-01-02 03:04, in UTC.
func mfTime(sec int) *Time {
	t := Time{time.Date(2026, 1, 2, 3, 4, sec, 0, time.UTC)}
	return &t
}

// TestManagedFieldsFromUnstructured proves that ManagedFieldsFromUnstructured converts managedFields as
// jsontree/encoding/json decode them into typed entries: strings, RFC 3339 times (in UTC), fieldsV1 as its JSON with
// sorted keys; that nil elements give zero entries and nil members are ignored; and that an empty list stays a
// non-nil empty slice (managedFields: [] resets them, unlike an absent list).
func TestManagedFieldsFromUnstructured(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want []ManagedFieldsEntry
	}{
		{
			name: "a whole entry",
			in: []any{map[string]any{
				"manager": "kubectl", "operation": "Update", "apiVersion": "apps/v1", "time": "2026-01-02T03:04:05Z",
				"fieldsType": "FieldsV1", "subresource": "status",
				"fieldsV1": map[string]any{"f:spec": map[string]any{"f:replicas": map[string]any{}}, "f:metadata": map[string]any{
					"f:labels": map[string]any{"f:b": map[string]any{}, ".": map[string]any{}, "f:a": map[string]any{}}}},
			}},
			want: []ManagedFieldsEntry{{
				Manager: "kubectl", Operation: "Update", APIVersion: "apps/v1", Time: mfTime(5), FieldsType: "FieldsV1",
				FieldsV1:    json.RawMessage(`{"f:metadata":{"f:labels":{".":{},"f:a":{},"f:b":{}}},"f:spec":{"f:replicas":{}}}`),
				Subresource: "status",
			}},
		},
		{
			name: "time with an offset is kept in UTC",
			in:   []any{map[string]any{"manager": "m", "time": "2026-01-02T04:04:07+01:00"}},
			want: []ManagedFieldsEntry{{Manager: "m", Time: mfTime(7)}},
		},
		{
			name: "time as a time.Time is truncated to the second, in UTC",
			in:   []any{map[string]any{"manager": "m", "time": time.Date(2026, 1, 2, 4, 4, 8, 999, time.FixedZone("x", 3600))}},
			want: []ManagedFieldsEntry{{Manager: "m", Time: mfTime(8)}},
		},
		{
			name: "time as a Time",
			in:   []any{map[string]any{"manager": "m", "time": *mfTime(9)}},
			want: []ManagedFieldsEntry{{Manager: "m", Time: mfTime(9)}},
		},
		{
			name: "an empty time string is the zero time",
			in:   []any{map[string]any{"manager": "m", "time": ""}},
			want: []ManagedFieldsEntry{{Manager: "m", Time: &Time{}}},
		},
		{
			name: "nil elements give zero entries",
			in:   []any{nil, map[string]any{"manager": "m"}, nil},
			want: []ManagedFieldsEntry{{}, {Manager: "m"}, {}},
		},
		{
			name: "nil members are ignored",
			in: []any{map[string]any{"manager": "m", "operation": nil, "apiVersion": nil, "time": nil, "fieldsType": nil,
				"fieldsV1": nil, "subresource": nil}},
			want: []ManagedFieldsEntry{{Manager: "m"}},
		},
		{
			name: "unknown members are ignored",
			in:   []any{map[string]any{"manager": "m", "extra": 1.5, "other": map[string]any{}}},
			want: []ManagedFieldsEntry{{Manager: "m"}},
		},
		{
			name: "empty fieldsV1 and keys that need escaping",
			in: []any{
				map[string]any{"manager": "a", "fieldsV1": map[string]any{}},
				map[string]any{"manager": "b", "fieldsV1": map[string]any{"f:spec": map[string]any{"f:containers": map[string]any{
					`k:{"name":"c"}`: map[string]any{".": map[string]any{}}, "f:a<b&c>": map[string]any{}}}}},
			},
			want: []ManagedFieldsEntry{
				{Manager: "a", FieldsV1: json.RawMessage(`{}`)},
				{Manager: "b", FieldsV1: json.RawMessage(`{"f:spec":{"f:containers":{"f:a\u003cb\u0026c\u003e":{},"k:{\"name\":\"c\"}":{".":{}}}}}`)},
			},
		},
		{
			name: "fieldsV1 as raw JSON is kept as it is",
			in:   []any{map[string]any{"manager": "m", "fieldsV1": json.RawMessage(`{"f:b":{},"f:a":{}}`)}},
			want: []ManagedFieldsEntry{{Manager: "m", FieldsV1: json.RawMessage(`{"f:b":{},"f:a":{}}`)}},
		},
		{
			name: "an empty list stays empty, not nil",
			in:   []any{},
			want: []ManagedFieldsEntry{},
		},
		{
			name: "nil",
			in:   nil,
			want: nil,
		},
		{
			name: "a typed list goes through JSON",
			in: []ManagedFieldsEntry{
				{Manager: "m", Operation: "Apply", APIVersion: "v1", Time: mfTime(3), FieldsType: "FieldsV1", FieldsV1: json.RawMessage(`{ "f:b" : {}, "f:a":{} }`)},
				{Manager: "n", Time: &Time{}},
			},
			want: []ManagedFieldsEntry{
				{Manager: "m", Operation: "Apply", APIVersion: "v1", Time: mfTime(3), FieldsType: "FieldsV1", FieldsV1: json.RawMessage(`{"f:b":{},"f:a":{}}`)},
				{Manager: "n"}, // a zero time encodes as null, which decodes as no time
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ManagedFieldsFromUnstructured(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			if tc.want != nil {
				require.NotNil(t, got)
			} else {
				require.Nil(t, got)
			}
			for i := range got {
				if got[i].Time != nil {
					require.Equal(t, time.UTC, got[i].Time.Location(), "entry %d", i)
					require.True(t, tc.want[i].Time.Equal(got[i].Time.Time), "entry %d: %v", i, got[i].Time)
				}
			}
		})
	}
}

// TestManagedFieldsFromUnstructuredKeepsNoReference proves that the entries share no memory with the input: a
// raw fieldsV1 and a typed list's entries are copied.
func TestManagedFieldsFromUnstructuredKeepsNoReference(t *testing.T) {
	raw := json.RawMessage(`{"f:a":{}}`)
	got, err := ManagedFieldsFromUnstructured([]any{map[string]any{"fieldsV1": raw}})
	require.NoError(t, err)
	raw[2] = 'X'
	require.Equal(t, `{"f:a":{}}`, string(got[0].FieldsV1))

	typed := []ManagedFieldsEntry{{Manager: "m", Time: mfTime(1), FieldsV1: json.RawMessage(`{"f:a":{}}`)}}
	got, err = ManagedFieldsFromUnstructured(typed)
	require.NoError(t, err)
	typed[0].FieldsV1[2] = 'X'
	typed[0].Time.Time = typed[0].Time.Add(time.Hour)
	require.Equal(t, `{"f:a":{}}`, string(got[0].FieldsV1))
	require.Equal(t, *mfTime(1), *got[0].Time)
}

// TestManagedFieldsFromUnstructuredErrors proves that a value of the wrong type is refused with an error that names
// the entry's index and the member, and that values that are not lists are refused with encoding/json's message.
func TestManagedFieldsFromUnstructuredErrors(t *testing.T) {
	entry := func(k string, v any) map[string]any { return map[string]any{"manager": "m", k: v} }
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"manager not a string", []any{map[string]any{"manager": 1.0}}, "[0].manager: expected a string, got float64"},
		{"operation not a string", []any{map[string]any{}, entry("operation", true)}, "[1].operation: expected a string, got bool"},
		{"apiVersion not a string", []any{entry("apiVersion", int64(1))}, "[0].apiVersion: expected a string, got int64"},
		{"fieldsType not a string", []any{entry("fieldsType", map[string]any{})}, "[0].fieldsType: expected a string, got map[string]interface {}"},
		{"subresource not a string", []any{nil, nil, entry("subresource", []any{"x"})}, "[2].subresource: expected a string, got []interface {}"},
		{"time not a string", []any{entry("time", 5.0)}, "[0].time: expected an RFC 3339 string, got float64"},
		{"time not RFC 3339", []any{entry("time", "yesterday")},
			`[0].time: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
		{"fieldsV1 not JSON", []any{entry("fieldsV1", map[string]any{"f:a": math.NaN()})}, "[0].fieldsV1: json: unsupported value: NaN"},
		{"an element not an object", []any{map[string]any{}, "x"}, "[1]: expected an object, got string"},
		{"a string", "garbage", "json: cannot unmarshal string into Go value of type []types.ManagedFieldsEntry"},
		{"an object", map[string]any{}, "json: cannot unmarshal object into Go value of type []types.ManagedFieldsEntry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ManagedFieldsFromUnstructured(tc.in)
			require.EqualError(t, err, tc.want)
			require.Nil(t, got)
		})
	}

	// Unstructured.ToObject reports them under metadata.managedFields.
	_, err := Unstructured{"kind": "Pod", "metadata": map[string]any{"managedFields": []any{map[string]any{"manager": 1.0}}}}.ToObject()
	require.EqualError(t, err, "metadata.managedFields: [0].manager: expected a string, got float64")
}

// mfEncodingEntries are entries of every shape appendManagedFieldsEntry writes. Their fieldsV1 are compact with
// sorted keys, so that every way of building an object keeps them byte for byte.
func mfEncodingEntries() []ManagedFieldsEntry {
	nonUTC := Time{time.Date(2026, 1, 2, 4, 4, 5, 123456789, time.FixedZone("plus1", 3600))}
	return []ManagedFieldsEntry{
		{Manager: "kubectl", Operation: "Update", APIVersion: "apps/v1", Time: mfTime(5), FieldsType: "FieldsV1",
			FieldsV1: json.RawMessage(`{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{}}}`)},
		{Manager: "no-time", Operation: "Apply", APIVersion: "apps/v1", FieldsType: "FieldsV1",
			FieldsV1: json.RawMessage(`{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{}}}}}}}`)},
		{Manager: "zero-time", Operation: "Update", APIVersion: "apps/v1", Time: &Time{}, FieldsType: "FieldsV1",
			FieldsV1: json.RawMessage(`{"f:status":{}}`)},
		{Manager: "kcm", Operation: "Update", APIVersion: "apps/v1", Time: &nonUTC, FieldsType: "FieldsV1",
			FieldsV1: json.RawMessage(`{"f:status":{"f:replicas":{}}}`), Subresource: "status"},
		{Manager: "empty-fields", Operation: "Update", APIVersion: "apps/v1", Time: mfTime(6), FieldsType: "FieldsV1",
			FieldsV1: json.RawMessage{}},
		{Manager: "nil-fields", Operation: "Update", Subresource: "scale"},
		{Manager: "empty-object", FieldsV1: json.RawMessage(`{}`)},
		{Manager: `quote" backslash\ <html>&` + "\u2028 tab\t é", Operation: "Update"},
		{},
		{Subresource: "only-subresource"},
	}
}

// mfBuilders build an object holding the given metadata in each way an Object gets metadata.
var mfBuilders = []struct {
	name string
	// viaJSON: the entries reach the object through their JSON encoding, as encoding/json decodes it
	viaJSON bool
	build   func(t *testing.T, meta ObjectMeta) *Object
}{
	{"NewObject", false, func(t *testing.T, meta ObjectMeta) *Object {
		return NewObject(TypeMeta{Kind: "Deployment", APIVersion: "apps/v1"}, meta)
	}},
	{"WithMeta", false, func(t *testing.T, meta ObjectMeta) *Object {
		return mfBaseObject(t).WithMeta(meta)
	}},
	{"WithMetaNoCopy", false, func(t *testing.T, meta ObjectMeta) *Object {
		return mfBaseObject(t).WithMetaNoCopy(meta)
	}},
	{"ParseObject", true, func(t *testing.T, meta ObjectMeta) *Object {
		o, err := ParseObject(mfDocument(t, meta))
		require.NoError(t, err)
		return o
	}},
	{"Unstructured.ToObject", true, func(t *testing.T, meta ObjectMeta) *Object {
		u, err := jsontree.DecodeObject(mfDocument(t, meta))
		require.NoError(t, err)
		o, err := Unstructured(u).ToObject()
		require.NoError(t, err)
		return o
	}},
}

// mfDocument returns the JSON of a Deployment with metadata meta, as encoding/json encodes it but for
// managedFields: [], which it keeps (encoding/json leaves an empty slice out).
func mfDocument(t *testing.T, meta ObjectMeta) []byte {
	t.Helper()
	m, err := json.Marshal(meta)
	require.NoError(t, err)
	if meta.ManagedFields != nil && len(meta.ManagedFields) == 0 {
		require.Equal(t, byte('}'), m[len(m)-1])
		m = append(m[:len(m)-1], `,"managedFields":[]}`...)
	}
	return []byte(`{"kind":"Deployment","apiVersion":"apps/v1","metadata":` + string(m) + `,"spec":{"replicas":1}}`)
}

// mfBaseObject is an object with a body and managedFields, for the With* methods.
func mfBaseObject(t *testing.T) *Object {
	o, err := ParseObject([]byte(`{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"base","resourceVersion":"4",
		"managedFields":[{"manager":"old","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{}}}]},
		"spec":{"replicas":1,"template":{"metadata":{"labels":{"a":"b"}}}},"status":{"replicas":1}}`))
	require.NoError(t, err)
	return o
}

// mfViaJSON returns what the entries are after encoding/json encodes and decodes them.
func mfViaJSON(t *testing.T, entries []ManagedFieldsEntry) []ManagedFieldsEntry {
	b, err := json.Marshal(entries)
	require.NoError(t, err)
	var out []ManagedFieldsEntry
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// managedFieldsMember returns the metadata.managedFields member of the object's JSON, requiring that the JSON is
// valid.
func managedFieldsMember(t *testing.T, o *Object) (string, bool) {
	t.Helper()
	doc := o.JSON()
	require.True(t, json.Valid(doc), "%s", doc)
	v, ok := jsontree.Lookup(doc, "metadata", "managedFields")
	return string(v), ok
}

// TestManagedFieldsEncoding proves that, however an object is built, its metadata.managedFields encode exactly as
// encoding/json encodes the entries (every member, a time in UTC without fractions, a zero time as null, empty
// fieldsV1 left out, strings escaped HTML-safe), and that Meta reads the entries back.
func TestManagedFieldsEncoding(t *testing.T) {
	entries := mfEncodingEntries()
	for _, b := range mfBuilders {
		t.Run(b.name, func(t *testing.T) {
			want := entries
			if b.viaJSON {
				want = mfViaJSON(t, entries)
			}
			wantJSON, err := json.Marshal(want)
			require.NoError(t, err)
			meta := ObjectMeta{Name: "d", Namespace: "ns", ResourceVersion: "7", Labels: map[string]string{"app": "a"}, ManagedFields: entries}
			o := b.build(t, meta)
			got, ok := managedFieldsMember(t, o)
			require.True(t, ok)
			require.Equal(t, string(wantJSON), got)
			require.Equal(t, "7", o.ResourceVersion())
			require.Equal(t, len(o.JSON()), o.EncodedLen())

			// Meta reads back the entries, with a time as encoding/json decodes it when the entries went through JSON.
			gotEntries, err := json.Marshal(o.Meta().ManagedFields)
			require.NoError(t, err)
			require.Equal(t, string(wantJSON), string(gotEntries))
			require.Len(t, o.Meta().ManagedFields, len(entries))
		})
	}

	// The exact text, for one builder: members in the order of ManagedFieldsEntry, times in UTC.
	o := NewObject(TypeMeta{Kind: "K"}, ObjectMeta{Name: "x", ManagedFields: entries[2:5]})
	require.Equal(t, `{"kind":"K","metadata":{"name":"x","managedFields":[`+
		`{"manager":"zero-time","operation":"Update","apiVersion":"apps/v1","time":null,"fieldsType":"FieldsV1","fieldsV1":{"f:status":{}}},`+
		`{"manager":"kcm","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:replicas":{}}},"subresource":"status"},`+
		`{"manager":"empty-fields","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:06Z","fieldsType":"FieldsV1"}]}}`,
		string(o.JSON()))
}

// TestManagedFieldsEncodingCompactsFieldsV1 proves that a fieldsV1 with insignificant whitespace is written compact,
// as encoding/json writes a json.RawMessage.
func TestManagedFieldsEncodingCompactsFieldsV1(t *testing.T) {
	entries := []ManagedFieldsEntry{{Manager: "m", FieldsV1: json.RawMessage(" {\n \"f:a\" : { } ,\t\"f:b\":{\".\":{}}}\n")}}
	want, err := json.Marshal(entries)
	require.NoError(t, err)
	require.Equal(t, `[{"manager":"m","fieldsV1":{"f:a":{},"f:b":{".":{}}}}]`, string(want))
	got, ok := managedFieldsMember(t, NewObject(TypeMeta{Kind: "K"}, ObjectMeta{ManagedFields: entries}))
	require.True(t, ok)
	require.Equal(t, string(want), got)
}

// TestManagedFieldsFieldsV1KeptAsWritten proves that an entry's fieldsV1 is encoded as written, compacted, like
// every other member of an object's canonical encoding (and as kube-apiserver, whose FieldsV1 is raw bytes, writes
// it): characters encoding/json would escape (<, >, &, U+2028) stay as they are.
func TestManagedFieldsFieldsV1KeptAsWritten(t *testing.T) {
	entries := []ManagedFieldsEntry{{Manager: "m", FieldsV1: json.RawMessage(`{"f:spec": {"f:a&b":{},"f:<x>":{},"f:` + "\u2028" + `":{}}}`)}}
	want := `[{"manager":"m","fieldsV1":{"f:spec":{"f:a&b":{},"f:<x>":{},"f:` + "\u2028" + `":{}}}}]`
	for _, b := range mfBuilders[:3] {
		t.Run(b.name, func(t *testing.T) {
			got, ok := managedFieldsMember(t, b.build(t, ObjectMeta{ManagedFields: entries}))
			require.True(t, ok)
			require.Equal(t, want, got)
		})
	}
}

// TestManagedFieldsInvalidFieldsV1 proves that an entry whose FieldsV1 is not JSON loses its fieldsV1 member and
// nothing else: the document stays valid JSON, the other members and entries are written (with correct commas when
// fieldsV1 would have been the first or last member), and the entry's FieldsV1 reads back nil.
func TestManagedFieldsInvalidFieldsV1(t *testing.T) {
	bad := json.RawMessage(`{"f:a":`)
	entries := []ManagedFieldsEntry{
		{Manager: "ok", FieldsV1: json.RawMessage(`{"f:b":{}}`)},
		{Manager: "bad", Operation: "Update", Time: mfTime(1), FieldsType: "FieldsV1", FieldsV1: bad, Subresource: "status"},
		{FieldsV1: bad, Subresource: "first"},
		{Manager: "last", FieldsV1: bad},
		{FieldsV1: json.RawMessage(`not json`)},
		{Manager: "trailing", FieldsV1: json.RawMessage(`{} x`)},
	}
	want := `[{"manager":"ok","fieldsV1":{"f:b":{}}},` +
		`{"manager":"bad","operation":"Update","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","subresource":"status"},` +
		`{"subresource":"first"},{"manager":"last"},{},{"manager":"trailing"}]`
	for _, b := range mfBuilders[:3] {
		t.Run(b.name, func(t *testing.T) {
			callers := make([]ManagedFieldsEntry, len(entries))
			copy(callers, entries)
			o := b.build(t, ObjectMeta{Name: "x", ManagedFields: callers})
			got, ok := managedFieldsMember(t, o)
			require.True(t, ok)
			require.Equal(t, want, got)
			for _, m := range []ObjectMeta{o.Meta(), o.MetaNoCopy()} {
				require.Len(t, m.ManagedFields, len(entries))
				require.Equal(t, `{"f:b":{}}`, string(m.ManagedFields[0].FieldsV1))
				for i := 1; i < len(entries); i++ {
					require.Nil(t, m.ManagedFields[i].FieldsV1, "entry %d", i)
				}
				require.Equal(t, "status", m.ManagedFields[1].Subresource)
				require.Equal(t, mfTime(1), m.ManagedFields[1].Time)
			}
			require.Equal(t, entries, callers, "the caller's entries are not modified")
			// The object parses back to itself.
			again, err := ParseObject(o.JSON())
			require.NoError(t, err)
			require.Equal(t, string(o.JSON()), string(again.JSON()))
		})
	}
}

// TestManagedFieldsEmptyListKept proves that managedFields: [] (a non-nil empty list, which resets them in a write)
// is kept in the encoding by every builder, while nil managedFields write no member.
func TestManagedFieldsEmptyListKept(t *testing.T) {
	for _, b := range mfBuilders {
		t.Run(b.name, func(t *testing.T) {
			o := b.build(t, ObjectMeta{Name: "x", ManagedFields: []ManagedFieldsEntry{}})
			got, ok := managedFieldsMember(t, o)
			require.True(t, ok)
			require.Equal(t, `[]`, got)
			require.NotNil(t, o.Meta().ManagedFields)
			require.Empty(t, o.Meta().ManagedFields)
			require.Equal(t, `{"name":"x","managedFields":[]}`, string(must(o.Lookup("metadata"))))

			none := b.build(t, ObjectMeta{Name: "x"})
			_, ok = managedFieldsMember(t, none)
			require.False(t, ok)
			require.Nil(t, none.Meta().ManagedFields)
		})
	}
	// An object with managedFields: [] edited keeps it.
	o := NewObject(TypeMeta{Kind: "K"}, ObjectMeta{Name: "x", ManagedFields: []ManagedFieldsEntry{}})
	require.Equal(t, `{"kind":"K","metadata":{"name":"x","managedFields":[]},"spec":1}`, string(o.WithMember("spec", []byte(`1`)).JSON()))
	require.Equal(t, `{"kind":"L","metadata":{"name":"x","managedFields":[]}}`, string(o.WithTypeMeta(TypeMeta{Kind: "L"}).JSON()))
}

// indexIn returns the index j of raw where sub starts when sub is a subslice of raw (the same memory, found by
// comparing element addresses), or -1.
func indexIn(raw, sub []byte) int {
	if len(sub) == 0 {
		return -1
	}
	for j := range raw {
		if &raw[j] == &sub[0] {
			return j
		}
	}
	return -1
}

// requireFieldsV1Aliased requires that every entry of o with a fieldsV1 holds it as a subslice of o's encoding, at
// its fieldsV1 member, with no spare capacity (so an append cannot write into the encoding), and that the entries
// have the fieldsV1 of want (nil: not checked).
func requireFieldsV1Aliased(t *testing.T, o *Object, want []string) {
	t.Helper()
	raw := o.RawNoCopy()
	mf := o.MetaNoCopy().ManagedFields
	if want != nil {
		require.Len(t, mf, len(want))
	}
	for i, e := range mf {
		if want != nil {
			require.Equal(t, want[i], string(e.FieldsV1), "entry %d", i)
		}
		if len(e.FieldsV1) == 0 {
			continue
		}
		j := indexIn(raw, e.FieldsV1)
		require.GreaterOrEqual(t, j, 0, "entry %d: fieldsV1 %s is not in the object's encoding", i, e.FieldsV1)
		require.Equal(t, string(e.FieldsV1), string(raw[j:j+len(e.FieldsV1)]))
		require.Equal(t, `"fieldsV1":`, string(raw[j-len(`"fieldsV1":`):j]), "entry %d", i)
		require.Equal(t, len(e.FieldsV1), cap(e.FieldsV1), "entry %d: fieldsV1 has capacity into the encoding", i)
	}
}

// TestManagedFieldsAliasEncoding proves that after every way of building or deriving an object, each entry's
// FieldsV1 points into the object's own encoding (they are not held twice), and that Meta returns copies.
func TestManagedFieldsAliasEncoding(t *testing.T) {
	entries := mfEncodingEntries()
	wantFV := make([]string, len(entries))
	for i, e := range entries {
		wantFV[i] = string(e.FieldsV1)
	}
	wantFV[4] = "" // an empty FieldsV1 is written as none, and reads back as none
	meta := ObjectMeta{Name: "d", Labels: map[string]string{"a": "b"}, ManagedFields: entries}
	for _, b := range mfBuilders {
		t.Run(b.name, func(t *testing.T) {
			o := b.build(t, meta)
			requireFieldsV1Aliased(t, o, wantFV)
			for i, e := range o.Meta().ManagedFields {
				if len(e.FieldsV1) > 0 {
					require.Equal(t, -1, indexIn(o.RawNoCopy(), e.FieldsV1), "Meta's entry %d aliases the encoding", i)
				}
			}
		})
	}

	base := mfBuilders[3].build(t, meta) // ParseObject
	derived := []struct {
		name string
		o    func() *Object
	}{
		{"WithTypeMeta", func() *Object { return base.WithTypeMeta(TypeMeta{Kind: "ReplicaSet", APIVersion: "apps/v1"}) }},
		{"WithBody", func() *Object {
			o, err := base.WithBody([]byte(`{"spec":{"replicas":2},"status":{}}`))
			require.NoError(t, err)
			return o
		}},
		{"WithMember replacing", func() *Object { return base.WithMember("spec", []byte(`{"replicas":3}`)) }},
		{"WithMember appending", func() *Object { return base.WithMember("status", []byte(`{"replicas":3}`)) }},
		{"WithMember removing", func() *Object { return base.WithMember("spec", nil) }},
		{"WithResourceVersion", func() *Object { return base.WithResourceVersion("99") }},
		{"WithMeta", func() *Object { return base.WithMeta(base.Meta()) }},
		{"WithMetaNoCopy", func() *Object { return base.WithMetaNoCopy(base.MetaNoCopy()) }},
	}
	for _, d := range derived {
		t.Run(d.name, func(t *testing.T) {
			baseJSON := string(base.JSON())
			o := d.o()
			requireFieldsV1Aliased(t, o, wantFV)
			// The source's entries still point into the source's encoding, which is unchanged.
			requireFieldsV1Aliased(t, base, wantFV)
			require.Equal(t, baseJSON, string(base.JSON()))
			if d.name == "WithResourceVersion" {
				return
			}
			for i, e := range o.MetaNoCopy().ManagedFields {
				if len(e.FieldsV1) > 0 {
					require.Equal(t, -1, indexIn(base.RawNoCopy(), e.FieldsV1), "entry %d points into the source's encoding", i)
				}
			}
		})
	}
	require.Equal(t, `{"replicas":3}`, string(must(base.WithMember("status", []byte(`{"replicas":3}`)).Lookup("status"))))
}

// TestWithMetaNoCopyLeavesCallerEntries proves that WithMetaNoCopy, which keeps the caller's maps and slices,
// does not write into the elements of the caller's managedFields slice: their FieldsV1 keep pointing where they
// did (into the caller's own memory, or into another object's encoding), even for an entry whose FieldsV1 the object
// drops as invalid.
func TestWithMetaNoCopyLeavesCallerEntries(t *testing.T) {
	src := mfBuilders[3].build(t, ObjectMeta{Name: "d", ManagedFields: mfEncodingEntries()})
	m := src.MetaNoCopy()
	m.Labels = map[string]string{"new": "label"}
	m.ManagedFields = append(m.ManagedFields[:len(m.ManagedFields):len(m.ManagedFields)],
		ManagedFieldsEntry{Manager: "own", FieldsV1: json.RawMessage(`{"f:x":{}}`)},
		ManagedFieldsEntry{Manager: "invalid", FieldsV1: json.RawMessage(`{`)})
	callerSlice := m.ManagedFields
	before := make([]ManagedFieldsEntry, len(callerSlice))
	copy(before, callerSlice) // the slice headers (and Time pointers) as they are
	o := src.WithMetaNoCopy(m)

	for i := range callerSlice {
		require.Equal(t, before[i].Manager, callerSlice[i].Manager)
		require.Same(t, before[i].Time, callerSlice[i].Time, "entry %d", i)
		require.Equal(t, len(before[i].FieldsV1), len(callerSlice[i].FieldsV1), "entry %d", i)
		require.Equal(t, cap(before[i].FieldsV1), cap(callerSlice[i].FieldsV1), "entry %d", i)
		if len(before[i].FieldsV1) > 0 {
			require.Same(t, &before[i].FieldsV1[0], &callerSlice[i].FieldsV1[0], "entry %d was repointed", i)
		}
	}
	require.Equal(t, `{`, string(callerSlice[len(callerSlice)-1].FieldsV1))
	requireFieldsV1Aliased(t, src, nil)
	requireFieldsV1Aliased(t, o, nil)
	mf := o.MetaNoCopy().ManagedFields
	require.Len(t, mf, len(callerSlice))
	require.Equal(t, `{"f:x":{}}`, string(mf[len(mf)-2].FieldsV1))
	require.Nil(t, mf[len(mf)-1].FieldsV1)
	require.Equal(t, "label", o.LabelsNoCopy()["new"])
}

// TestObjectLookup proves that Object.Lookup finds kind, apiVersion, metadata members (through metadata's offset)
// and body members, reports false for absent paths and for paths through non-objects, and agrees with
// jsontree.Lookup on the whole encoding.
func TestObjectLookup(t *testing.T) {
	o, err := ParseObject([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","resourceVersion":"5",
		"labels":{"app":"web","name":"not-the-name"},"annotations":{"kind":"x"},
		"managedFields":[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:name":{}}}}]},
		"spec":{"containers":[{"name":"c","image":"i"}],"metadata":{"name":"inner"},"name":"spec-name"},
		"status":{"phase":"Running","kind":"inner-kind"},"zz":null}`))
	require.NoError(t, err)
	cases := []struct {
		path []string
		want string // "" for absent
	}{
		{[]string{"metadata", "name"}, `"p"`},
		{[]string{"metadata", "namespace"}, `"ns"`},
		{[]string{"metadata", "labels", "name"}, `"not-the-name"`},
		{[]string{"metadata", "annotations", "kind"}, `"x"`},
		{[]string{"metadata", "managedFields"}, `[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:name":{}}}}]`},
		{[]string{"metadata"}, `{"name":"p","namespace":"ns","labels":{"app":"web","name":"not-the-name"},"annotations":{"kind":"x"},"managedFields":[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:name":{}}}}]}`},
		{[]string{"metadata", "resourceVersion"}, ""}, // kept outside the encoding
		{[]string{"metadata", "uid"}, ""},
		{[]string{"metadata", "labels", "missing"}, ""},
		{[]string{"metadata", "name", "x"}, ""},
		{[]string{"metadata", "managedFields", "0"}, ""},
		{[]string{"spec", "containers"}, `[{"name":"c","image":"i"}]`},
		{[]string{"spec", "metadata", "name"}, `"inner"`},
		{[]string{"spec", "name"}, `"spec-name"`},
		{[]string{"status", "kind"}, `"inner-kind"`},
		{[]string{"status", "phase"}, `"Running"`},
		{[]string{"zz"}, `null`},
		{[]string{"kind"}, `"Pod"`},
		{[]string{"apiVersion"}, `"v1"`},
		{[]string{"kind", "x"}, ""},
		{[]string{"name"}, ""},
		{[]string{"missing"}, ""},
		{[]string{"spec", "missing"}, ""},
		{[]string{"spec", "containers", "0"}, ""},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.path), func(t *testing.T) {
			got, ok := o.Lookup(tc.path...)
			ref, refOK := jsontree.Lookup(o.RawNoCopy(), tc.path...)
			require.Equal(t, refOK, ok)
			require.Equal(t, string(ref), string(got))
			if tc.want == "" {
				require.False(t, ok)
				require.Nil(t, got)
				return
			}
			require.True(t, ok)
			require.Equal(t, tc.want, string(got))
			require.GreaterOrEqual(t, indexIn(o.RawNoCopy(), got), 0, "the result aliases the encoding")
		})
	}
	whole, ok := o.Lookup()
	require.True(t, ok)
	require.Equal(t, string(o.RawNoCopy()), string(whole))

	// Objects built without metadata members, and derived objects, find the same.
	empty := NewObject(TypeMeta{Kind: "K"}, ObjectMeta{})
	require.Equal(t, `{}`, string(must(empty.Lookup("metadata"))))
	_, ok = empty.Lookup("metadata", "name")
	require.False(t, ok)
	for _, d := range []*Object{o.WithMember("extra", []byte(`{"a":1}`)), o.WithTypeMeta(TypeMeta{Kind: "K"}), o.WithMetaNoCopy(o.MetaNoCopy()), o.WithResourceVersion("8")} {
		require.Equal(t, `"p"`, string(must(d.Lookup("metadata", "name"))))
		require.Equal(t, `[{"name":"c","image":"i"}]`, string(must(d.Lookup("spec", "containers"))))
	}
	require.Equal(t, `{"a":1}`, string(must(o.WithMember("extra", []byte(`{"a":1}`)).Lookup("extra"))))
}

// TestManagedFieldsConcurrentUse proves, under -race, that one shared object with managedFields can be read and
// derived from by many goroutines at once: Meta, JSON, WithMetaNoCopy(MetaNoCopy()) and WithMember write nothing
// the object holds, and each gives the expected result.
func TestManagedFieldsConcurrentUse(t *testing.T) {
	shared := mfBuilders[3].build(t, ObjectMeta{Name: "d", Namespace: "ns", ResourceVersion: "3", Labels: map[string]string{"a": "b"}, ManagedFields: mfEncodingEntries()})
	wantJSON := string(shared.JSON())
	wantMF, ok := managedFieldsMember(t, shared)
	require.True(t, ok)
	wantMeta := shared.Meta()

	const goroutines, rounds = 16, 50
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail := func(format string, args ...any) {
				errs <- fmt.Errorf("goroutine %d: "+format, append([]any{g}, args...)...)
			}
			for r := range rounds {
				m := shared.Meta()
				if len(m.ManagedFields) != len(wantMeta.ManagedFields) || !bytes.Equal(m.ManagedFields[0].FieldsV1, wantMeta.ManagedFields[0].FieldsV1) {
					fail("Meta: %v", m.ManagedFields)
					return
				}
				m.ManagedFields[0].FieldsV1[0] = 'X' // a copy: writing it changes nothing shared
				m.Labels["g"] = "x"
				if got := string(shared.JSON()); got != wantJSON {
					fail("JSON: %s", got)
					return
				}
				same := shared.WithMetaNoCopy(shared.MetaNoCopy())
				if got := string(same.JSON()); got != wantJSON {
					fail("WithMetaNoCopy: %s", got)
					return
				}
				status := fmt.Sprintf(`{"g":%d,"r":%d}`, g, r)
				d := shared.WithMember("status", []byte(status))
				if got, _ := d.Lookup("status"); string(got) != status {
					fail("WithMember: status %s", got)
					return
				}
				if got, _ := jsontree.Lookup(d.JSON(), "metadata", "managedFields"); string(got) != wantMF {
					fail("WithMember: managedFields %s", got)
					return
				}
				d2 := d.WithMember("spec", []byte(`{"replicas":2}`))
				if got, _ := d2.Lookup("spec", "replicas"); string(got) != "2" {
					fail("WithMember: spec %s", got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, wantJSON, string(shared.JSON()))
	require.Equal(t, wantMeta, shared.Meta())
	requireFieldsV1Aliased(t, shared, nil)
}
