package types

import (
	"encoding/json"
	"strconv"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// List is a list response: a kind such as PodList, the list metadata and the items. Items are immutable Objects
// shared with the store; the List itself is a plain value owned by whoever received it.
type List struct {
	TypeMeta
	ListMeta ListMeta  `json:"metadata"`
	Items    []*Object `json:"items"`
}

// AppendJSON appends the list's JSON encoding to b. items is always an array, never null (SEMANTICS S-4).
func (l *List) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	if l.Kind != "" {
		b = append(b, `"kind":`...)
		b = jsontree.AppendString(b, l.Kind)
		b = append(b, ',')
	}
	if l.APIVersion != "" {
		b = append(b, `"apiVersion":`...)
		b = jsontree.AppendString(b, l.APIVersion)
		b = append(b, ',')
	}
	b = AppendListMeta(b, &l.ListMeta)
	b = append(b, `,"items":[`...)
	for i, o := range l.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = o.AppendJSON(b)
	}
	return append(b, "]}"...)
}

// AppendListMeta appends `"metadata":{...}` for m to b.
func AppendListMeta(b []byte, m *ListMeta) []byte {
	b = append(b, `"metadata":{`...)
	sep := false
	field := func(name, v string) {
		if v == "" {
			return
		}
		if sep {
			b = append(b, ',')
		}
		sep = true
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
		b = jsontree.AppendString(b, v)
	}
	field("selfLink", m.SelfLink)
	field("resourceVersion", m.ResourceVersion)
	field("continue", m.Continue)
	if m.RemainingItemCount != nil {
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"remainingItemCount":`...)
		b = strconv.AppendInt(b, *m.RemainingItemCount, 10)
	}
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with AppendJSON.
func (l *List) MarshalJSON() ([]byte, error) { return l.AppendJSON(nil), nil }

// UnmarshalJSON decodes a list response, parsing each item into an Object.
func (l *List) UnmarshalJSON(data []byte) error {
	var raw struct {
		TypeMeta
		ListMeta ListMeta          `json:"metadata"`
		Items    []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	l.TypeMeta, l.ListMeta = raw.TypeMeta, raw.ListMeta
	l.Items = make([]*Object, len(raw.Items))
	for i, it := range raw.Items {
		o, err := ParseObject(it)
		if err != nil {
			return err
		}
		l.Items[i] = o
	}
	return nil
}
