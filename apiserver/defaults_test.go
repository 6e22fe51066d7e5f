package apiserver

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// defaultCase is one defaulting rule: in is the object as a client sends it, want the object after defaulting.
type defaultCase struct {
	name    string
	gvk     types.GroupVersionKind
	in      string
	want    string
	comment string
}

func defaultsGVK(group, kind string) types.GroupVersionKind {
	return types.GroupVersionKind{Group: group, Version: "v1", Kind: kind}
}

// Defaults every pod spec gets, in a pod or a template (core/v1 defaults.go SetDefaults_PodSpec).
const defaultedPodSpec = `"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler",
	"securityContext":{},"terminationGracePeriodSeconds":30`

// Defaults of a container whose image has a tag other than latest.
const defaultedContainer = `"imagePullPolicy":"IfNotPresent","terminationMessagePath":"/dev/termination-log",
	"terminationMessagePolicy":"File"`

// A template's pod spec: one container, nginx:1.25, before and after defaulting.
const (
	templateSpec          = `{"containers":[{"name":"app","image":"nginx:1.25"}]}`
	defaultedTemplateSpec = `{"containers":[{"name":"app","image":"nginx:1.25",` + defaultedContainer + `}],` + defaultedPodSpec + `}`
)

// runDefaultCases checks each case's output, that defaultObject reports a change exactly when the object changed,
// that every number it wrote is an int64, and that defaulting twice changes nothing more.
func runDefaultCases(t *testing.T, cases []defaultCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := jsontree.DecodeObject([]byte(tc.in))
			require.NoError(t, err)
			changed := defaultObject(tc.gvk, obj)
			got, err := jsontree.Append(nil, obj)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(got), tc.comment)
			require.Equal(t, !sameJSON(t, tc.in, tc.want), changed, "reported change")
			requireInt64Numbers(t, obj)
			require.False(t, defaultObject(tc.gvk, obj), "defaulting a defaulted object changes nothing")
		})
	}
}

func sameJSON(t *testing.T, a, b string) bool {
	var x, y any
	require.NoError(t, json.Unmarshal([]byte(a), &x))
	require.NoError(t, json.Unmarshal([]byte(b), &y))
	return reflect.DeepEqual(x, y)
}

// requireInt64Numbers fails on a float64 in the tree: the inputs have none, so one would be a defaulted number
// of the wrong type.
func requireInt64Numbers(t *testing.T, v any) {
	t.Helper()
	switch v := v.(type) {
	case float64:
		t.Fatalf("float64 %v in the defaulted tree", v)
	case map[string]any:
		for _, e := range v {
			requireInt64Numbers(t, e)
		}
	case []any:
		for _, e := range v {
			requireInt64Numbers(t, e)
		}
	}
}

func TestDefaultPod(t *testing.T) {
	pod := defaultsGVK("", "Pod")
	runDefaultCases(t, []defaultCase{
		{name: "minimal pod", gvk: pod,
			in: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"nginx"}]}}`,
			want: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"nginx",
				"imagePullPolicy":"Always","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],
				"enableServiceLinks":true,` + defaultedPodSpec + `}}`},
		{name: "pod without spec", gvk: pod, in: `{"metadata":{"name":"p"}}`,
			want: `{"metadata":{"name":"p"},"spec":{"enableServiceLinks":true,` + defaultedPodSpec + `}}`},
		{name: "already set values are kept", gvk: pod,
			in: `{"spec":{"dnsPolicy":"Default","restartPolicy":"Never","schedulerName":"custom","securityContext":{"runAsUser":1000},
				"terminationGracePeriodSeconds":0,"enableServiceLinks":false,"hostNetwork":true,
				"containers":[{"name":"app","image":"nginx","imagePullPolicy":"Never","terminationMessagePath":"/tmp/log",
					"terminationMessagePolicy":"FallbackToLogsOnError","ports":[{"containerPort":80,"hostPort":8080,"protocol":"UDP"}],
					"livenessProbe":{"httpGet":{"port":80,"path":"/healthz","scheme":"HTTPS"},"timeoutSeconds":5,"periodSeconds":20,"successThreshold":1,"failureThreshold":5},
					"readinessProbe":{"grpc":{"port":9090,"service":"health"},"timeoutSeconds":2,"periodSeconds":3,"successThreshold":4,"failureThreshold":6},
					"env":[{"name":"A","valueFrom":{"fieldRef":{"apiVersion":"v2","fieldPath":"metadata.name"}}},
						{"name":"B","valueFrom":{"fileKeyRef":{"path":"p","volumeName":"v","key":"k","optional":true}}}],
					"resources":{"limits":{"cpu":"1"},"requests":{"cpu":"500m"}}}],
				"volumes":[{"name":"s","secret":{"secretName":"s","defaultMode":256}},{"name":"h","hostPath":{"path":"/x","type":"Directory"}},
					{"name":"i","image":{"reference":"busybox","pullPolicy":"Never"}}]}}`,
			want: `{"spec":{"dnsPolicy":"Default","restartPolicy":"Never","schedulerName":"custom","securityContext":{"runAsUser":1000},
				"terminationGracePeriodSeconds":0,"enableServiceLinks":false,"hostNetwork":true,
				"containers":[{"name":"app","image":"nginx","imagePullPolicy":"Never","terminationMessagePath":"/tmp/log",
					"terminationMessagePolicy":"FallbackToLogsOnError","ports":[{"containerPort":80,"hostPort":8080,"protocol":"UDP"}],
					"livenessProbe":{"httpGet":{"port":80,"path":"/healthz","scheme":"HTTPS"},"timeoutSeconds":5,"periodSeconds":20,"successThreshold":1,"failureThreshold":5},
					"readinessProbe":{"grpc":{"port":9090,"service":"health"},"timeoutSeconds":2,"periodSeconds":3,"successThreshold":4,"failureThreshold":6},
					"env":[{"name":"A","valueFrom":{"fieldRef":{"apiVersion":"v2","fieldPath":"metadata.name"}}},
						{"name":"B","valueFrom":{"fileKeyRef":{"path":"p","volumeName":"v","key":"k","optional":true}}}],
					"resources":{"limits":{"cpu":"1"},"requests":{"cpu":"500m"}}}],
				"volumes":[{"name":"s","secret":{"secretName":"s","defaultMode":256}},{"name":"h","hostPath":{"path":"/x","type":"Directory"}},
					{"name":"i","image":{"reference":"busybox","pullPolicy":"Never"}}]}}`},
		{name: "null and empty values count as unset", gvk: pod,
			comment: "pointer fields take their default when null; plain fields also when empty or 0",
			in: `{"spec":{"dnsPolicy":"","restartPolicy":null,"securityContext":null,"terminationGracePeriodSeconds":null,"enableServiceLinks":null,
				"containers":[{"name":"app","image":"nginx:1","imagePullPolicy":"","livenessProbe":{"tcpSocket":{"port":80},"timeoutSeconds":0,"periodSeconds":null}}]}}`,
			want: `{"spec":{"enableServiceLinks":true,` + defaultedPodSpec + `,
				"containers":[{"name":"app","image":"nginx:1",` + defaultedContainer + `,
					"livenessProbe":{"tcpSocket":{"port":80},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3}}]}}`},
		{name: "container ports default to TCP", gvk: pod,
			in: `{"spec":{"containers":[{"name":"app","image":"nginx:1","ports":[{"containerPort":80},{"containerPort":53,"protocol":"UDP"}]}]}}`,
			want: `{"spec":{"enableServiceLinks":true,` + defaultedPodSpec + `,"containers":[{"name":"app","image":"nginx:1",` + defaultedContainer + `,
				"ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":53,"protocol":"UDP"}]}]}}`},
		{name: "probes and lifecycle handlers", gvk: pod,
			in: `{"spec":{"containers":[{"name":"app","image":"nginx:1",
				"livenessProbe":{"httpGet":{"port":8080}},
				"readinessProbe":{"grpc":{"port":9090}},
				"startupProbe":{"tcpSocket":{"port":80},"periodSeconds":5},
				"lifecycle":{"postStart":{"httpGet":{"port":80,"path":"/start"}},"preStop":{"exec":{"command":["stop"]}}}}]}}`,
			want: `{"spec":{"enableServiceLinks":true,` + defaultedPodSpec + `,"containers":[{"name":"app","image":"nginx:1",` + defaultedContainer + `,
				"livenessProbe":{"httpGet":{"port":8080,"path":"/","scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},
				"readinessProbe":{"grpc":{"port":9090,"service":""},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},
				"startupProbe":{"tcpSocket":{"port":80},"periodSeconds":5,"timeoutSeconds":1,"successThreshold":1,"failureThreshold":3},
				"lifecycle":{"postStart":{"httpGet":{"port":80,"path":"/start","scheme":"HTTP"}},"preStop":{"exec":{"command":["stop"]}}}}]}}`},
		{name: "env field and file references", gvk: pod,
			in: `{"spec":{"containers":[{"name":"app","image":"nginx:1","env":[
				{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
				{"name":"B","valueFrom":{"fileKeyRef":{"path":"p","volumeName":"v","key":"k"}}},
				{"name":"C","value":"x"}]}]}}`,
			want: `{"spec":{"enableServiceLinks":true,` + defaultedPodSpec + `,"containers":[{"name":"app","image":"nginx:1",` + defaultedContainer + `,"env":[
				{"name":"A","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}},
				{"name":"B","valueFrom":{"fileKeyRef":{"path":"p","volumeName":"v","key":"k","optional":false}}},
				{"name":"C","value":"x"}]}]}}`},
		{name: "limits become requests when requests are unset", gvk: pod,
			comment: "containers and init containers, not ephemeral containers (SetDefaults_Pod)",
			in: `{"spec":{
				"containers":[{"name":"a","image":"nginx:1","resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m"}}},
					{"name":"b","image":"nginx:1","resources":{"limits":{"memory":"64Mi"}}}],
				"initContainers":[{"name":"i","image":"nginx:1","resources":{"limits":{"cpu":"2"}}}],
				"ephemeralContainers":[{"name":"e","image":"nginx:1","resources":{"limits":{"cpu":"2"}}}]}}`,
			want: `{"spec":{"enableServiceLinks":true,` + defaultedPodSpec + `,
				"containers":[{"name":"a","image":"nginx:1",` + defaultedContainer + `,"resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m","memory":"1Gi"}}},
					{"name":"b","image":"nginx:1",` + defaultedContainer + `,"resources":{"limits":{"memory":"64Mi"},"requests":{"memory":"64Mi"}}}],
				"initContainers":[{"name":"i","image":"nginx:1",` + defaultedContainer + `,"resources":{"limits":{"cpu":"2"},"requests":{"cpu":"2"}}}],
				"ephemeralContainers":[{"name":"e","image":"nginx:1",` + defaultedContainer + `,"resources":{"limits":{"cpu":"2"}}}]}}`},
		{name: "host network ports become host ports", gvk: pod,
			in: `{"spec":{"hostNetwork":true,
				"containers":[{"name":"a","image":"nginx:1","ports":[{"containerPort":80},{"containerPort":443,"hostPort":8443}]}],
				"initContainers":[{"name":"i","image":"nginx:1","ports":[{"containerPort":9000,"hostPort":0}]}]}}`,
			want: `{"spec":{"hostNetwork":true,"enableServiceLinks":true,` + defaultedPodSpec + `,
				"containers":[{"name":"a","image":"nginx:1",` + defaultedContainer + `,
					"ports":[{"containerPort":80,"hostPort":80,"protocol":"TCP"},{"containerPort":443,"hostPort":8443,"protocol":"TCP"}]}],
				"initContainers":[{"name":"i","image":"nginx:1",` + defaultedContainer + `,"ports":[{"containerPort":9000,"hostPort":9000,"protocol":"TCP"}]}]}}`},
		{name: "init and ephemeral containers get container defaults", gvk: pod,
			in: `{"spec":{"containers":[{"name":"app","image":"nginx:1"}],"initContainers":[{"name":"init","image":"busybox:1.36"}],
				"ephemeralContainers":[{"name":"debug","image":"busybox"}]}}`,
			want: `{"spec":{"enableServiceLinks":true,` + defaultedPodSpec + `,"containers":[{"name":"app","image":"nginx:1",` + defaultedContainer + `}],
				"initContainers":[{"name":"init","image":"busybox:1.36",` + defaultedContainer + `}],
				"ephemeralContainers":[{"name":"debug","image":"busybox","imagePullPolicy":"Always",
					"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}]}}`},
		{name: "volumes", gvk: pod,
			in: `{"spec":{"containers":[],"volumes":[
				{"name":"a"},
				{"name":"b","secret":{"secretName":"s"}},
				{"name":"c","configMap":{"name":"cm"}},
				{"name":"d","downwardAPI":{"items":[{"path":"p","fieldRef":{"fieldPath":"metadata.labels"}}]}},
				{"name":"e","projected":{"sources":[{"serviceAccountToken":{"path":"token"}},
					{"downwardAPI":{"items":[{"path":"n","fieldRef":{"fieldPath":"metadata.name"}}]}},{"configMap":{"name":"cm"}}]}},
				{"name":"f","hostPath":{"path":"/data"}},
				{"name":"g","ephemeral":{"volumeClaimTemplate":{"spec":{"accessModes":["ReadWriteOnce"]}}}},
				{"name":"h","image":{"reference":"quay.io/x/y:latest"}},
				{"name":"i","image":{"reference":"quay.io/x/y:v1"}},
				{"name":"j","persistentVolumeClaim":{"claimName":"c"}}]}}`,
			want: `{"spec":{"enableServiceLinks":true,` + defaultedPodSpec + `,"containers":[],"volumes":[
				{"name":"a","emptyDir":{}},
				{"name":"b","secret":{"secretName":"s","defaultMode":420}},
				{"name":"c","configMap":{"name":"cm","defaultMode":420}},
				{"name":"d","downwardAPI":{"defaultMode":420,"items":[{"path":"p","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.labels"}}]}},
				{"name":"e","projected":{"defaultMode":420,"sources":[{"serviceAccountToken":{"path":"token","expirationSeconds":3600}},
					{"downwardAPI":{"items":[{"path":"n","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}]}},{"configMap":{"name":"cm"}}]}},
				{"name":"f","hostPath":{"path":"/data","type":""}},
				{"name":"g","ephemeral":{"volumeClaimTemplate":{"spec":{"accessModes":["ReadWriteOnce"],"volumeMode":"Filesystem"}}}},
				{"name":"h","image":{"reference":"quay.io/x/y:latest","pullPolicy":"Always"}},
				{"name":"i","image":{"reference":"quay.io/x/y:v1","pullPolicy":"IfNotPresent"}},
				{"name":"j","persistentVolumeClaim":{"claimName":"c"}}]}}`},
		{name: "legacy volume sources", gvk: pod,
			comment: "the +default markers of RBD, iSCSI, Azure disk and ScaleIO sources",
			in: `{"spec":{"containers":[],"volumes":[
				{"name":"r","rbd":{"monitors":["m"],"image":"img"}},
				{"name":"i","iscsi":{"targetPortal":"t","iqn":"q","lun":0}},
				{"name":"a","azureDisk":{"diskName":"d","diskURI":"u"}},
				{"name":"s","scaleIO":{"gateway":"g","system":"s","secretRef":{"name":"x"}}}]}}`,
			want: `{"spec":{"enableServiceLinks":true,` + defaultedPodSpec + `,"containers":[],"volumes":[
				{"name":"r","rbd":{"monitors":["m"],"image":"img","pool":"rbd","user":"admin","keyring":"/etc/ceph/keyring"}},
				{"name":"i","iscsi":{"targetPortal":"t","iqn":"q","lun":0,"iscsiInterface":"default"}},
				{"name":"a","azureDisk":{"diskName":"d","diskURI":"u","cachingMode":"ReadWrite","fsType":"ext4","readOnly":false,"kind":"Shared"}},
				{"name":"s","scaleIO":{"gateway":"g","system":"s","secretRef":{"name":"x"},"storageMode":"ThinProvisioned","fsType":"xfs"}}]}}`},
	})
}

func TestDefaultImagePullPolicy(t *testing.T) {
	const digest = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"
	for _, tc := range []struct{ image, want string }{
		{"nginx", "Always"},
		{"nginx:latest", "Always"},
		{"docker.io/library/nginx:latest", "Always"},
		{"nginx:1.25", "IfNotPresent"},
		{"nginx:LATEST", "IfNotPresent"},
		{"nginx@" + digest, "IfNotPresent"},
		{"nginx:latest@" + digest, "Always"},
		{"nginx:1.25@" + digest, "IfNotPresent"},
		{"nginx:latest@sha256:abc", "IfNotPresent"},               // a digest that does not parse: no tag at all
		{"nginx:latest@md5:" + digest[7:], "IfNotPresent"},        // an algorithm kube does not register
		{"localhost:5000/app", "Always"},                          // a registry port is not a tag
		{"registry.example.com:5000/team/app:v2", "IfNotPresent"}, // a tag after a registry port
		{"Registry.Example.com/app", "Always"},                    // an upper-case first part is a registry
		{"Nginx", "IfNotPresent"},                                 // an upper-case repository does not parse
		{"", "IfNotPresent"},
		{digest[7:], "IfNotPresent"}, // a bare 64-hex identifier is refused
	} {
		require.Equal(t, tc.want, pullPolicyForImage(tc.image), tc.image)
	}
}

func TestDefaultWorkloads(t *testing.T) {
	deploy, rs, sts, ds := defaultsGVK("apps", "Deployment"), defaultsGVK("apps", "ReplicaSet"), defaultsGVK("apps", "StatefulSet"), defaultsGVK("apps", "DaemonSet")
	rc, job, cronJob := defaultsGVK("", "ReplicationController"), defaultsGVK("batch", "Job"), defaultsGVK("batch", "CronJob")
	runDefaultCases(t, []defaultCase{
		{name: "deployment", gvk: deploy,
			comment: "the template gets pod-spec defaults, not the Pod-only ones (enableServiceLinks, requests from limits)",
			in: `{"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},
				"spec":{"containers":[{"name":"app","image":"nginx:1.25","resources":{"limits":{"cpu":"1"}}}]}}}}`,
			want: `{"metadata":{"name":"d"},"spec":{"replicas":1,"revisionHistoryLimit":10,"progressDeadlineSeconds":600,
				"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},
				"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},
				"spec":{"containers":[{"name":"app","image":"nginx:1.25",` + defaultedContainer + `,"resources":{"limits":{"cpu":"1"}}}],` + defaultedPodSpec + `}}}}`},
		{name: "deployment keeps set values", gvk: deploy,
			in:   `{"spec":{"replicas":0,"revisionHistoryLimit":0,"progressDeadlineSeconds":60,"strategy":{"type":"Recreate"},"template":{"spec":` + defaultedTemplateSpec + `}}}`,
			want: `{"spec":{"replicas":0,"revisionHistoryLimit":0,"progressDeadlineSeconds":60,"strategy":{"type":"Recreate"},"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "deployment partial rolling update", gvk: deploy,
			in: `{"spec":{"strategy":{"rollingUpdate":{"maxSurge":1}},"template":{"spec":` + templateSpec + `}}}`,
			want: `{"spec":{"replicas":1,"revisionHistoryLimit":10,"progressDeadlineSeconds":600,
				"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":1}},"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "replicaset", gvk: rs,
			in:   `{"spec":{"template":{"spec":` + templateSpec + `}}}`,
			want: `{"spec":{"replicas":1,"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "statefulset", gvk: sts,
			in: `{"spec":{"serviceName":"s","template":{"spec":` + templateSpec + `},
				"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}`,
			want: `{"spec":{"serviceName":"s","replicas":1,"revisionHistoryLimit":10,"podManagementPolicy":"OrderedReady",
				"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}},
				"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain","whenScaled":"Retain"},
				"template":{"spec":` + defaultedTemplateSpec + `},
				"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},
					"volumeMode":"Filesystem"},"status":{"phase":"Pending"}}]}}`},
		{name: "statefulset with an explicit strategy", gvk: sts,
			comment: "a partition is only defaulted into a rollingUpdate that exists or that defaulting the type created",
			in: `{"spec":{"replicas":3,"revisionHistoryLimit":2,"podManagementPolicy":"Parallel","updateStrategy":{"type":"RollingUpdate"},
				"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete"},"template":{"spec":` + defaultedTemplateSpec + `}}}`,
			want: `{"spec":{"replicas":3,"revisionHistoryLimit":2,"podManagementPolicy":"Parallel","updateStrategy":{"type":"RollingUpdate"},
				"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete","whenScaled":"Retain"},"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "statefulset rolling update without partition", gvk: sts,
			in: `{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":2}},"template":{"spec":` + templateSpec + `}}}`,
			want: `{"spec":{"replicas":1,"revisionHistoryLimit":10,"podManagementPolicy":"OrderedReady",
				"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":2,"partition":0}},
				"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain","whenScaled":"Retain"},"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "daemonset", gvk: ds,
			in: `{"spec":{"template":{"spec":` + templateSpec + `}}}`,
			want: `{"spec":{"revisionHistoryLimit":10,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}},
				"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "daemonset on delete", gvk: ds,
			in:   `{"spec":{"revisionHistoryLimit":3,"updateStrategy":{"type":"OnDelete"},"template":{"spec":` + defaultedTemplateSpec + `}}}`,
			want: `{"spec":{"revisionHistoryLimit":3,"updateStrategy":{"type":"OnDelete"},"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "replicationcontroller", gvk: rc,
			comment: "selector and labels come from the template's labels",
			in:      `{"metadata":{"name":"r"},"spec":{"template":{"metadata":{"labels":{"app":"a"}},"spec":` + templateSpec + `}}}`,
			want: `{"metadata":{"name":"r","labels":{"app":"a"}},"spec":{"replicas":1,"selector":{"app":"a"},
				"template":{"metadata":{"labels":{"app":"a"}},"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "replicationcontroller keeps its selector and labels", gvk: rc,
			in:   `{"metadata":{"labels":{"team":"x"}},"spec":{"replicas":2,"selector":{"app":"a","tier":"b"},"template":{"metadata":{"labels":{"app":"a","tier":"b"}},"spec":` + defaultedTemplateSpec + `}}}`,
			want: `{"metadata":{"labels":{"team":"x"}},"spec":{"replicas":2,"selector":{"app":"a","tier":"b"},"template":{"metadata":{"labels":{"app":"a","tier":"b"}},"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "replicationcontroller without template", gvk: rc, in: `{"spec":{}}`, want: `{"spec":{"replicas":1}}`},
		{name: "job", gvk: job,
			in: `{"metadata":{"name":"j"},"spec":{"template":{"metadata":{"labels":{"app":"j"}},
				"spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"nginx:1.25"}]}}}}`,
			want: `{"metadata":{"name":"j","labels":{"app":"j"}},"spec":{"completions":1,"parallelism":1,"backoffLimit":6,
				"completionMode":"NonIndexed","suspend":false,"podReplacementPolicy":"TerminatingOrFailed","manualSelector":false,
				"template":{"metadata":{"labels":{"app":"j"}},"spec":{"containers":[{"name":"app","image":"nginx:1.25",` + defaultedContainer + `}],
					"dnsPolicy":"ClusterFirst","restartPolicy":"Never","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}}`},
		{name: "job with parallelism only", gvk: job,
			comment: "completions stays unset: a work queue",
			in:      `{"spec":{"parallelism":3,"template":{"spec":` + defaultedTemplateSpec + `}}}`,
			want: `{"spec":{"parallelism":3,"backoffLimit":6,"completionMode":"NonIndexed","suspend":false,
				"podReplacementPolicy":"TerminatingOrFailed","manualSelector":false,"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "job with completions only", gvk: job,
			in: `{"spec":{"completions":5,"template":{"spec":` + defaultedTemplateSpec + `}}}`,
			want: `{"spec":{"completions":5,"parallelism":1,"backoffLimit":6,"completionMode":"NonIndexed","suspend":false,
				"podReplacementPolicy":"TerminatingOrFailed","manualSelector":false,"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "job with a backoff limit per index", gvk: job,
			in: `{"spec":{"completionMode":"Indexed","completions":3,"backoffLimitPerIndex":1,"template":{"spec":` + defaultedTemplateSpec + `}}}`,
			want: `{"spec":{"completionMode":"Indexed","completions":3,"backoffLimitPerIndex":1,"parallelism":1,"backoffLimit":2147483647,
				"suspend":false,"podReplacementPolicy":"TerminatingOrFailed","manualSelector":false,"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "job with a pod failure policy", gvk: job,
			comment: "pod condition patterns match status True; pods are replaced once Failed",
			in: `{"spec":{"podFailurePolicy":{"rules":[{"action":"FailJob","onPodConditions":[{"type":"DisruptionTarget"},{"type":"Ready","status":"False"}]}]},
				"template":{"spec":` + defaultedTemplateSpec + `}}}`,
			want: `{"spec":{"completions":1,"parallelism":1,"backoffLimit":6,"completionMode":"NonIndexed","suspend":false,
				"podFailurePolicy":{"rules":[{"action":"FailJob","onPodConditions":[{"type":"DisruptionTarget","status":"True"},{"type":"Ready","status":"False"}]}]},
				"podReplacementPolicy":"Failed","manualSelector":false,"template":{"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "job keeps set values", gvk: job,
			in: `{"metadata":{"labels":{"team":"x"}},"spec":{"completions":2,"parallelism":2,"backoffLimit":0,"completionMode":"Indexed","suspend":true,
				"podReplacementPolicy":"Failed","manualSelector":true,"template":{"metadata":{"labels":{"app":"j"}},"spec":` + defaultedTemplateSpec + `}}}`,
			want: `{"metadata":{"labels":{"team":"x"}},"spec":{"completions":2,"parallelism":2,"backoffLimit":0,"completionMode":"Indexed","suspend":true,
				"podReplacementPolicy":"Failed","manualSelector":true,"template":{"metadata":{"labels":{"app":"j"}},"spec":` + defaultedTemplateSpec + `}}}`},
		{name: "cronjob", gvk: cronJob,
			comment: "the job template is not a Job: only its pod spec and pod failure policy get defaults",
			in: `{"spec":{"schedule":"*/5 * * * *","jobTemplate":{"spec":{"podFailurePolicy":{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]},
				"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"app","image":"nginx:1.25"}]}}}}}}`,
			want: `{"spec":{"schedule":"*/5 * * * *","concurrencyPolicy":"Allow","suspend":false,"successfulJobsHistoryLimit":3,"failedJobsHistoryLimit":1,
				"jobTemplate":{"spec":{"podFailurePolicy":{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget","status":"True"}]}]},
				"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.25",` + defaultedContainer + `}],
					"dnsPolicy":"ClusterFirst","restartPolicy":"OnFailure","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}}}}`},
		{name: "cronjob keeps set values", gvk: cronJob,
			in: `{"spec":{"schedule":"@daily","concurrencyPolicy":"Forbid","suspend":true,"successfulJobsHistoryLimit":0,"failedJobsHistoryLimit":0,
				"jobTemplate":{"spec":{"template":{"spec":` + defaultedTemplateSpec + `}}}}}`,
			want: `{"spec":{"schedule":"@daily","concurrencyPolicy":"Forbid","suspend":true,"successfulJobsHistoryLimit":0,"failedJobsHistoryLimit":0,
				"jobTemplate":{"spec":{"template":{"spec":` + defaultedTemplateSpec + `}}}}}`},
	})
}

func TestDefaultService(t *testing.T) {
	svc := defaultsGVK("", "Service")
	runDefaultCases(t, []defaultCase{
		{name: "cluster IP", gvk: svc,
			in: `{"spec":{"selector":{"app":"a"},"ports":[{"port":80}]}}`,
			want: `{"spec":{"selector":{"app":"a"},"type":"ClusterIP","sessionAffinity":"None","internalTrafficPolicy":"Cluster",
				"ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"],"ports":[{"port":80,"protocol":"TCP","targetPort":80}]}}`},
		{name: "node port", gvk: svc,
			in: `{"spec":{"type":"NodePort","selector":{"app":"a"},"ports":[{"port":53,"targetPort":"dns","protocol":"UDP"}]}}`,
			want: `{"spec":{"type":"NodePort","selector":{"app":"a"},"sessionAffinity":"None","externalTrafficPolicy":"Cluster",
				"internalTrafficPolicy":"Cluster","ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"],
				"ports":[{"port":53,"targetPort":"dns","protocol":"UDP"}]}}`},
		{name: "load balancer", gvk: svc,
			comment: "a target port of 0 or \"\" is unset; ingress points with an IP get ipMode VIP",
			in: `{"spec":{"type":"LoadBalancer","selector":{"app":"a"},"ports":[{"port":443,"targetPort":0},{"port":80,"targetPort":""}]},
				"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"},{"hostname":"lb.example.com"}]}}}`,
			want: `{"spec":{"type":"LoadBalancer","selector":{"app":"a"},"sessionAffinity":"None","externalTrafficPolicy":"Cluster",
				"internalTrafficPolicy":"Cluster","allocateLoadBalancerNodePorts":true,"ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"],
				"ports":[{"port":443,"targetPort":443,"protocol":"TCP"},{"port":80,"targetPort":80,"protocol":"TCP"}]},
				"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4","ipMode":"VIP"},{"hostname":"lb.example.com"}]}}}`},
		{name: "a port without a number", gvk: svc,
			comment: "targetPort takes the port's value even when that is 0, as kube writes it",
			in:      `{"spec":{"selector":{"app":"a"},"ports":[{"name":"p"}]}}`,
			want: `{"spec":{"selector":{"app":"a"},"type":"ClusterIP","sessionAffinity":"None","internalTrafficPolicy":"Cluster",
				"ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"],"ports":[{"name":"p","protocol":"TCP","targetPort":0}]}}`},
		{name: "external name", gvk: svc,
			comment: "no traffic policies and no IP families",
			in:      `{"spec":{"type":"ExternalName","externalName":"example.com"}}`,
			want:    `{"spec":{"type":"ExternalName","externalName":"example.com","sessionAffinity":"None"}}`},
		{name: "external IPs make a cluster IP service externally accessible", gvk: svc,
			in: `{"spec":{"selector":{"app":"a"},"externalIPs":["192.0.2.1"],"ports":[{"port":80,"targetPort":8080}]}}`,
			want: `{"spec":{"selector":{"app":"a"},"externalIPs":["192.0.2.1"],"type":"ClusterIP","sessionAffinity":"None","externalTrafficPolicy":"Cluster",
				"internalTrafficPolicy":"Cluster","ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"],"ports":[{"port":80,"targetPort":8080,"protocol":"TCP"}]}}`},
		{name: "client IP affinity", gvk: svc,
			in: `{"spec":{"sessionAffinity":"ClientIP","selector":{"app":"a"}}}`,
			want: `{"spec":{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10800}},"selector":{"app":"a"},
				"type":"ClusterIP","internalTrafficPolicy":"Cluster","ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"]}}`},
		{name: "no affinity drops the affinity config", gvk: svc,
			in: `{"spec":{"sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}},"selector":{"app":"a"}}}`,
			want: `{"spec":{"sessionAffinity":"None","selector":{"app":"a"},"type":"ClusterIP","internalTrafficPolicy":"Cluster",
				"ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"]}}`},
		{name: "headless without selector is dual-stack", gvk: svc,
			comment: "alloc.go initIPFamilyFields: even on a single-stack cluster",
			in:      `{"spec":{"clusterIP":"None","ports":[{"port":5432}]}}`,
			want: `{"spec":{"clusterIP":"None","type":"ClusterIP","sessionAffinity":"None","internalTrafficPolicy":"Cluster",
				"ipFamilyPolicy":"RequireDualStack","ipFamilies":["IPv4","IPv6"],"ports":[{"port":5432,"protocol":"TCP","targetPort":5432}]}}`},
		{name: "headless with selector", gvk: svc,
			in: `{"spec":{"clusterIP":"None","selector":{"app":"db"}}}`,
			want: `{"spec":{"clusterIP":"None","selector":{"app":"db"},"type":"ClusterIP","sessionAffinity":"None","internalTrafficPolicy":"Cluster",
				"ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"]}}`},
		{name: "a chosen cluster IP", gvk: svc,
			in: `{"spec":{"clusterIP":"10.0.0.10","clusterIPs":["10.0.0.10"],"selector":{"app":"a"}}}`,
			want: `{"spec":{"clusterIP":"10.0.0.10","clusterIPs":["10.0.0.10"],"selector":{"app":"a"},"type":"ClusterIP","sessionAffinity":"None",
				"internalTrafficPolicy":"Cluster","ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"]}}`},
		{name: "an IPv6 cluster IP is left for the allocator", gvk: svc,
			in: `{"spec":{"clusterIP":"fd00::10","selector":{"app":"a"}}}`,
			want: `{"spec":{"clusterIP":"fd00::10","selector":{"app":"a"},"type":"ClusterIP","sessionAffinity":"None",
				"internalTrafficPolicy":"Cluster"}}`},
		{name: "service keeps set values", gvk: svc,
			in: `{"spec":{"type":"LoadBalancer","sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}},
				"externalTrafficPolicy":"Local","internalTrafficPolicy":"Local","allocateLoadBalancerNodePorts":false,
				"ipFamilyPolicy":"PreferDualStack","ipFamilies":["IPv4"],"ports":[{"port":80,"targetPort":8080,"protocol":"SCTP"}]},
				"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4","ipMode":"Proxy"}]}}}`,
			want: `{"spec":{"type":"LoadBalancer","sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}},
				"externalTrafficPolicy":"Local","internalTrafficPolicy":"Local","allocateLoadBalancerNodePorts":false,
				"ipFamilyPolicy":"PreferDualStack","ipFamilies":["IPv4"],"ports":[{"port":80,"targetPort":8080,"protocol":"SCTP"}]},
				"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4","ipMode":"Proxy"}]}}}`},
	})
}

func TestDefaultCoreKinds(t *testing.T) {
	runDefaultCases(t, []defaultCase{
		{name: "namespace", gvk: defaultsGVK("", "Namespace"),
			comment: "no finalizer here: that is addNamespaceFinalizer, on create only",
			in:      `{"metadata":{"name":"team"}}`,
			want:    `{"metadata":{"name":"team","labels":{"kubernetes.io/metadata.name":"team"}},"status":{"phase":"Active"}}`},
		{name: "namespace name label is corrected", gvk: defaultsGVK("", "Namespace"),
			in:   `{"metadata":{"name":"team","labels":{"kubernetes.io/metadata.name":"other","a":"b"}},"status":{"phase":"Terminating"}}`,
			want: `{"metadata":{"name":"team","labels":{"kubernetes.io/metadata.name":"team","a":"b"}},"status":{"phase":"Terminating"}}`},
		{name: "namespace with generateName", gvk: defaultsGVK("", "Namespace"),
			in: `{"metadata":{"generateName":"team-"}}`, want: `{"metadata":{"generateName":"team-"},"status":{"phase":"Active"}}`},
		{name: "secret", gvk: defaultsGVK("", "Secret"), in: `{"data":{}}`, want: `{"data":{},"type":"Opaque"}`},
		{name: "secret keeps its type", gvk: defaultsGVK("", "Secret"),
			in: `{"type":"kubernetes.io/tls"}`, want: `{"type":"kubernetes.io/tls"}`},
		{name: "endpoints", gvk: defaultsGVK("", "Endpoints"),
			in:   `{"subsets":[{"addresses":[{"ip":"10.1.0.1"}],"ports":[{"port":80},{"port":53,"protocol":"UDP"}]}]}`,
			want: `{"subsets":[{"addresses":[{"ip":"10.1.0.1"}],"ports":[{"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}]}`},
		{name: "limitrange", gvk: defaultsGVK("", "LimitRange"),
			comment: "container items: default from max, then defaultRequest from default, then from min",
			in: `{"spec":{"limits":[{"type":"Container","max":{"cpu":"2","memory":"1Gi"},"min":{"cpu":"100m","memory":"64Mi"},"default":{"memory":"512Mi"}},
				{"type":"Container","min":{"cpu":"50m"}},{"type":"Pod","max":{"cpu":"4"}}]}}`,
			want: `{"spec":{"limits":[{"type":"Container","max":{"cpu":"2","memory":"1Gi"},"min":{"cpu":"100m","memory":"64Mi"},
				"default":{"cpu":"2","memory":"512Mi"},"defaultRequest":{"cpu":"2","memory":"512Mi"}},
				{"type":"Container","min":{"cpu":"50m"},"defaultRequest":{"cpu":"50m"}},{"type":"Pod","max":{"cpu":"4"}}]}}`},
		{name: "node allocatable from capacity", gvk: defaultsGVK("", "Node"),
			in:   `{"status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"}}}`,
			want: `{"status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"allocatable":{"cpu":"4","memory":"8Gi","pods":"110"}}}`},
		{name: "node keeps its allocatable", gvk: defaultsGVK("", "Node"),
			in:   `{"status":{"capacity":{"cpu":"4"},"allocatable":{"cpu":"3500m"}}}`,
			want: `{"status":{"capacity":{"cpu":"4"},"allocatable":{"cpu":"3500m"}}}`},
		{name: "persistentvolume", gvk: defaultsGVK("", "PersistentVolume"),
			in: `{"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/x"}}}`,
			want: `{"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/x","type":""},
				"persistentVolumeReclaimPolicy":"Retain","volumeMode":"Filesystem"},"status":{"phase":"Pending"}}`},
		{name: "persistentvolume sources", gvk: defaultsGVK("", "PersistentVolume"),
			in: `{"spec":{"persistentVolumeReclaimPolicy":"Delete","volumeMode":"Block","rbd":{"monitors":["m"],"image":"i"}},"status":{"phase":"Bound"}}`,
			want: `{"spec":{"persistentVolumeReclaimPolicy":"Delete","volumeMode":"Block",
				"rbd":{"monitors":["m"],"image":"i","pool":"rbd","user":"admin","keyring":"/etc/ceph/keyring"}},"status":{"phase":"Bound"}}`},
		{name: "persistentvolumeclaim", gvk: defaultsGVK("", "PersistentVolumeClaim"),
			in:   `{"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}`,
			want: `{"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},"volumeMode":"Filesystem"},"status":{"phase":"Pending"}}`},
		{name: "configmap has no defaults", gvk: defaultsGVK("", "ConfigMap"), in: `{"data":{"a":"b"}}`, want: `{"data":{"a":"b"}}`},
		{name: "serviceaccount has no defaults", gvk: defaultsGVK("", "ServiceAccount"), in: `{"metadata":{"name":"sa"}}`, want: `{"metadata":{"name":"sa"}}`},
	})
}

func TestDefaultGroupKinds(t *testing.T) {
	netpol := defaultsGVK("networking.k8s.io", "NetworkPolicy")
	runDefaultCases(t, []defaultCase{
		{name: "networkpolicy with ingress rules", gvk: netpol,
			in:   `{"spec":{"podSelector":{},"ingress":[{"ports":[{"port":80}]}]}}`,
			want: `{"spec":{"podSelector":{},"ingress":[{"ports":[{"port":80,"protocol":"TCP"}]}],"policyTypes":["Ingress"]}}`},
		{name: "networkpolicy with egress rules", gvk: netpol,
			in:   `{"spec":{"podSelector":{},"egress":[{"ports":[{"port":53,"protocol":"UDP"}]}]}}`,
			want: `{"spec":{"podSelector":{},"egress":[{"ports":[{"port":53,"protocol":"UDP"}]}],"policyTypes":["Ingress","Egress"]}}`},
		{name: "networkpolicy keeps its policy types", gvk: netpol,
			in: `{"spec":{"podSelector":{},"policyTypes":["Egress"]}}`, want: `{"spec":{"podSelector":{},"policyTypes":["Egress"]}}`},
		{name: "ingress path type is not defaulted", gvk: defaultsGVK("networking.k8s.io", "Ingress"),
			in:   `{"spec":{"rules":[{"http":{"paths":[{"path":"/","backend":{"service":{"name":"s","port":{"number":80}}}}]}}]}}`,
			want: `{"spec":{"rules":[{"http":{"paths":[{"path":"/","backend":{"service":{"name":"s","port":{"number":80}}}}]}}]}}`},
		{name: "ingressclass parameters scope", gvk: defaultsGVK("networking.k8s.io", "IngressClass"),
			in:   `{"spec":{"controller":"example.com/ingress","parameters":{"kind":"Params","name":"p"}}}`,
			want: `{"spec":{"controller":"example.com/ingress","parameters":{"kind":"Params","name":"p","scope":"Cluster"}}}`},
		{name: "rolebinding", gvk: defaultsGVK("rbac.authorization.k8s.io", "RoleBinding"),
			in: `{"roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"User","name":"u"},{"kind":"Group","name":"g"},
				{"kind":"ServiceAccount","name":"sa","namespace":"ns"}]}`,
			want: `{"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},"subjects":[
				{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"u"},{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"g"},
				{"kind":"ServiceAccount","name":"sa","namespace":"ns"}]}`},
		{name: "clusterrolebinding", gvk: defaultsGVK("rbac.authorization.k8s.io", "ClusterRoleBinding"),
			in:   `{"roleRef":{"kind":"ClusterRole","name":"r"},"subjects":[{"kind":"Group","name":"g","apiGroup":"example.com"}]}`,
			want: `{"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"r"},"subjects":[{"kind":"Group","name":"g","apiGroup":"example.com"}]}`},
		{name: "endpointslice ports", gvk: defaultsGVK("discovery.k8s.io", "EndpointSlice"),
			in:   `{"addressType":"IPv4","ports":[{"port":80},{"name":"http","port":8080,"protocol":"UDP"}]}`,
			want: `{"addressType":"IPv4","ports":[{"name":"","port":80,"protocol":"TCP"},{"name":"http","port":8080,"protocol":"UDP"}]}`},
		{name: "storageclass", gvk: defaultsGVK("storage.k8s.io", "StorageClass"),
			in:   `{"provisioner":"example.com/disk"}`,
			want: `{"provisioner":"example.com/disk","reclaimPolicy":"Delete","volumeBindingMode":"Immediate"}`},
		{name: "storageclass keeps set values", gvk: defaultsGVK("storage.k8s.io", "StorageClass"),
			in:   `{"provisioner":"p","reclaimPolicy":"Retain","volumeBindingMode":"WaitForFirstConsumer"}`,
			want: `{"provisioner":"p","reclaimPolicy":"Retain","volumeBindingMode":"WaitForFirstConsumer"}`},
		{name: "priorityclass", gvk: defaultsGVK("scheduling.k8s.io", "PriorityClass"),
			in: `{"value":1000}`, want: `{"value":1000,"preemptionPolicy":"PreemptLowerPriority"}`},
		{name: "poddisruptionbudget has no defaults", gvk: defaultsGVK("policy", "PodDisruptionBudget"),
			in: `{"spec":{"minAvailable":1}}`, want: `{"spec":{"minAvailable":1}}`},
		{name: "lease has no defaults", gvk: defaultsGVK("coordination.k8s.io", "Lease"),
			in: `{"spec":{"holderIdentity":"a"}}`, want: `{"spec":{"holderIdentity":"a"}}`},
		{name: "another version is not defaulted", gvk: types.GroupVersionKind{Group: "apps", Version: "v1beta2", Kind: "Deployment"},
			in: `{"spec":{}}`, want: `{"spec":{}}`},
		{name: "customresourcedefinition", gvk: defaultsGVK("apiextensions.k8s.io", "CustomResourceDefinition"),
			in: `{"spec":{"group":"example.com","scope":"Namespaced","names":{"kind":"Widget","plural":"widgets"},
				"versions":[{"name":"v1beta1","served":true,"storage":false},{"name":"v1","served":true,"storage":true}]}}`,
			want: `{"spec":{"group":"example.com","scope":"Namespaced","names":{"kind":"Widget","plural":"widgets","singular":"widget","listKind":"WidgetList"},
				"conversion":{"strategy":"None"},
				"versions":[{"name":"v1beta1","served":true,"storage":false},{"name":"v1","served":true,"storage":true}]},
				"status":{"storedVersions":["v1"]}}`},
		{name: "customresourcedefinition webhook port", gvk: defaultsGVK("apiextensions.k8s.io", "CustomResourceDefinition"),
			in: `{"spec":{"names":{"kind":"Widget","plural":"widgets","singular":"w","listKind":"Widgets"},
				"conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"service":{"namespace":"n","name":"s"}},"conversionReviewVersions":["v1"]}},
				"versions":[{"name":"v1","served":true,"storage":true}]},"status":{"storedVersions":["v1alpha1"]}}`,
			want: `{"spec":{"names":{"kind":"Widget","plural":"widgets","singular":"w","listKind":"Widgets"},
				"conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"service":{"namespace":"n","name":"s","port":443}},"conversionReviewVersions":["v1"]}},
				"versions":[{"name":"v1","served":true,"storage":true}]},"status":{"storedVersions":["v1alpha1"]}}`},
	})
}

func TestDefaultNamespaceFinalizer(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"added", `{"metadata":{"name":"n"}}`, `{"metadata":{"name":"n"},"spec":{"finalizers":["kubernetes"]}}`},
		{"appended", `{"spec":{"finalizers":["example.com/x"]}}`, `{"spec":{"finalizers":["example.com/x","kubernetes"]}}`},
		{"present", `{"spec":{"finalizers":["kubernetes"]}}`, `{"spec":{"finalizers":["kubernetes"]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := jsontree.DecodeObject([]byte(tc.in))
			require.NoError(t, err)
			require.Equal(t, tc.in != tc.want, addNamespaceFinalizer(obj))
			got, err := jsontree.Append(nil, obj)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(got))
		})
	}
}

func TestPodQOSClass(t *testing.T) {
	for _, tc := range []struct {
		name, pod, want string
		defaulted       bool // run defaultObject first, as kube computes the class of the defaulted pod
	}{
		{name: "no resources", pod: `{"spec":{"containers":[{"name":"a"}]}}`, want: "BestEffort"},
		{name: "no containers", pod: `{"spec":{}}`, want: "BestEffort"},
		{name: "equal requests and limits", want: "Guaranteed",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1000m","memory":"1073741824"}}}]}}`},
		{name: "limits only, after defaulting", want: "Guaranteed", defaulted: true,
			pod: `{"spec":{"containers":[{"name":"a","image":"nginx:1","resources":{"limits":{"cpu":"500m","memory":"128Mi"}}}]}}`},
		{name: "requests only", want: "Burstable",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}`},
		{name: "requests below limits", want: "Burstable",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":"500m","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}}]}}`},
		{name: "cpu without memory", want: "Burstable",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":"1"},"limits":{"cpu":"1"}}}]}}`},
		{name: "a guaranteed and a best-effort container", want: "Burstable",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}},{"name":"b"}]}}`},
		{name: "init containers count", want: "Burstable",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}}],
				"initContainers":[{"resources":{"requests":{"cpu":"100m"}}}]}}`},
		{name: "guaranteed init and app containers", want: "Guaranteed",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}}],
				"initContainers":[{"resources":{"requests":{"cpu":"2","memory":"2Gi"},"limits":{"cpu":"2","memory":"2Gi"}}}]}}`},
		{name: "ephemeral containers do not count", want: "BestEffort",
			pod: `{"spec":{"containers":[{"name":"a"}],"ephemeralContainers":[{"resources":{"requests":{"cpu":"1"}}}]}}`},
		{name: "other resources do not count", want: "BestEffort",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"ephemeral-storage":"1Gi"},"limits":{"nvidia.com/gpu":"1"}}}]}}`},
		{name: "zero quantities are best effort", want: "BestEffort",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":"0","memory":"0Mi"}}}]}}`},
		{name: "quantities round up to milli units", want: "Guaranteed",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":"0.0001","memory":"64Mi"},"limits":{"cpu":"1m","memory":"67108864"}}}]}}`},
		{name: "numbers and exponents", want: "Guaranteed",
			pod: `{"spec":{"containers":[{"resources":{"requests":{"cpu":0.5,"memory":"1e3"},"limits":{"cpu":"500m","memory":1000}}}]}}`},
		{name: "pod-level resources decide", want: "Guaranteed",
			pod: `{"spec":{"resources":{"requests":{"cpu":"2","memory":"2Gi"},"limits":{"cpu":"2","memory":"2Gi"}},
				"containers":[{"name":"a"},{"resources":{"requests":{"cpu":"1"}}}]}}`},
		{name: "pod-level requests only", want: "Burstable",
			pod: `{"spec":{"resources":{"requests":{"cpu":"1"}},"containers":[{"resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}}]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := jsontree.DecodeObject([]byte(tc.pod))
			require.NoError(t, err)
			if tc.defaulted {
				defaultObject(defaultsGVK("", "Pod"), obj)
			}
			require.Equal(t, tc.want, podQOSClass(obj))
		})
	}
}

func TestDefaultQOSQuantity(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string // as a fraction
	}{
		{"1", "1/1"}, {"100m", "1/10"}, {"1Ki", "1024/1"}, {"1.5Gi", "1610612736/1"}, {"2k", "2000/1"},
		{"1e3", "1000/1"}, {"1E3", "1000/1"}, {"1e+3", "1000/1"}, {"5e-1", "1/2"}, {"1E", "1000000000000000000/1"},
		{"+.5", "1/2"}, {"-1", "-1/1"}, {" 2 ", "2/1"}, {"1n", "1/1000"}, {"-1n", "-1/1000"},
		{int64(3), "3/1"}, {0.25, "1/4"}, {nil, "0/1"}, {"", "0/1"}, {"abc", "0/1"}, {"1x", "0/1"}, {"1.2.3", "0/1"}, {"--1", "0/1"},
	} {
		require.Equal(t, tc.want, qosQuantity(tc.in).String(), "%v", tc.in)
	}
}
