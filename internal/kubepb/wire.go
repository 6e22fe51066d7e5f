package kubepb

import (
	"errors"
	"fmt"

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

// parseMessage splits a message into its fields, in wire order.
func parseMessage(data []byte) ([]occurrence, error) {
	var out []occurrence
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
	return out, nil
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
