package types

import (
	"slices"
	"strings"
)

//go:generate go -C ../internal/schemagen run . -out ../../types/schema_data.txt

// Schema describes the JSON values of one type of the Kubernetes API: an object (a Go struct, with a fixed set of
// fields), a map (a Go map with string keys), a list, or a scalar. Strategic merge patch reads the patch strategy
// and merge key of fields from it; server-side apply, unknown-field detection and OpenAPI read the list, map and
// struct types and which fields exist.
//
// The schemas of the built-in kinds are generated from the Go types of k8s.io/api (see SchemaSources) and
// embedded; SchemaFor returns them. A *Schema is immutable and shared by every caller: it is safe for concurrent use
// and none of its methods returns memory that aliases it, except the *Field and *Schema pointers, which point to
// other immutable schema values.
//
// A schema can be recursive (apiextensions' JSONSchemaProps contains itself), so walk it lazily, never all at once.
type Schema struct {
	name     string // qualified Go type name, "corev1.PodSpec"; empty for lists, maps and scalars
	kind     ValueKind
	format   string // OpenAPI format: int32, int64, double, byte, date-time, int-or-string, ...
	goKind   string // reflect.Kind name of the Go type: struct, map, slice, string, int32, ...
	fields   []Field
	index    map[string]int // JSON field name -> position in fields
	elem     *Schema
	listType ListType
	listKeys []string
	atomic   bool // +structType=atomic or +mapType=atomic
}

// ValueKind is the kind of JSON value a Schema describes.
type ValueKind uint8

// The kinds of values.
const (
	// KindObject is a JSON object with a fixed set of fields (a Go struct).
	KindObject ValueKind = iota + 1
	// KindMap is a JSON object with arbitrary keys whose values all have the schema Elem (a Go map).
	KindMap
	// KindList is a JSON array whose elements have the schema Elem.
	KindList
	// KindString is a JSON string (Format says more: "byte" is base64, "date-time" a timestamp).
	KindString
	// KindInteger is a JSON integer.
	KindInteger
	// KindNumber is a JSON number.
	KindNumber
	// KindBoolean is true or false.
	KindBoolean
	// KindIntOrString is a JSON integer or string (intstr.IntOrString).
	KindIntOrString
	// KindUntyped is any JSON value (runtime.RawExtension, apiextensions JSON, interface{} fields).
	KindUntyped
)

var valueKindNames = [...]string{"", "object", "map", "list", "string", "integer", "number", "boolean", "int-or-string", "untyped"}

// String returns the kind's name: "object", "map", "list", "string", ...
func (k ValueKind) String() string {
	if int(k) < len(valueKindNames) {
		return valueKindNames[k]
	}
	return "invalid"
}

// ListType is how server-side apply treats a list (+listType).
type ListType string

// The list types.
const (
	// ListAtomic lists are replaced as a whole.
	ListAtomic ListType = "atomic"
	// ListSet lists hold unique scalars, merged as a set.
	ListSet ListType = "set"
	// ListMap lists hold objects identified by the values of ListMapKeys, merged by those keys.
	ListMap ListType = "map"
)

// PatchStrategy is the patchStrategy struct tag of a field: how strategic merge patch merges its value. It is one
// of "" (objects merged key by key, lists replaced), "merge", "replace", "retainKeys" or a comma-separated
// combination such as "merge,retainKeys".
type PatchStrategy string

// Merge reports whether lists in the field are merged (by the field's merge key, or as a set of scalars).
func (p PatchStrategy) Merge() bool { return p.has("merge") }

// Replace reports whether the field's value is replaced as a whole.
func (p PatchStrategy) Replace() bool { return p.has("replace") }

// RetainKeys reports whether the field honours the $retainKeys directive (Deployment spec.strategy, pod volumes).
func (p PatchStrategy) RetainKeys() bool { return p.has("retainKeys") }

func (p PatchStrategy) has(s string) bool {
	for part := range strings.SplitSeq(string(p), ",") {
		if part == s {
			return true
		}
	}
	return false
}

// Field is one field of an object schema.
type Field struct {
	// Name is the field's JSON name.
	Name string
	// Type is the schema of the field's value.
	Type *Schema
	// Pointer reports whether the Go field is a pointer (its zero value is null rather than the type's zero value).
	Pointer bool
	// OmitEmpty reports whether the field's json tag has the omitempty option.
	OmitEmpty bool
	// OmitZero reports whether the field's json tag has the omitzero option. A field with either option is
	// optional.
	OmitZero bool
	// Protobuf is the field's protobuf field number, preceded by the numbers of the embedded structs JSON
	// flattens and protobuf does not: a Volume's hostPath is [2 1], field 1 of the VolumeSource message that is the
	// Volume's field 2. It is nil for fields without a protobuf form (apiVersion and kind, which protobuf carries in
	// the envelope). The slice is shared and must not be modified.
	Protobuf []int32
	// PatchStrategy is the field's patchStrategy struct tag.
	PatchStrategy PatchStrategy
	// PatchMergeKey is the field's patchMergeKey struct tag: the key that identifies the elements of a merged
	// list of objects (containers by "name", container ports by "containerPort").
	PatchMergeKey string
}

// Name returns the qualified name of the Go type the schema was generated from, as "<package alias>.<type>"
// ("corev1.PodSpec", "metav1.ObjectMeta"), or "" for lists, maps and scalars.
func (s *Schema) Name() string { return s.name }

// TypeName returns the Go name of the type without its package ("PodSpec"), or "" for lists, maps and scalars.
func (s *Schema) TypeName() string {
	_, after, _ := strings.Cut(s.name, ".")
	return after
}

// Kind returns the kind of JSON value the schema describes.
func (s *Schema) Kind() ValueKind { return s.kind }

// Format returns the OpenAPI format of a scalar ("int32", "int64", "double", "byte", "date-time",
// "int-or-string"), or "".
func (s *Schema) Format() string { return s.format }

// GoKind returns the name of the reflect.Kind of the Go type ("struct", "map", "slice", "string", "int32", ...).
// It differs from Kind for types with their own JSON encoding: metav1.Time is a KindString value of a "struct" Go
// type. Strategic merge patch follows the Go type (it looks fields up in the struct) and names the Go kind in its
// errors.
func (s *Schema) GoKind() string { return s.goKind }

// Fields returns the fields of an object schema, in the order of the Go declaration, or nil. The slice is a copy;
// the fields' Type schemas are shared.
func (s *Schema) Fields() []Field { return slices.Clone(s.fields) }

// FieldsNoCopy is Fields without the copy: the slice is shared and must not be modified.
func (s *Schema) FieldsNoCopy() []Field { return s.fields }

// WithFieldsOnly returns a copy of the struct schema s that declares only those of its fields that are named, for
// walking part of an object (its metadata, say) as if the rest were absent from the schema. s is not modified, and
// the copy is immutable like every Schema: both are safe for concurrent use.
func (s *Schema) WithFieldsOnly(names ...string) *Schema {
	cp := *s
	cp.fields = nil
	cp.index = make(map[string]int, len(names))
	for i := range s.fields {
		if slices.Contains(names, s.fields[i].Name) {
			cp.index[s.fields[i].Name] = len(cp.fields)
			cp.fields = append(cp.fields, s.fields[i])
		}
	}
	return &cp
}

// Field returns the field with JSON name name, or false. The result is shared and must not be modified.
func (s *Schema) Field(name string) (*Field, bool) {
	i, ok := s.index[name]
	if !ok {
		return nil, false
	}
	return &s.fields[i], true
}

// FieldBytes is Field for a name held in a byte slice; it does not allocate.
func (s *Schema) FieldBytes(name []byte) (*Field, bool) {
	i, ok := s.index[string(name)]
	if !ok {
		return nil, false
	}
	return &s.fields[i], true
}

// FieldFold returns the field encoding/json would decode the JSON key name into: the field named exactly name,
// else the first field whose name equals name under case folding. Strategic merge patch looks fields up this way.
// The result is shared and must not be modified.
func (s *Schema) FieldFold(name string) (*Field, bool) {
	if f, ok := s.Field(name); ok {
		return f, true
	}
	for i := range s.fields {
		if strings.EqualFold(s.fields[i].Name, name) {
			return &s.fields[i], true
		}
	}
	return nil, false
}

// Elem returns the schema of a list's elements or a map's values, or nil.
func (s *Schema) Elem() *Schema { return s.elem }

// ListType returns the +listType of a list, or "" when the schema is not a list or does not say.
func (s *Schema) ListType() ListType { return s.listType }

// ListMapKeys returns the +listMapKey keys of a ListMap list, or nil. The slice is a copy.
func (s *Schema) ListMapKeys() []string { return slices.Clone(s.listKeys) }

// Atomic reports whether an object or map is atomic for server-side apply (+structType=atomic, +mapType=atomic):
// it is owned and replaced as a whole.
func (s *Schema) Atomic() bool { return s.atomic }

// Lookup returns the schema at path below s: each element names a field of an object (matched exactly), and on a
// list or a map any element (an index, a key, or "*") steps to the elements. Lookup() returns s.
func (s *Schema) Lookup(path ...string) (*Schema, bool) {
	cur := s
	for _, p := range path {
		switch cur.kind {
		case KindList, KindMap:
			cur = cur.elem
		default:
			f, ok := cur.Field(p)
			if !ok {
				return nil, false
			}
			cur = f.Type
		}
		if cur == nil {
			return nil, false
		}
	}
	return cur, true
}

// FieldAt returns the field at path below s, found as Lookup finds schemas: the last element must name a field of
// an object. FieldAt("spec", "containers") on a Pod gives the containers field with its patch strategy "merge" and
// merge key "name". The result is shared and must not be modified.
func (s *Schema) FieldAt(path ...string) (*Field, bool) {
	if len(path) == 0 {
		return nil, false
	}
	parent, ok := s.Lookup(path[:len(path)-1]...)
	if !ok {
		return nil, false
	}
	return parent.Field(path[len(path)-1])
}

// String returns the schema's name, or a description such as "[]corev1.Container" or "map[string]string".
func (s *Schema) String() string {
	switch {
	case s.name != "":
		return s.name
	case s.kind == KindList && s.elem != nil && s.goKind == "slice" && s.format != "byte":
		return "[]" + s.elem.String()
	case s.kind == KindMap && s.elem != nil:
		return "map[string]" + s.elem.String()
	default:
		return s.goKind
	}
}

// SchemaFor returns the schema of a built-in kind, or false for a kind without one (such as a custom resource).
// The schemas are decoded from the embedded data on first use, one kind at a time.
func SchemaFor(gvk GroupVersionKind) (*Schema, bool) {
	return loadSchemaIndex().kind(gvk)
}

// SchemaForType returns the schema of a named type of the built-in kinds, such as "metav1.ObjectMeta",
// "metav1.Status" or "corev1.PodSpec" (see Schema.Name), or false.
func SchemaForType(name string) (*Schema, bool) {
	return loadSchemaIndex().named(name)
}

// SchemaKinds returns every kind SchemaFor knows, sorted by group, version and kind.
func SchemaKinds() []GroupVersionKind {
	ix := loadSchemaIndex()
	out := make([]GroupVersionKind, 0, len(ix.kinds))
	for gvk := range ix.kinds {
		out = append(out, gvk)
	}
	slices.SortFunc(out, func(a, b GroupVersionKind) int {
		return strings.Compare(a.Group+"/"+a.Version+"/"+a.Kind, b.Group+"/"+b.Version+"/"+b.Kind)
	})
	return out
}

// ModuleVersion is a Go module at one version.
type ModuleVersion struct {
	Path    string
	Version string
}

// SchemaSources returns the Go modules, with their versions, that the embedded schemas were generated from:
// k8s.io/api, k8s.io/apimachinery, k8s.io/apiextensions-apiserver, and the client-go and structured-merge-diff
// versions whose schemas supplied the list and map types.
func SchemaSources() []ModuleVersion { return slices.Clone(loadSchemaIndex().sources) }

// SchemaKubernetesVersion returns the Kubernetes release the embedded schemas describe, derived from the
// k8s.io/api version they were generated from (k8s.io/api v0.37.2 is Kubernetes v1.37.2).
func SchemaKubernetesVersion() string {
	for _, m := range loadSchemaIndex().sources {
		if m.Path == "k8s.io/api" && strings.HasPrefix(m.Version, "v0.") {
			return "v1." + strings.TrimPrefix(m.Version, "v0.")
		}
	}
	return ""
}
