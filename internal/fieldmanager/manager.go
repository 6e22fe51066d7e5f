package fieldmanager

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/merge"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"

	"github.com/kubemem/kubemem/types"
)

// Manager names kube gives its own field managers.
const (
	// BeforeFirstApplyManager owns the fields of an object that had no managedFields when it was first applied to.
	BeforeFirstApplyManager = "before-first-apply"
	// AncientChangesManager holds the fields of the oldest update entries once there are more than
	// MaxUpdateManagers.
	AncientChangesManager = "ancient-changes"
	// UnknownManager is the manager of a write that names none.
	UnknownManager = "unknown"
	// MaxUpdateManagers is how many Update entries an object keeps before the oldest are merged.
	MaxUpdateManagers = 10
)

// currentOperation is the temporary manager an update's changes are given to before they join the real manager's
// entry; only when it got fields did the object change, and only then does the entry's time change.
const currentOperation = "current-operation"

// stripSet holds the fields that are never owned: the type meta and the metadata the server sets.
var stripSet = fieldpath.NewSet(
	fieldpath.MakePathOrDie("apiVersion"),
	fieldpath.MakePathOrDie("kind"),
	fieldpath.MakePathOrDie("metadata"),
	fieldpath.MakePathOrDie("metadata", "name"),
	fieldpath.MakePathOrDie("metadata", "namespace"),
	fieldpath.MakePathOrDie("metadata", "creationTimestamp"),
	fieldpath.MakePathOrDie("metadata", "selfLink"),
	fieldpath.MakePathOrDie("metadata", "uid"),
	fieldpath.MakePathOrDie("metadata", "clusterName"),
	fieldpath.MakePathOrDie("metadata", "generation"),
	fieldpath.MakePathOrDie("metadata", "managedFields"),
	fieldpath.MakePathOrDie("metadata", "resourceVersion"),
)

// Manager records field ownership and performs server-side apply for one kind at one version, as kube-apiserver's
// default field manager does (managedfields.NewDefaultFieldManager): version check, client-side apply upgrade and
// annotation sync for kubectl, before-first-apply, the update-manager cap, manager identities, times, the stripped
// metadata fields and the strategy's reset fields around SMD's merge.Updater.
//
// A Manager is immutable and safe for concurrent use. Update and Apply never modify their arguments.
type Manager struct {
	conv       TypeConverter
	gvk        types.GroupVersionKind
	apiVersion fieldpath.APIVersion
	updaters   map[string]*merge.Updater // by subresource, for those with reset fields; read-only after New
	plain      *merge.Updater            // for the other subresources
	kind       *types.Schema             // the kind's schema for built-in kinds (see typedView), else nil
	metaKind   *types.Schema             // kind with only apiVersion, kind and metadata (UpdateMetadata), or nil
	zero       map[string]any            // what a create is compared with (see zeroObject); never modified
	schemas    *schemaCache              // the fast paths' cache of the kind's schemas, or nil; never modified
	fast       *fastUpdater              // the reset fields as the fast paths read them (see fastupdate.go)
}

// New returns the Manager of objects of kind gvk, whose schema conv knows. resetFields holds, by subresource (""
// for the main resource, "status", ...), the fields the strategy resets on writes through that subresource, which
// nobody owns through it: for most kinds with a status, {"": status} and {"status": spec, metadata, ...} as the
// kind's GetResetFields say. Build sets with NewFieldSet. The sets must not be modified afterwards.
func New(conv TypeConverter, gvk types.GroupVersionKind, resetFields map[string]*fieldpath.Set) *Manager {
	m := &Manager{
		conv:       conv,
		gvk:        gvk,
		apiVersion: fieldpath.APIVersion(gvk.GroupVersion().String()),
		updaters:   make(map[string]*merge.Updater, len(resetFields)),
	}
	m.kind, m.zero, m.schemas = builtinKind(conv)
	if m.kind != nil {
		m.metaKind = m.kind.WithFieldsOnly("apiVersion", "kind", "metadata")
	}
	m.fast = newFastUpdater(resetFields)
	m.plain = m.newUpdater(nil)
	for sub, set := range resetFields {
		m.updaters[sub] = m.newUpdater(set)
	}
	return m
}

func (m *Manager) newUpdater(reset *fieldpath.Set) *merge.Updater {
	b := merge.UpdaterBuilder{Converter: versionConverter{}}
	if reset != nil && !reset.Empty() {
		b.IgnoreFilter = map[fieldpath.APIVersion]fieldpath.Filter{m.apiVersion: fieldpath.NewExcludeSetFilter(reset)}
	}
	return b.BuildUpdater()
}

func (m *Manager) updater(subresource string) *merge.Updater {
	if u, ok := m.updaters[subresource]; ok {
		return u
	}
	return m.plain
}

// NewFieldSet returns the set of the given field paths, each a dot-separated list of field names ("status",
// "metadata.labels"). Owning a field covers what is below it, as reset fields do.
func NewFieldSet(paths ...string) *fieldpath.Set {
	s := fieldpath.NewSet()
	for _, p := range paths {
		var path fieldpath.Path
		for name := range strings.SplitSeq(p, ".") {
			path = append(path, fieldpath.PathElement{FieldName: &name})
		}
		s.Insert(path)
	}
	return s
}

// versionConverter converts typed objects between the versions of managedFields entries. kubemem serves each kind
// at the version it stores, so entries at other versions (written by another server) are read with this version's
// schema unchanged.
type versionConverter struct{}

func (versionConverter) Convert(v *typed.TypedValue, _ fieldpath.APIVersion) (*typed.TypedValue, error) {
	return v, nil
}

func (versionConverter) IsMissingVersionError(error) bool { return false }

// Update records the ownership changes of a write other than apply (create, update, patch; through subresource
// "" or a named one such as "status") made by manager at time now, and returns obj with metadata.managedFields
// set. live is the stored object, nil on create.
//
// The fields that differ between live and obj (all of obj's on create) are given to manager's Update entry for
// this version and subresource, and taken from every other entry; the entry's time is set to now only when it got
// fields. The managedFields of obj are used when it brings valid ones (a client may write them), those of live
// otherwise; through a subresource always those of live. managedFields: [] (or one empty entry) in obj clears
// them, and an object that has none is not tracked again until it is applied to. An empty manager is "unknown".
//
// obj should be as kube's handler has it: decoded and defaulted, and for custom resources pruned. Built-in objects
// are compared as kube sees its Go structs (see typedView); values of the wrong scalar type are not reported here
// (validation does). Update returns an error only when an object does not fit the schema's shape (a map where a
// list belongs, a field a custom resource's schema does not declare); kube-apiserver then keeps live's
// managedFields (see UpdateNoErrors). The result shares every value but its top-level and metadata maps with obj,
// and its managedFields may share maps with live's (a change made to one shows in the other).
func (m *Manager) Update(live, obj map[string]any, manager, subresource string, now time.Time) (map[string]any, error) {
	return m.updateUsing(live, obj, manager, subresource, now, true)
}

// UpdateMetadata is Update for a write that changes nothing but metadata: live and obj hold only apiVersion, kind
// and metadata, and the caller has checked that their other members are equal. The result is Update's on the whole
// objects (but for those members): equal members hold no change to record, and the entries are reconciled with the
// schema alone. Leaving the bodies out spares decoding, viewing and comparing them, which is most of the work when a
// controller changes a label. Like Update, it is safe for concurrent use and modifies neither argument.
func (m *Manager) UpdateMetadata(live, obj map[string]any, manager, subresource string, now time.Time) (map[string]any, error) {
	return m.updateView(live, obj, manager, subresource, now, true, m.metaKind)
}

// UpdateMetadataNoErrors is UpdateMetadata as UpdateNoErrors is Update (and as safe for concurrent use).
func (m *Manager) UpdateMetadataNoErrors(live, obj map[string]any, manager, subresource string, now time.Time) map[string]any {
	out, err := m.UpdateMetadata(live, obj, manager, subresource, now)
	return orLiveManagedFields(out, err, live, obj)
}

// updateUsing is Update; fast lets the fast paths (fastCreateFields, fastUpdateLive) serve the writes they cover.
// Without it every write takes the SMD path, the reference the differential tests compare them with.
func (m *Manager) updateUsing(live, obj map[string]any, manager, subresource string, now time.Time, fast bool) (map[string]any, error) {
	return m.updateView(live, obj, manager, subresource, now, fast, m.kind)
}

// updateView is updateUsing whose fast path of updates views and compares the objects with view: m.kind, or
// m.metaKind for UpdateMetadata.
func (m *Manager) updateView(live, obj map[string]any, manager, subresource string, now time.Time, fast bool, view *types.Schema) (map[string]any, error) {
	if fast && live != nil && view != nil {
		out, meta := withOwnMetadata(obj)
		if meta != nil {
			delete(meta, "managedFields")
		}
		id := identity{Manager: cmp.Or(manager, UnknownManager), Operation: operationUpdate, APIVersion: string(m.apiVersion), Subresource: subresource}
		if m.fastUpdateLive(live, obj, out, meta, id, now, view) {
			return out, nil
		}
	}
	if fast && live == nil && m.kind != nil && metadataOf(obj)["managedFields"] == nil {
		// A create that brings no managedFields starts from none, as decodeLiveOrNew would find: no need to ask it.
		id := identity{Manager: cmp.Or(manager, UnknownManager), Operation: operationUpdate, APIVersion: string(m.apiVersion), Subresource: subresource}
		if out, ok := m.fastCreate(obj, id, now); ok {
			return out, nil
		}
		fast = false // the fast create below would give up the same way
	}
	mgd := m.decodeLiveOrNew(live, obj, subresource != "")
	out, meta := withOwnMetadata(obj)
	if meta != nil {
		delete(meta, "managedFields")
	}
	if len(mgd.fields) == 0 && !isCreate(live) {
		// An object without managedFields is tracked again only from its next apply.
		return out, nil
	}
	if manager == "" {
		manager = UnknownManager
	}
	id := identity{Manager: manager, Operation: operationUpdate, APIVersion: string(m.apiVersion), Subresource: subresource}
	if fast && live == nil && len(mgd.fields) == 0 && m.kind != nil {
		if out, ok := m.fastCreate(obj, id, now); ok {
			return out, nil
		}
	}
	if err := m.update(live, out, mgd, id, now); err != nil {
		return nil, err
	}
	m.capUpdateManagers(mgd)
	setManagedFields(out, meta, mgd)
	return out, nil
}

// fastCreate is the fast path of a create of a built-in kind whose managedFields start empty: it returns obj,
// without the managedFields it brings, with the one entry fastCreateFields gives id, and false when the SMD path
// must decide.
func (m *Manager) fastCreate(obj map[string]any, id identity, now time.Time) (map[string]any, bool) {
	reset, ok := m.fast.resetFor(id.Subresource)
	if !ok {
		return nil, false
	}
	out, meta := withOwnMetadata(obj)
	if meta != nil {
		delete(meta, "managedFields")
	}
	fields, ok := fastCreateFieldsWith(m.schemas, m.kind, m.zero, out, reset)
	if !ok {
		return nil, false
	}
	setManagedFieldsList(out, meta, createdEntry(id, fields, now))
	return out, true
}

// UpdateNoErrors is Update for callers that must not fail a write over field management, as kube-apiserver's
// handlers call it: when Update fails, it returns obj with live's managedFields (none on create).
func (m *Manager) UpdateNoErrors(live, obj map[string]any, manager, subresource string, now time.Time) map[string]any {
	out, err := m.Update(live, obj, manager, subresource, now)
	return orLiveManagedFields(out, err, live, obj)
}

// orLiveManagedFields returns out when err is nil, else obj with live's managedFields (UpdateNoErrors).
func orLiveManagedFields(out map[string]any, err error, live, obj map[string]any) map[string]any {
	if err == nil {
		return out
	}
	out, meta := withOwnMetadata(obj)
	if lf, ok := metadataOf(live)["managedFields"]; ok {
		if meta == nil {
			meta = map[string]any{}
			out["metadata"] = meta
		}
		meta["managedFields"] = lf
	} else if meta != nil {
		delete(meta, "managedFields")
	}
	return out
}

func isCreate(live map[string]any) bool {
	uid, _ := metadataOf(live)["uid"].(string)
	return uid == ""
}

// decodeLiveOrNew picks the managedFields an update starts from, as kube's decodeLiveOrNew does.
func (m *Manager) decodeLiveOrNew(live, obj map[string]any, liveOnly bool) *managed {
	fromLive := func() *managed {
		entries, err := readEntries(metadataOf(live)["managedFields"])
		if err != nil {
			return newManaged(0)
		}
		mgd, err := decodeManaged(entries)
		if err != nil {
			return newManaged(0)
		}
		return mgd
	}
	if liveOnly {
		return fromLive()
	}
	entries, err := readEntries(metadataOf(obj)["managedFields"])
	if err != nil {
		return fromLive()
	}
	if isReset(entries) {
		return newManaged(0)
	}
	mgd, err := decodeManaged(entries)
	if err != nil || len(mgd.fields) == 0 {
		return fromLive()
	}
	return mgd
}

// update gives the changes from live (nil: the kind's zero object) to obj to id in mgd, kube's managedFieldsUpdater,
// stripMetaManager and structuredMergeManager.Update in a row. obj must have no managedFields.
func (m *Manager) update(live, obj map[string]any, mgd *managed, id identity, now time.Time) error {
	if m.kind != nil {
		obj = typedView(m.kind, obj)
	}
	newTyped, err := m.typedForUpdate(obj)
	if err != nil {
		return &SchemaError{Op: "failed to convert new object (" + describe(obj) + ") to smd typed", Err: err}
	}
	switch {
	case live == nil:
		live = m.zero
	case m.kind != nil:
		live = typedView(m.kind, withoutManagedFields(live))
	default:
		live = withoutManagedFields(live)
	}
	liveTyped, err := m.typedForUpdate(live)
	if err != nil {
		return &SchemaError{Op: "failed to convert live object (" + describe(live) + ") to smd typed", Err: err}
	}
	_, fields, err := m.updater(id.Subresource).Update(liveTyped, newTyped, m.apiVersion, mgd.fields, currentOperation)
	if err != nil {
		return &SchemaError{Op: "failed to update ManagedFields (" + describe(obj) + ")", Err: err}
	}
	mgd.fields = fields
	stripFields(fields, currentOperation)
	vs, ok := fields[currentOperation]
	if !ok {
		return nil
	}
	delete(fields, currentOperation)
	k := id.key()
	if prev, ok := fields[k]; ok {
		vs = fieldpath.NewVersionedSet(vs.Set().Union(prev.Set()), vs.APIVersion(), vs.Applied())
	}
	fields[k] = vs
	mgd.times[k] = now.UTC().Truncate(time.Second)
	mgd.ids[k] = id
	return nil
}

// typedForUpdate wraps an object of an update. The converters of this package skip SMD's validation walk there:
// the comparison that follows walks the object with the schema anyway and fails the same way on a value of the
// wrong type, and duplicates are allowed in updates (the object was already written or is about to be).
func (m *Manager) typedForUpdate(obj map[string]any) (*typed.TypedValue, error) {
	if tc, ok := m.conv.(*typeConverter); ok {
		return typed.AsTypedUnvalidated(value.NewValueInterface(obj), &tc.parser.Schema, tc.root.TypeRef), nil
	}
	return m.conv.ObjectToTyped(obj, typed.AllowDuplicates)
}

// stripFields removes the never-owned fields from the entry k, and the entry when nothing is left.
func stripFields(fields fieldpath.ManagedFields, k string) {
	vs, ok := fields[k]
	if !ok {
		return
	}
	s := vs.Set().Difference(stripSet)
	if s.Empty() {
		delete(fields, k)
		return
	}
	fields[k] = fieldpath.NewVersionedSet(s, vs.APIVersion(), vs.Applied())
}

// Apply merges the applied configuration config into live (nil when the apply creates the object) for manager at
// time now, through subresource ("" or "status", ...), and returns the merged object with metadata.managedFields
// set, as kube-apiserver's apply patch does before defaulting, admission and validation.
//
// config must be of the Manager's kind and version and carry no managedFields. Fields of config that another
// manager owns with a different value are conflicts: Apply fails with a *ConflictError unless force, which takes
// them over. Fields manager applied before and no longer applies are removed unless another manager owns them. For
// the manager "kubectl", conflicts with fields the object's last-applied-configuration annotation holds (the
// fields client-side apply owns) are taken over without force, and that annotation is rewritten from config.
//
// Errors are *types.StatusError (BadRequest: wrong kind, managedFields in config), *ConflictError, *SchemaError (an
// object that does not match the schema, a 500 in kube-apiserver) or an internal error. The result shares no map or
// list with live or config. Like kube's, it is not defaulted.
func (m *Manager) Apply(live, config map[string]any, manager, subresource string, force bool, now time.Time) (map[string]any, error) {
	if gvk := gvkOf(config); gvk != m.gvk {
		return nil, types.NewBadRequest("invalid object type: " + kubeGVKString(gvk))
	}
	if live == nil {
		live = map[string]any{}
	}
	entries, err := readEntries(metadataOf(live)["managedFields"])
	if errors.Is(err, errUnreadable) {
		entries, err = nil, nil
	}
	mgd, err := decodeManaged(entries)
	if err != nil {
		return nil, fmt.Errorf("failed to decode managed fields: %w", err)
	}
	live = withoutManagedFields(live)
	out, mgd, err := m.applyUpgradingLastApplied(live, config, mgd, manager, subresource, force, now)
	if err != nil {
		var conflicts merge.Conflicts
		if errors.As(err, &conflicts) {
			return nil, newConflictError(conflicts)
		}
		return nil, err
	}
	if manager == kubectlManager && lastApplied(out) != "" {
		if err := syncLastApplied(out, config); err != nil {
			return nil, err
		}
	}
	setManagedFields(out, metadataOf(out), mgd)
	return out, nil
}

// apply is one attempt at an apply: kube's skipNonAppliedManager, buildManagerInfoManager, managedFieldsUpdater,
// stripMetaManager and structuredMergeManager.Apply in a row. live has no managedFields; mgd is not modified.
func (m *Manager) apply(live, config map[string]any, mgd *managed, manager, subresource string, force bool, now time.Time) (map[string]any, *managed, error) {
	mgd = mgd.copy()
	if len(mgd.fields) == 0 && len(live) > 0 {
		bfa := identity{Manager: BeforeFirstApplyManager, Operation: operationUpdate, APIVersion: string(m.apiVersion), Subresource: subresource}
		if err := m.update(nil, live, mgd, bfa, now); err != nil {
			return nil, nil, fmt.Errorf("failed to create manager for existing fields: %w", err)
		}
		m.capUpdateManagers(mgd)
	}
	if manager == "" {
		manager = UnknownManager
	}
	id := identity{Manager: manager, Operation: operationApply, Subresource: subresource}
	k := id.key()

	if lf, ok := metadataOf(config)["managedFields"]; ok {
		if _, isList := lf.([]any); isList {
			return nil, nil, types.NewBadRequest("metadata.managedFields must be nil")
		}
	}
	configTyped, err := m.conv.ObjectToTyped(config)
	if err != nil {
		return nil, nil, &SchemaError{Op: "failed to create typed patch object (" + describe(config) + ")", Err: err}
	}
	liveTyped, err := m.conv.ObjectToTyped(live, typed.AllowDuplicates)
	if err != nil {
		return nil, nil, &SchemaError{Op: "failed to create typed live object (" + describe(live) + ")", Err: err}
	}
	newTyped, fields, err := m.updater(subresource).Apply(liveTyped, configTyped, m.apiVersion, mgd.fields, k, force)
	if err != nil {
		return nil, nil, err
	}
	mgd.fields = fields
	mgd.ids[k] = id
	stripFields(fields, k)

	var out map[string]any
	if newTyped == nil {
		// Nothing changed: the entry's time stays.
		out = deepCopy(live).(map[string]any)
	} else {
		merged, err := m.conv.TypedToObject(newTyped)
		if err != nil {
			return nil, nil, fmt.Errorf("failed to convert new typed object (%s) to object: %w", describe(config), err)
		}
		// SMD's result shares atomic values and leaves with live and config; live must stay untouched by callers
		// that modify the result.
		out = deepCopy(merged).(map[string]any)
		mgd.times[k] = now.UTC().Truncate(time.Second)
	}
	return out, mgd, nil
}
