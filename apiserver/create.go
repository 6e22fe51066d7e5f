package apiserver

import (
	"errors"
	"strconv"

	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// generateNameAttempts is how many names a create with generateName tries before giving up, as kube-apiserver
// retries generated-name collisions.
const generateNameAttempts = 8

// maxGeneratedNameLength is the longest generateName prefix kept before the random suffix.
const maxGeneratedNameLength = 58

// create implements the create verb (SEMANTICS W-1).
func (s *Server) create(r *Resource, ns string, obj *types.Object, opts CreateOptions) (*types.Object, error) {
	dryRun, err := parseDryRun(opts.DryRun)
	if err != nil {
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
	if r.Namespaced {
		if err := s.requireNamespace(m.Namespace); err != nil {
			return nil, err
		}
	}
	m.UID = s.newUID()
	m.CreationTimestamp = types.NewTime(s.clock.Now())
	m.DeletionTimestamp, m.DeletionGracePeriodSeconds, m.SelfLink = nil, nil, ""
	m.Generation = 0
	if r.Generation != GenerationNone {
		m.Generation = 1
	}
	generate := m.Name == ""
	for attempt := 0; ; attempt++ {
		if generate {
			// As kube-apiserver's name generator: the prefix is cut to 58 characters, so names stay within 63.
			base := m.GenerateName
			if len(base) > maxGeneratedNameLength {
				base = base[:maxGeneratedNameLength]
			}
			m.Name = base + s.randomString(5)
		}
		applyStrategyMeta(r, &m)
		candidate := obj.WithMetaNoCopy(m)
		if r.createStatus != "" {
			candidate = candidate.WithMember("status", []byte(r.createStatus))
		}
		if dryRun {
			if _, found, err := s.store.Get(r.key(m.Namespace, m.Name), store.ReadOptions{}); err != nil {
				return nil, readError(err)
			} else if found {
				return nil, types.NewAlreadyExists(r.GroupResource(), m.Name)
			}
			return candidate, nil
		}
		kv, err := s.store.Create(r.key(m.Namespace, m.Name), candidate)
		if err == nil {
			return kv.Value, nil
		}
		if errors.Is(err, store.ErrKeyExists) {
			if generate && attempt+1 < generateNameAttempts {
				continue
			}
			return nil, types.NewAlreadyExists(r.GroupResource(), m.Name)
		}
		return nil, readError(err)
	}
}

// requireNamespace answers 404 for a namespace that does not exist (SEMANTICS V-6).
func (s *Server) requireNamespace(ns string) error {
	nsr := s.resources[Namespaces]
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
