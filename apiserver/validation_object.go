package apiserver

import (
	"math"
	"slices"
	"strconv"

	"github.com/kubemem/kubemem/types"
)

// This file is the entry point of object validation. validateObject and validateObjectUpdate dispatch on the kind
// to the rules kube-apiserver's registry strategies run (pkg/registry/<group>/<resource>/strategy.go Validate and
// ValidateUpdate), which are those of pkg/apis/core/validation/validation.go, pkg/apis/apps/validation,
// pkg/apis/batch/validation and apimachinery's pkg/api/validation/objectmeta.go. Each rule reports kube-apiserver's
// field path, error type, bad value and detail; the lists keep kube's order (map keys, which Go ranges over at
// random upstream, are visited sorted).
//
// The rules read decoded JSON (map[string]any with []any, string, int64, float64, bool and nil). A member that is
// absent, null or of the wrong type reads as absent: type errors are the decoder's business (kube-apiserver answers
// them with a 400 before validation runs), so they are not reported here.
//
// metadata.name and metadata.generateName are validated by validateName (meta.go) and metadata.namespace by
// checkNamespace; these rules start with metadata.labels.
//
// The object must be what kube-apiserver's strategies validate: defaulted, with metadata.uid set (the server fills
// the system fields first), a Job after generateJobSelector (its strategy's PrepareForCreate), and a Service after
// allocation, spec.clusterIPs holding spec.clusterIP. Validating an undefaulted object reports the Required errors
// kube-apiserver would report for it (spec.restartPolicy, terminationMessagePolicy, protocol, ...).

// validateObject returns the field errors kube-apiserver's validation reports for a create of obj, a decoded
// JSON object (map[string]any with []any, string, int64, float64, bool, nil) of the kind, after defaulting.
func validateObject(gvk types.GroupVersionKind, obj map[string]any) types.FieldErrorList {
	o := vmap(obj)
	switch gvk.GroupKind() {
	case vkPod:
		return validatePodCreate(o)
	case vkService:
		return validateService(o)
	case vkConfigMap:
		return validateConfigMap(o)
	case vkSecret:
		return validateSecret(o)
	case vkNamespace:
		return validateNamespace(o)
	case vkNode:
		return validateNode(o)
	case vkReplicationController:
		return validateReplicationController(o)
	case vkDeployment:
		return validateDeployment(o)
	case vkReplicaSet:
		return validateReplicaSet(o)
	case vkStatefulSet:
		return validateStatefulSet(o)
	case vkDaemonSet:
		return validateDaemonSet(o)
	case vkJob:
		return validateJob(o)
	case vkCronJob:
		return validateCronJobCreate(o)
	case vkCustomResourceDefinition:
		return validateCustomResourceDefinition(o)
	}
	return validateObjectMetaCreate(o.obj("metadata"), hasKubeFinalizerRule(gvk.Group))
}

// validateObjectUpdate returns the errors of an update from old to obj: the create rules plus immutability.
//
// obj is the object as it will be stored: the server-managed metadata (uid, creationTimestamp, resourceVersion,
// deletionTimestamp) already carried over from old as update.go does, so the metadata immutability rules below
// only fire for callers that skip that step.
func validateObjectUpdate(gvk types.GroupVersionKind, obj, old map[string]any) types.FieldErrorList {
	o, p := vmap(obj), vmap(old)
	switch gvk.GroupKind() {
	case vkPod:
		return validatePodUpdate(o, p)
	case vkService:
		return validateServiceUpdate(o, p)
	case vkConfigMap:
		return validateConfigMapUpdate(o, p)
	case vkSecret:
		return validateSecretUpdate(o, p)
	case vkNamespace:
		return validateNamespaceUpdate(o, p)
	case vkNode:
		return validateNodeUpdate(o, p)
	case vkReplicationController:
		return validateReplicationControllerUpdate(o, p)
	case vkDeployment:
		return validateDeploymentUpdate(o, p)
	case vkReplicaSet:
		return validateReplicaSetUpdate(o, p)
	case vkStatefulSet:
		return validateStatefulSetUpdate(o, p)
	case vkDaemonSet:
		return validateDaemonSetUpdate(o, p)
	case vkJob:
		return validateJobUpdate(o, p)
	case vkCronJob:
		return validateCronJobUpdate(o, p)
	case vkCustomResourceDefinition:
		return validateCustomResourceDefinitionUpdate(o, p)
	}
	return validateObjectMetaUpdate(o.obj("metadata"), p.obj("metadata"), hasKubeFinalizerRule(gvk.Group))
}

// The kinds with rules beyond their metadata.
var (
	vkPod                   = types.GroupKind{Kind: "Pod"}
	vkService               = types.GroupKind{Kind: "Service"}
	vkConfigMap             = types.GroupKind{Kind: "ConfigMap"}
	vkSecret                = types.GroupKind{Kind: "Secret"}
	vkNamespace             = types.GroupKind{Kind: "Namespace"}
	vkNode                  = types.GroupKind{Kind: "Node"}
	vkReplicationController = types.GroupKind{Kind: "ReplicationController"}
	vkDeployment            = types.GroupKind{Group: "apps", Kind: "Deployment"}
	vkReplicaSet            = types.GroupKind{Group: "apps", Kind: "ReplicaSet"}
	vkStatefulSet           = types.GroupKind{Group: "apps", Kind: "StatefulSet"}
	vkDaemonSet             = types.GroupKind{Group: "apps", Kind: "DaemonSet"}
	vkJob                   = types.GroupKind{Group: "batch", Kind: "Job"}
	vkCronJob               = types.GroupKind{Group: "batch", Kind: "CronJob"}

	vkCustomResourceDefinition = types.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}
)

// Paths shared by many rules; FieldPath values are immutable, so sharing them is safe.
var (
	vMetaPath        = types.NewFieldPath("metadata")
	vSpecPath        = types.NewFieldPath("spec")
	vAnnotationsPath = vMetaPath.Child("annotations")
)

// vmap is a decoded JSON object as the validation rules read it. Reads never fail: an absent member, a null and a
// member of the wrong type all read as absent. A nil vmap is an empty object.
type vmap map[string]any

// obj returns the object member key, or nil.
func (m vmap) obj(key string) vmap {
	v, _ := m[key].(map[string]any)
	return v
}

// list returns the array member key, or nil.
func (m vmap) list(key string) []any {
	v, _ := m[key].([]any)
	return v
}

// str returns the string member key, or "".
func (m vmap) str(key string) string {
	v, _ := m[key].(string)
	return v
}

// has reports whether member key is present and not null.
func (m vmap) has(key string) bool { return m[key] != nil }

// hasStr reports whether member key is a string (possibly empty), as a *string field that is set.
func (m vmap) hasStr(key string) bool {
	_, ok := m[key].(string)
	return ok
}

// integer returns the integer member key and whether it is set. A float with an integral value counts.
func (m vmap) integer(key string) (int64, bool) { return vInt(m[key]) }

// integer0 returns the integer member key, 0 when unset.
func (m vmap) integer0(key string) int64 {
	n, _ := m.integer(key)
	return n
}

// boolean returns the boolean member key, false when unset.
func (m vmap) boolean(key string) bool {
	v, _ := m[key].(bool)
	return v
}

// hasBool reports whether member key is a boolean, as a *bool field that is set.
func (m vmap) hasBool(key string) bool {
	_, ok := m[key].(bool)
	return ok
}

// strMap returns the string-valued entries of the object member key (labels, annotations, selectors); nil when
// the member is absent. Entries of another type are skipped.
func (m vmap) strMap(key string) map[string]string {
	raw, ok := m[key].(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// strList returns the string elements of the array member key.
func (m vmap) strList(key string) []string {
	raw := m.list(key)
	if raw == nil {
		return nil
	}
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// vObj returns v as an object, or nil.
func vObj(v any) vmap {
	switch m := v.(type) {
	case map[string]any:
		return m
	case vmap:
		return m
	}
	return nil
}

// plainJSON returns v with a vmap turned back into the map[string]any of decoded JSON, so that type switches
// over JSON values see it.
func plainJSON(v any) any {
	if m, ok := v.(vmap); ok {
		return map[string]any(m)
	}
	return v
}

// vInt returns v as an integer: an int64, or a float64 with an integral value in range.
func vInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt64 && n <= math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

// vSortedKeys returns the keys of m in order.
func vSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// vIntOrStr is a decoded IntOrString member (ports, maxSurge): a JSON number or string.
type vIntOrStr struct {
	isString bool
	intVal   int64
	strVal   string
	set      bool
}

// vIntOrString reads v as an IntOrString.
func vIntOrString(v any) vIntOrStr {
	if s, ok := v.(string); ok {
		return vIntOrStr{isString: true, strVal: s, set: true}
	}
	if n, ok := vInt(v); ok {
		return vIntOrStr{intVal: n, set: true}
	}
	return vIntOrStr{}
}

// value returns the IntOrString as its JSON value (a bad value prints as the JSON encoding does).
func (v vIntOrStr) value() any {
	if v.isString {
		return v.strVal
	}
	return v.intVal
}

// intValue is intstr's IntValue: the integer, or the string parsed as one (0 when it is not a number).
func (v vIntOrStr) intValue() int64 {
	if v.isString {
		n, _ := strconv.Atoi(v.strVal)
		return int64(n)
	}
	return v.intVal
}

// vKubeFinalizerGroups are the groups whose validation is pkg/apis/core/validation's ValidateObjectMeta, which
// also requires finalizer names without a '/' to be standard; custom resources and CRDs use apimachinery's only.
var vKubeFinalizerGroups = map[string]bool{
	"": true, "apps": true, "batch": true, "autoscaling": true, "policy": true, "networking.k8s.io": true,
	"coordination.k8s.io": true, "discovery.k8s.io": true, "storage.k8s.io": true, "scheduling.k8s.io": true,
	"node.k8s.io": true, "certificates.k8s.io": true, "rbac.authorization.k8s.io": true,
}

func hasKubeFinalizerRule(group string) bool { return vKubeFinalizerGroups[group] }
