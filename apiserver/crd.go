package apiserver

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/internal/structural"
	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// This file is the life of a CustomResourceDefinition: what apiextensions-apiserver's registry and its controllers do
// to one. kube-apiserver runs the naming, establishing and finalizer controllers asynchronously; kubemem does their
// work within the CRD's own writes, so that a CRD is Established (and its resource served) when its create returns:
//
//   - naming (status.acceptedNames and the NamesAccepted condition) and establishing (Established) are computed in
//     every write of a CRD, with the naming controller's conflict rules against the other CRDs of the group;
//   - after every write, the served custom resources are rebuilt from the stored CRDs and swapped in atomically
//     (registry.go), and the built-in controllers start or stop covering them;
//   - deleting a CRD marks it Terminating with the customresourcecleanup finalizer, as kube's CRD registry does; the
//     CRD's objects are then deleted through the API, and once none is left the finalizer goes with the CRD.

// crdCleanupFinalizer is the finalizer a CRD being deleted carries until its objects are gone.
const crdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

// crdState is a Server's bookkeeping of its CRDs. Its methods are safe for concurrent use.
type crdState struct {
	// mu serializes the writes of CRDs and the rebuilds of the registry that follow them, and guards built and served.
	// It is taken before anything the verbs take, and never while an object of a custom resource is written.
	mu sync.Mutex
	// built holds, by CRD name, the resourceVersion of the CRD the served resources were built from, so that a
	// rebuild only parses the CRDs that changed.
	built map[string]string
	// served holds the lifetime of each served custom resource version: canceled when it stops being served.
	served map[types.GroupVersionResource]servedVersion
	wg     sync.WaitGroup // counts the goroutines that end versions no longer served

	// finalizeMu guards finalizing.
	finalizeMu sync.Mutex
	finalizing map[string]bool // CRD name -> a cleanup runs; true: run it again when it ends
}

type servedVersion struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func newCRDState() *crdState {
	return &crdState{built: map[string]string{}, served: map[types.GroupVersionResource]servedVersion{}, finalizing: map[string]bool{}}
}

// stop ends the lifetimes of the served versions (their watches end). The broadcaster must be closed, so that the
// versions being ended are not waiting for it.
func (st *crdState) stop() {
	st.mu.Lock()
	for _, sv := range st.served {
		sv.cancel()
	}
	st.mu.Unlock()
	st.wg.Wait()
}

// lockCRDs serializes a write of r when r is the CRD resource and returns what to call when the write is done:
// it rebuilds the served custom resources, releases the lock and runs the cleanups of CRDs being deleted. For any
// other resource it does nothing.
func (s *Server) lockCRDs(r *Resource) func() {
	if r.GVR != CustomResourceDefinitions {
		return func() {}
	}
	s.crds.mu.Lock()
	return func() {
		terminating := s.syncCustomResources()
		s.crds.mu.Unlock()
		for _, name := range terminating {
			s.finalizeCRD(name)
		}
	}
}

// syncCustomResources rebuilds the registry from the stored CRDs: the established ones serve their served
// versions. It brings the names and conditions of the other CRDs up to date first (a deleted or renamed CRD frees
// names another one may have asked for). It returns the CRDs being deleted that still carry the cleanup finalizer.
// The caller holds crds.mu.
func (s *Server) syncCustomResources() []string {
	crdRes := s.registry().resources[CustomResourceDefinitions]
	if crdRes == nil {
		return nil
	}
	res, err := s.store.Range(crdRes.prefix, store.RangeOptions[*types.Object]{})
	if err == nil && s.reconcileCRDNames(crdRes, res.KVs) {
		res, err = s.store.Range(crdRes.prefix, store.RangeOptions[*types.Object]{})
	}
	if err != nil {
		if s.opts.Logger != nil {
			s.opts.Logger.Warn("listing CustomResourceDefinitions", "error", err)
		}
		return nil
	}
	var terminating []string
	reg := s.registry()
	seen := map[string]bool{}
	for _, kv := range res.KVs {
		crd := kv.Value
		name := crd.Name()
		seen[name] = true
		if crd.DeletionTimestamp() != nil && slices.Contains(crd.MetaNoCopy().Finalizers, crdCleanupFinalizer) {
			terminating = append(terminating, name)
		}
		if rv, ok := s.crds.built[name]; ok && rv == crd.ResourceVersion() {
			continue
		}
		s.crds.built[name] = crd.ResourceVersion()
		reg = reg.withCustom(name, s.customResourcesOf(crd))
	}
	for name := range s.crds.built {
		if !seen[name] {
			delete(s.crds.built, name)
			reg = reg.withCustom(name, nil)
		}
	}
	if reg == s.registry() {
		return terminating
	}
	old := s.registry()
	s.reg.Store(reg)
	// End the versions no longer served, once their watches have been handed the changes made so far (the
	// deletions of the CRD's objects), and tell the controllers about the new resources.
	for gvr, sv := range s.crds.served {
		if r, ok := reg.resources[gvr]; !ok || r.custom == nil {
			flushed := s.watch.Flushed(s.store.Revision())
			s.crds.wg.Add(1)
			go func() {
				defer s.crds.wg.Done()
				<-flushed // answered at the latest when the broadcaster closes
				sv.cancel()
			}()
			delete(s.crds.served, gvr)
			s.kcm.removeResource(gvr)
		}
	}
	for gvr, r := range reg.resources {
		if r.custom != nil && old.resources[gvr] != r {
			s.kcm.addResource(r)
		}
	}
	return terminating
}

// customResourcesOf builds the served versions of crd, none unless it is Established. The lifetimes of versions
// already served carry over. The caller holds crds.mu.
func (s *Server) customResourcesOf(crd *types.Object) []*Resource {
	tree, err := decodeTree(crd)
	if err != nil {
		return nil
	}
	c := vmap(tree)
	spec, status := c.obj("spec"), c.obj("status")
	if !conditionTrue(status, "Established") {
		return nil
	}
	names := status.obj("acceptedNames")
	group, plural := spec.str("group"), names.str("plural")
	storage := ""
	for _, v := range spec.list("versions") {
		if vObj(v).boolean("storage") {
			storage = group + "/" + vObj(v).str("name")
		}
	}
	rev := int64(0)
	if n, err := parseResourceVersion(crd.ResourceVersion()); err == nil {
		rev = n
	}
	terminating := crd.DeletionTimestamp() != nil || conditionTrue(status, "Terminating")
	versions := spec.list("versions")
	schemas := make([]*structural.Schema, len(versions))
	var storageSchema *structural.Schema
	storageDefaults := false
	for i, v := range versions {
		raw := map[string]any(vObj(v).obj("schema").obj("openAPIV3Schema"))
		schema, errs := structural.Parse(raw, types.NewFieldPath("spec").Child("versions").Index(i).Child("schema", "openAPIV3Schema"))
		if len(errs) > 0 || schema == nil {
			// Validation refuses such a CRD; one stored before that rule existed serves without a schema.
			schema, _ = structural.Parse(map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}, nil)
		}
		schemas[i] = schema
		if vObj(v).boolean("storage") {
			storageSchema, storageDefaults = schema, schema.HasDefaults()
		}
	}
	var out []*Resource
	for i, v := range versions {
		ver := vObj(v)
		if !ver.boolean("served") {
			continue
		}
		gvr := types.GroupVersionResource{Group: group, Version: ver.str("name"), Resource: plural}
		r := &Resource{
			GVR: gvr, Kind: names.str("kind"), ListKind: names.str("listKind"), Singular: names.str("singular"),
			ShortNames: names.strList("shortNames"), Categories: names.strList("categories"),
			Namespaced: spec.str("scope") == "Namespaced", Generation: GenerationNotMetadata, Name: NameDNSSubdomain,
		}
		cr := &customResource{crd: crd.Name(), storage: storage, since: rev, terminating: terminating}
		raw := map[string]any(ver.obj("schema").obj("openAPIV3Schema"))
		cr.schema, cr.openapi, cr.defaults = schemas[i], raw, schemas[i].HasDefaults()
		cr.storageSchema, cr.storageDefaults = storageSchema, storageDefaults
		if storageSchema == nil {
			cr.storageSchema, cr.storageDefaults = cr.schema, false
		}
		cr.printer = customPrinter(ver.list("additionalPrinterColumns"))
		subs := ver.obj("subresources")
		if subs.has("status") {
			r.Subresources = append(r.Subresources, "status")
		}
		if sc := subs.obj("scale"); sc != nil {
			r.Subresources = append(r.Subresources, "scale")
			cr.scale = &customScale{specReplicas: splitFieldPath(sc.str("specReplicasPath")),
				statusReplicas: splitFieldPath(sc.str("statusReplicasPath")), labelSelector: splitFieldPath(sc.str("labelSelectorPath")),
				specPath: sc.str("specReplicasPath"), statusPath: sc.str("statusReplicasPath")}
		}
		for _, f := range ver.list("selectableFields") {
			if p := strings.TrimPrefix(vObj(f).str("jsonPath"), "."); p != "" {
				r.Fields = append(r.Fields, p)
			}
		}
		sv, ok := s.crds.served[gvr]
		if !ok {
			ctx, cancel := context.WithCancel(context.Background())
			sv = servedVersion{ctx: ctx, cancel: cancel}
			s.crds.served[gvr] = sv
		}
		cr.served = sv.ctx
		r.custom = cr
		r.complete()
		out = append(out, r)
	}
	return out
}

// conditionTrue reports whether the status's condition of type t is True.
func conditionTrue(status vmap, t string) bool {
	for _, c := range status.list("conditions") {
		if vObj(c).str("type") == t {
			return vObj(c).str("status") == "True"
		}
	}
	return false
}

// setCondition sets the condition of type cond["type"] in status.conditions as apiextensions' SetCRDCondition does:
// lastTransitionTime changes only when the status does. It reports whether anything changed.
func setCondition(status map[string]any, cond map[string]any, now string) bool {
	conds, _ := status["conditions"].([]any)
	for i, c := range conds {
		old := vObj(c)
		if old.str("type") != cond["type"] {
			continue
		}
		if old.str("status") == cond["status"] && old.str("reason") == cond["reason"] && old.str("message") == cond["message"] {
			return false
		}
		cond["lastTransitionTime"] = now
		if old.str("status") == cond["status"] && old.hasStr("lastTransitionTime") {
			cond["lastTransitionTime"] = old.str("lastTransitionTime")
		}
		conds[i] = cond
		return true
	}
	cond["lastTransitionTime"] = now
	status["conditions"] = append(conds, cond)
	return true
}

// crdNames are the names a CRD asks for (spec.names) or has been given (status.acceptedNames).
type crdNames struct {
	Plural, Singular, Kind, ListKind string
	ShortNames, Categories           []string
}

func namesOf(m vmap) crdNames {
	return crdNames{Plural: m.str("plural"), Singular: m.str("singular"), Kind: m.str("kind"), ListKind: m.str("listKind"),
		ShortNames: m.strList("shortNames"), Categories: m.strList("categories")}
}

func (n crdNames) tree() map[string]any {
	out := map[string]any{"plural": n.Plural, "kind": n.Kind}
	if n.Singular != "" {
		out["singular"] = n.Singular
	}
	if n.ListKind != "" {
		out["listKind"] = n.ListKind
	}
	if len(n.ShortNames) > 0 {
		out["shortNames"] = stringsToAny(n.ShortNames)
	}
	if len(n.Categories) > 0 {
		out["categories"] = stringsToAny(n.Categories)
	}
	return out
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// prepareCRDStatus does to a CRD being written (tree; old is the stored one, nil on create) what kube-apiserver's
// CRD strategy and its naming and establishing controllers do: the storage version joins status.storedVersions, the
// names are accepted unless another CRD of the group holds them, and a CRD whose names are accepted is Established.
// It reports whether it changed tree. The caller holds crds.mu.
func (s *Server) prepareCRDStatus(tree, old map[string]any) bool {
	status, _ := tree["status"].(map[string]any)
	changed := false
	if status == nil {
		status = map[string]any{}
		tree["status"] = status
		changed = true
	}
	spec := vmap(tree).obj("spec")
	stored := vmap(status).strList("storedVersions")
	for _, v := range spec.list("versions") {
		if vObj(v).boolean("storage") && !slices.Contains(stored, vObj(v).str("name")) {
			status["storedVersions"] = append(stringsToAny(stored), vObj(v).str("name"))
			changed = true
		}
	}
	if _, ok := status["acceptedNames"]; !ok {
		status["acceptedNames"] = map[string]any{"plural": "", "kind": ""}
		changed = true
	}
	if _, ok := status["conditions"]; !ok {
		status["conditions"] = []any{}
		changed = true
	}
	if vmap(tree).obj("metadata").has("deletionTimestamp") {
		return changed // names are not reconsidered for a CRD being deleted
	}
	return s.nameCRD(tree, status) || changed
}

// nameCRD is the naming controller's and the establishing controller's work on one CRD: accept the names it asks
// for that no other CRD of its group holds, set NamesAccepted, and Established once the names are accepted.
func (s *Server) nameCRD(tree, status map[string]any) bool {
	spec := vmap(tree).obj("spec")
	requested := namesOf(spec.obj("names"))
	accepted := namesOf(vmap(status).obj("acceptedNames"))
	hasNamesCondition := false
	for _, c := range vmap(status).list("conditions") {
		hasNamesCondition = hasNamesCondition || vObj(c).str("type") == "NamesAccepted"
	}
	if reflect.DeepEqual(requested, accepted) && hasNamesCondition {
		return s.establish(status)
	}
	resources, kinds := s.namesInUse(spec.str("group"), vmap(tree).obj("metadata").str("name"))
	next := accepted
	cond := map[string]any{"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found"}
	conflict := func(reason, name string) {
		cond["status"], cond["reason"], cond["message"] = "False", reason, `"`+name+`" is already in use`
	}
	// take accepts a requested name unless another CRD of the group uses it; the last conflict names the condition.
	take := func(next *string, requested, accepted string, used map[string]bool, reason string) {
		if requested == accepted || !used[requested] {
			*next = requested
		} else {
			conflict(reason, requested)
		}
	}
	take(&next.Plural, requested.Plural, accepted.Plural, resources, "PluralConflict")
	take(&next.Singular, requested.Singular, accepted.Singular, resources, "SingularConflict")
	if !slices.Equal(requested.ShortNames, accepted.ShortNames) {
		var taken []string
		for _, sn := range requested.ShortNames {
			if slices.Contains(accepted.ShortNames, sn) || sn == accepted.Plural || sn == accepted.Singular {
				continue
			}
			if resources[sn] {
				taken = append(taken, `"`+sn+`" is already in use`)
			}
		}
		if len(taken) > 0 {
			cond["status"], cond["reason"] = "False", "ShortNamesConflict"
			cond["message"] = strings.Join(taken, ", ")
			if len(taken) > 1 {
				cond["message"] = "[" + cond["message"].(string) + "]"
			}
		} else {
			next.ShortNames = requested.ShortNames
		}
	}
	take(&next.Kind, requested.Kind, accepted.Kind, kinds, "KindConflict")
	take(&next.ListKind, requested.ListKind, accepted.ListKind, kinds, "ListKindConflict")
	next.Categories = requested.Categories
	now := s.clock.Now().UTC().Format("2006-01-02T15:04:05Z")
	changed := false
	if !reflect.DeepEqual(next, accepted) {
		status["acceptedNames"] = next.tree()
		changed = true
	}
	if setCondition(status, cond, now) {
		changed = true
	}
	if cond["status"] == "True" {
		return s.establish(status) || changed
	}
	if !conditionTrue(vmap(status), "Established") {
		changed = setCondition(status, map[string]any{"type": "Established", "status": "False", "reason": "NotAccepted",
			"message": "not all names are accepted"}, now) || changed
	}
	return changed
}

// establish is the establishing controller: a CRD whose names are accepted becomes Established.
func (s *Server) establish(status map[string]any) bool {
	if !conditionTrue(vmap(status), "NamesAccepted") || conditionTrue(vmap(status), "Established") {
		return false
	}
	return setCondition(status, map[string]any{"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
		"message": "the initial names have been accepted"}, s.clock.Now().UTC().Format("2006-01-02T15:04:05Z"))
}

// namesInUse returns the resource names (plural, singular, short names) and kinds (kind, list kind) the other CRDs
// of group have been given.
func (s *Server) namesInUse(group, self string) (resources, kinds map[string]bool) {
	resources, kinds = map[string]bool{}, map[string]bool{}
	crdRes := s.registry().resources[CustomResourceDefinitions]
	res, err := s.store.Range(crdRes.prefix, store.RangeOptions[*types.Object]{})
	if err != nil {
		return resources, kinds
	}
	for _, kv := range res.KVs {
		if kv.Value.Name() == self || !strings.HasSuffix(kv.Value.Name(), "."+group) {
			continue
		}
		raw, ok := kv.Value.Lookup("status", "acceptedNames")
		if !ok {
			continue
		}
		m, _ := jsontree.DecodeObject(raw)
		n := namesOf(m)
		for _, name := range append([]string{n.Plural, n.Singular}, n.ShortNames...) {
			resources[name] = true
		}
		kinds[n.Kind], kinds[n.ListKind] = true, true
	}
	return resources, kinds
}

// reconcileCRDNames gives the CRDs (crds, the stored ones) whose names are not (all) accepted another chance, as the
// naming controller requeues the CRDs of a group when a name is freed. It reports whether it wrote any. The caller
// holds crds.mu.
func (s *Server) reconcileCRDNames(crdRes *Resource, crds []store.KeyValue[*types.Object]) bool {
	wrote := false
	for _, kv := range crds {
		spec, _ := kv.Value.Lookup("spec", "names")
		status, _ := kv.Value.Lookup("status", "acceptedNames")
		if kv.Value.DeletionTimestamp() != nil || jsonEqual(spec, status) {
			continue
		}
		out, err := s.guaranteedUpdate(crdRes, "", kv.Value.Name(), false, func(cur *types.Object) (*types.Object, error) {
			tree, err := decodeTree(cur)
			if err != nil {
				return nil, err
			}
			status, _ := tree["status"].(map[string]any)
			if status == nil || !s.nameCRD(tree, status) {
				return cur, nil
			}
			return encodeTree(tree)
		})
		if err != nil && !types.IsNotFound(err) && s.opts.Logger != nil {
			s.opts.Logger.Warn("accepting the names of a CustomResourceDefinition", "name", kv.Value.Name(), "error", err)
		}
		wrote = wrote || err == nil && out != kv.Value
	}
	return wrote
}

// jsonEqual reports whether two JSON values are semantically equal.
func jsonEqual(a, b []byte) bool {
	va, errA := jsontree.Decode(a)
	vb, errB := jsontree.Decode(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

// beforeCRDDelete is the CRD registry's Delete: the first delete marks the CRD (deletionTimestamp, the cleanup
// finalizer, the Terminating condition) and returns it; its objects are then deleted (finalizeCRD) and the CRD goes
// with the finalizer. Later deletes are ordinary ones.
func (s *Server) beforeCRDDelete(r *Resource, obj *types.Object, opts DeleteOptions) (*types.Object, bool) {
	if obj.DeletionTimestamp() != nil {
		return s.beforeDeleteGeneric(r, obj, opts)
	}
	m := obj.MetaNoCopy()
	at := types.NewTime(s.clock.Now())
	m.DeletionTimestamp = &at
	if !slices.Contains(m.Finalizers, crdCleanupFinalizer) {
		m.Finalizers = append(slices.Clone(m.Finalizers), crdCleanupFinalizer)
	}
	next := obj.WithMetaNoCopy(m)
	tree, err := decodeTree(next)
	if err != nil {
		return next, false
	}
	status, _ := tree["status"].(map[string]any)
	if status == nil {
		status = map[string]any{}
		tree["status"] = status
	}
	setCondition(status, map[string]any{"type": "Terminating", "status": "True", "reason": "InstanceDeletionPending",
		"message": "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon"},
		s.clock.Now().UTC().Format("2006-01-02T15:04:05Z"))
	if out, err := encodeTree(tree); err == nil {
		next = out
	}
	return next, false
}

// finalizeCRD is apiextensions' CRD finalizer for the CRD name: it deletes the CRD's objects through the API and,
// once none is left, removes the cleanup finalizer, which deletes the CRD. Objects that have finalizers of their own
// keep it Terminating; the deletion of the last one runs finalizeCRD again (afterDelete). Concurrent calls for one
// CRD are folded into one run.
func (s *Server) finalizeCRD(name string) {
	s.crds.finalizeMu.Lock()
	if _, running := s.crds.finalizing[name]; running {
		s.crds.finalizing[name] = true
		s.crds.finalizeMu.Unlock()
		return
	}
	s.crds.finalizing[name] = false
	s.crds.finalizeMu.Unlock()
	for {
		s.finalizeCRDOnce(name)
		s.crds.finalizeMu.Lock()
		again := s.crds.finalizing[name]
		if !again {
			delete(s.crds.finalizing, name)
			s.crds.finalizeMu.Unlock()
			return
		}
		s.crds.finalizing[name] = false
		s.crds.finalizeMu.Unlock()
	}
}

func (s *Server) finalizeCRDOnce(name string) {
	ctx := WithUser(context.Background(), crdFinalizerUser)
	crdRes := s.registry().resources[CustomResourceDefinitions]
	crd, err := s.get(ctx, crdRes, "", name, GetOptions{})
	if err != nil || crd.DeletionTimestamp() == nil || !slices.Contains(crd.MetaNoCopy().Finalizers, crdCleanupFinalizer) {
		return
	}
	cond := map[string]any{"type": "Terminating", "status": "False", "reason": "NeverEstablished", "message": "resource was never established"}
	if rs := s.registry().custom[name]; len(rs) > 0 {
		s.updateCRDStatus(crdRes, name, map[string]any{"type": "Terminating", "status": "True", "reason": "InstanceDeletionInProgress",
			"message": "CustomResource deletion is in progress"}, false)
		r := rs[0]
		if _, err := s.deleteCollection(ctx, r, "", DeleteOptions{}, ListOptions{}); err != nil {
			s.updateCRDStatus(crdRes, name, map[string]any{"type": "Terminating", "status": "True", "reason": "InstanceDeletionFailed",
				"message": "could not issue all deletes: " + err.Error()}, false)
			return
		}
		left, err := s.list(ctx, r, "", ListOptions{Limit: 1})
		if err != nil || len(left.Items) > 0 {
			// Objects with finalizers of their own: the last one's deletion brings us back.
			return
		}
		cond = map[string]any{"type": "Terminating", "status": "False", "reason": "InstanceDeletionCompleted", "message": "removed all instances"}
	}
	s.updateCRDStatus(crdRes, name, cond, true)
}

// updateCRDStatus sets a condition of the CRD name, and removes the cleanup finalizer when release is set (which
// deletes a CRD that has no other finalizer).
func (s *Server) updateCRDStatus(crdRes *Resource, name string, cond map[string]any, release bool) {
	s.crds.mu.Lock()
	defer func() {
		s.syncCustomResources() // the cleanup that runs this is not started again
		s.crds.mu.Unlock()
	}()
	key := crdRes.key("", name)
	for {
		cur, found, err := s.store.Get(key, store.ReadOptions{})
		if err != nil || !found {
			return
		}
		tree, err := decodeTree(cur.Value)
		if err != nil {
			return
		}
		status, _ := tree["status"].(map[string]any)
		if status == nil {
			status = map[string]any{}
			tree["status"] = status
		}
		setCondition(status, cond, s.clock.Now().UTC().Format("2006-01-02T15:04:05Z"))
		next, err := encodeTree(tree)
		if err != nil {
			return
		}
		if release {
			m := next.MetaNoCopy()
			m.Finalizers = slices.DeleteFunc(slices.Clone(m.Finalizers), func(f string) bool { return f == crdCleanupFinalizer })
			next = next.WithMetaNoCopy(m)
		}
		if next.EquivalentContent(cur.Value) {
			return
		}
		if release && len(next.MetaNoCopy().Finalizers) == 0 {
			_, err = s.store.Delete(key, cur.ModRevision)
		} else {
			_, err = s.store.Update(key, next.WithResourceVersion(""), cur.ModRevision)
		}
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		return
	}
}

// crdFinalizerUser is who the CRD finalizer acts as.
var crdFinalizerUser = UserInfo{Name: "system:apiserver", Groups: []string{"system:masters"}}
