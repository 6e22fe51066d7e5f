package fieldmanager

import (
	"sigs.k8s.io/structured-merge-diff/v6/schema"

	"github.com/kubemem/kubemem/types"
)

// fastCompare compares the typed views of two objects as SMD's typed.TypedValue.Compare does and writes the
// result as FieldsV1 objects, for the fast paths of Update (fastupdate.go, fastupdate_live.go).

// rootTries are the reset and strip tries at one path of a walk.
type rootTries struct {
	reset *pathTrie // reset fields: a member drops the path and everything below it
	strip *pathTrie // stripped fields: a member drops the path's own membership only
}

// child returns the tries below the field name.
func (r rootTries) child(name string) rootTries {
	if r.reset == nil && r.strip == nil {
		return r
	}
	return rootTries{reset: r.reset.child(name), strip: r.strip.child(name)}
}

// fastCompare is one walk of fastCreateFields or fastDiff. The Added and Modified sets are what its methods
// return; the Removed set, which only an update has, is collected on the side in removed when trackRemoved.
type fastCompare struct {
	trackRemoved bool
	removed      map[string]any // the Removed set as a FieldsV1 object, without the reset fields; nil when empty
	path         []pathElem     // the path being walked
	inReset      int            // > 0 below a reset field, whose changes nobody gets or loses
	schemas      *schemaCache   // the FieldsV1 keys of fields and the lists' keys, or nil
}

// pathElem is one element of fastCompare.path: a field name when field, else the element's FieldsV1 key (a
// serialized list element, or a field name after "f:" as schemaCache holds them).
type pathElem struct {
	k     string
	field bool
}

// key returns the FieldsV1 key of e.
func (e pathElem) key() string {
	if e.field {
		return "f:" + e.k
	}
	return e.k
}

// addRemoved records that the value at the current path, whose FieldsV1 children are children, was removed (the
// path and everything below it are members of the Removed set).
func (c *fastCompare) addRemoved(children map[string]any) {
	if c.inReset > 0 || len(c.path) == 0 {
		return
	}
	if c.removed == nil {
		c.removed = map[string]any{}
	}
	m := c.removed
	last := len(c.path) - 1
	for _, e := range c.path[:last] {
		k := e.key()
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	if len(children) == 0 {
		children = map[string]any{}
	} else {
		children["."] = map[string]any{}
	}
	m[c.path[last].key()] = children
}

// removedChild records the removal of the value l of schema t (field f, or nil) at the path element k (a field
// name when field, else its FieldsV1 key) below the current path; view says whether l is to be seen through the typed view (see
// fastCompare.value). It returns false when the SMD path must decide.
func (c *fastCompare) removedChild(k string, field bool, t *types.Schema, f *types.Field, l any, ctr rootTries, view bool) bool {
	c.path = append(c.path, pathElem{k: k, field: field})
	if ctr.reset.has() {
		c.inReset++
	}
	children, ok := c.removedAll(t, f, l, ctr, view)
	if ok {
		c.addRemoved(children)
	}
	if ctr.reset.has() {
		c.inReset--
	}
	c.path = c.path[:len(c.path)-1]
	return ok
}

// removedAll returns the FieldsV1 children of the removed value l of schema t (field f, or nil): every path below
// it, as SMD's compareWalker finds them when the new object has nothing there, and false where SMD would report
// an error or this walk does not follow it. With view, l is seen through the typed view (see fastCompare.value).
func (c *fastCompare) removedAll(t *types.Schema, f *types.Field, l any, tr rootTries, view bool) (map[string]any, bool) {
	switch t.Kind() {
	case types.KindObject, types.KindMap:
		if l == nil {
			return nil, true
		}
		lm, ok := l.(map[string]any)
		if !ok {
			return nil, false
		}
		if t.Atomic() {
			return nil, true
		}
		if view && t.Kind() == types.KindObject {
			return c.removedStruct(t, lm, tr)
		}
		if len(lm) == 0 {
			return nil, true
		}
		elemView := view && t.Elem() != nil && t.Elem().Kind() == types.KindObject
		var out map[string]any
		for k, v := range lm {
			ct, cf := t.Elem(), (*types.Field)(nil)
			if t.Kind() == types.KindObject {
				if cf, ok = t.Field(k); !ok {
					return nil, false
				}
				ct = cf.Type
			}
			if elemView {
				v = elemShallow(v)
			}
			ctr := tr.child(k)
			children, ok := c.removedAll(ct, cf, v, ctr, elemView)
			if !ok {
				return nil, false
			}
			out = addChild(out, k, true, children, true, ctr)
		}
		return out, true
	case types.KindList:
		if l == nil {
			return nil, true
		}
		ll, ok := l.([]any)
		if !ok {
			return nil, false
		}
		rel, keys := c.schemas.list(t, f)
		if rel != schema.Associative || len(ll) == 0 {
			return nil, true
		}
		elemView := view && t.Elem().Kind() == types.KindObject
		var out map[string]any
		for _, e := range ll {
			if elemView {
				e = elemShallow(e)
			}
			pe, ok := listItemPE(t.Elem(), keys, e, elemView)
			if !ok {
				return nil, false
			}
			if _, dup := out[pe]; dup {
				return nil, false
			}
			children, ok := c.removedAll(t.Elem(), nil, e, rootTries{}, elemView)
			if !ok {
				return nil, false
			}
			out = addChild(out, pe, false, children, true, rootTries{})
		}
		return out, true
	case types.KindUntyped:
		lm, isMap := l.(map[string]any)
		if t.Name() == "runtime.RawExtension" || !isMap || len(lm) == 0 {
			return nil, true
		}
		var out map[string]any
		for k, v := range lm {
			ctr := tr.child(k)
			children, ok := c.removedAll(t, nil, v, ctr, false)
			if !ok {
				return nil, false
			}
			out = addChild(out, k, true, children, true, ctr)
		}
		return out, true
	default:
		return nil, validScalar(t, l)
	}
}

// removedStruct is removedAll for the struct lm of the non-atomic schema t seen through the typed view: its
// members are the fields of t that the view keeps (see fieldShallow).
func (c *fastCompare) removedStruct(t *types.Schema, lm map[string]any, tr rootTries) (map[string]any, bool) {
	var out map[string]any
	fields, keys := t.FieldsNoCopy(), c.schemas.keysOf(t)
	for i := range fields {
		f := &fields[i]
		raw, present := lm[f.Name]
		v, keep := fieldShallow(f, raw, present)
		if !keep {
			continue
		}
		ctr := tr.child(f.Name)
		children, ok := c.removedAll(f.Type, f, v, ctr, true)
		if !ok {
			return nil, false
		}
		k, field := fieldElem(f, keys, i)
		out = addChild(out, k, field, children, true, ctr)
	}
	return out, true
}

// value compares the value r (always present) of schema t with l (present when lp) at a path whose tries are tr,
// as SMD's compareWalker.compare does for the Added and Modified sets. f is the field holding the value, nil for list
// elements and map values. It returns the FieldsV1 children of the path (nil when none), whether the path itself
// is a member, and false when the SMD path must decide.
//
// With view, the walk compares the typed views of l and r (see typedView) without building them: l and r are
// their views at this path one level deep (fieldShallow, elemShallow: a struct's zero value is an empty map whose
// view it is), and each struct below is seen through its view as the walk reaches it.
func (c *fastCompare) value(t *types.Schema, f *types.Field, l any, lp bool, r any, tr rootTries, view bool) (map[string]any, bool, bool) {
	switch t.Kind() {
	case types.KindObject:
		if view {
			return c.viewedStruct(t, l, lp, r, tr)
		}
		return c.members(t, true, l, lp, r, tr, false)
	case types.KindMap:
		return c.members(t, false, l, lp, r, tr, view)
	case types.KindList:
		return c.list(t, f, l, lp, r, tr, view)
	case types.KindUntyped:
		if t.Name() == "runtime.RawExtension" {
			// Scalar, atomic list and atomic map: a leaf whatever the values.
			return leaf(l, lp, r)
		}
		return c.deduced(t, l, lp, r, tr)
	default:
		if !validScalar(t, r) || (lp && !validScalar(t, l)) {
			return nil, false, false
		}
		return leaf(l, lp, r)
	}
}

// viewedLeaf is leaf for values of schema t that are seen through the typed view when view: it compares the views
// themselves.
func viewedLeaf(t *types.Schema, l any, lp bool, r any, view bool) (map[string]any, bool, bool) {
	if !lp {
		return nil, true, true
	}
	if view {
		l, r = viewValue(t, l), viewValue(t, r)
	}
	return leaf(l, lp, r)
}

// leaf is SMD's doLeaf for a present r: a member when l is absent or differs.
func leaf(l any, lp bool, r any) (map[string]any, bool, bool) {
	if !lp {
		return nil, true, true
	}
	eq, ok := jsonEqual(r, l)
	if !ok {
		return nil, false, false
	}
	return nil, !eq, true
}

// validScalar reports whether v (null allowed) is a valid value of the SMD scalar type of the scalar schema t (see
// builtinSchema.ref): numeric, string, boolean or untyped.
func validScalar(t *types.Schema, v any) bool {
	switch v.(type) {
	case nil:
		return true
	case string:
		switch t.Kind() {
		case types.KindString, types.KindIntOrString:
			return true
		}
		return false
	case int64, float64:
		switch t.Kind() {
		case types.KindInteger, types.KindNumber, types.KindIntOrString:
			return true
		case types.KindString:
			return !isStringScalar(t)
		}
		return false
	case bool:
		switch t.Kind() {
		case types.KindBoolean, types.KindIntOrString:
			return true
		case types.KindString:
			return !isStringScalar(t)
		}
		return false
	}
	return false
}

// isStringScalar reports whether the string schema t is SMD's string scalar rather than untyped (any scalar).
func isStringScalar(t *types.Schema) bool {
	return (t.Format() == "" || t.Format() == "byte") && t.Name() != "resource.Quantity"
}

// object compares the struct r of schema t with l, both seen through the typed view.
func (c *fastCompare) object(t *types.Schema, l any, lp bool, r any, tr rootTries) (map[string]any, bool, bool) {
	return c.viewedStruct(t, l, lp, r, tr)
}

// members compares the members of r, a struct (isStruct: typed by t's fields) or a map (typed by t's element), with
// those of l. With view, the values of a map are seen through the typed view (see value); a struct seen through it
// is viewedStruct's.
func (c *fastCompare) members(t *types.Schema, isStruct bool, l any, lp bool, r any, tr rootTries, view bool) (map[string]any, bool, bool) {
	lm, rm, ok := maps2(l, lp, r)
	if !ok {
		return nil, false, false
	}
	if t.Atomic() || (len(lm) == 0 && len(rm) == 0) {
		return viewedLeaf(t, l, lp, r, view)
	}
	// typeOf returns the type of member k, and its field for a struct; ok is false for a field the struct does not
	// have (no type: SMD reports a schema error).
	typeOf := func(k string) (*types.Schema, *types.Field, bool) {
		if !isStruct {
			return t.Elem(), nil, true
		}
		f, ok := t.Field(k)
		if !ok {
			return nil, nil, false
		}
		return f.Type, f, true
	}
	elemView := view && !isStruct && t.Elem().Kind() == types.KindObject
	var out map[string]any
	for k, rv := range rm {
		ct, f, ok := typeOf(k)
		if !ok {
			return nil, false, false
		}
		lv, lvp := lm[k]
		if elemView {
			rv = elemShallow(rv)
			if lvp {
				lv = elemShallow(lv)
			}
		}
		var cont bool
		if out, cont = c.child(out, k, true, ct, f, lv, lvp, rv, tr.child(k), elemView); !cont {
			return nil, false, false
		}
	}
	if c.trackRemoved {
		for k, lv := range lm {
			if _, ok := rm[k]; ok {
				continue
			}
			ct, f, ok := typeOf(k)
			if elemView {
				lv = elemShallow(lv)
			}
			if !ok || !c.removedChild(k, true, ct, f, lv, tr.child(k), elemView) {
				return nil, false, false
			}
		}
	}
	return out, !lp, true
}

// viewedStruct is members for the struct r of schema t compared with l, both seen through the typed view: the
// members of each are the fields of t the view keeps (fieldShallow), and a null (untyped nil) has none.
func (c *fastCompare) viewedStruct(t *types.Schema, l any, lp bool, r any, tr rootTries) (map[string]any, bool, bool) {
	lm, rm, ok := maps2(l, lp, r)
	if !ok {
		return nil, false, false
	}
	if t.Atomic() {
		return viewedLeaf(t, l, lp, r, true)
	}
	lHas := lp && l != nil // whether l has members: a struct rather than null
	rHas := r != nil
	n := 0 // the members of either view
	var out map[string]any
	fields, keys := t.FieldsNoCopy(), c.schemas.keysOf(t)
	for i := range fields {
		f := &fields[i]
		var rv, lv any
		var rkeep, lkeep bool
		if rHas {
			raw, present := rm[f.Name]
			rv, rkeep = fieldShallow(f, raw, present)
		}
		if lHas {
			raw, present := lm[f.Name]
			lv, lkeep = fieldShallow(f, raw, present)
		}
		switch {
		case rkeep:
			n++
			k, field := fieldElem(f, keys, i)
			var cont bool
			if out, cont = c.child(out, k, field, f.Type, f, lv, lkeep, rv, tr.child(f.Name), true); !cont {
				return nil, false, false
			}
		case lkeep:
			n++
			k, field := fieldElem(f, keys, i)
			if c.trackRemoved && !c.removedChild(k, field, f.Type, f, lv, tr.child(f.Name), true) {
				return nil, false, false
			}
		}
	}
	if n == 0 {
		// Both views are empty (or null): SMD compares them as a leaf.
		return viewedLeaf(t, l, lp, r, true)
	}
	return out, !lp, true
}

// deduced compares r with l where the schema is SMD's deduced type: a granular map of deduced values when the values
// are maps, a leaf otherwise.
func (c *fastCompare) deduced(t *types.Schema, l any, lp bool, r any, tr rootTries) (map[string]any, bool, bool) {
	rm, rIsMap := r.(map[string]any)
	lIsNull := !lp || l == nil
	lm, lIsMap := l.(map[string]any)
	if !rIsMap {
		if lIsNull || !lIsMap {
			return leaf(l, lp, r)
		}
		return nil, false, false // a map compared with another kind of value: SMD walks it twice
	}
	if !lIsNull && !lIsMap {
		return nil, false, false
	}
	if len(lm) == 0 && len(rm) == 0 {
		return leaf(l, lp, r)
	}
	var out map[string]any
	for k, rv := range rm {
		lv, lvp := lm[k]
		var cont bool
		if out, cont = c.childDeduced(out, t, k, lv, lvp, rv, tr.child(k)); !cont {
			return nil, false, false
		}
	}
	if c.trackRemoved {
		for k, lv := range lm {
			if _, ok := rm[k]; ok {
				continue
			}
			if !c.removedChild(k, true, t, nil, lv, tr.child(k), false) {
				return nil, false, false
			}
		}
	}
	return out, !lp, true
}

// fieldElem returns the path element of the field f, the i-th of its struct, whose fields' FieldsV1 keys are keys
// (nil when the schema cache does not have them): the key, or the field's name and true.
func fieldElem(f *types.Field, keys []string, i int) (string, bool) {
	if keys != nil {
		return keys[i], false
	}
	return f.Name, true
}

// childDeduced is child for a deduced value in the field name.
func (c *fastCompare) childDeduced(out map[string]any, t *types.Schema, name string, l any, lp bool, r any, ctr rootTries) (map[string]any, bool) {
	c.enter(name, true, ctr)
	children, member, ok := c.deduced(t, l, lp, r, ctr)
	c.leave(ctr)
	if !ok {
		return nil, false
	}
	return addChild(out, name, true, children, member, ctr), true
}

// child compares the value r of schema t (field f, or nil) with l at the path element k below the current path (a
// field name when field, else its FieldsV1 key), where the tries are ctr; view is value's. It adds the result to
// out, which it returns (allocated on first use), and false when the SMD path must decide.
func (c *fastCompare) child(out map[string]any, k string, field bool, t *types.Schema, f *types.Field, l any, lp bool, r any, ctr rootTries, view bool) (map[string]any, bool) {
	c.enter(k, field, ctr)
	children, member, ok := c.value(t, f, l, lp, r, ctr, view)
	c.leave(ctr)
	if !ok {
		return nil, false
	}
	return addChild(out, k, field, children, member, ctr), true
}

// enter descends the walk to the path element k (a field name when field, else its FieldsV1 key), whose tries are
// ctr.
func (c *fastCompare) enter(k string, field bool, ctr rootTries) {
	if !c.trackRemoved {
		return
	}
	c.path = append(c.path, pathElem{k: k, field: field})
	if ctr.reset.has() {
		c.inReset++
	}
}

// leave undoes enter.
func (c *fastCompare) leave(ctr rootTries) {
	if !c.trackRemoved {
		return
	}
	c.path = c.path[:len(c.path)-1]
	if ctr.reset.has() {
		c.inReset--
	}
}

// addChild adds the path element k (a field name when field, else its FieldsV1 key), with FieldsV1 children and
// membership member, to out unless the reset fields drop it; the strip fields take its membership.
func addChild(out map[string]any, k string, field bool, children map[string]any, member bool, ctr rootTries) map[string]any {
	if ctr.reset.has() {
		return out // the walk below still ran: SMD reports errors in reset fields too
	}
	if ctr.strip.has() {
		member = false
	}
	if len(children) == 0 && !member {
		return out
	}
	if out == nil {
		out = make(map[string]any, 4)
	}
	if field {
		k = "f:" + k
	}
	setFieldsNode(out, k, children, member)
	return out
}

// setFieldsNode sets out[k] to the FieldsV1 node of a path element with children (nil or empty for none) that is a
// member or not: {} for a member without children, children with "." added for a member with some.
func setFieldsNode(out map[string]any, k string, children map[string]any, member bool) {
	switch {
	case len(children) == 0:
		out[k] = map[string]any{}
	case member:
		children["."] = map[string]any{}
		out[k] = children
	default:
		out[k] = children
	}
}

// maps2 returns l and r as maps (nil for an absent l or null), and false when either is another kind of value.
func maps2(l any, lp bool, r any) (lm, rm map[string]any, ok bool) {
	if lp && l != nil {
		if lm, ok = l.(map[string]any); !ok {
			return nil, nil, false
		}
	}
	if r != nil {
		if rm, ok = r.(map[string]any); !ok {
			return nil, nil, false
		}
	}
	return lm, rm, true
}

// list compares the list r of schema t (field f, or nil) with l: a leaf when atomic or when both are empty, else
// element by element, each identified by its path element (SMD's listItemToPathElement). With view, elements that
// are structs are seen through the typed view (see value).
func (c *fastCompare) list(t *types.Schema, f *types.Field, l any, lp bool, r any, tr rootTries, view bool) (map[string]any, bool, bool) {
	var ll, rl []any
	var ok bool
	if lp && l != nil {
		if ll, ok = l.([]any); !ok {
			return nil, false, false
		}
	}
	if r != nil {
		if rl, ok = r.([]any); !ok {
			return nil, false, false
		}
	}
	rel, keys := c.schemas.list(t, f)
	if rel != schema.Associative || (len(ll) == 0 && len(rl) == 0) {
		return viewedLeaf(t, l, lp, r, view)
	}
	elem := t.Elem()
	elemView := view && elem.Kind() == types.KindObject
	var lByPE map[string]any
	if len(ll) > 0 {
		lByPE = make(map[string]any, len(ll))
		for _, e := range ll {
			if elemView {
				e = elemShallow(e)
			}
			pe, ok := listItemPE(elem, keys, e, elemView)
			if !ok {
				return nil, false, false
			}
			if _, dup := lByPE[pe]; dup {
				return nil, false, false
			}
			lByPE[pe] = e
		}
	}
	var out map[string]any
	var seen map[string]struct{}
	if len(rl) > 1 || (c.trackRemoved && len(ll) > 0) {
		seen = make(map[string]struct{}, len(rl))
	}
	for _, e := range rl {
		if elemView {
			e = elemShallow(e)
		}
		pe, ok := listItemPE(elem, keys, e, elemView)
		if !ok {
			return nil, false, false
		}
		if seen != nil {
			if _, dup := seen[pe]; dup {
				return nil, false, false
			}
			seen[pe] = struct{}{}
		}
		le, lep := lByPE[pe]
		var cont bool
		if out, cont = c.child(out, pe, false, elem, nil, le, lep, e, rootTries{}, elemView); !cont {
			return nil, false, false
		}
	}
	if c.trackRemoved {
		for pe, e := range lByPE {
			if _, ok := seen[pe]; ok {
				continue
			}
			if !c.removedChild(pe, false, elem, nil, e, rootTries{}, elemView) {
				return nil, false, false
			}
		}
	}
	return out, !lp, true
}
