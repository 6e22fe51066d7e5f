package fieldmanager

import (
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/schema"

	"github.com/kubemem/kubemem/types"
)

// The fast path of an update of a built-in object (live != nil). SMD decodes every entry's FieldsV1 into a set,
// reconciles the sets with the schema, compares the typed views of live and obj, takes the Added, Modified and
// Removed fields (without the reset fields) from every other entry, gives the Added and Modified ones to the
// manager's entry and encodes every set again. When every entry's FieldsV1 is already in the form SMD would encode
// it in (canonical) and consistent with the schema (nothing to reconcile), those steps are operations on the
// FieldsV1 objects themselves: fastUpdateLive. It gives up, for the SMD path to decide, on anything else: entries
// SMD would not decode or would rewrite, entries of another apiVersion, owned stripped fields, more than
// MaxUpdateManagers update entries, and whatever fastCompare gives up on.

// fastEntry is one managedFields entry as the fast path handles it.
type fastEntry struct {
	id      identity
	key     string
	applied bool
	time    time.Time
	hasTime bool
	fields  map[string]any // canonical FieldsV1; nil when empty
}

// fastUpdateLive is Update for live != nil and a built-in kind, with obj's managedFields already removed into out
// (whose metadata map is meta), where it sets the new ones; the objects are viewed and compared with view (the kind,
// or its metadata for UpdateMetadata), in one walk that builds no view (see fastCompare.value). It returns false when the SMD path must decide; out is
// then unchanged.
func (m *Manager) fastUpdateLive(live, obj, out, meta map[string]any, id identity, now time.Time, view *types.Schema) bool {
	reset, ok := m.fast.resetFor(id.Subresource)
	if !ok {
		return false
	}
	entries, ok := m.fastEntriesLiveOrNew(live, obj, id.Subresource != "")
	switch {
	case !ok:
		return false
	case len(entries) == 0 && isCreate(live):
		return false
	case len(entries) == 0:
		// An object without managedFields is tracked again only from its next apply.
		return true
	}
	c := fastCompare{trackRemoved: true, schemas: m.schemas}
	am, member, ok := c.object(view, withoutManagedFields(live), true, out, rootTries{reset: reset, strip: stripTrie})
	if !ok || member {
		return false
	}
	k := id.key()
	kept := entries[:0]
	var prev *fastEntry
	for i := range entries {
		e := &entries[i]
		e.fields = fieldsMinus(e.fields, am, c.removed)
		if len(e.fields) == 0 {
			continue
		}
		kept = append(kept, *e)
		if e.key == k {
			prev = &kept[len(kept)-1]
		}
	}
	if len(am) > 0 {
		t := now.UTC().Truncate(time.Second)
		if prev != nil {
			prev.fields = fieldsUnion(am, prev.fields)
			prev.id, prev.time, prev.hasTime = id, t, true
		} else {
			kept = append(kept, fastEntry{id: id, key: k, time: t, hasTime: true, fields: am})
		}
	}
	updates := 0
	for i := range kept {
		if !kept[i].applied {
			updates++
		}
	}
	if updates > MaxUpdateManagers {
		return false
	}
	setManagedFieldsList(out, meta, encodeFastEntries(kept))
	return true
}

// fastEntriesLiveOrNew is decodeLiveOrNew for the fast path: the entries an update starts from, and false when
// one of them is not canonical (see canonicalFields) or SMD might decode them differently.
func (m *Manager) fastEntriesLiveOrNew(live, obj map[string]any, liveOnly bool) ([]fastEntry, bool) {
	fromLive := func() ([]fastEntry, bool) {
		entries, err := readEntries(metadataOf(live)["managedFields"])
		if err != nil {
			return nil, true
		}
		return m.fastEntries(entries)
	}
	if liveOnly {
		return fromLive()
	}
	entries, err := readEntries(metadataOf(obj)["managedFields"])
	if err != nil {
		return fromLive()
	}
	if isReset(entries) {
		return nil, true
	}
	if len(entries) == 0 || !validEntries(entries) {
		return fromLive()
	}
	return m.fastEntries(entries)
}

// validEntries reports whether decodeManaged accepts the entries' operations, apiVersions and fieldsTypes.
func validEntries(entries []entry) bool {
	for i := range entries {
		e := &entries[i]
		if (e.Operation != operationApply && e.Operation != operationUpdate) || e.APIVersion == "" || e.fieldsType != fieldsTypeV1 {
			return false
		}
	}
	return true
}

// fastEntries converts decoded entries, and returns false when decodeManaged would fail or the fast path cannot
// take them: an entry at another apiVersion, a non-canonical FieldsV1, two entries of one manager key.
func (m *Manager) fastEntries(entries []entry) ([]fastEntry, bool) {
	if !validEntries(entries) {
		return nil, true // decodeManaged fails: no entries, unless the SMD path decides otherwise
	}
	out := make([]fastEntry, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		if e.APIVersion != string(m.apiVersion) {
			return nil, false
		}
		var fields map[string]any
		if e.fieldsV1 != nil {
			f, ok := e.fieldsV1.(map[string]any)
			if !ok || !canonicalFields(m.schemas, m.kind, nil, f, true, stripTrie) {
				return nil, false
			}
			fields = f
		}
		k := e.key()
		for j := range out {
			if out[j].key == k {
				return nil, false
			}
		}
		out = append(out, fastEntry{id: e.identity, key: k, applied: e.Operation == operationApply, time: e.time, hasTime: e.hasTime, fields: fields})
	}
	return out, true
}

// canonicalFields reports whether the FieldsV1 object node, at a path of schema t (field f, or nil; nil t for a
// deduced value), is exactly what fieldsFromSet writes for the set setFromFields reads from it, and whether SMD's
// reconciliation with the schema leaves it as it is: no children below an atomic value, no field the schema does
// not know. strip is the strip trie at the path: an entry owning a stripped field is left to the SMD path too.
// schemas is the cache of the kind's schemas, or nil.
func canonicalFields(schemas *schemaCache, t *types.Schema, f *types.Field, node map[string]any, root bool, strip *pathTrie) bool {
	for k, v := range node {
		cv, ok := v.(map[string]any)
		if !ok || cv == nil {
			return false
		}
		if k == "." {
			if root || len(cv) != 0 || len(node) < 2 {
				return false
			}
			continue
		}
		ct, cf, cstrip, ok := childSchema(schemas, t, f, k, strip)
		if !ok {
			return false
		}
		_, dot := cv["."]
		member := len(cv) == 0 || dot
		if cstrip.has() && member {
			return false
		}
		if len(cv) > 0 && !granular(schemas, ct, cf) {
			return false
		}
		if !canonicalFields(schemas, ct, cf, cv, false, cstrip) {
			return false
		}
	}
	return true
}

// childSchema returns the schema (nil: deduced), field and strip trie of the path element k below a path of schema
// t (field f), and false when the key is not a canonical path element of a value of that schema. schemas is
// canonicalFields'.
func childSchema(schemas *schemaCache, t *types.Schema, f *types.Field, k string, strip *pathTrie) (*types.Schema, *types.Field, *pathTrie, bool) {
	if name, ok := strings.CutPrefix(k, "f:"); ok {
		switch {
		case t == nil:
			return nil, nil, nil, true
		case t.Kind() == types.KindObject:
			cf, ok := t.Field(name)
			if !ok {
				return nil, nil, nil, false
			}
			return cf.Type, cf, strip.child(name), true
		case t.Kind() == types.KindMap:
			return t.Elem(), nil, nil, true
		case t.Kind() == types.KindUntyped && t.Name() != "runtime.RawExtension":
			return nil, nil, nil, true
		}
		return nil, nil, nil, false
	}
	if t == nil || t.Kind() != types.KindList {
		return nil, nil, nil, false
	}
	rel, keys := schemas.list(t, f)
	if rel != schema.Associative {
		return nil, nil, nil, false
	}
	var ok bool
	if len(keys) > 0 {
		ok = strings.HasPrefix(k, "k:") && canonicalPE(k)
	} else {
		ok = strings.HasPrefix(k, "v:") && canonicalPE(k)
	}
	return t.Elem(), nil, nil, ok
}

// granular reports whether the value of schema t (field f; nil t: deduced) is granular, so that an entry may own
// paths below it: a non-atomic struct or map, an associative list, a deduced map. schemas is canonicalFields'.
func granular(schemas *schemaCache, t *types.Schema, f *types.Field) bool {
	if t == nil {
		return true
	}
	switch t.Kind() {
	case types.KindObject, types.KindMap:
		return !t.Atomic()
	case types.KindList:
		rel, _ := schemas.list(t, f)
		return rel == schema.Associative
	case types.KindUntyped:
		return t.Name() != "runtime.RawExtension"
	}
	return false
}

// canonicalPE reports whether the serialized path element k reads back and serializes to itself.
func canonicalPE(k string) bool {
	if plainPE(k) {
		return true
	}
	pe, err := fieldpath.DeserializePathElement(k)
	if err != nil {
		return false
	}
	s, err := fieldpath.SerializePathElement(pe)
	return err == nil && s == k
}

// fieldsMinus returns the canonical FieldsV1 object e without the paths that are members of the FieldsV1 objects a
// and b (either nil), as fieldpath.Set.Difference takes them out; nil when nothing is left. The result shares with e
// the subtrees that a and b do not reach, and neither is modified.
func fieldsMinus(e, a, b map[string]any) map[string]any {
	var out map[string]any
	for k, v := range e {
		if k == "." {
			continue
		}
		cv := v.(map[string]any)
		av, aHas := a[k].(map[string]any)
		bv, bHas := b[k].(map[string]any)
		if !aHas && !bHas {
			// Nothing is taken out below k: the subtree stays as it is.
			if out == nil {
				out = make(map[string]any, len(e))
			}
			out[k] = cv
			continue
		}
		member := isMemberNode(cv)
		if member && ((aHas && isMemberNode(av)) || (bHas && isMemberNode(bv))) {
			member = false
		}
		children := fieldsMinus(cv, av, bv)
		if len(children) == 0 && !member {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(e))
		}
		setFieldsNode(out, k, children, member)
	}
	return out
}

// isMemberNode reports whether the FieldsV1 value of a path element marks the path as a member.
func isMemberNode(m map[string]any) bool {
	if len(m) == 0 {
		return true
	}
	_, dot := m["."]
	return dot
}

// fieldsUnion returns the union of the canonical FieldsV1 objects a and b: a, which the caller owns, is modified
// and returned, and may then share subtrees with b, which is not modified.
func fieldsUnion(a, b map[string]any) map[string]any {
	for k, v := range b {
		if k == "." {
			continue
		}
		bv := v.(map[string]any)
		av, ok := a[k].(map[string]any)
		if !ok {
			a[k] = bv
			continue
		}
		member := isMemberNode(av) || isMemberNode(bv)
		delete(av, ".")
		children := fieldsUnion(av, bv) // b's "." is not carried over: membership is member
		if member && len(children) > 0 {
			children["."] = map[string]any{}
		}
		a[k] = children
	}
	return a
}

// encodeFastEntries returns the managedFields list of entries in managed.encode's order and form, nil when there
// are none.
func encodeFastEntries(entries []fastEntry) []any {
	if len(entries) == 0 {
		return nil
	}
	type sorted struct {
		e    *fastEntry
		op   string
		secs int64
	}
	list := make([]sorted, len(entries))
	for i := range entries {
		e := &entries[i]
		op := e.id.Operation
		if e.applied {
			op = operationApply
		}
		var secs int64
		if e.hasTime {
			secs = e.time.Unix()
		}
		list[i] = sorted{e: e, op: op, secs: secs}
	}
	slices.SortFunc(list, func(p, q sorted) int {
		if c := strings.Compare(p.op, q.op); c != 0 {
			return c
		}
		if p.secs != q.secs {
			if p.secs < q.secs {
				return -1
			}
			return 1
		}
		if c := strings.Compare(p.e.id.Manager, q.e.id.Manager); c != 0 {
			return c
		}
		if c := strings.Compare(p.e.id.APIVersion, q.e.id.APIVersion); c != 0 {
			return c
		}
		return strings.Compare(p.e.id.Subresource, q.e.id.Subresource)
	})
	out := make([]any, len(list))
	for i, s := range list {
		e := s.e
		m := make(map[string]any, 7)
		if e.id.Manager != "" {
			m["manager"] = e.id.Manager
		}
		if s.op != "" {
			m["operation"] = s.op
		}
		if e.id.APIVersion != "" {
			m["apiVersion"] = e.id.APIVersion
		}
		if e.hasTime {
			m["time"] = e.time.UTC().Format(timeLayout)
		}
		m["fieldsType"] = fieldsTypeV1
		m["fieldsV1"] = e.fields
		if e.id.Subresource != "" {
			m["subresource"] = e.id.Subresource
		}
		out[i] = m
	}
	return out
}
