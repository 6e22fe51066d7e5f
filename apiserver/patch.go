package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"unicode"

	"github.com/kubemem/kubemem/patch"
	"github.com/kubemem/kubemem/types"
)

// PatchType is the kind of a patch document, named by the media type a client sends it with.
type PatchType string

// The patch types kube-apiserver accepts.
const (
	// JSONPatchType is an RFC 6902 JSON Patch: a list of operations.
	JSONPatchType PatchType = "application/json-patch+json"
	// MergePatchType is an RFC 7386 JSON merge patch.
	MergePatchType PatchType = "application/merge-patch+json"
	// StrategicMergePatchType is a strategic merge patch, which merges lists by the kind's merge keys. Custom
	// resources do not support it.
	StrategicMergePatchType PatchType = "application/strategic-merge-patch+json"
	// ApplyPatchType is a server-side apply configuration (YAML or JSON): it is merged into the object by the
	// schema, and the field manager named by PatchOptions.FieldManager owns what it applies.
	ApplyPatchType PatchType = "application/apply-patch+yaml"
)

// PatchOptions are the options of a patch (metav1.PatchOptions).
type PatchOptions struct {
	DryRun []string `json:"dryRun,omitempty"`
	// Force is for server-side apply only; any other patch with Force set is invalid.
	Force *bool `json:"force,omitempty"`
	// FieldManager names the actor making the change (at most 128 printable characters).
	FieldManager string `json:"fieldManager,omitempty"`
	// FieldValidation is "", "Ignore", "Warn" or "Strict": what unknown or duplicate fields in the patched object
	// cause (see CreateOptions.FieldValidation).
	FieldValidation string `json:"fieldValidation,omitempty"`
}

// Patch applies a patch of type pt to the object name and stores the result, as kube-apiserver's patch verb
// does: the patch applies to the current object (404 NotFound when there is none: a patch never creates), then
// the result goes through update's rules. A patch that sets metadata.resourceVersion makes it a precondition (409
// Conflict when the object has moved on); otherwise a concurrent write makes Patch apply the patch again to the
// new state. A patch may not change metadata.name or namespace (400) or metadata.uid (422). A patch that changes
// nothing stores nothing and returns the current object.
//
// Errors: a malformed patch is 400 BadRequest, a JSON Patch with more than 10000 operations 413, a JSON Patch
// operation that does not apply 422, a strategic merge patch that does not fit the object 500 with upstream's
// message (as kube-apiserver answers), a result that is not an object 422 Invalid, and a patch type the resource
// does not accept 415 UnsupportedMediaType (strategic merge on kinds without a schema, server-side apply).
func (c *ResourceClient) Patch(ctx context.Context, name string, pt PatchType, data []byte, opts PatchOptions) (*types.Object, error) {
	if c.err != nil {
		return nil, c.err
	}
	return c.out(c.s.patch(ctx, c.r, c.ns, name, pt, data, opts))
}

// PatchStatus applies a patch through the status subresource: only the patched object's status is stored.
func (c *ResourceClient) PatchStatus(ctx context.Context, name string, pt PatchType, data []byte, opts PatchOptions) (*types.Object, error) {
	if c.err != nil {
		return nil, c.err
	}
	if !c.r.HasSubresource("status") {
		return nil, types.NewNotFound(c.r.GroupResource(), name)
	}
	return c.out(c.s.patchSubresource(ctx, c.r, c.ns, name, pt, data, opts, "status"))
}

// Patch applies a patch to the object name and returns the result (see ResourceClient.Patch).
func (t Typed[T]) Patch(ctx context.Context, name string, pt PatchType, data []byte, opts PatchOptions) (*T, error) {
	o, err := t.c.Patch(ctx, name, pt, data, opts)
	if err != nil {
		return nil, err
	}
	return Decode[T](o)
}

// schemaFor returns the strategic merge schema of the resource's kind, if it has one.
func schemaFor(r *Resource) (*types.Schema, bool) {
	return types.SchemaFor(r.GVR.GroupVersion().WithKind(r.Kind))
}

// acceptedPatchTypes are the media types kube-apiserver lists in its 415 answer: every patch type for a kind with
// a schema (built-in kinds), all but strategic merge for the others (custom resources).
func acceptedPatchTypes(r *Resource) []string {
	if _, ok := schemaFor(r); ok {
		return []string{string(JSONPatchType), string(MergePatchType), string(StrategicMergePatchType), string(ApplyPatchType)}
	}
	return []string{string(JSONPatchType), string(MergePatchType), string(ApplyPatchType)}
}

// patch implements the patch verb.
func (s *Server) patch(ctx context.Context, r *Resource, ns, name string, pt PatchType, data []byte, opts PatchOptions) (*types.Object, error) {
	return s.patchSubresource(ctx, r, ns, name, pt, data, opts, "")
}

// patchSubresource patches through the main resource (sub "") or the status subresource (sub "status"), with
// update's rules for that subresource.
func (s *Server) patchSubresource(ctx context.Context, r *Resource, ns, name string, pt PatchType, data []byte, opts PatchOptions, sub string) (*types.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if pt == ApplyPatchType {
		return s.applyPatch(ctx, r, ns, name, data, opts, sub)
	}
	apply, err := patchFunc(r, pt)
	if err != nil {
		return nil, err
	}
	if errs := validatePatchOptions(opts); len(errs) > 0 {
		return nil, types.NewInvalid(types.GroupKind{Group: "meta.k8s.io", Kind: "PatchOptions"}, "", errs)
	}
	uopts := UpdateOptions{DryRun: opts.DryRun, FieldManager: opts.FieldManager, FieldValidation: opts.FieldValidation}
	ctx = context.WithValue(ctx, patchingKey{}, true)
	for {
		cur, err := s.get(ctx, r, ns, name, GetOptions{})
		if err != nil {
			return nil, err
		}
		patched, err := apply(cur.JSON(), data)
		if err != nil {
			return nil, patchError(err)
		}
		obj, err := types.ParseObject(patched)
		if err != nil {
			return nil, types.NewInvalid(types.GroupKind{}, "", types.FieldErrorList{
				types.FieldInvalid(types.NewFieldPath("patch"), string(patched), err.Error())})
		}
		if schema, ok := schemaFor(r); ok {
			var problems []string
			if typeErr := fieldProblems(schema, patched, "", &problems); typeErr != "" {
				// The patched object does not decode into the kind's Go type: kube's patch handler answers 422.
				return nil, types.NewInvalid(types.GroupKind{}, "", types.FieldErrorList{
					types.FieldInvalid(types.NewFieldPath("patch"), string(patched), typeErr)})
			}
		}
		if err := checkPatchedIdentity(r, ns, name, cur, obj); err != nil {
			return nil, err
		}
		// The resourceVersion the result carries is the current one unless the patch set it: then it is a
		// precondition. A patch that removes it asks for an unconditional update.
		pinned := obj.ResourceVersion() != cur.ResourceVersion()
		if obj.ResourceVersion() == "" {
			if !r.AllowUnconditionalUpdate {
				return nil, types.NewUpdateRequiresResourceVersion(r.GroupResource(), name)
			}
			obj, pinned = obj.WithResourceVersion(cur.ResourceVersion()), false
		}
		// update's rules apply from here, its no-op check included (W-6: a patch that changes nothing, even if
		// its result orders keys differently, is not a write).
		updated, _, err := s.updateSubresource(ctx, r, ns, obj, uopts, sub)
		if err != nil && types.IsConflict(err) && !pinned {
			continue // written concurrently: apply the patch to the new state, as GuaranteedUpdate does
		}
		return updated, err
	}
}

// patchingKey marks the context of the update a patch makes: its strict field-validation errors are worded as
// kube-apiserver's patch handler words them.
type patchingKey struct{}

// patchFunc returns the engine of a patch type, or kube-apiserver's 415 for a type the resource does not accept.
func patchFunc(r *Resource, pt PatchType) (func(doc, patchDoc []byte) ([]byte, error), error) {
	switch pt {
	case JSONPatchType:
		return patch.JSONPatch, nil
	case MergePatchType:
		return patch.MergePatch, nil
	case StrategicMergePatchType:
		schema, ok := schemaFor(r)
		if !ok {
			return nil, types.NewUnsupportedMediaType(acceptedPatchTypes(r))
		}
		return func(doc, patchDoc []byte) ([]byte, error) { return patch.StrategicMerge(doc, patchDoc, schema) }, nil
	default:
		return nil, types.NewUnsupportedMediaType(acceptedPatchTypes(r))
	}
}

// validatePatchOptions is kube-apiserver's ValidatePatchOptions for patches other than apply.
func validatePatchOptions(opts PatchOptions) types.FieldErrorList {
	var errs types.FieldErrorList
	if opts.Force != nil {
		errs = append(errs, types.FieldForbidden(types.NewFieldPath("force"), "may not be specified for non-apply patch"))
	}
	if len(opts.FieldManager) > 128 {
		errs = append(errs, types.FieldTooLong(types.NewFieldPath("fieldManager"), opts.FieldManager, 128))
	}
	for i, c := range opts.FieldManager {
		if !unicode.IsPrint(c) {
			errs = append(errs, types.FieldInvalid(types.NewFieldPath("fieldManager"), opts.FieldManager,
				fmt.Sprintf("invalid character %#U at position %d", c, i)))
		}
	}
	for _, v := range opts.DryRun {
		if v != DryRunAll {
			errs = append(errs, types.FieldNotSupported(types.NewFieldPath("dryRun"), opts.DryRun, []string{DryRunAll}))
			break
		}
	}
	switch opts.FieldValidation {
	case "", "Ignore", "Warn", "Strict":
	default:
		errs = append(errs, types.FieldNotSupported(types.NewFieldPath("fieldValidation"), opts.FieldValidation,
			[]string{"", "Ignore", "Strict", "Warn"}))
	}
	return errs
}

// checkPatchedIdentity refuses a patch that renames the object, moves it to another namespace (kube-apiserver's
// checkName: 400) or changes its uid (immutable: 422).
func checkPatchedIdentity(r *Resource, ns, name string, cur, obj *types.Object) error {
	if obj.Name() != name {
		return types.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", obj.Name(), name))
	}
	if r.Namespaced && ns != "" && obj.Namespace() != "" && obj.Namespace() != ns {
		return types.NewBadRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the URL (%s)", obj.Namespace(), ns))
	}
	if obj.UID() != "" && obj.UID() != cur.UID() {
		return types.NewInvalid(r.GroupKind(), name, types.FieldErrorList{
			types.FieldInvalid(types.NewFieldPath("metadata", "uid"), obj.UID(), "field is immutable")})
	}
	return nil
}

// patchError maps an error of the patch engines to kube-apiserver's answer.
func patchError(err error) error {
	var (
		invalid  *patch.InvalidPatchError
		tooMany  *patch.TooManyOperationsError
		apply    *patch.ApplyError
		mergeErr *patch.MergeError
	)
	switch {
	case errors.As(err, &invalid):
		return types.NewBadRequest(err.Error())
	case errors.As(err, &tooMany):
		return types.NewRequestEntityTooLarge(err.Error())
	case errors.As(err, &apply):
		// errors.NewGenericServerResponse(422, ...) in kube-apiserver's patch handler.
		return types.FromStatus(types.Status{
			Status:  types.StatusFailure,
			Code:    http.StatusUnprocessableEntity,
			Reason:  types.StatusReasonInvalid,
			Message: "the server rejected our request due to an error in our request",
			Details: &types.StatusDetails{Causes: []types.StatusCause{{Type: types.CauseTypeUnexpectedServerResponse, Message: err.Error()}}},
		})
	case errors.As(err, &mergeErr):
		return mergeErr // not a Status: kube-apiserver answers 500 with the message
	default:
		return err
	}
}
