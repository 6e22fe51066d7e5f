package apiserver

import (
	"context"
	"errors"

	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// validateListOptions applies kube-apiserver's ListOptions validation (SEMANTICS ).
func validateListOptions(o *ListOptions, watch bool) error {
	var errs types.FieldErrorList
	matchPath := types.NewFieldPath("resourceVersionMatch")
	match := o.ResourceVersionMatch
	if watch {
		if o.SendInitialEvents != nil && match != ResourceVersionMatchNotOlderThan {
			errs = append(errs, types.FieldForbidden(matchPath, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
		}
		if match != "" {
			if o.SendInitialEvents == nil {
				errs = append(errs, types.FieldForbidden(matchPath, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
			}
			if match != ResourceVersionMatchNotOlderThan {
				errs = append(errs, types.FieldNotSupported(matchPath, match, []string{ResourceVersionMatchNotOlderThan}))
			}
			if o.Continue != "" {
				errs = append(errs, types.FieldForbidden(matchPath, "resourceVersionMatch is forbidden when continue is provided"))
			}
		}
	} else {
		if match != "" {
			if o.ResourceVersion == "" {
				errs = append(errs, types.FieldForbidden(matchPath, "resourceVersionMatch is forbidden unless resourceVersion is provided"))
			}
			if o.Continue != "" {
				errs = append(errs, types.FieldForbidden(matchPath, "resourceVersionMatch is forbidden when continue is provided"))
			}
			if match != ResourceVersionMatchExact && match != ResourceVersionMatchNotOlderThan {
				errs = append(errs, types.FieldNotSupported(matchPath, match, []string{ResourceVersionMatchExact, ResourceVersionMatchNotOlderThan, ""}))
			}
			if match == ResourceVersionMatchExact && o.ResourceVersion == "0" {
				errs = append(errs, types.FieldForbidden(matchPath, `resourceVersionMatch "exact" is forbidden for resourceVersion "0"`))
			}
		}
		if o.SendInitialEvents != nil {
			errs = append(errs, types.FieldForbidden(types.NewFieldPath("sendInitialEvents"), "sendInitialEvents is forbidden for list"))
		}
	}
	if o.Limit < 0 {
		errs = append(errs, types.FieldInvalid(types.NewFieldPath("limit"), o.Limit, "must be greater than or equal to 0"))
	}
	if len(errs) > 0 {
		return types.NewInvalidListOptions(errs)
	}
	return nil
}

// selection is a parsed label and field selector pair with the scope it implies.
type selection struct {
	labels types.Selector
	fields types.FieldSelector
	term   string            // an index term ("key=value") every selected object has, or ""
	zero   map[string]string // what an unset selectable field compares as ("false", "0"), per field
}

// parseSelection parses the selectors of opts; unsupported field labels and bad syntax are 400 BadRequest.
func parseSelection(r *Resource, opts *ListOptions) (selection, error) {
	var sel selection
	var err error
	if sel.labels, err = types.ParseSelector(opts.LabelSelector); err != nil {
		return sel, types.NewBadRequest(err.Error())
	}
	if sel.fields, err = types.ParseFieldSelector(opts.FieldSelector); err != nil {
		return sel, types.NewBadRequest(err.Error())
	}
	// Check every field, resolving aliases so that matching reads the real fields.
	if sel.fields, err = sel.fields.Transform(r.fieldSelectorField); err != nil {
		return sel, err
	}
	sel.zero = r.fieldZero
	if terms := sel.labels.EqualityTerms(); len(terms) > 0 {
		sel.term = terms[0].Key + "=" + terms[0].Value
	}
	return sel, nil
}

// empty reports whether the selection selects every object.
func (sel *selection) empty() bool { return sel.labels.Empty() && sel.fields.Empty() }

// matches reports whether obj is selected.
func (sel *selection) matches(obj *types.Object) bool {
	if !sel.labels.Matches(obj.LabelsNoCopy()) {
		return false
	}
	if sel.fields.Empty() {
		return true
	}
	if len(sel.zero) == 0 {
		return sel.fields.Matches(obj.Field)
	}
	return sel.fields.Matches(func(field string) string {
		if v := obj.Field(field); v != "" {
			return v
		}
		return sel.zero[field] // kube formats unset booleans and counts as "false" and "0"
	})
}

// rangeOptions returns store range options that read only what the selection selects: through the label index when
// it names an equality term, filtered when it selects anything less than everything.
func (sel *selection) rangeOptions() store.RangeOptions[*types.Object] {
	opts := store.RangeOptions[*types.Object]{Term: sel.term}
	if !sel.empty() {
		opts.Filter = func(kv *store.KeyValue[*types.Object]) bool { return sel.matches(kv.Value) }
	}
	return opts
}

// scope narrows a request namespace with a metadata.namespace field selector.
func (sel *selection) scope(r *Resource, ns string) string {
	if r.Namespaced && ns == "" {
		if v, ok := sel.fields.RequiresExactMatch("metadata.namespace"); ok {
			return v
		}
	}
	return ns
}

// list implements the list verb with kube-apiserver's resourceVersion, limit and continue rules (SEMANTICS R-2 to
// R-7, P-1 to P-6, S-4).
func (s *Server) list(ctx context.Context, r *Resource, ns string, opts ListOptions) (*types.List, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validateListOptions(&opts, false); err != nil {
		return nil, err
	}
	sel, err := parseSelection(r, &opts)
	if err != nil {
		return nil, err
	}
	prefix := r.collectionPrefix(sel.scope(r, ns))
	rangeOpts := sel.rangeOptions()
	limit := opts.Limit
	if opts.Continue != "" {
		if opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
			return nil, types.NewResourceVersionWithContinue()
		}
		start, rev, err := decodeContinue(opts.Continue, prefix)
		if err != nil {
			return nil, err
		}
		rangeOpts.Start = start
		if rev > 0 {
			rangeOpts.ReadOptions = store.ReadOptions{Revision: rev, Match: store.Exact}
		}
		res, err := s.rangeList(r, prefix, limit, &sel, rangeOpts)
		if errors.Is(err, store.ErrCompacted) {
			// P-5: offer a token that continues at the latest revision from the same key.
			return nil, types.NewContinueExpired(encodeContinue(prefix, start, -1))
		}
		if err != nil {
			return nil, readError(err)
		}
		return res, nil
	}
	rv, err := parseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.ResourceVersion == "":
		// Most recent (a consistent read).
	case opts.ResourceVersion == "0" && opts.ResourceVersionMatch != ResourceVersionMatchExact:
		// Any: served from the current state; KUBE: the limit is ignored.
		limit = 0
	case opts.ResourceVersionMatch == ResourceVersionMatchExact || opts.ResourceVersionMatch == "" && limit > 0:
		rangeOpts.ReadOptions = store.ReadOptions{Revision: rv, Match: store.Exact}
	default:
		rangeOpts.ReadOptions = store.ReadOptions{Revision: rv, Match: store.NotOlderThan}
	}
	res, err := s.rangeList(r, prefix, limit, &sel, rangeOpts)
	if err != nil {
		return nil, readError(err)
	}
	return res, nil
}

// rangeList reads one page and builds the list response.
func (s *Server) rangeList(r *Resource, prefix string, limit int64, sel *selection, opts store.RangeOptions[*types.Object]) (*types.List, error) {
	opts.Limit = int(limit)
	opts.CountRemaining = limit > 0 && sel.empty()
	res, err := s.store.Range(prefix, opts)
	if err != nil {
		return nil, err
	}
	l := &types.List{TypeMeta: r.ListTypeMeta(), Items: make([]*types.Object, len(res.KVs))}
	for i := range res.KVs {
		l.Items[i] = res.KVs[i].Value
	}
	l.ListMeta.ResourceVersion = formatRevision(res.Revision)
	if res.More {
		l.ListMeta.Continue = encodeContinue(prefix, res.NextStart, res.Revision)
		if opts.CountRemaining {
			n := res.Remaining
			l.ListMeta.RemainingItemCount = &n
		}
	}
	return l, nil
}
