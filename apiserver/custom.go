package apiserver

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/internal/structural"
	"github.com/kubemem/kubemem/types"
)

// This file is the strategy of custom resources (apiextensions-apiserver's pkg/registry/customresource): what a served
// version of a CustomResourceDefinition adds to the generic verbs. Field validation prunes by the version's structural
// schema, defaulting applies its defaults (on writes and, for objects written before the defaults existed, on reads),
// validation checks the object against it, and objects are stored in the CRD's storage version whatever version they
// were written in (conversion strategy None: only apiVersion changes).

// customResource is what a served version of a custom resource adds to its Resource. It is immutable.
type customResource struct {
	crd     string             // the CRD's name
	storage string             // the apiVersion objects are stored in ("example.com/v1")
	schema  *structural.Schema // the version's structural schema (never nil: apiextensions.k8s.io/v1 requires one)
	openapi map[string]any     // the version's openAPIV3Schema as the CRD gives it (shared, read-only)
	// defaults reports that the schema declares defaults. kube-apiserver applies the storage version's defaults
	// whenever it reads an object from storage; kubemem applies them when it writes one, and on reads only to the
	// objects written before since, the revision of the CRD the Resource was built from.
	defaults        bool
	storageSchema   *structural.Schema // the storage version's schema
	storageDefaults bool               // it declares defaults
	since           int64
	printer         printer
	scale           *customScale // nil without a scale subresource
	// terminating marks a CRD being deleted: its objects can still be read and deleted, not created.
	terminating bool
	// served ends when the version stops being served (the CRD is deleted, or the version unserved): its watches
	// end, as kube-apiserver ends them when it tears the storage down.
	served context.Context
}

// customScale is a version's scale subresource: where spec.replicas, status.replicas and status.selector of its
// Scale live in the object, as dotted paths without the leading dot.
type customScale struct {
	specReplicas, statusReplicas, labelSelector []string
	specPath, statusPath                        string // as the CRD gives them (".spec.replicas"): error paths
}

// scalePaths returns where the Scale's fields live in r's objects: spec.replicas, status.replicas, and for custom
// resources the label selector's path (nil: built-in rules, see scaleSelector).
func (r *Resource) scalePaths() (spec, status, selector []string) {
	if c := r.custom; c != nil && c.scale != nil {
		return c.scale.specReplicas, c.scale.statusReplicas, c.scale.labelSelector
	}
	return []string{"spec", "replicas"}, []string{"status", "replicas"}, nil
}

// splitFieldPath turns a CRD's ".spec.replicas" into its members.
func splitFieldPath(p string) []string {
	p = strings.TrimPrefix(p, ".")
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

// storageTypeMeta returns the kind and apiVersion r's objects are stored with: r's own for built-in resources, the
// storage version's for custom resources.
func (r *Resource) storageTypeMeta() types.TypeMeta {
	if r.custom != nil {
		return types.TypeMeta{Kind: r.Kind, APIVersion: r.custom.storage}
	}
	return r.TypeMeta()
}

// present turns a stored object of r into what r's clients read: for a custom resource, in r's version and, when
// the object was written before the CRD last changed, with the storage version's defaults (which kube-apiserver
// applies whenever it reads from storage). Built-in resources' objects are returned as they are.
func (r *Resource) present(obj *types.Object) *types.Object {
	c := r.custom
	if c == nil || obj == nil {
		return obj
	}
	tm := r.TypeMeta()
	needDefaults := c.storageDefaults && writtenBefore(obj, c.since)
	if obj.APIVersion() == tm.APIVersion && !needDefaults {
		return obj
	}
	if needDefaults {
		if tree, err := jsontree.DecodeObject(obj.JSON()); err == nil && c.storageSchema.Default(tree) {
			if out, err := types.Unstructured(tree).ToObject(); err == nil {
				obj = out.WithResourceVersion(obj.ResourceVersion())
			}
		}
	}
	if obj.APIVersion() != tm.APIVersion {
		obj = obj.WithTypeMeta(tm)
	}
	return obj
}

// writtenBefore reports whether obj was last written before revision rev.
func writtenBefore(obj *types.Object, rev int64) bool {
	n, err := strconv.ParseInt(obj.ResourceVersion(), 10, 64)
	return err != nil || n < rev
}

// presentList applies present to the items of a list of r, in place.
func (r *Resource) presentList(l *types.List) *types.List {
	if r.custom == nil || l == nil {
		return l
	}
	for i, o := range l.Items {
		l.Items[i] = r.present(o)
	}
	return l
}

// pruneUnknown removes from tree, a custom object, the fields its version's structural schema does not declare,
// and the fields ObjectMeta does not have from its metadata; it returns the paths of the former (the metadata's are
// found in the request body, customBodyProblems).
func (c *customResource) pruneUnknown(tree map[string]any) []string {
	pruned := c.schema.Prune(tree)
	if metaSchema, ok := types.SchemaForType("metav1.ObjectMeta"); ok {
		if m, ok := tree["metadata"].(map[string]any); ok {
			pruneUnknown(metaSchema, m)
		}
	}
	return pruned
}

// validateCustom returns the errors of a create of a custom object (customResourceStrategy.Validate): metadata,
// the schema (with x-kubernetes-list-type invariants and embedded resources), and the scale subresource's replicas.
func validateCustom(r *Resource, tree map[string]any) types.FieldErrorList {
	errs := validateObjectMetaCreate(vmap(tree).obj("metadata"), false)
	errs = append(errs, r.custom.schema.ValidateWithOptions(tree, embeddedMeta)...)
	return append(errs, validateCustomScale(r.custom.scale, tree)...)
}

// embeddedMeta validates the metadata of the x-kubernetes-embedded-resource objects inside custom objects with the
// generic ObjectMeta rules, as kube-apiserver's schemaobjectmeta does.
var embeddedMeta = structural.ValidateOptions{EmbeddedObjectMeta: func(meta map[string]any, path *types.FieldPath) types.FieldErrorList {
	var errs types.FieldErrorList
	if ns := vmap(meta).str("namespace"); ns != "" {
		errs = validateDNSLabel(ns, path.Child("namespace")) // a namespace is required exactly when one is set
	}
	return append(errs, validateObjectMetaAt(meta, path, false)...)
}}

// validateCustomUpdate returns the errors of an update of a custom object: the create rules with validation
// ratcheting (an invalid value the old object already had is not reported) and the metadata update rules.
func validateCustomUpdate(r *Resource, tree, old map[string]any) types.FieldErrorList {
	meta, oldMeta := vmap(tree).obj("metadata"), vmap(old).obj("metadata")
	errs := validateObjectMetaCreate(meta, false)
	errs = append(errs, validateObjectMetaUpdate(meta, oldMeta, false)...)
	errs = append(errs, r.custom.schema.ValidateUpdateWithOptions(tree, old, embeddedMeta)...)
	return append(errs, validateCustomScale(r.custom.scale, tree)...)
}

// validateCustomScale checks the replicas the scale subresource reads: kube-apiserver's customResourceValidator
// refuses a negative or out-of-range spec or status replicas count.
func validateCustomScale(sc *customScale, tree map[string]any) types.FieldErrorList {
	if sc == nil {
		return nil
	}
	var errs types.FieldErrorList
	for i, p := range [][]string{sc.specReplicas, sc.statusReplicas} {
		v, _ := types.Unstructured(tree).Nested(p...)
		n, ok := v.(int64)
		if !ok {
			continue
		}
		path := types.NewFieldPath([]string{sc.specPath, sc.statusPath}[i]) // kube keeps the CRD's leading dot
		switch {
		case n < 0:
			errs = append(errs, types.FieldInvalid(path, n, "should be a non-negative integer"))
		case n > math.MaxInt32:
			errs = append(errs, types.FieldInvalid(path, n, "should be less than or equal to "+strconv.Itoa(math.MaxInt32)))
		}
	}
	return errs
}

// customPrinter returns the Table form of a custom resource version whose CRD lists the printer columns cols. A
// column whose JSONPath does not parse ends it: kube-apiserver serves the columns before it.
func customPrinter(cols []any) printer {
	p, _ := crdPrinter(cols)
	return p
}
