package kubepb

import (
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrMalformed is wrapped by every error about protobuf input that cannot be parsed.
var ErrMalformed = errors.New("malformed protobuf")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// occurrence is one field of a parsed message: its number, wire type, and value (v for varint and fixed types,
// raw for length-delimited ones).
type occurrence struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	raw []byte
}

// parseMessage splits a message into its fields, sorted by field number; the occurrences of one field keep their
// wire order (the last of a scalar wins, list elements stay in order). Generated Kubernetes code writes fields in
// number order, so the sort rarely moves anything.
func parseMessage(data []byte) ([]occurrence, error) {
	out := make([]occurrence, 0, 8)
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil, malformed("bad field tag: %v", protowire.ParseError(n))
		}
		data = data[n:]
		o := occurrence{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			o.v, n = protowire.ConsumeVarint(data)
		case protowire.Fixed64Type:
			o.v, n = protowire.ConsumeFixed64(data)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(data)
			o.v = uint64(v)
		case protowire.BytesType:
			o.raw, n = protowire.ConsumeBytes(data)
		default:
			n = protowire.ConsumeFieldValue(num, typ, data)
		}
		if n < 0 {
			return nil, malformed("field %d: %v", num, protowire.ParseError(n))
		}
		data = data[n:]
		out = append(out, o)
	}
	if !slices.IsSortedFunc(out, compareNum) {
		slices.SortStableFunc(out, compareNum)
	}
	return out, nil
}

func compareNum(a, b occurrence) int { return int(a.num) - int(b.num) }

// fieldOccurrences returns the occurrences of field num in a parsed message (a sub-slice, no copy).
func fieldOccurrences(occs []occurrence, num protowire.Number) []occurrence {
	i, found := slices.BinarySearchFunc(occs, num, func(o occurrence, n protowire.Number) int { return int(o.num) - int(n) })
	if !found {
		return nil
	}
	j := i + 1
	for j < len(occs) && occs[j].num == num {
		j++
	}
	return occs[i:j:j]
}

// beginMessage starts a length-delimited field whose length is not known yet; endMessage writes the length once
// the content is appended. A one-byte length is reserved and the content moved when it turns out longer.
func beginMessage(b []byte, num protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return append(b, 0), len(b)
}

func endMessage(b []byte, start int) []byte {
	n := len(b) - start - 1
	if n < 0x80 {
		b[start] = byte(n)
		return b
	}
	k := protowire.SizeVarint(uint64(n))
	b = append(b, make([]byte, k-1)...)
	copy(b[start+k:], b[start+1:start+1+n])
	protowire.AppendVarint(b[start:start], uint64(n))
	return b
}
