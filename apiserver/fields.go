package apiserver

import (
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

// fieldWrite says how a write records managedFields: by manager, with the Update operation, unless applied (the
// apply patch already set them).
type fieldWrite struct {
	manager string
	applied bool
}

// trackUpdate records in tree (the object being written, decoded and defaulted; old is the stored one, nil on a
// create) the fields w's manager changes through subresource sub, and returns the tree to go on with.
func (s *Server) trackUpdate(r *Resource, w fieldWrite, old, tree map[string]any, sub string) map[string]any {
	fm := r.fieldManager()
	if fm == nil || w.applied {
		return tree
	}
	return fm.UpdateNoErrors(old, tree, w.manager, sub, s.clock.Now())
}

// fieldManagerErrors validates a write's fieldManager option (kube's ValidateFieldManager).
func fieldManagerErrors(optionsKind, fieldManager string) error {
	if errs := fieldmanager.ValidateManager(fieldManager); len(errs) > 0 {
		return types.NewInvalid(types.GroupKind{Group: "meta.k8s.io", Kind: optionsKind}, "", errs)
	}
	return nil
}
