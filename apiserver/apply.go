package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.yaml.in/yaml/v2"

	"github.com/kubemem/kubemem/internal/fieldmanager"
	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// This file is server-side apply, the patch type application/apply-patch+yaml: the configuration is merged into
// the live object by the field manager (fields.go, internal/fieldmanager), which also records that the manager
// owns what it applied; the result then goes through update's rules, or create's when there is no object yet.

// appliedKey marks the context of a write whose managedFields are already set: an apply's, or a write through the
// scale subresource (scale.go).
type appliedKey struct{}

// applied reports whether ctx is the context of an apply's write.
func applied(ctx context.Context) bool { return ctx.Value(appliedKey{}) != nil }

// applyPatch implements server-side apply of data (YAML or JSON) to the object name, through the main resource (sub
// "") or a subresource.
func (s *Server) applyPatch(ctx context.Context, r *Resource, ns, name string, data []byte, opts PatchOptions, sub string) (*types.Object, error) {
	if errs := validateApplyOptions(opts); len(errs) > 0 {
		return nil, types.NewInvalid(types.GroupKind{Group: "meta.k8s.io", Kind: "PatchOptions"}, "", errs)
	}
	fm := r.fieldManager()
	if fm == nil {
		return nil, types.NewUnsupportedMediaType(acceptedPatchTypes(r))
	}
	config, err := decodeApplyConfig(data)
	if err != nil {
		return nil, err
	}
	if err := checkApplyConfig(r.TypeMeta(), r.Namespaced, ns, name, config); err != nil {
		return nil, err
	}
	force := opts.Force != nil && *opts.Force
	ctx = context.WithValue(ctx, appliedKey{}, true)
	for {
		cur, err := s.get(ctx, r, ns, name, GetOptions{})
		switch {
		case types.IsNotFound(err) && sub == "":
			// An apply to a missing object creates it.
			out, err := fm.Apply(nil, config, opts.FieldManager, sub, force, s.clock.Now())
			if err != nil {
				return nil, applyError(err)
			}
			obj, err := encodeTree(out)
			if err != nil {
				return nil, err
			}
			created, err := s.create(ctx, r, ns, obj, CreateOptions{DryRun: opts.DryRun, FieldManager: opts.FieldManager, FieldValidation: opts.FieldValidation})
			if types.IsAlreadyExists(err) {
				continue // created meanwhile: apply to it
			}
			return created, err
		case err != nil:
			return nil, err
		}
		live, err := decodeTree(cur)
		if err != nil {
			return nil, err
		}
		out, err := fm.Apply(live, config, opts.FieldManager, sub, force, s.clock.Now())
		if err != nil {
			return nil, applyError(err)
		}
		obj, err := encodeTree(out)
		if err != nil {
			return nil, err
		}
		updated, _, err := s.updateSubresource(ctx, r, ns, obj.WithResourceVersion(cur.ResourceVersion()),
			UpdateOptions{DryRun: opts.DryRun, FieldManager: opts.FieldManager, FieldValidation: opts.FieldValidation}, sub)
		if types.IsConflict(err) && !errors.As(err, new(*fieldmanager.ConflictError)) {
			continue // written meanwhile: apply to the new state, as kube-apiserver's patcher retries
		}
		return updated, err
	}
}

// validateApplyOptions is kube-apiserver's ValidatePatchOptions for an apply patch: a field manager is required.
func validateApplyOptions(opts PatchOptions) types.FieldErrorList {
	force := opts.Force
	opts.Force = nil // allowed for apply
	errs := validatePatchOptions(opts)
	opts.Force = force
	if opts.FieldManager == "" {
		errs = append(types.FieldErrorList{types.FieldRequired(types.NewFieldPath("fieldManager"), "is required for apply patch")}, errs...)
	}
	return errs
}

// decodeApplyConfig decodes an apply configuration, YAML or JSON, into a JSON tree.
func decodeApplyConfig(data []byte) (map[string]any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, types.NewBadRequest("error decoding YAML: " + err.Error())
	}
	js, err := json.Marshal(jsonCompatible(v))
	if err != nil {
		return nil, types.NewBadRequest("error converting YAML to JSON: " + err.Error())
	}
	tree, err := jsontree.DecodeObject(js)
	if err != nil || tree == nil {
		return nil, types.NewBadRequest("error decoding the apply configuration: it must be an object")
	}
	return tree, nil
}

// jsonCompatible turns what yaml.v2 decodes (maps with interface keys) into values encoding/json accepts.
func jsonCompatible(v any) any {
	switch v := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonCompatible(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonCompatible(e)
		}
		return v
	}
	return v
}

// checkApplyConfig refuses a configuration for another kind (tm) or object, as kube-apiserver's apply patcher does;
// namespaced says whether the object has a namespace.
func checkApplyConfig(tm types.TypeMeta, namespaced bool, ns, name string, config map[string]any) error {
	if v, _ := config["apiVersion"].(string); v != tm.APIVersion {
		return types.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", v, tm.APIVersion))
	}
	if k, _ := config["kind"].(string); k != tm.Kind {
		return types.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", k, tm.Kind))
	}
	meta, _ := config["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		config["metadata"] = meta
	}
	if meta["name"] == nil {
		meta["name"] = name
	}
	if n, _ := meta["name"].(string); n != name {
		return types.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", n, name))
	}
	if n, _ := meta["namespace"].(string); namespaced && n != "" && n != ns {
		return types.NewBadRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the URL (%s)", n, ns))
	}
	return nil
}

// applyError turns the field manager's errors into kube-apiserver's answers: a conflict is 409 with one cause per
// field, a configuration that does not fit the schema 500 with the field manager's message.
func applyError(err error) error {
	var conflict *fieldmanager.ConflictError
	if errors.As(err, &conflict) {
		return types.FromStatus(conflict.Status())
	}
	var schema *fieldmanager.SchemaError
	if errors.As(err, &schema) {
		return types.NewInternalError(err)
	}
	return err
}
