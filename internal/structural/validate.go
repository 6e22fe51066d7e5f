package structural

import "github.com/kubemem/kubemem/types"

// ValidateOptions configures ValidateWithOptions and ValidateUpdateWithOptions. The zero value works.
type ValidateOptions struct {
	// EmbeddedObjectMeta validates the metadata of each x-kubernetes-embedded-resource object with kube's generic
	// ObjectMeta rules. When nil, only its decoding and the name and generateName path-segment rules are checked.
	EmbeddedObjectMeta ObjectMetaValidator
}

// Validate returns the errors kube-apiserver reports for a custom object (the whole object: apiVersion, kind,
// metadata, spec, status...) against root schema s, in kube's order, with kube's field paths and messages.
//
// It is ValidateWithOptions with the zero ValidateOptions; see there for what is checked.
func (s *Schema) Validate(obj map[string]any) types.FieldErrorList {
	return s.ValidateWithOptions(obj, ValidateOptions{})
}

// ValidateWithOptions returns the errors of a custom object against root schema s, as kube-apiserver's custom
// resource strategy reports them (the caller validates metadata with the generic ObjectMeta rules first):
//
//  1. the OpenAPI schema validation (kube-openapi): its errors are named by their path alone ("spec.replicas"),
//     and the anyOf/oneOf/allOf/not errors are reported at "<nil>", as kube does;
//  2. the apiVersion, kind and metadata of embedded resources;
//  3. the uniqueness of x-kubernetes-list-type set elements and map keys.
//
// Where kube iterates a Go map, fields are visited in sorted order. CEL rules (x-kubernetes-validations) are not
// evaluated. It does not modify s or obj and may run concurrently with other calls on s.
func (s *Schema) ValidateWithOptions(obj map[string]any, opts ValidateOptions) types.FieldErrorList {
	if s == nil {
		return nil
	}
	errs := fieldErrors(nil, validate(s, "", obj, nil))
	errs = append(errs, validateEmbedded(nil, obj, s, false, opts.EmbeddedObjectMeta)...)
	errs = append(errs, validateListTypes(nil, s, obj)...)
	return errs
}

// ValidateUpdate is Validate for an update from old to obj with kube's CRD validation ratcheting
// (CRDValidationRatcheting, GA): errors on values that are unchanged from old are not reported.
//
// It is ValidateUpdateWithOptions with the zero ValidateOptions.
func (s *Schema) ValidateUpdate(obj, old map[string]any) types.FieldErrorList {
	return s.ValidateUpdateWithOptions(obj, old, ValidateOptions{})
}

// ValidateUpdateWithOptions is ValidateWithOptions for an update from old to obj, with kube's ratcheting:
//
//   - a schema error is dropped when the value it is found in equals the correlated old value. Values correlate
//     along declared properties and additionalProperties present in both objects, and along the elements of
//     x-kubernetes-list-type=map lists with the same keys; atomic lists, sets and lists without a list type
//     correlate only as a whole. An object is unchanged only if each of its fields correlates and is unchanged,
//     so objects with fields the schema does not declare never are. The root's apiVersion and kind are never
//     ratcheted;
//   - embedded resources are validated as on create;
//   - list-type set and map uniqueness is checked only if old satisfied it.
//
// It does not modify s, obj or old and may run concurrently with other calls on s.
func (s *Schema) ValidateUpdateWithOptions(obj, old map[string]any, opts ValidateOptions) types.FieldErrorList {
	if s == nil {
		return nil
	}
	errs := fieldErrors(nil, validate(s, "", obj, newCorr(obj, old, s)))
	errs = append(errs, validateEmbedded(nil, obj, s, false, opts.EmbeddedObjectMeta)...)
	if len(validateListTypes(nil, s, old)) == 0 {
		errs = append(errs, validateListTypes(nil, s, obj)...)
	}
	return errs
}
