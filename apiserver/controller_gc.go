package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/kubemem/kubemem/types"
)

// garbageCollector is kube-controller-manager's garbage collector (pkg/controller/garbagecollector), a client of the
// Server's Go API fed by the controllers' informers. It deletes the objects whose owners are gone and carries out
// the propagation policies a delete asked for (delete.go adds their finalizers, as kube-apiserver does):
//
//   - Background: once an owner is gone (a live Get finds no object of its name, or one with another uid), a
//     dependent whose every owner is gone is deleted (with a uid precondition, Background); one that still has an
//     owner loses the references to the gone ones (and to owners waiting for a foreground deletion).
//   - Foreground: an owner being deleted with the foregroundDeletion finalizer has its dependents deleted, Foreground
//     for those that have dependents themselves; the finalizer goes (and with it, when it is the last, the owner)
//     once no dependent that names the owner with blockOwnerDeletion remains.
//   - Orphan: an owner being deleted with the orphan finalizer has its reference removed from every dependent, then
//     the finalizer.
//
// A dependent's owner is resolved from the reference's apiVersion and kind: in the dependent's namespace for a
// namespaced kind, cluster-wide for a cluster-scoped one; a cluster-scoped dependent cannot have a namespaced owner
// (such a reference is left alone, as kube's garbage collector does).
//
// The ownership graph (nodes) is kept from the informers' events and only decides what to look at when something
// changes: every decision is taken on live reads, and the dependents of an owner are found by listing, so that a
// dependent the informers have not delivered yet is never missed. It is safe for concurrent use.
type garbageCollector struct {
	c               *controllers
	attemptToDelete *workQueue[gcRef] // objects to check: delete, remove references, or finish a foreground deletion
	attemptToOrphan *workQueue[gcRef] // owners whose dependents are to be orphaned

	// mu guards nodes and kinds. It is taken after controllers.mu, before the queues' locks, and never held while the
	// Server is called.
	mu    sync.Mutex
	nodes map[string]*gcNode              // by uid
	kinds map[types.GroupKind][]*Resource // registered resources by group and kind, for owner references
}

// gcRef names one object by resource, namespace, name and uid: what the work queues hold.
type gcRef struct {
	r         *Resource
	namespace string
	name      string
	uid       string
}

// gcNode is one object of the ownership graph. A node exists for an object that names owners, for an owner that
// dependents name (virtual until the informers deliver it) and for an object being deleted with the foregroundDeletion
// or orphan finalizer; the graph holds nothing for other objects.
type gcNode struct {
	ref                gcRef                  // set once observed
	observed           bool                   // the informers delivered the object and not its deletion
	owners             []types.OwnerReference // the object's metadata.ownerReferences (shared, immutable)
	dependents         map[string]bool        // uids of observed objects that name this one as an owner
	deletingDependents bool                   // marked for deletion with the foregroundDeletion finalizer
	orphaning          bool                   // marked for deletion with the orphan finalizer
}

// gcUser is who the garbage collector acts as (its service account, as kube-controller-manager runs with
// --use-service-account-credentials).
var gcUser = UserInfo{Name: "system:serviceaccount:kube-system:generic-garbage-collector",
	Groups: []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}}

// errUnresolvableOwner marks an owner reference the garbage collector cannot follow: an unknown kind, or a namespaced
// owner named by a cluster-scoped object. Retrying would not help; the object is left alone.
var errUnresolvableOwner = errors.New("garbage collector: owner reference cannot be resolved")

// errGCChanged reports an object that changed while the garbage collector decided about it: the decision is made
// again on its new state.
var errGCChanged = errors.New("garbage collector: the object changed meanwhile")

// gcConflictRetries bounds the read-modify-write retries of one patch before the key goes back to the queue.
const gcConflictRetries = 10

// The number of workers of each queue.
const (
	gcDeleteWorkers = 4
	gcOrphanWorkers = 2
)

func newGarbageCollector(c *controllers) *garbageCollector {
	return &garbageCollector{
		c:               c,
		attemptToDelete: newWorkQueue[gcRef](c),
		attemptToOrphan: newWorkQueue[gcRef](c),
		nodes:           map[string]*gcNode{},
		kinds:           map[types.GroupKind][]*Resource{},
	}
}

// start runs the workers.
func (gc *garbageCollector) start() {
	gc.attemptToDelete.work(gcDeleteWorkers, gc.attemptToDeleteItem)
	gc.attemptToOrphan.work(gcOrphanWorkers, gc.attemptToOrphanItem)
}

// removeKind forgets gvr, a custom resource version no longer served: owner references to its kind resolve through
// the kind's other versions, or not at all.
func (gc *garbageCollector) removeKind(gvr types.GroupVersionResource) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	for k, rs := range gc.kinds {
		if k.Group != gvr.Group {
			continue
		}
		if rs = slices.DeleteFunc(slices.Clone(rs), func(r *Resource) bool { return r.GVR == gvr }); len(rs) == 0 {
			delete(gc.kinds, k)
		} else {
			gc.kinds[k] = rs
		}
	}
}

// addKind registers r for resolving owner references. Objects that name an owner of r's kind are checked again,
// since a reference that did not resolve may now.
func (gc *garbageCollector) addKind(r *Resource) {
	gk := r.GroupKind()
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if i := slices.IndexFunc(gc.kinds[gk], func(k *Resource) bool { return k.GVR == r.GVR }); i >= 0 {
		ks := slices.Clone(gc.kinds[gk]) // copied: readers may hold the old slice
		ks[i] = r                        // a custom resource rebuilt after its CRD changed
		gc.kinds[gk] = ks
		return
	}
	gc.kinds[gk] = append(gc.kinds[gk], r)
	for _, n := range gc.nodes {
		if !n.observed {
			continue
		}
		for _, o := range n.owners {
			if gv, ok := types.ParseGroupVersion(o.APIVersion); ok && gv.Group == gk.Group && o.Kind == gk.Kind {
				gc.attemptToDelete.add(n.ref)
				break
			}
		}
	}
}

// ownerResource returns the resource an owner reference's apiVersion and kind name: the one of that version if it
// is served, else any served version of the group and kind.
func (gc *garbageCollector) ownerResource(o types.OwnerReference) (*Resource, error) {
	gv, ok := types.ParseGroupVersion(o.APIVersion)
	if !ok {
		return nil, errUnresolvableOwner
	}
	gc.mu.Lock()
	defer gc.mu.Unlock()
	candidates := gc.kinds[types.GroupKind{Group: gv.Group, Kind: o.Kind}]
	for _, r := range candidates {
		if r.GVR.Version == gv.Version {
			return r, nil
		}
	}
	if len(candidates) > 0 {
		return candidates[0], nil
	}
	return nil, errUnresolvableOwner
}

// observe updates the graph with one change and queues what it calls for (GraphBuilder.processGraphChanges): a new
// dependent, or one that names new owners, is checked; the dependents of a deleted object are checked; an owner
// waiting for its dependents is checked again when one of them goes or changes its references; an object that starts
// waiting for its dependents, or to orphan them, is queued.
func (gc *garbageCollector) observe(r *Resource, obj *types.Object, deleted bool) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if deleted {
		gc.removeLocked(obj.UID())
		return
	}
	gc.observeLocked(r, obj)
}

// resync compares a complete list of r's objects with the graph: the tracked objects of r that are not listed were
// deleted during a gap in the watch.
func (gc *garbageCollector) resync(r *Resource, items []*types.Object) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	listed := make(map[string]bool, len(items))
	for _, o := range items {
		listed[o.UID()] = true
	}
	gr, gk := r.GroupResource(), r.GroupKind()
	for uid, n := range gc.nodes {
		switch {
		case listed[uid]:
		case n.observed && n.ref.r.GroupResource() == gr:
			gc.removeLocked(uid)
		case !n.observed && gc.ownerKindLocked(uid, n) == gk:
			gc.removeLocked(uid) // an owner known only from its dependents' references
		}
	}
	for _, o := range items {
		gc.observeLocked(r, o)
	}
}

// ownerKindLocked returns the group and kind its dependents' references give the virtual node uid. gc.mu must be
// held.
func (gc *garbageCollector) ownerKindLocked(uid string, n *gcNode) types.GroupKind {
	for dep := range n.dependents {
		if dn := gc.nodes[dep]; dn != nil {
			for _, o := range dn.owners {
				if o.UID == uid {
					gv, _ := types.ParseGroupVersion(o.APIVersion)
					return types.GroupKind{Group: gv.Group, Kind: o.Kind}
				}
			}
		}
	}
	return types.GroupKind{}
}

// observeLocked records the current state of obj. gc.mu must be held.
func (gc *garbageCollector) observeLocked(r *Resource, obj *types.Object) {
	m := obj.MetaNoCopy()
	foreground, orphan := gcDeletionState(obj)
	n := gc.nodes[m.UID]
	if n == nil {
		if len(m.OwnerReferences) == 0 && !foreground && !orphan {
			return // neither a dependent, nor an owner anyone names, nor one being deleted with a policy
		}
		n = &gcNode{dependents: map[string]bool{}}
		gc.nodes[m.UID] = n
	}
	ref := gcRef{r: r, namespace: m.Namespace, name: m.Name, uid: m.UID}
	firstSeen := !n.observed
	n.ref, n.observed = ref, true
	added := gc.setOwnersLocked(n, m.OwnerReferences)
	if len(m.OwnerReferences) > 0 && (firstSeen || added) {
		gc.attemptToDelete.add(ref) // a dangling dependent is collected however late it appears
	}
	if foreground && !n.deletingDependents {
		gc.attemptToDelete.add(ref)
	}
	if orphan && !n.orphaning {
		gc.attemptToOrphan.add(ref)
	}
	n.deletingDependents, n.orphaning = foreground, orphan
	gc.dropIfUnusedLocked(m.UID)
}

// gcDeletionState reports whether obj is marked for deletion with the foregroundDeletion or the orphan finalizer.
func gcDeletionState(obj *types.Object) (foreground, orphan bool) {
	if obj == nil {
		return false, false
	}
	m := obj.MetaNoCopy()
	if m.DeletionTimestamp == nil {
		return false, false
	}
	return slices.Contains(m.Finalizers, FinalizerDeleteDependents), slices.Contains(m.Finalizers, FinalizerOrphanDependents)
}

// setOwnersLocked records n's owners and links it to their nodes; it reports whether n names an owner it did not
// name before. Owners waiting for their dependents that n named are checked again, since n may no longer block them.
// gc.mu must be held.
func (gc *garbageCollector) setOwnersLocked(n *gcNode, owners []types.OwnerReference) bool {
	if slices.EqualFunc(n.owners, owners, sameOwnerReference) {
		return false
	}
	uid := n.ref.uid
	for _, o := range n.owners {
		on := gc.nodes[o.UID]
		if on == nil {
			continue
		}
		if on.deletingDependents && on.observed {
			gc.attemptToDelete.add(on.ref)
		}
		if !hasOwnerUID(owners, o.UID) {
			delete(on.dependents, uid)
			gc.dropIfUnusedLocked(o.UID)
		}
	}
	added := false
	for _, o := range owners {
		if hasOwnerUID(n.owners, o.UID) {
			continue
		}
		added = true
		on := gc.nodes[o.UID]
		if on == nil {
			on = &gcNode{dependents: map[string]bool{}} // virtual until observed
			gc.nodes[o.UID] = on
		}
		on.dependents[uid] = true
	}
	n.owners = owners
	return added
}

// removeLocked removes a deleted object from the graph: its dependents are checked (their owner is gone), and its
// owners that wait for their dependents are checked again. A node that still has dependents stays, virtual, until
// they no longer name it. gc.mu must be held.
func (gc *garbageCollector) removeLocked(uid string) {
	n := gc.nodes[uid]
	if n == nil {
		return // neither an owner anyone names nor a dependent
	}
	// n may be virtual: an object that had no node when the informers delivered it, named by dependents since.
	for dep := range n.dependents {
		if dn := gc.nodes[dep]; dn != nil && dn.observed {
			gc.attemptToDelete.add(dn.ref)
		}
	}
	for _, o := range n.owners {
		on := gc.nodes[o.UID]
		if on == nil {
			continue
		}
		delete(on.dependents, uid)
		if on.deletingDependents && on.observed {
			gc.attemptToDelete.add(on.ref)
		}
		gc.dropIfUnusedLocked(o.UID)
	}
	*n = gcNode{dependents: n.dependents}
	gc.dropIfUnusedLocked(uid)
}

// dropIfUnusedLocked forgets the node uid when there is nothing left to track: nobody names it, it names no owner,
// and it is not being deleted with a propagation finalizer. gc.mu must be held.
func (gc *garbageCollector) dropIfUnusedLocked(uid string) {
	if n := gc.nodes[uid]; n != nil && len(n.dependents) == 0 && len(n.owners) == 0 && !n.deletingDependents && !n.orphaning {
		delete(gc.nodes, uid)
	}
}

func sameOwnerReference(a, b types.OwnerReference) bool {
	return a.APIVersion == b.APIVersion && a.Kind == b.Kind && a.Name == b.Name && a.UID == b.UID &&
		sameBoolPtr(a.Controller, b.Controller) && sameBoolPtr(a.BlockOwnerDeletion, b.BlockOwnerDeletion)
}

func sameBoolPtr(a, b *bool) bool { return a == b || a != nil && b != nil && *a == *b }

func hasOwnerUID(owners []types.OwnerReference, uid string) bool {
	return slices.ContainsFunc(owners, func(o types.OwnerReference) bool { return o.UID == uid })
}

// blocksOwnerDeletion reports whether a reference has blockOwnerDeletion=true.
func blocksOwnerDeletion(o types.OwnerReference) bool {
	return o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion
}

// client returns a client for ref's resource in ref's namespace.
func (gc *garbageCollector) client(ref gcRef) *ResourceClient {
	return &ResourceClient{s: gc.c.s, r: ref.r, ns: ref.namespace}
}

// get reads the object ref names; it returns nil when that object is gone (absent, or replaced by one with another
// uid).
func (gc *garbageCollector) get(ctx context.Context, ref gcRef) (*types.Object, error) {
	obj, err := gc.client(ref).Get(ctx, ref.name, GetOptions{})
	if types.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if obj.UID() != ref.uid {
		return nil, nil
	}
	return obj, nil
}

// attemptToDeleteItem decides the fate of one object (GarbageCollector.attemptToDeleteItem): an owner waiting for
// its dependents gets them deleted or, when none blocks it any more, loses its foregroundDeletion finalizer; a
// dependent with no owner left is deleted; one with some loses the references to the others.
func (gc *garbageCollector) attemptToDeleteItem(ctx context.Context, ref gcRef) error {
	ctx = WithUser(ctx, gcUser)
	var err error
	for range gcConflictRetries {
		if err = gc.attemptToDeleteOnce(ctx, ref); !errors.Is(err, errGCChanged) {
			return err
		}
	}
	return err
}

// attemptToDeleteOnce is one decision of attemptToDeleteItem on the object's current state.
func (gc *garbageCollector) attemptToDeleteOnce(ctx context.Context, ref gcRef) error {
	obj, err := gc.get(ctx, ref)
	if obj == nil || err != nil {
		return err
	}
	m := obj.MetaNoCopy()
	if m.DeletionTimestamp != nil {
		if slices.Contains(m.Finalizers, FinalizerDeleteDependents) {
			return gc.processDeletingDependents(ctx, ref)
		}
		return nil // on its way out: its dependents are looked at once it is gone
	}
	if len(m.OwnerReferences) == 0 {
		return nil
	}
	solid, dangling, waiting, err := gc.classifyReferences(ctx, ref, m.OwnerReferences)
	if errors.Is(err, errUnresolvableOwner) {
		gc.c.logError("garbage collector: ignoring an object whose owner reference cannot be resolved", ref.namespace+"/"+ref.name, err)
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case len(solid) > 0:
		if len(dangling) == 0 && len(waiting) == 0 {
			return nil
		}
		drop := map[string]bool{}
		for _, o := range append(dangling, waiting...) {
			drop[o.UID] = true
		}
		return gc.removeOwnerReferences(ctx, ref, drop)
	case len(waiting) > 0:
		deps, err := gc.dependents(ctx, ref)
		if err != nil {
			return err
		}
		if len(deps) > 0 {
			for _, d := range deps {
				if foreground, _ := gcDeletionState(d.obj); foreground {
					// A dependent waits for its own dependents while an owner waits for this object: unblock the
					// owners first, so that a cycle of foreground deletions cannot wait forever.
					if err := gc.unblockOwnerReferences(ctx, ref); err != nil {
						return err
					}
					break
				}
			}
			return gc.deleteObject(ctx, ref, m.ResourceVersion, m.OwnerReferences, DeletePropagationForeground)
		}
	}
	policy := DeletePropagationBackground
	switch {
	case slices.Contains(m.Finalizers, FinalizerOrphanDependents):
		policy = DeletePropagationOrphan
	case slices.Contains(m.Finalizers, FinalizerDeleteDependents):
		policy = DeletePropagationForeground
	}
	return gc.deleteObject(ctx, ref, m.ResourceVersion, m.OwnerReferences, policy)
}

// classifyReferences sorts a dependent's owner references into the owners that exist, those that are gone and
// those being deleted in the foreground.
func (gc *garbageCollector) classifyReferences(ctx context.Context, dep gcRef, owners []types.OwnerReference) (solid, dangling, waiting []types.OwnerReference, err error) {
	for _, o := range owners {
		owner, err := gc.liveOwner(ctx, dep, o)
		if err != nil {
			return nil, nil, nil, err
		}
		switch foreground, _ := gcDeletionState(owner); {
		case owner == nil:
			dangling = append(dangling, o)
		case foreground:
			waiting = append(waiting, o)
		default:
			solid = append(solid, o)
		}
	}
	return solid, dangling, waiting, nil
}

// liveOwner reads the owner o names for dep; it returns nil when that owner is gone (GarbageCollector.isDangling).
func (gc *garbageCollector) liveOwner(ctx context.Context, dep gcRef, o types.OwnerReference) (*types.Object, error) {
	r, err := gc.ownerResource(o)
	if err != nil {
		return nil, err
	}
	ns := ""
	if r.Namespaced {
		if dep.namespace == "" {
			return nil, errUnresolvableOwner // a cluster-scoped object cannot have a namespaced owner
		}
		ns = dep.namespace
	}
	return gc.get(ctx, gcRef{r: r, namespace: ns, name: o.Name, uid: o.UID})
}

// gcDependent is an object that names an owner, with the reference.
type gcDependent struct {
	ref   gcRef
	obj   *types.Object
	owner types.OwnerReference
}

// dependents lists the objects that name owner as an owner: in the owner's namespace for a namespaced owner,
// everywhere for a cluster-scoped one. It reads the server, not the graph, so a dependent created an instant ago
// counts.
func (gc *garbageCollector) dependents(ctx context.Context, owner gcRef) ([]gcDependent, error) {
	var out []gcDependent
	for _, r := range gc.c.resources() {
		if owner.r.Namespaced && !r.Namespaced {
			continue
		}
		ns := ""
		if owner.r.Namespaced {
			ns = owner.namespace
		}
		l, err := (&ResourceClient{s: gc.c.s, r: r, ns: ns}).List(ctx, ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, obj := range l.Items {
			m := obj.MetaNoCopy()
			for _, o := range m.OwnerReferences {
				if o.UID == owner.uid {
					out = append(out, gcDependent{ref: gcRef{r: r, namespace: m.Namespace, name: m.Name, uid: m.UID}, obj: obj, owner: o})
					break
				}
			}
		}
	}
	return out, nil
}

// processDeletingDependents advances the foreground deletion of ref: its dependents are queued for deletion, and
// once none names it with blockOwnerDeletion the foregroundDeletion finalizer is removed.
func (gc *garbageCollector) processDeletingDependents(ctx context.Context, ref gcRef) error {
	deps, err := gc.dependents(ctx, ref)
	if err != nil {
		return err
	}
	blocked := false
	for _, d := range deps {
		if blocksOwnerDeletion(d.owner) {
			blocked = true
		}
		if d.obj.DeletionTimestamp() == nil {
			gc.attemptToDelete.add(d.ref)
		}
	}
	if blocked {
		return nil // each blocking dependent's deletion queues ref again
	}
	return gc.removeFinalizer(ctx, ref, FinalizerDeleteDependents)
}

// attemptToOrphanItem orphans the dependents of an owner being deleted with the orphan finalizer, then removes the
// finalizer (GarbageCollector.attemptToOrphanWorker).
func (gc *garbageCollector) attemptToOrphanItem(ctx context.Context, ref gcRef) error {
	ctx = WithUser(ctx, gcUser)
	obj, err := gc.get(ctx, ref)
	if obj == nil || err != nil {
		return err
	}
	if _, orphan := gcDeletionState(obj); !orphan {
		return nil
	}
	deps, err := gc.dependents(ctx, ref)
	if err != nil {
		return err
	}
	for _, d := range deps {
		if err := gc.removeOwnerReferences(ctx, d.ref, map[string]bool{ref.uid: true}); err != nil {
			return err
		}
	}
	return gc.removeFinalizer(ctx, ref, FinalizerOrphanDependents)
}

// deleteObject deletes ref, as it was at resourceVersion rv with the owner references owners, with the given
// propagation policy (GarbageCollector.deleteObject): the uid and resourceVersion preconditions make sure the decision
// still holds; when only the resourceVersion moved and the owner references are the same, the delete is made again
// without it. An object already gone is left alone; errGCChanged reports one whose references changed.
func (gc *garbageCollector) deleteObject(ctx context.Context, ref gcRef, rv string, owners []types.OwnerReference, policy DeletionPropagation) error {
	uid := ref.uid
	pre := Preconditions{UID: &uid, ResourceVersion: &rv}
	client := gc.client(ref)
	_, err := client.Delete(ctx, ref.name, DeleteOptions{Preconditions: &pre, PropagationPolicy: &policy})
	if types.IsConflict(err) {
		live, gerr := gc.get(ctx, ref)
		switch {
		case gerr != nil:
			return gerr
		case live == nil:
			return nil
		case !slices.EqualFunc(live.MetaNoCopy().OwnerReferences, owners, sameOwnerReference):
			return errGCChanged
		}
		pre.ResourceVersion = nil
		_, err = client.Delete(ctx, ref.name, DeleteOptions{Preconditions: &pre, PropagationPolicy: &policy})
	}
	if types.IsNotFound(err) {
		return nil
	}
	if types.IsConflict(err) {
		return errGCChanged
	}
	return err
}

// removeOwnerReferences removes the owner references with the given uids from ref.
func (gc *garbageCollector) removeOwnerReferences(ctx context.Context, ref gcRef, uids map[string]bool) error {
	return gc.patchMeta(ctx, ref, func(m types.ObjectMeta) (string, any, bool) {
		keep := make([]types.OwnerReference, 0, len(m.OwnerReferences))
		for _, o := range m.OwnerReferences {
			if !uids[o.UID] {
				keep = append(keep, o)
			}
		}
		if len(keep) == 0 {
			return "ownerReferences", nil, len(m.OwnerReferences) > 0
		}
		return "ownerReferences", keep, len(keep) != len(m.OwnerReferences)
	})
}

// unblockOwnerReferences sets blockOwnerDeletion=false on ref's owner references that block.
func (gc *garbageCollector) unblockOwnerReferences(ctx context.Context, ref gcRef) error {
	return gc.patchMeta(ctx, ref, func(m types.ObjectMeta) (string, any, bool) {
		refs := make([]types.OwnerReference, len(m.OwnerReferences))
		changed := false
		for i, o := range m.OwnerReferences {
			if blocksOwnerDeletion(o) {
				no := false
				o.BlockOwnerDeletion = &no
				changed = true
			}
			refs[i] = o
		}
		return "ownerReferences", refs, changed
	})
}

// removeFinalizer removes one finalizer from ref; when it was the last of an object marked for deletion, the object
// goes.
func (gc *garbageCollector) removeFinalizer(ctx context.Context, ref gcRef, finalizer string) error {
	return gc.patchMeta(ctx, ref, func(m types.ObjectMeta) (string, any, bool) {
		if !slices.Contains(m.Finalizers, finalizer) {
			return "", nil, false
		}
		rest := slices.DeleteFunc(slices.Clone(m.Finalizers), func(f string) bool { return f == finalizer })
		if len(rest) == 0 {
			return "finalizers", nil, true
		}
		return "finalizers", rest, true
	})
}

// patchMeta sets one metadata field of ref with a JSON merge patch that carries the resourceVersion it was computed
// from, as kube's garbage collector does, reading and retrying on conflicts. change returns the field, its new value
// (nil removes it) and whether anything is to change.
func (gc *garbageCollector) patchMeta(ctx context.Context, ref gcRef, change func(m types.ObjectMeta) (string, any, bool)) error {
	var err error
	for range gcConflictRetries {
		var obj *types.Object
		if obj, err = gc.get(ctx, ref); obj == nil || err != nil {
			return err
		}
		m := obj.MetaNoCopy()
		field, value, changed := change(m)
		if !changed {
			return nil
		}
		patch, merr := json.Marshal(map[string]any{"metadata": map[string]any{field: value, "resourceVersion": m.ResourceVersion}})
		if merr != nil {
			return merr
		}
		_, err = gc.client(ref).Patch(ctx, ref.name, MergePatchType, patch, PatchOptions{FieldManager: managerControllerManager})
		switch {
		case err == nil, types.IsNotFound(err):
			return nil
		case !types.IsConflict(err):
			return err
		}
	}
	return err
}
