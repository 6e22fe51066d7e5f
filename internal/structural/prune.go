package structural

import (
	"slices"

	"github.com/kubemem/kubemem/types"
)

// Prune removes, in place, the fields s does not declare and returns their paths as kube reports them in
// unknown-field warnings and strict field validation errors ("spec.foo", "spec.items[0].bar"), sorted.
//
// It is kube-apiserver's pruning of a custom resource (pruning.PruneWithOptions with isResourceRoot) followed, as
// kube's decoder always does, by PruneNonNullableNullsWithoutDefaults: fields whose value is null where the
// schema is neither nullable nor has a default are removed too (without being reported).
//
// The rules: an object keeps its declared properties, and with additionalProperties every field (its values
// pruned by the additionalProperties schema, or emptied when additionalProperties has no schema); other fields are
// removed. Below x-kubernetes-preserve-unknown-fields nothing is removed, but declared properties are still
// pruned by their schemas. At the root and in every x-kubernetes-embedded-resource object, apiVersion, kind and
// metadata are left alone; the metadata of an embedded resource loses the fields ObjectMeta does not have (kube
// drops them when it decodes that metadata), while the root's metadata is the caller's. Array items are pruned by
// the items schema.
//
// Prune does not modify s; obj must not be used concurrently.
func (s *Schema) Prune(obj map[string]any) []string {
	var paths []string
	if obj == nil {
		return nil
	}
	root := s
	if root == nil {
		root = &Schema{}
	}
	pruneValue(obj, root, true, &paths)
	dropNonNullableNulls(obj, root)
	slices.Sort(paths)
	return paths
}

// prunePath builds the unknown-field paths of Prune while descending.
type prunePath struct {
	parts []string
	out   *[]string
}

// pruneValue prunes x by s. isResourceRoot treats s as an embedded resource. Unknown field paths are appended
// to *out when out is not nil.
func pruneValue(x any, s *Schema, isResourceRoot bool, out *[]string) {
	p := &prunePath{out: out}
	if isResourceRoot {
		if s == nil {
			s = &Schema{}
		}
		if !s.XEmbeddedResource {
			clone := *s
			clone.XEmbeddedResource = true
			s = &clone
		}
	}
	p.walk(x, s, false)
}

func (p *prunePath) key(k string) {
	if len(p.parts) > 0 {
		p.parts = append(p.parts, ".")
	}
	p.parts = append(p.parts, k)
}

func (p *prunePath) index(i int) {
	p.parts = append(p.parts, "[", itoa(i), "]")
}

func (p *prunePath) record(k string) {
	if p.out == nil {
		return
	}
	n := len(p.parts)
	p.key(k)
	path := ""
	for _, s := range p.parts {
		path += s
	}
	*p.out = append(*p.out, path)
	p.parts = p.parts[:n]
}

// walk prunes x by s. Below x-kubernetes-preserve-unknown-fields (preserve), nothing undeclared is removed, but
// declared properties and additionalProperties are pruned by their own schemas, and items keep preserving.
func (p *prunePath) walk(x any, s *Schema, preserve bool) {
	preserve = preserve || s != nil && s.XPreserveUnknownFields
	if preserve && s == nil {
		return
	}
	n := len(p.parts)
	defer func() { p.parts = p.parts[:n] }()
	switch x := x.(type) {
	case map[string]any:
		if s == nil {
			for _, k := range sortedKeys(x) {
				p.record(k)
				delete(x, k)
			}
			return
		}
		if s.XEmbeddedResource && len(p.parts) > 0 {
			p.pruneObjectMeta(x["metadata"])
		}
		for _, k := range sortedKeys(x) {
			if s.XEmbeddedResource && metaFields[k] {
				continue
			}
			switch prop, ok := s.Properties[k]; {
			case ok:
				p.key(k)
				p.walk(x[k], prop, false)
				p.parts = p.parts[:n]
			case s.HasAdditionalProperties:
				p.key(k)
				p.walk(x[k], s.AdditionalProperties, false)
				p.parts = p.parts[:n]
			case !preserve:
				if !metaFields[k] || len(p.parts) > 0 {
					p.record(k)
				}
				delete(x, k)
			}
		}
	case []any:
		var items *Schema
		if s != nil {
			items = s.Items
		}
		for i, v := range x {
			p.index(i)
			p.walk(v, items, preserve)
			p.parts = p.parts[:n]
		}
	}
}

// pruneObjectMeta drops the fields ObjectMeta does not have (by the generated schema of metav1.ObjectMeta, its owner
// references and managed fields entries included) from the metadata of an embedded resource, as kube's objectmeta
// coercion does by decoding it, and records their paths ("spec.e.metadata.junk").
func (p *prunePath) pruneObjectMeta(v any) {
	meta, ok := v.(map[string]any)
	metaSchema, known := types.SchemaForType("metav1.ObjectMeta")
	if !ok || !known {
		return
	}
	n := len(p.parts)
	defer func() { p.parts = p.parts[:n] }()
	p.key("metadata")
	p.pruneFields(meta, metaSchema)
	for _, field := range []string{"ownerReferences", "managedFields"} {
		f, _ := metaSchema.Field(field)
		list, _ := meta[field].([]any)
		for i, e := range list {
			entry, ok := e.(map[string]any)
			if !ok {
				continue
			}
			m := len(p.parts)
			p.key(field)
			p.index(i)
			p.pruneFields(entry, f.Type.Elem())
			p.parts = p.parts[:m]
		}
	}
}

// pruneFields drops from m the members the struct schema s does not have, and records them.
func (p *prunePath) pruneFields(m map[string]any, s *types.Schema) {
	for _, k := range sortedKeys(m) {
		if _, known := s.Field(k); !known {
			p.record(k)
			delete(m, k)
		}
	}
}

// dropNonNullableNulls is kube's PruneNonNullableNullsWithoutDefaults: it deletes object fields whose value is
// null where their schema is neither nullable nor defaulted.
func dropNonNullableNulls(x any, s *Schema) {
	switch x := x.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			fs := s.fieldSchema(k)
			if x[k] == nil && fs != nil && !fs.Nullable && !fs.HasDefault {
				delete(x, k)
				continue
			}
			dropNonNullableNulls(x[k], fs)
		}
	case []any:
		var items *Schema
		if s != nil {
			items = s.Items
		}
		for _, v := range x {
			dropNonNullableNulls(v, items)
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
