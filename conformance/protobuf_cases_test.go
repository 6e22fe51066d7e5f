package conformance

import (
	"reflect"
	"sync"

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
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// pbCase is one kind of the protobuf conformance tests: the apiVersion and kind its envelope names and a zero value
// of its k8s.io/api Go type.
type pbCase struct {
	apiVersion, kind string
	proto            pbObject
}

// pbObject is a k8s.io/api object with its generated (gogo) protobuf methods.
type pbObject interface {
	runtime.Object
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
}

func (c pbCase) name() string { return c.apiVersion + "/" + c.kind }

func (c pbCase) gvk() schema.GroupVersionKind {
	return schema.FromAPIVersionAndKind(c.apiVersion, c.kind)
}

// new returns a new zero object of the case's type.
func (c pbCase) new() pbObject {
	return reflect.New(reflect.TypeOf(c.proto).Elem()).Interface().(pbObject)
}

// isList reports whether the case is a list kind (a ListMeta and Items).
func (c pbCase) isList() bool {
	_, ok := reflect.TypeOf(c.proto).Elem().FieldByName("Items")
	return ok && reflect.ValueOf(c.proto).Elem().FieldByName("ListMeta").IsValid()
}

// pbCases are the kinds kubemem serves in protobuf: those of internal/schemagen/kinds.go (kinds and listKinds)
// and the meta.k8s.io types every group version speaks.
var pbCases = sync.OnceValue(func() []pbCase {
	return []pbCase{
		{"v1", "Pod", &corev1.Pod{}},
		{"v1", "Service", &corev1.Service{}},
		{"v1", "Endpoints", &corev1.Endpoints{}},
		{"v1", "ConfigMap", &corev1.ConfigMap{}},
		{"v1", "Secret", &corev1.Secret{}},
		{"v1", "Namespace", &corev1.Namespace{}},
		{"v1", "Node", &corev1.Node{}},
		{"v1", "Event", &corev1.Event{}},
		{"v1", "ServiceAccount", &corev1.ServiceAccount{}},
		{"v1", "PersistentVolume", &corev1.PersistentVolume{}},
		{"v1", "PersistentVolumeClaim", &corev1.PersistentVolumeClaim{}},
		{"v1", "ReplicationController", &corev1.ReplicationController{}},
		{"v1", "LimitRange", &corev1.LimitRange{}},
		{"v1", "ResourceQuota", &corev1.ResourceQuota{}},
		{"v1", "Binding", &corev1.Binding{}},
		{"apps/v1", "Deployment", &appsv1.Deployment{}},
		{"apps/v1", "ReplicaSet", &appsv1.ReplicaSet{}},
		{"apps/v1", "StatefulSet", &appsv1.StatefulSet{}},
		{"apps/v1", "DaemonSet", &appsv1.DaemonSet{}},
		{"apps/v1", "ControllerRevision", &appsv1.ControllerRevision{}},
		{"autoscaling/v1", "Scale", &autoscalingv1.Scale{}},
		{"batch/v1", "Job", &batchv1.Job{}},
		{"batch/v1", "CronJob", &batchv1.CronJob{}},
		{"networking.k8s.io/v1", "Ingress", &networkingv1.Ingress{}},
		{"networking.k8s.io/v1", "NetworkPolicy", &networkingv1.NetworkPolicy{}},
		{"networking.k8s.io/v1", "IngressClass", &networkingv1.IngressClass{}},
		{"policy/v1", "PodDisruptionBudget", &policyv1.PodDisruptionBudget{}},
		{"policy/v1", "Eviction", &policyv1.Eviction{}},
		{"rbac.authorization.k8s.io/v1", "Role", &rbacv1.Role{}},
		{"rbac.authorization.k8s.io/v1", "RoleBinding", &rbacv1.RoleBinding{}},
		{"rbac.authorization.k8s.io/v1", "ClusterRole", &rbacv1.ClusterRole{}},
		{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &rbacv1.ClusterRoleBinding{}},
		{"coordination.k8s.io/v1", "Lease", &coordinationv1.Lease{}},
		{"discovery.k8s.io/v1", "EndpointSlice", &discoveryv1.EndpointSlice{}},
		{"events.k8s.io/v1", "Event", &eventsv1.Event{}},
		{"storage.k8s.io/v1", "StorageClass", &storagev1.StorageClass{}},
		{"scheduling.k8s.io/v1", "PriorityClass", &schedulingv1.PriorityClass{}},
		{"apiextensions.k8s.io/v1", "CustomResourceDefinition", &apiextensionsv1.CustomResourceDefinition{}},

		{"v1", "PodList", &corev1.PodList{}},
		{"v1", "ServiceList", &corev1.ServiceList{}},
		{"v1", "EndpointsList", &corev1.EndpointsList{}},
		{"v1", "ConfigMapList", &corev1.ConfigMapList{}},
		{"v1", "SecretList", &corev1.SecretList{}},
		{"v1", "NamespaceList", &corev1.NamespaceList{}},
		{"v1", "NodeList", &corev1.NodeList{}},
		{"v1", "EventList", &corev1.EventList{}},
		{"v1", "ServiceAccountList", &corev1.ServiceAccountList{}},
		{"v1", "PersistentVolumeList", &corev1.PersistentVolumeList{}},
		{"v1", "PersistentVolumeClaimList", &corev1.PersistentVolumeClaimList{}},
		{"v1", "ReplicationControllerList", &corev1.ReplicationControllerList{}},
		{"v1", "LimitRangeList", &corev1.LimitRangeList{}},
		{"v1", "ResourceQuotaList", &corev1.ResourceQuotaList{}},
		{"apps/v1", "DeploymentList", &appsv1.DeploymentList{}},
		{"apps/v1", "ReplicaSetList", &appsv1.ReplicaSetList{}},
		{"apps/v1", "StatefulSetList", &appsv1.StatefulSetList{}},
		{"apps/v1", "DaemonSetList", &appsv1.DaemonSetList{}},
		{"apps/v1", "ControllerRevisionList", &appsv1.ControllerRevisionList{}},
		{"batch/v1", "JobList", &batchv1.JobList{}},
		{"batch/v1", "CronJobList", &batchv1.CronJobList{}},
		{"networking.k8s.io/v1", "IngressList", &networkingv1.IngressList{}},
		{"networking.k8s.io/v1", "NetworkPolicyList", &networkingv1.NetworkPolicyList{}},
		{"networking.k8s.io/v1", "IngressClassList", &networkingv1.IngressClassList{}},
		{"policy/v1", "PodDisruptionBudgetList", &policyv1.PodDisruptionBudgetList{}},
		{"rbac.authorization.k8s.io/v1", "RoleList", &rbacv1.RoleList{}},
		{"rbac.authorization.k8s.io/v1", "RoleBindingList", &rbacv1.RoleBindingList{}},
		{"rbac.authorization.k8s.io/v1", "ClusterRoleList", &rbacv1.ClusterRoleList{}},
		{"rbac.authorization.k8s.io/v1", "ClusterRoleBindingList", &rbacv1.ClusterRoleBindingList{}},
		{"coordination.k8s.io/v1", "LeaseList", &coordinationv1.LeaseList{}},
		{"discovery.k8s.io/v1", "EndpointSliceList", &discoveryv1.EndpointSliceList{}},
		{"events.k8s.io/v1", "EventList", &eventsv1.EventList{}},
		{"storage.k8s.io/v1", "StorageClassList", &storagev1.StorageClassList{}},
		{"scheduling.k8s.io/v1", "PriorityClassList", &schedulingv1.PriorityClassList{}},
		{"apiextensions.k8s.io/v1", "CustomResourceDefinitionList", &apiextensionsv1.CustomResourceDefinitionList{}},

		// The meta.k8s.io types, in the group versions kube-apiserver and client-go put them in: Status and the
		// options in the core group's v1 (metav1.AddToGroupVersion), the options of a named group version too,
		// and PartialObjectMetadata(List) in meta.k8s.io/v1 (metav1.AddMetaToScheme).
		{"v1", "Status", &metav1.Status{}},
		{"v1", "DeleteOptions", &metav1.DeleteOptions{}},
		{"apps/v1", "DeleteOptions", &metav1.DeleteOptions{}},
		{"v1", "CreateOptions", &metav1.CreateOptions{}},
		{"v1", "UpdateOptions", &metav1.UpdateOptions{}},
		{"v1", "PatchOptions", &metav1.PatchOptions{}},
		{"v1", "ListOptions", &metav1.ListOptions{}},
		{"v1", "WatchEvent", &metav1.WatchEvent{}},
		{"meta.k8s.io/v1", "PartialObjectMetadata", &metav1.PartialObjectMetadata{}},
		{"meta.k8s.io/v1", "PartialObjectMetadataList", &metav1.PartialObjectMetadataList{}},
	}
})

// pbScheme knows every type of pbCases, as client-go's scheme and apiextensions' register them.
var pbScheme = sync.OnceValue(func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	metav1.AddMetaToScheme(s)
	return s
})

// pbSerializer is k8s' protobuf serializer (the "k8s\x00" prefix and runtime.Unknown envelope); pbStreaming is the
// same with the streaming encoding of collections that kube-apiserver uses for lists; pbRaw is the raw serializer
// (a bare message) that frames the events of watch streams.
var (
	pbSerializer = sync.OnceValue(func() *protobuf.Serializer { return protobuf.NewSerializer(pbScheme(), pbScheme()) })
	pbStreaming  = sync.OnceValue(func() *protobuf.Serializer {
		return protobuf.NewSerializerWithOptions(pbScheme(), pbScheme(), protobuf.SerializerOptions{StreamingCollectionsEncoding: true})
	})
	pbRaw = sync.OnceValue(func() *protobuf.RawSerializer { return protobuf.NewRawSerializer(pbScheme(), pbScheme()) })
)
