package kubepb

import (
	"bytes"
	"encoding/binary"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kubemem/kubemem/types"
)

// MediaType is the media type of Kubernetes protobuf; a watch stream is MediaType + ";stream=watch".
const MediaType = "application/vnd.kubernetes.protobuf"

// Magic starts every Kubernetes protobuf object, before its runtime.Unknown envelope.
const Magic = "k8s\x00"

// IsObject reports whether data starts with Magic.
func IsObject(data []byte) bool { return bytes.HasPrefix(data, []byte(Magic)) }

// Envelope is the runtime.Unknown message that wraps a Kubernetes protobuf object: {typeMeta = 1 {apiVersion = 1,
// kind = 2}, raw = 2, contentEncoding = 3, contentType = 4}. Raw is the object's own message.
type Envelope struct {
	APIVersion, Kind string
	Raw              []byte
	ContentEncoding  string
	ContentType      string
}

// ParseEnvelope parses a protobuf object: Magic and its envelope. Raw aliases data.
func ParseEnvelope(data []byte) (Envelope, error) {
	var e Envelope
	if !IsObject(data) {
		return e, malformed("the data does not start with the Kubernetes protobuf prefix")
	}
	occs, err := parseMessage(data[len(Magic):])
	if err != nil {
		return e, err
	}
	for _, o := range occs {
		if o.typ != protowire.BytesType {
			return e, malformed("envelope field %d: wire type %d", o.num, o.typ)
		}
		switch o.num {
		case 1:
			tm, err := parseMessage(o.raw)
			if err != nil {
				return e, err
			}
			for _, t := range tm {
				if t.typ != protowire.BytesType {
					return e, malformed("typeMeta field %d: wire type %d", t.num, t.typ)
				}
				switch t.num {
				case 1:
					e.APIVersion = string(t.raw)
				case 2:
					e.Kind = string(t.raw)
				}
			}
		case 2:
			e.Raw = o.raw
		case 3:
			e.ContentEncoding = string(o.raw)
		case 4:
			e.ContentType = string(o.raw)
		}
	}
	return e, nil
}

// appendEnvelopeHead appends Magic and the envelope's typeMeta, and opens its raw field.
func appendEnvelopeHead(b []byte, apiVersion, kind string) ([]byte, int) {
	b = append(b, Magic...)
	b, start := beginMessage(b, 1)
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, apiVersion)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, kind)
	b = endMessage(b, start)
	return beginMessage(b, 2)
}

// appendEnvelopeTail closes the raw field and appends the empty contentEncoding and contentType.
func appendEnvelopeTail(b []byte, start int) []byte {
	b = endMessage(b, start)
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendString(b, "")
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendString(b, "")
}

// metaKinds are the meta.k8s.io kinds every group version serves, whatever the apiVersion of their envelope.
var metaKinds = map[string]bool{
	"Status": true, "WatchEvent": true, "DeleteOptions": true, "CreateOptions": true, "UpdateOptions": true,
	"PatchOptions": true, "GetOptions": true, "ListOptions": true, "PartialObjectMetadata": true,
	"PartialObjectMetadataList": true, "List": true,
}

// SchemaFor returns the schema of the messages of a kind: a built-in kind or list kind, or a meta.k8s.io kind
// (Status, DeleteOptions, PartialObjectMetadata, ...) in any group version. Custom resources have none.
func SchemaFor(apiVersion, kind string) (*types.Schema, bool) {
	if gv, ok := types.ParseGroupVersion(apiVersion); ok {
		if s, ok := types.SchemaFor(gv.WithKind(kind)); ok {
			return s, true
		}
	}
	if metaKinds[kind] {
		return types.SchemaForType("metav1." + kind)
	}
	return nil, false
}

// DecodeObject decodes a protobuf object (Magic, envelope, message) to its JSON form, with apiVersion and kind
// from the envelope.
func DecodeObject(data []byte) (apiVersion, kind string, doc []byte, err error) {
	e, err := ParseEnvelope(data)
	if err != nil {
		return "", "", nil, err
	}
	if e.ContentEncoding != "" {
		return "", "", nil, malformed("unsupported content encoding %q", e.ContentEncoding)
	}
	if e.ContentType != "" && !strings.HasPrefix(e.ContentType, MediaType) {
		return "", "", nil, malformed("unsupported content type %q", e.ContentType)
	}
	s, ok := SchemaFor(e.APIVersion, e.Kind)
	if !ok {
		return "", "", nil, &UnknownKindError{APIVersion: e.APIVersion, Kind: e.Kind}
	}
	doc, err = appendStruct(make([]byte, 0, 2*len(e.Raw)+64), s, e.Raw, e.APIVersion, e.Kind)
	if err != nil {
		return "", "", nil, err
	}
	return e.APIVersion, e.Kind, doc, nil
}

// UnknownKindError is returned for a protobuf object of a kind without a schema.
type UnknownKindError struct{ APIVersion, Kind string }

func (e *UnknownKindError) Error() string {
	return "no protobuf schema for kind " + e.Kind + " in version " + e.APIVersion
}

// AppendObject appends the protobuf object (Magic, envelope, message) of doc, the JSON of an object of the given
// kind.
func AppendObject(b []byte, apiVersion, kind string, doc []byte) ([]byte, error) {
	s, ok := SchemaFor(apiVersion, kind)
	if !ok {
		return nil, &UnknownKindError{APIVersion: apiVersion, Kind: kind}
	}
	b, start := appendEnvelopeHead(b, apiVersion, kind)
	b, err := AppendMessage(b, s, doc)
	if err != nil {
		return nil, err
	}
	return appendEnvelopeTail(b, start), nil
}

// AppendList appends the protobuf object of a list: its listMeta (the JSON of a metav1.ListMeta) and the items,
// each the JSON of an object of the list's item kind, which item(i) appends to the scratch buffer it is given.
func AppendList(b []byte, apiVersion, listKind string, listMeta []byte, n int, item func(i int, scratch []byte) []byte) ([]byte, error) {
	s, ok := SchemaFor(apiVersion, listKind)
	if !ok {
		return nil, &UnknownKindError{APIVersion: apiVersion, Kind: listKind}
	}
	metaField, ok1 := s.Field("metadata")
	itemsField, ok2 := s.Field("items")
	if !ok1 || !ok2 || len(metaField.Protobuf) != 1 || len(itemsField.Protobuf) != 1 || !isList(itemsField.Type) {
		return nil, &UnknownKindError{APIVersion: apiVersion, Kind: listKind}
	}
	b, start := appendEnvelopeHead(b, apiVersion, listKind)
	b, err := appendProtoSingle(b, protowire.Number(metaField.Protobuf[0]), "metadata", metaField.Type, listMeta)
	if err != nil {
		return nil, err
	}
	var scratch []byte
	for i := range n {
		scratch = item(i, scratch[:0])
		if b, err = appendProtoSingle(b, protowire.Number(itemsField.Protobuf[0]), "items", itemsField.Type.Elem(), scratch); err != nil {
			return nil, err
		}
	}
	return appendEnvelopeTail(b, start), nil
}

// AppendWatchEvent appends one frame of a protobuf watch stream: a four-byte big-endian length, then the
// metav1.WatchEvent message {type = 1, object = 2 {raw = 1}} whose raw object is a protobuf object (AppendObject).
func AppendWatchEvent(b []byte, eventType string, object []byte) []byte {
	at := len(b)
	b = append(b, 0, 0, 0, 0)
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, eventType)
	b, start := beginMessage(b, 2)
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, object)
	b = endMessage(b, start)
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// ParseWatchEvent parses the message of one watch frame (without its length): the event type and the raw object.
func ParseWatchEvent(msg []byte) (eventType string, object []byte, err error) {
	occs, err := parseMessage(msg)
	if err != nil {
		return "", nil, err
	}
	for _, o := range occs {
		if o.typ != protowire.BytesType {
			return "", nil, malformed("watch event field %d: wire type %d", o.num, o.typ)
		}
		switch o.num {
		case 1:
			eventType = string(o.raw)
		case 2:
			raw, err := parseMessage(o.raw)
			if err != nil {
				return "", nil, err
			}
			for _, r := range raw {
				if r.num == 1 && r.typ == protowire.BytesType {
					object = r.raw
				}
			}
		}
	}
	return eventType, object, nil
}
