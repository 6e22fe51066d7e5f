package kubepb

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// AppendJSON appends the JSON form of msg, a protobuf message of the type s describes, as encoding/json would
// write the Go value the message unmarshals into.
func AppendJSON(b []byte, s *types.Schema, msg []byte) ([]byte, error) {
	return appendStruct(b, s, msg, "", "")
}

// appendStruct appends the JSON object of a message of struct type s. apiVersion and kind, when set, fill the
// TypeMeta fields, which a top-level object carries in the envelope rather than in its message.
func appendStruct(b []byte, s *types.Schema, msg []byte, apiVersion, kind string) ([]byte, error) {
	if sp, ok := specials[s.Name()]; ok {
		return sp.toJSON(b, msg)
	}
	occs, err := parseMessage(msg)
	if err != nil {
		return nil, err
	}
	var groups map[protowire.Number][]occurrence // parsed embedded messages, by field number
	b = append(b, '{')
	first := true
	fields := s.FieldsNoCopy()
	var typeMeta [1]occurrence
	for i := range fields {
		f := &fields[i]
		var vals []occurrence
		switch {
		case len(f.Protobuf) == 0:
			v := ""
			switch f.Name {
			case "apiVersion":
				v = apiVersion
			case "kind":
				v = kind
			}
			if v != "" {
				typeMeta[0] = occurrence{typ: protowire.BytesType, raw: []byte(v)}
				vals = typeMeta[:]
			}
		case len(f.Protobuf) == 1:
			vals = fieldOccurrences(occs, protowire.Number(f.Protobuf[0]))
		default:
			if groups == nil {
				groups = map[protowire.Number][]occurrence{}
			}
			vals, err = selectEmbedded(occs, f.Protobuf, groups)
			if err != nil {
				return nil, err
			}
		}
		mark := len(b)
		if !first {
			b = append(b, ',')
		}
		b = jsontree.AppendString(b, f.Name)
		b = append(b, ':')
		var emitted bool
		b, emitted, err = appendField(b, f, vals)
		if err != nil {
			return nil, err
		}
		if !emitted {
			b = b[:mark]
			continue
		}
		first = false
	}
	return append(b, '}'), nil
}

// selectEmbedded returns the occurrences of a field inside embedded messages (path has two or more numbers).
// Parsed embedded messages of the outermost level are kept in groups.
func selectEmbedded(occs []occurrence, path []int32, groups map[protowire.Number][]occurrence) ([]occurrence, error) {
	top := protowire.Number(path[0])
	inner, ok := groups[top]
	if !ok {
		var err error
		if inner, err = embeddedFields(occs, top); err != nil {
			return nil, err
		}
		groups[top] = inner
	}
	for _, n := range path[1 : len(path)-1] {
		var err error
		if inner, err = embeddedFields(inner, protowire.Number(n)); err != nil {
			return nil, err
		}
	}
	return fieldOccurrences(inner, protowire.Number(path[len(path)-1])), nil
}

// embeddedFields parses the occurrences of the embedded message field num and returns their fields, sorted by
// number (the occurrences of a message merge: their fields together).
func embeddedFields(occs []occurrence, num protowire.Number) ([]occurrence, error) {
	var inner []occurrence
	for _, o := range fieldOccurrences(occs, num) {
		if o.typ != protowire.BytesType {
			return nil, malformed("field %d: wire type %d for an embedded message", num, o.typ)
		}
		sub, err := parseMessage(o.raw)
		if err != nil {
			return nil, err
		}
		inner = append(inner, sub...)
	}
	if !slices.IsSortedFunc(inner, compareNum) { // several embedded messages were concatenated
		slices.SortStableFunc(inner, compareNum)
	}
	return inner, nil
}

// appendField appends the value of field f from its occurrences, or reports that encoding/json would leave the
// field out (omitempty on an empty value, omitzero on a zero one).
func appendField(b []byte, f *types.Field, vals []occurrence) ([]byte, bool, error) {
	t := f.Type
	switch {
	case len(vals) == 0 && f.Pointer:
		if f.OmitEmpty {
			return b, false, nil
		}
		return append(b, "null"...), true, nil
	case isList(t), t.Kind() == types.KindMap, isBytes(t):
		// omitempty leaves out no elements, no entries, no bytes; appendValue writes the rest (null when absent)
		if f.OmitEmpty && (len(vals) == 0 || isList(t) && emptyPacked(t.Elem(), vals) ||
			isBytes(t) && len(vals[len(vals)-1].raw) == 0) {
			return b, false, nil
		}
	case t.Name() != "":
		vals = wholeOccurrences(t, vals)
		if f.OmitZero && !f.Pointer {
			if isZeroMessage(vals) {
				return b, false, nil
			}
			// A message that still holds the zero value (a time at the zero instant) is left out too: its JSON
			// is null.
			mark := len(b)
			b, err := appendValue(b, t, vals)
			if err != nil {
				return nil, false, err
			}
			if string(b[mark:]) == "null" {
				return b[:mark], false, nil
			}
			return b, true, nil
		}
	default: // scalars
		if f.OmitEmpty && !f.Pointer && isZeroScalar(vals) {
			return b, false, nil
		}
	}
	b, err := appendValue(b, t, vals)
	return b, err == nil, err
}

// wholeOccurrences returns the occurrences of a message field of type t that make its value: all of them (they
// merge), or only the last for the types whose Unmarshal replaces the value (special.replace).
func wholeOccurrences(t *types.Schema, vals []occurrence) []occurrence {
	if sp, ok := specials[t.Name()]; ok && sp.replace && len(vals) > 1 {
		return vals[len(vals)-1:]
	}
	return vals
}

// emptyPacked reports whether the occurrences of a list of packable scalars are all empty packed runs: no elements.
func emptyPacked(elem *types.Schema, vals []occurrence) bool {
	if !packable(elem) {
		return false
	}
	for _, v := range vals {
		if v.typ != protowire.BytesType || len(v.raw) > 0 {
			return false
		}
	}
	return true
}

func packable(elem *types.Schema) bool {
	return elem.Kind() == types.KindInteger || elem.Kind() == types.KindBoolean || elem.Kind() == types.KindNumber
}

func isList(t *types.Schema) bool { return t.Kind() == types.KindList && !isBytes(t) }

func isBytes(t *types.Schema) bool { return t.Format() == "byte" && t.GoKind() == "slice" }

func isZeroMessage(vals []occurrence) bool {
	for _, v := range vals {
		if len(v.raw) > 0 {
			return false
		}
	}
	return true
}

func isZeroScalar(vals []occurrence) bool {
	if len(vals) == 0 {
		return true
	}
	last := vals[len(vals)-1]
	return last.v == 0 && len(last.raw) == 0
}

// listElements returns the occurrences of a repeated field's elements, unpacking packed scalars.
func listElements(elem *types.Schema, vals []occurrence) ([]occurrence, error) {
	if !packable(elem) {
		return vals, nil
	}
	var out []occurrence
	for _, v := range vals {
		if v.typ != protowire.BytesType {
			out = append(out, v)
			continue
		}
		data := v.raw
		for len(data) > 0 {
			o := occurrence{num: v.num}
			var n int
			switch elem.GoKind() {
			case "float64":
				o.typ = protowire.Fixed64Type
				o.v, n = protowire.ConsumeFixed64(data)
			case "float32":
				o.typ = protowire.Fixed32Type
				var x uint32
				x, n = protowire.ConsumeFixed32(data)
				o.v = uint64(x)
			default:
				o.typ = protowire.VarintType
				o.v, n = protowire.ConsumeVarint(data)
			}
			if n < 0 {
				return nil, malformed("packed field %d: %v", v.num, protowire.ParseError(n))
			}
			data = data[n:]
			out = append(out, o)
		}
	}
	return out, nil
}

// appendMap appends a map from its entries (messages with the key as field 1 and the value as field 2), sorted by
// key as encoding/json sorts them; of repeated keys the last wins.
func appendMap(b []byte, elem *types.Schema, vals []occurrence) ([]byte, error) {
	type entry struct {
		key string
		val []occurrence
	}
	entries := make([]entry, 0, len(vals))
	for _, v := range vals {
		if v.typ != protowire.BytesType {
			return nil, malformed("map field %d: wire type %d", v.num, v.typ)
		}
		occs, err := parseMessage(v.raw)
		if err != nil {
			return nil, err
		}
		e := entry{}
		for _, o := range occs {
			switch o.num {
			case 1:
				if o.typ != protowire.BytesType {
					return nil, malformed("map field %d: key of wire type %d", v.num, o.typ)
				}
				e.key = string(o.raw)
			case 2:
				// Each value replaces the one before, a message value too (the generated code unmarshals
				// every occurrence into a new value): the last wins whole.
				e.val = append(e.val[:0], o)
			}
		}
		if isBytes(elem) && len(e.val) == 0 {
			e.val = []occurrence{{typ: protowire.BytesType, raw: []byte{}}} // a present value is never nil
		}
		entries = append(entries, e)
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	b = append(b, '{')
	for i, e := range entries {
		if i+1 < len(entries) && entries[i+1].key == e.key {
			continue // the last of equal keys wins
		}
		if len(b) > 0 && b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		b = jsontree.AppendString(b, e.key)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, elem, e.val); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendValue appends one value of type t from its occurrences (none: the zero value; several: the last scalar,
// or the merge of the messages).
func appendValue(b []byte, t *types.Schema, vals []occurrence) ([]byte, error) {
	switch {
	case isList(t):
		elems, err := listElements(t.Elem(), vals)
		if err != nil {
			return nil, err
		}
		if len(elems) == 0 {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range elems {
			if i > 0 {
				b = append(b, ',')
			}
			one := [1]occurrence{e}
			if b, err = appendValue(b, t.Elem(), one[:]); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case t.Kind() == types.KindMap:
		if len(vals) == 0 {
			return append(b, "null"...), nil
		}
		return appendMap(b, t.Elem(), vals)
	case isBytes(t):
		if len(vals) == 0 {
			return append(b, "null"...), nil
		}
		last := vals[len(vals)-1]
		if last.typ != protowire.BytesType {
			return nil, malformed("field %d: wire type %d for bytes", last.num, last.typ)
		}
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, last.raw)
		return append(b, '"'), nil
	case t.Name() != "":
		vals = wholeOccurrences(t, vals)
		var msg []byte
		switch len(vals) {
		case 0:
		case 1:
			msg = vals[0].raw
		default: // a repeated singular message field is the merge of its occurrences: their concatenation
			for _, v := range vals {
				msg = append(msg, v.raw...)
			}
		}
		for _, v := range vals {
			if v.typ != protowire.BytesType {
				return nil, malformed("field %d: wire type %d for a message", v.num, v.typ)
			}
		}
		return appendStruct(b, t, msg, "", "")
	}
	var last occurrence
	if len(vals) > 0 {
		last = vals[len(vals)-1]
	}
	present := len(vals) > 0
	switch t.GoKind() {
	case "string":
		if present && last.typ != protowire.BytesType {
			return nil, malformed("field %d: wire type %d for a string", last.num, last.typ)
		}
		return jsontree.AppendString(b, string(last.raw)), nil
	case "bool":
		if present && last.typ != protowire.VarintType {
			return nil, malformed("field %d: wire type %d for a bool", last.num, last.typ)
		}
		return strconv.AppendBool(b, last.v != 0), nil
	case "int32", "int16", "int8":
		if present && last.typ != protowire.VarintType {
			return nil, malformed("field %d: wire type %d for an integer", last.num, last.typ)
		}
		return strconv.AppendInt(b, int64(int32(last.v)), 10), nil
	case "int64", "int":
		if present && last.typ != protowire.VarintType {
			return nil, malformed("field %d: wire type %d for an integer", last.num, last.typ)
		}
		return strconv.AppendInt(b, int64(last.v), 10), nil
	case "uint32", "uint64", "uint", "uint16", "uint8":
		if present && last.typ != protowire.VarintType {
			return nil, malformed("field %d: wire type %d for an integer", last.num, last.typ)
		}
		return strconv.AppendUint(b, last.v, 10), nil
	case "float64":
		if present && last.typ != protowire.Fixed64Type {
			return nil, malformed("field %d: wire type %d for a double", last.num, last.typ)
		}
		return jsontree.Append(b, math.Float64frombits(last.v))
	case "float32":
		if present && last.typ != protowire.Fixed32Type {
			return nil, malformed("field %d: wire type %d for a float", last.num, last.typ)
		}
		return jsontree.Append(b, float64(math.Float32frombits(uint32(last.v))))
	}
	return append(b, "null"...), nil // untyped values have no protobuf form
}
