package fieldmanager

import (
	"errors"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// The scale subresource's managedFields, as kube-apiserver's ScaleHandler carries them between an object and its
// autoscaling/v1 Scale. A write through the scale subresource is tracked on the Scale (whose only owned field is
// spec.replicas), and the result is carried back to the object's entries.

// ScaleAPIVersion is the apiVersion of the Scale objects of the scale subresource (a constant).
const ScaleAPIVersion = "autoscaling/v1"

// scaleReplicasPath is spec.replicas in a Scale.
var scaleReplicasPath = fieldPath([]string{"spec", "replicas"})

// fieldPath returns the path of the field names.
func fieldPath(names []string) fieldpath.Path {
	p := make(fieldpath.Path, len(names))
	for i := range names {
		p[i] = fieldpath.PathElement{FieldName: &names[i]}
	}
	return p
}

// decodeManagedValue decodes a metadata.managedFields value (decoded JSON); an unreadable value is none, as kube's
// accessor reads it.
func decodeManagedValue(v any) (*managed, error) {
	entries, err := readEntries(v)
	if errors.Is(err, errUnreadable) {
		entries = nil
	}
	return decodeManaged(entries)
}

// ScaleManagedFields returns the managedFields of the Scale of an object whose managedFields are parent (a
// metadata.managedFields value as decoded JSON), at apiVersion, with its replicas at replicasPath (field names): each
// entry of the object's version that owns the replicas becomes an entry, with the same identity and time, that owns
// the Scale's spec.replicas. It returns nil when no entry owns them. parent is not modified; the function keeps no
// state and is safe for concurrent use.
func ScaleManagedFields(parent any, apiVersion string, replicasPath []string) ([]any, error) {
	pm, err := decodeManagedValue(parent)
	if err != nil {
		return nil, err
	}
	path := fieldPath(replicasPath)
	out := newManaged(len(pm.fields))
	for k, vs := range pm.fields {
		if string(vs.APIVersion()) != apiVersion || !vs.Set().Has(path) {
			continue
		}
		out.fields[k] = fieldpath.NewVersionedSet(fieldpath.NewSet(scaleReplicasPath), ScaleAPIVersion, vs.Applied())
		if t, ok := pm.times[k]; ok {
			out.times[k] = t
		}
		out.ids[k] = pm.identityOf(k)
	}
	return out.encode(), nil
}

// ParentManagedFields carries the managedFields of a Scale after a write through the scale subresource (scale) back
// to the object's (parent), as kube's ScaleHandler.ToParent does:
//   - entries of the object that do not own the replicas are kept; so are those that do and still own the Scale's;
//   - those that lost the Scale's replicas lose the object's (and go when nothing is left);
//   - entries of the Scale that own its replicas and had none in the object become entries of the object, at
//     apiVersion, owning replicasPath, with the time the object's entry of the same identity had (none, when it had
//     no such entry: kube writes these entries without a time);
//   - entries of the object at another apiVersion are dropped (kubemem serves one version of each kind).
//
// Neither argument is modified; the function keeps no state and is safe for concurrent use.
func ParentManagedFields(parent, scale any, apiVersion string, replicasPath []string) ([]any, error) {
	pm, err := decodeManagedValue(parent)
	if err != nil {
		return nil, err
	}
	sm, err := decodeManagedValue(scale)
	if err != nil {
		return nil, err
	}
	path := fieldPath(replicasPath)
	out := newManaged(len(pm.fields) + len(sm.fields))
	keep := func(k string, vs fieldpath.VersionedSet) {
		out.fields[k] = vs
		if t, ok := pm.times[k]; ok {
			out.times[k] = t
		}
		out.ids[k] = pm.identityOf(k)
	}
	fromScale := make(map[string]bool, len(sm.fields))
	for k := range sm.fields {
		fromScale[k] = true
	}
	for k, vs := range pm.fields {
		switch {
		case string(vs.APIVersion()) != apiVersion:
		case !vs.Set().Has(path):
			keep(k, vs)
		case fromScale[k]:
			keep(k, vs)
			delete(fromScale, k)
		default: // the write through the scale took the replicas
			if rest := vs.Set().Difference(fieldpath.NewSet(path)); !rest.Empty() {
				keep(k, fieldpath.NewVersionedSet(rest, vs.APIVersion(), vs.Applied()))
			}
		}
	}
	for k := range fromScale {
		vs := sm.fields[k]
		if !vs.Set().Has(scaleReplicasPath) {
			continue
		}
		out.fields[k] = fieldpath.NewVersionedSet(fieldpath.NewSet(path), fieldpath.APIVersion(apiVersion), vs.Applied())
		if t, ok := pm.times[k]; ok {
			out.times[k] = t
		}
		out.ids[k] = sm.identityOf(k)
	}
	return out.encode(), nil
}
