package jsontree

import "bytes"

// The scanning functions below work on JSON text that is already known to be valid (for example the canonical
// encoding kept by a stored object); on invalid input they return false or stop early, never panic.

// SkipValue returns the offset just past the JSON value that starts at data[i] (after optional whitespace), or -1
// when the value is malformed or truncated.
func SkipValue(data []byte, i int) int {
	i = skipWS(data, i)
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				if i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	default:
		for i < len(data) {
			switch data[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

func skipWS(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset past the string starting at data[i] == '"', or -1.
func skipString(data []byte, i int) int {
	start := i + 1
	for i = start; i < len(data); {
		q := bytes.IndexByte(data[i:], '"')
		if q < 0 {
			return -1
		}
		q += i
		// The quote ends the string unless an odd number of backslashes precedes it.
		n := 0
		for k := q - 1; k >= start && data[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
	return -1
}

// Members calls fn for each member of the JSON object data, in document order, with the raw key (still quoted and
// escaped) and the raw value. It stops early when fn returns false, and reports false when data is not an object.
func Members(data []byte, fn func(rawKey, value []byte) bool) bool {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		return true
	}
	return members(data, i, fn)
}

// MembersAfter is Members for the members of an object that follow offset i of data, where a member ends: data[i:]
// is, after optional whitespace, the comma before the next member or the object's closing brace. data[:i] is not
// read. It reports false when data[i:] is not the rest of an object.
func MembersAfter(data []byte, i int, fn func(rawKey, value []byte) bool) bool {
	i = skipWS(data, i)
	if i < len(data) && data[i] == '}' {
		return true
	}
	if i >= len(data) || data[i] != ',' {
		return false
	}
	return members(data, skipWS(data, i+1), fn)
}

// members is Members from offset i, the start of a member's key.
func members(data []byte, i int, fn func(rawKey, value []byte) bool) bool {
	for i < len(data) {
		if data[i] != '"' {
			return false
		}
		kEnd := skipString(data, i)
		if kEnd < 0 {
			return false
		}
		key := data[i:kEnd]
		i = skipWS(data, kEnd)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		vStart := skipWS(data, i+1)
		vEnd := SkipValue(data, vStart)
		if vEnd < 0 {
			return false
		}
		if !fn(key, data[vStart:vEnd]) {
			return true
		}
		i = skipWS(data, vEnd)
		if i >= len(data) {
			return false
		}
		if data[i] == '}' {
			return true
		}
		if data[i] != ',' {
			return false
		}
		i = skipWS(data, i+1)
	}
	return false
}

// Elements calls fn for each element of the JSON array data, in order, with the raw value. It stops early when fn
// returns false, and reports false when data is not an array.
func Elements(data []byte, fn func(value []byte) bool) bool {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '[' {
		return false
	}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == ']' {
		return true
	}
	for i < len(data) {
		end := SkipValue(data, i)
		if end < 0 {
			return false
		}
		if !fn(data[i:end]) {
			return true
		}
		i = skipWS(data, end)
		if i >= len(data) {
			return false
		}
		if data[i] == ']' {
			return true
		}
		if data[i] != ',' {
			return false
		}
		i = skipWS(data, i+1)
	}
	return false
}

// UnquoteKey returns the text of a raw, quoted JSON string (a key as Members reports it), decoding escapes.
func UnquoteKey(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	v, err := Decode(raw)
	s, ok := v.(string)
	return s, err == nil && ok
}

// KeyEquals reports whether the raw, quoted JSON key equals name. Keys with escapes are decoded before comparing.
func KeyEquals(rawKey []byte, name string) bool {
	if len(rawKey) < 2 {
		return false
	}
	inner := rawKey[1 : len(rawKey)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner) == name
	}
	v, err := Decode(rawKey)
	s, ok := v.(string)
	return err == nil && ok && s == name
}

// Lookup returns the raw value at path inside the JSON object data, following object members only. The last
// occurrence of a repeated key wins, as in Decode.
func Lookup(data []byte, path ...string) ([]byte, bool) {
	return lookup(data, false, path)
}

// LookupUnique is Lookup for a document whose objects have no repeated keys (a canonical one, AppendCanonical): it
// stops at the first member of each name instead of reading every member for the last. It only reads data and is
// safe for concurrent use.
func LookupUnique(data []byte, path ...string) ([]byte, bool) {
	return lookup(data, true, path)
}

// lookup is Lookup, or LookupUnique when first: it takes the first member of each name instead of the last.
func lookup(data []byte, first bool, path []string) ([]byte, bool) {
	cur := data
	for _, name := range path {
		var found []byte
		ok := Members(cur, func(k, v []byte) bool {
			if KeyEquals(k, name) {
				found = v
				return !first
			}
			return true
		})
		if (!ok && !first) || found == nil {
			return nil, false
		}
		cur = found
	}
	return cur, true
}

// LookupString returns the string at path inside data. It reports false when the path is absent or the value is
// not a string.
func LookupString(data []byte, path ...string) (string, bool) {
	raw, ok := Lookup(data, path...)
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	v, err := Decode(raw)
	if err != nil {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}
