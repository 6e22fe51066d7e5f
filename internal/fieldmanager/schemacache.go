package fieldmanager

import (
	"sigs.k8s.io/structured-merge-diff/v6/schema"

	"github.com/kubemem/kubemem/types"
)

// schemaCache holds what the fast paths of Update (fastCompare) would otherwise compute, and allocate, at every
// value they walk: the FieldsV1 keys of the fields of structs and the relationships and keys of lists, for the
// schemas reachable from one built-in kind. It is built with its type converter and never modified afterwards, so
// it is safe for concurrent use. A nil *schemaCache, or a schema it does not hold (the root of Manager.metaKind),
// gives the same answers computed on the spot.
type schemaCache struct {
	fieldKeys map[*types.Schema][]string // by struct schema: "f:" and each field's name, in FieldsNoCopy's order
	lists     map[listRef]listInfo       // by list schema and the field holding the list
}

// listRef names a list schema where it is used: as the type of field f, or as an element or value type (nil f).
type listRef struct {
	s *types.Schema
	f *types.Field
}

// listInfo is what listRelationship says of a list, with its keys sorted as listItemPE reads them.
type listInfo struct {
	rel    schema.ElementRelationship
	sorted []string
}

// newSchemaCache returns the cache of the schemas reachable from the struct schema root.
func newSchemaCache(root *types.Schema) *schemaCache {
	c := &schemaCache{fieldKeys: map[*types.Schema][]string{}, lists: map[listRef]listInfo{}}
	c.add(root, nil)
	return c
}

// add adds the schema s, the type of field f (nil for the root, list elements and map values), and the schemas
// below it.
func (c *schemaCache) add(s *types.Schema, f *types.Field) {
	if s == nil {
		return
	}
	switch s.Kind() {
	case types.KindObject:
		if _, done := c.fieldKeys[s]; done {
			return
		}
		fields := s.FieldsNoCopy()
		keys := make([]string, len(fields))
		c.fieldKeys[s] = keys // before the fields: types may be recursive
		for i := range fields {
			keys[i] = "f:" + fields[i].Name
			c.add(fields[i].Type, &fields[i])
		}
	case types.KindList:
		ref := listRef{s: s, f: f}
		if _, done := c.lists[ref]; done {
			return
		}
		rel, keys := listRelationship(s, f)
		c.lists[ref] = listInfo{rel: rel, sorted: sortedKeys(keys)}
		c.add(s.Elem(), nil)
	case types.KindMap:
		c.add(s.Elem(), nil)
	}
}

// keysOf returns the FieldsV1 keys of the fields of the struct schema s (see schemaCache.fieldKeys), or nil.
func (c *schemaCache) keysOf(s *types.Schema) []string {
	if c == nil {
		return nil
	}
	return c.fieldKeys[s]
}

// list returns listRelationship's answer for the list schema s of field f (nil: an element or value type), with the
// keys sorted as sortedKeys sorts them.
func (c *schemaCache) list(s *types.Schema, f *types.Field) (schema.ElementRelationship, []string) {
	if c != nil {
		if info, ok := c.lists[listRef{s: s, f: f}]; ok {
			return info.rel, info.sorted
		}
	}
	rel, keys := listRelationship(s, f)
	return rel, sortedKeys(keys)
}
