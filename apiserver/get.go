package apiserver

import (
	"context"
	"strconv"

	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// parseResourceVersion parses a resourceVersion option; "" and "0" give 0. A malformed one is 400 (SEMANTICS R-6).
func parseResourceVersion(rv string) (int64, error) {
	if rv == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(rv, 10, 63)
	if err != nil {
		return 0, types.NewBadRequest("invalid resource version: " + strconv.Quote(rv))
	}
	return int64(n), nil
}

// get implements the get verb (SEMANTICS R-1): the current state, never 410; a resourceVersion newer than the
// current one is 504 TooLargeResourceVersion.
func (s *Server) get(ctx context.Context, r *Resource, ns, name string, opts GetOptions) (*types.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rv, err := parseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	if r.Namespaced && ns == "" {
		return nil, types.NewBadRequest("namespace is required for a namespaced resource")
	}
	kv, found, err := s.store.Get(r.key(ns, name), store.ReadOptions{Revision: rv, Match: store.NotOlderThan})
	if err != nil {
		return nil, readError(err)
	}
	if !found {
		return nil, types.NewNotFound(r.GroupResource(), name)
	}
	return kv.Value, nil
}

// formatRevision formats a store revision as a resourceVersion.
func formatRevision(rev int64) string { return strconv.FormatInt(rev, 10) }
