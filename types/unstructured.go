package types

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// Unstructured is the mutable, schema-less form of an object: a JSON tree of map[string]any, []any, string, int64,
// float64, bool and nil, with typed accessors for the common metadata. Build one as a literal or with
// Object.Unstructured, edit it, and turn it into an immutable Object with ToObject.
//
// An Unstructured is not safe for concurrent modification. Setters on a nil Unstructured panic, like writes to a nil
// map.
type Unstructured map[string]any

// ToObject encodes u into an immutable Object. The Object shares nothing with u. kind and apiVersion must be strings
// and metadata an object whose fields have ObjectMeta's types.
func (u Unstructured) ToObject() (*Object, error) {
	var tm TypeMeta
	var err error
	if tm.Kind, err = optString(u, "kind"); err != nil {
		return nil, err
	}
	if tm.APIVersion, err = optString(u, "apiVersion"); err != nil {
		return nil, err
	}
	meta := new(ObjectMeta)
	if mv, ok := u["metadata"]; ok && mv != nil {
		mm, ok := mv.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("metadata: expected an object, got %T", mv)
		}
		if err := metaFromMap(mm, meta); err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(u))
	for k := range u {
		if k != "kind" && k != "apiVersion" && k != "metadata" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	body := make([]byte, 0, 256)
	for _, k := range keys {
		body = append(body, ',')
		body = jsontree.AppendString(body, k)
		body = append(body, ':')
		if body, err = jsontree.Append(body, u[k]); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	rv := meta.ResourceVersion
	meta.ResourceVersion = ""
	return newObject(tm, meta, metaOwned, rv, body), nil
}

func optString(m map[string]any, key string) (string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: expected a string, got %T", key, v)
	}
	return s, nil
}

// metaFromMap converts an unstructured metadata map into m, checking each field's type.
func metaFromMap(mm map[string]any, m *ObjectMeta) error {
	for k, v := range mm {
		if v == nil {
			continue
		}
		var err error
		switch k {
		case "name":
			m.Name, err = optString(mm, k)
		case "generateName":
			m.GenerateName, err = optString(mm, k)
		case "namespace":
			m.Namespace, err = optString(mm, k)
		case "selfLink":
			m.SelfLink, err = optString(mm, k)
		case "uid":
			m.UID, err = optString(mm, k)
		case "resourceVersion":
			m.ResourceVersion, err = optString(mm, k)
		case "generation":
			m.Generation, err = toInt64(v)
		case "creationTimestamp":
			err = timeFromAny(v, &m.CreationTimestamp)
		case "deletionTimestamp":
			var t Time
			if err = timeFromAny(v, &t); err == nil {
				m.DeletionTimestamp = &t
			}
		case "deletionGracePeriodSeconds":
			var n int64
			if n, err = toInt64(v); err == nil {
				m.DeletionGracePeriodSeconds = &n
			}
		case "labels":
			m.Labels, err = toStringMap(v)
		case "annotations":
			m.Annotations, err = toStringMap(v)
		case "finalizers":
			m.Finalizers, err = toStringSlice(v)
		case "ownerReferences":
			err = viaJSON(v, &m.OwnerReferences)
		case "managedFields":
			m.ManagedFields, err = ManagedFieldsFromUnstructured(v)
		}
		if err != nil {
			return fmt.Errorf("metadata.%s: %w", k, err)
		}
	}
	return nil
}

func toInt64(v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case float64:
		if n != float64(int64(n)) {
			return 0, fmt.Errorf("expected an integer, got %v", n)
		}
		return int64(n), nil
	case json.Number:
		return n.Int64()
	}
	return 0, fmt.Errorf("expected an integer, got %T", v)
}

func timeFromAny(v any, t *Time) error {
	switch x := v.(type) {
	case string:
		return t.UnmarshalJSON(jsontree.AppendString(nil, x))
	case time.Time:
		*t = NewTime(x)
		return nil
	case Time:
		*t = x
		return nil
	}
	return fmt.Errorf("expected an RFC 3339 string, got %T", v)
}

func toStringMap(v any) (map[string]string, error) {
	switch x := v.(type) {
	case map[string]string:
		return copyStringMap(x), nil
	case map[string]any:
		out := make(map[string]string, len(x))
		for k, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: expected a string, got %T", k, e)
			}
			out[k] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("expected a map of strings, got %T", v)
}

func toStringSlice(v any) ([]string, error) {
	switch x := v.(type) {
	case []string:
		return append([]string(nil), x...), nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("[%d]: expected a string, got %T", i, e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("expected a list of strings, got %T", v)
}

// ManagedFieldsFromUnstructured converts metadata.managedFields of an unstructured object (a list of entries as
// encoding/json or jsontree decode them) into entries whose fieldsV1 hold their canonical JSON. It is safe for
// concurrent use and keeps no reference to v.
func ManagedFieldsFromUnstructured(v any) ([]ManagedFieldsEntry, error) {
	list, ok := v.([]any)
	if !ok {
		var out []ManagedFieldsEntry // a typed list, or a value the JSON decoder describes the problem of
		err := viaJSON(v, &out)
		return out, err
	}
	out := make([]ManagedFieldsEntry, len(list))
	for i, ev := range list {
		if ev == nil {
			continue
		}
		em, ok := ev.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("[%d]: expected an object, got %T", i, ev)
		}
		if err := managedFieldsEntryFromMap(em, &out[i]); err != nil {
			return nil, fmt.Errorf("[%d].%w", i, err)
		}
	}
	return out, nil
}

// managedFieldsEntryFromMap converts one unstructured managedFields entry into e; errors start with the field's name.
func managedFieldsEntryFromMap(em map[string]any, e *ManagedFieldsEntry) error {
	for k, v := range em {
		if v == nil {
			continue
		}
		var err error
		switch k {
		case "manager":
			e.Manager, err = optString(em, k)
		case "operation":
			e.Operation, err = optString(em, k)
		case "apiVersion":
			e.APIVersion, err = optString(em, k)
		case "fieldsType":
			e.FieldsType, err = optString(em, k)
		case "subresource":
			e.Subresource, err = optString(em, k)
		case "time":
			var t Time
			if err = timeFromAny(v, &t); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			e.Time = &t
		case "fieldsV1":
			if e.FieldsV1, err = jsontree.Append(nil, v); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		if err != nil {
			return err // optString's errors name the field
		}
	}
	return nil
}

func viaJSON(v any, into any) error {
	raw, err := jsontree.Append(nil, v)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, into)
}

// DeepCopy returns a copy of u that shares no maps or slices with it.
func (u Unstructured) DeepCopy() Unstructured {
	if u == nil {
		return nil
	}
	return deepCopyValue(map[string]any(u)).(map[string]any)
}

func deepCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyValue(e)
		}
		return out
	case map[string]string:
		return copyStringMap(x)
	case []string:
		return append([]string(nil), x...)
	default:
		return v
	}
}

// MarshalJSON encodes u with sorted keys.
func (u Unstructured) MarshalJSON() ([]byte, error) {
	return jsontree.Append(nil, map[string]any(u))
}

// UnmarshalJSON decodes a JSON object into u, replacing its content; numbers become int64 or float64.
func (u *Unstructured) UnmarshalJSON(data []byte) error {
	m, err := jsontree.DecodeObject(data)
	if err != nil {
		return err
	}
	*u = m
	return nil
}

// Nested returns the value at path and whether every step of the path exists.
func (u Unstructured) Nested(path ...string) (any, bool) {
	var cur any = map[string]any(u)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// NestedString returns the string at path; ok is false when it is missing or not a string.
func (u Unstructured) NestedString(path ...string) (string, bool) {
	v, found := u.Nested(path...)
	s, ok := v.(string)
	return s, found && ok
}

// NestedInt64 returns the integer at path; ok is false when it is missing or not an integer.
func (u Unstructured) NestedInt64(path ...string) (int64, bool) {
	v, found := u.Nested(path...)
	if !found {
		return 0, false
	}
	n, err := toInt64(v)
	return n, err == nil
}

// NestedBool returns the boolean at path; ok is false when it is missing or not a boolean.
func (u Unstructured) NestedBool(path ...string) (bool, bool) {
	v, found := u.Nested(path...)
	b, ok := v.(bool)
	return b, found && ok
}

// NestedMap returns the object at path (not a copy); ok is false when it is missing or not an object.
func (u Unstructured) NestedMap(path ...string) (map[string]any, bool) {
	v, found := u.Nested(path...)
	m, ok := v.(map[string]any)
	return m, found && ok
}

// NestedSlice returns the array at path (not a copy); ok is false when it is missing or not an array.
func (u Unstructured) NestedSlice(path ...string) ([]any, bool) {
	v, found := u.Nested(path...)
	s, ok := v.([]any)
	return s, found && ok
}

// NestedStringMap returns a copy of the map of strings at path; ok is false when it is missing or has another type.
func (u Unstructured) NestedStringMap(path ...string) (map[string]string, bool) {
	v, found := u.Nested(path...)
	if !found || v == nil {
		return nil, false
	}
	m, err := toStringMap(v)
	return m, err == nil
}

// SetNested sets the value at path, creating intermediate objects; it fails when a step of the path holds a value
// that is not an object.
func (u Unstructured) SetNested(value any, path ...string) error {
	if len(path) == 0 {
		return fmt.Errorf("empty path")
	}
	m := map[string]any(u)
	for i, p := range path[:len(path)-1] {
		next, ok := m[p]
		if !ok || next == nil {
			nm := map[string]any{}
			m[p] = nm
			m = nm
			continue
		}
		if m, ok = next.(map[string]any); !ok {
			return fmt.Errorf("%s: expected an object, got %T", strings.Join(path[:i+1], "."), next)
		}
	}
	m[path[len(path)-1]] = value
	return nil
}

// RemoveNested deletes the value at path if it exists.
func (u Unstructured) RemoveNested(path ...string) {
	if len(path) == 0 {
		return
	}
	parent, ok := u.NestedMap(path[:len(path)-1]...)
	if len(path) == 1 {
		parent, ok = map[string]any(u), true
	}
	if ok {
		delete(parent, path[len(path)-1])
	}
}

func (u Unstructured) metaString(field string) string {
	s, _ := u.NestedString("metadata", field)
	return s
}

func (u Unstructured) setMetaString(field, value string) {
	if value == "" {
		u.RemoveNested("metadata", field)
		return
	}
	_ = u.SetNested(value, "metadata", field) // fails only when metadata is not an object; then it stays invalid
}

// GetAPIVersion returns apiVersion.
func (u Unstructured) GetAPIVersion() string { s, _ := u.NestedString("apiVersion"); return s }

// SetAPIVersion sets apiVersion.
func (u Unstructured) SetAPIVersion(v string) { u["apiVersion"] = v }

// GetKind returns kind.
func (u Unstructured) GetKind() string { s, _ := u.NestedString("kind"); return s }

// SetKind sets kind.
func (u Unstructured) SetKind(v string) { u["kind"] = v }

// GetName returns metadata.name.
func (u Unstructured) GetName() string { return u.metaString("name") }

// SetName sets metadata.name (removes it when empty).
func (u Unstructured) SetName(v string) { u.setMetaString("name", v) }

// GetGenerateName returns metadata.generateName.
func (u Unstructured) GetGenerateName() string { return u.metaString("generateName") }

// SetGenerateName sets metadata.generateName (removes it when empty).
func (u Unstructured) SetGenerateName(v string) { u.setMetaString("generateName", v) }

// GetNamespace returns metadata.namespace.
func (u Unstructured) GetNamespace() string { return u.metaString("namespace") }

// SetNamespace sets metadata.namespace (removes it when empty).
func (u Unstructured) SetNamespace(v string) { u.setMetaString("namespace", v) }

// GetUID returns metadata.uid.
func (u Unstructured) GetUID() string { return u.metaString("uid") }

// GetResourceVersion returns metadata.resourceVersion.
func (u Unstructured) GetResourceVersion() string { return u.metaString("resourceVersion") }

// SetResourceVersion sets metadata.resourceVersion (removes it when empty).
func (u Unstructured) SetResourceVersion(v string) { u.setMetaString("resourceVersion", v) }

// GetGeneration returns metadata.generation.
func (u Unstructured) GetGeneration() int64 {
	n, _ := u.NestedInt64("metadata", "generation")
	return n
}

// GetLabels returns a copy of metadata.labels.
func (u Unstructured) GetLabels() map[string]string {
	m, _ := u.NestedStringMap("metadata", "labels")
	return m
}

// SetLabels sets metadata.labels (removes it when empty).
func (u Unstructured) SetLabels(labels map[string]string) { u.setMetaStringMap("labels", labels) }

// GetAnnotations returns a copy of metadata.annotations.
func (u Unstructured) GetAnnotations() map[string]string {
	m, _ := u.NestedStringMap("metadata", "annotations")
	return m
}

// SetAnnotations sets metadata.annotations (removes it when empty).
func (u Unstructured) SetAnnotations(annotations map[string]string) {
	u.setMetaStringMap("annotations", annotations)
}

func (u Unstructured) setMetaStringMap(field string, m map[string]string) {
	if len(m) == 0 {
		u.RemoveNested("metadata", field)
		return
	}
	tree := make(map[string]any, len(m))
	for k, v := range m {
		tree[k] = v
	}
	_ = u.SetNested(tree, "metadata", field)
}

// GetFinalizers returns a copy of metadata.finalizers.
func (u Unstructured) GetFinalizers() []string {
	v, _ := u.Nested("metadata", "finalizers")
	s, _ := toStringSlice(v)
	return s
}

// SetFinalizers sets metadata.finalizers (removes it when empty).
func (u Unstructured) SetFinalizers(finalizers []string) {
	if len(finalizers) == 0 {
		u.RemoveNested("metadata", "finalizers")
		return
	}
	tree := make([]any, len(finalizers))
	for i, f := range finalizers {
		tree[i] = f
	}
	_ = u.SetNested(tree, "metadata", "finalizers")
}
