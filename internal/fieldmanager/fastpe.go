package fieldmanager

import (
	"strconv"
	"strings"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/value"

	"github.com/kubemem/kubemem/types"
)

// The path elements of list items and the equality of values as the fast path of Update (fastupdate.go) needs
// them: SMD's listItemToPathElement, SerializePathElement and value.EqualsUsing on decoded JSON, without wrapping
// values in SMD's value.Value where a value is plain.

// listItemPE returns the serialized path element of the element e of an associative list with keys (k:{...}) or
// without (a set, v:...), as SMD's listItemToPathElement and SerializePathElement make it, and false where SMD would
// fail or where equality of path elements might not be equality of their serialization (floating-point numbers).
// keys must be sorted as sortedKeys sorts them. With view, e is a struct seen through the typed view (see
// fastCompare.value).
func listItemPE(elem *types.Schema, keys []string, e any, view bool) (string, bool) {
	if len(keys) == 0 {
		if !plainScalar(e) {
			return "", false
		}
		var b strings.Builder
		b.WriteString("v:")
		if appendPlainJSON(&b, e) {
			return b.String(), true
		}
		pv := value.NewValueInterface(e)
		return serializePE(fieldpath.PathElement{Value: &pv})
	}
	em, ok := e.(map[string]any)
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.Grow(32)
	fast := true
	n := 0
	for _, k := range keys {
		v, present := keyMember(elem, em, k, view)
		if !present {
			d, ok := keyDefault(elem, k)
			if !ok {
				return "", false
			}
			if d == nil {
				continue
			}
			v = d
		}
		if !plainScalar(v) {
			return "", false
		}
		if fast && plainString(k) {
			if n == 0 {
				b.WriteString(`k:{`)
			} else {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(k)
			b.WriteString(`":`)
			fast = appendPlainJSON(&b, v)
		} else {
			fast = false
		}
		n++
	}
	if n == 0 {
		return "", false
	}
	if fast {
		b.WriteByte('}')
		return b.String(), true
	}
	return serializeKey(elem, keys, em, view)
}

// keyMember returns the member k of the list element em of schema elem, and whether em has it; with view, as the
// typed view of em has it (see fieldShallow).
func keyMember(elem *types.Schema, em map[string]any, k string, view bool) (any, bool) {
	v, present := em[k]
	if !view {
		return v, present
	}
	f, ok := elem.Field(k)
	if !ok {
		return nil, false // the view has no undeclared fields
	}
	return fieldShallow(f, v, present)
}

// serializeKey serializes the key of the element em with SMD's serializer, where listItemPE cannot write it itself;
// listItemPE has checked that the key is valid. view is listItemPE's.
func serializeKey(elem *types.Schema, keys []string, em map[string]any, view bool) (string, bool) {
	var fl value.FieldList
	for _, k := range keys {
		v, present := keyMember(elem, em, k, view)
		if !present {
			v, _ = keyDefault(elem, k)
			if v == nil {
				continue
			}
		}
		fl = append(fl, value.Field{Name: k, Value: value.NewValueInterface(v)})
	}
	fl.Sort()
	return serializePE(fieldpath.PathElement{Key: &fl})
}

// sortedKeys returns keys sorted as value.FieldList.Sort sorts the fields of a key; most lists have one key.
func sortedKeys(keys []string) []string {
	if len(keys) < 2 {
		return keys
	}
	fl := make(value.FieldList, len(keys))
	for i, k := range keys {
		fl[i].Name = k
	}
	fl.Sort()
	out := make([]string, len(keys))
	for i := range fl {
		out[i] = fl[i].Name
	}
	return out
}

// keyDefault returns the default SMD gives the key field k of the struct elem when an element omits it (see
// fieldDefault), and false where SMD would report an error.
func keyDefault(elem *types.Schema, k string) (any, bool) {
	switch elem.Kind() {
	case types.KindObject:
		f, ok := elem.Field(k)
		if !ok {
			return nil, true
		}
		return fieldDefault(elem, f), true
	case types.KindMap:
		return nil, true
	}
	return nil, false
}

// plainScalar reports whether v is a string, an int64 or a bool: the values whose path elements compare equal
// exactly when they serialize equal.
func plainScalar(v any) bool {
	switch v.(type) {
	case string, int64, bool:
		return true
	}
	return false
}

// plainString reports whether s is written as JSON without escapes by every encoder: printable ASCII without '"',
// '\\' and the characters HTML-safe encoders escape.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendPlainJSON writes the plain scalar v as JSON, and reports false when v is a string that is not plain.
func appendPlainJSON(b *strings.Builder, v any) bool {
	switch x := v.(type) {
	case string:
		if !plainString(x) {
			return false
		}
		b.WriteByte('"')
		b.WriteString(x)
		b.WriteByte('"')
	case int64:
		var buf [20]byte
		b.Write(strconv.AppendInt(buf[:0], x, 10))
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	}
	return true
}

// serializePE serializes pe with SMD's serializer.
func serializePE(pe fieldpath.PathElement) (string, bool) {
	s, err := fieldpath.SerializePathElement(pe)
	return s, err == nil
}

// jsonEqual is SMD's value.EqualsUsing on decoded JSON: numbers compare as float64 when either is a float, and
// null equals only null. It returns false as its second result for a value that is not decoded JSON.
func jsonEqual(a, b any) (bool, bool) {
	switch x := a.(type) {
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y, true
		case int64:
			return x == float64(y), true
		}
		return false, isJSON(b)
	case int64:
		switch y := b.(type) {
		case float64:
			return float64(x) == y, true
		case int64:
			return x == y, true
		}
		return false, isJSON(b)
	case string:
		y, ok := b.(string)
		return ok && x == y, isJSON(b)
	case bool:
		y, ok := b.(bool)
		return ok && x == y, isJSON(b)
	case nil:
		return b == nil, isJSON(b)
	case []any:
		y, ok := b.([]any)
		if !ok {
			return false, isJSON(b)
		}
		if len(x) != len(y) {
			return false, true
		}
		for i := range x {
			if eq, ok := jsonEqual(x[i], y[i]); !eq || !ok {
				return false, ok
			}
		}
		return true, true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false, isJSON(b)
		}
		if len(x) != len(y) {
			return false, true
		}
		for k, xv := range x {
			yv, found := y[k]
			if !found {
				return false, true
			}
			if eq, ok := jsonEqual(xv, yv); !eq || !ok {
				return false, ok
			}
		}
		return true, true
	}
	return false, false
}

// isJSON reports whether v is a value of decoded JSON at its top level.
func isJSON(v any) bool {
	switch v.(type) {
	case nil, string, int64, float64, bool, []any, map[string]any:
		return true
	}
	return false
}

// plainPE reports whether the serialized list element k is in the form listItemPE writes itself — k:{"a":v,...}
// with plain names in increasing order, or v:v, each v a plain string, an integer of at most 2^53 in magnitude or
// a boolean as appendPlainJSON writes it — which SMD reads back and serializes to the same string.
func plainPE(k string) bool {
	if rest, ok := strings.CutPrefix(k, "v:"); ok {
		n, ok := plainJSONPrefix(rest)
		return ok && n == len(rest)
	}
	rest, ok := strings.CutPrefix(k, "k:{")
	if !ok || !strings.HasSuffix(rest, "}") {
		return false
	}
	rest = rest[:len(rest)-1]
	prev := ""
	for i := 0; rest != ""; i++ {
		if i > 0 {
			if rest[0] != ',' {
				return false
			}
			rest = rest[1:]
		}
		n, ok := plainJSONPrefix(rest)
		if !ok || n < 2 || rest[0] != '"' || n >= len(rest) || rest[n] != ':' {
			return false
		}
		name := rest[1 : n-1]
		if i > 0 && name <= prev {
			return false
		}
		prev = name
		rest = rest[n+1:]
		if n, ok = plainJSONPrefix(rest); !ok {
			return false
		}
		rest = rest[n:]
	}
	return prev != ""
}

// plainJSONPrefix returns the length of the plain JSON scalar s starts with (see plainPE), and false when it does
// not start with one.
func plainJSONPrefix(s string) (int, bool) {
	switch {
	case strings.HasPrefix(s, "true"):
		return 4, true
	case strings.HasPrefix(s, "false"):
		return 5, true
	case strings.HasPrefix(s, `"`):
		end := strings.IndexByte(s[1:], '"')
		if end < 0 || !plainString(s[1:1+end]) {
			return 0, false
		}
		return end + 2, true
	}
	n := 0
	for n < len(s) && (s[n] == '-' || ('0' <= s[n] && s[n] <= '9')) {
		n++
	}
	v, err := strconv.ParseInt(s[:n], 10, 64)
	if n == 0 || err != nil || strconv.FormatInt(v, 10) != s[:n] || v > maxExactInt || v < -maxExactInt {
		return 0, false
	}
	return n, true
}

// maxExactInt is the largest integer SMD's JSON reader reads back exactly: it reads numbers as float64.
const maxExactInt = 1 << 53
