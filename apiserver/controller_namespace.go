package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kubemem/kubemem/types"
)

// namespaceController is kube-controller-manager's namespace controller (pkg/controller/namespace and its deletion
// package), a client of the Server's Go API fed by the controllers' informers. For a namespace marked for deletion
// it deletes every object of every namespaced resource in it (Background propagation; objects with finalizers stay
// until those are removed), the pods first (OrderedNamespaceDeletion, locked on since kube 1.34), reports progress in
// status.conditions with kube's types, reasons and messages, and once the namespace is empty removes the kubernetes
// finalizer through the finalize subresource and deletes the namespace with a uid precondition.
//
// A namespace whose content has to wait (finalizers, pods terminating gracefully) is synced again when that content
// changes, since every change in a terminating namespace queues it, and, as kube does, after half the estimated wait.
// It is safe for concurrent use.
type namespaceController struct {
	c     *controllers
	queue *workQueue[string] // names of namespaces to sync

	// mu guards terminating. It is never held while anything else is locked or called.
	mu          sync.Mutex
	terminating map[string]bool // namespaces marked for deletion
}

// namespaceControllerUser is who the namespace controller acts as (its service account).
var namespaceControllerUser = UserInfo{Name: "system:serviceaccount:kube-system:namespace-controller",
	Groups: []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}}

// The namespace finalizer the controller owns (v1.FinalizerKubernetes), and its estimate of how long content with
// finalizers takes to go (finalizerEstimateSeconds).
const (
	namespaceFinalizerKubernetes = "kubernetes"
	namespaceFinalizerEstimate   = int64(15)
	namespaceWorkers             = 2
)

// The namespace condition types the controller maintains (v1.NamespaceConditionType), in kube's order.
const (
	nsDeletionDiscoveryFailure = "NamespaceDeletionDiscoveryFailure"
	nsDeletionGVParsingFailure = "NamespaceDeletionGroupVersionParsingFailure"
	nsDeletionContentFailure   = "NamespaceDeletionContentFailure"
	nsContentRemaining         = "NamespaceContentRemaining"
	nsFinalizersRemaining      = "NamespaceFinalizersRemaining"
)

var namespaceConditionTypes = []string{nsDeletionDiscoveryFailure, nsDeletionGVParsingFailure,
	nsDeletionContentFailure, nsContentRemaining, nsFinalizersRemaining}

// namespaceConditionOK holds the reason and message of each condition type when all is well (status False), as
// kube's status_condition_utils.go has them.
var namespaceConditionOK = map[string][2]string{
	nsDeletionDiscoveryFailure: {"ResourcesDiscovered", "All resources successfully discovered"},
	nsDeletionGVParsingFailure: {"ParsedGroupVersions", "All legacy kube types successfully parsed"},
	nsDeletionContentFailure:   {"ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	nsContentRemaining:         {"ContentRemoved", "All content successfully removed"},
	nsFinalizersRemaining:      {"ContentHasNoFinalizers", "All content-preserving finalizers finished"},
}

func newNamespaceController(c *controllers) *namespaceController {
	return &namespaceController{c: c, queue: newWorkQueue[string](c), terminating: map[string]bool{}}
}

// start runs the workers.
func (nc *namespaceController) start() { nc.queue.work(namespaceWorkers, nc.sync) }

// observe queues a namespace marked for deletion, and one whose content changes while it terminates.
func (nc *namespaceController) observe(r *Resource, obj *types.Object, deleted bool) {
	if r.GroupResource() == Namespaces.GroupResource() {
		marked := !deleted && obj.DeletionTimestamp() != nil
		nc.mu.Lock()
		if marked {
			nc.terminating[obj.Name()] = true
		} else {
			delete(nc.terminating, obj.Name())
		}
		nc.mu.Unlock()
		if marked {
			nc.queue.add(obj.Name())
		}
		return
	}
	if !r.Namespaced {
		return
	}
	nc.mu.Lock()
	terminating := nc.terminating[obj.Namespace()]
	nc.mu.Unlock()
	if terminating {
		nc.queue.add(obj.Namespace())
	}
}

// resync takes a complete list of r's objects: for namespaces, the terminating ones are known afresh; for other
// resources, every terminating namespace is synced, since its content may have changed unseen.
func (nc *namespaceController) resync(r *Resource, items []*types.Object) {
	var queue []string
	nc.mu.Lock()
	if r.GroupResource() == Namespaces.GroupResource() {
		clear(nc.terminating)
		for _, o := range items {
			if o.DeletionTimestamp() != nil {
				nc.terminating[o.Name()] = true
			}
		}
	}
	if r.Namespaced || r.GroupResource() == Namespaces.GroupResource() {
		for name := range nc.terminating {
			queue = append(queue, name)
		}
	}
	nc.mu.Unlock()
	for _, name := range queue {
		nc.queue.add(name)
	}
}

// client returns a client of the namespaces.
func (nc *namespaceController) client() *ResourceClient {
	return &ResourceClient{s: nc.c.s, r: nc.c.s.registry().resources[Namespaces]}
}

// sync advances the deletion of one namespace (namespacedResourcesDeleter.Delete).
func (nc *namespaceController) sync(ctx context.Context, name string) error {
	ctx = WithUser(ctx, namespaceControllerUser)
	ns, err := nc.client().Get(ctx, name, GetOptions{})
	if types.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp() == nil {
		return nil
	}
	if ns, err = nc.retryOnConflict(ctx, ns, nc.markTerminating); types.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if namespaceFinalized(ns) {
		return nc.deleteNamespace(ctx, ns)
	}
	estimate, err := nc.deleteAllContent(ctx, ns)
	if err != nil {
		return err
	}
	if estimate > 0 {
		// Some content is still going; its changes queue the namespace again, and so does, as in kube, half the
		// estimate.
		nc.queue.addAfter(name, time.Duration(max(estimate/2, 1))*time.Second)
		return nil
	}
	if ns, err = nc.retryOnConflict(ctx, ns, nc.finalize); types.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if namespaceFinalized(ns) {
		return nc.deleteNamespace(ctx, ns)
	}
	return nil
}

// retryOnConflict applies fn to ns, reading it again after a conflict; the namespace must keep its uid.
func (nc *namespaceController) retryOnConflict(ctx context.Context, ns *types.Object, fn func(context.Context, *types.Object) (*types.Object, error)) (*types.Object, error) {
	for {
		out, err := fn(ctx, ns)
		if !types.IsConflict(err) {
			return out, err
		}
		latest, err := nc.client().Get(ctx, ns.Name(), GetOptions{})
		if err != nil {
			return nil, err
		}
		if latest.UID() != ns.UID() {
			return nil, errors.New("namespace uid has changed across retries")
		}
		ns = latest
	}
}

// markTerminating sets status.phase Terminating if it is not yet.
func (nc *namespaceController) markTerminating(ctx context.Context, ns *types.Object) (*types.Object, error) {
	st := readNamespaceStatus(ns)
	if st.Phase == "Terminating" {
		return ns, nil
	}
	st.Phase = "Terminating"
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	return nc.client().UpdateStatus(ctx, ns.WithMember("status", raw), UpdateOptions{FieldManager: managerControllerManager})
}

// finalize removes the kubernetes finalizer from spec.finalizers through the finalize subresource.
func (nc *namespaceController) finalize(ctx context.Context, ns *types.Object) (*types.Object, error) {
	var rest []string
	for _, f := range namespaceSpecFinalizers(ns) {
		if f != namespaceFinalizerKubernetes && !slices.Contains(rest, f) {
			rest = append(rest, f)
		}
	}
	sort.Strings(rest)
	spec := map[string]json.RawMessage{}
	if raw, ok := ns.Lookup("spec"); ok {
		_ = json.Unmarshal(raw, &spec) // a stored object's spec is valid JSON
	}
	delete(spec, "finalizers")
	if len(rest) > 0 {
		spec["finalizers"], _ = json.Marshal(rest)
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	return nc.client().Finalize(ctx, ns.WithMember("spec", raw), UpdateOptions{FieldManager: managerControllerManager})
}

// deleteNamespace deletes a finalized namespace, unless it has been replaced by another of the same name.
func (nc *namespaceController) deleteNamespace(ctx context.Context, ns *types.Object) error {
	uid := ns.UID()
	_, err := nc.client().Delete(ctx, ns.Name(), DeleteOptions{Preconditions: &Preconditions{UID: &uid}})
	if types.IsNotFound(err) || types.IsConflict(err) {
		return nil
	}
	return err
}

// namespaceSpecFinalizers returns a namespace's spec.finalizers.
func namespaceSpecFinalizers(ns *types.Object) []string {
	var f []string
	if raw, ok := ns.Lookup("spec", "finalizers"); ok {
		_ = json.Unmarshal(raw, &f)
	}
	return f
}

// namespaceFinalized reports whether spec.finalizers is empty.
func namespaceFinalized(ns *types.Object) bool { return len(namespaceSpecFinalizers(ns)) == 0 }

// namespaceStatus is v1.NamespaceStatus.
type namespaceStatus struct {
	Phase      string               `json:"phase,omitempty"`
	Conditions []namespaceCondition `json:"conditions,omitempty"`
}

// namespaceCondition is v1.NamespaceCondition, with its fields in kube's order.
type namespaceCondition struct {
	Type               string     `json:"type"`
	Status             string     `json:"status"`
	LastTransitionTime types.Time `json:"lastTransitionTime,omitzero"`
	Reason             string     `json:"reason,omitempty"`
	Message            string     `json:"message,omitempty"`
}

func readNamespaceStatus(ns *types.Object) namespaceStatus {
	var st namespaceStatus
	if raw, ok := ns.Lookup("status"); ok {
		_ = json.Unmarshal(raw, &st)
	}
	return st
}

// contentDeletion is what deleting one resource's content left behind (gvrDeletionMetadata).
type contentDeletion struct {
	estimate   int64          // seconds to wait before expecting the rest gone; zero means no estimate
	remaining  int            // objects left
	finalizers map[string]int // objects left per finalizer
}

// contentTotals sums what every resource left behind (allGVRDeletionMetadata).
type contentTotals struct {
	resources  map[*Resource]int
	finalizers map[string]int
}

func (t *contentTotals) add(r *Resource, d contentDeletion) {
	if d.remaining == 0 {
		return
	}
	t.resources[r] = d.remaining
	for f, n := range d.finalizers {
		t.finalizers[f] += n
	}
}

// deleteAllContent deletes the content of ns, pods first, and updates its conditions. It returns how many seconds
// the remaining content is expected to take (zero when the namespace is empty) and the errors met.
func (nc *namespaceController) deleteAllContent(ctx context.Context, ns *types.Object) (int64, error) {
	name, deletedAt := ns.Name(), ns.DeletionTimestamp().Time
	var errs []error
	var estimate int64
	conditions := namespaceConditionUpdater{now: types.NewTime(nc.c.s.clock.Now())}
	totals := contentTotals{resources: map[*Resource]int{}, finalizers: map[string]int{}}
	var rest []*Resource
	for _, r := range nc.c.resources() {
		if r.Namespaced {
			rest = append(rest, r)
		}
	}
	// OrderedNamespaceDeletion: nothing else goes while a pod remains.
	if i := slices.IndexFunc(rest, func(r *Resource) bool { return r.GroupResource() == Pods.GroupResource() }); i >= 0 {
		pods := rest[i]
		rest = slices.Delete(rest, i, i+1)
		d, err := nc.deleteContent(ctx, pods, name, deletedAt)
		if err != nil {
			errs = append(errs, err)
			conditions.contentError(err)
		}
		estimate = max(estimate, d.estimate)
		totals.add(pods, d)
		if d.remaining > 0 {
			// As kube does, the conditions are updated without the totals here.
			nc.updateConditions(ctx, ns, &conditions)
			return estimate, errors.Join(errs...)
		}
	}
	for _, r := range rest {
		d, err := nc.deleteContent(ctx, r, name, deletedAt)
		if err != nil {
			errs = append(errs, err)
			conditions.contentError(err)
		}
		estimate = max(estimate, d.estimate)
		totals.add(r, d)
	}
	conditions.contentTotals(totals)
	nc.updateConditions(ctx, ns, &conditions)
	return estimate, errors.Join(errs...)
}

// deleteContent deletes the objects of r in namespace ns and reports what is left
// (deleteAllContentForGroupVersionResource).
func (nc *namespaceController) deleteContent(ctx context.Context, r *Resource, ns string, deletedAt time.Time) (contentDeletion, error) {
	client := &ResourceClient{s: nc.c.s, r: r, ns: ns}
	var estimate int64
	if r.GroupResource() == Pods.GroupResource() {
		var err error
		if estimate, err = podsTerminationEstimate(ctx, client); err != nil {
			return contentDeletion{}, err
		}
		if nc.c.s.clock.Now().Sub(deletedAt) >= time.Duration(estimate)*time.Second {
			estimate = 0
		}
	}
	background := DeletePropagationBackground
	opts := DeleteOptions{PropagationPolicy: &background}
	if _, err := client.DeleteCollection(ctx, opts, ListOptions{}); err != nil {
		if !types.IsMethodNotSupported(err) && !types.IsNotFound(err) {
			return contentDeletion{estimate: estimate}, err
		}
		if err := deleteEach(ctx, client, opts); err != nil {
			return contentDeletion{estimate: estimate}, err
		}
	}
	l, err := client.List(ctx, ListOptions{})
	if err != nil {
		return contentDeletion{estimate: estimate}, err
	}
	if len(l.Items) == 0 {
		return contentDeletion{}, nil
	}
	finalizers := map[string]int{}
	for _, o := range l.Items {
		for _, f := range o.MetaNoCopy().Finalizers {
			finalizers[f]++
		}
	}
	switch {
	case estimate != 0:
		return contentDeletion{estimate: estimate, remaining: len(l.Items), finalizers: finalizers}, nil
	case len(finalizers) > 0:
		return contentDeletion{estimate: namespaceFinalizerEstimate, remaining: len(l.Items), finalizers: finalizers}, nil
	}
	return contentDeletion{remaining: len(l.Items)},
		fmt.Errorf("unexpected items still remain in namespace: %s for gvr: %s", ns, kubeGVRString(r.GVR))
}

// deleteEach deletes the listed objects one by one, for a resource without deletecollection.
func deleteEach(ctx context.Context, client *ResourceClient, opts DeleteOptions) error {
	l, err := client.List(ctx, ListOptions{})
	if types.IsNotFound(err) || types.IsMethodNotSupported(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, o := range l.Items {
		if _, err := client.Delete(ctx, o.Name(), opts); err != nil && !types.IsNotFound(err) && !types.IsMethodNotSupported(err) {
			return err
		}
	}
	return nil
}

// podsTerminationEstimate is the longest terminationGracePeriodSeconds of the namespace's pods that have not
// finished (estimateGracefulTerminationForPods).
func podsTerminationEstimate(ctx context.Context, pods *ResourceClient) (int64, error) {
	l, err := pods.List(ctx, ListOptions{})
	if err != nil {
		return 0, err
	}
	var estimate int64
	for _, p := range l.Items {
		if phase := p.Field("status.phase"); phase == "Succeeded" || phase == "Failed" {
			continue
		}
		var grace *int64
		if raw, ok := p.Lookup("spec", "terminationGracePeriodSeconds"); ok {
			_ = json.Unmarshal(raw, &grace)
		}
		if grace != nil && *grace > estimate {
			estimate = *grace
		}
	}
	return estimate, nil
}

// kubeGVRString formats a resource as schema.GroupVersionResource.String does ("/v1, Resource=pods").
func kubeGVRString(gvr types.GroupVersionResource) string {
	return gvr.Group + "/" + gvr.Version + ", Resource=" + gvr.Resource
}

// updateConditions writes ns's conditions if they change; a failure is only logged, as kube does: the write that
// made it fail queues the namespace again.
func (nc *namespaceController) updateConditions(ctx context.Context, ns *types.Object, u *namespaceConditionUpdater) {
	st := readNamespaceStatus(ns)
	if !u.update(&st) {
		return
	}
	raw, err := json.Marshal(st)
	if err == nil {
		_, err = nc.client().UpdateStatus(ctx, ns.WithMember("status", raw), UpdateOptions{FieldManager: managerControllerManager})
	}
	if err != nil && ctx.Err() == nil {
		nc.c.logError("namespace controller: couldn't update status conditions", ns.Name(), err)
	}
}

// namespaceConditionUpdater turns what a deletion pass met into namespace conditions (namespaceConditionUpdater).
type namespaceConditionUpdater struct {
	now           types.Time
	newConditions []namespaceCondition
	contentErrors []error
}

// contentError records an error deleting some resource's content.
func (u *namespaceConditionUpdater) contentError(err error) {
	u.contentErrors = append(u.contentErrors, err)
}

// contentTotals records the content left (ProcessContentTotals).
func (u *namespaceConditionUpdater) contentTotals(t contentTotals) {
	if len(t.resources) > 0 {
		var parts []string
		for r, n := range t.resources {
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%s.%s has %d resource instances", r.GVR.Resource, r.GVR.Group, n))
			}
		}
		sort.Strings(parts)
		u.newConditions = append(u.newConditions, namespaceCondition{Type: nsContentRemaining, Status: "True",
			LastTransitionTime: u.now, Reason: "SomeResourcesRemain",
			Message: "Some resources are remaining: " + strings.Join(parts, ", ")})
	}
	if len(t.finalizers) > 0 {
		var parts []string
		for f, n := range t.finalizers {
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%s in %d resource instances", f, n))
			}
		}
		sort.Strings(parts)
		u.newConditions = append(u.newConditions, namespaceCondition{Type: nsFinalizersRemaining, Status: "True",
			LastTransitionTime: u.now, Reason: "SomeFinalizersRemain",
			Message: "Some content in the namespace has finalizers remaining: " + strings.Join(parts, ", ")})
	}
}

// update merges the recorded conditions into st (the OK variant for each type nothing went wrong with) and reports
// whether st changed. A condition's lastTransitionTime changes only when its status does.
func (u *namespaceConditionUpdater) update(st *namespaceStatus) bool {
	if len(u.contentErrors) > 0 && conditionOf(u.newConditions, nsDeletionContentFailure) == nil {
		msgs := make([]string, 0, len(u.contentErrors))
		for _, e := range u.contentErrors {
			msgs = append(msgs, e.Error())
		}
		sort.Strings(msgs)
		u.newConditions = append(u.newConditions, namespaceCondition{Type: nsDeletionContentFailure, Status: "True",
			LastTransitionTime: u.now, Reason: "ContentDeletionFailed",
			Message: fmt.Sprintf("Failed to delete all resource types, %d remaining: %v", len(u.contentErrors), strings.Join(msgs, ", "))})
	}
	changed := false
	for _, t := range namespaceConditionTypes {
		next := conditionOf(u.newConditions, t)
		if next == nil {
			ok := namespaceConditionOK[t]
			next = &namespaceCondition{Type: t, Status: "False", LastTransitionTime: u.now, Reason: ok[0], Message: ok[1]}
		}
		cur := conditionOf(st.Conditions, t)
		switch {
		case cur == nil:
			st.Conditions = append(st.Conditions, *next)
			changed = true
		case cur.Status != next.Status || cur.Reason != next.Reason || cur.Message != next.Message:
			if cur.Status != next.Status {
				cur.LastTransitionTime = u.now
			}
			cur.Status, cur.Reason, cur.Message = next.Status, next.Reason, next.Message
			changed = true
		}
	}
	return changed
}

// conditionOf returns the first condition of type t, or nil.
func conditionOf(conditions []namespaceCondition, t string) *namespaceCondition {
	for i := range conditions {
		if conditions[i].Type == t {
			return &conditions[i]
		}
	}
	return nil
}
