package jsontree

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendCanonical appends the canonical form of the JSON value src (surrounding whitespace allowed) to dst: the
// text with no insignificant whitespace, in which
//
//   - an object holds each key once: when a key repeats, its last member wins, as when encoding/json decodes the
//     object, and the earlier ones are dropped (keys compare by their decoded text: "a" and "\u0061" are one key);
//   - invalid UTF-8 in strings and keys is replaced by U+FFFD, as encoding/json and Decode do;
//   - every number fits a float64.
//
// So any two readers of the result, whether they take the first or the last of repeated keys and whether they
// check UTF-8, see the same document, and Decode accepts it. Everything else (member order, escapes, number
// spelling) is kept as written. The error is a *SyntaxError (offsets in src) for malformed JSON, nesting deeper
// than MaxDepth (wrapping ErrTooDeep) and numbers out of range; dst is then returned unchanged.
//
// The cost is one pass over src; only a document with repeated keys pays for one more pass over what was written.
func AppendCanonical(dst, src []byte) ([]byte, error) {
	var members [8]member
	c := canonicalizer{src: src, out: dst, members: members[:0]}
	c.skipSpace()
	if err := c.value(0); err != nil {
		return dst, err
	}
	c.skipSpace()
	if c.pos != len(src) {
		return dst, c.errorf("unexpected data after top-level value")
	}
	if len(c.holes) > 0 {
		c.removeHoles()
	}
	return c.out, nil
}

// canonicalizer writes the canonical form of src to out.
type canonicalizer struct {
	src []byte
	pos int
	out []byte
	// members are the members written so far of the objects being written, innermost last: one entry per key.
	members []member
	// holes are the spans of out that a later member with the same key overrides, removed at the end.
	holes []span
}

// member is a written object member: where its key and the member (key, value and the comma after it) are in out.
type member struct {
	key  span
	all  span // all.end is set when the next member starts (the comma is then written)
	bkey bool // whether the key holds an escape (compares by its decoded text)
}

// span is [start, end) in out.
type span struct{ start, end int }

// keyIndexAt is the number of members from which an object looks repeated keys up in a map rather than by
// comparing with each earlier key.
const keyIndexAt = 16

func (c *canonicalizer) errorf(format string, args ...any) error {
	d := decoder{data: c.src, pos: c.pos}
	return d.errorf(format, args...)
}

func (c *canonicalizer) skipSpace() { c.pos = skipWS(c.src, c.pos) }

func (c *canonicalizer) value(depth int) error {
	if c.pos >= len(c.src) {
		return c.errorf("unexpected end of input")
	}
	switch ch := c.src[c.pos]; {
	case ch == '{':
		if depth >= MaxDepth {
			return &SyntaxError{Offset: c.pos, Msg: ErrTooDeep.Error()}
		}
		return c.object(depth + 1)
	case ch == '[':
		if depth >= MaxDepth {
			return &SyntaxError{Offset: c.pos, Msg: ErrTooDeep.Error()}
		}
		return c.array(depth + 1)
	case ch == '"':
		_, err := c.string()
		return err
	case ch == '-' || (ch >= '0' && ch <= '9'):
		return c.number()
	case ch == 't':
		return c.literal("true")
	case ch == 'f':
		return c.literal("false")
	case ch == 'n':
		return c.literal("null")
	default:
		return c.errorf("invalid character %q looking for beginning of value", ch)
	}
}

func (c *canonicalizer) literal(lit string) error {
	if len(c.src)-c.pos < len(lit) || string(c.src[c.pos:c.pos+len(lit)]) != lit {
		return c.errorf("invalid literal, expected %s", lit)
	}
	c.out = append(c.out, lit...)
	c.pos += len(lit)
	return nil
}

func (c *canonicalizer) array(depth int) error {
	c.out = append(c.out, '[')
	c.pos++
	c.skipSpace()
	if c.pos < len(c.src) && c.src[c.pos] == ']' {
		c.out = append(c.out, ']')
		c.pos++
		return nil
	}
	for {
		if err := c.value(depth); err != nil {
			return err
		}
		if done, err := c.separator(']', "array"); done || err != nil {
			return err
		}
	}
}

// separator copies what follows a value inside an array or object: a comma (then more), or the closing bracket,
// in which case it reports done.
func (c *canonicalizer) separator(closer byte, in string) (bool, error) {
	c.skipSpace()
	if c.pos >= len(c.src) {
		return false, c.errorf("unexpected end of input in %s", in)
	}
	switch c.src[c.pos] {
	case ',':
		c.out = append(c.out, ',')
		c.pos++
		c.skipSpace()
		return false, nil
	case closer:
		c.out = append(c.out, closer)
		c.pos++
		return true, nil
	default:
		return false, c.errorf("expected ',' or '%c' in %s", closer, in)
	}
}

func (c *canonicalizer) object(depth int) error {
	c.out = append(c.out, '{')
	c.pos++
	c.skipSpace()
	if c.pos < len(c.src) && c.src[c.pos] == '}' {
		c.out = append(c.out, '}')
		c.pos++
		return nil
	}
	first := len(c.members)  // this object's members are c.members[first:]
	var index map[string]int // decoded key -> index in c.members, once the object has keyIndexAt members
	last := -1               // the index in c.members of the member written last
	for {
		if c.pos >= len(c.src) || c.src[c.pos] != '"' {
			return c.errorf("expected string key in object")
		}
		start := len(c.out)
		if last >= 0 {
			c.members[last].all.end = start // the comma after it is written
		}
		escaped, err := c.string()
		if err != nil {
			return err
		}
		m := member{key: span{start, len(c.out)}, all: span{start: start}, bkey: escaped}
		c.skipSpace()
		if c.pos >= len(c.src) || c.src[c.pos] != ':' {
			return c.errorf("expected ':' after object key")
		}
		c.out = append(c.out, ':')
		c.pos++
		c.skipSpace()
		if err := c.value(depth); err != nil {
			return err
		}
		m.all.end = len(c.out)

		// A repeated key: the earlier member becomes a hole, and this one takes its entry.
		dup := -1
		if index != nil {
			k := c.decodedKey(m)
			if j, ok := index[k]; ok {
				dup = j
			} else {
				index[k] = len(c.members)
			}
		} else {
			for j := first; j < len(c.members); j++ {
				if c.sameKey(c.members[j], m) {
					dup = j
					break
				}
			}
		}
		if dup >= 0 {
			c.holes = append(c.holes, c.members[dup].all)
			c.members[dup] = m
			last = dup
		} else {
			c.members = append(c.members, m)
			last = len(c.members) - 1
			if index == nil && len(c.members)-first == keyIndexAt {
				index = make(map[string]int, 2*keyIndexAt)
				for j := first; j < len(c.members); j++ {
					index[c.decodedKey(c.members[j])] = j
				}
			}
		}

		done, err := c.separator('}', "object")
		if err != nil {
			return err
		}
		if done {
			c.members = c.members[:first]
			return nil
		}
	}
}

// sameKey reports whether two written keys decode to the same text.
func (c *canonicalizer) sameKey(a, b member) bool {
	ka, kb := c.out[a.key.start:a.key.end], c.out[b.key.start:b.key.end]
	if !a.bkey && !b.bkey {
		return bytes.Equal(ka, kb) // written keys are valid UTF-8, so equal text is equal bytes
	}
	return c.decodedKey(a) == c.decodedKey(b)
}

// decodedKey returns the text of a written key.
func (c *canonicalizer) decodedKey(m member) string {
	raw := c.out[m.key.start:m.key.end]
	if !m.bkey {
		return string(raw[1 : len(raw)-1])
	}
	d := decoder{data: raw}
	s, _ := d.string() // written keys are valid strings
	return s
}

// string copies the string at c.pos, replacing invalid UTF-8 with U+FFFD, and reports whether it holds an escape.
func (c *canonicalizer) string() (escaped bool, err error) {
	src := c.src
	i := c.pos + 1
	from := c.pos // src[from:i] is still to be copied
	for {
		if i >= len(src) {
			c.pos = i
			return false, c.errorf("unexpected end of input in string")
		}
		ch := src[i]
		switch {
		case ch == '"':
			c.out = append(c.out, src[from:i+1]...)
			c.pos = i + 1
			return escaped, nil
		case ch < 0x20:
			c.pos = i
			return false, c.errorf("invalid control character in string")
		case ch == '\\':
			if i+1 >= len(src) {
				c.pos = i
				return false, c.errorf("unexpected end of input in string escape")
			}
			escaped = true
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(src, i+2); !ok {
					c.pos = i
					return false, c.errorf("invalid \\u escape in string")
				}
				i += 6
			default:
				c.pos = i
				return false, c.errorf("invalid escape character %q in string", src[i+1])
			}
		case ch < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && size == 1 {
				c.out = append(c.out, src[from:i]...)
				c.out = utf8.AppendRune(c.out, utf8.RuneError)
				from = i + 1
			}
			i += size
		}
	}
}

// number copies the number at c.pos, which must fit a float64.
func (c *canonicalizer) number() error {
	src := c.src
	start := c.pos
	i := start
	if src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && src[i] >= '1' && src[i] <= '9':
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	default:
		c.pos = i
		return c.errorf("invalid number")
	}
	exact := true // an integer of at most 300 digits, which always fits
	if i < len(src) && src[i] == '.' {
		i++
		digits := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == digits {
			c.pos = i
			return c.errorf("invalid number: missing digits after decimal point")
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		exact = false
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		digits := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == digits {
			c.pos = i
			return c.errorf("invalid number: missing exponent digits")
		}
	}
	lit := src[start:i]
	if !exact || len(lit) > 300 {
		if f, err := strconv.ParseFloat(string(lit), 64); err != nil || math.IsInf(f, 0) {
			return c.errorf("number %s out of range", lit)
		}
	}
	c.out = append(c.out, lit...)
	c.pos = i
	return nil
}

// removeHoles cuts the holes out of c.out. Holes may nest: a member overridden by a later one can hold an object
// that had repeated keys itself.
func (c *canonicalizer) removeHoles() {
	slices.SortFunc(c.holes, func(a, b span) int { return a.start - b.start })
	w := c.holes[0].start
	r := w
	for _, h := range c.holes {
		if h.end <= r {
			continue // inside a hole already removed
		}
		if h.start > r {
			w += copy(c.out[w:], c.out[r:h.start])
		}
		r = h.end
	}
	w += copy(c.out[w:], c.out[r:])
	c.out = c.out[:w]
}
