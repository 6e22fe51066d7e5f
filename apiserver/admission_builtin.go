package apiserver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// This file holds the admission plugins kube-apiserver enables by default that change what a client sees of its
// objects: NamespaceLifecycle, ServiceAccount, Priority and DefaultTolerationSeconds (plugin/pkg/admission and
// k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle). They read the store directly, as kube's read their
// informers' caches.

// immortalNamespaces may not be deleted (NamespaceLifecycle).
var immortalNamespaces = []string{"default", "kube-system", "kube-public"}

// The service account token volume the ServiceAccount plugin mounts (plugin/pkg/admission/serviceaccount).
const (
	defaultServiceAccount      = "default"
	serviceAccountVolumePrefix = "kube-api-access-"
	serviceAccountMountPath    = "/var/run/secrets/kubernetes.io/serviceaccount"
	mirrorPodAnnotation        = "kubernetes.io/config.mirror"
)

// sharesBuiltinValues reports whether the built-in plugins may put values shared by every pod (never modified)
// into the trees they admit: what follows them in the create pipeline (validation, encoding) only reads the tree,
// unless embedders' plugins run next, which may modify it in place and must get a tree of its own.
func (s *Server) sharesBuiltinValues() bool { return len(s.opts.Admission) == 0 }

// builtinAdmission returns the built-in plugins not named in disabled, in kube-apiserver's order.
func (s *Server) builtinAdmission(disabled []string) admissionChain {
	pods := []types.GroupResource{Pods.GroupResource()}
	all := admissionChain{
		{
			Name:       AdmissionNamespaceLifecycle,
			Operations: []Operation{OperationCreate, OperationDelete},
			Mutate:     s.namespaceLifecycle,
			readOnly:   true,
		},
		{
			Name:       AdmissionServiceAccount,
			Resources:  pods,
			Operations: []Operation{OperationCreate},
			Mutate:     s.admitServiceAccount,
		},
		{
			Name:       AdmissionPriority,
			Resources:  pods,
			Operations: []Operation{OperationCreate},
			Mutate:     s.admitPriority,
		},
		{
			Name:       AdmissionDefaultTolerationSeconds,
			Resources:  pods,
			Operations: []Operation{OperationCreate},
			Mutate:     s.admitDefaultTolerations,
		},
	}
	return slices.DeleteFunc(all, func(p AdmissionPlugin) bool { return slices.Contains(disabled, p.Name) })
}

// namespaceLifecycle refuses creates in a namespace that does not exist (404) or is terminating (403), and the
// deletion of the namespaces a cluster cannot do without.
func (s *Server) namespaceLifecycle(_ context.Context, req *AdmissionRequest) error {
	nsr := s.registry().resources[Namespaces]
	if req.Operation == OperationDelete {
		if req.Resource == Namespaces && req.Subresource == "" && slices.Contains(immortalNamespaces, req.Name) {
			return types.NewForbidden(nsr.GroupResource(), req.Name, errors.New("this namespace may not be deleted"))
		}
		return nil
	}
	if req.Namespace == "" || req.Resource == Namespaces {
		return nil
	}
	kv, found, err := s.store.Get(nsr.key("", req.Namespace), store.ReadOptions{})
	if err != nil {
		return readError(err)
	}
	if !found {
		return types.NewNotFound(nsr.GroupResource(), req.Namespace)
	}
	if phase, _ := kv.Value.Lookup("status", "phase"); string(phase) == `"Terminating"` || kv.Value.DeletionTimestamp() != nil {
		e := types.NewForbidden(req.Resource.GroupResource(), req.Name,
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", req.Namespace))
		e.ErrStatus.Details.Causes = append(e.ErrStatus.Details.Causes, types.StatusCause{
			Type:    types.CauseTypeNamespaceTerminating,
			Message: fmt.Sprintf("namespace %s is being terminated", req.Namespace),
			Field:   "metadata.namespace",
		})
		return e
	}
	return nil
}

// admitServiceAccount gives a pod the namespace's default service account and mounts its API token volume unless
// automounting is off, as the ServiceAccount plugin does. The account must exist.
func (s *Server) admitServiceAccount(_ context.Context, req *AdmissionRequest) error {
	meta, _ := req.Object["metadata"].(map[string]any)
	if annotations, _ := meta["annotations"].(map[string]any); annotations[mirrorPodAnnotation] != nil {
		return nil // mirror pods are the kubelet's, left alone
	}
	spec, _ := req.Object["spec"].(map[string]any)
	if spec == nil {
		return nil
	}
	name, _ := spec["serviceAccountName"].(string)
	if name == "" {
		name = defaultServiceAccount
		spec["serviceAccountName"], spec["serviceAccount"] = defaultServiceAccount, defaultServiceAccount
	}
	sar := s.registry().resources[ServiceAccounts]
	kv, found, err := s.store.Get(sar.key(req.Namespace, name), store.ReadOptions{})
	if err != nil {
		return readError(err)
	}
	if !found {
		return types.NewForbidden(req.Resource.GroupResource(), req.Name, fmt.Errorf("error looking up service account %s/%s: %w",
			req.Namespace, name, types.NewNotFound(sar.GroupResource(), name)))
	}
	automount := true
	if v, ok := spec["automountServiceAccountToken"].(bool); ok {
		automount = v
	} else if raw, ok := kv.Value.Lookup("automountServiceAccountToken"); ok && string(raw) == "false" {
		automount = false
	}
	if automount {
		s.mountServiceAccountToken(spec)
	}
	return nil
}

// mountServiceAccountToken mounts the projected token volume at the service account path of every container and
// init container that has nothing mounted there, adding the volume when some container needs it.
func (s *Server) mountServiceAccountToken(spec map[string]any) {
	volumes, _ := spec["volumes"].([]any)
	volumeName := ""
	for _, v := range volumes {
		vol, _ := v.(map[string]any)
		if n, _ := vol["name"].(string); strings.HasPrefix(n, serviceAccountVolumePrefix) {
			volumeName = n
			break
		}
	}
	hasVolume := volumeName != ""
	if !hasVolume {
		volumeName = serviceAccountVolumePrefix + s.randomString(5)
	}
	nameValue := any(volumeName) // boxed once for every mount and the volume
	needed := false
	for _, key := range []string{"initContainers", "containers"} {
		containers, _ := spec[key].([]any)
		for _, c := range containers {
			container, _ := c.(map[string]any)
			if container == nil {
				continue
			}
			mounts, _ := container["volumeMounts"].([]any)
			mounted := false
			for _, m := range mounts {
				mount, _ := m.(map[string]any)
				if mount["mountPath"] == serviceAccountMountPath {
					mounted = true
					needed = needed || mount["name"] == volumeName
				}
			}
			if !mounted {
				container["volumeMounts"] = append(slices.Clip(mounts), map[string]any{
					"name": nameValue, "readOnly": true, "mountPath": serviceAccountMountPath,
				})
				needed = true
			}
		}
	}
	if needed && !hasVolume {
		projected := sharedTokenProjection
		if !s.sharesBuiltinValues() {
			projected = tokenProjection()
		}
		spec["volumes"] = append(slices.Clip(volumes), map[string]any{"name": nameValue, "projected": projected})
	}
}

// tokenProjection returns the projected source of the service account token volume.
func tokenProjection() map[string]any {
	return map[string]any{
		"defaultMode": int64(0o644),
		"sources": []any{
			map[string]any{"serviceAccountToken": map[string]any{"expirationSeconds": int64(3607), "path": "token"}},
			map[string]any{"configMap": map[string]any{
				"name":  "kube-root-ca.crt",
				"items": []any{map[string]any{"key": "ca.crt", "path": "ca.crt"}},
			}},
			map[string]any{"downwardAPI": map[string]any{"items": []any{map[string]any{
				"path":     "namespace",
				"fieldRef": map[string]any{"apiVersion": "v1", "fieldPath": "metadata.namespace"},
			}}}},
		},
	}
}

// sharedTokenProjection is one tokenProjection for every pod when the built-in plugins may share values
// (sharesBuiltinValues): it saves a pod create some twenty allocations. It must never be modified.
var sharedTokenProjection = tokenProjection()

// The priority classes every cluster has (pkg/apis/scheduling SystemPriorityClasses).
var systemPriorityClasses = []struct {
	name        string
	value       int64
	description string
}{
	{"system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node."},
	{"system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."},
}

// admitPriority resolves a pod's priorityClassName to spec.priority and spec.preemptionPolicy, as the Priority
// plugin does: no name takes the global default class if there is one, otherwise priority 0.
func (s *Server) admitPriority(ctx context.Context, req *AdmissionRequest) error {
	spec, _ := req.Object["spec"].(map[string]any)
	if spec == nil {
		return nil
	}
	pcr, served := s.registry().resources[PriorityClasses]
	if !served {
		return nil
	}
	className, _ := spec["priorityClassName"].(string)
	var (
		priority int64
		policy   any = "PreemptLowerPriority"
	)
	if className == "" {
		defaults, err := s.globalDefaultPriorityClasses(ctx, pcr)
		if err != nil {
			return err
		}
		var best *types.Object
		bestValue := int64(math.MaxInt64)
		for _, kv := range defaults {
			if v := priorityValue(kv.Value); best == nil || v < bestValue {
				best, bestValue = kv.Value, v
			}
		}
		if best != nil {
			priority = bestValue
			className = best.Name()
			spec["priorityClassName"] = className
			if p := best.Field("preemptionPolicy"); p != "" {
				policy = p
			}
		}
	} else {
		kv, found, err := s.store.Get(pcr.key("", className), store.ReadOptions{})
		if err != nil {
			return readError(err)
		}
		if !found {
			return types.NewForbidden(req.Resource.GroupResource(), req.Name, fmt.Errorf("no PriorityClass with name %v was found", className))
		}
		priority = priorityValue(kv.Value)
		if p := kv.Value.Field("preemptionPolicy"); p != "" {
			policy = p
		}
	}
	if given, ok := spec["priority"].(int64); ok && given != priority {
		return types.NewForbidden(req.Resource.GroupResource(), req.Name, fmt.Errorf(
			"the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name",
			given, priority))
	}
	spec["priority"] = priority
	if spec["preemptionPolicy"] == nil {
		spec["preemptionPolicy"] = policy
	}
	return nil
}

// globalDefaultPriorityClasses returns the PriorityClasses marked globalDefault, in name order, read as a list of
// PriorityClasses reads them (a consistent read of the current revision). It reads the store directly: a list
// response for every pod create would cost more than the admission itself.
func (s *Server) globalDefaultPriorityClasses(ctx context.Context, pcr *Resource) ([]store.KeyValue[*types.Object], error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := s.store.Range(pcr.collectionPrefix(""), store.RangeOptions[*types.Object]{
		Filter: func(kv *store.KeyValue[*types.Object]) bool {
			raw, _ := kv.Value.Lookup("globalDefault")
			return string(raw) == "true"
		},
	})
	if err != nil {
		return nil, readError(err)
	}
	return res.KVs, nil
}

// priorityValue reads a PriorityClass's value.
func priorityValue(pc *types.Object) int64 {
	var v int64
	if raw, ok := pc.Lookup("value"); ok {
		_, _ = fmt.Sscan(string(raw), &v)
	}
	return v
}

// The taints DefaultTolerationSeconds tolerates for five minutes.
var defaultTolerationKeys = [...]string{"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}

// defaultToleration returns the toleration DefaultTolerationSeconds adds for the taint key.
func defaultToleration(key string) map[string]any {
	return map[string]any{"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": int64(300)}
}

// sharedDefaultTolerations are the defaultTolerations of defaultTolerationKeys, for the pods of servers whose
// built-in plugins may share values (sharesBuiltinValues). They must never be modified.
var sharedDefaultTolerations = [len(defaultTolerationKeys)]map[string]any{
	defaultToleration(defaultTolerationKeys[0]), defaultToleration(defaultTolerationKeys[1]),
}

// admitDefaultTolerations adds NoExecute tolerations of 300 seconds for not-ready and unreachable nodes to a pod
// that does not tolerate them already, as the DefaultTolerationSeconds plugin does.
func (s *Server) admitDefaultTolerations(_ context.Context, req *AdmissionRequest) error {
	spec, _ := req.Object["spec"].(map[string]any)
	if spec == nil {
		return nil
	}
	tolerations, _ := spec["tolerations"].([]any)
	var tolerated [len(defaultTolerationKeys)]bool
	for _, t := range tolerations {
		tol, _ := t.(map[string]any)
		key, _ := tol["key"].(string)
		effect, _ := tol["effect"].(string)
		if effect != "" && effect != "NoExecute" {
			continue
		}
		for i, k := range defaultTolerationKeys {
			tolerated[i] = tolerated[i] || key == "" || key == k
		}
	}
	added := 0
	for _, t := range tolerated {
		if !t {
			added++
		}
	}
	if added == 0 {
		return nil
	}
	tolerations = append(make([]any, 0, len(tolerations)+added), tolerations...)
	for i, k := range defaultTolerationKeys {
		switch {
		case tolerated[i]:
		case s.sharesBuiltinValues():
			tolerations = append(tolerations, sharedDefaultTolerations[i])
		default:
			tolerations = append(tolerations, defaultToleration(k))
		}
	}
	spec["tolerations"] = tolerations
	return nil
}
