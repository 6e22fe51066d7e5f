package fieldmanager

import (
	"sigs.k8s.io/structured-merge-diff/v6/schema"

	"github.com/kubemem/kubemem/types"
)

// The names of the two types every SMD schema of kube-openapi's schemaconv ends with. An untyped atomic value is
// owned and replaced as a whole (runtime.RawExtension); a deduced value is a granular map when it is a map, and
// atomic otherwise (x-kubernetes-preserve-unknown-fields, free-form objects, apiextensions JSON).
var (
	untypedAtomicName  = "__untyped_atomic_"
	untypedDeducedName = "__untyped_deduced_"
)

// Shared scalar atoms; schema values are never modified once built.
var (
	scalarNumeric = schema.Numeric
	scalarString  = schema.String
	scalarBoolean = schema.Boolean
	scalarUntyped = schema.Untyped
)

// commonTypeDefs returns the untyped atomic and deduced types, as schemaconv defines them.
func commonTypeDefs() []schema.TypeDef {
	return []schema.TypeDef{
		{Name: untypedAtomicName, Atom: schema.Atom{
			Scalar: &scalarUntyped,
			List:   &schema.List{ElementType: namedRef(untypedAtomicName), ElementRelationship: schema.Atomic},
			Map:    &schema.Map{ElementType: namedRef(untypedAtomicName), ElementRelationship: schema.Atomic},
		}},
		{Name: untypedDeducedName, Atom: schema.Atom{
			Scalar: &scalarUntyped,
			List:   &schema.List{ElementType: namedRef(untypedAtomicName), ElementRelationship: schema.Atomic},
			Map:    &schema.Map{ElementType: namedRef(untypedDeducedName), ElementRelationship: schema.Separable},
		}},
	}
}

func namedRef(name string) schema.TypeRef { return schema.TypeRef{NamedType: &name} }

func scalarRef(s *schema.Scalar) schema.TypeRef {
	return schema.TypeRef{Inlined: schema.Atom{Scalar: s}}
}

// keyDefaults are the defaults kube's OpenAPI declares with +default on fields that are keys of associative lists.
// Other key fields default to their zero value when the Go field is neither a pointer nor omitempty (openapi-gen's
// rule); SMD uses these defaults to identify list items that omit a key field (a container port without protocol is
// the port with protocol TCP).
var keyDefaults = map[[2]string]any{
	{"corev1.ContainerPort", "protocol"}:    "TCP",
	{"corev1.ServicePort", "protocol"}:      "TCP",
	{"corev1.LocalObjectReference", "name"}: "",
}

// builtinSchema builds the SMD schema of the built-in types reachable from the kinds and named types it is asked
// for. It is used by one goroutine while building a converter and discarded.
type builtinSchema struct {
	defs []schema.TypeDef
	done map[string]bool // named types already in defs (or being built)
}

func newBuiltinSchema() *builtinSchema { return &builtinSchema{done: map[string]bool{}} }

// finish returns the type definitions built so far and the common types.
func (b *builtinSchema) finish() []schema.TypeDef { return append(b.defs, commonTypeDefs()...) }

// named adds the struct type s (and the types its fields use) and returns its name.
func (b *builtinSchema) named(s *types.Schema) string {
	name := s.Name()
	if b.done[name] {
		return name
	}
	b.done[name] = true
	i := len(b.defs)
	b.defs = append(b.defs, schema.TypeDef{Name: name}) // reserved first: types may be recursive
	fields := s.FieldsNoCopy()
	m := &schema.Map{Fields: make([]schema.StructField, 0, len(fields))}
	if s.Atomic() {
		m.ElementRelationship = schema.Atomic
	}
	for j := range fields {
		f := &fields[j]
		m.Fields = append(m.Fields, schema.StructField{Name: f.Name, Type: b.ref(f.Type, f), Default: fieldDefault(s, f)})
	}
	b.defs[i].Atom = schema.Atom{Map: m}
	return name
}

// ref returns the reference to the SMD type of s, the type of field f (nil for list elements and map values).
func (b *builtinSchema) ref(s *types.Schema, f *types.Field) schema.TypeRef {
	switch s.Kind() {
	case types.KindObject:
		return namedRef(b.named(s))
	case types.KindList:
		l := &schema.List{ElementType: b.ref(s.Elem(), nil)}
		l.ElementRelationship, l.Keys = listRelationship(s, f)
		return schema.TypeRef{Inlined: schema.Atom{List: l}}
	case types.KindMap:
		m := &schema.Map{ElementType: b.ref(s.Elem(), nil)}
		if s.Atomic() {
			m.ElementRelationship = schema.Atomic
		}
		return schema.TypeRef{Inlined: schema.Atom{Map: m}}
	case types.KindString:
		// schemaconv: plain and base64 strings are strings; any other format (date-time) is untyped, and so is
		// resource.Quantity, hard-coded there.
		if (s.Format() == "" || s.Format() == "byte") && s.Name() != "resource.Quantity" {
			return scalarRef(&scalarString)
		}
		return scalarRef(&scalarUntyped)
	case types.KindInteger, types.KindNumber:
		return scalarRef(&scalarNumeric)
	case types.KindBoolean:
		return scalarRef(&scalarBoolean)
	case types.KindIntOrString:
		return scalarRef(&scalarUntyped)
	default: // KindUntyped
		if s.Name() == "runtime.RawExtension" {
			return namedRef(untypedAtomicName)
		}
		return namedRef(untypedDeducedName)
	}
}

// listRelationship is schemaconv's rule for a list: its list type when it has one (set and map are associative,
// map on its keys), else associative on the patch merge key for a field merged by strategic merge patch (a set
// when there is no key), else atomic.
func listRelationship(s *types.Schema, f *types.Field) (schema.ElementRelationship, []string) {
	switch s.ListType() {
	case types.ListAtomic:
		return schema.Atomic, nil
	case types.ListSet:
		return schema.Associative, nil
	case types.ListMap:
		return schema.Associative, s.ListMapKeys()
	}
	if f != nil && f.PatchStrategy.Merge() {
		if f.PatchMergeKey != "" {
			return schema.Associative, []string{f.PatchMergeKey}
		}
		return schema.Associative, nil
	}
	return schema.Atomic, nil
}

// fieldDefault returns the default kube's OpenAPI gives a scalar field of the struct s, or nil.
func fieldDefault(s *types.Schema, f *types.Field) any {
	if d, ok := keyDefaults[[2]string{s.Name(), f.Name}]; ok {
		return d
	}
	if f.Pointer || f.OmitEmpty || f.OmitZero || f.Type.Name() != "" {
		return nil
	}
	switch f.Type.Kind() {
	case types.KindString:
		return ""
	case types.KindInteger, types.KindNumber:
		return int64(0)
	case types.KindBoolean:
		return false
	}
	return nil
}

// zeroObject returns the zero value of the struct type s as kube's type converter sees a typed object: what
// encoding/json (and SMD's reflection, which follows it) writes for the Go zero value. Structs are never omitted,
// omitempty omits empty scalars, lists, maps and nil pointers, omitzero omits everything (the value is zero), and
// types with their own JSON form write theirs: null for timestamps and raw values, "0" for a quantity, 0 for an
// int-or-string.
//
// kube-apiserver compares a created object with this zero value, not with nothing: fields whose value equals the
// zero value's are not owned by the creator, and structs present in both are not members of the creator's set.
func zeroObject(s *types.Schema) map[string]any {
	fields := s.FieldsNoCopy()
	out := make(map[string]any, len(fields))
	for i := range fields {
		if v, keep := zeroField(&fields[i]); keep {
			out[fields[i].Name] = v
		}
	}
	return out
}
