package kubepb

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// ErrUnrepresentable is wrapped by the errors of JSON values that do not fit the schema (a string where an integer
// belongs, a fraction in an integer field, malformed JSON), which therefore have no protobuf form.
var ErrUnrepresentable = errors.New("JSON value has no protobuf form")

func unrepresentable(name string, t *types.Schema, value []byte) error {
	const max = 64
	if len(value) > max {
		value = append(value[:max:max], "..."...)
	}
	if t == nil {
		return fmt.Errorf("%w: %s: %s", ErrUnrepresentable, name, value)
	}
	return fmt.Errorf("%w: %s: %s for %s", ErrUnrepresentable, name, value, t)
}

// AppendMessage appends the protobuf message of doc, a JSON object of the type s describes (the message's bytes,
// without a tag or length). Members the schema does not know, members without a protobuf form (apiVersion, kind)
// and null members are left out. Fields are written in field-number order.
func AppendMessage(b []byte, s *types.Schema, doc []byte) ([]byte, error) {
	if sp, ok := specials[s.Name()]; ok {
		return sp.toProto(b, doc)
	}
	var arr [24]member
	members := arr[:0]
	var keyErr error
	ok := jsontree.Members(doc, func(rawKey, value []byte) bool {
		if string(value) == "null" {
			return true
		}
		var f *types.Field
		var ok bool
		if inner := rawKey[1 : len(rawKey)-1]; bytes.IndexByte(inner, '\\') < 0 {
			f, ok = s.FieldBytes(inner)
		} else if name, kok := jsontree.UnquoteKey(rawKey); kok {
			f, ok = s.Field(name)
		} else {
			keyErr = unrepresentable("key", s, rawKey)
			return false
		}
		if !ok || len(f.Protobuf) == 0 {
			return true
		}
		members = append(members, member{f, value})
		return true
	})
	if !ok {
		return nil, unrepresentable("object", s, doc)
	}
	if keyErr != nil {
		return nil, keyErr
	}
	slices.SortStableFunc(members, func(a, b member) int { return slices.Compare(a.f.Protobuf, b.f.Protobuf) })
	return emitMembers(b, members, 0)
}

// member is a JSON member of an object and the schema field it fills.
type member struct {
	f     *types.Field
	value []byte
}

// emitMembers appends members sorted by protobuf path, nesting those of embedded structs (paths longer than
// depth+1) in one message per embedded struct.
func emitMembers(b []byte, ms []member, depth int) ([]byte, error) {
	for i := 0; i < len(ms); {
		m := ms[i]
		num := protowire.Number(m.f.Protobuf[depth])
		if len(m.f.Protobuf) == depth+1 {
			var err error
			if b, err = appendProtoField(b, num, m.f.Name, m.f.Type, m.value); err != nil {
				return nil, err
			}
			i++
			continue
		}
		j := i + 1
		for j < len(ms) && len(ms[j].f.Protobuf) > depth+1 && ms[j].f.Protobuf[depth] == m.f.Protobuf[depth] {
			j++
		}
		var start int
		var err error
		b, start = beginMessage(b, num)
		if b, err = emitMembers(b, ms[i:j], depth+1); err != nil {
			return nil, err
		}
		b = endMessage(b, start)
		i = j
	}
	return b, nil
}

// appendProtoField appends field num with the JSON value of type t: every element of a list, every entry of a map, or
// the one value.
func appendProtoField(b []byte, num protowire.Number, name string, t *types.Schema, value []byte) ([]byte, error) {
	var err error
	switch {
	case isList(t):
		ok := jsontree.Elements(value, func(elem []byte) bool {
			b, err = appendProtoSingle(b, num, name, t.Elem(), elem)
			return err == nil
		})
		if !ok {
			return nil, unrepresentable(name, t, value)
		}
		return b, err
	case t.Kind() == types.KindMap:
		ok := jsontree.Members(value, func(rawKey, elem []byte) bool {
			key, kok := jsontree.UnquoteKey(rawKey)
			if !kok {
				err = unrepresentable(name, t, rawKey)
				return false
			}
			var start int
			b, start = beginMessage(b, num)
			b = protowire.AppendTag(b, 1, protowire.BytesType)
			b = protowire.AppendString(b, key)
			if string(elem) != "null" {
				if b, err = appendProtoSingle(b, 2, name, t.Elem(), elem); err != nil {
					return false
				}
			}
			b = endMessage(b, start)
			return true
		})
		if !ok {
			return nil, unrepresentable(name, t, value)
		}
		return b, err
	}
	return appendProtoSingle(b, num, name, t, value)
}

// appendProtoSingle appends field num with one JSON value of a scalar or struct type t. null is the zero value.
func appendProtoSingle(b []byte, num protowire.Number, name string, t *types.Schema, value []byte) ([]byte, error) {
	null := string(value) == "null"
	switch {
	case isBytes(t):
		b = protowire.AppendTag(b, num, protowire.BytesType)
		if null {
			return protowire.AppendBytes(b, nil), nil
		}
		s, ok := unquote(value)
		if !ok {
			return nil, unrepresentable(name, t, value)
		}
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, unrepresentable(name, t, value)
		}
		return protowire.AppendBytes(b, raw), nil
	case t.Name() != "":
		b, start := beginMessage(b, num)
		if !null {
			var err error
			if b, err = AppendMessage(b, t, value); err != nil {
				return nil, err
			}
		}
		return endMessage(b, start), nil
	}
	switch t.GoKind() {
	case "string":
		b = protowire.AppendTag(b, num, protowire.BytesType)
		if null {
			return protowire.AppendString(b, ""), nil
		}
		if len(value) >= 2 && value[0] == '"' && bytes.IndexByte(value[1:len(value)-1], '\\') < 0 {
			return protowire.AppendBytes(b, value[1:len(value)-1]), nil // no escapes: the text as it is
		}
		s, ok := unquote(value)
		if !ok {
			return nil, unrepresentable(name, t, value)
		}
		return protowire.AppendString(b, s), nil
	case "bool":
		v := uint64(0)
		switch string(value) {
		case "true":
			v = 1
		case "false", "null":
		default:
			return nil, unrepresentable(name, t, value)
		}
		b = protowire.AppendTag(b, num, protowire.VarintType)
		return protowire.AppendVarint(b, v), nil
	case "int32", "int64", "int", "int16", "int8", "uint32", "uint64", "uint", "uint16", "uint8":
		var v int64
		if !null {
			var ok bool
			if v, ok = parseInt(value); !ok {
				return nil, unrepresentable(name, t, value)
			}
		}
		if t.GoKind() == "int32" && (v < math.MinInt32 || v > math.MaxInt32) {
			return nil, unrepresentable(name, t, value)
		}
		b = protowire.AppendTag(b, num, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(v)), nil
	case "float64", "float32":
		var f float64
		if !null {
			var err error
			if f, err = strconv.ParseFloat(string(value), 64); err != nil {
				return nil, unrepresentable(name, t, value)
			}
		}
		if t.GoKind() == "float32" {
			b = protowire.AppendTag(b, num, protowire.Fixed32Type)
			return protowire.AppendFixed32(b, math.Float32bits(float32(f))), nil
		}
		b = protowire.AppendTag(b, num, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(f)), nil
	}
	return b, nil // untyped values have no protobuf form
}

// parseInt parses a JSON number that must be an integer (written as one, or as a float with an integral value).
func parseInt(value []byte) (int64, bool) {
	if v, err := strconv.ParseInt(string(value), 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(string(value), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// unquote returns the text of a JSON string value.
func unquote(value []byte) (string, bool) {
	if len(value) < 2 || value[0] != '"' {
		return "", false
	}
	return jsontree.UnquoteKey(value)
}
