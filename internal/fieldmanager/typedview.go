package fieldmanager

import (
	"github.com/kubemem/kubemem/types"
)

// typedView returns obj, an object of the built-in kind whose root schema is s, as kube-apiserver's field manager
// sees it. kube holds built-in objects as Go structs and hands them to SMD by reflection, which follows
// encoding/json: fields the schema does not declare are gone, a null or missing field has its Go zero value, structs
// are always present, and omitempty (omitzero) drops empty (zero) scalars, lists, maps and nil pointers. An update's
// changes are computed between these views, so that, as in kube, a struct present in both objects is not a member
// of the updater's set and a zero value written explicitly is not a change.
//
// obj is not modified; the result shares every map and list that needs no change with it (copy on write), so an
// object already in that form is returned as is.
func typedView(s *types.Schema, obj map[string]any) map[string]any {
	out, _ := viewStruct(s, obj)
	return out
}

// viewStruct returns the view of the struct value m of type s, and whether it differs from m.
func viewStruct(s *types.Schema, m map[string]any) (map[string]any, bool) {
	out := m
	changed := false
	own := func() {
		if !changed {
			changed = true
			out = make(map[string]any, len(m)+2)
			for k, v := range m {
				out[k] = v
			}
		}
	}
	for k := range m {
		if _, ok := s.Field(k); !ok {
			own()
			delete(out, k)
		}
	}
	fields := s.FieldsNoCopy()
	for i := range fields {
		f := &fields[i]
		v, present := m[f.Name]
		nv, keep, fieldChanged := viewField(f, v, present)
		if !fieldChanged {
			continue
		}
		own()
		if keep {
			out[f.Name] = nv
		} else {
			delete(out, f.Name)
		}
	}
	return out, changed
}

// viewField returns the view of the value v of field f (present says whether the object has the field), whether
// the view has the field, and whether it differs from the object.
func viewField(f *types.Field, v any, present bool) (view any, keep, changed bool) {
	t := f.Type
	if v == nil {
		view, keep = zeroField(f)
		changed = keep != present || (keep && view != nil)
		return view, keep, changed
	}
	if f.OmitZero && isZeroScalar(v) {
		return nil, false, true
	}
	switch {
	case t.Kind() == types.KindObject:
		m, ok := v.(map[string]any)
		if !ok {
			return v, true, false // a type error, for validation to report
		}
		nm, c := viewStruct(t, m)
		return nm, true, c
	case t.GoKind() == "struct" || f.Pointer:
		return v, true, false // types with their own JSON form, and set pointers, are kept as written
	}
	switch t.Kind() {
	case types.KindList:
		l, ok := v.([]any)
		if !ok {
			return v, true, false
		}
		if len(l) == 0 && f.OmitEmpty {
			return nil, false, true
		}
		nl, c := viewList(t.Elem(), l)
		return nl, true, c
	case types.KindMap:
		m, ok := v.(map[string]any)
		if !ok {
			return v, true, false
		}
		if len(m) == 0 && f.OmitEmpty {
			return nil, false, true
		}
		nm, c := viewMap(t.Elem(), m)
		return nm, true, c
	}
	if f.OmitEmpty && isZeroScalar(v) {
		return nil, false, true
	}
	return v, true, false
}

// fieldShallow returns the value of field f in the typed view of a struct whose value of f is v (present says
// whether the struct has f), and whether the view has the field, as viewField does but without taking the view of
// what is below: a struct, list or map the object has is returned as the object has it, and a struct's zero value
// (a missing or null field) as an empty map, whose view that zero value is. fastCompare takes the views below as it
// walks them, so that the walk allocates none.
func fieldShallow(f *types.Field, v any, present bool) (any, bool) {
	t := f.Type
	if v == nil {
		if !f.OmitZero && !f.Pointer && t.GoKind() == "struct" && t.Kind() == types.KindObject {
			return map[string]any(nil), true // zeroField's zeroObject(t), the view of an empty struct
		}
		return zeroField(f)
	}
	if f.OmitZero && isZeroScalar(v) {
		return nil, false
	}
	if t.Kind() == types.KindObject || t.GoKind() == "struct" || f.Pointer {
		return v, true
	}
	switch t.Kind() {
	case types.KindList:
		if l, ok := v.([]any); ok && len(l) == 0 && f.OmitEmpty {
			return nil, false
		}
		return v, true
	case types.KindMap:
		if m, ok := v.(map[string]any); ok && len(m) == 0 && f.OmitEmpty {
			return nil, false
		}
		return v, true
	}
	if f.OmitEmpty && isZeroScalar(v) {
		return nil, false
	}
	return v, true
}

// elemShallow is fieldShallow for e, an element of a list or map of structs: the zero struct (an empty map) for
// null, else e.
func elemShallow(e any) any {
	if e == nil {
		return map[string]any(nil)
	}
	return e
}

// viewValue returns the typed view of v, a value of schema t found where the object is viewed, such as a value
// fieldShallow or elemShallow returned: fastCompare builds views only to compare atomic values whole.
func viewValue(t *types.Schema, v any) any {
	switch t.Kind() {
	case types.KindObject:
		if m, ok := v.(map[string]any); ok {
			out, _ := viewStruct(t, m)
			return out
		}
	case types.KindList:
		if l, ok := v.([]any); ok {
			out, _ := viewList(t.Elem(), l)
			return out
		}
	case types.KindMap:
		if m, ok := v.(map[string]any); ok {
			out, _ := viewMap(t.Elem(), m)
			return out
		}
	}
	return v
}

// viewElem returns the view of e, an element of a list or map of the struct type elem, and whether it differs from
// e: a struct's view, or the zero struct for null.
func viewElem(elem *types.Schema, e any) (any, bool) {
	switch em := e.(type) {
	case map[string]any:
		return viewStruct(elem, em)
	case nil:
		return zeroObject(elem), true
	}
	return e, false
}

// viewList returns the view of the elements l of type elem.
func viewList(elem *types.Schema, l []any) ([]any, bool) {
	if elem.Kind() != types.KindObject {
		return l, false
	}
	out := l
	changed := false
	for i, e := range l {
		ne, c := viewElem(elem, e)
		if !c {
			continue
		}
		if !changed {
			changed = true
			out = append([]any(nil), l...)
		}
		out[i] = ne
	}
	return out, changed
}

// viewMap returns the view of the map m whose values have type elem.
func viewMap(elem *types.Schema, m map[string]any) (map[string]any, bool) {
	if elem.Kind() != types.KindObject {
		return m, false
	}
	out := m
	changed := false
	for k, e := range m {
		ne, c := viewElem(elem, e)
		if !c {
			continue
		}
		if !changed {
			changed = true
			out = make(map[string]any, len(m))
			for k2, v2 := range m {
				out[k2] = v2
			}
		}
		out[k] = ne
	}
	return out, changed
}

// zeroField returns the view of field f when the object does not have it or has null: its Go zero value, as
// zeroObject writes it.
func zeroField(f *types.Field) (any, bool) {
	if f.OmitZero {
		return nil, false
	}
	if f.Pointer {
		return nil, !f.OmitEmpty
	}
	t := f.Type
	if t.GoKind() == "struct" {
		switch t.Kind() {
		case types.KindObject:
			return zeroObject(t), true
		case types.KindIntOrString:
			return int64(0), true
		case types.KindString:
			if t.Name() == "resource.Quantity" {
				return "0", true
			}
		}
		return nil, true // timestamps, raw values
	}
	if f.OmitEmpty {
		return nil, false
	}
	switch t.Kind() {
	case types.KindString:
		if t.GoKind() == "slice" { // []byte
			return nil, true
		}
		return "", true
	case types.KindInteger:
		return int64(0), true
	case types.KindNumber:
		return float64(0), true
	case types.KindBoolean:
		return false, true
	}
	return nil, true // lists, maps, interfaces
}

func isZeroScalar(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case int64:
		return x == 0
	case float64:
		return x == 0
	case bool:
		return !x
	}
	return false
}
