package patch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubemem/kubemem/types"
)

const (
	typeList = "[]interface {}"
	typeMap  = "map[string]interface {}"
)

// applyRetainKeys applies a {"$retainKeys": [k...]} directive of patch to orig: every key of orig missing from the
// list is removed, after checking that the patch sets no key outside the list (nulls and parallel-list directives
// aside). Upstream honours it in any object, whatever the schema says.
func applyRetainKeys(orig, patch map[string]any) error {
	rk, ok := patch[retainKeysDirective]
	if !ok {
		return nil
	}
	delete(patch, retainKeysDirective)
	list, ok := rk.([]any)
	if !ok {
		return &InvalidPatchError{Err: ErrBadPatchFormatForRetainKeys}
	}
	retain := make(map[string]bool, len(list))
	for _, v := range list {
		switch k := v.(type) {
		case string:
			retain[k] = true
		case map[string]any, []any:
			return &MergeError{Err: fmt.Errorf("runtime error: hash of unhashable type %T", v)}
		}
	}
	for k, v := range patch {
		if v == nil || strings.HasPrefix(k, deleteFromPrimitivePrefix) || strings.HasPrefix(k, setElementOrderPrefix) {
			continue
		}
		if !retain[k] {
			return &InvalidPatchError{Err: ErrBadPatchFormatForRetainKeys}
		}
	}
	for k := range orig {
		if !retain[k] {
			delete(orig, k)
		}
	}
	return nil
}

// applySetElementOrders processes the "$setElementOrder/<field>" directives of patch, with the list they order:
// the list is merged and then ordered by the directive (then by the patch list, then by the original list). Both
// keys are removed from patch.
func applySetElementOrders(orig, patch map[string]any, s *types.Schema) error {
	var keys []string
	for k := range patch {
		if strings.HasPrefix(k, setElementOrderPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		orderValue := patch[k]
		delete(patch, k)
		order, ok := orderValue.([]any)
		if !ok {
			return badArgType(typeList, orderValue)
		}
		field, err := extractKey(k, setElementOrderPrefix)
		if err != nil {
			return err
		}
		if err := setElementOrder(orig, patch, s, field, order); err != nil {
			return err
		}
	}
	return nil
}

func setElementOrder(orig, patch map[string]any, s *types.Schema, field string, order []any) error {
	origValue, foundOrig, err := member(orig, field)
	if err != nil {
		return err
	}
	patchValue, foundPatch := patch[field]
	var origList, patchList []any
	if foundOrig {
		l, ok := origValue.([]any)
		if !ok {
			return badArgType(typeList, origValue)
		}
		origList = l
	}
	if foundPatch {
		l, ok := patchValue.([]any)
		if !ok {
			return badArgType(typeList, patchValue)
		}
		patchList = l
	}
	elem, f, err := lookupSliceField(s, field)
	if err != nil {
		return err
	}
	strategy, err := patchStrategy(f.PatchStrategy)
	if err != nil {
		return err
	}
	mergeKey := f.PatchMergeKey
	if err := validateSetElementOrder(patchList, order, mergeKey); err != nil {
		return err
	}
	var merged, pending []any
	switch {
	case foundOrig && !foundPatch:
		merged = origList
	case !foundOrig && foundPatch:
		merged = removeDirectives(patchList).([]any)
		pending = merged
	case foundOrig && foundPatch:
		// Upstream merges the original list in place: deletions shift its elements and appends may land in the
		// space they free, and the ordering below then reads origList as it was left. Same slices, same result.
		if merged, err = mergeListField(origList, patchList, elem, strategy, mergeKey, false, &pending); err != nil {
			return err
		}
	default:
		return nil
	}
	kind, err := listElementKind(origList, patchList)
	if err != nil {
		return err
	}
	ordered, err := orderList(merged, order, origList, mergeKey, kind)
	if err != nil {
		return err
	}
	for _, v := range pending {
		cleanVerbatim(v)
	}
	orig[field] = ordered
	delete(patch, field)
	return nil
}

// validateSetElementOrder checks that the non-delete elements of the patch list appear in the $setElementOrder
// list, in the same relative order.
func validateSetElementOrder(patchList, order []any, mergeKey string) error {
	if len(order) == 0 || len(patchList) == 0 {
		return nil
	}
	nonDelete := patchList
	if mergeKey != "" {
		nonDelete = make([]any, 0, len(patchList))
		for _, v := range patchList {
			m, ok := v.(map[string]any)
			if !ok {
				return badArgType(typeMap, v)
			}
			if m[directiveMarker] != directiveDelete {
				nonDelete = append(nonDelete, v)
			}
		}
	}
	pi, oi := 0, 0
	for pi < len(nonDelete) && oi < len(order) {
		if m, ok := nonDelete[pi].(map[string]any); ok {
			if _, directive := m[directiveMarker]; directive {
				pi++
				continue
			}
		}
		equal, err := mergeKeyValueEqual(nonDelete[pi], order[oi], mergeKey)
		if err != nil {
			return err
		}
		if equal {
			pi++
		}
		oi++
	}
	if pi < len(nonDelete) && oi >= len(order) {
		return &MergeError{Err: fmt.Errorf("The order in patch list:\n%v\n doesn't match %s list:\n%v\n", patchList, setElementOrderPrefix, order)}
	}
	return nil
}

// mergeKeyValueEqual compares two list elements by their merge key (by value for lists of scalars).
func mergeKeyValueEqual(left, right any, mergeKey string) (bool, error) {
	if mergeKey == "" {
		return scalarEqual(left, right)
	}
	l, ok := left.(map[string]any)
	if !ok {
		return false, badArgType(typeMap, left)
	}
	r, ok := right.(map[string]any)
	if !ok {
		return false, badArgType(typeMap, right)
	}
	lv, ok := l[mergeKey]
	if !ok {
		return false, noMergeKey(l, mergeKey)
	}
	rv, ok := r[mergeKey]
	if !ok {
		return false, noMergeKey(r, mergeKey)
	}
	return scalarEqual(lv, rv)
}

// scalarEqual is Go's == on decoded values, which upstream uses on merge keys and scalar list elements. Comparing
// two objects or two lists that way is a run-time panic upstream (kube-apiserver answers 500); it is an error here.
func scalarEqual(a, b any) (bool, error) {
	switch a.(type) {
	case map[string]any:
		if _, ok := b.(map[string]any); ok {
			return false, errUncomparable(a)
		}
		return false, nil
	case []any:
		if _, ok := b.([]any); ok {
			return false, errUncomparable(a)
		}
		return false, nil
	}
	return a == b, nil
}

func errUncomparable(v any) error {
	return &MergeError{Err: fmt.Errorf("runtime error: comparing uncomparable type %T", v)}
}

// addedValue prepares a patch value for a key the original lacks, as upstream does (nulls inside dropped, objects
// holding "$patch" dropped), and also drops the other directive keys, which kube-apiserver's typed decoding would
// drop. It reports false when the value itself is a directive object.
func addedValue(v any) (any, bool) {
	discardNulls(v)
	if m, ok := v.(map[string]any); ok {
		if _, directive := m[directiveMarker]; directive {
			return nil, false
		}
	}
	return cleanVerbatim(removeDirectives(v)), true
}

// discardNulls removes the null members of every object in v.
func discardNulls(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
			} else {
				discardNulls(e)
			}
		}
	case []any:
		for _, e := range x {
			discardNulls(e)
		}
	}
}

// removeDirectives drops every object holding a "$patch" key from v (object members and list elements alike), as
// upstream's removeDirectives does; v itself must not be such an object.
func removeDirectives(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if isDirectiveMap(e) {
				delete(x, k)
			} else {
				x[k] = removeDirectives(e)
			}
		}
		return x
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if !isDirectiveMap(e) {
				out = append(out, removeDirectives(e))
			}
		}
		return out
	default:
		return v
	}
}

func isDirectiveMap(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, found := m[directiveMarker]
	return found
}

// cleanVerbatim removes, in place, the null members and the directive keys ($patch, $retainKeys,
// $setElementOrder/..., $deleteFromPrimitiveList/...) of every object in v: what kube-apiserver's typed decoding
// drops from the patch content upstream copies verbatim into its result. It returns v.
func cleanVerbatim(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil || isDirectiveKey(k) {
				delete(x, k)
			} else {
				cleanVerbatim(e)
			}
		}
	case []any:
		for _, e := range x {
			cleanVerbatim(e)
		}
	}
	return v
}

func isDirectiveKey(k string) bool {
	return len(k) > 0 && k[0] == '$' && (k == directiveMarker || k == retainKeysDirective ||
		strings.HasPrefix(k, setElementOrderPrefix) || strings.HasPrefix(k, deleteFromPrimitivePrefix))
}
