package patch

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// The strategic merge patch directives.
const (
	directiveMarker           = "$patch"
	directiveDelete           = "delete"
	directiveReplace          = "replace"
	directiveMerge            = "merge"
	retainKeysDirective       = "$retainKeys"
	deleteFromPrimitivePrefix = "$deleteFromPrimitiveList"
	setElementOrderPrefix     = "$setElementOrder"
)

// StrategicMerge applies a strategic merge patch (application/strategic-merge-patch+json) to original, with the
// semantics of k8s.io/apimachinery's strategicpatch.StrategicMergePatch on the kind whose schema is given:
//
//   - objects merge key by key; null deletes a key; a value the original lacks is added (nulls and "$patch" maps
//     inside it dropped); a value of another JSON type replaces the original one;
//   - lists of fields with patch strategy "merge" merge: lists of objects by the field's merge key (containers and
//     env by name, ports by containerPort, volumeMounts by mountPath, ...), lists of scalars as a set; every other
//     list is replaced;
//   - the directives {"$patch": "replace"|"delete"} in objects and list elements, {"$retainKeys": [...]},
//     "$deleteFromPrimitiveList/<field>": [...] and "$setElementOrder/<field>": [...].
//
// The order of merged lists follows upstream exactly, as do its results that look accidental: an object added only
// with nulls stays as {}, a merged list whose elements were all deleted stays as []. Upstream leaks the directives
// and nulls of list elements it appends, and nulls under "$patch": "replace", into its raw result, which
// kube-apiserver then drops by decoding into the typed struct; StrategicMerge drops them itself. Where upstream's
// outcome depends on Go's map iteration order (a value both added to and deleted from a scalar list in one patch),
// StrategicMerge applies the additions first, then the $deleteFromPrimitiveList directives.
//
// The result is JSON: the objects the patch reaches are written compactly with their keys sorted, everything else
// is copied from the original as it is (so the result is compact when the original is). schema nil gives
// ErrNoSchema. Errors are *InvalidPatchError (malformed document or directive), *ApplyError (lists of lists) or
// *MergeError (the patch does not fit the document or the schema). Neither input is modified; the function is
// safe for concurrent use.
func StrategicMerge(original, patchDoc []byte, schema *types.Schema) ([]byte, error) {
	if schema == nil {
		return nil, ErrNoSchema
	}
	// The original is validated whole but decoded only where the patch leads (strategic_scan.go, strategic_lazy.go).
	orig, err := parseLazy(original)
	if err != nil {
		return nil, err
	}
	var patchMap map[string]any
	if trimmedPatch := bytes.TrimSpace(patchDoc); string(trimmedPatch) == "null" {
		patchMap = map[string]any{} // encoding/json leaves the map empty, and so does kube-apiserver
	} else if patchMap, err = jsontree.DecodeObject(patchDoc); err != nil {
		return nil, &InvalidPatchError{Err: err}
	}
	result, err := mergeMap(orig, patchMap, schema)
	if err != nil {
		return nil, err
	}
	out, err := jsontree.Append(make([]byte, 0, len(original)+len(patchDoc)), result)
	if err != nil {
		return nil, &MergeError{Err: err}
	}
	return out, nil
}

// mergeMap merges patch into orig (both objects of type s) and returns the result, which is orig modified in place
// unless a $patch directive replaces it.
func mergeMap(orig, patch map[string]any, s *types.Schema) (map[string]any, error) {
	if d, ok := patch[directiveMarker]; ok {
		switch d {
		case directiveReplace:
			delete(patch, directiveMarker)
			return cleanVerbatim(patch).(map[string]any), nil
		case directiveDelete:
			return map[string]any{}, nil
		default:
			return nil, &MergeError{Err: fmt.Errorf("unknown patch type: %s in map: %v", d, patch)}
		}
	}
	if orig == nil {
		orig = map[string]any{}
	}
	if err := applyRetainKeys(orig, patch); err != nil {
		return nil, err
	}
	if err := applySetElementOrders(orig, patch, s); err != nil {
		return nil, err
	}
	var stack [16]string
	keys := stack[:0]
	for k := range patch {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		slices.Sort(keys)
	}
	// Plain keys first, then the $deleteFromPrimitiveList directives (see StrategicMerge).
	for _, k := range keys {
		if !strings.HasPrefix(k, deleteFromPrimitivePrefix) {
			if err := mergeMember(orig, k, patch[k], s, false); err != nil {
				return nil, err
			}
		}
	}
	for _, k := range keys {
		if strings.HasPrefix(k, deleteFromPrimitivePrefix) {
			target, err := extractKey(k, deleteFromPrimitivePrefix)
			if err != nil {
				return nil, err
			}
			if target == "" {
				target = k // upstream keeps the full key when nothing follows the slash
			}
			if err := mergeMember(orig, target, patch[k], s, true); err != nil {
				return nil, err
			}
		}
	}
	return orig, nil
}

// mergeMember merges the patch value pv of key k into orig. deleteList marks a $deleteFromPrimitiveList/k directive,
// whose list removes values from the list at k.
func mergeMember(orig map[string]any, k string, pv any, s *types.Schema, deleteList bool) error {
	if pv == nil {
		delete(orig, k)
		return nil
	}
	ov, ok := orig[k]
	if ok {
		var err error
		if ov, err = expand(ov); err != nil {
			return err
		}
	}
	if !ok || !sameJSONType(ov, pv) {
		if !deleteList {
			if v, keep := addedValue(pv); keep {
				orig[k] = v
			} else {
				delete(orig, k)
			}
		}
		return nil
	}
	switch o := ov.(type) {
	case map[string]any:
		f, err := lookupField(s, k)
		if err != nil {
			return err
		}
		strategy, err := patchStrategy(f.PatchStrategy)
		if err != nil {
			return err
		}
		if strategy == directiveReplace {
			orig[k] = cleanVerbatim(pv)
			return nil
		}
		merged, err := mergeMap(o, pv.(map[string]any), f.Type)
		if err != nil {
			return err
		}
		orig[k] = merged
	case []any:
		elem, f, err := lookupSliceField(s, k)
		if err != nil {
			return err
		}
		strategy, err := patchStrategy(f.PatchStrategy)
		if err != nil {
			return err
		}
		merged, err := mergeListField(o, pv.([]any), elem, strategy, f.PatchMergeKey, deleteList, nil)
		if err != nil {
			return err
		}
		orig[k] = merged
	default:
		orig[k] = pv
	}
	return nil
}

// mergeListField merges the patch list of a field into its original list by the field's strategy: merged when the
// strategy is "merge" (or for a $deleteFromPrimitiveList directive), replaced otherwise.
//
// Elements taken from the patch are cleaned (cleanVerbatim) once the list is in its final order, since ordering
// reads their merge keys as the patch gave them: with pending nil here, else by the caller, which orders the list
// again and then cleans the elements appended to *pending.
func mergeListField(orig, patch []any, elem *types.Schema, strategy, mergeKey string, deleteList bool, pending *[]any) ([]any, error) {
	var fromPatch []any
	var merged []any
	if strategy == directiveMerge || deleteList {
		var err error
		if merged, fromPatch, err = mergeList(orig, patch, elem, mergeKey, deleteList); err != nil {
			return nil, err
		}
	} else {
		merged, fromPatch = patch, patch
	}
	if pending != nil {
		*pending = append(*pending, fromPatch...)
	} else {
		for _, v := range fromPatch {
			cleanVerbatim(v)
		}
	}
	return merged, nil
}

// sameJSONType reports whether two decoded values have the same Go type (so int64 and float64 differ, as they do
// for kube-apiserver, which decodes integers to int64).
func sameJSONType(a, b any) bool {
	switch a.(type) {
	case map[string]any:
		_, ok := b.(map[string]any)
		return ok
	case []any:
		_, ok := b.([]any)
		return ok
	case string:
		_, ok := b.(string)
		return ok
	case int64:
		_, ok := b.(int64)
		return ok
	case float64:
		_, ok := b.(float64)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	case nil:
		return b == nil
	default:
		return fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
	}
}

// lookupField finds the field the JSON key k decodes into in the object type s, as apimachinery's
// LookupPatchMetadataForStruct does: exact name first, then case-insensitively.
func lookupField(s *types.Schema, k string) (*types.Field, error) {
	if s.GoKind() != "struct" {
		return nil, &MergeError{Err: fmt.Errorf("merging an object in json but data type is not struct, instead is: %s", s.GoKind())}
	}
	f, ok := s.FieldFold(k)
	if !ok {
		return nil, &MergeError{Err: fmt.Errorf("unable to find api field in struct %s for the json field %q", s.TypeName(), k)}
	}
	return f, nil
}

// lookupSliceField finds the list field k of s and the schema of its elements (LookupPatchMetadataForSlice).
func lookupSliceField(s *types.Schema, k string) (*types.Schema, *types.Field, error) {
	f, err := lookupField(s, k)
	if err != nil {
		return nil, nil, err
	}
	t := f.Type
	switch {
	case f.Pointer:
		if t.GoKind() == "slice" {
			return t.Elem(), f, nil
		}
		return t, f, nil // a pointer to something else stands for its own element type
	case t.GoKind() == "slice":
		if t.Elem().GoKind() == "slice" {
			return nil, nil, &MergeError{Err: fmt.Errorf("unexpected slice of slice")}
		}
		return t.Elem(), f, nil
	default:
		return nil, nil, &MergeError{Err: fmt.Errorf("expected slice or array type, but got: %s", s.GoKind())}
	}
}

// patchStrategy returns the strategy of a patchStrategy tag besides retainKeys ("merge", "replace" or "").
func patchStrategy(tag types.PatchStrategy) (string, error) {
	parts := strings.Split(string(tag), ",")
	switch len(parts) {
	case 1:
		if parts[0] == "retainKeys" {
			return "", nil
		}
		return parts[0], nil
	case 2:
		switch {
		case parts[0] == "retainKeys":
			return parts[1], nil
		case parts[1] == "retainKeys":
			return parts[0], nil
		}
	}
	return "", &MergeError{Err: fmt.Errorf("unexpected patch strategy: %v", parts)}
}

// extractKey returns what follows "<prefix>/" in key, or the directive's format error.
func extractKey(key, prefix string) (string, error) {
	head, rest, found := strings.Cut(key, "/")
	if !found || head != prefix {
		switch prefix {
		case deleteFromPrimitivePrefix:
			return "", &InvalidPatchError{Err: ErrBadPatchFormatForPrimitiveList}
		default:
			return "", &InvalidPatchError{Err: ErrBadPatchFormatForSetElementOrderList}
		}
	}
	return rest, nil
}

// badArgType is apimachinery's ErrBadArgType: a value is not of the type a directive or list needs.
func badArgType(expected string, actual any) error {
	return &MergeError{Err: fmt.Errorf("expected a %s, but received a %T", expected, actual)}
}

// noMergeKey is apimachinery's ErrNoMergeKey.
func noMergeKey(m map[string]any, key string) error {
	return &MergeError{Err: fmt.Errorf("map: %v does not contain declared merge key: %s", m, key)}
}
