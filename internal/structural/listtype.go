package structural

import (
	"encoding/json"

	"github.com/kubemem/kubemem/types"
)

// validateListTypes is kube's listtype.ValidateListSetsAndMaps: the elements of x-kubernetes-list-type=set lists
// must be unique, and so must the keys of list-type=map elements. Fields are visited in sorted order.
func validateListTypes(p *types.FieldPath, s *Schema, obj map[string]any) types.FieldErrorList {
	if s == nil || obj == nil {
		return nil
	}
	var errs types.FieldErrorList
	keys := sortedKeys(obj)
	if s.AdditionalProperties != nil {
		for _, k := range keys {
			errs = append(errs, listTypesOf(p.Key(k), s.AdditionalProperties, obj[k])...)
		}
	}
	if s.Properties != nil {
		for _, k := range keys {
			if sub, ok := s.Properties[k]; ok {
				errs = append(errs, listTypesOf(p.Child(k), sub, obj[k])...)
			}
		}
	}
	return errs
}

func listTypesOf(p *types.FieldPath, s *Schema, v any) types.FieldErrorList {
	switch v := v.(type) {
	case []any:
		return listTypesOfArray(p, s, v)
	case map[string]any:
		return validateListTypes(p, s, v)
	}
	return nil
}

func listTypesOfArray(p *types.FieldPath, s *Schema, l []any) types.FieldErrorList {
	var errs types.FieldErrorList
	switch s.XListType {
	case "set":
		for _, i := range nonUnique(l) {
			errs = append(errs, types.FieldDuplicate(p.Index(i), l[i]))
		}
	case "map":
		errs = append(errs, validateListMap(p, s, l)...)
	}
	if s.Items != nil {
		for i, v := range l {
			errs = append(errs, listTypesOf(p.Index(i), s.Items, v)...)
		}
	}
	return errs
}

// unspecifiedKey stands for an absent map-list key, distinct from every JSON value.
type unspecifiedKey struct{}

// nonUnique returns the indexes of the second occurrence of each repeated element: scalars compare as Go values
// (so 1 and 1.0 differ), objects and arrays by their JSON encoding.
func nonUnique(l []any) []int {
	if len(l) <= 1 {
		return nil
	}
	scalars := map[any]int{}
	compounds := map[string]int{}
	var out []int
	for i, x := range l {
		switch x.(type) {
		case map[string]any, []any:
			b, _ := json.Marshal(x)
			compounds[string(b)]++
			if compounds[string(b)] == 2 {
				out = append(out, i)
			}
		default:
			scalars[x]++
			if scalars[x] == 2 {
				out = append(out, i)
			}
		}
	}
	return out
}

// validateListMap checks a list-type=map list: elements must be objects (or null), with unique keys.
func validateListMap(p *types.FieldPath, s *Schema, l []any) types.FieldErrorList {
	for i, x := range l {
		if _, ok := x.(map[string]any); x != nil && !ok {
			return types.FieldErrorList{types.FieldInvalid(p.Index(i), x, "must be an object for an array of list-type map")}
		}
	}
	if len(l) <= 1 {
		return nil
	}
	var errs types.FieldErrorList
	if len(s.XListMapKeys) == 1 {
		field := s.XListMapKeys[0]
		keys := make([]any, 0, len(l))
		for _, x := range l {
			m, _ := x.(map[string]any)
			k, ok := m[field]
			if !ok {
				keys = append(keys, unspecifiedKey{})
				continue
			}
			keys = append(keys, k)
		}
		for _, i := range nonUnique(keys) {
			if _, ok := keys[i].(unspecifiedKey); ok {
				errs = append(errs, types.FieldDuplicate(p.Index(i), map[string]any{}))
			} else {
				errs = append(errs, types.FieldDuplicate(p.Index(i), map[string]any{field: keys[i]}))
			}
		}
		return errs
	}
	keys := make([]any, 0, len(l))
	for _, x := range l {
		key := map[string]any{}
		m, _ := x.(map[string]any)
		for _, f := range s.XListMapKeys {
			if k, ok := m[f]; ok {
				key[f] = k
			}
		}
		keys = append(keys, key)
	}
	for _, i := range nonUnique(keys) {
		errs = append(errs, types.FieldDuplicate(p.Index(i), keys[i]))
	}
	return errs
}
