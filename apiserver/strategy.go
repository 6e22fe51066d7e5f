package apiserver

import (
	"context"
	"errors"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// This file is the write pipeline kube-apiserver runs between decoding a request and storing its object:
// defaulting, mutating admission, the kind's strategy (PrepareForCreate), validation, validating admission. create.go
// and update.go call it once they have set the server-managed metadata.

// decodeTree decodes an object into the JSON tree the defaulters, validation and admission work on.
func decodeTree(obj *types.Object) (map[string]any, error) {
	tree, err := jsontree.DecodeObject(obj.JSON())
	if err != nil {
		// An Object holds valid JSON, but a number may be out of range for an int64 or a float64: kube-apiserver's
		// decoder refuses those with a 400.
		return nil, types.NewBadRequest(err.Error())
	}
	return tree, nil
}

// encodeTree turns a tree a plugin or defaulter changed back into an Object (without a resourceVersion).
func encodeTree(tree map[string]any) (*types.Object, error) {
	obj, err := types.Unstructured(tree).ToObject()
	if err != nil {
		// Only a mutating admission function can break the metadata's types.
		return nil, types.NewInternalError(err)
	}
	return obj, nil
}

// admitCreate runs the create pipeline on candidate, whose metadata the server has already prepared (name, uid,
// creationTimestamp, generation, the reset status): defaulting, mutating admission, the kind's PrepareForCreate,
// validation (422 with one cause per field error) and validating admission. It returns the object to store and,
// for a service, the cluster IP and node ports it took, which the caller gives back if the object is not stored.
func (s *Server) admitCreate(ctx context.Context, r *Resource, candidate *types.Object, dryRun bool, w fieldWrite) (_ *types.Object, _ *serviceAllocation, err error) {
	tree, err := decodeTree(candidate)
	if err != nil {
		return nil, nil, err
	}
	gvk := r.GVR.GroupVersion().WithKind(r.Kind)
	changed := defaultTree(r, tree)
	if r.fieldManager() != nil && !w.applied {
		// kube-apiserver's handler records the manager's fields after decoding and defaulting, before admission.
		tree, changed = s.trackUpdate(r, w, nil, tree), true
	}
	req := &AdmissionRequest{
		Operation: OperationCreate, Resource: r.GVR, Kind: gvk,
		Namespace: candidate.Namespace(), Name: candidate.Name(),
		Object: tree, User: UserFrom(ctx), DryRun: dryRun,
	}
	mutated, err := s.admission.mutate(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	tree, prepared := prepareForCreate(r, req.Object)
	req.Object = tree
	var alloc *serviceAllocation
	if r.GVR == Services {
		var errs types.FieldErrorList
		if alloc, errs = s.services.allocate(tree); len(errs) > 0 {
			return nil, nil, types.NewInvalid(r.GroupKind(), candidate.Name(), errs)
		}
		prepared = true
		defer func() {
			if err != nil {
				s.services.release(alloc)
			}
		}()
	}
	if r.GVR == CustomResourceDefinitions && s.prepareCRDStatus(tree, nil) {
		prepared = true
	}
	if errs := validateTree(r, tree); len(errs) > 0 {
		return nil, nil, types.NewInvalid(r.GroupKind(), candidate.Name(), errs)
	}
	if err := s.admission.validate(ctx, req); err != nil {
		return nil, nil, err
	}
	if !changed && !mutated && !prepared {
		return candidate, alloc, nil
	}
	out, err := encodeTree(tree)
	return out, alloc, err
}

// prepareForCreate applies the create-time rules of the kind's strategy that are not defaulting and reports whether
// it changed anything: a namespace gets the kubernetes finalizer, a pod its QoS class, a job its generated selector.
func prepareForCreate(r *Resource, tree map[string]any) (map[string]any, bool) {
	switch r.GVR {
	case Namespaces:
		return tree, addNamespaceFinalizer(tree)
	case Pods:
		status, _ := tree["status"].(map[string]any)
		if status == nil {
			status = map[string]any{"phase": "Pending"}
			tree["status"] = status
		}
		status["qosClass"] = podQOSClass(tree)
		return tree, true
	case Jobs:
		return generateJobSelector(tree), true
	}
	return tree, false
}

// defaultForUpdate applies the kind's defaults to the object of an update, as kube-apiserver's decoder does before
// anything compares it with the stored one, so that fields a client leaves out come back with their defaults.
func defaultForUpdate(r *Resource, obj *types.Object) (*types.Object, error) {
	if !hasDefaults(r) {
		return obj, nil
	}
	tree, err := decodeTree(obj)
	if err != nil {
		return nil, err
	}
	if !defaultTree(r, tree) {
		return obj, nil
	}
	out, err := encodeTree(tree)
	if err != nil {
		return nil, err
	}
	return out.WithResourceVersion(obj.ResourceVersion()), nil
}

// hasDefaults reports whether the resource's kind has defaults: rules in defaultObject for a built-in kind, a
// schema with defaults for a custom resource.
func hasDefaults(r *Resource) bool {
	if r.custom != nil {
		return r.custom.defaults || r.custom.storageDefaults
	}
	_, ok := defaulters[types.GroupKind{Group: r.GVR.Group, Kind: r.Kind}]
	return ok && r.GVR.Version == "v1"
}

// defaultTree applies the defaults of r's kind to tree and reports whether it changed anything.
func defaultTree(r *Resource, tree map[string]any) bool {
	if c := r.custom; c != nil {
		// The request version's defaults, then the storage version's, which kube-apiserver applies when it reads
		// the object back (see customResource.defaults).
		changed := c.defaults && c.schema.Default(tree)
		if c.storageDefaults && c.storageSchema != c.schema && c.storageSchema.Default(tree) {
			changed = true
		}
		return changed
	}
	return defaultObject(r.GVR.GroupVersion().WithKind(r.Kind), tree)
}

// validateTree returns the errors of a create of tree, an object of r.
func validateTree(r *Resource, tree map[string]any) types.FieldErrorList {
	if r.custom != nil {
		return validateCustom(r, tree)
	}
	return validateObject(r.GVR.GroupVersion().WithKind(r.Kind), tree)
}

// admitUpdate runs the update pipeline's mutating admission, validation and validating admission on updated, the
// object as it will be stored, against old, the stored one. It returns the object to store.
func (s *Server) admitUpdate(ctx context.Context, r *Resource, updated, old *types.Object, sub string, dryRun bool, w fieldWrite) (*types.Object, error) {
	gvk := r.GVR.GroupVersion().WithKind(r.Kind)
	track := r.fieldManager() != nil && !w.applied
	if updated.SameBody(old) && !s.admission.hasAny(r.GVR, OperationUpdate) {
		// Only metadata changed (labels, annotations, finalizers, owners: what controllers mostly write): the
		// stored object passed the body's rules and its body is unchanged, so only the rules that read metadata
		// can find something.
		var meta, oldMeta map[string]any // the decoded metadata of updated and old, when tracking decoded them
		if track {
			var err error
			if updated, meta, oldMeta, err = s.trackMetadataUpdate(r, w, updated, old); err != nil {
				return nil, err
			}
		}
		if errs := validateMetadataUpdate(gvk, updated, old, meta, oldMeta); len(errs) > 0 {
			return nil, types.NewInvalid(r.GroupKind(), updated.Name(), errs)
		}
		return updated, nil
	}
	tree, err := decodeTree(updated)
	if err != nil {
		return nil, err
	}
	oldTree, err := decodeTree(old)
	if err != nil {
		return nil, err
	}
	if track {
		// kube-apiserver's handler records the manager's fields before admission.
		tree = s.trackUpdate(r, w, oldTree, tree)
	}
	req := &AdmissionRequest{
		Operation: OperationUpdate, Resource: r.GVR, Subresource: sub, Kind: gvk,
		Namespace: updated.Namespace(), Name: updated.Name(),
		Object: tree, OldObject: old, User: UserFrom(ctx), DryRun: dryRun,
	}
	mutated, err := s.admission.mutate(ctx, req)
	if err != nil {
		return nil, err
	}
	if r.GVR == CustomResourceDefinitions && s.prepareCRDStatus(req.Object, oldTree) {
		mutated = true
	}
	var errs types.FieldErrorList
	if r.custom != nil {
		errs = validateCustomUpdate(r, req.Object, oldTree)
	} else {
		errs = validateObjectUpdate(gvk, req.Object, oldTree)
	}
	if len(errs) > 0 {
		return nil, types.NewInvalid(r.GroupKind(), updated.Name(), errs)
	}
	if err := s.admission.validate(ctx, req); err != nil {
		return nil, err
	}
	if !mutated {
		if track {
			return withManagedFieldsOf(updated, req.Object)
		}
		return updated, nil
	}
	out, err := encodeTree(req.Object)
	if err != nil {
		return nil, err
	}
	return out.WithResourceVersion(updated.ResourceVersion()), nil
}

// decodeMetadata decodes the metadata members of o that keep (given the member's name and encoding) selects.
func decodeMetadata(o *types.Object, keep func(name string, raw []byte) bool) (map[string]any, error) {
	raw, _ := o.Lookup("metadata")
	meta := map[string]any{}
	var err error
	jsontree.Members(raw, func(k, v []byte) bool {
		name := string(k[1 : len(k)-1]) // the keys of ObjectMeta's encoding need no unescaping
		if keep(name, v) {
			meta[name], err = jsontree.Decode(v)
		}
		return err == nil
	})
	if err != nil {
		// An Object holds valid JSON, but a number may be out of range: kube-apiserver's decoder refuses those.
		return nil, types.NewBadRequest(err.Error())
	}
	return meta, nil
}

// admitDelete runs the admission checks of a delete of old.
func (s *Server) admitDelete(ctx context.Context, r *Resource, old *types.Object, dryRun bool) error {
	req := &AdmissionRequest{
		Operation: OperationDelete, Resource: r.GVR, Kind: r.GVR.GroupVersion().WithKind(r.Kind),
		Namespace: old.Namespace(), Name: old.Name(), OldObject: old, User: UserFrom(ctx), DryRun: dryRun,
	}
	return s.admission.check(ctx, req)
}

// afterCreate does what kube-controller-manager does at once for some new objects, synchronously so that a test
// never waits for it: a new namespace gets its default ServiceAccount (the serviceaccounts controller).
func (s *Server) afterCreate(ctx context.Context, r *Resource, obj *types.Object) {
	if r.GVR != Namespaces {
		return
	}
	sa := types.NewObject(types.TypeMeta{Kind: "ServiceAccount", APIVersion: "v1"}, types.ObjectMeta{Name: "default", Namespace: obj.Name()})
	_, err := s.create(ctx, s.registry().resources[ServiceAccounts], obj.Name(), sa, CreateOptions{FieldManager: managerControllerManager})
	if err != nil && !types.IsAlreadyExists(err) && s.opts.Logger != nil {
		s.opts.Logger.Warn("creating the default service account", "namespace", obj.Name(), "error", err)
	}
}

// guaranteedUpdate applies fn to the stored object name of r and stores fn's result at the revision fn saw,
// retrying with the new state when the object changes meanwhile, as kube-apiserver's GuaranteedUpdate does. A
// result that is the object fn got writes nothing; dryRun writes nothing either. A missing object is NotFound.
// fn must not keep its argument's maps.
func (s *Server) guaranteedUpdate(r *Resource, ns, name string, dryRun bool, fn func(cur *types.Object) (*types.Object, error)) (*types.Object, error) {
	key := r.key(ns, name)
	for {
		cur, found, err := s.store.Get(key, store.ReadOptions{})
		if err != nil {
			return nil, readError(err)
		}
		if !found {
			return nil, types.NewNotFound(r.GroupResource(), name)
		}
		next, err := fn(cur.Value)
		if err != nil {
			return nil, err
		}
		if next == cur.Value || dryRun {
			return next, nil
		}
		kv, err := s.store.Update(key, next.WithResourceVersion(""), cur.ModRevision)
		switch {
		case err == nil:
			return kv.Value, nil
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrKeyNotFound):
			continue
		default:
			return nil, readError(err)
		}
	}
}

// validateMetadataUpdate is validateObjectUpdate for an update whose body (everything but kind, apiVersion and
// metadata) is the stored one's: the ObjectMeta rules, and the pod annotation rules, which read the spec too. Kinds
// whose other rules read metadata (secrets, jobs, cronjobs, CRDs) get the full validation. meta and oldMeta are the
// decoded metadata of obj and old when the caller has them (they are modified), else nil.
func validateMetadataUpdate(gvk types.GroupVersionKind, obj, old *types.Object, meta, oldMeta map[string]any) types.FieldErrorList {
	switch gvk.GroupKind() {
	case vkSecret, vkJob, vkCronJob, vkCustomResourceDefinition:
		tree, errA := decodeTree(obj)
		oldTree, errB := decodeTree(old)
		if errA != nil || errB != nil {
			return nil // both were decoded when they were stored
		}
		return validateObjectUpdate(gvk, tree, oldTree)
	}
	metaOf := func(o *types.Object, m map[string]any) vmap {
		if m == nil {
			// managedFields are left out: the field manager wrote them, and no rule reads them.
			m, _ = decodeMetadata(o, func(name string, _ []byte) bool { return name != "managedFields" })
		}
		if m == nil {
			m = map[string]any{} // both objects were decoded when they were stored
		}
		if rv := o.ResourceVersion(); rv != "" {
			m["resourceVersion"] = rv // kept outside the encoding (types.Object)
		}
		return vmap(m)
	}
	m, om := metaOf(obj, meta), metaOf(old, oldMeta)
	finalizerRule := hasKubeFinalizerRule(gvk.Group)
	errs := validateObjectMetaCreate(m, finalizerRule)
	errs = append(errs, validateObjectMetaUpdate(m, om, finalizerRule)...)
	if gvk.GroupKind() == vkPod && (m.has("annotations") || om.has("annotations")) {
		// The pod annotation rules read the spec; without annotations they have nothing to check.
		raw, _ := obj.Lookup("spec")
		spec, _ := jsontree.DecodeObject(raw)
		annotations := m.strMap("annotations")
		errs = append(errs, validatePodSpecificAnnotations(annotations, vmap(spec), vMetaPath.Child("annotations"))...)
		errs = append(errs, validatePodAnnotationUpdates(annotations, om.strMap("annotations"), vmap(spec))...)
	}
	return errs
}
