package patch

import (
	"fmt"
	"sort"

	"github.com/kubemem/kubemem/types"
)

// elemKind is what a merged list holds.
type elemKind uint8

const (
	elemScalars elemKind = iota + 1
	elemObjects
)

// listElementKind returns what the lists hold, which must be one JSON type throughout (upstream's
// sliceElementType). Elements may be raw.
func listElementKind(lists ...[]any) (elemKind, error) {
	var first jsonType
	have := false
	for _, l := range lists {
		for _, v := range l {
			t, err := valueType(v)
			if err != nil {
				return 0, err
			}
			if !have {
				switch t {
				case typeNull:
					return 0, &MergeError{Err: fmt.Errorf("runtime error: invalid memory address or nil pointer dereference (a null list element)")}
				case typeArray:
					return 0, &ApplyError{Err: ErrNoListOfLists}
				}
				first, have = t, true
				continue
			}
			if t != first {
				return 0, &MergeError{Err: fmt.Errorf("list element types are not identical: %v", decodedForMessage(lists))}
			}
		}
	}
	if !have {
		return 0, &MergeError{Err: fmt.Errorf("no elements in any of the given slices")}
	}
	if first == typeObject {
		return elemObjects, nil
	}
	return elemScalars, nil
}

// mergeList merges the patch list into the original list of a field with strategy "merge": objects by mergeKey,
// scalars as a set (or, for a $deleteFromPrimitiveList directive, scalars removed). It returns the merged list and
// the elements of it that come from the patch (to be cleaned once ordered).
func mergeList(orig, patch []any, elem *types.Schema, mergeKey string, deleteList bool) ([]any, []any, error) {
	if len(orig) == 0 && len(patch) == 0 {
		return orig, nil, nil
	}
	kind, err := listElementKind(orig, patch)
	if err != nil {
		return nil, nil, err
	}
	var merged, fromPatch []any
	if kind == elemScalars {
		if err := expandElements(orig); err != nil {
			return nil, nil, err
		}
		if deleteList {
			return deleteValues(orig, patch), nil, nil
		}
		merged = union(orig, patch)
	} else {
		if mergeKey == "" {
			return nil, nil, &MergeError{Err: fmt.Errorf("cannot merge lists without merge key for %s", elem.GoKind())}
		}
		var replaced bool
		if orig, patch, replaced, err = applyListDirectives(orig, patch, mergeKey); err != nil {
			return nil, nil, err
		}
		if replaced {
			fromPatch = orig
		}
		var appended []any
		if merged, appended, err = mergeElements(orig, patch, mergeKey, elem); err != nil {
			return nil, nil, err
		}
		fromPatch = append(fromPatch, appended...)
	}
	ordered, err := orderList(merged, patch, orig, mergeKey, kind)
	if err != nil {
		return nil, nil, err
	}
	return ordered, fromPatch, nil
}

// union returns the values of a then b, each once.
func union(a, b []any) []any {
	out := make([]any, 0, len(a)+len(b))
	seen := make(map[any]struct{}, len(a)+len(b))
	for _, l := range [2][]any{a, b} {
		for _, v := range l {
			if _, dup := seen[v]; !dup {
				seen[v] = struct{}{}
				out = append(out, v)
			}
		}
	}
	return out
}

// deleteValues returns the values of l that are not in del.
func deleteValues(l, del []any) []any {
	drop := make(map[any]struct{}, len(del))
	for _, v := range del {
		drop[v] = struct{}{}
	}
	out := make([]any, 0, len(l))
	for _, v := range l {
		if _, found := drop[v]; !found {
			out = append(out, v)
		}
	}
	return out
}

// applyListDirectives handles the {"$patch": ...} elements of a patch list of objects: delete removes the original
// elements with its merge key value, replace makes the result the patch's other elements. It returns the original
// list (after deletions, or the replacement) and the patch's plain elements (none after a replace).
func applyListDirectives(orig, patch []any, mergeKey string) ([]any, []any, bool, error) {
	plain := make([]any, 0, len(patch))
	replace := false
	for _, v := range patch {
		m := v.(map[string]any) // listElementKind checked every element
		d, ok := m[directiveMarker]
		if !ok {
			plain = append(plain, v)
			continue
		}
		switch d {
		case directiveDelete:
			key, ok := m[mergeKey]
			if !ok {
				return nil, nil, false, noMergeKey(m, mergeKey)
			}
			var err error
			if orig, err = deleteMatching(orig, mergeKey, key); err != nil {
				return nil, nil, false, err
			}
		case directiveReplace:
			replace = true
		case directiveMerge:
			return nil, nil, false, &MergeError{Err: fmt.Errorf("merging lists cannot yet be specified in the patch")}
		default:
			return nil, nil, false, &MergeError{Err: fmt.Errorf("unknown patch type: %s in map: %v", d, m)}
		}
	}
	if replace {
		return plain, nil, true, nil
	}
	return orig, plain, false, nil
}

// deleteMatching removes every element whose merge key equals value, in place (as upstream does, shifting the
// elements of the original list).
func deleteMatching(l []any, mergeKey string, value any) ([]any, error) {
	for {
		i, found, err := findByKey(l, mergeKey, value)
		if err != nil {
			return nil, err
		}
		if !found {
			return l, nil
		}
		l = append(l[:i], l[i+1:]...)
	}
}

// findByKey returns the index of the first object of l whose merge key equals value. Elements may be raw.
func findByKey(l []any, mergeKey string, value any) (int, bool, error) {
	for i, v := range l {
		if !isObject(v) {
			return 0, false, &MergeError{Err: fmt.Errorf("value for key %v is not a map", i)}
		}
		mv, ok, err := objectMember(v, mergeKey)
		if err != nil {
			return 0, false, err
		}
		if ok {
			eq, err := scalarEqual(mv, value)
			if err != nil {
				return 0, false, err
			}
			if eq {
				return i, true, nil
			}
		}
	}
	return 0, false, nil
}

// mergeElements merges each plain patch element into the first original element with its merge key value, or
// appends it. It returns the list and the appended elements.
func mergeElements(orig, patch []any, mergeKey string, elem *types.Schema) ([]any, []any, error) {
	var appended []any
	for _, v := range patch {
		m := v.(map[string]any)
		key, ok := m[mergeKey]
		if !ok {
			return nil, nil, noMergeKey(m, mergeKey)
		}
		i, found, err := findByKey(orig, mergeKey, key)
		if err != nil {
			return nil, nil, err
		}
		if !found {
			orig = append(orig, v)
			appended = append(appended, v)
			continue
		}
		om, err := expand(orig[i])
		if err != nil {
			return nil, nil, err
		}
		merged, err := mergeMap(om.(map[string]any), m, elem)
		if err != nil {
			return nil, nil, err
		}
		orig[i] = merged
	}
	return orig, appended, nil
}

// orderList puts the merged list in upstream's order: the elements named in order (the patch list, or a
// $setElementOrder list) sorted by it, interleaved with the other elements sorted by serverOrder (the original
// list), each of those placed before the first ordered element that follows it in serverOrder.
func orderList(merged, order, serverOrder []any, mergeKey string, kind elemKind) ([]any, error) {
	var inOrder, serverOnly []any
	if kind == elemScalars {
		if err := expandElements(merged); err != nil {
			return nil, err
		}
		if err := expandElements(serverOrder); err != nil {
			return nil, err
		}
	}
	if mergeKey == "" {
		set := make(map[any]struct{}, len(order))
		for _, v := range order {
			if err := hashable(v); err != nil {
				return nil, err
			}
			set[v] = struct{}{}
		}
		for _, v := range merged {
			if err := hashable(v); err != nil {
				return nil, err
			}
			if _, found := set[v]; found {
				inOrder = append(inOrder, v)
			} else {
				serverOnly = append(serverOnly, v)
			}
		}
	} else {
		for _, v := range merged {
			if !isObject(v) {
				return nil, badArgType(typeMap, decodedForMessage(v))
			}
			key, ok, err := objectMember(v, mergeKey)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, noMergeKey(decodedForMessage(v).(map[string]any), mergeKey)
			}
			_, found, err := findByKey(order, mergeKey, key)
			if err != nil {
				return nil, err
			}
			if found {
				inOrder = append(inOrder, v)
			} else {
				serverOnly = append(serverOnly, v)
			}
		}
	}
	inOrder, err := sortByOrder(inOrder, order, mergeKey, kind)
	if err != nil {
		return nil, err
	}
	serverOnly, err = sortByOrder(serverOnly, serverOrder, mergeKey, kind)
	if err != nil {
		return nil, err
	}
	return interleave(serverOnly, inOrder, serverOrder, mergeKey, kind)
}

func hashable(v any) error {
	switch v.(type) {
	case map[string]any, []any, *rawValue:
		return &MergeError{Err: fmt.Errorf("runtime error: hash of unhashable type %T", decodedForMessage(v))}
	}
	return nil
}

// positioned is a list element with its position in an order list (-1 when absent).
type positioned struct {
	v   any
	pos int
}

const unknownPosition = -2

// alreadySorted computes every position and reports whether all are found and in order: then the stable sort
// would not move anything. A failed comparison falls back to the sort, which fails only where upstream would.
func alreadySorted(items []positioned, ix *orderIndex) bool {
	prev := -1
	for _, it := range items {
		p, err := ix.position(it.v)
		if err != nil || p < 0 || p < prev {
			return false
		}
		prev = p
	}
	return true
}

// sortByOrder sorts l by the positions of its elements in order, stably, with upstream's comparison: an element
// absent from order is "less" than anything. With objects, elements marked {"$patch": "delete"} go last. The
// comparison is not a strict order when elements are absent, so the result depends on the sorting algorithm:
// this uses the one upstream uses (sort.SliceStable).
func sortByOrder(l, order []any, mergeKey string, kind elemKind) ([]any, error) {
	var deleted []any
	if kind == elemObjects {
		if err := requireMergeKeys(mergeKey, l, order); err != nil {
			return nil, err
		}
		kept := l[:0:0]
		for _, v := range l {
			d, _, err := objectMember(v, directiveMarker)
			if err != nil {
				return nil, err
			}
			if d == directiveDelete {
				deleted = append(deleted, v)
			} else {
				kept = append(kept, v)
			}
		}
		l = kept
	}
	ix, err := newOrderIndex(order, mergeKey, kind)
	if err != nil {
		return nil, err
	}
	items := make([]positioned, len(l))
	for i, v := range l {
		items[i] = positioned{v: v, pos: unknownPosition}
	}
	if len(items) > 1 && !alreadySorted(items, ix) {
		// Positions are computed as upstream computes them, only when compared: a comparison upstream never makes
		// cannot fail (merge key values that are objects or lists make == panic upstream).
		var sortErr error
		pos := func(it *positioned) int {
			if it.pos == unknownPosition {
				p, err := ix.position(it.v)
				if err != nil && sortErr == nil {
					sortErr = err
				}
				it.pos = p
			}
			return it.pos
		}
		sort.SliceStable(items, func(i, j int) bool {
			if pos(&items[i]) >= 0 && pos(&items[j]) >= 0 {
				return items[i].pos < items[j].pos
			}
			return true
		})
		if sortErr != nil {
			return nil, sortErr
		}
	}
	out := make([]any, 0, len(items)+len(deleted))
	for _, it := range items {
		out = append(out, it.v)
	}
	return append(out, deleted...), nil
}

// requireMergeKeys checks that every element of the lists is an object with the merge key.
func requireMergeKeys(mergeKey string, lists ...[]any) error {
	for _, l := range lists {
		for _, v := range l {
			if !isObject(v) {
				return badArgType(typeMap, decodedForMessage(v))
			}
			if _, ok, err := objectMember(v, mergeKey); err != nil {
				return err
			} else if !ok {
				return noMergeKey(decodedForMessage(v).(map[string]any), mergeKey)
			}
		}
	}
	return nil
}

// interleave merges serverOnly (sorted by serverOrder) into inOrder: an element of serverOnly goes first while it
// precedes the next element of inOrder in serverOrder (both found there); everything left follows.
func interleave(serverOnly, inOrder, serverOrder []any, mergeKey string, kind elemKind) ([]any, error) {
	if len(serverOnly) == 0 {
		return inOrder, nil
	}
	if len(inOrder) == 0 {
		return serverOnly, nil
	}
	ix, err := newOrderIndex(serverOrder, mergeKey, kind)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(serverOnly)+len(inOrder))
	i, j := 0, 0
	for i < len(serverOnly) && j < len(inOrder) {
		li, err := ix.position(serverOnly[i])
		if err != nil {
			return nil, err
		}
		ri, err := ix.position(inOrder[j])
		if err != nil {
			return nil, err
		}
		if li >= 0 && ri >= 0 && li < ri {
			out = append(out, serverOnly[i])
			i++
		} else {
			out = append(out, inOrder[j])
			j++
		}
	}
	out = append(out, serverOnly[i:]...)
	return append(out, inOrder[j:]...), nil
}

// orderIndex finds the position of a list element in an order list: by merge key value for objects, by value for
// scalars (upstream's index function, which compares with ==).
type orderIndex struct {
	mergeKey string
	objects  bool
	keys     []any
	first    map[any]int // first position of each key; nil for short lists
}

func newOrderIndex(order []any, mergeKey string, kind elemKind) (*orderIndex, error) {
	ix := &orderIndex{mergeKey: mergeKey, objects: kind == elemObjects, keys: make([]any, len(order))}
	for i, v := range order {
		k, err := ix.key(v)
		if err != nil {
			return nil, err
		}
		ix.keys[i] = k
	}
	if len(order) > 8 {
		ix.first = make(map[any]int, len(order))
		for i, k := range ix.keys {
			if hashable(k) != nil {
				ix.first = nil // compared one by one, to fail as upstream does
				break
			}
			if _, dup := ix.first[k]; !dup {
				ix.first[k] = i
			}
		}
	}
	return ix, nil
}

func (ix *orderIndex) key(v any) (any, error) {
	if !ix.objects {
		return v, nil
	}
	k, _, err := objectMember(v, ix.mergeKey)
	return k, err
}

func (ix *orderIndex) position(v any) (int, error) {
	k, err := ix.key(v)
	if err != nil {
		return 0, err
	}
	if ix.first != nil && hashable(k) == nil {
		if p, ok := ix.first[k]; ok {
			return p, nil
		}
		return -1, nil
	}
	for i, o := range ix.keys {
		eq, err := scalarEqual(k, o)
		if err != nil {
			return 0, err
		}
		if eq {
			return i, nil
		}
	}
	return -1, nil
}
