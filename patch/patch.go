package patch

import (
	"errors"
	"fmt"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// MaxJSONPatchOperations is the most operations kube-apiserver accepts in one JSON Patch.
const MaxJSONPatchOperations = 10000

// ErrTooManyOperations is returned for a JSON Patch with more than MaxJSONPatchOperations operations.
var ErrTooManyOperations = fmt.Errorf("the allowed maximum operations in a JSON patch are %d", MaxJSONPatchOperations)

// InvalidPatchError reports a patch document that cannot be decoded (a 400 in kube-apiserver).
type InvalidPatchError struct{ Err error }

func (e *InvalidPatchError) Error() string { return e.Err.Error() }

// Unwrap returns the decoding error.
func (e *InvalidPatchError) Unwrap() error { return e.Err }

// ApplyError reports a patch that decoded but could not be applied, such as a failed test operation or a missing
// path (a 422 in kube-apiserver, SEMANTICS V-2).
type ApplyError struct{ Err error }

func (e *ApplyError) Error() string { return e.Err.Error() }

// Unwrap returns the application error.
func (e *ApplyError) Unwrap() error { return e.Err }

// JSONPatch applies an RFC 6902 patch to doc. Negative array indices are refused, as kube-apiserver refuses them;
// a patch whose result would grow beyond the accumulated-copy limit of json-patch is refused rather than applied.
func JSONPatch(doc, patchDoc []byte) ([]byte, error) {
	p, err := jsonpatch.DecodePatch(patchDoc)
	if err != nil {
		return nil, &InvalidPatchError{Err: err}
	}
	if len(p) > MaxJSONPatchOperations {
		return nil, &InvalidPatchError{Err: ErrTooManyOperations}
	}
	opts := jsonpatch.NewApplyOptions()
	opts.SupportNegativeIndices = false
	opts.EnsurePathExistsOnAdd = false
	out, err := p.ApplyWithOptions(doc, opts)
	if err != nil {
		var se *jsonpatch.AccumulatedCopySizeError
		if errors.As(err, &se) {
			return nil, &InvalidPatchError{Err: err}
		}
		return nil, &ApplyError{Err: err}
	}
	return out, nil
}

// MergePatch applies an RFC 7386 merge patch to doc.
func MergePatch(doc, patchDoc []byte) ([]byte, error) {
	out, err := jsonpatch.MergePatch(doc, patchDoc)
	if err != nil {
		return nil, &InvalidPatchError{Err: err}
	}
	return out, nil
}
