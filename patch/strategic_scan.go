package patch

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// Validation of the original document, in one pass that records the extent of every object and array (the tape),
// so that strategic_lazy.go can decode any level of the document without reading the levels below it.

// lazyDoc is a validated document and the extent of each of its containers.
type lazyDoc struct {
	data []byte
	// tape has an entry per object or array, in document order: where it ends and how many containers it holds.
	tape []container
	// directives is 1 when the document contains the text "$patch" anywhere, 2 when it does not, 0 until known.
	directives uint8
}

// mayHoldDirectives reports whether a member named "$patch" can occur in the document.
func (d *lazyDoc) mayHoldDirectives() bool {
	if d.directives == 0 {
		d.directives = 2
		if bytes.Contains(d.data, []byte(`"$patch"`)) {
			d.directives = 1
		}
	}
	return d.directives == 1
}

type container struct {
	end   int32 // offset of the closing bracket
	inner int32 // number of containers nested inside, at any depth
}

// maxDocumentSize bounds the documents the 32-bit offsets of the tape can address.
const maxDocumentSize = 1<<31 - 1

var errInvalidDocument = errors.New("invalid JSON document")

// parseLazy validates data as one JSON object and returns its top level expanded.
func parseLazy(data []byte) (map[string]any, error) {
	if len(data) > maxDocumentSize {
		return nil, &InvalidPatchError{Err: fmt.Errorf("%w: larger than %d bytes", errInvalidDocument, maxDocumentSize)}
	}
	d := &lazyDoc{data: data, tape: make([]container, 0, 64)}
	start := skipSpace(data, 0)
	end, ok := d.scanValue(start, 0)
	if !ok || skipSpace(data, end) != len(data) || data[start] != '{' {
		return nil, &InvalidPatchError{Err: errInvalidDocument}
	}
	return d.object(&rawValue{doc: d, start: int32(start), end: int32(end), ord: 0})
}

// scanValue validates the value at data[i] (recording containers in the tape) and returns the offset after it.
func (d *lazyDoc) scanValue(i, depth int) (int, bool) {
	data := d.data
	if i >= len(data) {
		return i, false
	}
	switch c := data[i]; {
	case c == '{' || c == '[':
		if depth >= jsontree.MaxDepth {
			return i, false
		}
		ord := len(d.tape)
		d.tape = append(d.tape, container{})
		var end int
		var ok bool
		if c == '{' {
			end, ok = d.scanObject(i+1, depth+1)
		} else {
			end, ok = d.scanArray(i+1, depth+1)
		}
		if !ok {
			return end, false
		}
		d.tape[ord] = container{end: int32(end - 1), inner: int32(len(d.tape) - ord - 1)}
		return end, true
	case c == '"':
		return scanString(data, i+1, true)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(data, i)
	case c == 't':
		return scanLiteral(data, i, "true")
	case c == 'f':
		return scanLiteral(data, i, "false")
	case c == 'n':
		return scanLiteral(data, i, "null")
	default:
		return i, false
	}
}

func (d *lazyDoc) scanObject(i, depth int) (int, bool) {
	data := d.data
	i = skipSpace(data, i)
	if i < len(data) && data[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, false
		}
		var ok bool
		if i, ok = scanString(data, i+1, true); !ok {
			return i, false
		}
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != ':' {
			return i, false
		}
		if i, ok = d.scanValue(skipSpace(data, i+1), depth); !ok {
			return i, false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return i, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, true
		default:
			return i, false
		}
	}
}

func (d *lazyDoc) scanArray(i, depth int) (int, bool) {
	data := d.data
	i = skipSpace(data, i)
	if i < len(data) && data[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = d.scanValue(i, depth); !ok {
			return i, false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return i, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return i + 1, true
		default:
			return i, false
		}
	}
}

// scanString returns the offset after the string whose opening quote precedes data[i]. With validate it checks
// escapes and control characters as encoding/json does (it does not check UTF-8).
func scanString(data []byte, i int, validate bool) (int, bool) {
	for i < len(data) {
		c := data[i]
		if !stringSpecial[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 >= len(data) {
				return i, false
			}
			if !validate {
				i += 2
				continue
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) {
					return i, false
				}
				for _, h := range data[i+2 : i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return i, false
					}
				}
				i += 6
			default:
				return i, false
			}
		case c < 0x20 && validate:
			return i, false
		default:
			i++
		}
	}
	return i, false
}

// stringSpecial marks the bytes a string scan must look at: the quote, the backslash and control characters.
var stringSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func scanNumber(data []byte, i int) (int, bool) {
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		return i, false
	}
	if i < len(data) && data[i] == '.' {
		i++
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == start {
			return i, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == start {
			return i, false
		}
	}
	return i, true
}

func scanLiteral(data []byte, i int, lit string) (int, bool) {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
