package apiserver

import (
	"bytes"
	"reflect"
	"strconv"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// namespaceLabel is the label kube-apiserver puts on every namespace, holding its name.
const namespaceLabel = "kubernetes.io/metadata.name"

// checkType fills in an object's kind and apiVersion when they are empty and refuses an object of another kind.
func checkType(r *Resource, obj *types.Object) (*types.Object, error) {
	want := r.TypeMeta()
	got := obj.TypeMeta()
	stored := r.storageTypeMeta()
	if got == stored {
		return obj, nil
	}
	if got.Kind != "" && got.Kind != want.Kind || got.APIVersion != "" && got.APIVersion != want.APIVersion {
		return nil, types.NewBadRequest("the object provided is unrecognized (kind " + strconv.Quote(got.Kind) +
			", apiVersion " + strconv.Quote(got.APIVersion) + "): expected kind " + strconv.Quote(want.Kind) +
			", apiVersion " + strconv.Quote(want.APIVersion))
	}
	// A custom resource is stored in its CRD's storage version (conversion strategy None: only apiVersion changes).
	return obj.WithTypeMeta(stored), nil
}

// checkNamespace applies the request namespace to an object's metadata, as kube-apiserver's BeforeCreate and
// BeforeUpdate do: a namespaced object takes the request namespace and must not name another one; a cluster-scoped
// object has none.
func checkNamespace(r *Resource, ns string, m *types.ObjectMeta) error {
	if !r.Namespaced {
		m.Namespace = ""
		return nil
	}
	switch {
	case m.Namespace == "":
		m.Namespace = ns
	case ns != "" && m.Namespace != ns:
		return types.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if m.Namespace == "" {
		return types.NewInvalid(r.GroupKind(), m.Name, types.FieldErrorList{types.FieldRequired(types.NewFieldPath("metadata", "namespace"), "")})
	}
	return nil
}

// validateName checks metadata.name (or generateName) by the resource's rule.
func validateName(r *Resource, m *types.ObjectMeta) error {
	path := types.NewFieldPath("metadata", "name")
	name, prefix := m.Name, false
	if name == "" {
		if m.GenerateName == "" {
			return types.NewInvalid(r.GroupKind(), "", types.FieldErrorList{types.FieldRequired(path, "name or generateName is required")})
		}
		name, prefix, path = m.GenerateName, true, types.NewFieldPath("metadata", "generateName")
	}
	var problems []string
	switch r.Name {
	case NameDNSSubdomain:
		problems = types.NameIsDNSSubdomain(name, prefix)
	case NameDNSLabel:
		problems = types.NameIsDNSLabel(name, prefix)
	case NameDNS1035Label:
		problems = types.NameIsDNS1035Label(name, prefix)
	case NamePathSegment:
		problems = types.IsValidPathSegmentName(name)
	}
	if len(problems) == 0 {
		return nil
	}
	errs := make(types.FieldErrorList, 0, len(problems))
	for _, p := range problems {
		errs = append(errs, types.FieldInvalid(path, name, p))
	}
	return types.NewInvalid(r.GroupKind(), m.Name, errs)
}

// applyStrategyMeta applies the per-kind metadata rules of kube-apiserver's strategies on create and update.
func applyStrategyMeta(r *Resource, m *types.ObjectMeta) {
	if r.GVR == Namespaces && m.Name != "" && m.Labels[namespaceLabel] != m.Name {
		labels := make(map[string]string, len(m.Labels)+1) // m's maps may be shared (MetaNoCopy): replace, never mutate
		for k, v := range m.Labels {
			labels[k] = v
		}
		labels[namespaceLabel] = m.Name
		m.Labels = labels
	}
}

// nextGeneration computes metadata.generation of an update from old to a new object whose body is updated's and
// whose annotations are annotations, by the resource's rule (V-1). Kinds without a rule keep the stored generation.
func nextGeneration(r *Resource, old, updated *types.Object, annotations map[string]string) int64 {
	g := old.Generation()
	sameAnnotations := r.Generation != GenerationSpecOrAnnotations || sameStringMap(old.MetaNoCopy().Annotations, annotations)
	if updated.SameBody(old) && sameAnnotations {
		return g // nothing that counts changed
	}
	switch r.Generation {
	case GenerationSpec:
		if !sameMember(old, updated, "spec") {
			g++
		}
	case GenerationSpecOrAnnotations:
		if !sameAnnotations || !sameMember(old, updated, "spec") {
			g++
		}
	case GenerationBody:
		if !sameBody(old, updated) {
			g++
		}
	case GenerationNotMetadata:
		if !sameBody(old, updated) || !sameMember(old, updated, "status") {
			g++
		}
	}
	return g
}

func sameStringMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// sameMember reports whether the top-level member name is semantically equal in a and b.
func sameMember(a, b *types.Object, name string) bool {
	ra, oka := a.Lookup(name)
	rb, okb := b.Lookup(name)
	return sameRaw(ra, oka, rb, okb)
}

func sameRaw(ra []byte, oka bool, rb []byte, okb bool) bool {
	if oka != okb {
		return false
	}
	if bytes.Equal(ra, rb) {
		return true
	}
	va, errA := jsontree.Decode(ra)
	vb, errB := jsontree.Decode(rb)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

// sameBody reports whether a and b agree on every top-level member other than metadata and status.
func sameBody(a, b *types.Object) bool {
	ma, mb := bodyMembers(a), bodyMembers(b)
	if len(ma) != len(mb) {
		return false
	}
	for k, ra := range ma {
		rb, ok := mb[k]
		if !sameRaw(ra, true, rb, ok) {
			return false
		}
	}
	return true
}

func bodyMembers(o *types.Object) map[string][]byte {
	out := map[string][]byte{}
	jsontree.Members(o.Body(), func(k, v []byte) bool {
		key := string(k)
		if key != `"status"` {
			out[key] = v
		}
		return true
	})
	return out
}
