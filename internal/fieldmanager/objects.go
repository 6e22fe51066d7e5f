package fieldmanager

import (
	"fmt"

	"github.com/kubemem/kubemem/types"
)

// metadataOf returns obj's metadata map, or nil.
func metadataOf(obj map[string]any) map[string]any {
	m, _ := obj["metadata"].(map[string]any)
	return m
}

// withoutManagedFields returns obj without metadata.managedFields: obj itself when it has none, else a copy of its
// top-level and metadata maps that shares everything else with obj.
func withoutManagedFields(obj map[string]any) map[string]any {
	meta := metadataOf(obj)
	if _, ok := meta["managedFields"]; !ok {
		return obj
	}
	out, outMeta := withOwnMetadata(obj)
	delete(outMeta, "managedFields")
	return out
}

// withOwnMetadata returns a copy of obj's top-level map and of its metadata map (nil when obj has none), sharing
// every other value with obj.
func withOwnMetadata(obj map[string]any) (map[string]any, map[string]any) {
	out := make(map[string]any, len(obj)+1)
	for k, v := range obj {
		out[k] = v
	}
	meta := metadataOf(obj)
	if meta == nil {
		return out, nil
	}
	outMeta := make(map[string]any, len(meta)+1)
	for k, v := range meta {
		outMeta[k] = v
	}
	out["metadata"] = outMeta
	return out, outMeta
}

// setManagedFields stores the encoded m in obj's metadata (meta, created when nil and needed), or removes
// managedFields when m is empty.
func setManagedFields(obj, meta map[string]any, m *managed) {
	setManagedFieldsList(obj, meta, m.encode())
}

// setManagedFieldsList stores the managedFields list in obj's metadata (meta, created when nil and needed), or
// removes managedFields when list is nil.
func setManagedFieldsList(obj, meta map[string]any, list []any) {
	if list == nil {
		if meta != nil {
			delete(meta, "managedFields")
		}
		return
	}
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	meta["managedFields"] = list
}

// deepCopy returns a copy of a decoded JSON value that shares no maps or slices with it.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}

// gvkOf returns the kind of obj as apimachinery reads it from an unstructured object: a malformed apiVersion gives
// an empty group and version.
func gvkOf(obj map[string]any) types.GroupVersionKind {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gv, ok := types.ParseGroupVersion(apiVersion)
	if !ok {
		return types.GroupVersionKind{Kind: kind}
	}
	return gv.WithKind(kind)
}

// kubeGVKString formats gvk as apimachinery's schema.GroupVersionKind.String does: "apps/v1, Kind=Deployment",
// "/v1, Kind=Pod".
func kubeGVKString(gvk types.GroupVersionKind) string {
	return gvk.Group + "/" + gvk.Version + ", Kind=" + gvk.Kind
}

// describe names obj in kube's error messages: "namespace/name; apps/v1, Kind=Deployment".
func describe(obj map[string]any) string {
	meta := metadataOf(obj)
	name, _ := meta["name"].(string)
	namespace, _ := meta["namespace"].(string)
	return fmt.Sprintf("%s/%s; %s", namespace, name, kubeGVKString(gvkOf(obj)))
}
