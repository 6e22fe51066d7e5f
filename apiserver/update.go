package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// update implements the update verb (SEMANTICS W-2 to W-6): optimistic concurrency on metadata.resourceVersion,
// unconditional updates where the kind allows them (retried internally on concurrent writes), create-on-update where
// the kind allows it, and no new revision when nothing changes.
func (s *Server) update(ctx context.Context, r *Resource, ns string, obj *types.Object, opts UpdateOptions) (*types.Object, bool, error) {
	return s.updateSubresource(ctx, r, ns, obj, opts, "")
}

// updateSubresource is update through the main resource (sub "") or the status subresource (sub "status"): for a
// kind with a status subresource, the main resource keeps the stored status and the status subresource changes only
// status, as kube-apiserver's strategies do.
func (s *Server) updateSubresource(ctx context.Context, r *Resource, ns string, obj *types.Object, opts UpdateOptions, sub string) (*types.Object, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	dryRun, err := parseDryRun(opts.DryRun)
	if err != nil {
		return nil, false, err
	}
	done := s.lockCRDs(r)
	defer done()
	if err := fieldManagerErrors("UpdateOptions", opts.FieldManager); err != nil {
		return nil, false, err
	}
	if obj, err = s.checkFields(ctx, r, obj, opts.FieldValidation, "UpdateOptions"); err != nil {
		return nil, false, err
	}
	if obj, err = checkType(r, obj); err != nil {
		return nil, false, err
	}
	m := obj.MetaNoCopy() // fields are replaced below, maps never modified
	if err := checkNamespace(r, ns, &m); err != nil {
		return nil, false, err
	}
	if m.Name == "" {
		return nil, false, types.NewInvalid(r.GroupKind(), "", types.FieldErrorList{types.FieldRequired(types.NewFieldPath("metadata", "name"), "name is required")})
	}
	// Defaults first, as kube-apiserver's decoder applies them: what counts as a change (generation, W-6) is judged
	// on the defaulted object. Through the status subresource only status is taken, and a body that is the stored
	// one's byte for byte is defaulted already.
	defaulted := sub == "status"
	key := r.key(m.Namespace, m.Name)
	var wantRV int64
	if m.ResourceVersion != "" {
		if wantRV, err = strconv.ParseInt(m.ResourceVersion, 10, 64); err != nil || wantRV <= 0 {
			return nil, false, types.NewInvalid(r.GroupKind(), m.Name, types.FieldErrorList{
				types.FieldInvalid(types.NewFieldPath("metadata", "resourceVersion"), m.ResourceVersion, "must be a valid resourceVersion")})
		}
	}
	for {
		cur, found, err := s.store.Get(key, store.ReadOptions{})
		if err != nil {
			return nil, false, readError(err)
		}
		if !found {
			if !r.AllowCreateOnUpdate || sub != "" {
				return nil, false, types.NewNotFound(r.GroupResource(), m.Name)
			}
			if wantRV != 0 {
				// The object the client read is gone.
				return nil, false, types.NewNotFound(r.GroupResource(), m.Name)
			}
			created, err := s.create(ctx, r, m.Namespace, obj.WithMetaNoCopy(m), CreateOptions(opts))
			if err == nil || !types.IsAlreadyExists(err) {
				return created, err == nil, err
			}
			continue // created concurrently: update it instead
		}
		if wantRV == 0 && !r.AllowUnconditionalUpdate {
			return nil, false, types.NewUpdateRequiresResourceVersion(r.GroupResource(), m.Name)
		}
		if wantRV != 0 && wantRV != cur.ModRevision {
			return nil, false, types.NewOptimisticLockConflict(r.GroupResource(), m.Name)
		}
		old := cur.Value
		if !defaulted {
			defaulted = true
			if !obj.SameBody(old) {
				if obj, err = defaultForUpdate(r, obj); err != nil {
					return nil, false, err
				}
			}
		}
		if m.UID != "" && m.UID != old.UID() {
			return nil, false, types.NewConflict(r.GroupResource(), m.Name, errors.New("Precondition failed: UID in precondition: "+m.UID+", UID in object meta: "+old.UID()))
		}
		var updated *types.Object
		switch sub {
		case "status":
			// Only status changes through the status subresource.
			status, _ := obj.Lookup("status")
			updated = old.WithMember("status", status)
			if applied(ctx) {
				// An apply through the status subresource computed the managedFields: they are kept with the status.
				om := updated.MetaNoCopy()
				om.ManagedFields = m.ManagedFields
				updated = updated.WithMetaNoCopy(om)
			}
		case "finalize":
			// Only spec.finalizers changes through a namespace's finalize subresource.
			updated = withSpecFinalizers(old, obj)
		default:
			if r.GVR == Services {
				obj = patchServiceAllocatedValues(obj, old)
			}
			next := m
			om := old.MetaNoCopy() // shared, never modified: objects are immutable
			next.UID, next.CreationTimestamp, next.GenerateName = om.UID, om.CreationTimestamp, om.GenerateName
			next.DeletionTimestamp, next.DeletionGracePeriodSeconds = om.DeletionTimestamp, om.DeletionGracePeriodSeconds
			next.SelfLink, next.ResourceVersion = "", om.ResourceVersion
			if next.ManagedFields == nil {
				next.ManagedFields = om.ManagedFields // a write that sends none keeps the stored ones (fields.go)
			}
			applyStrategyMeta(r, &next)
			next.Generation = nextGeneration(r, old, obj, next.Annotations)
			if sameServerFields(&next, obj) {
				updated = obj.WithResourceVersion(next.ResourceVersion) // nothing to re-encode
			} else {
				updated = obj.WithMetaNoCopy(next)
			}
			if r.GVR == Namespaces {
				updated = withSpecFinalizers(updated, old) // only the finalize subresource changes them
			}
			if r.HasSubresource("status") {
				// The main resource keeps the stored status.
				oldStatus, hadStatus := old.Lookup("status")
				if newStatus, hasStatus := updated.Lookup("status"); hasStatus != hadStatus || !bytes.Equal(oldStatus, newStatus) {
					updated = updated.WithMember("status", oldStatus)
				}
			}
		}
		if updated.EquivalentContent(old) {
			return old, false, nil // W-6: no new revision, no event
		}
		if updated, err = s.admitUpdate(ctx, r, updated, old, sub, dryRun, newFieldWrite(ctx, opts.FieldManager, sub)); err != nil {
			return nil, false, err
		}
		if dryRun {
			return updated, false, nil
		}
		if deleteDuringUpdate(r, old, updated) {
			// The last finalizer of an object being deleted is gone: the update deletes it (generic registry
			// shouldDeleteDuringUpdate).
			kv, err := s.store.Delete(key, cur.ModRevision)
			switch {
			case err == nil:
				s.afterDelete(r, kv.Value)
				return kv.Value, false, nil
			case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrKeyNotFound):
				continue // read again: a conditional update then conflicts, or finds the object gone (404)
			default:
				return nil, false, readError(err)
			}
		}
		kv, err := s.store.Update(key, updated, cur.ModRevision)
		switch {
		case err == nil:
			return kv.Value, false, nil
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrKeyNotFound):
			// Written or deleted meanwhile: read again. An unconditional update retries (W-4); a conditional one
			// then conflicts, or answers 404 when the object is gone, as GuaranteedUpdate does.
			continue
		default:
			return nil, false, readError(err)
		}
	}
}

// sameServerFields reports whether the metadata fields the server sets on an update already hold in obj, so obj's
// encoding can be reused as it is.
func sameServerFields(m *types.ObjectMeta, obj *types.Object) bool {
	o := obj.MetaNoCopy()
	return m.UID == o.UID && m.CreationTimestamp.Equal(o.CreationTimestamp.Time) && m.Namespace == o.Namespace &&
		m.GenerateName == o.GenerateName && m.Generation == o.Generation && m.SelfLink == o.SelfLink &&
		sameTime(m.DeletionTimestamp, o.DeletionTimestamp) && sameInt64(m.DeletionGracePeriodSeconds, o.DeletionGracePeriodSeconds) &&
		sameStringMap(m.Labels, o.Labels)
}

func sameTime(a, b *types.Time) bool { return a == b || a != nil && b != nil && a.Equal(b.Time) }

func sameInt64(a, b *int64) bool { return a == b || a != nil && b != nil && *a == *b }

// deleteDuringUpdate reports whether an update from old to updated completes a deletion: old is marked for deletion
// with no grace period left and updated has no finalizers; for a namespace, neither metadata nor spec finalizers
// (ShouldDeleteNamespaceDuringUpdate).
func deleteDuringUpdate(r *Resource, old, updated *types.Object) bool {
	if old.DeletionTimestamp() == nil {
		return false
	}
	if r.GVR == Namespaces {
		spec, _ := updated.Lookup("spec", "finalizers")
		return len(updated.MetaNoCopy().Finalizers) == 0 && (spec == nil || string(spec) == "[]" || string(spec) == "null")
	}
	grace := old.DeletionGracePeriodSeconds()
	return grace != nil && *grace == 0 && len(updated.MetaNoCopy().Finalizers) == 0
}

// withSpecFinalizers returns target with the spec.finalizers of source.
func withSpecFinalizers(target, source *types.Object) *types.Object {
	want, _ := source.Lookup("spec", "finalizers")
	if have, _ := target.Lookup("spec", "finalizers"); bytes.Equal(have, want) {
		return target
	}
	spec := map[string]json.RawMessage{}
	if raw, ok := target.Lookup("spec"); ok {
		_ = json.Unmarshal(raw, &spec)
	}
	if want == nil || string(want) == "null" || string(want) == "[]" { // omitempty in kube's NamespaceSpec
		delete(spec, "finalizers")
	} else {
		spec["finalizers"] = want
	}
	raw, _ := json.Marshal(spec)
	return target.WithMember("spec", raw)
}
