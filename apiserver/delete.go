package apiserver

import (
	"context"
	"errors"

	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// delete implements the delete verb (SEMANTICS W-7, W-8, V-3). It returns the deleted object with
// metadata.resourceVersion set to the deletion revision, which is also what the DELETED event carries.
func (s *Server) delete(ctx context.Context, r *Resource, ns, name string, opts DeleteOptions) (*types.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dryRun, err := parseDryRun(opts.DryRun)
	if err != nil {
		return nil, err
	}
	if r.Namespaced && ns == "" {
		return nil, types.NewBadRequest("namespace is required for a namespaced resource")
	}
	key := r.key(ns, name)
	pre := opts.Preconditions
	if pre == nil && !dryRun {
		// Fast path: nothing to check against the current object.
		kv, err := s.store.Delete(key, 0)
		if errors.Is(err, store.ErrKeyNotFound) {
			return nil, types.NewNotFound(r.GroupResource(), name)
		}
		if err != nil {
			return nil, readError(err)
		}
		return kv.Value, nil
	}
	for {
		cur, found, err := s.store.Get(key, store.ReadOptions{})
		if err != nil {
			return nil, readError(err)
		}
		if !found {
			return nil, types.NewNotFound(r.GroupResource(), name)
		}
		if err := checkPreconditions(r, name, pre, cur.Value); err != nil {
			return nil, err
		}
		if dryRun {
			return cur.Value, nil
		}
		kv, err := s.store.Delete(key, cur.ModRevision)
		switch {
		case err == nil:
			return kv.Value, nil
		case errors.Is(err, store.ErrConflict):
			continue // changed meanwhile: check the preconditions against the new state
		case errors.Is(err, store.ErrKeyNotFound):
			return nil, types.NewNotFound(r.GroupResource(), name)
		default:
			return nil, readError(err)
		}
	}
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
	l, err := s.list(ctx, r, ns, listOpts)
	if err != nil {
		return nil, err
	}
	out := &types.List{TypeMeta: r.ListTypeMeta(), Items: make([]*types.Object, 0, len(l.Items))}
	for _, o := range l.Items {
		d, err := s.delete(ctx, r, o.Namespace(), o.Name(), opts)
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
