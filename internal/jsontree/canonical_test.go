package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestAppendCanonical(t *testing.T) {
	manyKeys := func(dupAt int) (in, want string) {
		var b, w strings.Builder
		b.WriteString("{")
		w.WriteString("{")
		for i := range 40 {
			if i > 0 {
				b.WriteString(",")
			}
			k := fmt.Sprintf("k%02d", i)
			b.WriteString(`"` + k + `":` + "1")
			if i != dupAt {
				w.WriteString(`"` + k + `":1,`)
			}
		}
		b.WriteString(fmt.Sprintf(`,"k%02d":2}`, dupAt))
		w.WriteString(fmt.Sprintf(`"k%02d":2}`, dupAt))
		return b.String(), w.String()
	}
	bigIn, bigWant := manyKeys(3)
	tests := []struct {
		name, in, want string
		err            string
	}{
		{name: "whitespace", in: " { \"a\" : [ 1 , 2.5 , \"x y\" , null , true , false ] } ", want: `{"a":[1,2.5,"x y",null,true,false]}`},
		{name: "scalar", in: ` -0.5e3 `, want: `-0.5e3`},
		{name: "order and escapes kept", in: `{"b":"\u00e9\n","a":{}}`, want: `{"b":"\u00e9\n","a":{}}`},
		{name: "repeated key, last wins", in: `{"k":"v","x":1,"k":"w"}`, want: `{"x":1,"k":"w"}`},
		{name: "repeated key three times", in: `{"k":1,"k":2,"k":3}`, want: `{"k":3}`},
		{name: "repeated escaped key", in: `{"a":1,"\u0061":2}`, want: `{"\u0061":2}`},
		{name: "nested repeated keys", in: `{"a":{"b":1,"b":2},"a":{"c":[{"d":1,"d":{"e":1,"e":2}}]}}`, want: `{"a":{"c":[{"d":{"e":2}}]}}`},
		{name: "repeated keys in a dropped member", in: `{"a":{"b":1,"b":2},"c":0,"a":3}`, want: `{"c":0,"a":3}`},
		{name: "repeated key among many (map lookup)", in: bigIn, want: bigWant},
		{name: "invalid UTF-8 replaced", in: "{\"k\xff\":\"a\xfe\xffb\"}", want: "{\"k\uFFFD\":\"a\uFFFD\uFFFDb\"}"},
		{name: "valid UTF-8 kept", in: `"héllo, 世界"`, want: `"héllo, 世界"`},
		{name: "long integer fits", in: strings.Repeat("9", 300), want: strings.Repeat("9", 300)},
		{name: "number out of range", in: `{"a":1e400}`, err: "number 1e400 out of range"},
		{name: "long integer out of range", in: strings.Repeat("9", 400), err: "out of range"},
		{name: "tiny number", in: `1e-400`, want: `1e-400`},
		{name: "too deep", in: strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), err: ErrTooDeep.Error()},
		{name: "deepest allowed", in: strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), want: strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)},
		{name: "trailing data", in: `{} {}`, err: "unexpected data after top-level value"},
		{name: "control character", in: "\"a\nb\"", err: "invalid control character"},
		{name: "bad escape", in: `"\x"`, err: "invalid escape"},
		{name: "truncated", in: `{"a":`, err: "unexpected end of input"},
		{name: "empty", in: ``, err: "unexpected end of input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("x")
			got, err := AppendCanonical(prefix, []byte(tc.in))
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				var se *SyntaxError
				require.True(t, errors.As(err, &se))
				require.Equal(t, "x", string(got))
				return
			}
			require.NoError(t, err)
			require.Equal(t, "x"+tc.want, string(got))
		})
	}
}

// TestAppendCanonicalHostile checks that hostile documents cost one pass: 100,000 levels of nesting are refused at
// once, and a document whose repeated keys sit far apart is not rewritten once per key.
func TestAppendCanonicalHostile(t *testing.T) {
	var far strings.Builder
	far.WriteString("{")
	for i := range 50000 {
		fmt.Fprintf(&far, `"k%d":1,`, i)
	}
	far.WriteString(`"big":"` + strings.Repeat("y", 1<<20) + `"`)
	for i := range 50000 {
		fmt.Fprintf(&far, `,"k%d":2`, i)
	}
	far.WriteString("}")
	for _, in := range []string{
		strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000),
		strings.Repeat(`[`, 100000) + strings.Repeat("]", 100000),
		far.String(),
	} {
		start := time.Now()
		_, _ = AppendCanonical(nil, []byte(in))
		require.Less(t, time.Since(start), 2*time.Second)
	}
}

// FuzzAppendCanonical checks AppendCanonical against encoding/json: it accepts exactly what encoding/json decodes
// into an any, and its result is compact, valid UTF-8, has no repeated key, and decodes to the same value.
func FuzzAppendCanonical(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x",null,true]}`, `{"a":1,"a":2}`, `{"a":1,"\u0061":{"b":1,"b":2}}`,
		"\"\xff\"", `1e400`, `[{"k":1,"j":2,"k":3}]`, ` { } `, `-0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := AppendCanonical(nil, data)
		var ref any
		refErr := json.Unmarshal(data, &ref)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("AppendCanonical err=%v, encoding/json err=%v for %q", err, refErr, data)
		}
		if err != nil {
			return
		}
		if !utf8.Valid(got) {
			t.Fatalf("result is not valid UTF-8: %q", got)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, got); err != nil || !bytes.Equal(compact.Bytes(), got) {
			t.Fatalf("result is not compact JSON: %q (%v)", got, err)
		}
		var back any
		if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, ref) {
			t.Fatalf("result decodes to %v (%v), the input to %v", back, err, ref)
		}
		if hasRepeatedKey(t, got) {
			t.Fatalf("result has a repeated key: %q", got)
		}
		again, err := AppendCanonical(nil, got)
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("not idempotent: %q then %q (%v)", got, again, err)
		}
	})
}

// hasRepeatedKey reports whether an object anywhere in the valid JSON data repeats a key.
func hasRepeatedKey(t *testing.T, data []byte) bool {
	d := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object  bool
		keys    map[string]bool
		wantKey bool
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.object {
					top.wantKey = true
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, wantKey: true})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if top != nil && top.object && top.wantKey {
				if top.keys[v] {
					return true
				}
				top.keys[v] = true
				top.wantKey = false
				continue
			}
		}
		if top != nil && top.object {
			top.wantKey = true
		}
	}
}
