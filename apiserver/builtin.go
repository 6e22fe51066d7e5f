package apiserver

import "github.com/kubemem/kubemem/types"

// Well-known resources, for convenience. They are plain values; treat them as constants.
var (
	Pods                      = types.GroupVersionResource{Version: "v1", Resource: "pods"}
	Services                  = types.GroupVersionResource{Version: "v1", Resource: "services"}
	ConfigMaps                = types.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	Secrets                   = types.GroupVersionResource{Version: "v1", Resource: "secrets"}
	Namespaces                = types.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	Nodes                     = types.GroupVersionResource{Version: "v1", Resource: "nodes"}
	Events                    = types.GroupVersionResource{Version: "v1", Resource: "events"}
	ServiceAccounts           = types.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
	Deployments               = types.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	ReplicaSets               = types.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	StatefulSets              = types.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}
	DaemonSets                = types.GroupVersionResource{Group: "apps", Version: "v1", Resource: "daemonsets"}
	Jobs                      = types.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
	PriorityClasses           = types.GroupVersionResource{Group: "scheduling.k8s.io", Version: "v1", Resource: "priorityclasses"}
	Leases                    = types.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}
	CustomResourceDefinitions = types.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// podFields are the field selectors pods support (pkg/registry/core/pod/strategy.go PodToSelectableFields).
var podFields = []string{"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
	"spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"}

// eventFields are the field selectors core/v1 events support (pkg/registry/core/event/strategy.go).
var eventFields = []string{"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
	"involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
	"reason", "reportingComponent", "source", "type"}

// builtinResources returns the definitions of every built-in resource kubemem serves. The strategy flags follow
// kube-apiserver's registry strategies (pkg/registry/<group>/<resource>/strategy.go).
func builtinResources() []Resource {
	core := func(resource, kind string, namespaced bool) Resource {
		return Resource{GVR: types.GroupVersionResource{Version: "v1", Resource: resource}, Kind: kind, Namespaced: namespaced, AllowUnconditionalUpdate: true}
	}
	group := func(g, resource, kind string, namespaced bool) Resource {
		return Resource{GVR: types.GroupVersionResource{Group: g, Version: "v1", Resource: resource}, Kind: kind, Namespaced: namespaced, AllowUnconditionalUpdate: true}
	}
	with := func(r Resource, f func(*Resource)) Resource { f(&r); return r }
	all := []string{"all"}
	return []Resource{
		with(core("pods", "Pod", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Categories = "pod", []string{"po"}, all
			r.Subresources = []string{"status", "binding", "eviction", "log"}
			r.ReturnDeletedObject, r.Generation, r.Fields = true, GenerationSpec, podFields
			r.fieldAliases = map[string]string{"spec.host": "spec.nodeName"}
			r.fieldZero = map[string]string{"spec.hostNetwork": "false"}
			r.createStatus = `{"phase":"Pending"}`
		}),
		with(core("services", "Service", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Categories = "service", []string{"svc"}, all
			r.Subresources, r.AllowCreateOnUpdate, r.ReturnDeletedObject = []string{"status"}, true, true
			r.Name, r.Fields = NameDNS1035Label, []string{"spec.clusterIP", "spec.type"}
			r.createStatus = `{"loadBalancer":{}}`
		}),
		with(core("endpoints", "Endpoints", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.AllowCreateOnUpdate = "endpoints", []string{"ep"}, true
		}),
		with(core("configmaps", "ConfigMap", true), func(r *Resource) { r.Singular, r.ShortNames = "configmap", []string{"cm"} }),
		with(core("secrets", "Secret", true), func(r *Resource) { r.Singular, r.Fields = "secret", []string{"type"} }),
		with(core("namespaces", "Namespace", false), func(r *Resource) {
			r.Singular, r.ShortNames, r.Subresources = "namespace", []string{"ns"}, []string{"status", "finalize"}
			r.ReturnDeletedObject, r.Name, r.Fields = true, NameDNSLabel, []string{"status.phase"}
			r.createStatus = `{"phase":"Active"}`
			r.noDeleteCollection = true
		}),
		with(core("nodes", "Node", false), func(r *Resource) {
			r.Singular, r.ShortNames, r.Subresources = "node", []string{"no"}, []string{"status", "proxy"}
			r.Fields, r.keepStatus = []string{"spec.unschedulable"}, true
			r.fieldZero = map[string]string{"spec.unschedulable": "false"}
		}),
		with(core("events", "Event", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.AllowCreateOnUpdate, r.Fields = "event", []string{"ev"}, true, eventFields
		}),
		with(core("serviceaccounts", "ServiceAccount", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.AllowCreateOnUpdate = "serviceaccount", []string{"sa"}, true
			r.Subresources = []string{"token"}
		}),
		with(core("persistentvolumes", "PersistentVolume", false), func(r *Resource) {
			r.Singular, r.ShortNames, r.Subresources = "persistentvolume", []string{"pv"}, []string{"status"}
			r.createStatus = `{"phase":"Pending"}`
		}),
		with(core("persistentvolumeclaims", "PersistentVolumeClaim", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Subresources = "persistentvolumeclaim", []string{"pvc"}, []string{"status"}
			r.createStatus = `{"phase":"Pending"}`
		}),
		with(core("replicationcontrollers", "ReplicationController", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Categories = "replicationcontroller", []string{"rc"}, all
			r.Subresources, r.Generation, r.Fields = []string{"status", "scale"}, GenerationSpec, []string{"status.replicas"}
			r.fieldZero = map[string]string{"status.replicas": "0"}
		}),
		with(core("limitranges", "LimitRange", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.AllowCreateOnUpdate = "limitrange", []string{"limits"}, true
		}),
		with(core("resourcequotas", "ResourceQuota", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Subresources = "resourcequota", []string{"quota"}, []string{"status"}
		}),
		with(group("apps", "deployments", "Deployment", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Categories = "deployment", []string{"deploy"}, all
			r.Subresources, r.Generation = []string{"status", "scale"}, GenerationSpecOrAnnotations
		}),
		with(group("apps", "replicasets", "ReplicaSet", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Categories = "replicaset", []string{"rs"}, all
			r.Subresources, r.Generation, r.Fields = []string{"status", "scale"}, GenerationSpec, []string{"status.replicas"}
			r.fieldZero = map[string]string{"status.replicas": "0"}
		}),
		with(group("apps", "statefulsets", "StatefulSet", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Categories = "statefulset", []string{"sts"}, all
			r.Subresources, r.Generation = []string{"status", "scale"}, GenerationSpec
		}),
		with(group("apps", "daemonsets", "DaemonSet", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Categories = "daemonset", []string{"ds"}, all
			r.Subresources, r.Generation = []string{"status"}, GenerationSpec
		}),
		with(group("apps", "controllerrevisions", "ControllerRevision", true), func(r *Resource) { r.Singular = "controllerrevision" }),
		with(group("batch", "jobs", "Job", true), func(r *Resource) {
			r.Singular, r.Categories, r.Subresources = "job", all, []string{"status"}
			r.Generation, r.Fields = GenerationSpec, []string{"status.successful"}
			// kube's job field label status.successful reads status.succeeded
			r.fieldAliases = map[string]string{"status.successful": "status.succeeded"}
			r.fieldZero = map[string]string{"status.succeeded": "0"}
		}),
		with(group("batch", "cronjobs", "CronJob", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Categories = "cronjob", []string{"cj"}, all
			r.Subresources, r.Generation = []string{"status"}, GenerationSpec
		}),
		with(group("networking.k8s.io", "ingresses", "Ingress", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Subresources, r.Generation = "ingress", []string{"ing"}, []string{"status"}, GenerationSpec
		}),
		with(group("networking.k8s.io", "networkpolicies", "NetworkPolicy", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Generation = "networkpolicy", []string{"netpol"}, GenerationSpec
		}),
		with(group("networking.k8s.io", "ingressclasses", "IngressClass", false), func(r *Resource) {
			r.Singular, r.Generation = "ingressclass", GenerationSpec
		}),
		with(group("policy", "poddisruptionbudgets", "PodDisruptionBudget", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.Subresources, r.Generation = "poddisruptionbudget", []string{"pdb"}, []string{"status"}, GenerationSpec
		}),
		with(group("rbac.authorization.k8s.io", "roles", "Role", true), func(r *Resource) {
			r.Singular, r.AllowCreateOnUpdate, r.Name = "role", true, NamePathSegment
		}),
		with(group("rbac.authorization.k8s.io", "rolebindings", "RoleBinding", true), func(r *Resource) {
			r.Singular, r.AllowCreateOnUpdate, r.Name = "rolebinding", true, NamePathSegment
		}),
		with(group("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false), func(r *Resource) {
			r.Singular, r.AllowCreateOnUpdate, r.Name = "clusterrole", true, NamePathSegment
		}),
		with(group("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", false), func(r *Resource) {
			r.Singular, r.AllowCreateOnUpdate, r.Name = "clusterrolebinding", true, NamePathSegment
		}),
		with(group("coordination.k8s.io", "leases", "Lease", true), func(r *Resource) {
			r.Singular, r.AllowCreateOnUpdate = "lease", true
		}),
		with(group("discovery.k8s.io", "endpointslices", "EndpointSlice", true), func(r *Resource) {
			r.Singular, r.Generation = "endpointslice", GenerationBody
		}),
		with(group("events.k8s.io", "events", "Event", true), func(r *Resource) {
			r.Singular, r.ShortNames, r.AllowCreateOnUpdate = "event", []string{"ev"}, true
			r.Fields = []string{"reason", "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
				"regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath", "reportingController", "type"}
		}),
		with(group("storage.k8s.io", "storageclasses", "StorageClass", false), func(r *Resource) {
			r.Singular, r.ShortNames = "storageclass", []string{"sc"}
		}),
		with(group("scheduling.k8s.io", "priorityclasses", "PriorityClass", false), func(r *Resource) {
			r.Singular, r.ShortNames = "priorityclass", []string{"pc"}
		}),
		with(group("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", false), func(r *Resource) {
			r.Singular, r.ShortNames, r.Categories = "customresourcedefinition", []string{"crd", "crds"}, []string{"api-extensions"}
			r.Subresources, r.Generation = []string{"status"}, GenerationSpec
			r.AllowUnconditionalUpdate = false // apiextensions-apiserver's CRD strategy
		}),
	}
}
