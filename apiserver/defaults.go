package apiserver

import (
	"iter"
	"math"
	"math/big"
	"net/netip"
	"regexp"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// defaultObject applies kube-apiserver's defaulting for the kind to obj, a decoded JSON object
// (map[string]any, []any, string, int64, float64, bool, nil — what internal/jsontree.DecodeObject returns),
// in place, and reports whether it changed anything.
//
// The rules are those of kube-apiserver v1.37 with its default feature gates: the SetDefaults_* functions of
// k8s.io/kubernetes pkg/apis/<group>/<version>/defaults.go, the +default markers of the API types, and the
// generated zz_generated.defaults.go that applies them to every nested struct (a pod template in a workload gets
// the pod-spec defaults, not the Pod-only ones). A field counts as unset the way kube's decoder sees it: a pointer
// field when absent or null, a plain string or number when absent, null, "" or 0. Values of the wrong JSON type are
// left alone for validation to report. Numbers written are int64; int-or-string percentages are strings.
//
// Kinds kube does not default (ConfigMap, ServiceAccount, Event, ResourceQuota, ControllerRevision, Ingress,
// PodDisruptionBudget, Role, ClusterRole, Lease) and unknown kinds are left unchanged. Not here, because kube does
// them outside its defaulters: clusterIP and nodePort allocation, the namespace finalizer (addNamespaceFinalizer),
// the pod's status.qosClass (podQOSClass), job selectors.
func defaultObject(gvk types.GroupVersionKind, obj map[string]any) bool {
	if gvk.Version != "v1" || obj == nil {
		return false
	}
	apply, ok := defaulters[gvk.GroupKind()]
	if !ok {
		return false
	}
	var d defaulter
	apply(&d, obj)
	return d.changed
}

// defaulters are the defaulting functions of the kinds kube defaults, by group and kind (version v1).
var defaulters = map[types.GroupKind]func(d *defaulter, obj map[string]any){
	{Kind: "Pod"}:                   (*defaulter).pod,
	{Kind: "ReplicationController"}: (*defaulter).replicationController,
	{Kind: "Service"}:               (*defaulter).service,
	{Kind: "Namespace"}:             (*defaulter).namespace,
	{Kind: "Secret"}: func(d *defaulter, obj map[string]any) {
		d.setIfEmpty(obj, "type", "Opaque") // core/v1 defaults.go SetDefaults_Secret
	},
	{Kind: "Endpoints"}: func(d *defaulter, obj map[string]any) {
		for subset := range d.items(obj, "subsets") { // core/v1 defaults.go SetDefaults_Endpoints
			for port := range d.items(subset, "ports") {
				d.setIfEmpty(port, "protocol", "TCP")
			}
		}
	},
	{Kind: "LimitRange"}:                (*defaulter).limitRange,
	{Kind: "Node"}:                      (*defaulter).nodeStatus,
	{Kind: "PersistentVolume"}:          (*defaulter).persistentVolume,
	{Kind: "PersistentVolumeClaim"}:     (*defaulter).persistentVolumeClaim,
	{Group: "apps", Kind: "Deployment"}: (*defaulter).deployment,
	{Group: "apps", Kind: "ReplicaSet"}: func(d *defaulter, obj map[string]any) {
		spec := d.object(obj, "spec") // apps/v1 defaults.go SetDefaults_ReplicaSet
		d.setIfUnset(spec, "replicas", int64(1))
		d.podTemplate(spec)
	},
	{Group: "apps", Kind: "StatefulSet"}:                (*defaulter).statefulSet,
	{Group: "apps", Kind: "DaemonSet"}:                  (*defaulter).daemonSet,
	{Group: "batch", Kind: "Job"}:                       (*defaulter).job,
	{Group: "batch", Kind: "CronJob"}:                   (*defaulter).cronJob,
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}: (*defaulter).networkPolicy,
	{Group: "networking.k8s.io", Kind: "IngressClass"}: func(d *defaulter, obj map[string]any) { // networking/v1 defaults.go SetDefaults_IngressClass
		if params := d.sub(d.sub(obj, "spec"), "parameters"); params != nil {
			d.setIfUnset(params, "scope", "Cluster")
		}
	},
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}:        (*defaulter).roleBinding,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}: (*defaulter).roleBinding,
	{Group: "discovery.k8s.io", Kind: "EndpointSlice"}: func(d *defaulter, obj map[string]any) {
		for port := range d.items(obj, "ports") { // discovery/v1 defaults.go SetDefaults_EndpointPort
			d.setIfUnset(port, "name", "")
			d.setIfUnset(port, "protocol", "TCP")
		}
	},
	{Group: "storage.k8s.io", Kind: "StorageClass"}: func(d *defaulter, obj map[string]any) {
		d.setIfUnset(obj, "reclaimPolicy", "Delete") // storage/v1 defaults.go SetDefaults_StorageClass
		d.setIfUnset(obj, "volumeBindingMode", "Immediate")
	},
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}: func(d *defaulter, obj map[string]any) {
		d.setIfUnset(obj, "preemptionPolicy", "PreemptLowerPriority") // scheduling/v1 defaults.go
	},
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: (*defaulter).customResourceDefinition,
}

// addNamespaceFinalizer appends the "kubernetes" finalizer to a namespace's spec.finalizers unless it is there, as
// kube-apiserver does on create only (pkg/registry/core/namespace/strategy.go PrepareForCreate), and reports whether
// it changed ns. It is not part of defaultObject because the finalizer is removed over the namespace's life and an
// update must not bring it back.
func addNamespaceFinalizer(ns map[string]any) bool {
	var d defaulter
	spec := d.object(ns, "spec")
	if spec == nil {
		return false
	}
	finalizers, ok := spec["finalizers"].([]any)
	if !ok && spec["finalizers"] != nil {
		return d.changed
	}
	for _, f := range finalizers {
		if f == "kubernetes" {
			return d.changed
		}
	}
	d.set(spec, "finalizers", append(append([]any(nil), finalizers...), "kubernetes"))
	return d.changed
}

// defaulter applies defaults to a JSON tree and records whether it changed anything. Every method accepts nil
// maps and does nothing with them.
type defaulter struct{ changed bool }

// set stores v at m[key].
func (d *defaulter) set(m map[string]any, key string, v any) {
	if m != nil {
		m[key] = v
		d.changed = true
	}
}

// setIfUnset sets a pointer field: absent or null.
func (d *defaulter) setIfUnset(m map[string]any, key string, v any) {
	if m != nil && m[key] == nil {
		d.set(m, key, v)
	}
}

// setIfEmpty sets a plain string or number field: absent, null, "" or 0.
func (d *defaulter) setIfEmpty(m map[string]any, key string, v any) {
	if m != nil && d.isEmpty(m[key]) {
		d.set(m, key, v)
	}
}

// isEmpty reports whether v is what a Go string or number field holds when the JSON leaves it out.
func (*defaulter) isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case int64:
		return v == 0
	case float64:
		return v == 0
	}
	return false
}

// object returns m[key] as an object, creating an empty one when it is absent or null: the defaulters reach into
// non-pointer structs, which exist even when the JSON leaves them out. Another type yields nil.
func (d *defaulter) object(m map[string]any, key string) map[string]any {
	if m == nil {
		return nil
	}
	switch v := m[key].(type) {
	case map[string]any:
		return v
	case nil:
		o := map[string]any{}
		d.set(m, key, o)
		return o
	}
	return nil
}

// sub returns m[key] when it is an object (a pointer struct that is set), or nil.
func (*defaulter) sub(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

// items yields the object elements of the list m[key] (an iterator, so that visiting them allocates nothing).
func (*defaulter) items(m map[string]any, key string) iter.Seq[map[string]any] {
	list, _ := m[key].([]any)
	return func(yield func(map[string]any) bool) {
		for _, e := range list {
			if o, ok := e.(map[string]any); ok && !yield(o) {
				return
			}
		}
	}
}

// size is len of a list or object value, 0 for anything else: the "len(x) == 0" of kube's defaulters.
func (*defaulter) size(v any) int {
	switch v := v.(type) {
	case []any:
		return len(v)
	case map[string]any:
		return len(v)
	}
	return 0
}

// integer returns a JSON number as an int64.
func (*defaulter) integer(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true
		}
	}
	return 0, false
}

// copyObject returns a shallow copy of an object whose values are scalars (labels, resource lists).
func (*defaulter) copyObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// pod applies SetDefaults_Pod (core/v1 defaults.go) and then the pod-spec defaults every template gets.
func (d *defaulter) pod(obj map[string]any) {
	spec := d.object(obj, "spec")
	for _, key := range []string{"containers", "initContainers"} {
		for c := range d.items(spec, key) {
			// Limits without requests: requests take the limits' values.
			res := d.sub(c, "resources")
			limits := d.sub(res, "limits")
			if len(limits) == 0 {
				continue
			}
			requests := d.object(res, "requests")
			if requests == nil {
				continue
			}
			for name, v := range limits {
				if _, ok := requests[name]; !ok {
					d.set(requests, name, v)
				}
			}
		}
	}
	d.setIfUnset(spec, "enableServiceLinks", true)
	if spec["hostNetwork"] == true {
		// With host networking every container port is a host port.
		for _, key := range []string{"containers", "initContainers"} {
			for c := range d.items(spec, key) {
				for port := range d.items(c, "ports") {
					if n, ok := d.integer(port["containerPort"]); ok && n != 0 && d.isEmpty(port["hostPort"]) {
						d.set(port, "hostPort", n)
					}
				}
			}
		}
	}
	d.podSpec(spec)
}

// podTemplate applies the pod-spec defaults to spec.template.spec of a workload whose template is not a pointer.
func (d *defaulter) podTemplate(spec map[string]any) {
	d.podSpec(d.object(d.object(spec, "template"), "spec"))
}

// podSpec applies SetDefaults_PodSpec and the defaults of the structs inside a pod spec (core/v1 defaults.go,
// zz_generated.defaults.go).
func (d *defaulter) podSpec(spec map[string]any) {
	if spec == nil {
		return
	}
	d.setIfEmpty(spec, "dnsPolicy", "ClusterFirst")
	d.setIfEmpty(spec, "restartPolicy", "Always")
	d.setIfUnset(spec, "securityContext", map[string]any{})
	d.setIfUnset(spec, "terminationGracePeriodSeconds", int64(30))
	d.setIfEmpty(spec, "schedulerName", "default-scheduler")
	d.serviceAccountAlias(spec)
	for v := range d.items(spec, "volumes") {
		d.volume(v)
	}
	for _, key := range []string{"initContainers", "containers", "ephemeralContainers"} {
		for c := range d.items(spec, key) {
			d.container(c)
		}
	}
}

// serviceAccountAlias keeps the deprecated spec.serviceAccount equal to spec.serviceAccountName, as the v1
// conversion of a pod spec does (Convert_core_PodSpec_To_v1_PodSpec): a spec naming its account only by the
// deprecated field gets serviceAccountName from it.
func (d *defaulter) serviceAccountAlias(spec map[string]any) {
	name, _ := spec["serviceAccountName"].(string)
	if name == "" {
		if deprecated, _ := spec["serviceAccount"].(string); deprecated != "" {
			d.set(spec, "serviceAccountName", deprecated)
			name = deprecated
		}
	}
	if name != "" && spec["serviceAccount"] != name {
		d.set(spec, "serviceAccount", name)
	}
}

// container applies SetDefaults_Container and the defaults of its ports, env, probes and lifecycle handlers.
func (d *defaulter) container(c map[string]any) {
	if d.isEmpty(c["imagePullPolicy"]) {
		image, _ := c["image"].(string)
		d.set(c, "imagePullPolicy", pullPolicyForImage(image))
	}
	d.setIfEmpty(c, "terminationMessagePath", "/dev/termination-log")
	d.setIfEmpty(c, "terminationMessagePolicy", "File")
	for port := range d.items(c, "ports") {
		d.setIfEmpty(port, "protocol", "TCP") // +default="TCP"
	}
	for env := range d.items(c, "env") {
		from := d.sub(env, "valueFrom")
		d.setIfEmpty(d.sub(from, "fieldRef"), "apiVersion", "v1")  // SetDefaults_ObjectFieldSelector
		d.setIfUnset(d.sub(from, "fileKeyRef"), "optional", false) // FileKeySelector +default=false
	}
	for _, key := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		probe := d.sub(c, key)
		if probe == nil {
			continue
		}
		// SetDefaults_Probe
		d.setIfEmpty(probe, "timeoutSeconds", int64(1))
		d.setIfEmpty(probe, "periodSeconds", int64(10))
		d.setIfEmpty(probe, "successThreshold", int64(1))
		d.setIfEmpty(probe, "failureThreshold", int64(3))
		d.httpGet(d.sub(probe, "httpGet"))
		d.setIfUnset(d.sub(probe, "grpc"), "service", "") // GRPCAction +default=""
	}
	lifecycle := d.sub(c, "lifecycle")
	for _, key := range []string{"postStart", "preStop"} {
		d.httpGet(d.sub(d.sub(lifecycle, key), "httpGet"))
	}
}

// httpGet applies SetDefaults_HTTPGetAction.
func (d *defaulter) httpGet(action map[string]any) {
	d.setIfEmpty(action, "path", "/")
	d.setIfEmpty(action, "scheme", "HTTP")
}

// defaultedVolumeSources are the members of core/v1 VolumeSource; a volume with none of them set is an emptyDir.
var defaultedVolumeSources = map[string]bool{"hostPath": true, "emptyDir": true, "gcePersistentDisk": true,
	"awsElasticBlockStore": true, "gitRepo": true, "secret": true, "nfs": true, "iscsi": true, "glusterfs": true,
	"persistentVolumeClaim": true, "rbd": true, "flexVolume": true, "cinder": true, "cephfs": true, "flocker": true,
	"downwardAPI": true, "fc": true, "azureFile": true, "configMap": true, "vsphereVolume": true, "quobyte": true,
	"azureDisk": true, "photonPersistentDisk": true, "projected": true, "portworxVolume": true, "scaleIO": true,
	"storageos": true, "csi": true, "ephemeral": true, "image": true}

// volume applies SetDefaults_Volume and the defaults of the pod volume sources.
func (d *defaulter) volume(v map[string]any) {
	hasSource := false
	for key, src := range v { // the volume's few members, not the thirty sources
		hasSource = hasSource || src != nil && defaultedVolumeSources[key]
	}
	if !hasSource {
		d.set(v, "emptyDir", map[string]any{})
	}
	if image := d.sub(v, "image"); image != nil && d.isEmpty(image["pullPolicy"]) { // ImageVolume is on
		ref, _ := image["reference"].(string)
		d.set(image, "pullPolicy", pullPolicyForImage(ref))
	}
	d.volumeSource(v)
	const mode = int64(0o644) // the defaultMode of secret, configMap, downwardAPI and projected volumes
	d.setIfUnset(d.sub(v, "secret"), "defaultMode", mode)
	d.setIfUnset(d.sub(v, "configMap"), "defaultMode", mode)
	if downward := d.sub(v, "downwardAPI"); downward != nil {
		d.setIfUnset(downward, "defaultMode", mode)
		for item := range d.items(downward, "items") {
			d.setIfEmpty(d.sub(item, "fieldRef"), "apiVersion", "v1")
		}
	}
	if projected := d.sub(v, "projected"); projected != nil {
		d.setIfUnset(projected, "defaultMode", mode)
		for source := range d.items(projected, "sources") {
			for item := range d.items(d.sub(source, "downwardAPI"), "items") {
				d.setIfEmpty(d.sub(item, "fieldRef"), "apiVersion", "v1")
			}
			// SetDefaults_ServiceAccountTokenProjection: one hour
			d.setIfUnset(d.sub(source, "serviceAccountToken"), "expirationSeconds", int64(3600))
		}
	}
	if claim := d.sub(d.sub(v, "ephemeral"), "volumeClaimTemplate"); claim != nil {
		d.setIfUnset(d.object(claim, "spec"), "volumeMode", "Filesystem")
	}
}

// volumeSource applies the defaults that pod volumes and persistent volumes share: SetDefaults_HostPathVolumeSource,
// SetDefaults_AzureDiskVolumeSource, SetDefaults_ScaleIO(Persistent)VolumeSource and the +default markers of the
// RBD and iSCSI sources.
func (d *defaulter) volumeSource(src map[string]any) {
	d.setIfUnset(d.sub(src, "hostPath"), "type", "")
	if rbd := d.sub(src, "rbd"); rbd != nil {
		d.setIfEmpty(rbd, "pool", "rbd")
		d.setIfEmpty(rbd, "user", "admin")
		d.setIfEmpty(rbd, "keyring", "/etc/ceph/keyring")
	}
	d.setIfEmpty(d.sub(src, "iscsi"), "iscsiInterface", "default")
	if azure := d.sub(src, "azureDisk"); azure != nil {
		d.setIfUnset(azure, "cachingMode", "ReadWrite")
		d.setIfUnset(azure, "fsType", "ext4")
		d.setIfUnset(azure, "readOnly", false)
		d.setIfUnset(azure, "kind", "Shared")
	}
	if scaleIO := d.sub(src, "scaleIO"); scaleIO != nil {
		d.setIfEmpty(scaleIO, "storageMode", "ThinProvisioned")
		d.setIfEmpty(scaleIO, "fsType", "xfs")
	}
}

// replicationController applies SetDefaults_ReplicationController and the +default=1 of spec.replicas.
func (d *defaulter) replicationController(obj map[string]any) {
	spec := d.object(obj, "spec")
	d.setIfUnset(spec, "replicas", int64(1))
	template := d.sub(spec, "template")
	if template == nil {
		return
	}
	if labels := d.sub(d.sub(template, "metadata"), "labels"); len(labels) > 0 {
		if d.size(spec["selector"]) == 0 {
			d.set(spec, "selector", d.copyObject(labels))
		}
		if meta := d.object(obj, "metadata"); meta != nil && d.size(meta["labels"]) == 0 {
			d.set(meta, "labels", d.copyObject(labels))
		}
	}
	d.podSpec(d.object(template, "spec"))
}

// service applies SetDefaults_Service (core/v1 defaults.go) and the IP family defaults of the service allocator.
func (d *defaulter) service(obj map[string]any) {
	spec := d.object(obj, "spec")
	if spec == nil {
		return
	}
	d.setIfEmpty(spec, "sessionAffinity", "None")
	switch spec["sessionAffinity"] {
	case "None":
		if spec["sessionAffinityConfig"] != nil {
			delete(spec, "sessionAffinityConfig")
			d.changed = true
		}
	case "ClientIP":
		if d.sub(d.sub(spec, "sessionAffinityConfig"), "clientIP")["timeoutSeconds"] == nil {
			d.set(spec, "sessionAffinityConfig", map[string]any{"clientIP": map[string]any{"timeoutSeconds": int64(10800)}})
		}
	}
	d.setIfEmpty(spec, "type", "ClusterIP")
	for port := range d.items(spec, "ports") {
		d.setIfEmpty(port, "protocol", "TCP")
		if d.isEmpty(port["targetPort"]) {
			n, _ := d.integer(port["port"])
			if current, ok := d.integer(port["targetPort"]); !ok || current != n {
				d.set(port, "targetPort", n)
			}
		}
	}
	typ := spec["type"]
	// pkg/api/v1/service/util.go ExternallyAccessible
	external := typ == "LoadBalancer" || typ == "NodePort" || (typ == "ClusterIP" && d.size(spec["externalIPs"]) > 0)
	if external {
		d.setIfEmpty(spec, "externalTrafficPolicy", "Cluster")
	}
	if typ == "ClusterIP" || typ == "NodePort" || typ == "LoadBalancer" {
		d.setIfUnset(spec, "internalTrafficPolicy", "Cluster")
	}
	if typ == "LoadBalancer" {
		d.setIfUnset(spec, "allocateLoadBalancerNodePorts", true)
		for ingress := range d.items(d.sub(d.sub(obj, "status"), "loadBalancer"), "ingress") {
			if !d.isEmpty(ingress["ip"]) {
				d.setIfUnset(ingress, "ipMode", "VIP")
			}
		}
	}
	d.serviceIPFamilies(spec)
}

// serviceIPFamilies sets spec.ipFamilyPolicy and spec.ipFamilies as kube-apiserver's service allocator does on a
// single-stack IPv4 cluster (pkg/registry/core/service/storage/alloc.go initIPFamilyFields), given no old object:
// on an update that leaves ipFamilyPolicy out kube keeps the old policy instead. A cluster IP of a family the cluster
// does not have is left for the allocator to refuse.
func (d *defaulter) serviceIPFamilies(spec map[string]any) {
	if spec["type"] == "ExternalName" {
		return
	}
	var ips []string
	if list, ok := spec["clusterIPs"].([]any); ok && len(list) > 0 {
		for _, ip := range list {
			s, _ := ip.(string)
			ips = append(ips, s)
		}
	} else if ip, _ := spec["clusterIP"].(string); ip != "" {
		ips = []string{ip}
	}
	headlessWithoutSelector := len(ips) > 0 && ips[0] == "None" && d.size(spec["selector"]) == 0
	families, ok := spec["ipFamilies"].([]any)
	if !ok && spec["ipFamilies"] != nil {
		return
	}
	families = append([]any(nil), families...)
	for i, ip := range ips {
		if ip == "None" {
			break
		}
		if i < len(families) {
			continue
		}
		addr, err := netip.ParseAddr(ip)
		if err != nil || !(addr.Is4() || addr.Is4In6()) {
			return
		}
		families = append(families, "IPv4")
	}
	if headlessWithoutSelector {
		d.setIfUnset(spec, "ipFamilyPolicy", "RequireDualStack")
	} else {
		d.setIfUnset(spec, "ipFamilyPolicy", "SingleStack")
	}
	if len(families) == 0 {
		families = []any{"IPv4"}
	}
	if headlessWithoutSelector && len(families) == 1 && spec["ipFamilyPolicy"] != "SingleStack" {
		// Headless services without a selector may have both families even on a single-stack cluster.
		other := "IPv6"
		if families[0] == "IPv6" {
			other = "IPv4"
		}
		families = append(families, other)
	}
	if len(families) != d.size(spec["ipFamilies"]) {
		d.set(spec, "ipFamilies", families)
	}
}

// namespace applies SetDefaults_Namespace (the kubernetes.io/metadata.name label) and SetDefaults_NamespaceStatus.
func (d *defaulter) namespace(obj map[string]any) {
	meta := d.object(obj, "metadata")
	if name, _ := meta["name"].(string); name != "" {
		if labels := d.object(meta, "labels"); labels != nil && labels["kubernetes.io/metadata.name"] != name {
			d.set(labels, "kubernetes.io/metadata.name", name)
		}
	}
	d.setIfEmpty(d.object(obj, "status"), "phase", "Active")
}

// limitRange applies SetDefaults_LimitRangeItem to the Container items: default from max, defaultRequest from
// default, then from min.
func (d *defaulter) limitRange(obj map[string]any) {
	for item := range d.items(d.sub(obj, "spec"), "limits") {
		if item["type"] != "Container" {
			continue
		}
		fill := func(key string, from map[string]any) {
			if len(from) == 0 {
				return
			}
			to := d.object(item, key)
			for name, v := range from {
				if _, ok := to[name]; !ok && to != nil {
					d.set(to, name, v)
				}
			}
		}
		fill("default", d.sub(item, "max"))
		fill("defaultRequest", d.sub(item, "default"))
		fill("defaultRequest", d.sub(item, "min"))
	}
}

// nodeStatus applies SetDefaults_NodeStatus: allocatable defaults to capacity.
func (d *defaulter) nodeStatus(obj map[string]any) {
	status := d.sub(obj, "status")
	if capacity := d.sub(status, "capacity"); len(capacity) > 0 && status["allocatable"] == nil {
		d.set(status, "allocatable", d.copyObject(capacity))
	}
}

// persistentVolume applies SetDefaults_PersistentVolume and the defaults of its volume source.
func (d *defaulter) persistentVolume(obj map[string]any) {
	d.setIfEmpty(d.object(obj, "status"), "phase", "Pending")
	spec := d.object(obj, "spec")
	d.setIfEmpty(spec, "persistentVolumeReclaimPolicy", "Retain")
	d.setIfUnset(spec, "volumeMode", "Filesystem")
	d.volumeSource(spec)
}

// persistentVolumeClaim applies SetDefaults_PersistentVolumeClaim and SetDefaults_PersistentVolumeClaimSpec, also
// to a StatefulSet's volumeClaimTemplates.
func (d *defaulter) persistentVolumeClaim(obj map[string]any) {
	d.setIfEmpty(d.object(obj, "status"), "phase", "Pending")
	d.setIfUnset(d.object(obj, "spec"), "volumeMode", "Filesystem")
}

// deployment applies SetDefaults_Deployment (apps/v1 defaults.go).
func (d *defaulter) deployment(obj map[string]any) {
	spec := d.object(obj, "spec")
	d.setIfUnset(spec, "replicas", int64(1))
	strategy := d.object(spec, "strategy")
	d.setIfEmpty(strategy, "type", "RollingUpdate")
	if strategy != nil && strategy["type"] == "RollingUpdate" {
		rolling := d.object(strategy, "rollingUpdate")
		d.setIfUnset(rolling, "maxUnavailable", "25%")
		d.setIfUnset(rolling, "maxSurge", "25%")
	}
	d.setIfUnset(spec, "revisionHistoryLimit", int64(10))
	d.setIfUnset(spec, "progressDeadlineSeconds", int64(600))
	d.podTemplate(spec)
}

// daemonSet applies SetDefaults_DaemonSet (apps/v1 defaults.go).
func (d *defaulter) daemonSet(obj map[string]any) {
	spec := d.object(obj, "spec")
	strategy := d.object(spec, "updateStrategy")
	d.setIfEmpty(strategy, "type", "RollingUpdate")
	if strategy != nil && strategy["type"] == "RollingUpdate" {
		rolling := d.object(strategy, "rollingUpdate")
		d.setIfUnset(rolling, "maxUnavailable", int64(1))
		d.setIfUnset(rolling, "maxSurge", int64(0))
	}
	d.setIfUnset(spec, "revisionHistoryLimit", int64(10))
	d.podTemplate(spec)
}

// statefulSet applies SetDefaults_StatefulSet (apps/v1 defaults.go) and the claim defaults of its
// volumeClaimTemplates.
func (d *defaulter) statefulSet(obj map[string]any) {
	spec := d.object(obj, "spec")
	d.setIfEmpty(spec, "podManagementPolicy", "OrderedReady")
	strategy := d.object(spec, "updateStrategy")
	if strategy != nil && d.isEmpty(strategy["type"]) {
		d.set(strategy, "type", "RollingUpdate")
		d.object(strategy, "rollingUpdate") // takes the partition below
	}
	if strategy != nil && strategy["type"] == "RollingUpdate" {
		d.setIfUnset(d.sub(strategy, "rollingUpdate"), "partition", int64(0))
	}
	retention := d.object(spec, "persistentVolumeClaimRetentionPolicy") // StatefulSetAutoDeletePVC is GA
	d.setIfEmpty(retention, "whenDeleted", "Retain")
	d.setIfEmpty(retention, "whenScaled", "Retain")
	d.setIfUnset(spec, "replicas", int64(1))
	d.setIfUnset(spec, "revisionHistoryLimit", int64(10))
	d.podTemplate(spec)
	for claim := range d.items(spec, "volumeClaimTemplates") {
		d.persistentVolumeClaim(claim)
	}
}

// job applies SetDefaults_Job (batch/v1 defaults.go) with JobPodReplacementPolicy on (GA).
func (d *defaulter) job(obj map[string]any) {
	spec := d.object(obj, "spec")
	if spec == nil {
		return
	}
	if spec["completions"] == nil && spec["parallelism"] == nil {
		d.set(spec, "completions", int64(1))
		d.set(spec, "parallelism", int64(1))
	}
	d.setIfUnset(spec, "parallelism", int64(1))
	if spec["backoffLimit"] == nil {
		if spec["backoffLimitPerIndex"] != nil {
			d.set(spec, "backoffLimit", int64(math.MaxInt32))
		} else {
			d.set(spec, "backoffLimit", int64(6))
		}
	}
	template := d.object(spec, "template")
	if labels := d.sub(d.sub(template, "metadata"), "labels"); len(labels) > 0 {
		if meta := d.object(obj, "metadata"); meta != nil && d.size(meta["labels"]) == 0 {
			d.set(meta, "labels", d.copyObject(labels))
		}
	}
	d.setIfUnset(spec, "completionMode", "NonIndexed")
	d.setIfUnset(spec, "suspend", false)
	d.podFailurePolicy(spec)
	if spec["podFailurePolicy"] != nil {
		d.setIfUnset(spec, "podReplacementPolicy", "Failed")
	} else {
		d.setIfUnset(spec, "podReplacementPolicy", "TerminatingOrFailed")
	}
	d.setIfUnset(spec, "manualSelector", false)
	d.podSpec(d.object(template, "spec"))
}

// podFailurePolicy applies SetDefaults_PodFailurePolicyOnPodConditionsPattern: a pattern matches status True.
func (d *defaulter) podFailurePolicy(jobSpec map[string]any) {
	for rule := range d.items(d.sub(jobSpec, "podFailurePolicy"), "rules") {
		for pattern := range d.items(rule, "onPodConditions") {
			d.setIfEmpty(pattern, "status", "True")
		}
	}
}

// cronJob applies SetDefaults_CronJob (batch/v1 defaults.go). Its job template is a JobTemplateSpec, not a Job, so
// it gets only the defaults of the structs inside it, not SetDefaults_Job.
func (d *defaulter) cronJob(obj map[string]any) {
	spec := d.object(obj, "spec")
	d.setIfEmpty(spec, "concurrencyPolicy", "Allow")
	d.setIfUnset(spec, "suspend", false)
	d.setIfUnset(spec, "successfulJobsHistoryLimit", int64(3))
	d.setIfUnset(spec, "failedJobsHistoryLimit", int64(1))
	jobSpec := d.object(d.object(spec, "jobTemplate"), "spec")
	d.podFailurePolicy(jobSpec)
	d.podTemplate(jobSpec)
}

// networkPolicy applies SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort (networking/v1 defaults.go).
func (d *defaulter) networkPolicy(obj map[string]any) {
	spec := d.object(obj, "spec")
	if spec == nil {
		return
	}
	for _, key := range []string{"ingress", "egress"} {
		for rule := range d.items(spec, key) {
			for port := range d.items(rule, "ports") {
				d.setIfUnset(port, "protocol", "TCP")
			}
		}
	}
	if d.size(spec["policyTypes"]) == 0 {
		policyTypes := []any{"Ingress"}
		if d.size(spec["egress"]) != 0 {
			policyTypes = append(policyTypes, "Egress")
		}
		d.set(spec, "policyTypes", policyTypes)
	}
}

// roleBinding applies SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding and SetDefaults_Subject
// (rbac/v1 defaults.go). A ServiceAccount subject's group is "", which the JSON already says by leaving it out.
func (d *defaulter) roleBinding(obj map[string]any) {
	const group = "rbac.authorization.k8s.io"
	d.setIfEmpty(d.object(obj, "roleRef"), "apiGroup", group)
	for subject := range d.items(obj, "subjects") {
		if kind := subject["kind"]; kind == "User" || kind == "Group" {
			d.setIfEmpty(subject, "apiGroup", group)
		}
	}
}

// customResourceDefinition applies SetDefaults_CustomResourceDefinition(Spec) and SetDefaults_ServiceReference
// (k8s.io/apiextensions-apiserver pkg/apis/apiextensions/v1/defaults.go).
func (d *defaulter) customResourceDefinition(obj map[string]any) {
	spec := d.object(obj, "spec")
	names := d.object(spec, "names")
	if kind, _ := names["kind"].(string); kind != "" {
		d.setIfEmpty(names, "singular", strings.ToLower(kind))
		d.setIfEmpty(names, "listKind", kind+"List")
	}
	d.setIfUnset(spec, "conversion", map[string]any{"strategy": "None"})
	service := d.sub(d.sub(d.sub(d.sub(spec, "conversion"), "webhook"), "clientConfig"), "service")
	d.setIfUnset(service, "port", int64(443))
	status, ok := obj["status"].(map[string]any)
	if (ok || obj["status"] == nil) && d.size(status["storedVersions"]) == 0 {
		for version := range d.items(spec, "versions") {
			if version["storage"] == true {
				d.set(d.object(obj, "status"), "storedVersions", []any{version["name"]})
				break
			}
		}
	}
}

// pullPolicyForImage is SetDefaults_Container's image pull policy: Always when the image's tag is "latest" (which
// a reference with neither tag nor digest gets), IfNotPresent otherwise, including for references that do not
// parse (pkg/util/parsers ParseImageName, github.com/distribution/reference ParseNormalizedNamed). The policy is
// a string constant held as the JSON value the defaulters store, which storing does not allocate.
func pullPolicyForImage(image string) any {
	if imageReferenceTag(image) == "latest" {
		return "Always"
	}
	return "IfNotPresent"
}

// The grammar of image references (github.com/distribution/reference regexp.go).
var (
	imageReferenceRegexp = func() *regexp.Regexp {
		const (
			component   = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
			host        = `(?:` + component + `(?:\.` + component + `)*|\[(?:[a-fA-F0-9:]+)\])`
			domain      = host + `(?::[0-9]+)?`
			path        = `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
			name        = `(?:` + domain + `/)?` + path + `(?:/` + path + `)*`
			tag         = `[\w][\w.-]{0,127}`
			digestMatch = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`
		)
		return regexp.MustCompile(`^(` + name + `)(?::(` + tag + `))?(?:@(` + digestMatch + `))?$`)
	}()
	imageIdentifierRegexp = regexp.MustCompile(`^[a-f0-9]{64}$`)
	imageDigestRegexp     = regexp.MustCompile(`^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$`)
)

// imageTag returns the tag kube reads from an image reference: its tag, "latest" when it has neither tag nor
// digest, and "" when it has only a digest or does not parse.
func imageReferenceTag(image string) string {
	if imageIdentifierRegexp.MatchString(image) {
		return ""
	}
	domain, remainder := splitImageDomain(image)
	remote, _, _ := strings.Cut(remainder, ":")
	if strings.ToLower(remote) != remote {
		return ""
	}
	m := imageReferenceRegexp.FindStringSubmatch(domain + "/" + remainder)
	if m == nil || len(m[1])-len(domain)-1 > 255 {
		return ""
	}
	// Kubernetes registers sha256, sha384 and sha512; go-digest wants lower-case hex of the algorithm's length.
	if m[3] != "" && !imageDigestRegexp.MatchString(m[3]) {
		return ""
	}
	if m[2] == "" && m[3] == "" {
		return "latest"
	}
	return m[2]
}

// splitImageDomain splits an image reference into its registry and the rest, with Docker Hub's defaults
// (github.com/distribution/reference normalize.go splitDockerDomain).
func splitImageDomain(image string) (domain, remainder string) {
	first, rest, ok := strings.Cut(image, "/")
	switch {
	case !ok:
		return "docker.io", "library/" + image
	case first == "localhost" || strings.ContainsAny(first, ".:") || strings.ToLower(first) != first:
		domain, remainder = first, rest
	case first == "index.docker.io":
		domain, remainder = "docker.io", rest
	default:
		domain, remainder = "docker.io", image
	}
	if domain == "docker.io" && !strings.Contains(remainder, "/") {
		remainder = "library/" + remainder
	}
	return domain, remainder
}

// podQOSClass returns the QoS class kube-apiserver records in status.qosClass of a new pod (Guaranteed,
// Burstable or BestEffort), computed from the defaulted pod as pkg/apis/core/v1/helper/qos/qos.go ComputePodQOS
// does with PodLevelResources on: from spec.resources when the pod has pod-level resources, otherwise from the cpu
// and memory requests and limits of every init container and container (not ephemeral containers).
func podQOSClass(pod map[string]any) string {
	spec, _ := pod["spec"].(map[string]any)
	if resources, ok := spec["resources"].(map[string]any); ok {
		return resourcesQOS(resources)
	}
	qos := ""
	for _, key := range []string{"initContainers", "containers"} {
		list, _ := spec[key].([]any)
		for _, c := range list {
			container, _ := c.(map[string]any)
			resources, _ := container["resources"].(map[string]any)
			switch q := resourcesQOS(resources); {
			case q == "Burstable":
				return q
			case qos == "":
				qos = q
			case qos != q:
				return "Burstable" // one BestEffort and one Guaranteed container
			}
		}
	}
	if qos == "" {
		return "BestEffort"
	}
	return qos
}

// resourcesQOS is the QoS class of one set of resource requirements: BestEffort without cpu and memory, Guaranteed
// when both are requested and limited to equal values, Burstable otherwise.
func resourcesQOS(resources map[string]any) string {
	requests, _ := resources["requests"].(map[string]any)
	limits, _ := resources["limits"].(map[string]any)
	if len(requests) == 0 && len(limits) == 0 {
		return "BestEffort"
	}
	qos := ""
	for _, name := range []string{"cpu", "memory"} {
		request, limit := qosQuantity(requests[name]), qosQuantity(limits[name])
		if request.Cmp(limit) != 0 {
			return "Burstable"
		}
		class := "Guaranteed"
		if request.Sign() == 0 {
			class = "BestEffort"
		}
		if qos != "" && qos != class {
			return "Burstable"
		}
		qos = class
	}
	return qos
}

// qosQuantity returns the exact value of a resource quantity (a string such as "250m", "1Gi" or "1e3", or a JSON
// number), parsed as validation parses quantities (vQuantity) and rounded up to milli units as
// SetDefaults_ResourceList rounds it (away from zero). An absent value is 0, and so is one that does not parse,
// which kube's decoder would have refused.
func qosQuantity(v any) *big.Rat {
	if text, ok := v.(string); ok {
		v = strings.TrimSpace(text)
	}
	q, err := vQuantity(v)
	if err != nil {
		return new(big.Rat)
	}
	milli, r := new(big.Int).QuoRem(q.nano, big.NewInt(1_000_000), new(big.Int))
	switch r.Sign() {
	case 1:
		milli.Add(milli, big.NewInt(1))
	case -1:
		milli.Sub(milli, big.NewInt(1))
	}
	return new(big.Rat).SetFrac(milli, big.NewInt(1000))
}
