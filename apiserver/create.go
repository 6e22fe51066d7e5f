package apiserver

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// generateNameAttempts is how many names a create with generateName tries before giving up, as kube-apiserver
// retries generated-name collisions.
const generateNameAttempts = 8

// maxGeneratedNameLength is the longest generateName prefix kept before the random suffix.
const maxGeneratedNameLength = 58

// create implements the create verb (SEMANTICS W-1): the server-managed metadata, then the write pipeline
// (strategy.go), then the store, retrying generated names that collide.
func (s *Server) create(ctx context.Context, r *Resource, ns string, obj *types.Object, opts CreateOptions) (*types.Object, error) {
	dryRun, err := parseDryRun(opts.DryRun)
	if err != nil {
		return nil, err
	}
	if r.custom != nil && r.custom.terminating {
		return nil, types.FromStatus(types.Status{Status: types.StatusFailure, Code: http.StatusMethodNotAllowed,
			Reason: types.StatusReasonMethodNotAllowed, Message: "create not allowed while custom resource definition is terminating",
			Details: &types.StatusDetails{Group: r.GVR.Group, Kind: r.GVR.Resource}})
	}
	done := s.lockCRDs(r)
	defer done()
	if err := fieldManagerErrors("CreateOptions", opts.FieldManager); err != nil {
		return nil, err
	}
	if obj, err = s.checkFields(ctx, r, obj, opts.FieldValidation, "CreateOptions"); err != nil {
		return nil, err
	}
	if obj, err = checkType(r, obj); err != nil {
		return nil, err
	}
	m := obj.MetaNoCopy() // fields are replaced below, maps never modified
	if err := checkNamespace(r, ns, &m); err != nil {
		return nil, err
	}
	// KUBE (k/k#113847): a numeric non-zero resourceVersion is an error; anything else is dropped.
	if rv, err := strconv.ParseUint(m.ResourceVersion, 10, 64); err == nil && rv != 0 {
		return nil, types.ErrResourceVersionSetOnCreate
	}
	m.ResourceVersion = ""
	if err := validateName(r, &m); err != nil {
		return nil, err
	}
	m.UID = s.newUID()
	m.CreationTimestamp = types.NewTime(s.clock.Now())
	m.DeletionTimestamp, m.DeletionGracePeriodSeconds, m.SelfLink = nil, nil, ""
	m.Generation = 0
	if r.Generation != GenerationNone {
		m.Generation = 1
	}
	generate := m.Name == ""
	if generate {
		m.Name = s.generateName(m.GenerateName)
	}
	applyStrategyMeta(r, &m)
	candidate := obj.WithMetaNoCopy(m)
	switch {
	case r.createStatus != "":
		candidate = candidate.WithMember("status", []byte(r.createStatus))
	case r.custom != nil && r.HasSubresource("status"):
		candidate = candidate.WithMember("status", nil) // a create cannot set the status of a custom resource
	}
	candidate, alloc, err := s.admitCreate(ctx, r, candidate, dryRun, newFieldWrite(ctx, opts.FieldManager, ""))
	if err != nil {
		return nil, err
	}
	stored := false
	defer func() {
		if !stored {
			s.services.release(alloc)
		}
	}()
	for attempt := 1; ; attempt++ {
		if dryRun {
			if _, found, err := s.store.Get(r.key(candidate.Namespace(), candidate.Name()), store.ReadOptions{}); err != nil {
				return nil, readError(err)
			} else if found {
				return nil, types.NewAlreadyExists(r.GroupResource(), candidate.Name())
			}
			return candidate, nil
		}
		kv, err := s.store.Create(r.key(candidate.Namespace(), candidate.Name()), candidate)
		if err == nil {
			stored = true
			s.afterCreate(ctx, r, kv.Value)
			return kv.Value, nil
		}
		if errors.Is(err, store.ErrKeyExists) {
			if generate && attempt < generateNameAttempts {
				m := candidate.MetaNoCopy()
				m.Name = s.generateName(m.GenerateName)
				candidate = candidate.WithMetaNoCopy(m)
				continue
			}
			return nil, types.NewAlreadyExists(r.GroupResource(), candidate.Name())
		}
		return nil, readError(err)
	}
}

// generateName returns a name for generateName base: as kube-apiserver's name generator, the prefix is cut to 58
// characters so that names stay within 63, and 5 random characters follow.
func (s *Server) generateName(base string) string {
	if len(base) > maxGeneratedNameLength {
		base = base[:maxGeneratedNameLength]
	}
	return base + s.randomString(5)
}

// requireNamespace answers 404 for a namespace that does not exist (SEMANTICS V-6).
func (s *Server) requireNamespace(ns string) error {
	nsr := s.registry().resources[Namespaces]
	if _, found, err := s.store.Get(nsr.key("", ns), store.ReadOptions{}); err != nil {
		return readError(err)
	} else if !found {
		return types.NewNotFound(nsr.GroupResource(), ns)
	}
	return nil
}

// parseDryRun checks the dryRun option: empty, or exactly ["All"].
func parseDryRun(values []string) (bool, error) {
	if len(values) == 0 {
		return false, nil
	}
	for _, v := range values {
		if v != DryRunAll {
			return false, types.NewBadRequest("Invalid dryRun parameter: " + strconv.Quote(v) + ": supported values: \"All\"")
		}
	}
	return true, nil
}
