package jsontree

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// lookupUniqueDoc is a document without repeated keys, with escapes in keys and strings, whitespace and values of
// every kind.
const lookupUniqueDoc = ` { "a" : {"b":[1,{"c":"}"}],"d":"x\"y","e":{"f":{"g":null,"h":"\\"}}},"t":true,"s":"str{","n":-1.5e3,` +
	`"k\"q":{"z":0},"\u006d":2,"k:{\"name\":\"c\"}":{"v":"\\\""},"empty":{},"arr":[{"a":1}],"":"blank"} `

// TestLookupUniqueEqualsLookup proves that on documents without repeated keys LookupUnique finds exactly what Lookup
// finds: nested members, members behind escaped keys, the whole document for an empty path, and nothing for absent
// keys or paths through non-objects.
func TestLookupUniqueEqualsLookup(t *testing.T) {
	cases := []struct {
		doc  string
		path []string
		want string // "" when absent
	}{
		{lookupUniqueDoc, nil, lookupUniqueDoc},
		{lookupUniqueDoc, []string{"a"}, `{"b":[1,{"c":"}"}],"d":"x\"y","e":{"f":{"g":null,"h":"\\"}}}`},
		{lookupUniqueDoc, []string{"a", "b"}, `[1,{"c":"}"}]`},
		{lookupUniqueDoc, []string{"a", "d"}, `"x\"y"`},
		{lookupUniqueDoc, []string{"a", "e", "f", "g"}, `null`},
		{lookupUniqueDoc, []string{"a", "e", "f", "h"}, `"\\"`},
		{lookupUniqueDoc, []string{"t"}, `true`},
		{lookupUniqueDoc, []string{"s"}, `"str{"`},
		{lookupUniqueDoc, []string{"n"}, `-1.5e3`},
		{lookupUniqueDoc, []string{`k"q`, "z"}, `0`},
		{lookupUniqueDoc, []string{"m"}, `2`},
		{lookupUniqueDoc, []string{`k:{"name":"c"}`, "v"}, `"\\\""`},
		{lookupUniqueDoc, []string{"empty"}, `{}`},
		{lookupUniqueDoc, []string{""}, `"blank"`},
		{lookupUniqueDoc, []string{"missing"}, ""},
		{lookupUniqueDoc, []string{"a", "missing"}, ""},
		{lookupUniqueDoc, []string{"a", "b", "c"}, ""}, // arrays are not followed
		{lookupUniqueDoc, []string{"arr", "a"}, ""},
		{lookupUniqueDoc, []string{"t", "x"}, ""},
		{lookupUniqueDoc, []string{"s", "x"}, ""},
		{lookupUniqueDoc, []string{"a", "e", "f", "g", "x"}, ""},
		{lookupUniqueDoc, []string{"empty", "x"}, ""},
		{lookupUniqueDoc, []string{`k\"q`}, ""}, // keys compare by their decoded text
		{`[{"a":1}]`, []string{"a"}, ""},
		{`"str"`, []string{"a"}, ""},
		{`"str"`, nil, `"str"`},
		{`{}`, []string{"a"}, ""},
		{``, []string{"a"}, ""},
		{`{"a":{"a":{"a":1}}}`, []string{"a", "a", "a"}, `1`},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.path), func(t *testing.T) {
			got, ok := LookupUnique([]byte(tc.doc), tc.path...)
			ref, refOK := Lookup([]byte(tc.doc), tc.path...)
			require.Equal(t, refOK, ok)
			require.Equal(t, string(ref), string(got))
			if tc.want == "" {
				require.False(t, ok)
				require.Nil(t, got)
				return
			}
			require.True(t, ok)
			require.Equal(t, tc.want, string(got))
		})
	}
}

// TestLookupUniqueFirstOccurrence documents LookupUnique's contract where it differs from Lookup: it is for
// documents whose keys are unique (canonical ones), and stops at the first member of a name. With repeated keys it
// returns the first occurrence (Lookup, like Decode, the last); on a document that is malformed after the member it
// finds, it finds the member (Lookup, which reads every member, reports false).
func TestLookupUniqueFirstOccurrence(t *testing.T) {
	cases := []struct {
		name      string
		doc       string
		path      []string
		want      string // LookupUnique's result
		wantWhole string // Lookup's result; "" when it reports false
	}{
		{"repeated key", `{"a":1,"a":2}`, []string{"a"}, `1`, `2`},
		{"repeated key spelled with an escape", `{"a":{"b":1},"\u0061":{"b":2}}`, []string{"a", "b"}, `1`, `2`},
		{"repeated nested key", `{"x":{"b":"first","b":"second"}}`, []string{"x", "b"}, `"first"`, `"second"`},
		{"repeated key whose first value is not an object", `{"a":1,"a":{"b":2}}`, []string{"a", "b"}, "", `2`},
		{"malformed after the member", `{"a":1,`, []string{"a"}, `1`, ""},
		{"garbage after the member", `{"a":1 x}`, []string{"a"}, `1`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := LookupUnique([]byte(tc.doc), tc.path...)
			require.Equal(t, tc.want != "", ok)
			require.Equal(t, tc.want, string(got))
			whole, ok := Lookup([]byte(tc.doc), tc.path...)
			require.Equal(t, tc.wantWhole != "", ok)
			require.Equal(t, tc.wantWhole, string(whole))
		})
	}

	// The canonical form of a document with repeated keys has each key once: there both agree, on the last value.
	canon, err := AppendCanonical(nil, []byte(`{"a":{"b":1},"\u0061":{"b":2,"b":3}}`))
	require.NoError(t, err)
	got, ok := LookupUnique(canon, "a", "b")
	require.True(t, ok)
	require.Equal(t, `3`, string(got))
	whole, ok := Lookup(canon, "a", "b")
	require.True(t, ok)
	require.Equal(t, `3`, string(whole))
}

// TestSkipValueStrings proves that SkipValue finds the end of strings whatever escapes they hold (a quote ends a
// string unless an odd number of backslashes precedes it), and returns -1, without panicking, for strings that do
// not end, including one whose last byte is a backslash.
func TestSkipValueStrings(t *testing.T) {
	cases := []struct {
		in   string
		from int
		want int
	}{
		{`"a\"b"`, 0, 6},
		{`"\\"`, 0, 4},
		{`"\\\""`, 0, 6},
		{`"x\\\\"`, 0, 7},
		{`"\\" "`, 0, 4},
		{`"\"\"\""`, 0, 8},
		{`"\u0041\u00e9\ud83d\ude00"`, 0, 26},
		{`"\u005c"`, 0, 8}, // an escaped backslash spelled \u005c escapes nothing
		{`"\/\b\f\n\r\t"`, 0, 14},
		{"\"é\\\"日本\"", 0, 12},
		{`"x" trailing`, 0, 3},
		{`  "a\"b" ,`, 0, 8},
		{`xx"a\"b"`, 2, 8},
		{`""`, 0, 2},
		{`"` + strings.Repeat("x", 100) + `\"` + strings.Repeat("y", 100) + `\\"` + `z"`, 0, 206},
		{`"` + strings.Repeat(`\"`, 50) + `"`, 0, 102},
		// Unterminated.
		{`"`, 0, -1},
		{`"abc`, 0, -1},
		{`"a\"`, 0, -1},
		{`"\`, 0, -1},
		{`"\\`, 0, -1},
		{`"a\\\"`, 0, -1},
		{`"` + strings.Repeat(`\"`, 50), 0, -1},
		{`   `, 0, -1},
		{``, 0, -1},
		{`"a"`, 3, -1},
		{`"a"`, 10, -1},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q@%d", tc.in, tc.from), func(t *testing.T) {
			require.Equal(t, tc.want, SkipValue([]byte(tc.in), tc.from))
			require.Equal(t, tc.want, refSkipValue([]byte(tc.in), tc.from))
		})
	}

	// A run of n backslashes before a quote: an even run leaves the quote to end the string.
	for n := range 9 {
		in := `"` + strings.Repeat(`\`, n) + `""`
		want := 2 + n
		if n%2 == 1 {
			want = 3 + n
		}
		require.Equal(t, want, SkipValue([]byte(in), 0), "%q", in)
		require.Equal(t, -1, SkipValue([]byte(in[:want-1]), 0), "%q", in[:want-1]) // without the quote that ends it
	}
}

// TestSkipValueCompositeWithEscapes proves that SkipValue skips objects and arrays whose strings hold escaped quotes
// and brackets, and that Members reports their members (keys still quoted and escaped) or false when a string does
// not end.
func TestSkipValueCompositeWithEscapes(t *testing.T) {
	type member = refMember
	cases := []struct {
		in      string
		skip    int
		members []member
		ok      bool
	}{
		{`{"k:{\"name\":\"c\"}":{}}`, 25, []member{{`"k:{\"name\":\"c\"}"`, `{}`}}, true},
		{`{"a":"\\","b":"\""}`, 19, []member{{`"a"`, `"\\"`}, {`"b"`, `"\""`}}, true},
		{`{"a":"}\\"}`, 11, []member{{`"a"`, `"}\\"`}}, true},
		{`{"a\\":1,"\"":[1,"]\""]}`, 24, []member{{`"a\\"`, `1`}, {`"\""`, `[1,"]\""]`}}, true},
		{`{"f:a":{"k:{\"x\":\"\\\"\"}":{".":{}}}}`, 39, []member{{`"f:a"`, `{"k:{\"x\":\"\\\"\"}":{".":{}}}`}}, true},
		{`{"\u0022":"\u005c"}`, 19, []member{{`"\u0022"`, `"\u005c"`}}, true},
		{`["\\\"]"]`, 9, nil, false},
		// Unterminated: -1 and false, never a panic.
		{`{"a":"x\"}`, -1, nil, false},
		{`{"a\":1}`, -1, nil, false},
		{`{"a":"\`, -1, nil, false},
		{`{"a`, -1, nil, false},
		{`{"a":1,"b":"\\\"}`, -1, []member{{`"a"`, `1`}}, false},
		{`{"`, -1, nil, false},
		{`{\`, -1, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			require.Equal(t, tc.skip, SkipValue([]byte(tc.in), 0))
			require.Equal(t, tc.skip, refSkipValue([]byte(tc.in), 0))
			var got []member
			ok := Members([]byte(tc.in), func(k, v []byte) bool {
				got = append(got, member{string(k), string(v)})
				return true
			})
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.members, got)
			refGot, refOK := refMembers([]byte(tc.in))
			require.Equal(t, ok, refOK)
			require.Equal(t, got, refGot)
		})
	}

	doc := []byte(`{"k:{\"name\":\"c\"}":{"f:image":{}},"k:{\"name\":\"d\"}":{}}`)
	v, ok := LookupUnique(doc, `k:{"name":"d"}`)
	require.True(t, ok)
	require.Equal(t, `{}`, string(v))
	v, ok = LookupUnique(doc, `k:{"name":"c"}`, "f:image")
	require.True(t, ok)
	require.Equal(t, `{}`, string(v))
}

// refSkipValue is the reference SkipValue: the same grammar, with strings scanned a byte at a time (a backslash
// escapes the byte after it).
func refSkipValue(data []byte, i int) int {
	for i < len(data) && strings.IndexByte(" \t\n\r", data[i]) >= 0 {
		i++
	}
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return refSkipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			c := data[i]
			if c == '"' {
				if i = refSkipString(data, i); i < 0 {
					return -1
				}
				continue
			}
			if c == '{' || c == '[' {
				depth++
			} else if c == '}' || c == ']' {
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(data) && strings.IndexByte(",}] \t\n\r", data[i]) < 0 {
		i++
	}
	return i
}

// refSkipString returns the offset past the string that starts at data[i] == '"', or -1 when it does not end.
func refSkipString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++ // the escaped byte
		case '"':
			return i + 1
		}
	}
	return -1
}

// refMember is a member refMembers reports.
type refMember struct{ k, v string }

// refMembers is the reference Members, built on refSkipValue: the members of the object data up to the first
// error, and whether data is a well-formed object.
func refMembers(data []byte) ([]refMember, bool) {
	ws := func(i int) int {
		for i < len(data) && strings.IndexByte(" \t\n\r", data[i]) >= 0 {
			i++
		}
		return i
	}
	i := ws(0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	var out []refMember
	if i = ws(i + 1); i < len(data) && data[i] == '}' {
		return out, true
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return out, false
		}
		kEnd := refSkipString(data, i)
		if kEnd < 0 {
			return out, false
		}
		k := data[i:kEnd]
		if i = ws(kEnd); i >= len(data) || data[i] != ':' {
			return out, false
		}
		vStart := ws(i + 1)
		vEnd := refSkipValue(data, vStart)
		if vEnd < 0 {
			return out, false
		}
		out = append(out, refMember{string(k), string(data[vStart:vEnd])})
		if i = ws(vEnd); i >= len(data) {
			return out, false
		}
		switch data[i] {
		case '}':
			return out, true
		case ',':
			i = ws(i + 1)
		default:
			return out, false
		}
	}
}

// FuzzSkipValue compares SkipValue, skipString and Members with the reference implementations above on any input:
// SkipValue from each of the first offsets, skipString from each quote, and Members on the whole input.
func FuzzSkipValue(f *testing.F) {
	for _, s := range []string{`"a\"b"`, `"\\"`, `{"k:{\"name\":\"c\"}":{}}`, `"\`, `["\\\"]"]`, `{"a":"x\"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for i := 0; i <= len(data) && i < 64; i++ {
			if got, want := SkipValue(data, i), refSkipValue(data, i); got != want {
				t.Fatalf("SkipValue(%q, %d) = %d, want %d", data, i, got, want)
			}
		}
		for i, c := range data {
			if c != '"' {
				continue
			}
			if got, want := skipString(data, i), refSkipString(data, i); got != want {
				t.Fatalf("skipString(%q, %d) = %d, want %d", data, i, got, want)
			}
		}
		var got []refMember
		ok := Members(data, func(k, v []byte) bool {
			got = append(got, refMember{string(k), string(v)})
			return true
		})
		want, wantOK := refMembers(data)
		if ok != wantOK || len(got) != len(want) {
			t.Fatalf("Members(%q) = %v, %v; want %v, %v", data, got, ok, want, wantOK)
		}
		for j := range got {
			if got[j] != want[j] {
				t.Fatalf("Members(%q) member %d = %v, want %v", data, j, got[j], want[j])
			}
		}
	})
}

// TestMembersAfter: the members that follow an offset where a member ends are read as Members reads them, and what
// is not the rest of an object is reported.
func TestMembersAfter(t *testing.T) {
	doc := []byte(`{"a":1, "b" : {"x":[1]} ,"c":"s"}`)
	tests := []struct {
		name string
		at   int
		keys []string
		ok   bool
	}{
		{name: "after the first member", at: len(`{"a":1`), keys: []string{`"b"`, `"c"`}, ok: true},
		{name: "after the last member", at: len(`{"a":1, "b" : {"x":[1]} ,"c":"s"`), ok: true},
		{name: "inside a value", at: len(`{"a":`), ok: false},
		{name: "at the end of the data", at: len(doc), ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var keys []string
			ok := MembersAfter(doc, tt.at, func(k, _ []byte) bool {
				keys = append(keys, string(k))
				return true
			})
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.keys, keys)
		})
	}
}
