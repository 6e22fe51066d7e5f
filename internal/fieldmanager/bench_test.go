package fieldmanager

import (
	"testing"
)

// benchDeployment is a typical Deployment configuration as a CI pipeline applies it.
const benchDeployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"app":"web","tier":"frontend"},
	"annotations":{"team":"a"}},"spec":{"replicas":REPLICAS,"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}},
	"template":{"metadata":{"labels":{"app":"web","tier":"frontend"}},"spec":{"containers":[
		{"name":"web","image":"nginx:1.27","ports":[{"containerPort":80,"name":"http"},{"containerPort":443,"name":"https"}],
		 "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"configMapKeyRef":{"name":"cm","key":"b"}}}],
		 "resources":{"limits":{"cpu":"1","memory":"512Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},
		 "readinessProbe":{"httpGet":{"path":"/healthz","port":"http"},"periodSeconds":5},
		 "volumeMounts":[{"name":"config","mountPath":"/etc/web"}]},
		{"name":"sidecar","image":"busybox:1.36","args":["sleep","infinity"]}],
		"volumes":[{"name":"config","configMap":{"name":"web-config"}}],"serviceAccountName":"web"}}}}`

// benchPod is a typical Pod as kubectl or a controller creates it, after defaulting.
const benchPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"default","labels":{"app":"web"},
	"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5d8f","uid":"0d3c","controller":true,"blockOwnerDeletion":true}]},
	"spec":{"containers":[{"name":"web","image":"nginx:1.27","imagePullPolicy":"IfNotPresent","ports":[{"containerPort":80,"protocol":"TCP"}],
		"env":[{"name":"A","value":"1"}],"resources":{"requests":{"cpu":"100m"}},"terminationMessagePath":"/dev/termination-log",
		"terminationMessagePolicy":"File","volumeMounts":[{"name":"kube-api-access","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","readOnly":true}]}],
		"volumes":[{"name":"kube-api-access","projected":{"defaultMode":420,"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}]}}],
		"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","schedulerName":"default-scheduler",
		"securityContext":{},"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority","priority":0,
		"tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]}}`

func benchConfig(b testing.TB, replicas string) map[string]any {
	return decode(b, replaceAll(benchDeployment, "REPLICAS", replicas))
}

// BenchmarkApplyDeployment applies a change (replicas) to a Deployment another manager also writes.
func BenchmarkApplyDeployment(b *testing.B) {
	m := kindManager(b, deploymentGVK)
	live, err := m.Apply(nil, benchConfig(b, "3"), "ci", "", false, t0)
	if err != nil {
		b.Fatal(err)
	}
	metadataOf(live)["uid"] = "u1"
	configs := []map[string]any{benchConfig(b, "4"), benchConfig(b, "3")}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		out, err := m.Apply(live, configs[i%2], "ci", "", false, t0)
		if err != nil {
			b.Fatal(err)
		}
		live = out
		i++
	}
}

// BenchmarkApplyDeploymentNoop re-applies an unchanged configuration.
func BenchmarkApplyDeploymentNoop(b *testing.B) {
	m := kindManager(b, deploymentGVK)
	config := benchConfig(b, "3")
	live, err := m.Apply(nil, config, "ci", "", false, t0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Apply(live, config, "ci", "", false, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdatePodCreate records the managedFields of a created Pod.
func BenchmarkUpdatePodCreate(b *testing.B) {
	m := kindManager(b, podGVK)
	pod := decode(b, benchPod)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Update(nil, pod, "kubectl-create", "", t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateDeployment records an update that changes one field of a Deployment.
func BenchmarkUpdateDeployment(b *testing.B) {
	m := kindManager(b, deploymentGVK)
	live, err := m.Update(nil, benchConfig(b, "3"), "kubectl-create", "", t0)
	if err != nil {
		b.Fatal(err)
	}
	metadataOf(live)["uid"] = "u1"
	next := benchConfig(b, "4")
	metadataOf(next)["uid"] = "u1"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Update(live, next, "kubectl-edit", "", t0); err != nil {
			b.Fatal(err)
		}
	}
}
