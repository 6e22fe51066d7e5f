package apiserver

import (
	"context"
	"errors"
	"slices"

	"github.com/kubemem/kubemem/types"
)

// Operation is the kind of request admission sees (admission.Operation).
type Operation string

// The operations admission plugins are called for.
const (
	OperationCreate Operation = "CREATE"
	OperationUpdate Operation = "UPDATE"
	OperationDelete Operation = "DELETE"
)

// UserInfo identifies who makes a request (user.Info).
type UserInfo struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// DefaultUser is the user of requests that carry none: the Go API without WithUser, and HTTP until authentication
// is configured. It is a cluster administrator, as the admin user of a kubeconfig is.
var DefaultUser = UserInfo{Name: "system:admin", Groups: []string{"system:masters", "system:authenticated"}}

type userKey struct{}

// WithUser returns a context under which the Go API makes requests as user (what admission plugins see).
func WithUser(ctx context.Context, user UserInfo) context.Context {
	return context.WithValue(ctx, userKey{}, user)
}

// UserFrom returns the user WithUser put in ctx, or DefaultUser.
func UserFrom(ctx context.Context) UserInfo {
	if u, ok := ctx.Value(userKey{}).(UserInfo); ok {
		return u
	}
	return DefaultUser
}

// AdmissionRequest is what an admission plugin is called with (admission.Attributes). A request value is used by
// one write and one goroutine: plugins are called one after the other.
type AdmissionRequest struct {
	Operation   Operation
	Resource    types.GroupVersionResource
	Subresource string // "" for the resource itself, or "status"
	Kind        types.GroupVersionKind
	Namespace   string
	// Name is the object's name; on a create with generateName it is the generated name.
	Name string
	// Object is the object to be stored, for create and update, already defaulted. Mutating functions may modify it
	// in place (kind, apiVersion, metadata.name and metadata.namespace must stay); validating functions must not.
	Object types.Unstructured
	// OldObject is the stored object, for update and delete.
	OldObject *types.Object
	User      UserInfo
	DryRun    bool
}

// AdmissionPlugin is one step of the admission chain that embedders register with Options.Admission. Every write
// runs the mutating functions of all plugins in order, then validation of the object, then the validating functions
// in order, as kube-apiserver runs its admission plugins and webhooks. The functions are called concurrently for
// concurrent writes.
//
// An error refuses the request. A *types.StatusError reaches the client as it is; any other error becomes
// kube-apiserver's 403 for admission denials (`pods "x" is forbidden: <error>`).
type AdmissionPlugin struct {
	// Name identifies the plugin (Options.DisableAdmissionPlugins uses the names of the built-in ones).
	Name string
	// Resources limits the plugin to these group-resources; empty means every resource.
	Resources []types.GroupResource
	// Operations limits the plugin to these operations; empty means every operation.
	Operations []Operation
	// Mutate, if set, may change req.Object (CREATE and UPDATE).
	Mutate func(ctx context.Context, req *AdmissionRequest) error
	// Validate, if set, accepts or refuses the request.
	Validate func(ctx context.Context, req *AdmissionRequest) error

	readOnly bool // Mutate never changes the object (a built-in plugin that only refuses)
}

// applies reports whether the plugin is called for a request.
func (p *AdmissionPlugin) applies(req *AdmissionRequest) bool {
	if len(p.Operations) > 0 && !slices.Contains(p.Operations, req.Operation) {
		return false
	}
	return len(p.Resources) == 0 || slices.Contains(p.Resources, req.Resource.GroupResource())
}

// The built-in admission plugins, by kube-apiserver's names, in the order kube-apiserver runs them.
const (
	AdmissionNamespaceLifecycle       = "NamespaceLifecycle"
	AdmissionServiceAccount           = "ServiceAccount"
	AdmissionPriority                 = "Priority"
	AdmissionDefaultTolerationSeconds = "DefaultTolerationSeconds"
)

// admissionChain is the ordered plugin list of a server: the enabled built-in plugins, then Options.Admission.
// It is built once by New and read-only afterwards.
type admissionChain []AdmissionPlugin

// hasAny reports whether a function (other than the built-in plugins that only refuse) applies to an operation on
// a resource.
func (c admissionChain) hasAny(gvr types.GroupVersionResource, op Operation) bool {
	req := AdmissionRequest{Resource: gvr, Operation: op}
	for i := range c {
		if !c[i].readOnly && (c[i].Mutate != nil || c[i].Validate != nil) && c[i].applies(&req) {
			return true
		}
	}
	return false
}

// hasMutating reports whether a mutating function applies to req.
func (c admissionChain) hasMutating(req *AdmissionRequest) bool {
	for i := range c {
		if c[i].Mutate != nil && !c[i].readOnly && c[i].applies(req) {
			return true
		}
	}
	return false
}

// mutate runs the mutating functions that apply to req and reports whether any ran.
func (c admissionChain) mutate(ctx context.Context, req *AdmissionRequest) (bool, error) {
	ran := false
	for i := range c {
		p := &c[i]
		if p.Mutate == nil || !p.applies(req) {
			continue
		}
		ran = ran || !p.readOnly
		if err := p.Mutate(ctx, req); err != nil {
			return ran, admissionError(req, err)
		}
	}
	return ran, nil
}

// validate runs the validating functions that apply to req.
func (c admissionChain) validate(ctx context.Context, req *AdmissionRequest) error {
	for i := range c {
		p := &c[i]
		if p.Validate == nil || !p.applies(req) {
			continue
		}
		if err := p.Validate(ctx, req); err != nil {
			return admissionError(req, err)
		}
	}
	return nil
}

// admissionError is how kube-apiserver surfaces an admission denial: Status errors unchanged, others as 403
// Forbidden on the object.
func admissionError(req *AdmissionRequest, err error) error {
	var se *types.StatusError
	if errors.As(err, &se) {
		return se
	}
	return types.NewForbidden(req.Resource.GroupResource(), req.Name, err)
}

// check runs, for a delete, the validating functions and the built-in plugins that only refuse.
func (c admissionChain) check(ctx context.Context, req *AdmissionRequest) error {
	for i := range c {
		p := &c[i]
		if p.Mutate == nil || !p.readOnly || !p.applies(req) {
			continue
		}
		if err := p.Mutate(ctx, req); err != nil {
			return admissionError(req, err)
		}
	}
	return c.validate(ctx, req)
}
