package fieldmanager

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"sigs.k8s.io/structured-merge-diff/v6/merge"

	"github.com/kubemem/kubemem/types"
)

// Conflict is one field of an applied configuration that another manager owns with a different value.
type Conflict struct {
	// Manager is the name of the manager that owns the field.
	Manager string
	// Operation is "Apply" or "Update".
	Operation string
	// APIVersion is the version of the owner's Update entry ("" for Apply entries).
	APIVersion string
	// Subresource is the subresource the owner wrote through, or "".
	Subresource string
	// Field is the path of the field, in SMD's form: .spec.replicas, .spec.containers[name="nginx"].image.
	Field string

	key string // the owner's manager identifier, kube's sort key
}

// Owner describes the owner as kube-apiserver prints it: `"mgr"`, `"mgr" using apps/v1`, `"mgr" with subresource
// "status" using v1`.
func (c Conflict) Owner() string {
	s := fmt.Sprintf("%q", c.Manager)
	if c.Subresource != "" {
		s = fmt.Sprintf("%s with subresource %q", s, c.Subresource)
	}
	if c.Operation == operationUpdate {
		s = fmt.Sprintf("%s using %s", s, c.APIVersion)
	}
	return s
}

// ConflictError is the failure of an apply that would change fields other managers own. kube-apiserver answers it
// with a 409 Conflict Status (reason Conflict) whose causes list each field (type FieldManagerConflict); Status
// builds it. Conflicts are sorted by owner, and by field within an owner.
//
// A ConflictError is immutable and safe to share.
type ConflictError struct {
	conflicts []Conflict
}

var _ types.APIStatus = (*ConflictError)(nil)

func newConflictError(cs merge.Conflicts) *ConflictError {
	e := &ConflictError{conflicts: make([]Conflict, 0, len(cs))}
	for _, c := range cs {
		id := parseIdentity(c.Manager)
		e.conflicts = append(e.conflicts, Conflict{
			Manager:     id.Manager,
			Operation:   id.Operation,
			APIVersion:  id.APIVersion,
			Subresource: id.Subresource,
			Field:       c.Path.String(),
			key:         c.Manager,
		})
	}
	// SMD lists conflicts by owner in map order; sort for a stable answer (kube's message sorts owners too).
	slices.SortStableFunc(e.conflicts, func(a, b Conflict) int { return strings.Compare(a.key, b.key) })
	return e
}

// Conflicts returns the conflicting fields.
func (e *ConflictError) Conflicts() []Conflict { return slices.Clone(e.conflicts) }

// Error returns kube-apiserver's message: `Apply failed with 1 conflict: conflict with "mgr" using apps/v1:
// .spec.replicas`, or for several, one "conflicts with <owner>:" line per owner followed by "- <field>" lines.
func (e *ConflictError) Error() string {
	if len(e.conflicts) == 1 {
		c := e.conflicts[0]
		return fmt.Sprintf("Apply failed with 1 conflict: conflict with %s: %s", c.Owner(), c.Field)
	}
	var lines []string
	for i, c := range e.conflicts {
		if i == 0 || c.key != e.conflicts[i-1].key {
			lines = append(lines, fmt.Sprintf("conflicts with %s:", c.Owner()))
		}
		lines = append(lines, "- "+c.Field)
	}
	return fmt.Sprintf("Apply failed with %d conflicts: %s", len(e.conflicts), strings.Join(lines, "\n"))
}

// Causes returns one cause per conflict: type FieldManagerConflict, message `conflict with <owner>`, the field.
func (e *ConflictError) Causes() []types.StatusCause {
	causes := make([]types.StatusCause, len(e.conflicts))
	for i, c := range e.conflicts {
		causes[i] = types.StatusCause{
			Type:    types.CauseTypeFieldManagerConflict,
			Message: "conflict with " + c.Owner(),
			Field:   c.Field,
		}
	}
	return causes
}

// Status returns the Status kube-apiserver answers: 409, reason Conflict, the message and the causes.
func (e *ConflictError) Status() types.Status {
	return types.Status{
		TypeMeta: types.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   types.StatusFailure,
		Message:  e.Error(),
		Reason:   types.StatusReasonConflict,
		Details:  &types.StatusDetails{Causes: e.Causes()},
		Code:     http.StatusConflict,
	}
}

// SchemaError reports an object that does not match its kind's schema (a field the schema does not declare, a
// value of the wrong type, duplicate items in an applied list). kube-apiserver answers it with a 500 whose message
// is Error's.
type SchemaError struct {
	// Op says which object failed, as kube words it: "failed to create typed patch object (ns/name; apps/v1,
	// Kind=Deployment)".
	Op string
	// Err is SMD's validation error: ".spec.foo: field not declared in schema".
	Err error
}

func (e *SchemaError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *SchemaError) Unwrap() error { return e.Err }
