package main

import (
	_ "embed"
	"fmt"
	"reflect"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rootKind is one kind of the schema: its apiVersion and a value of its Go type.
type rootKind struct {
	apiVersion string
	obj        any
}

func (k rootKind) kind() string { return reflect.TypeOf(k.obj).Elem().Name() }

// kinds are the kinds of the resources in apiserver/builtin.go, plus the kinds of the subresources kube-apiserver
// serves for them (scale, binding, eviction).
var kinds = []rootKind{
	{"v1", &corev1.Pod{}},
	{"v1", &corev1.Service{}},
	{"v1", &corev1.Endpoints{}},
	{"v1", &corev1.ConfigMap{}},
	{"v1", &corev1.Secret{}},
	{"v1", &corev1.Namespace{}},
	{"v1", &corev1.Node{}},
	{"v1", &corev1.Event{}},
	{"v1", &corev1.ServiceAccount{}},
	{"v1", &corev1.PersistentVolume{}},
	{"v1", &corev1.PersistentVolumeClaim{}},
	{"v1", &corev1.ReplicationController{}},
	{"v1", &corev1.LimitRange{}},
	{"v1", &corev1.ResourceQuota{}},
	{"v1", &corev1.Binding{}},
	{"apps/v1", &appsv1.Deployment{}},
	{"apps/v1", &appsv1.ReplicaSet{}},
	{"apps/v1", &appsv1.StatefulSet{}},
	{"apps/v1", &appsv1.DaemonSet{}},
	{"apps/v1", &appsv1.ControllerRevision{}},
	{"autoscaling/v1", &autoscalingv1.Scale{}},
	{"batch/v1", &batchv1.Job{}},
	{"batch/v1", &batchv1.CronJob{}},
	{"networking.k8s.io/v1", &networkingv1.Ingress{}},
	{"networking.k8s.io/v1", &networkingv1.NetworkPolicy{}},
	{"networking.k8s.io/v1", &networkingv1.IngressClass{}},
	{"policy/v1", &policyv1.PodDisruptionBudget{}},
	{"policy/v1", &policyv1.Eviction{}},
	{"rbac.authorization.k8s.io/v1", &rbacv1.Role{}},
	{"rbac.authorization.k8s.io/v1", &rbacv1.RoleBinding{}},
	{"rbac.authorization.k8s.io/v1", &rbacv1.ClusterRole{}},
	{"rbac.authorization.k8s.io/v1", &rbacv1.ClusterRoleBinding{}},
	{"coordination.k8s.io/v1", &coordinationv1.Lease{}},
	{"discovery.k8s.io/v1", &discoveryv1.EndpointSlice{}},
	{"events.k8s.io/v1", &eventsv1.Event{}},
	{"storage.k8s.io/v1", &storagev1.StorageClass{}},
	{"scheduling.k8s.io/v1", &schedulingv1.PriorityClass{}},
	{"apiextensions.k8s.io/v1", &apiextensionsv1.CustomResourceDefinition{}},
}

// listKinds are the list kinds of the resources in apiserver/builtin.go, for their protobuf encoding.
var listKinds = []rootKind{
	{"v1", &corev1.PodList{}},
	{"v1", &corev1.ServiceList{}},
	{"v1", &corev1.EndpointsList{}},
	{"v1", &corev1.ConfigMapList{}},
	{"v1", &corev1.SecretList{}},
	{"v1", &corev1.NamespaceList{}},
	{"v1", &corev1.NodeList{}},
	{"v1", &corev1.EventList{}},
	{"v1", &corev1.ServiceAccountList{}},
	{"v1", &corev1.PersistentVolumeList{}},
	{"v1", &corev1.PersistentVolumeClaimList{}},
	{"v1", &corev1.ReplicationControllerList{}},
	{"v1", &corev1.LimitRangeList{}},
	{"v1", &corev1.ResourceQuotaList{}},
	{"apps/v1", &appsv1.DeploymentList{}},
	{"apps/v1", &appsv1.ReplicaSetList{}},
	{"apps/v1", &appsv1.StatefulSetList{}},
	{"apps/v1", &appsv1.DaemonSetList{}},
	{"apps/v1", &appsv1.ControllerRevisionList{}},
	{"batch/v1", &batchv1.JobList{}},
	{"batch/v1", &batchv1.CronJobList{}},
	{"networking.k8s.io/v1", &networkingv1.IngressList{}},
	{"networking.k8s.io/v1", &networkingv1.NetworkPolicyList{}},
	{"networking.k8s.io/v1", &networkingv1.IngressClassList{}},
	{"policy/v1", &policyv1.PodDisruptionBudgetList{}},
	{"rbac.authorization.k8s.io/v1", &rbacv1.RoleList{}},
	{"rbac.authorization.k8s.io/v1", &rbacv1.RoleBindingList{}},
	{"rbac.authorization.k8s.io/v1", &rbacv1.ClusterRoleList{}},
	{"rbac.authorization.k8s.io/v1", &rbacv1.ClusterRoleBindingList{}},
	{"coordination.k8s.io/v1", &coordinationv1.LeaseList{}},
	{"discovery.k8s.io/v1", &discoveryv1.EndpointSliceList{}},
	{"events.k8s.io/v1", &eventsv1.EventList{}},
	{"storage.k8s.io/v1", &storagev1.StorageClassList{}},
	{"scheduling.k8s.io/v1", &schedulingv1.PriorityClassList{}},
	{"apiextensions.k8s.io/v1", &apiextensionsv1.CustomResourceDefinitionList{}},
}

// metaTypes are the meta.k8s.io types every API speaks, written as named types so that the library can look them
// up without a kind (ObjectMeta is also reachable from every kind).
var metaTypes = []any{
	&metav1.ObjectMeta{},
	&metav1.ListMeta{},
	&metav1.TypeMeta{},
	&metav1.Status{},
	&metav1.List{},
	&metav1.WatchEvent{},
	&metav1.PartialObjectMetadata{},
	&metav1.PartialObjectMetadataList{},
	&metav1.DeleteOptions{},
	&metav1.CreateOptions{},
	&metav1.UpdateOptions{},
	&metav1.PatchOptions{},
	&metav1.GetOptions{},
	&metav1.ListOptions{},
	&metav1.APIGroup{},
	&metav1.APIGroupList{},
	&metav1.APIResourceList{},
	&metav1.APIVersions{},
}

//go:embed go.mod
var goMod string

// sourceModules are the modules whose versions the schema records, in this order.
var sourceModules = []string{
	"k8s.io/api",
	"k8s.io/apimachinery",
	"k8s.io/apiextensions-apiserver",
	"k8s.io/client-go",
	"sigs.k8s.io/structured-merge-diff/v6",
}

// moduleVersions returns "module version" for each source module, read from this program's go.mod (the versions
// it is built with), so that the output does not depend on how the program is run.
func moduleVersions() ([]string, error) {
	required := map[string]string{}
	for _, line := range strings.Split(goMod, "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && strings.HasPrefix(f[1], "v") {
			required[f[0]] = f[1]
		}
	}
	out := make([]string, 0, len(sourceModules))
	for _, m := range sourceModules {
		v, ok := required[m]
		if !ok {
			return nil, fmt.Errorf("go.mod does not require %s", m)
		}
		out = append(out, m+" "+v)
	}
	return out, nil
}
