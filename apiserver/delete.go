package apiserver

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// The finalizers of the garbage collector (metav1.FinalizerOrphanDependents, FinalizerDeleteDependents).
const (
	FinalizerOrphanDependents = "orphan"
	FinalizerDeleteDependents = "foregroundDeletion"
)

// delete implements the delete verb (SEMANTICS W-7, W-8, V-3) as kube-apiserver's generic registry does
// (Store.Delete, rest.BeforeDelete): an object without finalizers and grace period goes at once; one with finalizers,
// or a pod with a grace period, is marked with deletionTimestamp and stays until its finalizers are removed or it is
// deleted again with a zero grace period. The propagation policy adds or removes the garbage collector's
// finalizers. It returns the object (after deletion, with the deletion revision, which is also what the DELETED
// event carries) and whether it is gone.
func (s *Server) delete(ctx context.Context, r *Resource, ns, name string, opts DeleteOptions) (*types.Object, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if errs := validateDeleteOptions(opts); len(errs) > 0 {
		return nil, false, types.NewInvalid(types.GroupKind{Group: "meta.k8s.io", Kind: "DeleteOptions"}, "", errs)
	}
	dryRun, err := parseDryRun(opts.DryRun)
	if err != nil {
		return nil, false, err
	}
	if r.Namespaced && ns == "" {
		return nil, false, types.NewBadRequest("namespace is required for a namespaced resource")
	}
	key := r.key(ns, name)
	done := s.lockCRDs(r)
	defer done()
	for {
		cur, found, err := s.store.Get(key, store.ReadOptions{})
		if err != nil {
			return nil, false, readError(err)
		}
		if !found {
			return nil, false, types.NewNotFound(r.GroupResource(), name)
		}
		if err := checkPreconditions(r, name, opts.Preconditions, cur.Value); err != nil {
			return nil, false, err
		}
		if err := s.admitDelete(ctx, r, cur.Value, dryRun); err != nil {
			return nil, false, err
		}
		next, now := s.beforeDelete(r, cur.Value, opts)
		if now && next == cur.Value {
			if dryRun {
				return cur.Value, true, nil
			}
			kv, err := s.store.Delete(key, cur.ModRevision)
			switch {
			case err == nil:
				s.afterDelete(r, kv.Value)
				return kv.Value, true, nil
			case errors.Is(err, store.ErrConflict):
				continue // changed meanwhile: decide again on the new state
			case errors.Is(err, store.ErrKeyNotFound):
				return nil, false, types.NewNotFound(r.GroupResource(), name)
			default:
				return nil, false, readError(err)
			}
		}
		if next == cur.Value || dryRun {
			return next, now, nil
		}
		kv, err := s.store.Update(key, next, cur.ModRevision)
		switch {
		case err == nil:
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrKeyNotFound):
			continue
		default:
			return nil, false, readError(err)
		}
		if !now {
			return kv.Value, false, nil
		}
		// A pod deleted with a zero grace period: marked, then removed (two events, as kube-apiserver writes them).
		return s.deleteMarked(r, key, kv)
	}
}

// deleteMarked removes an object the delete just marked, whatever was written to it meanwhile, as kube-apiserver's
// Store.Delete does after its graceful update; another component deleting it first is success too.
func (s *Server) deleteMarked(r *Resource, key string, marked store.KeyValue[*types.Object]) (*types.Object, bool, error) {
	rev := marked.ModRevision
	for {
		gone, err := s.store.Delete(key, rev)
		switch {
		case err == nil:
			s.afterDelete(r, gone.Value)
			return gone.Value, true, nil
		case errors.Is(err, store.ErrKeyNotFound):
			return marked.Value, true, nil
		case !errors.Is(err, store.ErrConflict):
			return nil, false, readError(err)
		}
		cur, found, err := s.store.Get(key, store.ReadOptions{})
		if err != nil {
			return nil, false, readError(err)
		}
		if !found {
			return marked.Value, true, nil
		}
		rev = cur.ModRevision
	}
}

// beforeDelete decides what a delete does to obj: the object to write first (obj itself when nothing is to be
// written) and whether the object then goes. It is rest.BeforeDelete with the pod strategy's CheckGracefulDelete,
// followed by the finalizer rules of Store.updateForGracefulDeletionAndFinalizers.
func (s *Server) beforeDelete(r *Resource, obj *types.Object, opts DeleteOptions) (*types.Object, bool) {
	switch r.GVR {
	case Namespaces:
		return s.beforeNamespaceDelete(r, obj, opts)
	case CustomResourceDefinitions:
		return s.beforeCRDDelete(r, obj, opts)
	}
	return s.beforeDeleteGeneric(r, obj, opts)
}

// beforeDeleteGeneric is beforeDelete for kinds whose registry has no Delete of its own.
func (s *Server) beforeDeleteGeneric(r *Resource, obj *types.Object, opts DeleteOptions) (*types.Object, bool) {
	m := obj.MetaNoCopy()
	clock := s.clock.Now()
	grace := opts.GracePeriodSeconds
	if grace != nil && *grace < 0 {
		one := int64(1) // negative values mean one second
		grace = &one
	}
	graceful, lastGrace := false, int64(0)
	if r.GVR == Pods {
		if m.DeletionTimestamp != nil {
			switch {
			case m.DeletionGracePeriodSeconds == nil || *m.DeletionGracePeriodSeconds == 0:
				// Marked with no grace left: go now (finalizers permitting).
			case grace == nil || *grace >= *m.DeletionGracePeriodSeconds:
				return obj, false // a pending graceful deletion only shortens; finalizers are not updated
			default:
				at := types.NewTime(m.DeletionTimestamp.Add(-time.Duration(*m.DeletionGracePeriodSeconds) * time.Second).
					Add(time.Duration(*grace) * time.Second))
				period := *grace
				m.DeletionTimestamp, m.DeletionGracePeriodSeconds = &at, &period
				graceful, lastGrace = true, period
			}
		} else {
			period := podGracePeriod(obj, grace)
			if period > 0 && !s.nodeExists(obj.Field("spec.nodeName")) {
				// No kubelet can ever confirm the termination of a pod bound to a node that does not exist; kube's
				// pod garbage collector force-deletes such pods, so the delete is immediate.
				period = 0
			}
			at := types.NewTime(clock.Add(time.Duration(period) * time.Second))
			m.DeletionTimestamp, m.DeletionGracePeriodSeconds = &at, &period
			if m.Generation > 0 {
				m.Generation++
			}
			graceful, lastGrace = true, period
		}
	}
	if finalizers, changed := s.gcFinalizers(r, m.Finalizers, opts); changed {
		m.Finalizers = finalizers
	}
	pendingFinalizers := len(m.Finalizers) > 0
	if !graceful {
		if !pendingFinalizers {
			return obj, true
		}
		markAsDeleting(&m, clock)
	}
	next := obj.WithMetaNoCopy(m)
	if next.EquivalentContent(obj) {
		next = obj
	}
	return next, graceful && !pendingFinalizers && lastGrace == 0
}

// podGracePeriod is the pod strategy's CheckGracefulDelete: the grace period asked for, else the pod's
// terminationGracePeriodSeconds; zero for a pod that is not scheduled or has finished.
func podGracePeriod(pod *types.Object, asked *int64) int64 {
	var period int64
	if asked != nil {
		period = *asked
	} else if raw, ok := pod.Lookup("spec", "terminationGracePeriodSeconds"); ok {
		period, _ = strconv.ParseInt(string(raw), 10, 64)
	}
	if pod.Field("spec.nodeName") == "" {
		period = 0
	}
	if phase := pod.Field("status.phase"); phase == "Failed" || phase == "Succeeded" {
		period = 0
	}
	return period
}

// nodeExists reports whether a Node named name is stored.
func (s *Server) nodeExists(name string) bool {
	nodes, ok := s.registry().resources[Nodes]
	if !ok || name == "" {
		return false
	}
	_, found, err := s.store.Get(nodes.key("", name), store.ReadOptions{})
	return err == nil && found
}

// markAsDeleting marks an object that waits for its finalizers: deletionTimestamp now (or earlier, if already set),
// deletionGracePeriodSeconds 0, and the generation bumped the first time (generic registry markAsDeleting).
func markAsDeleting(m *types.ObjectMeta, now time.Time) {
	if m.DeletionTimestamp == nil && m.Generation > 0 {
		m.Generation++
	}
	if m.DeletionTimestamp == nil || m.DeletionTimestamp.After(now) {
		at := types.NewTime(now)
		m.DeletionTimestamp = &at
	}
	zero := int64(0)
	m.DeletionGracePeriodSeconds = &zero
}

// gcFinalizers returns the finalizers a delete leaves on an object given its propagation policy, and whether they
// differ from the current ones (deletionFinalizersForGarbageCollection): Orphan adds "orphan", Foreground adds
// "foregroundDeletion", Background removes both; without a policy the object's own finalizer, then the kind's
// default policy, decides. With the garbage collector off the finalizers are left as they are.
func (s *Server) gcFinalizers(r *Resource, current []string, opts DeleteOptions) ([]string, bool) {
	if s.opts.DisableGarbageCollector {
		return current, false
	}
	orphan, foreground := false, false
	switch {
	case opts.OrphanDependents != nil:
		orphan = *opts.OrphanDependents
	case opts.PropagationPolicy != nil:
		orphan = *opts.PropagationPolicy == DeletePropagationOrphan
		foreground = *opts.PropagationPolicy == DeletePropagationForeground
	case slices.Contains(current, FinalizerOrphanDependents):
		orphan = true
	case slices.Contains(current, FinalizerDeleteDependents):
		foreground = true
	default:
		// ReplicationControllers in core/v1 orphan by default, for compatibility (rcStrategy).
		orphan = r.GVR.Group == "" && r.GVR.Resource == "replicationcontrollers"
	}
	next := make([]string, 0, len(current)+1)
	for _, f := range current {
		if f != FinalizerOrphanDependents && f != FinalizerDeleteDependents {
			next = append(next, f)
		}
	}
	if orphan {
		next = append(next, FinalizerOrphanDependents)
	}
	if foreground {
		next = append(next, FinalizerDeleteDependents)
	}
	if sameStringSet(current, next) {
		return current, false
	}
	return next, true
}

func sameStringSet(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

// beforeNamespaceDelete is the namespace registry's Delete: the first delete marks the namespace Terminating (the
// namespace controller then empties it and removes the kubernetes finalizer); once spec.finalizers is empty the
// namespace goes as any object does.
func (s *Server) beforeNamespaceDelete(r *Resource, obj *types.Object, opts DeleteOptions) (*types.Object, bool) {
	m := obj.MetaNoCopy()
	if m.DeletionTimestamp != nil {
		if raw, ok := obj.Lookup("spec", "finalizers"); ok && string(raw) != "[]" && string(raw) != "null" {
			return obj, false
		}
		if finalizers, changed := s.gcFinalizers(r, m.Finalizers, opts); changed {
			m.Finalizers = finalizers
		}
		if len(m.Finalizers) == 0 {
			return obj, true
		}
		next := obj.WithMetaNoCopy(m)
		if next.EquivalentContent(obj) {
			return obj, false
		}
		return next, false
	}
	at := types.NewTime(s.clock.Now())
	m.DeletionTimestamp = &at
	if finalizers, changed := s.gcFinalizers(r, m.Finalizers, opts); changed {
		m.Finalizers = finalizers
	}
	raw, _ := obj.Lookup("status")
	status, _ := jsontree.DecodeObject(raw)
	if status == nil {
		status = map[string]any{}
	}
	status["phase"] = "Terminating"
	raw, _ = jsontree.Append(nil, status) // a decoded tree always encodes
	return obj.WithMetaNoCopy(m).WithMember("status", raw), false
}

// afterDelete releases what a deleted object held: a service's cluster IP and node ports.
func (s *Server) afterDelete(r *Resource, obj *types.Object) {
	if r.GVR == Services {
		s.services.releaseService(obj)
	}
	if r.custom != nil && r.custom.terminating {
		s.finalizeCRD(r.custom.crd) // the CRD may wait for this object
	}
}

// validateDeleteOptions is kube-apiserver's ValidateDeleteOptions.
func validateDeleteOptions(opts DeleteOptions) types.FieldErrorList {
	var errs types.FieldErrorList
	path := types.NewFieldPath("propagationPolicy")
	if opts.OrphanDependents != nil && opts.PropagationPolicy != nil {
		errs = append(errs, types.FieldInvalid(path, *opts.PropagationPolicy, "orphanDependents and deletionPropagation cannot be both set"))
	}
	if p := opts.PropagationPolicy; p != nil && *p != DeletePropagationForeground && *p != DeletePropagationBackground && *p != DeletePropagationOrphan {
		errs = append(errs, types.FieldNotSupported(path, *p, []string{"Foreground", "Background", "Orphan", "nil"}))
	}
	return errs
}

// checkPreconditions answers 409 Conflict with kube-apiserver 1.37's messages when a delete precondition fails (V-3).
func checkPreconditions(r *Resource, name string, pre *Preconditions, cur *types.Object) error {
	if pre == nil {
		return nil
	}
	if pre.UID != nil && *pre.UID != cur.UID() {
		return types.NewDeletePreconditionUIDConflict(r.GroupKind(), name, *pre.UID, cur.UID())
	}
	if pre.ResourceVersion != nil && *pre.ResourceVersion != cur.ResourceVersion() {
		return types.NewDeletePreconditionResourceVersionConflict(r.GroupKind(), name, *pre.ResourceVersion, cur.ResourceVersion())
	}
	return nil
}

// deleteCollection deletes every object a list with listOpts selects, each at its own revision, and returns them.
func (s *Server) deleteCollection(ctx context.Context, r *Resource, ns string, opts DeleteOptions, listOpts ListOptions) (*types.List, error) {
	if r.noDeleteCollection {
		// kube-apiserver registers no handler for the verb: go-restful's 405.
		return nil, types.FromStatus(types.Status{Status: types.StatusFailure, Code: http.StatusMethodNotAllowed,
			Reason: types.StatusReasonMethodNotAllowed, Message: "the server does not allow this method on the requested resource",
			Details: &types.StatusDetails{}})
	}
	l, err := s.list(ctx, r, ns, listOpts)
	if err != nil {
		return nil, err
	}
	out := &types.List{TypeMeta: r.ListTypeMeta(), Items: make([]*types.Object, 0, len(l.Items))}
	for _, o := range l.Items {
		d, _, err := s.delete(ctx, r, o.Namespace(), o.Name(), opts)
		if types.IsNotFound(err) {
			continue // deleted concurrently
		}
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, d)
	}
	out.ListMeta.ResourceVersion = formatRevision(s.store.Revision())
	return out, nil
}
