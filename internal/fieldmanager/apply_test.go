package fieldmanager

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// The expected managedFields follow kube-apiserver's documented behaviour
// (https://kubernetes.io/docs/reference/using-api/server-side-apply/) and k8s.io/apimachinery's fieldmanager tests.

const cmHead = `"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"`

func TestApplyConfigMap(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"apply create, as in kube's documentation", []step{{
			apply: true, manager: "kubectl",
			obj: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"test-cm","namespace":"default","labels":{"test-label":"test"}},"data":{"key":"some value"}}`,
			wantManaged: `[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1",
				"fieldsV1":{"f:data":{"f:key":{}},"f:metadata":{"f:labels":{"f:test-label":{}}}}}]`,
			wantObj: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"test-cm","namespace":"default","labels":{"test-label":"test"}},"data":{"key":"some value"}}`,
		}}},
		{"re-apply with fields dropped removes them", []step{
			{apply: true, manager: "a", obj: `{` + cmHead + `,"labels":{"x":"1"}},"data":{"k":"v","j":"w"}}`},
			{
				apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"k":"v"}}`,
				wantManaged: `[{"manager":"a","operation":"Apply","apiVersion":"v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1",
					"fieldsV1":{"f:data":{"f:k":{}}}}]`,
				wantObj: `{` + cmHead + `,"uid":"u1"},"data":{"k":"v"}}`,
			},
		}},
		{"two managers applying the same value both own it", []step{
			{apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"k":"v","j":"1"}}`},
			{
				// The object does not change, so b's new entry gets no time: kube-apiserver sets the time of an
				// applier only when the apply changes the object (kubernetes/kubernetes#127938).
				apply: true, manager: "b", obj: `{` + cmHead + `},"data":{"k":"v"}}`,
				wantManaged: `[
					{"manager":"b","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:k":{}}}},
					{"manager":"a","operation":"Apply","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:j":{},"f:k":{}}}}]`,
			},
			{
				// a drops k: b still owns it, so it stays, and the object is unchanged again.
				apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"j":"1"}}`,
				wantManaged: `[
					{"manager":"b","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:k":{}}}},
					{"manager":"a","operation":"Apply","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:j":{}}}}]`,
				wantObj: `{` + cmHead + `,"uid":"u1"},"data":{"k":"v","j":"1"}}`,
			},
			{
				// b drops it too: now nobody owns it, and it goes.
				apply: true, manager: "b", obj: `{` + cmHead + `}}`,
				wantManaged: `[
					{"manager":"a","operation":"Apply","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:j":{}}}}]`,
				wantObj: `{` + cmHead + `,"uid":"u1"},"data":{"j":"1"}}`,
			},
		}},
		{"conflict, then force", []step{
			{apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"k":"v","j":"1"}}`},
			{
				apply: true, manager: "b", obj: `{` + cmHead + `},"data":{"k":"w"}}`,
				wantErr: `Apply failed with 1 conflict: conflict with "a": .data.k`,
			},
			{
				apply: true, manager: "b", force: true, obj: `{` + cmHead + `},"data":{"k":"w"}}`,
				wantManaged: `[
					{"manager":"a","operation":"Apply","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:j":{}}}},
					{"manager":"b","operation":"Apply","apiVersion":"v1","time":"2026-01-02T03:04:02Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:k":{}}}}]`,
				wantObj: `{` + cmHead + `,"uid":"u1"},"data":{"k":"w","j":"1"}}`,
			},
			{
				// a re-applies its old value: now b owns the field.
				apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"k":"v","j":"1"}}`,
				wantErr: `Apply failed with 1 conflict: conflict with "b": .data.k`,
			},
		}},
		{"conflicts with an updater and with several owners", []step{
			{manager: "kubectl-create", obj: `{` + cmHead + `},"data":{"x":"1","y":"1"}}`},
			{apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"x":"1","z":"1"}}`},
			{
				apply: true, manager: "c", obj: `{` + cmHead + `},"data":{"y":"2"}}`,
				wantErr: `Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.y`,
			},
			{
				apply: true, manager: "c", obj: `{` + cmHead + `},"data":{"x":"2","y":"2","z":"2"}}`,
				wantErr: "Apply failed with 4 conflicts: conflicts with \"a\":\n- .data.x\n- .data.z\n" +
					"conflicts with \"kubectl-create\" using v1:\n- .data.x\n- .data.y",
			},
		}},
		{"a no-op apply keeps the time", []step{
			{apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"k":"v"}}`},
			{
				apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"k":"v"}}`,
				wantManaged: `[{"manager":"a","operation":"Apply","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:k":{}}}}]`,
			},
		}},
		{"apply rejects managedFields and other kinds", []step{
			{
				apply: true, manager: "a", obj: `{` + cmHead + `,"managedFields":[]},"data":{"k":"v"}}`,
				wantErr: "metadata.managedFields must be nil",
			},
			{
				apply: true, manager: "a", obj: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"cm"}}`,
				wantErr: "invalid object type: /v1, Kind=Secret",
			},
			{
				apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"k":"v"},"spec":{}}`,
				wantErr: "failed to create typed patch object (default/cm; /v1, Kind=ConfigMap): .spec: field not declared in schema",
			},
			{
				apply: true, manager: "a", obj: `{` + cmHead + `},"data":{"k":5}}`,
				wantErr: "failed to create typed patch object (default/cm; /v1, Kind=ConfigMap): .data.k: expected string, got &value.valueUnstructured{Value:5}",
			},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runScript(t, kindManager(t, configMapGVK), tc.steps)
		})
	}
}

const deployHead = `"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"}`

// deployment returns an applied Deployment whose template has the given containers (JSON).
func deployment(containers string) string {
	return `{` + deployHead + `,"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":` + containers + `}}}}`
}

func TestApplyDeploymentLists(t *testing.T) {
	steps := []step{
		{
			apply: true, manager: "a",
			obj: deployment(`[{"name":"web","image":"nginx:1","args":["--x","--y"],"ports":[{"containerPort":80}]}]`),
			wantManaged: `[{"manager":"a","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{
				"f:selector":{},
				"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},
					"f:args":{},"f:image":{},"f:name":{},
					"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}}]`,
		},
		{
			// Containers merge by name: b's sidecar joins a's container.
			apply: true, manager: "b", obj: `{` + deployHead + `,"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}`,
			wantObj: `{` + deployHead[:len(deployHead)-1] + `,"uid":"u1"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[
				{"name":"web","image":"nginx:1","args":["--x","--y"],"ports":[{"containerPort":80}]},
				{"name":"side","image":"busybox"}]}}}}`,
		},
		{
			// b drops its sidecar (removed) and adds ports to web: ports merge by containerPort and protocol, and
			// a port without protocol is the TCP one.
			apply: true, manager: "b", obj: `{` + deployHead + `,"spec":{"template":{"spec":{"containers":[{"name":"web",
				"ports":[{"containerPort":80,"protocol":"UDP"},{"containerPort":81}]}]}}}}`,
			wantObj: `{` + deployHead[:len(deployHead)-1] + `,"uid":"u1"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[
				{"name":"web","image":"nginx:1","args":["--x","--y"],"ports":[{"containerPort":80},{"containerPort":80,"protocol":"UDP"},{"containerPort":81}]}]}}}}`,
			wantManaged: `[
				{"manager":"a","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{
					"f:selector":{},
					"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},
						"f:args":{},"f:image":{},"f:name":{},
						"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}},
				{"manager":"b","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:02Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{
					"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:name":{},
						"f:ports":{
							"k:{\"containerPort\":80,\"protocol\":\"UDP\"}":{".":{},"f:containerPort":{},"f:protocol":{}},
							"k:{\"containerPort\":81,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}}]`,
		},
		{
			// args is atomic: a's new list replaces the old one whole.
			apply: true, manager: "a", obj: deployment(`[{"name":"web","image":"nginx:1","args":["--z"],"ports":[{"containerPort":80}]}]`),
			wantObj: `{` + deployHead[:len(deployHead)-1] + `,"uid":"u1"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[
				{"name":"web","image":"nginx:1","args":["--z"],"ports":[{"containerPort":80},{"containerPort":80,"protocol":"UDP"},{"containerPort":81}]}]}}}}`,
		},
		{
			// Another manager changing an atomic list conflicts on the list as a whole...
			apply: true, manager: "c", obj: `{` + deployHead + `,"spec":{"template":{"spec":{"containers":[{"name":"web","args":["--w"]}]}}}}`,
			wantErr: `Apply failed with 1 conflict: conflict with "a": .spec.template.spec.containers[name="web"].args`,
		},
		{
			// ...and takes it whole when forced; the selector (an atomic struct) is replaced the same way.
			apply: true, manager: "c", force: true, obj: `{` + deployHead + `,"spec":{"selector":{"matchExpressions":[{"key":"app","operator":"Exists"}]},
				"template":{"spec":{"containers":[{"name":"web","args":["--w"]}]}}}}`,
			wantObj: `{` + deployHead[:len(deployHead)-1] + `,"uid":"u1"},"spec":{"selector":{"matchExpressions":[{"key":"app","operator":"Exists"}]},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[
				{"name":"web","image":"nginx:1","args":["--w"],"ports":[{"containerPort":80},{"containerPort":80,"protocol":"UDP"},{"containerPort":81}]}]}}}}`,
			wantManaged: `[
				{"manager":"b","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:02Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{
					"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:name":{},
						"f:ports":{
							"k:{\"containerPort\":80,\"protocol\":\"UDP\"}":{".":{},"f:containerPort":{},"f:protocol":{}},
							"k:{\"containerPort\":81,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}},
				{"manager":"a","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:03Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{
					"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},
						"f:image":{},"f:name":{},
						"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}},
				{"manager":"c","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{
					"f:selector":{},
					"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:args":{},"f:name":{}}}}}}}}]`,
		},
	}
	runScript(t, kindManager(t, deploymentGVK), steps)
}

// TestConcurrentUse runs applies and updates of one Manager (and one cached converter) from several goroutines;
// under -race it checks that neither shares mutable state.
func TestConcurrentUse(t *testing.T) {
	m := kindManager(t, deploymentGVK)
	live, err := m.Apply(nil, decode(t, deployment(`[{"name":"web","image":"nginx:1"}]`)), "a", "", false, t0)
	require.NoError(t, err)
	metadataOf(live)["uid"] = "u1"
	snapshot := encode(t, live)
	done := make(chan error)
	for g := range 4 {
		go func() {
			var err error
			for i := range 20 {
				image := fmt.Sprintf("nginx:%d", g*100+i)
				var obj map[string]any
				if i%2 == 0 {
					if obj, err = jsontree.DecodeObject([]byte(deployment(`[{"name":"web","image":"` + image + `"}]`))); err == nil {
						_, err = m.Apply(live, obj, "b", "", true, t0)
					}
				} else if obj, err = jsontree.DecodeObject([]byte(snapshot)); err == nil {
					obj["spec"].(map[string]any)["replicas"] = int64(i)
					_, err = m.Update(live, obj, "c", "", t0)
				}
				if err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-done)
	}
	require.Equal(t, snapshot, encode(t, live), "live is never modified")
}
