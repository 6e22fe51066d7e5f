package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"maps"

	"github.com/kubemem/kubemem/internal/fieldmanager"
	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/patch"
	"github.com/kubemem/kubemem/types"
)

// scaleTypeMeta is the kind of the scale subresource's objects (autoscaling/v1 Scale).
var scaleTypeMeta = types.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"}

// GetScale returns the autoscaling/v1 Scale of a scalable object (deployments, replicasets, statefulsets,
// replicationcontrollers): spec.replicas, status.replicas and status.selector as a label selector string.
func (c *ResourceClient) GetScale(ctx context.Context, name string, opts GetOptions) (*types.Object, error) {
	if err := c.scalable(name); err != nil {
		return nil, err
	}
	obj, err := c.Get(ctx, name, opts)
	if err != nil {
		return nil, err
	}
	return scaleOf(c.r, obj)
}

// UpdateScale sets spec.replicas of a scalable object from a Scale. A resourceVersion in the Scale is a
// precondition on the object, as kube-apiserver's scale subresource treats it.
func (c *ResourceClient) UpdateScale(ctx context.Context, name string, scale *types.Object, opts UpdateOptions) (*types.Object, error) {
	if err := c.scalable(name); err != nil {
		return nil, err
	}
	if scale.Name() != "" && scale.Name() != name {
		return nil, types.NewBadRequest("the name of the object (" + scale.Name() + ") does not match the name on the URL (" + name + ")")
	}
	replicas, ok := scale.Lookup("spec", "replicas")
	if !ok {
		replicas = []byte("0")
	}
	v, err := jsontree.Decode(replicas)
	if err != nil {
		return nil, types.NewBadRequest("spec.replicas: " + err.Error())
	}
	if err := checkScaleReplicas(name, v); err != nil {
		return nil, err
	}
	manager := managerName(ctx, opts.FieldManager)
	return c.writeScale(ctx, name, scale.ResourceVersion(), opts, func(fm *fieldmanager.Manager, live map[string]any) (map[string]any, error) {
		next := maps.Clone(live)
		next["spec"] = map[string]any{"replicas": v}
		return fm.UpdateNoErrors(live, next, manager, "scale", c.s.clock.Now()), nil
	})
}

// checkScaleReplicas validates a Scale's spec.replicas, v.
func checkScaleReplicas(name string, v any) error {
	if n, isInt := v.(int64); !isInt || n < 0 {
		return types.NewInvalid(types.GroupKind{Group: "autoscaling", Kind: "Scale"}, name, types.FieldErrorList{
			types.FieldInvalid(types.NewFieldPath("spec", "replicas"), v, "must be greater than or equal to 0")})
	}
	return nil
}

// scaleFieldManager returns the field manager of autoscaling/v1 Scale objects.
func (s *Server) scaleFieldManager() *fieldmanager.Manager {
	s.scale.once.Do(func() {
		gvk := types.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}
		if conv, ok := fieldmanager.ForKind(gvk); ok { // the generated schema has it
			s.scale.m = fieldmanager.New(conv, gvk, nil)
		}
	})
	return s.scale.m
}

// applyScale is server-side apply through the scale subresource (writeScale).
func (c *ResourceClient) applyScale(ctx context.Context, name string, data []byte, opts PatchOptions) (*types.Object, error) {
	if err := c.scalable(name); err != nil {
		return nil, err
	}
	if errs := validateApplyOptions(opts); len(errs) > 0 {
		return nil, types.NewInvalid(types.GroupKind{Group: "meta.k8s.io", Kind: "PatchOptions"}, "", errs)
	}
	config, err := decodeApplyConfig(data)
	if err != nil {
		return nil, err
	}
	if err := checkApplyConfig(scaleTypeMeta, c.r.Namespaced, c.ns, name, config); err != nil {
		return nil, err
	}
	force := opts.Force != nil && *opts.Force
	uopts := UpdateOptions{DryRun: opts.DryRun, FieldManager: opts.FieldManager}
	return c.writeScale(ctx, name, "", uopts, func(fm *fieldmanager.Manager, live map[string]any) (map[string]any, error) {
		out, err := fm.Apply(live, config, opts.FieldManager, "scale", force, c.s.clock.Now())
		if err != nil {
			return nil, applyError(err)
		}
		return out, nil
	})
}

// writeScale makes a write through the scale subresource as kube-apiserver's scale handler makes it: the object's
// managedFields entries that own the replicas are carried to its Scale, change makes the new Scale from it (an
// update or an apply, which records the manager in the Scale's managedFields), and the Scale's replicas and entries
// are carried back to the object, which is then updated. A resourceVersion pinned is a precondition; without one the
// write is made again on the latest version when the object changed meanwhile.
func (c *ResourceClient) writeScale(ctx context.Context, name, pinned string, opts UpdateOptions, change func(fm *fieldmanager.Manager, live map[string]any) (map[string]any, error)) (*types.Object, error) {
	fm := c.s.scaleFieldManager()
	if fm == nil {
		return nil, types.NewInternalError(errors.New("no schema for autoscaling/v1 Scale"))
	}
	apiVersion := c.r.GVR.GroupVersion().String()
	specPath, _, _ := c.r.scalePaths()
	ctx = context.WithValue(ctx, appliedKey{}, true) // the managedFields are computed here
	for {
		cur, err := c.Get(ctx, name, GetOptions{})
		if err != nil {
			return nil, err
		}
		u, err := cur.Unstructured()
		if err != nil {
			return nil, types.NewInternalError(err)
		}
		parentFields, _ := u.Nested("metadata", "managedFields")
		scale, err := scaleOf(c.r, cur)
		if err != nil {
			return nil, err
		}
		live, err := scale.Unstructured()
		if err != nil {
			return nil, types.NewInternalError(err)
		}
		scaleFields, err := fieldmanager.ScaleManagedFields(parentFields, apiVersion, specPath)
		if err != nil {
			return nil, types.NewInternalError(err)
		}
		if scaleFields != nil {
			_ = live.SetNested(scaleFields, "metadata", "managedFields")
		}
		next, err := change(fm, live)
		if err != nil {
			return nil, err
		}
		replicas, _ := types.Unstructured(next).Nested("spec", "replicas")
		if replicas == nil {
			replicas = int64(0)
		}
		if err := checkScaleReplicas(name, replicas); err != nil {
			return nil, err
		}
		nextFields, _ := types.Unstructured(next).Nested("metadata", "managedFields")
		fields, err := fieldmanager.ParentManagedFields(parentFields, nextFields, apiVersion, specPath)
		if err != nil {
			return nil, types.NewInternalError(err)
		}
		if err := u.SetNested(replicas, specPath...); err != nil {
			return nil, types.NewInternalError(err)
		}
		meta, _ := u["metadata"].(map[string]any)
		if fields != nil {
			meta["managedFields"] = fields
		} else {
			delete(meta, "managedFields")
		}
		if pinned != "" {
			u.SetResourceVersion(pinned)
		}
		obj, err := u.ToObject()
		if err != nil {
			return nil, types.NewInternalError(err)
		}
		updated, _, err := c.s.update(ctx, c.r, c.ns, obj, opts)
		if types.IsConflict(err) && pinned == "" {
			continue // changed meanwhile: write to the latest version
		}
		if err != nil {
			return nil, err
		}
		return scaleOf(c.r, c.r.present(updated))
	}
}

// scalable answers 404 for resources without a scale subresource.
func (c *ResourceClient) scalable(name string) error {
	if c.err != nil {
		return c.err
	}
	if !c.r.HasSubresource("scale") {
		return types.NewNotFound(c.r.GroupResource(), name)
	}
	return nil
}

// scaleOf builds the Scale of obj, an object of r.
func scaleOf(r *Resource, obj *types.Object) (*types.Object, error) {
	u, err := obj.Unstructured()
	if err != nil {
		return nil, types.NewInternalError(err)
	}
	specPath, statusPath, selectorPath := r.scalePaths()
	specReplicas, _ := u.NestedInt64(specPath...)
	statusReplicas, _ := u.NestedInt64(statusPath...)
	meta := types.ObjectMeta{Name: obj.Name(), Namespace: obj.Namespace(), UID: obj.UID(), ResourceVersion: obj.ResourceVersion(), CreationTimestamp: obj.CreationTimestamp()}
	status := map[string]any{"replicas": statusReplicas}
	var selector string
	if r.custom != nil {
		if selectorPath != nil {
			selector, _ = u.NestedString(selectorPath...)
		}
	} else {
		selector = scaleSelector(obj)
	}
	if selector != "" {
		status["selector"] = selector
	}
	s, err := types.Unstructured{"apiVersion": scaleTypeMeta.APIVersion, "kind": scaleTypeMeta.Kind,
		"spec": map[string]any{"replicas": specReplicas}, "status": status}.ToObject()
	if err != nil {
		return nil, types.NewInternalError(err)
	}
	return s.WithMeta(meta), nil
}

// PatchScale applies a JSON, merge, strategic merge or apply patch to the object's Scale and stores the resulting
// spec.replicas.
func (c *ResourceClient) PatchScale(ctx context.Context, name string, pt PatchType, data []byte, opts PatchOptions) (*types.Object, error) {
	if pt == ApplyPatchType {
		return c.applyScale(ctx, name, data, opts)
	}
	cur, err := c.GetScale(ctx, name, GetOptions{})
	if err != nil {
		return nil, err
	}
	var apply func(doc, patchDoc []byte) ([]byte, error)
	switch pt {
	case JSONPatchType:
		apply = patch.JSONPatch
	case MergePatchType, StrategicMergePatchType: // a Scale has no lists: strategic merge is a merge patch
		apply = patch.MergePatch
	default:
		return nil, types.NewUnsupportedMediaType([]string{string(JSONPatchType), string(MergePatchType), string(StrategicMergePatchType), string(ApplyPatchType)})
	}
	patched, err := apply(cur.JSON(), data)
	if err != nil {
		return nil, patchError(err)
	}
	scale, err := types.ParseObject(patched)
	if err != nil {
		return nil, types.NewBadRequest(err.Error())
	}
	if scale.ResourceVersion() == cur.ResourceVersion() {
		scale = scale.WithResourceVersion("") // not pinned by the patch: apply to the latest version
	}
	return c.UpdateScale(ctx, name, scale, UpdateOptions{DryRun: opts.DryRun, FieldManager: opts.FieldManager})
}

// scaleSelector renders spec.selector as a label selector string: a LabelSelector (matchLabels, matchExpressions),
// or for replicationcontrollers a plain map of labels.
func scaleSelector(obj *types.Object) string {
	raw, ok := obj.Lookup("spec", "selector")
	if !ok {
		return ""
	}
	var ls types.LabelSelector
	if err := json.Unmarshal(raw, &ls); err == nil && (ls.MatchLabels != nil || ls.MatchExpressions != nil) {
		if sel, err := types.SelectorFromLabelSelector(&ls); err == nil {
			return sel.String()
		}
		return ""
	}
	var set map[string]string
	if err := json.Unmarshal(raw, &set); err == nil && len(set) > 0 {
		return types.SelectorFromSet(set).String()
	}
	return ""
}
