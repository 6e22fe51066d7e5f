package kubepb

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// special is a type whose JSON and protobuf forms are both its own (its Go type implements json.Marshaler and a
// hand-written protobuf Marshal). toJSON receives the message's bytes, empty for an absent field; toProto a JSON
// value that is not null.
type special struct {
	toJSON  func(b, msg []byte) ([]byte, error)
	toProto func(b, doc []byte) ([]byte, error)
	// replace is set for types whose hand-written Unmarshal replaces the value at each occurrence of the field
	// (metav1.Time and MicroTime): the last occurrence wins whole, where the occurrences of a generated message
	// merge.
	replace bool
}

// specials are the types with their own encodings, by schema name.
var specials map[string]special

func init() {
	specials = map[string]special{
		// metav1.Time: a Timestamp {seconds = 1, nanos = 2}, empty for the zero time (JSON null); JSON is
		// RFC 3339 in UTC to the second.
		"metav1.Time": {
			toJSON:  func(b, msg []byte) ([]byte, error) { return timeToJSON(b, msg, false) },
			toProto: timeToProto,
			replace: true,
		},
		// metav1.MicroTime: the same Timestamp; JSON to the microsecond.
		"metav1.MicroTime": {
			toJSON:  func(b, msg []byte) ([]byte, error) { return timeToJSON(b, msg, true) },
			toProto: timeToProto,
			replace: true,
		},
		// metav1.Duration: {duration = 1} in nanoseconds; JSON is Go's duration string.
		"metav1.Duration": {
			toJSON: func(b, msg []byte) ([]byte, error) {
				occs, err := parseMessage(msg)
				if err != nil {
					return nil, err
				}
				d := lastField(occs, 1, protowire.VarintType).v
				return jsontree.AppendString(b, time.Duration(d).String()), nil
			},
			toProto: func(b, doc []byte) ([]byte, error) {
				s, ok := unquote(doc)
				d, err := time.ParseDuration(s)
				if !ok || err != nil {
					return nil, unrepresentable("duration", nil, doc)
				}
				b = protowire.AppendTag(b, 1, protowire.VarintType)
				return protowire.AppendVarint(b, uint64(d)), nil
			},
		},
		// resource.Quantity: {string = 1}; JSON is the string, "0" for the zero quantity.
		"resource.Quantity": {
			toJSON: func(b, msg []byte) ([]byte, error) {
				occs, err := parseMessage(msg)
				if err != nil {
					return nil, err
				}
				s := string(lastField(occs, 1, protowire.BytesType).raw)
				if s == "" {
					s = "0"
				}
				return jsontree.AppendString(b, s), nil
			},
			toProto: func(b, doc []byte) ([]byte, error) {
				s, ok := unquote(doc)
				if !ok {
					if _, err := strconv.ParseFloat(string(doc), 64); err != nil {
						return nil, unrepresentable("quantity", nil, doc)
					}
					s = string(doc) // a JSON number is a quantity too
				}
				b = protowire.AppendTag(b, 1, protowire.BytesType)
				return protowire.AppendString(b, s), nil
			},
		},
		// intstr.IntOrString: {type = 1 (0 int, 1 string), intVal = 2, strVal = 3}.
		"intstr.IntOrString": {
			toJSON: func(b, msg []byte) ([]byte, error) {
				occs, err := parseMessage(msg)
				if err != nil {
					return nil, err
				}
				if lastField(occs, 1, protowire.VarintType).v == 1 {
					return jsontree.AppendString(b, string(lastField(occs, 3, protowire.BytesType).raw)), nil
				}
				return strconv.AppendInt(b, int64(int32(lastField(occs, 2, protowire.VarintType).v)), 10), nil
			},
			toProto: func(b, doc []byte) ([]byte, error) {
				typ, intVal, strVal := uint64(0), int64(0), ""
				if s, ok := unquote(doc); ok {
					typ, strVal = 1, s
				} else if v, ok := parseInt(doc); ok {
					intVal = v
				} else {
					return nil, unrepresentable("int-or-string", nil, doc)
				}
				b = protowire.AppendTag(b, 1, protowire.VarintType)
				b = protowire.AppendVarint(b, typ)
				b = protowire.AppendTag(b, 2, protowire.VarintType)
				b = protowire.AppendVarint(b, uint64(intVal))
				b = protowire.AppendTag(b, 3, protowire.BytesType)
				return protowire.AppendString(b, strVal), nil
			},
		},
		// runtime.RawExtension: {raw = 1}, the raw JSON (or, inside watch events, a protobuf object); JSON is the
		// raw value itself, null when empty.
		"runtime.RawExtension": {toJSON: rawToJSON(true), toProto: rawToProto},
		// metav1.FieldsV1 and apiextensions' JSON: {raw = 1}, the raw JSON.
		"metav1.FieldsV1":      {toJSON: rawToJSON(false), toProto: rawToProto},
		"apiextensionsv1.JSON": {toJSON: rawToJSON(false), toProto: rawToProto},
		// JSONSchemaPropsOrArray: {schema = 1, jSONSchemas = 2 (repeated)}; JSON is the array when it has
		// elements, else the schema, else null.
		"apiextensionsv1.JSONSchemaPropsOrArray": {
			toJSON: func(b, msg []byte) ([]byte, error) {
				return schemaOrListToJSON(b, msg, propsSchema(), false)
			},
			toProto: func(b, doc []byte) ([]byte, error) {
				return schemaOrListToProto(b, doc, propsSchema(), false)
			},
		},
		// JSONSchemaPropsOrStringArray: {schema = 1, property = 2 (repeated string)}; JSON is the string array
		// when it has elements, else the schema, else null.
		"apiextensionsv1.JSONSchemaPropsOrStringArray": {
			toJSON: func(b, msg []byte) ([]byte, error) {
				return schemaOrListToJSON(b, msg, propsSchema(), true)
			},
			toProto: func(b, doc []byte) ([]byte, error) {
				return schemaOrListToProto(b, doc, propsSchema(), true)
			},
		},
		// JSONSchemaPropsOrBool: {allows = 1, schema = 2}; JSON is the schema when there is one, else the bool.
		"apiextensionsv1.JSONSchemaPropsOrBool": {
			toJSON: func(b, msg []byte) ([]byte, error) {
				occs, err := parseMessage(msg)
				if err != nil {
					return nil, err
				}
				var schema []byte
				hasSchema := false
				for _, o := range fieldOccurrences(occs, 2) {
					if o.typ == protowire.BytesType {
						schema, hasSchema = append(schema, o.raw...), true
					}
				}
				if hasSchema {
					return appendStruct(b, propsSchema(), schema, "", "")
				}
				return strconv.AppendBool(b, lastField(occs, 1, protowire.VarintType).v != 0), nil
			},
			toProto: func(b, doc []byte) ([]byte, error) {
				switch string(doc) {
				case "true", "false":
					b = protowire.AppendTag(b, 1, protowire.VarintType)
					return protowire.AppendVarint(b, protowire.EncodeBool(string(doc) == "true")), nil
				}
				b = protowire.AppendTag(b, 1, protowire.VarintType)
				b = protowire.AppendVarint(b, 1)
				b, start := beginMessage(b, 2)
				b, err := AppendMessage(b, propsSchema(), doc)
				if err != nil {
					return nil, err
				}
				return endMessage(b, start), nil
			},
		},
	}
}

// lastField returns the last occurrence of field num with wire type typ in a parsed message (the value a scalar
// field unmarshals to), or the zero occurrence. Occurrences of another wire type are ignored.
func lastField(occs []occurrence, num protowire.Number, typ protowire.Type) occurrence {
	found := fieldOccurrences(occs, num)
	for i := len(found) - 1; i >= 0; i-- {
		if found[i].typ == typ {
			return found[i]
		}
	}
	return occurrence{}
}

func propsSchema() *types.Schema {
	s, ok := types.SchemaForType("apiextensionsv1.JSONSchemaProps")
	if !ok {
		panic("kubepb: the embedded schema lacks apiextensionsv1.JSONSchemaProps")
	}
	return s
}

// timeToJSON decodes a Timestamp as metav1.Time (micro unset) or MicroTime (set) unmarshal it: Time ignores the
// nanoseconds, MicroTime truncates them (toward zero) to microseconds, and a time at the zero instant is null.
// Times outside the years 0 to 9999 are refused: their JSON (what metav1.Time's MarshalJSON writes) is not
// RFC 3339, and no JSON client, kube-apiserver's included, reads it back.
func timeToJSON(b, msg []byte, micro bool) ([]byte, error) {
	if len(msg) == 0 {
		return append(b, "null"...), nil
	}
	occs, err := parseMessage(msg)
	if err != nil {
		return nil, err
	}
	secs := int64(lastField(occs, 1, protowire.VarintType).v)
	nanos := int64(int32(lastField(occs, 2, protowire.VarintType).v))
	layout := time.RFC3339
	t := time.Unix(secs, 0)
	if micro {
		layout = "2006-01-02T15:04:05.000000Z07:00"
		t = time.Unix(secs, int64(time.Duration(nanos).Truncate(time.Microsecond)))
	}
	if t.IsZero() {
		return append(b, "null"...), nil
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, malformed("timestamp %d s: the year %d has no RFC 3339 form", secs, y)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, layout)
	return append(b, '"'), nil
}

func timeToProto(b, doc []byte) ([]byte, error) {
	s, ok := unquote(doc)
	if !ok {
		return nil, unrepresentable("time", nil, doc)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, unrepresentable("time", nil, doc)
	}
	if t.IsZero() {
		return b, nil
	}
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.Unix()))
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(int64(t.Nanosecond()))), nil
}

// rawToJSON decodes {raw = 1}: the JSON value compacted (encoding/json compacts what MarshalJSON returns), or null
// when empty. With objects set, raw bytes holding a protobuf object (watch events' objects) are decoded too.
func rawToJSON(objects bool) func(b, msg []byte) ([]byte, error) {
	return func(b, msg []byte) ([]byte, error) {
		occs, err := parseMessage(msg)
		if err != nil {
			return nil, err
		}
		raw := lastField(occs, 1, protowire.BytesType).raw
		if len(raw) == 0 {
			return append(b, "null"...), nil
		}
		if objects && IsObject(raw) {
			_, _, doc, err := DecodeObject(raw)
			if err != nil {
				return nil, err
			}
			return append(b, doc...), nil
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, malformed("raw JSON field: %v", err)
		}
		return append(b, buf.Bytes()...), nil
	}
}

func rawToProto(b, doc []byte) ([]byte, error) {
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	return protowire.AppendBytes(b, doc), nil
}

// schemaOrListToJSON decodes {schema = 1, list = 2 (repeated)}: the list when it has elements (schemas, or
// strings when strs is set), else the schema, else null.
func schemaOrListToJSON(b, msg []byte, props *types.Schema, strs bool) ([]byte, error) {
	occs, err := parseMessage(msg)
	if err != nil {
		return nil, err
	}
	var schema []byte
	hasSchema := false
	var list []occurrence
	for _, o := range occs {
		if o.typ != protowire.BytesType {
			continue
		}
		switch o.num {
		case 1:
			schema, hasSchema = append(schema, o.raw...), true
		case 2:
			list = append(list, o)
		}
	}
	switch {
	case len(list) > 0:
		b = append(b, '[')
		for i, o := range list {
			if i > 0 {
				b = append(b, ',')
			}
			if strs {
				b = jsontree.AppendString(b, string(o.raw))
			} else if b, err = appendStruct(b, props, o.raw, "", ""); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case hasSchema:
		return appendStruct(b, props, schema, "", "")
	}
	return append(b, "null"...), nil
}

func schemaOrListToProto(b, doc []byte, props *types.Schema, strs bool) ([]byte, error) {
	if len(doc) > 0 && doc[0] == '[' {
		var err error
		ok := jsontree.Elements(doc, func(elem []byte) bool {
			if strs {
				s, sok := unquote(elem)
				if !sok {
					err = unrepresentable("string array", nil, elem)
					return false
				}
				b = protowire.AppendTag(b, 2, protowire.BytesType)
				b = protowire.AppendString(b, s)
				return true
			}
			var start int
			b, start = beginMessage(b, 2)
			if b, err = AppendMessage(b, props, elem); err != nil {
				return false
			}
			b = endMessage(b, start)
			return true
		})
		if !ok {
			return nil, unrepresentable("array", nil, doc)
		}
		return b, err
	}
	b, start := beginMessage(b, 1)
	b, err := AppendMessage(b, props, doc)
	if err != nil {
		return nil, err
	}
	return endMessage(b, start), nil
}
