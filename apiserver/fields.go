package apiserver

import (
	"bytes"
	"context"
	"sync"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/kubemem/kubemem/internal/fieldmanager"
	"github.com/kubemem/kubemem/types"
)

// This file connects the verbs to internal/fieldmanager: every write records who owns which fields in
// metadata.managedFields, as kube-apiserver's handlers do, and the apply patch type merges a configuration by the
// schema (patch.go).

// lazyFieldManager builds a resource's field manager on first use: most servers never write most kinds, and
// building one costs more than starting a server.
type lazyFieldManager struct {
	once sync.Once
	m    *fieldmanager.Manager // nil when the kind has no schema to track fields with
}

// fieldManager returns the manager recording the managedFields of r's objects, or nil.
func (r *Resource) fieldManager() *fieldmanager.Manager {
	if r.fields == nil {
		return nil
	}
	r.fields.once.Do(func() {
		gvk := r.GVR.GroupVersion().WithKind(r.Kind)
		var conv fieldmanager.TypeConverter
		if r.custom != nil {
			conv = fieldmanager.ForStructural(r.custom.schema)
		} else if c, ok := fieldmanager.ForKind(gvk); ok {
			conv = c
		}
		if conv != nil {
			r.fields.m = fieldmanager.New(conv, gvk, resetFields(r))
		}
	})
	return r.fields.m
}

// resetFields are the fields a write through each subresource does not change, which nobody owns through it (the
// strategies' GetResetFields): status for the main resource of a kind with a status subresource, and everything but
// status through the status subresource.
func resetFields(r *Resource) map[string]*fieldpath.Set {
	if !r.HasSubresource("status") {
		return nil
	}
	return map[string]*fieldpath.Set{
		"":       fieldmanager.NewFieldSet("status"),
		"status": fieldmanager.NewFieldSet("spec", "metadata"),
	}
}

// The field managers of the writes kubemem makes itself, named as kube-apiserver names those of the components
// that make them there (their User-Agent's first part).
const (
	managerAPIServer         = "kube-apiserver"          // the default namespaces and priority classes
	managerControllerManager = "kube-controller-manager" // the controllers' writes (service accounts, GC, namespaces)
)

// userAgentKey carries the User-Agent of an HTTP request to the verbs, which name the field manager after it when
// the request names none.
type userAgentKey struct{}

// withUserAgent returns ctx carrying the request's User-Agent.
func withUserAgent(ctx context.Context, ua string) context.Context {
	return context.WithValue(ctx, userAgentKey{}, ua)
}

// managerName is the field manager of a write, as kube-apiserver names it: the fieldManager option, else the
// User-Agent up to its first "/".
func managerName(ctx context.Context, fieldManager string) string {
	if fieldManager != "" {
		return fieldManager
	}
	ua, _ := ctx.Value(userAgentKey{}).(string)
	return fieldmanager.ManagerFromUserAgent(ua)
}

// fieldWrite says how a write records managedFields: by manager, with the Update operation, through subresource,
// unless applied (an apply, or a write through the scale subresource, already set them).
type fieldWrite struct {
	manager     string
	subresource string
	applied     bool
}

// newFieldWrite returns how the write of ctx through subresource sub, with the fieldManager option, records
// managedFields.
func newFieldWrite(ctx context.Context, fieldManager, sub string) fieldWrite {
	return fieldWrite{manager: managerName(ctx, fieldManager), subresource: sub, applied: applied(ctx)}
}

// trackUpdate records in tree (the object being written, decoded and defaulted; old is the stored one, nil on a
// create) the fields w's manager changes, and returns the tree to go on with.
func (s *Server) trackUpdate(r *Resource, w fieldWrite, old, tree map[string]any) map[string]any {
	fm := r.fieldManager()
	if fm == nil || w.applied {
		return tree
	}
	return fm.UpdateNoErrors(old, tree, w.manager, w.subresource, s.clock.Now())
}

// trackMetadataUpdate is trackUpdate for an update whose body equals the stored one's (and that the caller has
// checked needs tracking): only kind, apiVersion and metadata are decoded, for the field manager's UpdateMetadata.
// It returns updated with its new managedFields, and the decoded metadata of updated (its managedFields aside) and
// old, which the caller may modify.
func (s *Server) trackMetadataUpdate(r *Resource, w fieldWrite, updated, old *types.Object) (_ *types.Object, meta, oldMeta map[string]any, err error) {
	oldMeta, err = decodeMetadata(old, func(string, []byte) bool { return true })
	if err != nil {
		return nil, nil, nil, err
	}
	oldManaged, _ := old.Lookup("metadata", "managedFields")
	sameManaged := false
	meta, err = decodeMetadata(updated, func(name string, raw []byte) bool {
		if name == "managedFields" && bytes.Equal(raw, oldManaged) {
			// A client sends back the managedFields it read: one decoded value serves both objects, which the
			// field manager does not modify.
			sameManaged = true
			return false
		}
		return true
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if sameManaged {
		meta["managedFields"] = oldMeta["managedFields"]
	}
	tree := map[string]any{"apiVersion": updated.APIVersion(), "kind": updated.Kind(), "metadata": meta}
	oldTree := map[string]any{"apiVersion": old.APIVersion(), "kind": old.Kind(), "metadata": oldMeta}
	out, err := withManagedFieldsOf(updated, r.fieldManager().UpdateMetadataNoErrors(oldTree, tree, w.manager, w.subresource, s.clock.Now()))
	return out, meta, oldMeta, err
}

// withManagedFieldsOf returns obj with the managedFields of tree, the decoded object they were recorded in.
func withManagedFieldsOf(obj *types.Object, tree map[string]any) (*types.Object, error) {
	meta, _ := tree["metadata"].(map[string]any)
	var entries []types.ManagedFieldsEntry
	if list, ok := meta["managedFields"]; ok && list != nil {
		var err error
		if entries, err = types.ManagedFieldsFromUnstructured(list); err != nil {
			return nil, types.NewInternalError(err) // the field manager writes well-typed entries
		}
	}
	om := obj.MetaNoCopy()
	om.ManagedFields = entries
	return obj.WithMetaNoCopy(om), nil
}

// fieldManagerErrors validates a write's fieldManager option (kube's ValidateFieldManager).
func fieldManagerErrors(optionsKind, fieldManager string) error {
	if errs := fieldmanager.ValidateManager(fieldManager); len(errs) > 0 {
		return types.NewInvalid(types.GroupKind{Group: "meta.k8s.io", Kind: optionsKind}, "", errs)
	}
	return nil
}
