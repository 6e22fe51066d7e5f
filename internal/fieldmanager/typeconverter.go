package fieldmanager

import (
	"fmt"
	"sync"

	"sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"

	"github.com/kubemem/kubemem/internal/structural"
	"github.com/kubemem/kubemem/types"
)

// TypeConverter converts objects of one kind between their decoded JSON form and SMD typed values, which carry the
// schema that tells SMD how to merge and own the object's fields.
//
// The converters of this package are immutable and safe for concurrent use. ObjectToTyped does not copy obj: the
// typed value reads obj, which must not be modified while the typed value is in use. TypedToObject returns the
// typed value's tree, which may share maps and lists with the objects the value was built from.
type TypeConverter interface {
	// ObjectToTyped checks obj against the schema and wraps it. With no options, lists of maps and sets must not
	// hold duplicates; typed.AllowDuplicates lifts that for live objects, as kube-apiserver does.
	ObjectToTyped(obj map[string]any, opts ...typed.ValidationOptions) (*typed.TypedValue, error)
	// TypedToObject returns the object a typed value holds.
	TypedToObject(v *typed.TypedValue) (map[string]any, error)
}

// typeConverter is a TypeConverter for one root type of an SMD schema.
type typeConverter struct {
	parser  *typed.Parser // owns the schema; never modified after construction
	root    typed.ParseableType
	kind    *types.Schema  // the root schema of a built-in kind, or nil
	zero    map[string]any // the zero object of a built-in kind, or nil; never modified
	schemas *schemaCache   // the fast paths' cache of the kind's schemas, or nil; never modified
}

var _ TypeConverter = (*typeConverter)(nil)

func newTypeConverter(defs []schema.TypeDef, root string) *typeConverter {
	p := &typed.Parser{Schema: schema.Schema{Types: defs}}
	return &typeConverter{parser: p, root: p.Type(root)}
}

// ObjectToTyped implements TypeConverter.
func (c *typeConverter) ObjectToTyped(obj map[string]any, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	return c.root.FromUnstructured(obj, opts...)
}

// TypedToObject implements TypeConverter.
func (c *typeConverter) TypedToObject(v *typed.TypedValue) (map[string]any, error) {
	return valueToObject(v.AsValue())
}

// builtinKind returns the root schema of c's built-in kind, its zero object (see zeroObject) and the cache of its
// schemas (see schemaCache), or nil, an empty object and nil for other converters. The results must not be
// modified.
func builtinKind(c TypeConverter) (*types.Schema, map[string]any, *schemaCache) {
	if tc, ok := c.(*typeConverter); ok && tc.kind != nil {
		return tc.kind, tc.zero, tc.schemas
	}
	return nil, map[string]any{}, nil
}

// deducedConverter is kube's converter for objects without a schema: every map is granular and every list atomic.
type deducedConverter struct{}

// ObjectToTyped implements TypeConverter.
func (deducedConverter) ObjectToTyped(obj map[string]any, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	return typed.DeducedParseableType.FromUnstructured(obj, opts...)
}

// TypedToObject implements TypeConverter.
func (deducedConverter) TypedToObject(v *typed.TypedValue) (map[string]any, error) {
	return valueToObject(v.AsValue())
}

func valueToObject(v value.Value) (map[string]any, error) {
	switch o := v.Unstructured().(type) {
	case map[string]any:
		return o, nil
	default:
		return nil, fmt.Errorf("failed to convert value to unstructured for type %T", o)
	}
}

// kindConverters caches the converters of built-in kinds: they are built on first use and never change.
var kindConverters sync.Map // types.GroupVersionKind -> *typeConverter

// ForKind returns the converter of a built-in kind, built from types.SchemaFor, or false for a kind without an
// embedded schema. The converter is built once per kind and shared.
func ForKind(gvk types.GroupVersionKind) (TypeConverter, bool) {
	if c, ok := kindConverters.Load(gvk); ok {
		return c.(*typeConverter), true
	}
	s, ok := types.SchemaFor(gvk)
	if !ok {
		return nil, false
	}
	b := newBuiltinSchema()
	root := b.named(s)
	conv := newTypeConverter(b.finish(), root)
	conv.kind, conv.zero, conv.schemas = s, zeroObject(s), newSchemaCache(s)
	c, _ := kindConverters.LoadOrStore(gvk, conv)
	return c.(*typeConverter), true
}

// ForStructural returns the converter of a custom resource version with structural schema s, as
// apiextensions-apiserver builds it: s with apiVersion, kind and metadata (metav1.ObjectMeta) added at the root and
// in embedded resources. A nil s gives kube's deduced converter, which treats every map as granular and every list
// as atomic. The converter reads s when built and keeps no reference to it.
func ForStructural(s *structural.Schema) TypeConverter {
	if s == nil {
		return deducedConverter{}
	}
	b := newBuiltinSchema()
	atom := structuralRoot(b, s)
	defs := append(b.finish(), schema.TypeDef{Name: customResourceType, Atom: atom})
	return newTypeConverter(defs, customResourceType)
}

// customResourceType names the root type of a custom resource's SMD schema.
const customResourceType = "__custom_resource_"
