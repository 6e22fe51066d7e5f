package types

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// predicates lists every Is* predicate by name, so each case can assert that exactly the expected ones hold.
var predicates = map[string]func(error) bool{
	"IsNotFound":                IsNotFound,
	"IsAlreadyExists":           IsAlreadyExists,
	"IsConflict":                IsConflict,
	"IsInvalid":                 IsInvalid,
	"IsBadRequest":              IsBadRequest,
	"IsGone":                    IsGone,
	"IsResourceExpired":         IsResourceExpired,
	"IsMethodNotSupported":      IsMethodNotSupported,
	"IsForbidden":               IsForbidden,
	"IsTooManyRequests":         IsTooManyRequests,
	"IsInternalError":           IsInternalError,
	"IsTimeout":                 IsTimeout,
	"IsServerTimeout":           IsServerTimeout,
	"IsTooLargeResourceVersion": IsTooLargeResourceVersion,
	"IsUnauthorized":            IsUnauthorized,
	"IsRequestEntityTooLarge":   IsRequestEntityTooLarge,
	"IsUnsupportedMediaType":    IsUnsupportedMediaType,
	"IsNotAcceptable":           IsNotAcceptable,
	"IsServiceUnavailable":      IsServiceUnavailable,
}

// requirePredicates asserts that exactly the named predicates hold for err.
func requirePredicates(t *testing.T, err error, want ...string) {
	t.Helper()
	wantSet := map[string]bool{}
	for _, w := range want {
		_, ok := predicates[w]
		require.True(t, ok, "unknown predicate %s", w)
		wantSet[w] = true
	}
	for name, p := range predicates {
		require.Equal(t, wantSet[name], p(err), "%s(%v)", name, err)
	}
}

var (
	pods        = GroupResource{Resource: "pods"}
	deployments = GroupResource{Group: "apps", Resource: "deployments"}
)

const longContinueMessage = "The provided continue parameter is too old to display a consistent list result. " +
	"You can start a new list without the continue parameter, or use the continue token in this response to " +
	"retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - " +
	"objects that were created, modified, or deleted between the time the first chunk was returned and now may " +
	"show up in the list."

func TestConstructors(t *testing.T) {
	cases := []struct {
		name       string
		err        *StatusError
		code       int32
		reason     StatusReason
		message    string
		details    *StatusDetails
		continued  string // Status.metadata.continue
		predicates []string
	}{
		{
			name: "S-3 NotFound core", err: NewNotFound(pods, "n"),
			code: 404, reason: StatusReasonNotFound, message: `pods "n" not found`,
			details: &StatusDetails{Name: "n", Kind: "pods"}, predicates: []string{"IsNotFound"},
		},
		{
			name: "S-3 NotFound group", err: NewNotFound(deployments, "d"),
			code: 404, reason: StatusReasonNotFound, message: `deployments.apps "d" not found`,
			details: &StatusDetails{Name: "d", Group: "apps", Kind: "deployments"}, predicates: []string{"IsNotFound"},
		},
		{
			name: "V-6 namespace NotFound", err: NewNotFound(GroupResource{Resource: "namespaces"}, "x"),
			code: 404, reason: StatusReasonNotFound, message: `namespaces "x" not found`,
			details: &StatusDetails{Name: "x", Kind: "namespaces"}, predicates: []string{"IsNotFound"},
		},
		{
			name: "S-3 W-1 AlreadyExists", err: NewAlreadyExists(deployments, "d"),
			code: 409, reason: StatusReasonAlreadyExists, message: `deployments.apps "d" already exists`,
			details: &StatusDetails{Name: "d", Group: "apps", Kind: "deployments"}, predicates: []string{"IsAlreadyExists"},
		},
		{
			name: "S-3 Conflict", err: NewConflict(pods, "n", errors.New("boom")),
			code: 409, reason: StatusReasonConflict, message: `Operation cannot be fulfilled on pods "n": boom`,
			details: &StatusDetails{Name: "n", Kind: "pods"}, predicates: []string{"IsConflict"},
		},
		{
			name: "W-3 stale update", err: NewOptimisticLockConflict(deployments, "d"),
			code: 409, reason: StatusReasonConflict,
			message: `Operation cannot be fulfilled on deployments.apps "d": the object has been modified; ` +
				`please apply your changes to the latest version and try again`,
			details: &StatusDetails{Name: "d", Group: "apps", Kind: "deployments"}, predicates: []string{"IsConflict"},
		},
		{
			name: "V-3 delete precondition resourceVersion",
			err:  NewDeletePreconditionResourceVersionConflict(GroupKind{Kind: "ConfigMap"}, "pc", "5", "7"),
			code: 409, reason: StatusReasonConflict,
			message: `Operation cannot be fulfilled on ConfigMap "pc": the ResourceVersion in the precondition (5) ` +
				`does not match the ResourceVersion in record (7). The object might have been modified`,
			details: &StatusDetails{Name: "pc", Kind: "ConfigMap"}, predicates: []string{"IsConflict"},
		},
		{
			name: "V-3 delete precondition uid",
			err:  NewDeletePreconditionUIDConflict(GroupKind{Group: "apps", Kind: "Deployment"}, "d", "u1", "u2"),
			code: 409, reason: StatusReasonConflict,
			message: `Operation cannot be fulfilled on Deployment.apps "d": the UID in the precondition (u1) does ` +
				`not match the UID in record (u2). The object might have been deleted and then recreated`,
			details: &StatusDetails{Name: "d", Group: "apps", Kind: "Deployment"}, predicates: []string{"IsConflict"},
		},
		{
			name: "S-3 W-9 Invalid one error",
			err: NewInvalid(GroupKind{Kind: "Namespace"}, "bad.name", FieldErrorList{
				FieldInvalid(NewFieldPath("metadata", "name"), "bad.name", "must not contain dots"),
			}),
			code: 422, reason: StatusReasonInvalid,
			message: `Namespace "bad.name" is invalid: metadata.name: Invalid value: "bad.name": must not contain dots`,
			details: &StatusDetails{Name: "bad.name", Kind: "Namespace", Causes: []StatusCause{{
				Type: CauseTypeFieldValueInvalid, Message: `Invalid value: "bad.name": must not contain dots`,
				Field: "metadata.name",
			}}},
			predicates: []string{"IsInvalid"},
		},
		{
			name: "S-3 W-9 Invalid several errors, duplicates kept in causes only",
			err: NewInvalid(GroupKind{Group: "apps", Kind: "Deployment"}, "d", FieldErrorList{
				FieldRequired(NewFieldPath("spec", "selector"), ""),
				FieldForbidden(NewFieldPath("spec", "paused"), "not now"),
				FieldRequired(NewFieldPath("spec", "selector"), ""),
			}),
			code: 422, reason: StatusReasonInvalid,
			message: `Deployment.apps "d" is invalid: [spec.selector: Required value, spec.paused: Forbidden: not now]`,
			details: &StatusDetails{Name: "d", Group: "apps", Kind: "Deployment", Causes: []StatusCause{
				{Type: CauseTypeFieldValueRequired, Message: "Required value", Field: "spec.selector"},
				{Type: CauseTypeFieldValueForbidden, Message: "Forbidden: not now", Field: "spec.paused"},
				{Type: CauseTypeFieldValueRequired, Message: "Required value", Field: "spec.selector"},
			}},
			predicates: []string{"IsInvalid"},
		},
		{
			name: "Invalid without errors", err: NewInvalid(GroupKind{Kind: "Pod"}, "n", nil),
			code: 422, reason: StatusReasonInvalid, message: `Pod "n" is invalid`,
			details: &StatusDetails{Name: "n", Kind: "Pod"}, predicates: []string{"IsInvalid"},
		},
		{
			name: "W-4 update without resourceVersion", err: NewUpdateRequiresResourceVersion(deployments, "d"),
			code: 422, reason: StatusReasonInvalid,
			message: `deployments.apps "d" is invalid: metadata.resourceVersion: Invalid value: 0: ` +
				`must be specified for an update`,
			details: &StatusDetails{Name: "d", Group: "apps", Kind: "deployments", Causes: []StatusCause{{
				Type: CauseTypeFieldValueInvalid, Message: "Invalid value: 0: must be specified for an update",
				Field: "metadata.resourceVersion",
			}}},
			predicates: []string{"IsInvalid"},
		},
		{
			name: "R-5 ListOptions",
			err: NewInvalidListOptions(FieldErrorList{FieldForbidden(NewFieldPath("resourceVersionMatch"),
				"resourceVersionMatch is forbidden unless resourceVersion is provided")}),
			code: 422, reason: StatusReasonInvalid,
			message: `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: ` +
				`resourceVersionMatch is forbidden unless resourceVersion is provided`,
			details: &StatusDetails{Group: "meta.k8s.io", Kind: "ListOptions", Causes: []StatusCause{{
				Type:    CauseTypeFieldValueForbidden,
				Message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
				Field:   "resourceVersionMatch",
			}}},
			predicates: []string{"IsInvalid"},
		},
		{
			name: "R-5 ListOptions unsupported match",
			err: NewInvalidListOptions(FieldErrorList{FieldNotSupported(NewFieldPath("resourceVersionMatch"), "X",
				[]string{"Exact", "NotOlderThan", ""})}),
			code: 422, reason: StatusReasonInvalid,
			message: `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "X": ` +
				`supported values: "Exact", "NotOlderThan", ""`,
			details: &StatusDetails{Group: "meta.k8s.io", Kind: "ListOptions", Causes: []StatusCause{{
				Type:    CauseTypeFieldValueNotSupported,
				Message: `Unsupported value: "X": supported values: "Exact", "NotOlderThan", ""`,
				Field:   "resourceVersionMatch",
			}}},
			predicates: []string{"IsInvalid"},
		},
		{
			name: "DeleteOptions",
			err: NewInvalidDeleteOptions(FieldErrorList{FieldInvalid(NewFieldPath("propagationPolicy"), "Sideways",
				"is not a policy")}),
			code: 422, reason: StatusReasonInvalid,
			message: `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Sideways": is not a policy`,
			details: &StatusDetails{Group: "meta.k8s.io", Kind: "DeleteOptions", Causes: []StatusCause{{
				Type: CauseTypeFieldValueInvalid, Message: `Invalid value: "Sideways": is not a policy`,
				Field: "propagationPolicy",
			}}},
			predicates: []string{"IsInvalid"},
		},
		{
			name: "BadRequest", err: NewBadRequest("bad"),
			code: 400, reason: StatusReasonBadRequest, message: "bad", predicates: []string{"IsBadRequest"},
		},
		{
			name: "R-2 resourceVersion with continue", err: NewResourceVersionWithContinue(),
			code: 400, reason: StatusReasonBadRequest,
			message:    "specifying resource version is not allowed when using continue",
			predicates: []string{"IsBadRequest"},
		},
		{
			name: "P-6 invalid continue token",
			err:  NewInvalidContinueToken(errors.New("continue key is not valid: server does not recognize this encoded version")),
			code: 400, reason: StatusReasonBadRequest,
			message:    "invalid continue token: continue key is not valid: server does not recognize this encoded version",
			predicates: []string{"IsBadRequest"},
		},
		{
			name: "R-6 invalid resource version", err: NewInvalidResourceVersion(errors.New("x")),
			code: 400, reason: StatusReasonBadRequest, message: "invalid resource version: x",
			predicates: []string{"IsBadRequest"},
		},
		{
			name: "Gone", err: NewGone("gone"),
			code: 410, reason: StatusReasonGone, message: "gone", predicates: []string{"IsGone"},
		},
		{
			name: "Expired", err: NewResourceExpired("old"),
			code: 410, reason: StatusReasonExpired, message: "old", predicates: []string{"IsResourceExpired"},
		},
		{
			name: "R-4 Exact list below the floor", err: NewResourceVersionTooOldForList(),
			code: 410, reason: StatusReasonExpired, message: "The resourceVersion for the provided list is too old.",
			predicates: []string{"IsResourceExpired"},
		},
		{
			name: "X-8 etcd watch path", err: NewResourceVersionTooOldForWatch(),
			code: 410, reason: StatusReasonExpired, message: "The resourceVersion for the provided watch is too old.",
			predicates: []string{"IsResourceExpired"},
		},
		{
			name: "X-8 watch below the floor", err: NewTooOldResourceVersion(3, 9),
			code: 410, reason: StatusReasonExpired, message: "too old resource version: 3 (9)",
			predicates: []string{"IsResourceExpired"},
		},
		{
			name: "P-5 continue expired with new token", err: NewContinueExpired("tok"),
			code: 410, reason: StatusReasonExpired, message: longContinueMessage, continued: "tok",
			predicates: []string{"IsResourceExpired"},
		},
		{
			name: "P-5 continue expired without token", err: NewContinueExpired(""),
			code: 410, reason: StatusReasonExpired,
			message: "The provided continue parameter is too old to display a consistent list result. " +
				"You can start a new list without the continue parameter.",
			predicates: []string{"IsResourceExpired"},
		},
		{
			name: "S-3 MethodNotSupported", err: NewMethodNotSupported(deployments, "watch"),
			code: 405, reason: StatusReasonMethodNotAllowed,
			message: `watch is not supported on resources of kind "deployments.apps"`,
			details: &StatusDetails{Group: "apps", Kind: "deployments"}, predicates: []string{"IsMethodNotSupported"},
		},
		{
			name: "Forbidden with name", err: NewForbidden(pods, "n", errors.New("no")),
			code: 403, reason: StatusReasonForbidden, message: `pods "n" is forbidden: no`,
			details: &StatusDetails{Name: "n", Kind: "pods"}, predicates: []string{"IsForbidden"},
		},
		{
			name: "Forbidden without name", err: NewForbidden(pods, "", errors.New("no")),
			code: 403, reason: StatusReasonForbidden, message: `pods is forbidden: no`,
			details: &StatusDetails{Kind: "pods"}, predicates: []string{"IsForbidden"},
		},
		{
			name: "Forbidden without resource", err: NewForbidden(GroupResource{}, "", errors.New("no")),
			code: 403, reason: StatusReasonForbidden, message: `forbidden: no`,
			details: &StatusDetails{}, predicates: []string{"IsForbidden"},
		},
		{
			name: "S-2 TooManyRequests", err: NewTooManyRequests("slow down", 3),
			code: 429, reason: StatusReasonTooManyRequests, message: "slow down",
			details: &StatusDetails{RetryAfterSeconds: 3}, predicates: []string{"IsTooManyRequests"},
		},
		{
			name: "S-3 Internal", err: NewInternalError(errors.New("disk on fire")),
			code: 500, reason: StatusReasonInternalError, message: "Internal error occurred: disk on fire",
			details: &StatusDetails{Causes: []StatusCause{{Message: "disk on fire"}}}, predicates: []string{"IsInternalError"},
		},
		{
			name: "Internal nil", err: NewInternalError(nil),
			code: 500, reason: StatusReasonInternalError, message: "Internal error occurred: <nil>",
			details: &StatusDetails{Causes: []StatusCause{{Message: "<nil>"}}}, predicates: []string{"IsInternalError"},
		},
		{
			name: "ServiceUnavailable", err: NewServiceUnavailable("later"),
			code: 503, reason: StatusReasonServiceUnavailable, message: "later", predicates: []string{"IsServiceUnavailable"},
		},
		{
			name: "Timeout", err: NewTimeoutError("took too long", 2),
			code: 504, reason: StatusReasonTimeout, message: "Timeout: took too long",
			details: &StatusDetails{RetryAfterSeconds: 2}, predicates: []string{"IsTimeout"},
		},
		{
			name: "ServerTimeout", err: NewServerTimeout(deployments, "update", 2),
			code: 500, reason: StatusReasonServerTimeout,
			message:    "The update operation against deployments.apps could not be completed at this time, please try again.",
			details:    &StatusDetails{Name: "update", Group: "apps", Kind: "deployments", RetryAfterSeconds: 2},
			predicates: []string{"IsServerTimeout"},
		},
		{
			name: "S-3 R-7 TooLargeRV", err: NewTooLargeResourceVersion(12, 10, 1),
			code: 504, reason: StatusReasonTimeout, message: "Timeout: Too large resource version: 12, current: 10",
			details: &StatusDetails{RetryAfterSeconds: 1, Causes: []StatusCause{{
				Type: CauseTypeResourceVersionTooLarge, Message: "Too large resource version",
			}}},
			predicates: []string{"IsTimeout", "IsTooLargeResourceVersion"},
		},
		{
			name: "RequestEntityTooLarge", err: NewRequestEntityTooLarge("limit is 3145728"),
			code: 413, reason: StatusReasonRequestEntityTooLarge, message: "Request entity too large: limit is 3145728",
			predicates: []string{"IsRequestEntityTooLarge"},
		},
		{
			name: "UnsupportedMediaType",
			err:  NewUnsupportedMediaType([]string{"application/json-patch+json", "application/merge-patch+json"}),
			code: 415, reason: StatusReasonUnsupportedMediaType,
			message: "the body of the request was in an unknown format - accepted media types include: " +
				"application/json-patch+json, application/merge-patch+json",
			predicates: []string{"IsUnsupportedMediaType"},
		},
		{
			name: "NotAcceptable", err: NewNotAcceptable([]string{"application/json", "application/yaml"}),
			code: 406, reason: StatusReasonNotAcceptable,
			message:    "only the following media types are accepted: application/json, application/yaml",
			predicates: []string{"IsNotAcceptable"},
		},
		{
			name: "Unauthorized", err: NewUnauthorized("who are you"),
			code: 401, reason: StatusReasonUnauthorized, message: "who are you", predicates: []string{"IsUnauthorized"},
		},
		{
			name: "Unauthorized default message", err: NewUnauthorized(""),
			code: 401, reason: StatusReasonUnauthorized, message: "not authorized", predicates: []string{"IsUnauthorized"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.message, tc.err.Error())
			require.Equal(t, tc.code, tc.err.Code())
			require.Equal(t, tc.reason, ReasonForError(tc.err))

			st := tc.err.Status()
			require.Equal(t, "Status", st.Kind)
			require.Equal(t, "v1", st.APIVersion)
			require.Equal(t, StatusFailure, st.Status)
			require.Equal(t, tc.code, st.Code)
			require.Equal(t, tc.reason, st.Reason)
			require.Equal(t, tc.message, st.Message)
			require.Equal(t, tc.details, st.Details)
			require.Equal(t, tc.continued, st.ListMeta.Continue)

			requirePredicates(t, tc.err, tc.predicates...)
			wrapped := fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", tc.err))
			requirePredicates(t, wrapped, tc.predicates...)
			require.Equal(t, st, StatusFromError(wrapped), "S-3: a wrapped StatusError gives its own Status")
		})
	}
}

func TestStatusFromError(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want Status
	}{
		{
			name: "S-3 plain Go error is 500 with empty reason",
			err:  errors.New("something broke"),
			want: Status{TypeMeta: TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: StatusFailure,
				Message: "something broke", Code: 500},
		},
		{
			name: "W-1 resourceVersion set on create",
			err:  fmt.Errorf("create: %w", ErrResourceVersionSetOnCreate),
			want: Status{TypeMeta: TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: StatusFailure,
				Message: "create: resourceVersion should not be set on objects to be created", Code: 500},
		},
		{
			name: "W-1 unwrapped",
			err:  ErrResourceVersionSetOnCreate,
			want: Status{TypeMeta: TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: StatusFailure,
				Message: "resourceVersion should not be set on objects to be created", Code: 500},
		},
		{
			name: "wrapped StatusError",
			err:  fmt.Errorf("get: %w", NewNotFound(pods, "n")),
			want: Status{TypeMeta: TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: StatusFailure,
				Message: `pods "n" not found`, Reason: StatusReasonNotFound, Code: 404,
				Details: &StatusDetails{Name: "n", Kind: "pods"}},
		},
		{
			name: "Status without code or status is completed like ErrorToAPIStatus",
			err:  FromStatus(Status{Message: "m", Reason: StatusReasonConflict}),
			want: Status{TypeMeta: TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: StatusFailure,
				Message: "m", Reason: StatusReasonConflict, Code: 500},
		},
		{
			name: "foreign APIStatus with meta.k8s.io/v1 is reported as v1",
			err: fmt.Errorf("x: %w", foreignStatus{Status{TypeMeta: TypeMeta{Kind: "Status", APIVersion: "meta.k8s.io/v1"},
				Status: StatusFailure, Code: 418, Message: "teapot"}}),
			want: Status{TypeMeta: TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: StatusFailure,
				Message: "teapot", Code: 418},
		},
		{
			name: "nil is success",
			err:  nil,
			want: Status{TypeMeta: TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: StatusSuccess, Code: 200},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, StatusFromError(tc.err))
		})
	}
}

// foreignStatus is an APIStatus that is not a *StatusError.
type foreignStatus struct{ s Status }

func (f foreignStatus) Error() string  { return f.s.Message }
func (f foreignStatus) Status() Status { return f.s }

func TestPlainErrorsMatchNoPredicate(t *testing.T) {
	for name, err := range map[string]error{
		"nil":        nil,
		"plain":      errors.New("x"),
		"W-1":        ErrResourceVersionSetOnCreate,
		"wrapped":    fmt.Errorf("y: %w", errors.New("x")),
		"field only": FieldRequired(NewFieldPath("a"), ""),
	} {
		t.Run(name, func(t *testing.T) {
			requirePredicates(t, err)
			require.Equal(t, StatusReasonUnknown, ReasonForError(err))
			require.False(t, HasStatusCause(err, CauseTypeResourceVersionTooLarge))
		})
	}
}

// TestUnknownReasonFallsBackToCode covers Statuses from other servers: a reason kube-apiserver does not define is
// judged by its code, except for the reason-only predicates.
func TestUnknownReasonFallsBackToCode(t *testing.T) {
	cases := []struct {
		code int32
		want []string
	}{
		{http.StatusNotFound, []string{"IsNotFound"}},
		{http.StatusConflict, []string{"IsConflict"}},
		{http.StatusUnprocessableEntity, []string{"IsInvalid"}},
		{http.StatusBadRequest, []string{"IsBadRequest"}},
		{http.StatusGone, []string{"IsGone"}},
		{http.StatusMethodNotAllowed, []string{"IsMethodNotSupported"}},
		{http.StatusForbidden, []string{"IsForbidden"}},
		{http.StatusUnauthorized, []string{"IsUnauthorized"}},
		{http.StatusTooManyRequests, []string{"IsTooManyRequests"}},
		{http.StatusRequestEntityTooLarge, []string{"IsRequestEntityTooLarge"}},
		{http.StatusUnsupportedMediaType, []string{"IsUnsupportedMediaType"}},
		{http.StatusNotAcceptable, []string{"IsNotAcceptable"}},
		{http.StatusInternalServerError, []string{"IsInternalError"}},
		{http.StatusServiceUnavailable, []string{"IsServiceUnavailable"}},
		{http.StatusGatewayTimeout, []string{"IsTimeout"}},
		{http.StatusTeapot, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			requirePredicates(t, FromStatus(Status{Code: tc.code, Reason: "SomethingElse"}), tc.want...)
			requirePredicates(t, FromStatus(Status{Code: tc.code}), tc.want...)
		})
	}
	t.Run("known reason wins over code", func(t *testing.T) {
		// 429 and 413 are matched on the code whatever the reason, as in apimachinery.
		requirePredicates(t, FromStatus(Status{Code: 429, Reason: StatusReasonConflict}), "IsConflict", "IsTooManyRequests")
		requirePredicates(t, FromStatus(Status{Code: 404, Reason: StatusReasonConflict}), "IsConflict")
	})
}

// TestStatusJSON checks the wire form of Status bodies byte for byte (S-1).
func TestStatusJSON(t *testing.T) {
	cases := []struct {
		name string
		err  *StatusError
		want string
	}{
		{
			name: "S-1 NotFound",
			err:  NewNotFound(pods, "n"),
			want: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"n\" not found",` +
				`"reason":"NotFound","details":{"name":"n","kind":"pods"},"code":404}`,
		},
		{
			name: "S-1 Invalid with causes",
			err: NewInvalid(GroupKind{Group: "apps", Kind: "Deployment"}, "d", FieldErrorList{
				FieldRequired(NewFieldPath("spec", "selector"), ""),
			}),
			want: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
				`"message":"Deployment.apps \"d\" is invalid: spec.selector: Required value","reason":"Invalid",` +
				`"details":{"name":"d","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueRequired",` +
				`"message":"Required value","field":"spec.selector"}]},"code":422}`,
		},
		{
			name: "S-1 empty Invalid causes are omitted",
			err:  NewInvalid(GroupKind{Kind: "Pod"}, "n", FieldErrorList{}),
			want: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \"n\" is invalid",` +
				`"reason":"Invalid","details":{"name":"n","kind":"Pod"},"code":422}`,
		},
		{
			name: "S-1 R-7 TooLargeRV",
			err:  NewTooLargeResourceVersion(12, 10, 1),
			want: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
				`"message":"Timeout: Too large resource version: 12, current: 10","reason":"Timeout",` +
				`"details":{"causes":[{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}],` +
				`"retryAfterSeconds":1},"code":504}`,
		},
		{
			name: "S-1 X-8 Expired has no details",
			err:  NewTooOldResourceVersion(3, 9),
			want: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
				`"message":"too old resource version: 3 (9)","reason":"Expired","code":410}`,
		},
		{
			name: "P-5 continue token in metadata",
			err:  NewContinueExpired("tok"),
			want: `{"kind":"Status","apiVersion":"v1","metadata":{"continue":"tok"},"status":"Failure",` +
				`"message":"` + longContinueMessage + `","reason":"Expired","code":410}`,
		},
		{
			name: "empty details block of TooManyRequests is kept",
			err:  NewTooManyRequests("m", 0),
			want: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m",` +
				`"reason":"TooManyRequests","details":{},"code":429}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.err.Status())
			require.NoError(t, err)
			require.Equal(t, tc.want, string(b))

			var back Status
			require.NoError(t, json.Unmarshal(b, &back))
			require.Equal(t, tc.err.Status(), back, "round trip")
		})
	}
	t.Run("S-3 plain error", func(t *testing.T) {
		b, err := json.Marshal(StatusFromError(errors.New("boom")))
		require.NoError(t, err)
		require.Equal(t, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"boom","code":500}`,
			string(b))
	})
}

// TestStatusIsACopy checks that a StatusError cannot be changed through the Status it returns, and that it can be
// read from many goroutines at once (run under -race).
func TestStatusIsACopy(t *testing.T) {
	e := NewInvalid(GroupKind{Kind: "Pod"}, "n", FieldErrorList{FieldRequired(NewFieldPath("spec"), "")})
	st := e.Status()
	st.Details.Causes[0].Message = "changed"
	st.Details.Name = "changed"
	st.Message = "changed"
	require.Equal(t, "Required value", e.Status().Details.Causes[0].Message)
	require.Equal(t, "n", e.Status().Details.Name)
	require.Equal(t, `Pod "n" is invalid: spec: Required value`, e.Error())

	n := int64(3)
	src := Status{ListMeta: ListMeta{RemainingItemCount: &n}, Details: &StatusDetails{Causes: []StatusCause{{Message: "a"}}}}
	fe := FromStatus(src)
	n = 4
	src.Details.Causes[0].Message = "b"
	require.Equal(t, int64(3), *fe.Status().ListMeta.RemainingItemCount)
	require.Equal(t, "a", fe.Status().Details.Causes[0].Message)

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				s := StatusFromError(fmt.Errorf("w: %w", e))
				s.Details.Causes[0].Field = "x"
				_ = IsInvalid(e)
				_ = e.Error()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, "spec", e.Status().Details.Causes[0].Field)
}

func TestHasStatusCause(t *testing.T) {
	e := NewTooLargeResourceVersion(5, 4, 1)
	require.True(t, HasStatusCause(e, CauseTypeResourceVersionTooLarge))
	require.True(t, HasStatusCause(fmt.Errorf("w: %w", e), CauseTypeResourceVersionTooLarge))
	require.False(t, HasStatusCause(e, CauseTypeFieldValueInvalid))
	require.False(t, HasStatusCause(NewBadRequest("x"), CauseTypeResourceVersionTooLarge))

	// A Timeout without the cause is not a TooLargeRV, and the cause without a Timeout is not either.
	require.False(t, IsTooLargeResourceVersion(NewTimeoutError("x", 1)))
	withCause := NewBadRequest("x")
	withCause.ErrStatus.Details = &StatusDetails{Causes: []StatusCause{{Type: CauseTypeResourceVersionTooLarge}}}
	require.False(t, IsTooLargeResourceVersion(withCause))
}
