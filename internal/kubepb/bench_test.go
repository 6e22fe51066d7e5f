package kubepb

import (
	"testing"
)

// benchPod is the benchmark workload's pod (bench/pod.go) as kube-apiserver would store it.
var benchPod = []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-00042","namespace":"default","uid":"7c1e4b5e-3f7a-4a43-9d0e-1b2c3d4e5f60","resourceVersion":"12345","creationTimestamp":"2026-11-21T10:00:00Z","labels":{"app":"a2","tier":"t0"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler"},"status":{"phase":"Pending","qosClass":"BestEffort"}}`)

func BenchmarkAppendObjectPod(b *testing.B) {
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendObject(buf[:0], "v1", "Pod", benchPod); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeObjectPod(b *testing.B) {
	pb, err := AppendObject(nil, "v1", "Pod", benchPod)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := DecodeObject(pb); err != nil {
			b.Fatal(err)
		}
	}
}
