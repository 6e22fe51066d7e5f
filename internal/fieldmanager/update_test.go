package fieldmanager

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// deploymentObject is a Deployment as a client writes it with update, with replicas r and status s (JSON, or "").
func deploymentObject(replicas int, status string) string {
	o := `{` + deployHead[:len(deployHead)-1] + `,"labels":{"app":"a"}},"spec":{"replicas":` + fmt.Sprint(replicas) +
		`,"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"web","image":"nginx:1"}]}}}`
	if status != "" {
		o += `,"status":` + status
	}
	return o + `}`
}

const createdFields = `{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
	"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}`

func TestUpdate(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"create, then an update by another manager", []step{
			{
				manager:     "kubectl-create",
				obj:         deploymentObject(1, ""),
				wantManaged: `[{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":` + createdFields + `}]`,
			},
			{
				// kubectl-edit changes replicas: it takes the field; kubectl-create keeps the rest and its time.
				manager: "kubectl-edit",
				obj:     deploymentObject(2, ""),
				wantManaged: `[
					{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
						"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:selector":{},"f:template":{
						"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}},
					{"manager":"kubectl-edit","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}]`,
			},
			{
				// An update that changes nothing changes no time.
				manager: "kubectl-create",
				obj:     deploymentObject(2, ""),
				wantManaged: `[
					{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
						"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:selector":{},"f:template":{
						"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}},
					{"manager":"kubectl-edit","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}]`,
			},
			{
				// Through the status subresource, only status is owned (spec and metadata are reset fields there).
				manager: "kube-controller-manager", subresource: "status",
				obj: deploymentObject(5, `{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}`),
				wantManaged: `[
					{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
						"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:selector":{},"f:template":{
						"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}},
					{"manager":"kubectl-edit","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}},
					{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:03Z","fieldsType":"FieldsV1",
						"fieldsV1":{"f:status":{"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:status":{},"f:type":{}}},"f:replicas":{}}},"subresource":"status"}]`,
			},
			{
				// Through the main resource, status is a reset field: changing it gives nothing to anybody. (The
				// status update above left spec.replicas at 5: the strategy, not field management, resets it.)
				manager: "kubectl-edit",
				obj:     deploymentObject(5, `{"replicas":7}`),
				wantManaged: `[
					{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
						"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:selector":{},"f:template":{
						"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}},
					{"manager":"kubectl-edit","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}},
					{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:03Z","fieldsType":"FieldsV1",
						"fieldsV1":{"f:status":{"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:status":{},"f:type":{}}},"f:replicas":{}}},"subresource":"status"}]`,
			},
		}},
		{"managedFields: [] clears them, and they stay cleared until an apply", []step{
			{manager: "kubectl-create", obj: deploymentObject(1, "")},
			{
				manager:     "kubectl-edit",
				obj:         strings.Replace(deploymentObject(2, ""), `"labels"`, `"managedFields":[],"labels"`, 1),
				wantManaged: "null",
			},
			{manager: "kubectl-edit", obj: deploymentObject(3, ""), wantManaged: "null"},
			{
				// The first apply gives the fields already there to before-first-apply.
				apply: true, manager: "ci", obj: `{` + deployHead + `,"spec":{"replicas":3,"paused":true}}`,
				wantManaged: `[
					{"manager":"ci","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:03Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:paused":{},"f:replicas":{}}}},
					{"manager":"before-first-apply","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:03Z","fieldsType":"FieldsV1","fieldsV1":` + createdFields + `}]`,
			},
		}},
		{"a list of one empty entry clears them too", []step{
			{manager: "kubectl-create", obj: deploymentObject(1, "")},
			{
				manager:     "kubectl-edit",
				obj:         strings.Replace(deploymentObject(2, ""), `"labels"`, `"managedFields":[{}],"labels"`, 1),
				wantManaged: "null",
			},
		}},
		{"invalid managedFields in a request are replaced by the live ones", []step{
			{manager: "kubectl-create", obj: deploymentObject(1, "")},
			{
				manager: "kubectl-edit",
				obj: strings.Replace(deploymentObject(1, ""), `"labels"`,
					`"managedFields":[{"manager":"x","operation":"Bogus","apiVersion":"v1","fieldsType":"FieldsV1"}],"labels"`, 1),
				wantManaged: `[{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":` + createdFields + `}]`,
			},
			{
				manager:     "kubectl-edit",
				obj:         strings.Replace(deploymentObject(1, ""), `"labels"`, `"managedFields":"garbage","labels"`, 1),
				wantManaged: `[{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":` + createdFields + `}]`,
			},
		}},
		{"valid managedFields in a request replace the live ones", []step{
			{manager: "kubectl-create", obj: deploymentObject(1, "")},
			{
				manager: "kubectl-edit",
				obj: strings.Replace(deploymentObject(2, ""), `"labels"`,
					`"managedFields":[{"manager":"mover","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:selector":{}}}}],"labels"`, 1),
				wantManaged: `[
					{"manager":"mover","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:selector":{}}}},
					{"manager":"kubectl-edit","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}]`,
			},
		}},
		{"an update through a subresource ignores the managedFields it sends", []step{
			{manager: "kubectl-create", obj: deploymentObject(1, "")},
			{
				manager: "kcm", subresource: "status",
				obj: strings.Replace(deploymentObject(1, `{"replicas":1}`), `"labels"`, `"managedFields":[],"labels"`, 1),
				wantManaged: `[
					{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":` + createdFields + `},
					{"manager":"kcm","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:replicas":{}}},"subresource":"status"}]`,
			},
		}},
		{"an object without managedFields is not tracked by updates", []step{
			{manager: "kubectl-create", obj: deploymentObject(1, "")},
			{manager: "x", obj: strings.Replace(deploymentObject(1, ""), `"labels"`, `"managedFields":[],"labels"`, 1), wantManaged: "null"},
			{manager: "y", obj: deploymentObject(4, ""), wantManaged: "null", wantObj: strings.Replace(deploymentObject(4, ""), `"labels"`, `"uid":"u1","labels"`, 1)},
		}},
		{"an empty manager is unknown", []step{{
			obj:         `{` + cmHead + `},"data":{"k":"v"}}`,
			wantManaged: `[{"manager":"unknown","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:k":{}}}}]`,
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gvk := deploymentGVK
			if strings.Contains(tc.steps[0].obj, `"ConfigMap"`) {
				gvk = configMapGVK
			}
			runScript(t, kindManager(t, gvk), tc.steps)
		})
	}
}

func TestUpdateCapsUpdateManagers(t *testing.T) {
	m := kindManager(t, configMapGVK)
	var live map[string]any
	data := map[string]any{}
	for i := range MaxUpdateManagers + 1 {
		data[fmt.Sprint("k", i)] = "v"
		obj := decode(t, `{`+cmHead+`}}`)
		obj["data"] = deepCopy(data)
		if live != nil {
			metadataOf(obj)["uid"] = "u1"
		}
		out, err := m.Update(live, obj, fmt.Sprint("m", i), "", t0.Add(time.Duration(i)*time.Second))
		require.NoError(t, err)
		live = out
	}
	// The two oldest entries are merged into ancient-changes, which takes the time of the newer; ten are left.
	entries := metadataOf(live)["managedFields"].([]any)
	require.Len(t, entries, MaxUpdateManagers)
	require.JSONEq(t, `{"manager":"ancient-changes","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1",
		"fieldsV1":{"f:data":{".":{},"f:k0":{},"f:k1":{}}}}`, encode(t, entries[0]))
	require.JSONEq(t, `{"manager":"m2","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:02Z","fieldsType":"FieldsV1",
		"fieldsV1":{"f:data":{"f:k2":{}}}}`, encode(t, entries[1]))
	require.Equal(t, "m10", entries[9].(map[string]any)["manager"])
}

func TestUpdateNoErrors(t *testing.T) {
	// A custom resource with a field its schema does not declare (kube prunes those before field management).
	m := widgetManager(t)
	live, err := m.Update(nil, decode(t, `{`+widgetHead+`,"spec":{"tags":["a"]}}`), "a", "", t0)
	require.NoError(t, err)
	metadataOf(live)["uid"] = "u1"
	bad := decode(t, `{`+widgetHead+`,"spec":{"tags":["a"],"unknown":1}}`)
	_, err = m.Update(live, bad, "b", "", t0.Add(time.Second))
	var se *SchemaError
	require.ErrorAs(t, err, &se)
	require.ErrorContains(t, err, "failed to update ManagedFields (default/w; example.com/v1, Kind=Widget): ")
	require.ErrorContains(t, err, ".spec.unknown: ")
	out := m.UpdateNoErrors(live, bad, "b", "", t0.Add(time.Second))
	require.Equal(t, metadataOf(live)["managedFields"], metadataOf(out)["managedFields"])
	require.NotContains(t, metadataOf(bad), "managedFields", "the argument is not modified")
}
