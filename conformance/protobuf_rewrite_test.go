package conformance

import (
	"math/rand"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kubemem/kubemem/types"
)

// This file rewrites k8s' protobuf messages into other encodings of the same data that k8s' generated Unmarshal
// accepts, as protobuf writers other than k8s' own (other languages, hand-written clients) may send them: fields out
// of number order, packed repeated scalars, singular messages split into several occurrences (which merge), earlier
// occurrences of a singular field that a later one overrides, map entries with the value before the key and with
// keys repeated, unknown fields of every wire type. What k8s decodes from the result is the reference kubepb must
// agree with.

// pbSpecialTypes are the types with hand-written (or differently shaped) protobuf messages, by schema name, each
// with a decoy: a message of the type that a later occurrence replaces or merges with.
var pbSpecialTypes = map[string][]byte{
	"metav1.Time":                                  pbMsg(pbVarint(1, 777), pbVarint(2, 5000)),
	"metav1.MicroTime":                             pbMsg(pbVarint(1, 777), pbVarint(2, 5000)),
	"metav1.Duration":                              pbMsg(pbVarint(1, 5)),
	"resource.Quantity":                            pbMsg(pbString(1, "42")),
	"intstr.IntOrString":                           pbMsg(pbVarint(1, 1), pbVarint(2, 9), pbString(3, "decoy")),
	"runtime.RawExtension":                         pbMsg(pbString(1, `{"decoy":true}`)),
	"metav1.FieldsV1":                              pbMsg(pbString(1, `{"f:decoy":{}}`)),
	"apiextensionsv1.JSON":                         pbMsg(pbString(1, `"decoy"`)),
	"apiextensionsv1.JSONSchemaPropsOrArray":       pbMsg(pbBytes(1, pbMsg(pbString(5, "decoy")))),
	"apiextensionsv1.JSONSchemaPropsOrBool":        pbMsg(pbVarint(1, 0)),
	"apiextensionsv1.JSONSchemaPropsOrStringArray": pbMsg(pbBytes(1, pbMsg(pbString(5, "decoy")))),
}

func pbMsg(fields ...[]byte) []byte { return slices.Concat(fields...) }

func pbVarint(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func pbBytes(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
}

func pbString(num protowire.Number, v string) []byte { return pbBytes(num, []byte(v)) }

// pbRewriter rewrites messages; its random source picks where to apply each change.
type pbRewriter struct {
	r *rand.Rand
}

type pbOcc struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	raw []byte
}

func pbParse(msg []byte) ([]pbOcc, bool) {
	var out []pbOcc
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return nil, false
		}
		msg = msg[n:]
		o := pbOcc{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			o.v, n = protowire.ConsumeVarint(msg)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(msg)
			o.v = uint64(v)
		case protowire.Fixed64Type:
			o.v, n = protowire.ConsumeFixed64(msg)
		case protowire.BytesType:
			o.raw, n = protowire.ConsumeBytes(msg)
		default:
			return nil, false
		}
		if n < 0 {
			return nil, false
		}
		msg = msg[n:]
		out = append(out, o)
	}
	return out, true
}

func pbAppendOcc(b []byte, o pbOcc) []byte {
	b = protowire.AppendTag(b, o.num, o.typ)
	switch o.typ {
	case protowire.VarintType:
		return protowire.AppendVarint(b, o.v)
	case protowire.Fixed32Type:
		return protowire.AppendFixed32(b, uint32(o.v))
	case protowire.Fixed64Type:
		return protowire.AppendFixed64(b, o.v)
	}
	return protowire.AppendBytes(b, o.raw)
}

// pbFieldAt finds the field of s a field number names at an embedding prefix: the field itself (direct), or the
// first field inside the embedded struct the number opens (embedded).
func pbFieldAt(s *types.Schema, prefix []int32, num protowire.Number) (f *types.Field, embedded bool) {
	path := append(slices.Clip(prefix), int32(num))
	for _, field := range s.Fields() {
		switch {
		case slices.Equal(field.Protobuf, path):
			return &field, false
		case len(field.Protobuf) > len(path) && slices.Equal(field.Protobuf[:len(path)], path):
			f, embedded = &field, true
		}
	}
	return f, embedded
}

func pbIsBytes(t *types.Schema) bool { return t.Format() == "byte" && t.GoKind() == "slice" }

func pbIsMessage(t *types.Schema) bool { return t.Name() != "" }

func pbPackable(t *types.Schema) bool {
	switch t.Kind() {
	case types.KindInteger, types.KindBoolean, types.KindNumber:
		return true
	}
	return false
}

// message rewrites a message of struct type s (at the embedding prefix of s' flattened fields).
func (w *pbRewriter) message(msg []byte, s *types.Schema, prefix []int32) []byte {
	if _, ok := pbSpecialTypes[s.Name()]; ok && len(prefix) == 0 {
		return msg // the special types' own messages are kept; decoys go before them (singular)
	}
	occs, ok := pbParse(msg)
	if !ok {
		return msg
	}
	var out []pbOcc
	for i := 0; i < len(occs); i++ {
		o := occs[i]
		f, embedded := pbFieldAt(s, prefix, o.num)
		switch {
		case f == nil:
			out = append(out, o)
		case embedded:
			// An embedded struct: rewrite it, and split it in two occurrences, which merge.
			o.raw = w.message(o.raw, s, append(slices.Clip(prefix), int32(o.num)))
			out = append(out, w.split(o)...)
		case pbIsBytes(f.Type):
			out = append(out, o)
		case f.Type.Kind() == types.KindList:
			elem := f.Type.Elem()
			switch {
			case pbPackable(elem) && o.typ != protowire.BytesType:
				// Pack this and the following elements into one occurrence: their values without tags.
				var packed []byte
				j := i
				for ; j < len(occs) && occs[j].num == o.num && occs[j].typ == o.typ; j++ {
					packed = append(packed, pbAppendOcc(nil, occs[j])[protowire.SizeTag(o.num):]...)
				}
				out = append(out, pbOcc{num: o.num, typ: protowire.BytesType, raw: packed})
				i = j - 1
			case pbIsMessage(elem):
				o.raw = w.message(o.raw, elem, nil)
				out = append(out, o)
			default:
				out = append(out, o)
			}
		case f.Type.Kind() == types.KindMap:
			out = append(out, w.mapEntry(o, f.Type.Elem())...)
		case pbIsMessage(f.Type):
			if decoy, ok := pbSpecialTypes[f.Type.Name()]; ok {
				out = append(out, pbOcc{num: o.num, typ: protowire.BytesType, raw: decoy}, o)
				continue
			}
			o.raw = w.message(o.raw, f.Type, nil)
			out = append(out, w.split(o)...)
		default: // a singular scalar: an earlier occurrence with another value, which the real one overrides
			decoy := o
			if o.typ == protowire.BytesType {
				decoy.raw = []byte("decoy")
			} else {
				decoy.v = o.v + 1
			}
			out = append(out, decoy, o)
		}
	}
	// Unknown fields of each wire type, a group included.
	unknown := []pbOcc{
		{num: 9001, typ: protowire.VarintType, v: 7},
		{num: 9002, typ: protowire.Fixed32Type, v: 7},
		{num: 9003, typ: protowire.Fixed64Type, v: 7},
		{num: 9004, typ: protowire.BytesType, raw: []byte("unknown")},
	}
	at := w.r.Intn(len(out) + 1)
	out = slices.Insert(out, at, unknown[w.r.Intn(len(unknown))])
	// Distinct field numbers in reverse order, the occurrences of each number in their order.
	slices.SortStableFunc(out, func(a, b pbOcc) int { return int(b.num) - int(a.num) })
	var b []byte
	for _, o := range out {
		b = pbAppendOcc(b, o)
	}
	if w.r.Intn(2) == 0 {
		b = protowire.AppendTag(b, 9005, protowire.StartGroupType)
		b = protowire.AppendVarint(protowire.AppendTag(b, 1, protowire.VarintType), 1)
		b = protowire.AppendTag(b, 9005, protowire.EndGroupType)
	}
	return b
}

// split writes a message field as two occurrences, each with part of its fields, which a reader merges.
func (w *pbRewriter) split(o pbOcc) []pbOcc {
	inner, ok := pbParse(o.raw)
	if !ok || len(inner) < 2 {
		return []pbOcc{o}
	}
	cut := 1 + w.r.Intn(len(inner)-1)
	var first, second []byte
	for i, in := range inner {
		if i < cut {
			first = pbAppendOcc(first, in)
		} else {
			second = pbAppendOcc(second, in)
		}
	}
	return []pbOcc{{num: o.num, typ: o.typ, raw: first}, {num: o.num, typ: o.typ, raw: second}}
}

// mapEntry rewrites a map entry {key = 1, value = 2}: the value first, sometimes after an earlier value in the
// same entry, and sometimes after an earlier entry with the same key; the real value overrides both.
func (w *pbRewriter) mapEntry(o pbOcc, elem *types.Schema) []pbOcc {
	inner, ok := pbParse(o.raw)
	if !ok {
		return []pbOcc{o}
	}
	var key, value []pbOcc
	for _, in := range inner {
		if in.num == 2 && in.typ == protowire.BytesType && pbIsMessage(elem) {
			if _, special := pbSpecialTypes[elem.Name()]; !special {
				in.raw = w.message(in.raw, elem, nil)
			}
		}
		if in.num == 1 {
			key = append(key, in)
		} else {
			value = append(value, in)
		}
	}
	if len(value) == 1 && w.r.Intn(2) == 0 {
		// The value twice: each occurrence is a new value, the last wins whole (for messages too: no merge).
		decoy := value[0]
		switch {
		case decoy.typ != protowire.BytesType:
			decoy.v++
		case pbSpecialTypes[elem.Name()] != nil:
			decoy.raw = pbSpecialTypes[elem.Name()]
		case pbIsMessage(elem):
			// The value itself: merged, its lists would come twice.
		default:
			decoy.raw = []byte("decoy")
		}
		value = []pbOcc{decoy, value[0]}
	}
	var entry []byte
	for _, in := range append(value, key...) {
		entry = pbAppendOcc(entry, in)
	}
	out := []pbOcc{{num: o.num, typ: protowire.BytesType, raw: entry}}
	if w.r.Intn(2) == 0 {
		var decoy []byte
		for _, in := range key {
			decoy = pbAppendOcc(decoy, in)
		}
		out = slices.Insert(out, 0, pbOcc{num: o.num, typ: protowire.BytesType, raw: decoy})
	}
	return out
}
