package fieldmanager

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// The operations of managedFields entries.
const (
	operationApply  = "Apply"
	operationUpdate = "Update"
)

// fieldsTypeV1 is the only fieldsType kube knows.
const fieldsTypeV1 = "FieldsV1"

// timeLayout is how managedFields times are written: RFC 3339 in UTC, to the second.
const timeLayout = "2006-01-02T15:04:05Z"

// identity identifies a managedFields entry. Its key is kube's manager identifier (BuildManagerIdentifier): the
// JSON of the entry without time and fields, and without apiVersion for Apply entries, so a manager applying at two
// versions keeps one entry while an updater has one per version.
type identity struct {
	Manager     string `json:"manager,omitempty"`
	Operation   string `json:"operation,omitempty"`
	APIVersion  string `json:"apiVersion,omitempty"`
	Subresource string `json:"subresource,omitempty"`
}

func (id identity) key() string {
	if id.Operation == operationApply {
		id.APIVersion = ""
	}
	b, err := json.Marshal(id)
	if err != nil {
		panic("fieldmanager: marshalling a manager identity cannot fail: " + err.Error())
	}
	return string(b)
}

// managed is the decoded metadata.managedFields of an object: the SMD field sets by manager key, and for each key
// its time (zero when the entry has none) and identity. An entry of fields may outlive its times and ids entries'
// use: only keys present in fields are encoded.
type managed struct {
	fields fieldpath.ManagedFields
	times  map[string]time.Time
	ids    map[string]identity
}

func newManaged(n int) *managed {
	return &managed{
		fields: make(fieldpath.ManagedFields, n),
		times:  make(map[string]time.Time, n),
		ids:    make(map[string]identity, n),
	}
}

// copy returns a copy whose maps can be modified without affecting m. The field sets are shared: SMD never
// modifies a set in place.
func (m *managed) copy() *managed {
	return &managed{fields: maps.Clone(m.fields), times: maps.Clone(m.times), ids: maps.Clone(m.ids)}
}

// identityOf returns the identity of the entry with key k.
func (m *managed) identityOf(k string) identity {
	if id, ok := m.ids[k]; ok {
		return id
	}
	return parseIdentity(k)
}

// parseIdentity decodes a manager key built by identity.key.
func parseIdentity(k string) identity {
	var id identity
	_ = json.Unmarshal([]byte(k), &id) // every key is built by identity.key
	return id
}

// entry is one decoded managedFields entry.
type entry struct {
	identity
	time       time.Time
	hasTime    bool
	fieldsType string
	fieldsV1   any
}

func (e *entry) zero() bool {
	return e.identity == identity{} && !e.hasTime && e.fieldsType == "" && e.fieldsV1 == nil
}

// errUnreadable reports a managedFields value that is not a list of entries with the right field types; kube's
// unstructured accessor reads such a value as no managedFields at all.
var errUnreadable = errors.New("fieldmanager: unreadable managedFields")

// readEntries reads a metadata.managedFields value. A missing or null value gives nil entries; a value that is
// not a list of well-typed entries gives errUnreadable.
func readEntries(v any) ([]entry, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errUnreadable
	}
	out := make([]entry, 0, len(list)) // never nil: an empty list, unlike a missing one, resets managedFields
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, errUnreadable
		}
		var e entry
		for k, fv := range m {
			if fv == nil {
				continue
			}
			var s *string
			switch k {
			case "manager":
				s = &e.Manager
			case "operation":
				s = &e.Operation
			case "apiVersion":
				s = &e.APIVersion
			case "fieldsType":
				s = &e.fieldsType
			case "subresource":
				s = &e.Subresource
			case "fieldsV1":
				e.fieldsV1 = fv
				continue
			case "time":
				ts, ok := fv.(string)
				if !ok {
					return nil, errUnreadable
				}
				if ts == "" {
					continue
				}
				t, err := time.Parse(time.RFC3339, ts)
				if err != nil {
					return nil, errUnreadable
				}
				e.time, e.hasTime = t.UTC(), true
				continue
			default:
				continue // unknown fields are dropped, as decoding into metav1.ManagedFieldsEntry does
			}
			str, ok := fv.(string)
			if !ok {
				return nil, errUnreadable
			}
			*s = str
		}
		out = append(out, e)
	}
	return out, nil
}

// isReset reports whether entries ask for managedFields to be cleared: an empty list, or a list of one empty entry.
func isReset(entries []entry) bool {
	if entries == nil {
		return false
	}
	return len(entries) == 0 || (len(entries) == 1 && entries[0].zero())
}

// decodeManaged checks and decodes entries as kube's DecodeManagedFields does.
func decodeManaged(entries []entry) (*managed, error) {
	m := newManaged(len(entries))
	for i := range entries {
		e := &entries[i]
		switch e.Operation {
		case operationApply, operationUpdate:
		default:
			return nil, fmt.Errorf("operation must be `Apply` or `Update`")
		}
		if e.APIVersion == "" {
			return nil, fmt.Errorf("apiVersion must not be empty")
		}
		switch e.fieldsType {
		case fieldsTypeV1:
		case "":
			return nil, fmt.Errorf("missing fieldsType in managed fields entry %d", i)
		default:
			return nil, fmt.Errorf("invalid fieldsType %q in managed fields entry %d", e.fieldsType, i)
		}
		set, err := setFromFields(e.fieldsV1)
		if err != nil {
			return nil, fmt.Errorf("error decoding versioned set from entry %d: error decoding set: %w", i, err)
		}
		k := e.key()
		m.fields[k] = fieldpath.NewVersionedSet(set, fieldpath.APIVersion(e.APIVersion), e.Operation == operationApply)
		if e.hasTime {
			m.times[k] = e.time
		} else {
			delete(m.times, k)
		}
		m.ids[k] = e.identity
	}
	return m, nil
}

// encode returns the managedFields list of m in kube's order: Apply entries before Update entries, then by time
// (entries without one first), manager, apiVersion and subresource. It returns nil when m has no entries.
func (m *managed) encode() []any {
	if len(m.fields) == 0 {
		return nil
	}
	type sorted struct {
		id    identity
		op    string
		secs  int64
		entry map[string]any
	}
	list := make([]sorted, 0, len(m.fields))
	for k, vs := range m.fields {
		id := m.identityOf(k)
		op := id.Operation
		if vs.Applied() {
			op = operationApply
		}
		e := make(map[string]any, 7)
		if id.Manager != "" {
			e["manager"] = id.Manager
		}
		if op != "" {
			e["operation"] = op
		}
		if vs.APIVersion() != "" {
			e["apiVersion"] = string(vs.APIVersion())
		}
		var secs int64
		if t, ok := m.times[k]; ok {
			e["time"] = t.UTC().Format(timeLayout)
			secs = t.Unix()
		}
		e["fieldsType"] = fieldsTypeV1
		e["fieldsV1"] = fieldsFromSet(vs.Set(), false)
		if id.Subresource != "" {
			e["subresource"] = id.Subresource
		}
		id.APIVersion = string(vs.APIVersion())
		list = append(list, sorted{id: id, op: op, secs: secs, entry: e})
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
		if c := strings.Compare(p.id.Manager, q.id.Manager); c != 0 {
			return c
		}
		if c := strings.Compare(p.id.APIVersion, q.id.APIVersion); c != 0 {
			return c
		}
		return strings.Compare(p.id.Subresource, q.id.Subresource)
	})
	out := make([]any, len(list))
	for i := range list {
		out[i] = list[i].entry
	}
	return out
}

// setFromFields decodes a FieldsV1 object (decoded JSON) into a set, as fieldpath.Set.FromJSON reads it: "." marks
// the enclosing element as a member, other keys are serialized path elements, and an object with no keys is a
// member without children. Keys of an unknown path element type are dropped. A nil value is the empty set.
func setFromFields(v any) (*fieldpath.Set, error) {
	if v == nil {
		return fieldpath.NewSet(), nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("fieldsV1 must be an object, not %T", v)
	}
	s, _, err := readFields(m)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return fieldpath.NewSet(), nil
	}
	return s, nil
}

// readFields reads one FieldsV1 object: the set of its children (nil when it has none) and whether it marks its
// element as a member.
func readFields(m map[string]any) (children *fieldpath.Set, isMember bool, err error) {
	for k, v := range m {
		if k == "." {
			isMember = true
			continue
		}
		pe, err := fieldpath.DeserializePathElement(k)
		if errors.Is(err, fieldpath.ErrUnknownPathElementType) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("parsing key as path element: %w", err)
		}
		var grandchildren *fieldpath.Set
		childIsMember := true
		if v != nil {
			cm, ok := v.(map[string]any)
			if !ok {
				return nil, false, fmt.Errorf("the value of %q must be an object, not %T", k, v)
			}
			grandchildren, childIsMember, err = readFields(cm)
			if err != nil {
				return nil, false, err
			}
		}
		if children == nil && (childIsMember || grandchildren != nil) {
			children = &fieldpath.Set{}
		}
		if childIsMember {
			children.Members.Insert(pe)
		}
		if grandchildren != nil {
			*children.Children.Descend(pe) = *grandchildren
		}
	}
	if children == nil {
		isMember = true
	}
	return children, isMember, nil
}

// fieldsFromSet encodes s as a FieldsV1 object, as fieldpath.Set.ToJSON writes it; includeSelf adds "." when s
// belongs to an element that is itself a member.
func fieldsFromSet(s *fieldpath.Set, includeSelf bool) map[string]any {
	out := make(map[string]any, s.Members.Size()+1)
	for pe := range s.Children.All() {
		child, _ := s.Children.Get(pe)
		out[serialize(pe)] = fieldsFromSet(child, s.Members.Has(pe))
	}
	for pe := range s.Members.All() {
		k := serialize(pe)
		if _, ok := out[k]; !ok {
			out[k] = map[string]any{}
		}
	}
	if includeSelf && len(out) > 0 {
		out["."] = map[string]any{}
	}
	return out
}

func serialize(pe fieldpath.PathElement) string {
	if pe.FieldName != nil {
		return "f:" + *pe.FieldName
	}
	str, err := fieldpath.SerializePathElement(pe)
	if err != nil {
		panic("fieldmanager: a path element of a decoded set cannot be serialized: " + err.Error())
	}
	return str
}
