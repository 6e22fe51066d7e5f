package fieldmanager

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/kubemem/kubemem/internal/jsontree"
)

func TestFieldsRoundTrip(t *testing.T) {
	cases := []string{
		`{}`,
		`{"f:spec":{"f:replicas":{}}}`,
		`{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{}}}}}`,
		`{"f:spec":{"f:tags":{"v:\"a\"":{},"v:1":{}},"f:args":{"i:0":{}}}}`,
	}
	for _, c := range cases {
		set, err := setFromFields(decode(t, c))
		require.NoError(t, err, c)
		// The same set as SMD's own JSON reader gives, written back the same way SMD writes it.
		var want fieldpath.Set
		require.NoError(t, want.FromJSON(stringReader(c)))
		require.True(t, want.Equals(set), c)
		wantJSON, err := want.ToJSON()
		require.NoError(t, err)
		require.JSONEq(t, string(wantJSON), encode(t, fieldsFromSet(set, false)), c)
	}
	for _, bad := range []string{`{"f:a":1}`, `{"k:notjson":{}}`} {
		_, err := setFromFields(decode(t, bad))
		require.Error(t, err, bad)
	}
	// Unknown path element types are dropped, as SMD drops them.
	set, err := setFromFields(decode(t, `{"x:y":{},"f:a":{}}`))
	require.NoError(t, err)
	require.Equal(t, 1, set.Size())
}

func TestDecodeManagedFields(t *testing.T) {
	valid := `{"manager":"m","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:05+01:00","fieldsType":"FieldsV1","fieldsV1":{"f:data":{}}}`
	cases := []struct {
		list    string
		wantErr string
	}{
		{`[` + valid + `]`, ""},
		{`[{"manager":"m","operation":"Patch","apiVersion":"v1","fieldsType":"FieldsV1"}]`, "operation must be `Apply` or `Update`"},
		{`[{"manager":"m","operation":"Apply","fieldsType":"FieldsV1"}]`, "apiVersion must not be empty"},
		{`[{"manager":"m","operation":"Apply","apiVersion":"v1"}]`, "missing fieldsType in managed fields entry 0"},
		{`[{"manager":"m","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV2"}]`, `invalid fieldsType "FieldsV2" in managed fields entry 0`},
	}
	for _, tc := range cases {
		v, err := jsontree.Decode([]byte(tc.list))
		require.NoError(t, err)
		entries, err := readEntries(v)
		require.NoError(t, err)
		m, err := decodeManaged(entries)
		if tc.wantErr != "" {
			require.EqualError(t, err, tc.wantErr)
			continue
		}
		require.NoError(t, err)
		// Times are kept to the second, in UTC.
		require.JSONEq(t, `[{"manager":"m","operation":"Update","apiVersion":"v1","time":"2026-01-02T02:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{}}}]`,
			encode(t, m.encode()))
	}
	for _, unreadable := range []string{`"x"`, `[1]`, `[{"manager":1}]`, `[{"time":"yesterday"}]`} {
		v, err := jsontree.Decode([]byte(unreadable))
		require.NoError(t, err)
		_, err = readEntries(v)
		require.ErrorIs(t, err, errUnreadable, unreadable)
	}
}

func TestEncodeOrder(t *testing.T) {
	m := newManaged(0)
	add := func(id identity, applied bool, sec int) {
		k := id.key()
		m.fields[k] = fieldpath.NewVersionedSet(fieldpath.NewSet(fieldpath.MakePathOrDie("a")), fieldpath.APIVersion(id.APIVersion), applied)
		m.ids[k] = id
		if sec >= 0 {
			m.times[k] = t0.Add(time.Duration(sec) * time.Second)
		}
	}
	add(identity{Manager: "u2", Operation: operationUpdate, APIVersion: "v1"}, false, 1)
	add(identity{Manager: "u1", Operation: operationUpdate, APIVersion: "v1"}, false, 1)
	add(identity{Manager: "u1", Operation: operationUpdate, APIVersion: "v1", Subresource: "status"}, false, 1)
	add(identity{Manager: "u0", Operation: operationUpdate, APIVersion: "v1"}, false, 2)
	add(identity{Manager: "a", Operation: operationApply, APIVersion: "v1"}, true, 5)
	add(identity{Manager: "b", Operation: operationApply, APIVersion: "v1"}, true, -1)
	var got []string
	for _, e := range m.encode() {
		em := e.(map[string]any)
		s, _ := em["subresource"].(string)
		got = append(got, em["manager"].(string)+"/"+s)
	}
	// Apply before Update, then by time (none first), manager, apiVersion, subresource.
	require.Equal(t, []string{"b/", "a/", "u1/", "u1/status", "u2/", "u0/"}, got)
}

func FuzzFieldsRoundTrip(f *testing.F) {
	f.Add(`{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{}}}}}`)
	f.Add(`{"f:a":{"v:\"x\"":{},"i:3":{}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := jsontree.Decode([]byte(s))
		if err != nil {
			return
		}
		set, err := setFromFields(v)
		if err != nil {
			return
		}
		// Parse(Write(set)) == set, and SMD reads what we write as we do.
		again, err := setFromFields(decode(t, encode(t, fieldsFromSet(set, false))))
		require.NoError(t, err)
		require.True(t, set.Equals(again))
		var smd fieldpath.Set
		require.NoError(t, smd.FromJSON(stringReader(encode(t, fieldsFromSet(set, false)))))
		require.True(t, set.Equals(&smd))
	})
}
