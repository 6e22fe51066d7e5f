package jsontree

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecode(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want any
	}{
		{"int", `42`, int64(42)},
		{"negative int", `-7`, int64(-7)},
		{"float", `1.5`, 1.5},
		{"exponent is a float", `1e3`, 1000.0},
		{"int beyond int64 is a float", `9223372036854775808`, 9223372036854775808.0},
		{"string escapes", `"a\"b\\c\/d\n\u00e9\ud83d\ude00"`, "a\"b\\c/d\né😀"},
		{"lone surrogate", `"\ud800x"`, "\ufffdx"},
		{"invalid utf8 replaced", "\"a\xffb\"", "a\ufffdb"},
		{"object last key wins", `{"a":1,"a":2}`, map[string]any{"a": int64(2)}},
		{"nested", ` { "a" : [ true , false , null , {} , [] ] } `, map[string]any{"a": []any{true, false, nil, map[string]any{}, []any{}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode([]byte(tc.in))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `[1,]`, `{"a" 1}`, `01`, `1.`, `1e`, `-`, `"\x"`, "\"\x01\"", `tru`, `{"a":1}x`, `1e400`, `"\u12"`} {
		t.Run(in, func(t *testing.T) {
			_, err := Decode([]byte(in))
			require.Error(t, err)
		})
	}
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	_, err := Decode([]byte(deep))
	require.ErrorContains(t, err, "max depth")
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, "plain", "<html>&'\"\\\n\t\x01\u2028\u2029", "bad\xffutf8", int64(-3), 0.1, 1e21, 1e-7, 123456789.0,
		map[string]any{"b": int64(1), "a": []any{"x", nil}}, map[string]string{"z": "1", "y": "2"}, []string{"a"},
		json.RawMessage(`{"k":1}`), struct{ A int }{1},
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		require.NoError(t, err)
		got, err := Append(nil, v)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%#v", v)
	}
	_, err := Append(nil, math.NaN())
	require.Error(t, err)
}

func TestScan(t *testing.T) {
	doc := []byte(`{"a":{"b":[1,{"c":"}"}],"d":"x\"y"},"e":true,"a2":null}`)
	var keys []string
	require.True(t, Members(doc, func(k, v []byte) bool { keys = append(keys, string(k)); return true }))
	require.Equal(t, []string{`"a"`, `"e"`, `"a2"`}, keys)
	v, ok := Lookup(doc, "a", "d")
	require.True(t, ok)
	require.Equal(t, `"x\"y"`, string(v))
	s, ok := LookupString(doc, "a", "d")
	require.True(t, ok)
	require.Equal(t, `x"y`, s)
	_, ok = Lookup(doc, "a", "missing")
	require.False(t, ok)
	require.False(t, Members([]byte(`[1]`), func(k, v []byte) bool { return true }))
	require.True(t, KeyEquals([]byte(`"\u0061"`), "a"))
}

// FuzzDecode checks Decode against encoding/json: both accept or both reject, and an accepted document encodes
// back (with Append) to JSON that encoding/json decodes to the same tree.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x",null,true]}`, `"\ud83d\ude00"`, `-0`, `1e5`, `{"a":{"a":{}}}`, `[`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(data)
		var ref any
		refErr := json.Unmarshal(data, &ref)
		if (err == nil) != (refErr == nil) {
			// encoding/json rejects numbers out of float64 range too; both must agree on validity.
			t.Fatalf("Decode err=%v, encoding/json err=%v for %q", err, refErr, data)
		}
		if err != nil {
			return
		}
		enc, err := Append(nil, got)
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		var back any
		d := json.NewDecoder(bytes.NewReader(enc))
		d.UseNumber()
		if err := d.Decode(&back); err != nil {
			t.Fatalf("re-encoded JSON invalid: %v: %s", err, enc)
		}
		again, err := Decode(enc)
		if err != nil || !reflect.DeepEqual(numbersAsFloats(again), numbersAsFloats(got)) {
			t.Fatalf("round trip changed the tree: %v %s", err, enc)
		}
	})
}

// numbersAsFloats converts every number in a tree to float64: an integral float (1e5) encodes as an integer (100000)
// and decodes back as int64, which is the same JSON value.
func numbersAsFloats(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = numbersAsFloats(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = numbersAsFloats(e)
		}
		return out
	}
	return v
}
