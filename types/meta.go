package types

import (
	"encoding/json"
	"time"
)

// TypeMeta is the apiVersion and kind every object carries.
type TypeMeta struct {
	Kind       string `json:"kind,omitempty"`
	APIVersion string `json:"apiVersion,omitempty"`
}

// GroupVersionKind parses APIVersion and returns it with Kind. A malformed apiVersion yields a zero group and the
// whole string as version.
func (tm TypeMeta) GroupVersionKind() GroupVersionKind {
	gv, ok := ParseGroupVersion(tm.APIVersion)
	if !ok {
		gv = GroupVersion{Version: tm.APIVersion}
	}
	return gv.WithKind(tm.Kind)
}

// Time is a timestamp that travels as RFC 3339 with second precision ("2006-01-02T15:04:05Z") and as null when
// zero, like metav1.Time.
type Time struct {
	time.Time
}

// NewTime returns t truncated to the second, in UTC, as the API stores it.
func NewTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Second)} }

// MarshalJSON encodes t as an RFC 3339 string in UTC, or null when t is zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return t.AppendJSON(nil), nil
}

// AppendJSON appends the JSON form of a non-zero t (a quoted RFC 3339 string in UTC) to b.
func (t Time) AppendJSON(b []byte) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

// UnmarshalJSON accepts null (the zero time) or an RFC 3339 string, and keeps the time in UTC.
func (t *Time) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	pt, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return err
	}
	t.Time = pt.UTC()
	return nil
}

// MicroTime is a timestamp with microsecond precision ("2006-01-02T15:04:05.000000Z07:00"), like metav1.MicroTime.
type MicroTime struct {
	time.Time
}

// microTimeLayout is the layout metav1.MicroTime uses on the wire.
const microTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// MarshalJSON encodes t with microsecond precision in UTC, or null when zero.
func (t MicroTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	b := []byte{'"'}
	b = t.UTC().AppendFormat(b, microTimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts null or a timestamp in RFC 3339 with optional fractional seconds.
func (t *MicroTime) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	pt, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = pt.UTC()
	return nil
}

// ObjectMeta is the metadata every persisted object carries; it has every field of metav1.ObjectMeta, with the same
// JSON names and omission rules.
type ObjectMeta struct {
	Name                       string               `json:"name,omitempty"`
	GenerateName               string               `json:"generateName,omitempty"`
	Namespace                  string               `json:"namespace,omitempty"`
	SelfLink                   string               `json:"selfLink,omitempty"`
	UID                        string               `json:"uid,omitempty"`
	ResourceVersion            string               `json:"resourceVersion,omitempty"`
	Generation                 int64                `json:"generation,omitempty"`
	CreationTimestamp          Time                 `json:"creationTimestamp,omitzero"`
	DeletionTimestamp          *Time                `json:"deletionTimestamp,omitempty"`
	DeletionGracePeriodSeconds *int64               `json:"deletionGracePeriodSeconds,omitempty"`
	Labels                     map[string]string    `json:"labels,omitempty"`
	Annotations                map[string]string    `json:"annotations,omitempty"`
	OwnerReferences            []OwnerReference     `json:"ownerReferences,omitempty"`
	Finalizers                 []string             `json:"finalizers,omitempty"`
	ManagedFields              []ManagedFieldsEntry `json:"managedFields,omitempty"`
}

// DeepCopy returns a copy of m that shares no maps, slices or pointers with it.
func (m *ObjectMeta) DeepCopy() ObjectMeta {
	out := *m
	if m.DeletionTimestamp != nil {
		t := *m.DeletionTimestamp
		out.DeletionTimestamp = &t
	}
	if m.DeletionGracePeriodSeconds != nil {
		s := *m.DeletionGracePeriodSeconds
		out.DeletionGracePeriodSeconds = &s
	}
	out.Labels = copyStringMap(m.Labels)
	out.Annotations = copyStringMap(m.Annotations)
	if m.OwnerReferences != nil {
		out.OwnerReferences = make([]OwnerReference, len(m.OwnerReferences))
		for i := range m.OwnerReferences {
			out.OwnerReferences[i] = m.OwnerReferences[i].DeepCopy()
		}
	}
	if m.Finalizers != nil {
		out.Finalizers = append([]string(nil), m.Finalizers...)
	}
	if m.ManagedFields != nil {
		out.ManagedFields = make([]ManagedFieldsEntry, len(m.ManagedFields))
		for i := range m.ManagedFields {
			out.ManagedFields[i] = m.ManagedFields[i].DeepCopy()
		}
	}
	return out
}

func copyStringMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// OwnerReference points from a dependent to its owner, like metav1.OwnerReference.
type OwnerReference struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	UID                string `json:"uid"`
	Controller         *bool  `json:"controller,omitempty"`
	BlockOwnerDeletion *bool  `json:"blockOwnerDeletion,omitempty"`
}

// DeepCopy returns a copy of r that shares no pointers with it.
func (r OwnerReference) DeepCopy() OwnerReference {
	if r.Controller != nil {
		c := *r.Controller
		r.Controller = &c
	}
	if r.BlockOwnerDeletion != nil {
		b := *r.BlockOwnerDeletion
		r.BlockOwnerDeletion = &b
	}
	return r
}

// ManagedFieldsEntry records which fields one manager owns, like metav1.ManagedFieldsEntry. FieldsV1 is kept as raw
// JSON.
type ManagedFieldsEntry struct {
	Manager     string          `json:"manager,omitempty"`
	Operation   string          `json:"operation,omitempty"`
	APIVersion  string          `json:"apiVersion,omitempty"`
	Time        *Time           `json:"time,omitempty"`
	FieldsType  string          `json:"fieldsType,omitempty"`
	FieldsV1    json.RawMessage `json:"fieldsV1,omitempty"`
	Subresource string          `json:"subresource,omitempty"`
}

// DeepCopy returns a copy of e that shares no memory with it.
func (e ManagedFieldsEntry) DeepCopy() ManagedFieldsEntry {
	if e.Time != nil {
		t := *e.Time
		e.Time = &t
	}
	if e.FieldsV1 != nil {
		e.FieldsV1 = append(json.RawMessage(nil), e.FieldsV1...)
	}
	return e
}

// ListMeta is the metadata of a list response, like metav1.ListMeta.
type ListMeta struct {
	SelfLink           string `json:"selfLink,omitempty"`
	ResourceVersion    string `json:"resourceVersion,omitempty"`
	Continue           string `json:"continue,omitempty"`
	RemainingItemCount *int64 `json:"remainingItemCount,omitempty"`
}
