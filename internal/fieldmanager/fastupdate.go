package fieldmanager

import (
	"strings"
	"time"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/kubemem/kubemem/types"
)

// The fast path of Update for creates. SMD computes an update's changes by wrapping both objects in typed values, comparing them
// (typed.TypedValue.Compare), filtering the comparison by the reset fields, taking the stripped fields out and
// encoding the resulting fieldpath.Set as FieldsV1. For a create of a built-in kind whose object brings no
// managedFields, every one of those steps reduces to one walk of the object's typed view against the kind's zero
// object that writes the FieldsV1 object directly: fastCreateFields. It follows SMD's compareWalker rule for rule
// (see fastCompare.value) and gives up — the caller then takes the SMD path — on anything SMD would treat in a way this
// walk does not reproduce: a value of the wrong type for its schema, a list element SMD cannot key, duplicate list
// elements, floating-point numbers in keys or sets, values that are not decoded JSON.
//
// The walk is fastCompare (fastcompare.go); fastUpdateLive (fastupdate_live.go) is the fast path of the other
// updates. The differential tests (fastupdate_test.go) run both paths on the same inputs and require identical
// results.

// pathTrie is a set of field paths, by field name ("status"): member marks a path of the set, children the paths
// below. A nil *pathTrie is the empty set.
type pathTrie struct {
	member   bool
	children map[string]*pathTrie
}

// child returns the trie below the field name, or nil.
func (t *pathTrie) child(name string) *pathTrie {
	if t == nil {
		return nil
	}
	return t.children[name]
}

// has reports whether the path the trie is at is a member.
func (t *pathTrie) has() bool { return t != nil && t.member }

// newPathTrie returns the trie of s, or false when s holds a path element other than a field name.
func newPathTrie(s *fieldpath.Set) (*pathTrie, bool) {
	if s == nil || s.Empty() {
		return nil, true
	}
	return trieFromFields(fieldsFromSet(s, false))
}

// trieFromFields builds the trie of a FieldsV1 object as fieldsFromSet writes it.
func trieFromFields(m map[string]any) (*pathTrie, bool) {
	t := &pathTrie{}
	for k, v := range m {
		if k == "." {
			continue
		}
		if !strings.HasPrefix(k, "f:") {
			return nil, false
		}
		cm, _ := v.(map[string]any)
		c, ok := trieFromFields(cm)
		if !ok {
			return nil, false
		}
		_, dot := cm["."]
		c.member = len(cm) == 0 || dot
		if t.children == nil {
			t.children = map[string]*pathTrie{}
		}
		t.children[k[len("f:"):]] = c
	}
	return t, true
}

// stripTrie is stripSet as a trie: paths whose membership an update's entry never keeps (their children stay).
var stripTrie = func() *pathTrie {
	t, ok := newPathTrie(stripSet)
	if !ok {
		panic("fieldmanager: the strip set holds only field names")
	}
	return t
}()

// fastUpdater holds what the fast path needs of a Manager, built by New: the reset fields by subresource as tries
// (a subresource whose reset fields are not plain field paths is absent from ok and always takes the SMD path).
type fastUpdater struct {
	reset map[string]*pathTrie
	ok    map[string]bool // by subresource with reset fields: whether the fast path serves it
}

// newFastUpdater returns the fastUpdater of a Manager with the given reset fields.
func newFastUpdater(resetFields map[string]*fieldpath.Set) *fastUpdater {
	f := &fastUpdater{reset: map[string]*pathTrie{}, ok: map[string]bool{}}
	for sub, set := range resetFields {
		t, ok := newPathTrie(set)
		f.ok[sub] = ok
		f.reset[sub] = t
	}
	return f
}

// resetFor returns the reset fields of subresource, and false when the fast path cannot serve it.
func (f *fastUpdater) resetFor(subresource string) (*pathTrie, bool) {
	if ok, found := f.ok[subresource]; found {
		return f.reset[subresource], ok
	}
	return nil, true
}

// fastCreateFields returns the FieldsV1 object of the entry a create of obj gives its manager when no other
// manager owns anything: the fields where obj's typed view differs from the kind's zero object, without the reset
// fields (reset) and the stripped fields. It returns nil and true when the entry would be empty, and false when
// the SMD path must decide. kind is the kind's root schema and zero its zero object; obj has no managedFields. The
// walk sees both through the typed view without building it (see fastCompare.value); zero is its own view.
func fastCreateFields(kind *types.Schema, zero, obj map[string]any, reset *pathTrie) (map[string]any, bool) {
	return fastCreateFieldsWith(nil, kind, zero, obj, reset)
}

// fastCreateFieldsWith is fastCreateFields reading the schemas through schemas, the cache of kind's (or nil).
func fastCreateFieldsWith(schemas *schemaCache, kind *types.Schema, zero, obj map[string]any, reset *pathTrie) (map[string]any, bool) {
	c := fastCompare{schemas: schemas}
	fields, member, ok := c.object(kind, zero, true, obj, rootTries{reset: reset, strip: stripTrie})
	if !ok || member {
		// The root is never a member of a comparison of two present objects.
		return nil, false
	}
	return fields, true
}

// createdEntry returns the managedFields list of a create whose manager id got fields (nil: none), as
// managed.encode writes the one entry: the time is now, to the second.
func createdEntry(id identity, fields map[string]any, now time.Time) []any {
	if len(fields) == 0 {
		return nil
	}
	e := make(map[string]any, 7)
	if id.Manager != "" {
		e["manager"] = id.Manager
	}
	e["operation"] = operationUpdate
	if id.APIVersion != "" {
		e["apiVersion"] = id.APIVersion
	}
	e["time"] = now.UTC().Truncate(time.Second).Format(timeLayout)
	e["fieldsType"] = fieldsTypeV1
	e["fieldsV1"] = fields
	if id.Subresource != "" {
		e["subresource"] = id.Subresource
	}
	return []any{e}
}
