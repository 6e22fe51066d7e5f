package types

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// APIStatus is implemented by errors that know the Status kube-apiserver answers for them. *StatusError is the
// implementation this package builds; StatusFromError and the Is* predicates find any APIStatus in an error chain.
type APIStatus interface {
	Status() Status
}

// StatusError is an error that carries the Status kube-apiserver would answer for it, like apimachinery's
// api/errors.StatusError. Build it with the New* constructors below, which reproduce kube-apiserver's codes, reasons,
// messages and details exactly.
//
// A StatusError is immutable once built: nothing in this package modifies ErrStatus after construction, callers
// must not either, and Status returns a deep copy. It is safe to share between goroutines and to return from
// several calls.
type StatusError struct {
	ErrStatus Status
}

var (
	_ error     = (*StatusError)(nil)
	_ APIStatus = (*StatusError)(nil)
)

// Error returns the Status message.
func (e *StatusError) Error() string { return e.ErrStatus.Message }

// Status returns a deep copy of the Status as it crosses the API: kind "Status", apiVersion "v1", status "Failure"
// when unset, and code 500 when unset (code 200 for a Success status), the way kube-apiserver completes an error's
// Status before writing it.
func (e *StatusError) Status() Status { return completeStatus(cloneStatus(e.ErrStatus)) }

// Code returns the HTTP status code of the error, as Status reports it.
func (e *StatusError) Code() int32 { return e.Status().Code }

// FromStatus returns a StatusError carrying a deep copy of s, for example a Status decoded from a response body.
func FromStatus(s Status) *StatusError { return &StatusError{ErrStatus: cloneStatus(s)} }

// StatusFromError returns the Status that crosses the API for err, as kube-apiserver's ErrorToAPIStatus computes it
// (SEMANTICS S-1, S-3):
//   - an APIStatus anywhere in err's chain (errors.As, so wrapped errors count) gives its Status, completed with
//     kind "Status", apiVersion "v1", status "Failure" and code 500 when those are unset;
//   - any other error gives code 500, an empty reason and message err.Error() (the last row of S-3);
//   - nil gives a Success status with code 200.
//
// The result is a fresh value the caller may modify.
func StatusFromError(err error) Status {
	if err == nil {
		return Status{TypeMeta: statusTypeMeta(), Status: StatusSuccess, Code: http.StatusOK}
	}
	var s APIStatus
	if errors.As(err, &s) {
		return completeStatus(cloneStatus(s.Status()))
	}
	return Status{
		TypeMeta: statusTypeMeta(),
		Status:   StatusFailure,
		Code:     http.StatusInternalServerError,
		Reason:   StatusReasonUnknown,
		Message:  err.Error(),
	}
}

// ReasonForError returns the reason of the APIStatus in err's chain, or StatusReasonUnknown ("") when there is none
// (including for nil).
func ReasonForError(err error) StatusReason {
	var s APIStatus
	if errors.As(err, &s) {
		return s.Status().Reason
	}
	return StatusReasonUnknown
}

// HasStatusCause reports whether the APIStatus in err's chain lists a cause of type t.
func HasStatusCause(err error, t CauseType) bool {
	var s APIStatus
	if !errors.As(err, &s) {
		return false
	}
	st := s.Status()
	if st.Details == nil {
		return false
	}
	for _, c := range st.Details.Causes {
		if c.Type == t {
			return true
		}
	}
	return false
}

// statusTypeMeta is the TypeMeta every Status carries on the wire: apiVersion "v1" even for group APIs (S-1).
func statusTypeMeta() TypeMeta { return TypeMeta{Kind: "Status", APIVersion: "v1"} }

// newStatusError builds a failure StatusError.
func newStatusError(code int32, reason StatusReason, message string, details *StatusDetails) *StatusError {
	return &StatusError{ErrStatus: Status{
		TypeMeta: statusTypeMeta(),
		Status:   StatusFailure,
		Message:  message,
		Reason:   reason,
		Details:  details,
		Code:     code,
	}}
}

// completeStatus fills in what kube-apiserver's ErrorToAPIStatus fills in before writing an error's Status.
func completeStatus(s Status) Status {
	s.TypeMeta = statusTypeMeta()
	if s.Status == "" {
		s.Status = StatusFailure
	}
	if s.Code == 0 {
		if s.Status == StatusSuccess {
			s.Code = http.StatusOK
		} else {
			s.Code = http.StatusInternalServerError
		}
	}
	return s
}

// cloneStatus returns a copy of s that shares no memory with it.
func cloneStatus(s Status) Status {
	if s.ListMeta.RemainingItemCount != nil {
		n := *s.ListMeta.RemainingItemCount
		s.ListMeta.RemainingItemCount = &n
	}
	if s.Details != nil {
		d := *s.Details
		if d.Causes != nil {
			d.Causes = append([]StatusCause(nil), d.Causes...)
		}
		s.Details = &d
	}
	return s
}

// objectDetails is the details block of errors about one object of a resource: kind is the plural resource name.
func objectDetails(gr GroupResource, name string) *StatusDetails {
	return &StatusDetails{Name: name, Group: gr.Group, Kind: gr.Resource}
}

// NewNotFound returns the 404 NotFound error for a missing object: message `RES "name" not found`, details
// {name, group, kind: <plural resource>} (S-3).
func NewNotFound(gr GroupResource, name string) *StatusError {
	return newStatusError(http.StatusNotFound, StatusReasonNotFound,
		fmt.Sprintf("%s %q not found", gr.String(), name), objectDetails(gr, name))
}

// NewAlreadyExists returns the 409 AlreadyExists error of a create whose name is taken: message
// `RES "name" already exists`, details as NewNotFound (S-3, W-1).
func NewAlreadyExists(gr GroupResource, name string) *StatusError {
	return newStatusError(http.StatusConflict, StatusReasonAlreadyExists,
		fmt.Sprintf("%s %q already exists", gr.String(), name), objectDetails(gr, name))
}

// NewConflict returns the 409 Conflict error of a write that lost an optimistic-concurrency check: message
// `Operation cannot be fulfilled on RES "name": <err>`, details as NewNotFound (S-3). See NewOptimisticLockConflict
// and the delete-precondition constructors for the texts kube-apiserver puts in err.
func NewConflict(gr GroupResource, name string, err error) *StatusError {
	return newStatusError(http.StatusConflict, StatusReasonConflict,
		fmt.Sprintf("Operation cannot be fulfilled on %s %q: %v", gr.String(), name, err), objectDetails(gr, name))
}

// NewInvalid returns the 422 Invalid error of an object that failed validation (S-3, W-9): message
// `KIND "name" is invalid: <errs.ToAggregate()>` (or `KIND "name" is invalid` for no errors), details {name, group,
// kind: KIND, causes}, one cause per field error (duplicates included) with reason = the error's type, message =
// its ErrorBody and field = its path.
func NewInvalid(gk GroupKind, name string, errs FieldErrorList) *StatusError {
	var causes []StatusCause
	for _, e := range errs {
		if e == nil {
			continue
		}
		causes = append(causes, StatusCause{Type: CauseType(e.Type), Message: e.ErrorBody(), Field: e.Field})
	}
	message := fmt.Sprintf("%s %q is invalid", gk.String(), name)
	if agg := errs.ToAggregate(); agg != nil {
		message += ": " + agg.Error()
	}
	return newStatusError(http.StatusUnprocessableEntity, StatusReasonInvalid, message,
		&StatusDetails{Name: name, Group: gk.Group, Kind: gk.Kind, Causes: causes})
}

// NewBadRequest returns a 400 BadRequest error whose message is reason, without details.
func NewBadRequest(reason string) *StatusError {
	return newStatusError(http.StatusBadRequest, StatusReasonBadRequest, reason, nil)
}

// NewGone returns a 410 error with reason Gone. kube-apiserver no longer answers with it for expired
// resourceVersions (that is NewResourceExpired); it exists for completeness.
func NewGone(message string) *StatusError {
	return newStatusError(http.StatusGone, StatusReasonGone, message, nil)
}

// NewResourceExpired returns a 410 error with reason Expired (not Gone): the requested resourceVersion or continue
// token is older than what the server retains. See NewResourceVersionTooOldForList, NewTooOldResourceVersion and
// NewContinueExpired for kube-apiserver's messages.
func NewResourceExpired(message string) *StatusError {
	return newStatusError(http.StatusGone, StatusReasonExpired, message, nil)
}

// NewMethodNotSupported returns the 405 MethodNotAllowed error of a verb a resource does not serve: message
// `ACTION is not supported on resources of kind "RES"`, details {group, kind: <plural resource>} (S-3).
func NewMethodNotSupported(gr GroupResource, action string) *StatusError {
	return newStatusError(http.StatusMethodNotAllowed, StatusReasonMethodNotAllowed,
		fmt.Sprintf("%s is not supported on resources of kind %q", action, gr.String()),
		&StatusDetails{Group: gr.Group, Kind: gr.Resource})
}

// NewForbidden returns the 403 Forbidden error: message `RES "name" is forbidden: <err>`, `RES is forbidden: <err>`
// without a name, `forbidden: <err>` without a resource; details as NewNotFound.
func NewForbidden(gr GroupResource, name string, err error) *StatusError {
	var message string
	switch {
	case gr.Group == "" && gr.Resource == "":
		message = fmt.Sprintf("forbidden: %v", err)
	case name == "":
		message = fmt.Sprintf("%s is forbidden: %v", gr.String(), err)
	default:
		message = fmt.Sprintf("%s %q is forbidden: %v", gr.String(), name, err)
	}
	return newStatusError(http.StatusForbidden, StatusReasonForbidden, message, objectDetails(gr, name))
}

// NewUnauthorized returns the 401 Unauthorized error with message reason, or "not authorized" when reason is empty.
func NewUnauthorized(reason string) *StatusError {
	if reason == "" {
		reason = "not authorized"
	}
	return newStatusError(http.StatusUnauthorized, StatusReasonUnauthorized, reason, nil)
}

// NewTooManyRequests returns a 429 TooManyRequests error with message as given and details {retryAfterSeconds}
// (the details block is present, possibly empty, as kube-apiserver sends it). With retryAfterSeconds > 0 the HTTP
// answer carries Retry-After (S-2).
func NewTooManyRequests(message string, retryAfterSeconds int) *StatusError {
	return newStatusError(http.StatusTooManyRequests, StatusReasonTooManyRequests, message,
		&StatusDetails{RetryAfterSeconds: int32(retryAfterSeconds)})
}

// NewInternalError returns the 500 InternalError error wrapping err: message `Internal error occurred: <err>`,
// details {causes: [{message: <err>}]} (S-3).
func NewInternalError(err error) *StatusError {
	return newStatusError(http.StatusInternalServerError, StatusReasonInternalError,
		fmt.Sprintf("Internal error occurred: %v", err),
		&StatusDetails{Causes: []StatusCause{{Message: errorText(err)}}})
}

// NewServiceUnavailable returns a 503 ServiceUnavailable error whose message is reason.
func NewServiceUnavailable(reason string) *StatusError {
	return newStatusError(http.StatusServiceUnavailable, StatusReasonServiceUnavailable, reason, nil)
}

// NewTimeoutError returns a 504 Timeout error: message `Timeout: <message>`, details {retryAfterSeconds} (present,
// possibly empty).
func NewTimeoutError(message string, retryAfterSeconds int) *StatusError {
	return newStatusError(http.StatusGatewayTimeout, StatusReasonTimeout, "Timeout: "+message,
		&StatusDetails{RetryAfterSeconds: int32(retryAfterSeconds)})
}

// NewServerTimeout returns the 500 ServerTimeout error of an operation that could not finish in time and may be
// retried: message `The OPERATION operation against RES could not be completed at this time, please try again.`,
// details {name: OPERATION, group, kind: <plural resource>, retryAfterSeconds}.
func NewServerTimeout(gr GroupResource, operation string, retryAfterSeconds int) *StatusError {
	return newStatusError(http.StatusInternalServerError, StatusReasonServerTimeout,
		fmt.Sprintf("The %s operation against %s could not be completed at this time, please try again.",
			operation, gr.String()),
		&StatusDetails{Name: operation, Group: gr.Group, Kind: gr.Resource,
			RetryAfterSeconds: int32(retryAfterSeconds)})
}

// tooLargeResourceVersionCause is the message of the ResourceVersionTooLarge cause.
const tooLargeResourceVersionCause = "Too large resource version"

// NewTooLargeResourceVersion returns the 504 Timeout error of a read at a resourceVersion the server has not
// reached yet (S-3 TooLargeRV, R-4, R-7): message `Timeout: Too large resource version: REQ, current: CUR`, details
// {causes: [{reason: ResourceVersionTooLarge, message: "Too large resource version"}], retryAfterSeconds}. client-go
// recognises it by the cause (IsTooLargeResourceVersion). kubemem answers with retryAfterSeconds 1.
func NewTooLargeResourceVersion(requested, current uint64, retryAfterSeconds int) *StatusError {
	e := NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", requested, current),
		retryAfterSeconds)
	e.ErrStatus.Details.Causes = []StatusCause{{Type: CauseTypeResourceVersionTooLarge,
		Message: tooLargeResourceVersionCause}}
	return e
}

// NewRequestEntityTooLarge returns a 413 RequestEntityTooLarge error: message `Request entity too large: <message>`.
// kube-apiserver passes "limit is N" for a request body over its N-byte limit.
func NewRequestEntityTooLarge(message string) *StatusError {
	return newStatusError(http.StatusRequestEntityTooLarge, StatusReasonRequestEntityTooLarge,
		"Request entity too large: "+message, nil)
}

// NewUnsupportedMediaType returns the 415 UnsupportedMediaType error of a request body in a format the endpoint
// does not decode: message `the body of the request was in an unknown format - accepted media types include: A, B`,
// listing the accepted media types (not the one that was sent), as kube-apiserver's content negotiation does.
func NewUnsupportedMediaType(accepted []string) *StatusError {
	return newStatusError(http.StatusUnsupportedMediaType, StatusReasonUnsupportedMediaType,
		"the body of the request was in an unknown format - accepted media types include: "+
			strings.Join(accepted, ", "), nil)
}

// NewNotAcceptable returns the 406 NotAcceptable error of an Accept header the server cannot satisfy: message
// `only the following media types are accepted: A, B`.
func NewNotAcceptable(accepted []string) *StatusError {
	return newStatusError(http.StatusNotAcceptable, StatusReasonNotAcceptable,
		"only the following media types are accepted: "+strings.Join(accepted, ", "), nil)
}

// Messages and constructors for the specific failures kube-apiserver answers on the storage, list, watch and write
// paths. Each names the SEMANTICS item it implements.

// OptimisticLockErrorMsg is the cause text of the 409 a write with a stale resourceVersion gets (W-3).
const OptimisticLockErrorMsg = "the object has been modified; please apply your changes to the latest version and try again"

// Texts of the 410 Expired answers (etcd3/errors.go, cacher watch_cache.go).
const (
	listTooOldMessage       = "The resourceVersion for the provided list is too old."
	watchTooOldMessage      = "The resourceVersion for the provided watch is too old."
	continueExpiredMessage  = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."
	inconsistentContinueMsg = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
)

// ErrResourceVersionSetOnCreate is the error of a create whose object carries a numeric non-zero resourceVersion
// (W-1). It is deliberately a plain error, not a StatusError: kube-apiserver answers it with code 500, an empty
// reason and exactly this message, which is what StatusFromError gives for it. Its text has no package prefix
// because it crosses the API verbatim.
var ErrResourceVersionSetOnCreate = errors.New("resourceVersion should not be set on objects to be created")

// NewOptimisticLockConflict returns the 409 Conflict of an update whose resourceVersion is not the stored one (W-3):
// `Operation cannot be fulfilled on RES "name": the object has been modified; please apply your changes to the
// latest version and try again`.
func NewOptimisticLockConflict(gr GroupResource, name string) *StatusError {
	return NewConflict(gr, name, errors.New(OptimisticLockErrorMsg))
}

// NewUpdateRequiresResourceVersion returns the 422 Invalid of an update without resourceVersion to a resource that
// does not allow unconditional updates (W-4): `RES "name" is invalid: metadata.resourceVersion: Invalid value: 0:
// must be specified for an update`, with one FieldValueInvalid cause on metadata.resourceVersion. As in
// kube-apiserver, the details kind is the plural resource and the value is the unsigned zero it parsed; 1.37 prints
// it as "0" where releases before 1.34 printed "0x0" (see FieldError.ErrorBody).
func NewUpdateRequiresResourceVersion(gr GroupResource, name string) *StatusError {
	return NewInvalid(GroupKind{Group: gr.Group, Kind: gr.Resource}, name, FieldErrorList{
		FieldInvalid(NewFieldPath("metadata", "resourceVersion"), uint64(0), "must be specified for an update"),
	})
}

// NewDeletePreconditionResourceVersionConflict returns the 409 Conflict of a delete whose
// preconditions.resourceVersion does not match the stored object (V-3): `Operation cannot be fulfilled on KIND
// "name": the ResourceVersion in the precondition (P) does not match the ResourceVersion in record (R). The object
// might have been modified`. kube-apiserver names the object by its Kind here ("ConfigMap"), not its resource, and
// the details kind is that Kind.
func NewDeletePreconditionResourceVersionConflict(gk GroupKind, name, precondition, actual string) *StatusError {
	return NewConflict(GroupResource{Group: gk.Group, Resource: gk.Kind}, name, fmt.Errorf(
		"the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). "+
			"The object might have been modified", precondition, actual))
}

// NewDeletePreconditionUIDConflict returns the 409 Conflict of a delete whose preconditions.uid does not match the
// stored object (V-3): `Operation cannot be fulfilled on KIND "name": the UID in the precondition (P) does not match
// the UID in record (R). The object might have been deleted and then recreated`.
func NewDeletePreconditionUIDConflict(gk GroupKind, name, precondition, actual string) *StatusError {
	return NewConflict(GroupResource{Group: gk.Group, Resource: gk.Kind}, name, fmt.Errorf(
		"the UID in the precondition (%s) does not match the UID in record (%s). "+
			"The object might have been deleted and then recreated", precondition, actual))
}

// NewResourceVersionTooOldForList returns the 410 Expired of an Exact list below the retention floor:
// `The resourceVersion for the provided list is too old.`
func NewResourceVersionTooOldForList() *StatusError { return NewResourceExpired(listTooOldMessage) }

// NewResourceVersionTooOldForWatch returns the 410 Expired kube-apiserver's uncached (etcd) watch path sends for a
// compacted start revision: `The resourceVersion for the provided watch is too old.` The cached path, which kubemem
// follows, says NewTooOldResourceVersion instead.
func NewResourceVersionTooOldForWatch() *StatusError { return NewResourceExpired(watchTooOldMessage) }

// NewTooOldResourceVersion returns the 410 Expired of a watch from a resourceVersion below the retention floor
// `too old resource version: REQUESTED (FLOOR)`, where floor is the lowest resourceVersion a watch may start
// from (the watch cache's oldest-1).
func NewTooOldResourceVersion(requested, floor uint64) *StatusError {
	return NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", requested, floor))
}

// NewContinueExpired returns the 410 Expired of a paged list whose continue token is below the retention floor
// (P-5). newToken is the replacement token (rv -1, same start key) that continues from the latest state: when it is
// non-empty the message is the long "inconsistent list" text and the Status carries metadata.continue = newToken;
// when it is empty (the token could not be encoded) the message is the short "You can start a new list without the
// continue parameter." text.
func NewContinueExpired(newToken string) *StatusError {
	if newToken == "" {
		return NewResourceExpired(continueExpiredMessage)
	}
	e := NewResourceExpired(inconsistentContinueMsg)
	e.ErrStatus.ListMeta.Continue = newToken
	return e
}

// NewInvalidContinueToken returns the 400 BadRequest of an undecodable continue token (P-6):
// `invalid continue token: <err>`, where err is the decoder's "continue key is not valid: ..." error.
func NewInvalidContinueToken(err error) *StatusError {
	return NewBadRequest(fmt.Sprintf("invalid continue token: %v", err))
}

// NewResourceVersionWithContinue returns the 400 BadRequest of a list that sends both continue and a
// resourceVersion other than "" and "0": `specifying resource version is not allowed when using continue`.
func NewResourceVersionWithContinue() *StatusError {
	return NewBadRequest("specifying resource version is not allowed when using continue")
}

// NewInvalidResourceVersion returns the 400 BadRequest of a list whose resourceVersion does not parse:
// `invalid resource version: <err>`.
func NewInvalidResourceVersion(err error) *StatusError {
	return NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
}

// metaGroupName is the API group of ListOptions, DeleteOptions and the other request options.
const metaGroupName = "meta.k8s.io"

// NewInvalidListOptions returns the 422 Invalid of list or watch query parameters that fail validation:
// `ListOptions.meta.k8s.io "" is invalid: <errs>`, details {group: meta.k8s.io, kind: ListOptions, causes}.
func NewInvalidListOptions(errs FieldErrorList) *StatusError {
	return NewInvalid(GroupKind{Group: metaGroupName, Kind: "ListOptions"}, "", errs)
}

// NewInvalidDeleteOptions returns the 422 Invalid of DeleteOptions that fail validation:
// `DeleteOptions.meta.k8s.io "" is invalid: <errs>`, details {group: meta.k8s.io, kind: DeleteOptions, causes}.
func NewInvalidDeleteOptions(errs FieldErrorList) *StatusError {
	return NewInvalid(GroupKind{Group: metaGroupName, Kind: "DeleteOptions"}, "", errs)
}

// Predicates. Each finds the APIStatus in err's chain with errors.As, so wrapped errors are recognised, and reports
// false for nil and for errors without a Status. Like apimachinery's, most match on the reason and, for a Status
// whose reason is not one kube-apiserver defines (e.g. from a foreign server), on the HTTP code.

// reasonAndCode returns the reason and code of the APIStatus in err's chain.
func reasonAndCode(err error) (StatusReason, int32, bool) {
	var s APIStatus
	if !errors.As(err, &s) {
		return StatusReasonUnknown, 0, false
	}
	st := s.Status()
	return st.Reason, st.Code, true
}

// isKnownReason reports whether r is one of the reasons kube-apiserver defines (StatusReasonUnknown is not).
func isKnownReason(r StatusReason) bool {
	switch r {
	case StatusReasonUnauthorized, StatusReasonForbidden, StatusReasonNotFound, StatusReasonAlreadyExists,
		StatusReasonConflict, StatusReasonGone, StatusReasonInvalid, StatusReasonServerTimeout,
		StatusReasonStoreReadError, StatusReasonTimeout, StatusReasonTooManyRequests, StatusReasonBadRequest,
		StatusReasonMethodNotAllowed, StatusReasonNotAcceptable, StatusReasonRequestEntityTooLarge,
		StatusReasonUnsupportedMediaType, StatusReasonInternalError, StatusReasonExpired,
		StatusReasonServiceUnavailable:
		return true
	}
	return false
}

// hasReasonOrCode reports whether err's Status has reason, or an unknown reason and code.
func hasReasonOrCode(err error, reason StatusReason, code int32) bool {
	r, c, ok := reasonAndCode(err)
	if !ok {
		return false
	}
	return r == reason || (!isKnownReason(r) && c == code)
}

// IsNotFound reports whether err is a NotFound error (reason NotFound, or code 404 with an unknown reason).
func IsNotFound(err error) bool {
	return hasReasonOrCode(err, StatusReasonNotFound, http.StatusNotFound)
}

// IsAlreadyExists reports whether err has reason AlreadyExists.
func IsAlreadyExists(err error) bool { return ReasonForError(err) == StatusReasonAlreadyExists }

// IsConflict reports whether err is a Conflict error (reason Conflict, or code 409 with an unknown reason).
// AlreadyExists is not a Conflict.
func IsConflict(err error) bool {
	return hasReasonOrCode(err, StatusReasonConflict, http.StatusConflict)
}

// IsInvalid reports whether err is an Invalid error (reason Invalid, or code 422 with an unknown reason).
func IsInvalid(err error) bool {
	return hasReasonOrCode(err, StatusReasonInvalid, http.StatusUnprocessableEntity)
}

// IsBadRequest reports whether err is a BadRequest error (reason BadRequest, or code 400 with an unknown reason).
func IsBadRequest(err error) bool {
	return hasReasonOrCode(err, StatusReasonBadRequest, http.StatusBadRequest)
}

// IsGone reports whether err has reason Gone (or code 410 with an unknown reason). An Expired error is not Gone;
// use IsResourceExpired for it.
func IsGone(err error) bool { return hasReasonOrCode(err, StatusReasonGone, http.StatusGone) }

// IsResourceExpired reports whether err has reason Expired: a resourceVersion or continue token older than the
// server retains (R-4, P-5, X-8).
func IsResourceExpired(err error) bool { return ReasonForError(err) == StatusReasonExpired }

// IsMethodNotSupported reports whether err is a MethodNotAllowed error (reason MethodNotAllowed, or code 405 with an
// unknown reason).
func IsMethodNotSupported(err error) bool {
	return hasReasonOrCode(err, StatusReasonMethodNotAllowed, http.StatusMethodNotAllowed)
}

// IsForbidden reports whether err is a Forbidden error (reason Forbidden, or code 403 with an unknown reason).
func IsForbidden(err error) bool {
	return hasReasonOrCode(err, StatusReasonForbidden, http.StatusForbidden)
}

// IsUnauthorized reports whether err is an Unauthorized error (reason Unauthorized, or code 401 with an unknown
// reason).
func IsUnauthorized(err error) bool {
	return hasReasonOrCode(err, StatusReasonUnauthorized, http.StatusUnauthorized)
}

// IsTooManyRequests reports whether err has reason TooManyRequests or code 429 (whatever its reason).
func IsTooManyRequests(err error) bool {
	r, c, ok := reasonAndCode(err)
	return ok && (r == StatusReasonTooManyRequests || c == http.StatusTooManyRequests)
}

// IsRequestEntityTooLarge reports whether err has reason RequestEntityTooLarge or code 413 (whatever its reason).
func IsRequestEntityTooLarge(err error) bool {
	r, c, ok := reasonAndCode(err)
	return ok && (r == StatusReasonRequestEntityTooLarge || c == http.StatusRequestEntityTooLarge)
}

// IsUnsupportedMediaType reports whether err is an UnsupportedMediaType error (reason UnsupportedMediaType, or code
// 415 with an unknown reason).
func IsUnsupportedMediaType(err error) bool {
	return hasReasonOrCode(err, StatusReasonUnsupportedMediaType, http.StatusUnsupportedMediaType)
}

// IsNotAcceptable reports whether err is a NotAcceptable error (reason NotAcceptable, or code 406 with an unknown
// reason).
func IsNotAcceptable(err error) bool {
	return hasReasonOrCode(err, StatusReasonNotAcceptable, http.StatusNotAcceptable)
}

// IsInternalError reports whether err is an InternalError (reason InternalError, or code 500 with an unknown
// reason). A plain Go error is not: it has no Status, even though StatusFromError answers it with code 500.
func IsInternalError(err error) bool {
	return hasReasonOrCode(err, StatusReasonInternalError, http.StatusInternalServerError)
}

// IsServiceUnavailable reports whether err is a ServiceUnavailable error (reason ServiceUnavailable, or code 503
// with an unknown reason).
func IsServiceUnavailable(err error) bool {
	return hasReasonOrCode(err, StatusReasonServiceUnavailable, http.StatusServiceUnavailable)
}

// IsTimeout reports whether err is a Timeout error (reason Timeout, or code 504 with an unknown reason). A
// TooLargeResourceVersion error is also a Timeout.
func IsTimeout(err error) bool {
	return hasReasonOrCode(err, StatusReasonTimeout, http.StatusGatewayTimeout)
}

// IsServerTimeout reports whether err has reason ServerTimeout (a retryable 500; the code alone says nothing).
func IsServerTimeout(err error) bool { return ReasonForError(err) == StatusReasonServerTimeout }

// IsTooLargeResourceVersion reports whether err is the Timeout error of a resourceVersion the server has not
// reached: a Timeout with a ResourceVersionTooLarge cause (S-3 TooLargeRV), as client-go checks it.
func IsTooLargeResourceVersion(err error) bool {
	return IsTimeout(err) && HasStatusCause(err, CauseTypeResourceVersionTooLarge)
}
