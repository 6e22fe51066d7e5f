package structural

import (
	"fmt"
	"reflect"
	"strings"
)

// corr correlates a value of an updated object with the value at the same place in the old object, as kube's
// common.CorrelatedObject does for CRD validation ratcheting: object fields by name (declared properties and
// additionalProperties values), list-type=map elements by their keys; atomic lists, sets and unset list types are
// not correlated by element. A nil *corr is an uncorrelated value.
type corr struct {
	old, new any
	schema   *Schema

	equal    *bool         // cached deepEqual
	mapList  *mapList      // the old elements of a list-type=map list, by key
	children map[any]*corr // field name or index
}

// newCorr correlates new with old under schema s.
func newCorr(new, old any, s *Schema) *corr {
	return &corr{old: old, new: new, schema: s}
}

// key returns the correlation of field k, or nil when the field is not in both objects or has no schema.
func (c *corr) key(k string, parentName string) *corr {
	if parentName == "" && (k == "kind" || k == "apiVersion") {
		// kube does not ratchet the type meta of the root: both sides are converted to the same version.
		return nil
	}
	return c.field(k)
}

func (c *corr) field(k string) *corr {
	if c == nil || c.schema == nil {
		return nil
	}
	if child, ok := c.children[k]; ok {
		return child
	}
	oldMap, okOld := c.old.(map[string]any)
	newMap, okNew := c.new.(map[string]any)
	if !okOld || !okNew {
		return nil
	}
	oldV, okOld := oldMap[k]
	newV, okNew := newMap[k]
	if !okOld || !okNew {
		return nil
	}
	s := c.schema.Properties[k]
	if s == nil {
		s = c.schema.AdditionalProperties
	}
	if s == nil {
		return nil
	}
	child := &corr{old: oldV, new: newV, schema: s}
	if c.children == nil {
		c.children = map[any]*corr{}
	}
	c.children[k] = child
	return child
}

// index returns the correlation of element i, or nil when it cannot be correlated.
func (c *corr) index(i int) *corr {
	if c == nil || c.schema == nil {
		return nil
	}
	if child, ok := c.children[i]; ok {
		return child
	}
	newList, ok := c.new.([]any)
	if !ok || i >= len(newList) {
		return nil
	}
	oldList, ok := c.old.([]any)
	if !ok || c.schema.XListType != "map" {
		return nil
	}
	if c.mapList == nil {
		c.mapList = newMapList(c.schema, oldList)
	}
	oldV := c.mapList.get(newList[i])
	if oldV == nil || c.schema.Items == nil {
		return nil
	}
	child := &corr{old: oldV, new: newList[i], schema: c.schema.Items}
	if c.children == nil {
		c.children = map[any]*corr{}
	}
	c.children[i] = child
	return child
}

// deepEqual is CorrelatedObject.CachedDeepEqual: whether the new value equals the old one, where objects compare
// field by correlated field (so a field without a schema makes them differ) and correlated lists element by
// element.
func (c *corr) deepEqual() (res bool) {
	if c == nil {
		return false
	}
	if c.equal != nil {
		return *c.equal
	}
	defer func() { c.equal = &res }()
	if c.new == nil && c.old == nil {
		return true
	}
	if c.new == nil || c.old == nil {
		return false
	}
	oldList, oldIsList := c.old.([]any)
	newList, newIsList := c.new.([]any)
	oldMap, oldIsMap := c.old.(map[string]any)
	newMap, newIsMap := c.new.(map[string]any)
	if oldIsList != newIsList || oldIsMap != newIsMap {
		return false
	}
	switch {
	case oldIsList:
		if len(oldList) != len(newList) {
			return false
		}
		for i := range newList {
			child := c.index(i)
			if child == nil {
				if c.mapList == nil {
					return reflect.DeepEqual(oldList, newList)
				}
				return false
			}
			if !child.deepEqual() {
				return false
			}
		}
		return true
	case oldIsMap:
		if len(oldMap) != len(newMap) {
			return false
		}
		for _, k := range sortedKeys(newMap) {
			child := c.field(k)
			if child == nil || !child.deepEqual() {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(c.old, c.new)
}

// mapList indexes the elements of a list-type=map list by their keys; the first element with a key wins.
type mapList struct {
	keys  []string
	items map[string]map[string]any
}

func newMapList(s *Schema, items []any) *mapList {
	l := &mapList{keys: s.XListMapKeys, items: map[string]map[string]any{}}
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		if k, ok := l.keyOf(m); ok {
			if _, dup := l.items[k]; !dup {
				l.items[k] = m
			}
		}
	}
	return l
}

// keyOf is kube's composite key of a map-list element: one key compares the values themselves, several compare
// their formatted text (floats with %f).
func (l *mapList) keyOf(m map[string]any) (string, bool) {
	if len(l.keys) == 0 {
		return "", false
	}
	if len(l.keys) == 1 {
		switch v := m[l.keys[0]].(type) {
		case bool, float64, int64, string:
			return fmt.Sprintf("%T\x00%v", v, v), true
		}
		return "", false
	}
	var b strings.Builder
	for _, k := range l.keys {
		v, ok := m[k]
		if !ok {
			return "", false
		}
		switch v := v.(type) {
		case bool:
			fmt.Fprintf(&b, "\x00%t", v)
		case float64:
			fmt.Fprintf(&b, "\x00%f", v)
		case int64:
			fmt.Fprintf(&b, "\x00%d", v)
		case string:
			fmt.Fprintf(&b, "\x00%q", v)
		default:
			return "", false
		}
	}
	return b.String(), true
}

func (l *mapList) get(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	k, ok := l.keyOf(m)
	if !ok {
		return nil
	}
	if it, ok := l.items[k]; ok {
		return it
	}
	return nil
}
