package patch

import (
	"errors"
	"fmt"
)

// The four kinds of failure a patch engine reports, each answered by kube-apiserver with its own status:
//
//	*InvalidPatchError        the patch document is malformed              400 BadRequest
//	*TooManyOperationsError   a JSON Patch over MaxJSONPatchOperations     413 RequestEntityTooLarge
//	*ApplyError               a well-formed patch that does not apply      422 (reason Invalid)
//	*MergeError               strategic merge failed on the document       500 with the message
//
// ErrNoSchema (strategic merge without a schema) is answered 415 UnsupportedMediaType. Match them with errors.As
// and errors.Is; the messages are kube-apiserver's.

// InvalidPatchError reports a patch document that cannot be decoded, or a strategic merge directive in a malformed
// format. kube-apiserver answers 400 BadRequest with the message.
type InvalidPatchError struct{ Err error }

func (e *InvalidPatchError) Error() string { return e.Err.Error() }

// Unwrap returns the decoding error.
func (e *InvalidPatchError) Unwrap() error { return e.Err }

// ApplyError reports a patch that decoded but could not be applied, such as a failed JSON Patch test operation or
// a missing path. kube-apiserver answers 422 with reason Invalid, the message "the server rejected our request due
// to an error in our request", and this error's text as the cause (SEMANTICS V-2).
type ApplyError struct{ Err error }

func (e *ApplyError) Error() string { return e.Err.Error() }

// Unwrap returns the application error.
func (e *ApplyError) Unwrap() error { return e.Err }

// MergeError reports a strategic merge patch that does not fit the document or its schema: a list element without
// its merge key, an unknown field holding an object on both sides, an unknown $patch directive, a $setElementOrder
// list that contradicts the patch list, elements of different types in one list. kube-apiserver returns these
// errors of k8s.io/apimachinery's strategicpatch unconverted, which its error handling answers with code 500, an
// empty reason and this message.
type MergeError struct{ Err error }

func (e *MergeError) Error() string { return e.Err.Error() }

// Unwrap returns the merge error.
func (e *MergeError) Unwrap() error { return e.Err }

// TooManyOperationsError reports a JSON Patch with more than MaxJSONPatchOperations operations. kube-apiserver
// answers 413 RequestEntityTooLarge; Error is the message it puts after "Request entity too large: ".
type TooManyOperationsError struct {
	// Operations is the number of operations in the patch.
	Operations int
}

func (e *TooManyOperationsError) Error() string {
	return fmt.Sprintf("The allowed maximum operations in a JSON patch is %d, got %d", MaxJSONPatchOperations, e.Operations)
}

// Is makes errors.Is(err, ErrTooManyOperations) hold.
func (e *TooManyOperationsError) Is(target error) bool { return target == ErrTooManyOperations }

// ErrTooManyOperations matches every *TooManyOperationsError with errors.Is.
var ErrTooManyOperations = errors.New("patch: too many JSON patch operations")

// ErrNoSchema is returned by StrategicMerge without a schema: strategic merge patch needs the merge keys and
// strategies of the kind, which custom resources do not have. kube-apiserver refuses the content type for them
// with 415 UnsupportedMediaType.
var ErrNoSchema = errors.New("patch: strategic merge patch needs a schema (it is not supported for custom resources)")

// Errors of strategic merge patch directives in a malformed format; each is wrapped in an *InvalidPatchError. The
// texts are apimachinery's (mergepatch package) and kube-apiserver answers 400 with them.
var (
	ErrBadPatchFormatForPrimitiveList       = errors.New("invalid patch format of primitive list")
	ErrBadPatchFormatForRetainKeys          = errors.New("invalid patch format of retainKeys")
	ErrBadPatchFormatForSetElementOrderList = errors.New("invalid patch format of setElementOrder list")
)

// ErrNoListOfLists is wrapped in an *ApplyError when a merged list holds lists; kube-apiserver answers it with 422.
var ErrNoListOfLists = errors.New("lists of lists are not supported")
