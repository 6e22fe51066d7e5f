package types

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// Object is an immutable Kubernetes object: its kind, apiVersion and metadata decoded, everything else kept as
// canonical (compact) JSON. It is what the store keeps, what watch events carry and what the Go API returns.
//
// Immutability is by construction: no method modifies an Object, accessors of maps and slices return copies (or are
// documented NoCopy), and edits make a new Object (WithMeta, WithResourceVersion, or a round trip through
// Unstructured). An Object may therefore be shared by any number of goroutines without copying.
//
// The canonical encoding is kept without metadata.resourceVersion, which is spliced in when the object is encoded,
// so that stamping a new revision on a stored object costs one small allocation whatever the object's size.
type Object struct {
	typeMeta TypeMeta
	meta     *ObjectMeta // never modified; its ResourceVersion is ignored in favour of rv
	rv       string
	raw      []byte // canonical JSON without the resourceVersion member
	rvAt     int32  // offset in raw where the resourceVersion member belongs
	rvAfter  bool   // whether a metadata member precedes rvAt (so the member needs a leading comma)
	metaAt   int32  // offset in raw of the metadata object
	bodyAt   int32  // offset in raw of the first body member (after metadata), or of the closing brace
}

// ErrNotObject is returned when a document that must be a JSON object is something else.
var ErrNotObject = errors.New("types: not a JSON object")

// ParseObject decodes a JSON object into an Object. The document must be JSON that encoding/json decodes (numbers
// fit a float64, nesting is at most 10,000 deep) whose top level is an object; kind and apiVersion must be strings and
// metadata an object with the field types of ObjectMeta. The object keeps the document's canonical form
// (jsontree.AppendCanonical): whitespace is removed, when a key repeats in any object the last occurrence wins, and
// invalid UTF-8 becomes U+FFFD, as when encoding/json decodes the document; so every reader of the object sees what
// clients see.
func ParseObject(data []byte) (*Object, error) {
	canon, err := jsontree.AppendCanonical(make([]byte, 0, len(data)), data)
	if err != nil {
		var v any
		if jerr := json.Unmarshal(data, &v); jerr != nil {
			return nil, jerr // encoding/json's description of the problem
		}
		return nil, err
	}
	var (
		tm       TypeMeta
		metaRaw  []byte
		body     [][2][]byte // raw key, raw value; keys are unique in a canonical document
		firstErr error
	)
	isObj := jsontree.Members(canon, func(k, v []byte) bool {
		switch {
		case jsontree.KeyEquals(k, "kind"):
			tm.Kind, firstErr = rawString(v, "kind")
		case jsontree.KeyEquals(k, "apiVersion"):
			tm.APIVersion, firstErr = rawString(v, "apiVersion")
		case jsontree.KeyEquals(k, "metadata"):
			metaRaw = v
		default:
			body = append(body, [2][]byte{k, v})
		}
		return firstErr == nil
	})
	if firstErr != nil {
		return nil, firstErr
	}
	if !isObj {
		return nil, ErrNotObject
	}
	meta := new(ObjectMeta)
	if metaRaw != nil && string(metaRaw) != "null" {
		if metaRaw[0] != '{' {
			return nil, fmt.Errorf("metadata: %w", ErrNotObject)
		}
		if err := json.Unmarshal(metaRaw, meta); err != nil {
			return nil, err
		}
	}
	rv := meta.ResourceVersion
	meta.ResourceVersion = ""
	o := &Object{typeMeta: tm, meta: meta, rv: rv}
	buf := make([]byte, 0, len(canon)+16)
	var spanBuf [16]int32
	buf, spans := o.appendHead(buf, spanBuf[:0])
	for _, m := range body {
		buf = append(buf, ',')
		buf = append(buf, m[0]...)
		buf = append(buf, ':')
		buf = append(buf, m[1]...)
	}
	o.raw = append(buf, '}')
	o.aliasManagedFields(spans, metaOwned)
	return o, nil
}

// metaOwnership says how much of the metadata newObject is given belongs to the new object, which points the
// fieldsV1 of its managedFields entries into its own encoding (aliasManagedFields).
type metaOwnership int

const (
	metaShared      metaOwnership = iota // the ObjectMeta and its slices may be shared: both are copied before editing
	metaStructOwned                      // the ObjectMeta is the object's; its slices may be shared
	metaOwned                            // the ObjectMeta and its slices are the object's
)

// aliasManagedFields points the fieldsV1 of o's managedFields entries into o's own encoding, where appendMeta wrote
// them at spans (a start and end offset per entry, -1 for an entry without fieldsV1), instead of holding copies,
// which would double the memory managedFields take (they are often the largest part of metadata).
func (o *Object) aliasManagedFields(spans []int32, own metaOwnership) {
	if len(spans) == 0 {
		return
	}
	if own < metaOwned {
		if own == metaShared {
			cp := *o.meta
			o.meta = &cp
		}
		o.meta.ManagedFields = slices.Clone(o.meta.ManagedFields)
	}
	for i := range o.meta.ManagedFields {
		start, end := spans[2*i], spans[2*i+1]
		if start < 0 {
			o.meta.ManagedFields[i].FieldsV1 = nil
			continue
		}
		o.meta.ManagedFields[i].FieldsV1 = o.raw[start:end:end]
	}
}

func rawString(v []byte, field string) (string, error) {
	if string(v) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("%s: expected a string: %w", field, err)
	}
	return s, nil
}

// newObject builds an Object from its parts, with body being the encoded body members each preceded by a comma.
// own says whether meta, and its slices, may be edited (its managedFields are pointed into the encoding).
func newObject(tm TypeMeta, meta *ObjectMeta, own metaOwnership, rv string, body []byte) *Object {
	o := &Object{typeMeta: tm, meta: meta, rv: rv}
	buf := make([]byte, 0, headSize(meta)+len(body)+1)
	var spanBuf [16]int32
	buf, spans := o.appendHead(buf, spanBuf[:0])
	buf = append(buf, body...)
	o.raw = append(buf, '}')
	o.aliasManagedFields(spans, own)
	return o
}

// headSize estimates the length of the encoded kind, apiVersion and metadata of an object with metadata m beyond
// what common metadata takes, so that the buffer an Object is encoded into is allocated once: objects live long,
// and a buffer that doubled while growing would waste up to half of it for as long as the object is kept. The large
// members are counted: annotations (kubectl's last-applied configuration) and managedFields.
func headSize(m *ObjectMeta) int {
	n := 256
	for k, v := range m.Annotations {
		n += len(k) + len(v) + len(v)/8 // values are often JSON, whose quotes are escaped
	}
	for _, e := range m.ManagedFields {
		n += len(e.FieldsV1) + 128
	}
	return n
}

// appendHead writes {"kind":..,"apiVersion":..,"metadata":{...}} without the closing brace of the object, and records
// rvAt, rvAfter and bodyAt. It appends to spans where it wrote the fieldsV1 of each managedFields entry
// (aliasManagedFields) and returns them.
func (o *Object) appendHead(b []byte, spans []int32) ([]byte, []int32) {
	b = append(b, '{')
	sep := false
	if o.typeMeta.Kind != "" {
		b = append(b, `"kind":`...)
		b = jsontree.AppendString(b, o.typeMeta.Kind)
		sep = true
	}
	if o.typeMeta.APIVersion != "" {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"apiVersion":`...)
		b = jsontree.AppendString(b, o.typeMeta.APIVersion)
		sep = true
	}
	if sep {
		b = append(b, ',')
	}
	b = append(b, `"metadata":`...)
	var rvAt int
	o.metaAt = int32(len(b))
	b, rvAt, o.rvAfter, spans = appendMeta(b, o.meta, spans)
	o.rvAt = int32(rvAt)
	o.bodyAt = int32(len(b))
	return b, spans
}

// AppendJSON appends the object's JSON encoding to b and returns the extended slice.
func (o *Object) AppendJSON(b []byte) []byte {
	rv := o.rv
	b = append(b, o.raw[:o.rvAt]...)
	if rv != "" {
		if o.rvAfter {
			b = append(b, ',')
		}
		b = append(b, `"resourceVersion":`...)
		b = jsontree.AppendString(b, rv)
		if !o.rvAfter && o.raw[o.rvAt] != '}' {
			b = append(b, ',')
		}
	}
	return append(b, o.raw[o.rvAt:]...)
}

// JSON returns the object's JSON encoding in a new slice.
func (o *Object) JSON() []byte {
	return o.AppendJSON(make([]byte, 0, len(o.raw)+32))
}

// MarshalJSON implements json.Marshaler with JSON.
func (o *Object) MarshalJSON() ([]byte, error) { return o.JSON(), nil }

// EncodedLen returns the length in bytes of the object's JSON encoding.
func (o *Object) EncodedLen() int {
	n := len(o.raw)
	if o.rv != "" {
		n += len(`,"resourceVersion":""`) + len(o.rv)
	}
	return n
}

// Kind returns the object's kind.
func (o *Object) Kind() string { return o.typeMeta.Kind }

// APIVersion returns the object's apiVersion.
func (o *Object) APIVersion() string { return o.typeMeta.APIVersion }

// TypeMeta returns the object's kind and apiVersion.
func (o *Object) TypeMeta() TypeMeta { return o.typeMeta }

// GroupVersionKind returns the parsed apiVersion with the kind.
func (o *Object) GroupVersionKind() GroupVersionKind { return o.typeMeta.GroupVersionKind() }

// Name returns metadata.name.
func (o *Object) Name() string { return o.meta.Name }

// GenerateName returns metadata.generateName.
func (o *Object) GenerateName() string { return o.meta.GenerateName }

// Namespace returns metadata.namespace.
func (o *Object) Namespace() string { return o.meta.Namespace }

// UID returns metadata.uid.
func (o *Object) UID() string { return o.meta.UID }

// ResourceVersion returns metadata.resourceVersion.
func (o *Object) ResourceVersion() string { return o.rv }

// Generation returns metadata.generation.
func (o *Object) Generation() int64 { return o.meta.Generation }

// CreationTimestamp returns metadata.creationTimestamp.
func (o *Object) CreationTimestamp() Time { return o.meta.CreationTimestamp }

// DeletionTimestamp returns metadata.deletionTimestamp, or nil.
func (o *Object) DeletionTimestamp() *Time {
	if o.meta.DeletionTimestamp == nil {
		return nil
	}
	t := *o.meta.DeletionTimestamp
	return &t
}

// Label returns the value of one label and whether it is set.
func (o *Object) Label(key string) (string, bool) {
	v, ok := o.meta.Labels[key]
	return v, ok
}

// Labels returns a copy of metadata.labels.
func (o *Object) Labels() map[string]string { return copyStringMap(o.meta.Labels) }

// LabelsNoCopy returns metadata.labels itself; the caller must not modify the map.
func (o *Object) LabelsNoCopy() map[string]string { return o.meta.Labels }

// Annotation returns the value of one annotation and whether it is set.
func (o *Object) Annotation(key string) (string, bool) {
	v, ok := o.meta.Annotations[key]
	return v, ok
}

// Annotations returns a copy of metadata.annotations.
func (o *Object) Annotations() map[string]string { return copyStringMap(o.meta.Annotations) }

// Finalizers returns a copy of metadata.finalizers.
func (o *Object) Finalizers() []string { return append([]string(nil), o.meta.Finalizers...) }

// OwnerReferences returns a copy of metadata.ownerReferences.
func (o *Object) OwnerReferences() []OwnerReference {
	m := o.meta.DeepCopy()
	return m.OwnerReferences
}

// Meta returns a deep copy of the object's metadata, resourceVersion included, for editing.
func (o *Object) Meta() ObjectMeta {
	m := o.meta.DeepCopy()
	m.ResourceVersion = o.rv
	return m
}

// WithMeta returns a copy of the object whose metadata is m (resourceVersion included). The object keeps no
// reference to m's maps and slices.
func (o *Object) WithMeta(m ObjectMeta) *Object {
	cp := m.DeepCopy()
	rv := cp.ResourceVersion
	cp.ResourceVersion = ""
	return newObject(o.typeMeta, &cp, metaOwned, rv, o.raw[o.bodyAt:len(o.raw)-1])
}

// WithMetaNoCopy is WithMeta for a caller that hands over m: the object keeps m's maps and slices, so the caller
// must not modify them afterwards.
func (o *Object) WithMetaNoCopy(m ObjectMeta) *Object {
	rv := m.ResourceVersion
	m.ResourceVersion = ""
	return newObject(o.typeMeta, &m, metaStructOwned, rv, o.raw[o.bodyAt:len(o.raw)-1])
}

// DeletionGracePeriodSeconds returns metadata.deletionGracePeriodSeconds, or nil.
func (o *Object) DeletionGracePeriodSeconds() *int64 {
	if o.meta.DeletionGracePeriodSeconds == nil {
		return nil
	}
	s := *o.meta.DeletionGracePeriodSeconds
	return &s
}

// WithTypeMeta returns a copy of the object with kind and apiVersion replaced.
func (o *Object) WithTypeMeta(tm TypeMeta) *Object {
	return newObject(tm, o.meta, metaShared, o.rv, o.raw[o.bodyAt:len(o.raw)-1])
}

// WithResourceVersion returns a copy of the object whose metadata.resourceVersion is rv. It shares everything else
// with o, so it is cheap whatever the object's size.
func (o *Object) WithResourceVersion(rv string) *Object {
	if rv == o.rv {
		return o
	}
	cp := *o
	cp.rv = rv
	return &cp
}

// Body returns the object's top-level members other than kind, apiVersion and metadata, as a JSON object.
func (o *Object) Body() []byte {
	members := o.raw[o.bodyAt : len(o.raw)-1]
	b := make([]byte, 0, len(members)+2)
	b = append(b, '{')
	if len(members) > 0 {
		b = append(b, members[1:]...) // drop the leading comma
	}
	return append(b, '}')
}

// WithBody returns a copy of the object whose members other than kind, apiVersion and metadata are those of the
// JSON object body (kind, apiVersion and metadata inside body are ignored).
func (o *Object) WithBody(body []byte) (*Object, error) {
	parsed, err := ParseObject(body)
	if err != nil {
		return nil, err
	}
	return newObject(o.typeMeta, o.meta, metaShared, o.rv, parsed.raw[parsed.bodyAt:len(parsed.raw)-1]), nil
}

// RawNoCopy returns the object's canonical JSON without metadata.resourceVersion, aliasing the object: the caller
// must not modify it. It is for readers that scan the whole object and have no use for its resourceVersion.
func (o *Object) RawNoCopy() []byte { return o.raw }

// Lookup returns the raw JSON value at path in the object's encoding (for example "spec", "nodeName"). The
// returned slice aliases the object and must not be modified. metadata.resourceVersion is not found this way; use
// ResourceVersion.
func (o *Object) Lookup(path ...string) ([]byte, bool) {
	if len(path) == 0 {
		return o.raw, true
	}
	switch path[0] {
	case "metadata":
		return jsontree.LookupUnique(o.raw[o.metaAt:o.bodyAt], path[1:]...)
	case "kind", "apiVersion":
		return jsontree.LookupUnique(o.raw, path...) // the encoding is canonical: its keys are unique
	}
	v, ok := o.bodyMember(path[0])
	if !ok {
		return nil, false
	}
	return jsontree.LookupUnique(v, path[1:]...)
}

// bodyMember returns the value of the body member name, reading the body's members only (from bodyAt on).
func (o *Object) bodyMember(name string) ([]byte, bool) {
	var found []byte
	jsontree.MembersAfter(o.raw, int(o.bodyAt), func(k, v []byte) bool {
		if jsontree.KeyEquals(k, name) {
			found = v
			return false
		}
		return true
	})
	return found, found != nil
}

// Field returns the value of a field selector path such as "metadata.name", "spec.nodeName" or "status.phase" in
// the string form field selectors compare: strings as they are, booleans and numbers as their JSON text, and "" for
// null, objects, arrays or a missing field.
func (o *Object) Field(path string) string {
	switch path {
	case "metadata.name":
		return o.meta.Name
	case "metadata.namespace":
		return o.meta.Namespace
	}
	raw, ok := o.Lookup(strings.Split(path, ".")...)
	if !ok || len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		s, _ := jsontree.LookupString(raw)
		return s
	case '{', '[', 'n':
		return ""
	default:
		return string(raw)
	}
}

// Unstructured decodes the object into a new mutable Unstructured tree that shares nothing with o.
func (o *Object) Unstructured() (Unstructured, error) {
	m, err := jsontree.DecodeObject(o.JSON())
	if err != nil {
		return nil, err
	}
	return Unstructured(m), nil
}

// Into decodes the object into v, which may be any type encoding/json can decode into (for example a k8s.io/api
// struct).
func (o *Object) Into(v any) error { return json.Unmarshal(o.JSON(), v) }

// SameContent reports whether o and p encode identically apart from their resourceVersions. An update whose result
// has the same content as the stored object is a no-op (SEMANTICS W-6).
func (o *Object) SameContent(p *Object) bool {
	return bytes.Equal(o.raw, p.raw)
}

// ObjectFromValue encodes v (any type encoding/json can encode, such as a k8s.io/api struct) and parses the result
// into an Object.
func ObjectFromValue(v any) (*Object, error) {
	if o, ok := v.(*Object); ok {
		return o, nil
	}
	if u, ok := v.(Unstructured); ok {
		return u.ToObject()
	}
	if m, ok := v.(map[string]any); ok {
		return Unstructured(m).ToObject()
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return ParseObject(data)
}

// appendMeta encodes m in kube-apiserver's member order, leaving out resourceVersion, and returns the offset where
// resourceVersion belongs, whether a member precedes that offset, and spans with the offsets of each managedFields
// entry's fieldsV1 appended (appendManagedFieldsEntry).
func appendMeta(b []byte, m *ObjectMeta, spans []int32) ([]byte, int, bool, []int32) {
	w := memberWriter{b: append(b, '{')}
	w.str("name", m.Name)
	w.str("generateName", m.GenerateName)
	w.str("namespace", m.Namespace)
	w.str("selfLink", m.SelfLink)
	w.str("uid", m.UID)
	rvAt, rvAfter := len(w.b), w.some
	if m.Generation != 0 {
		w.key("generation")
		w.b = strconv.AppendInt(w.b, m.Generation, 10)
	}
	if !m.CreationTimestamp.IsZero() {
		w.key("creationTimestamp")
		w.b = m.CreationTimestamp.AppendJSON(w.b)
	}
	if m.DeletionTimestamp != nil {
		w.time("deletionTimestamp", m.DeletionTimestamp)
	}
	if m.DeletionGracePeriodSeconds != nil {
		w.key("deletionGracePeriodSeconds")
		w.b = strconv.AppendInt(w.b, *m.DeletionGracePeriodSeconds, 10)
	}
	if len(m.Labels) > 0 {
		w.key("labels")
		w.b, _ = jsontree.Append(w.b, m.Labels)
	}
	if len(m.Annotations) > 0 {
		w.key("annotations")
		w.b, _ = jsontree.Append(w.b, m.Annotations)
	}
	if len(m.OwnerReferences) > 0 {
		w.key("ownerReferences")
		enc, _ := json.Marshal(m.OwnerReferences) // plain structs of strings and bools: cannot fail
		w.b = append(w.b, enc...)
	}
	if len(m.Finalizers) > 0 {
		w.key("finalizers")
		w.b, _ = jsontree.Append(w.b, m.Finalizers)
	}
	if m.ManagedFields != nil { // an empty list is kept: a write that sends managedFields: [] clears them
		w.key("managedFields")
		w.b = append(w.b, '[')
		for i := range m.ManagedFields {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			var start, end int
			w.b, start, end = appendManagedFieldsEntry(w.b, &m.ManagedFields[i])
			spans = append(spans, int32(start), int32(end))
		}
		w.b = append(w.b, ']')
	}
	return append(w.b, '}'), rvAt, rvAfter, spans
}

// memberWriter appends the members of a JSON object whose opening brace b already holds, with commas between them.
type memberWriter struct {
	b    []byte
	some bool // whether a member was written
}

// key writes the name of the next member and its colon; the caller writes the value.
func (w *memberWriter) key(name string) {
	if w.some {
		w.b = append(w.b, ',')
	}
	w.some = true
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

// str writes the member name with the string v, unless v is empty (omitempty).
func (w *memberWriter) str(name, v string) {
	if v != "" {
		w.key(name)
		w.b = jsontree.AppendString(w.b, v)
	}
}

// time writes the member name with the time t, null when it is zero.
func (w *memberWriter) time(name string, t *Time) {
	w.key(name)
	if t.IsZero() {
		w.b = append(w.b, "null"...)
	} else {
		w.b = t.AppendJSON(w.b)
	}
}

// appendManagedFieldsEntry encodes e with encoding/json's member names and order, its fieldsV1 as written
// (compacted, as AppendCanonical keeps every member of an object; kube-apiserver too keeps FieldsV1 as raw bytes), and
// returns where its fieldsV1 starts and ends in b (-1 when it has none). A fieldsV1 that is not JSON is left out, so
// the document stays valid.
func appendManagedFieldsEntry(b []byte, e *ManagedFieldsEntry) ([]byte, int, int) {
	w := memberWriter{b: append(b, '{')}
	w.str("manager", e.Manager)
	w.str("operation", e.Operation)
	w.str("apiVersion", e.APIVersion)
	if e.Time != nil {
		w.time("time", e.Time)
	}
	w.str("fieldsType", e.FieldsType)
	start, end := -1, -1
	if len(e.FieldsV1) > 0 {
		before := w
		w.key("fieldsV1")
		at := len(w.b)
		if enc, err := jsontree.AppendCanonical(w.b, e.FieldsV1); err == nil {
			w.b, start, end = enc, at, len(enc)
		} else {
			w = before // the member is left out
		}
	}
	w.str("subresource", e.Subresource)
	return append(w.b, '}'), start, end
}

// NewObject returns an Object with the given kind, apiVersion and metadata and no other members; metadata's maps
// and slices are copied.
func NewObject(tm TypeMeta, meta ObjectMeta) *Object {
	cp := meta.DeepCopy()
	rv := cp.ResourceVersion
	cp.ResourceVersion = ""
	return newObject(tm, &cp, metaOwned, rv, nil)
}

// WithMember returns a copy of the object whose top-level member name holds raw (a JSON value), or without that
// member when raw is nil. name must not be kind, apiVersion or metadata (use WithTypeMeta and WithMeta).
func (o *Object) WithMember(name string, raw []byte) *Object {
	if raw != nil {
		if _, exists := o.Lookup(name); !exists && name != "kind" && name != "apiVersion" && name != "metadata" {
			// Absent: append it after the other members.
			body := make([]byte, 0, len(o.raw)-int(o.bodyAt)+len(name)+len(raw)+4)
			body = append(body, o.raw[o.bodyAt:len(o.raw)-1]...)
			body = append(body, ',')
			body = jsontree.AppendString(body, name)
			body = append(body, ':')
			body = append(body, raw...)
			return o.withBodyMembers(body)
		}
	}
	body := make([]byte, 0, len(o.raw)-int(o.bodyAt)+len(raw)+len(name)+4)
	replaced := false
	jsontree.Members(o.Body(), func(k, v []byte) bool {
		if jsontree.KeyEquals(k, name) {
			replaced = true
			if raw == nil {
				return true
			}
			v = raw
		}
		body = append(body, ',')
		body = append(body, k...)
		body = append(body, ':')
		body = append(body, v...)
		return true
	})
	if !replaced && raw != nil {
		body = append(body, ',')
		body = jsontree.AppendString(body, name)
		body = append(body, ':')
		body = append(body, raw...)
	}
	return o.withBodyMembers(body)
}

// withBodyMembers returns a copy of o whose body is the encoded members body, each preceded by a comma.
func (o *Object) withBodyMembers(body []byte) *Object {
	if len(o.meta.ManagedFields) > 0 {
		// The metadata's fieldsV1 point into o's encoding: encoding the head again points them into the copy's.
		return newObject(o.typeMeta, o.meta, metaShared, o.rv, body)
	}
	// The head (kind, apiVersion, metadata) is unchanged: reuse its encoding.
	cp := *o
	buf := make([]byte, 0, int(o.bodyAt)+len(body)+1)
	buf = append(buf, o.raw[:o.bodyAt]...)
	buf = append(buf, body...)
	cp.raw = append(buf, '}')
	return &cp
}

// SameBody reports whether o and p have byte-identical members other than kind, apiVersion and metadata.
func (o *Object) SameBody(p *Object) bool {
	return bytes.Equal(o.raw[o.bodyAt:], p.raw[p.bodyAt:])
}

// MetaNoCopy returns the object's metadata, resourceVersion included, sharing its maps and slices with the object:
// the caller must not modify them (replace a map instead). It is the cheap way to derive new metadata that keeps most
// of the old, for WithMetaNoCopy.
func (o *Object) MetaNoCopy() ObjectMeta {
	m := *o.meta
	m.ResourceVersion = o.rv
	return m
}

// EquivalentContent reports whether o and p hold the same JSON value apart from their resourceVersions, whatever the
// order of their keys: SameContent, or equal after decoding when the encodings are permutations of each other.
func (o *Object) EquivalentContent(p *Object) bool {
	if bytes.Equal(o.raw, p.raw) {
		return true
	}
	if len(o.raw) != len(p.raw) {
		return false
	}
	// Reordering keys keeps the multiset of bytes; a real change of equal length almost never does.
	var h [256]int32
	for _, c := range o.raw {
		h[c]++
	}
	for _, c := range p.raw {
		h[c]--
	}
	if h != ([256]int32{}) {
		return false
	}
	a, errA := jsontree.Decode(o.raw)
	b, errB := jsontree.Decode(p.raw)
	return errA == nil && errB == nil && reflect.DeepEqual(a, b)
}
