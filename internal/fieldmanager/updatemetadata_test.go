package fieldmanager

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/types"
)

// The objects the UpdateMetadata tests create (as "creator", at t0) before updating their metadata.
const (
	umDeployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","labels":{"app":"a","tier":"web"}},
		"spec":{"replicas":1,"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"web","image":"nginx:1"}]}}},
		"status":{"replicas":1}}`
	umPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"app":"a"},"finalizers":["example.com/f"]},
		"spec":{"containers":[{"name":"c","image":"busybox"}]}}`
	umConfigMap = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default","annotations":{"note":"x"}},"data":{"k":"v"}}`
	umWidget    = `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"default","labels":{"app":"a"}},
		"spec":{"items":[{"name":"x","zone":"b","value":1}],"selector":{"a":"1"},"tags":["t1"]},"status":{"phase":"Ready"}}`
)

// umCreatedWidget is the entry of creator after the create of umWidget.
const umCreatedWidget = `{"manager":"creator","operation":"Update","apiVersion":"example.com/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
	"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":` + umCreatedWidgetSpec + `}}`

// umCreatedWidgetSpec is the spec part of umCreatedWidget's fieldsV1.
const umCreatedWidgetSpec = `{".":{},"f:items":{".":{},"k:{\"name\":\"x\",\"zone\":\"b\"}":{".":{},"f:name":{},"f:value":{},"f:zone":{}}},
	"f:selector":{},"f:tags":{".":{},"v:\"t1\"":{}}}`

// umCreatedDeployment is the entry of creator after the create of umDeployment.
const umCreatedDeployment = `{"manager":"creator","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
	"f:metadata":{"f:labels":{".":{},"f:app":{},"f:tier":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
	"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}}`

// umNow is the time of the metadata updates.
var umNow = t0.Add(time.Minute)

// umCase is a metadata-only update of an object created by creator.
type umCase struct {
	name   string
	gvk    types.GroupVersionKind
	create string // the object creator creates at t0
	// liveManaged replaces the live object's managedFields (JSON) when not ""; "none" removes them.
	liveManaged string
	// editLive, when not nil, changes the metadata of the live object.
	editLive func(meta map[string]any)
	// edit changes the metadata of the written object, a copy of the live one's without managedFields.
	edit                 func(meta map[string]any)
	manager, subresource string
	// wantManaged is the expected metadata.managedFields of the result, as JSON; "null" expects none.
	wantManaged string
	// wantFast says whether UpdateMetadata's fast path serves the write.
	wantFast bool
}

// umList decodes a JSON list.
func umList(s string) []any {
	v, err := jsontree.Decode([]byte(s))
	if err != nil {
		panic(err)
	}
	return v.([]any)
}

// umLabels returns meta's labels map, created when absent.
func umLabels(meta map[string]any) map[string]any {
	l, _ := meta["labels"].(map[string]any)
	if l == nil {
		l = map[string]any{}
		meta["labels"] = l
	}
	return l
}

// umEntries returns the JSON of n Update entries of managers m1..mn, entry i owning the label li, at t0 + i seconds.
func umEntries(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf(`{"manager":"m%d","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:%02dZ","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:l%d":{}}}}}`, i, i, i))
	}
	return out
}

var umCases = []umCase{
	{
		name: "label added by the manager that created the object", gvk: deploymentGVK, create: umDeployment,
		edit:    func(meta map[string]any) { umLabels(meta)["new"] = "1" },
		manager: "creator",
		wantManaged: `[{"manager":"creator","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{
			"f:metadata":{"f:labels":{".":{},"f:app":{},"f:new":{},"f:tier":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}}]`,
		wantFast: true,
	},
	{
		name: "label added by another manager", gvk: deploymentGVK, create: umDeployment,
		edit:    func(meta map[string]any) { umLabels(meta)["new"] = "1" },
		manager: "kubectl-label",
		wantManaged: `[` + umCreatedDeployment + `,
			{"manager":"kubectl-label","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:new":{}}}}}]`,
		wantFast: true,
	},
	{
		name: "label another manager owns changed: ownership moves", gvk: deploymentGVK, create: umDeployment,
		edit:    func(meta map[string]any) { umLabels(meta)["tier"] = "db" },
		manager: "kubectl-label",
		wantManaged: `[{"manager":"creator","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}},
			{"manager":"kubectl-label","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:tier":{}}}}}]`,
		wantFast: true,
	},
	{
		name: "label removed", gvk: deploymentGVK, create: umDeployment,
		edit:    func(meta map[string]any) { delete(umLabels(meta), "tier") },
		manager: "kubectl-label",
		wantManaged: `[{"manager":"creator","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}}]`,
		wantFast: true,
	},
	{
		name: "annotation added", gvk: deploymentGVK, create: umDeployment,
		edit: func(meta map[string]any) {
			meta["annotations"] = map[string]any{"deployment.kubernetes.io/revision": "2"}
		},
		manager: "kube-controller-manager",
		wantManaged: `[` + umCreatedDeployment + `,
			{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}}}}]`,
		wantFast: true,
	},
	{
		name: "annotation changed on a ConfigMap", gvk: configMapGVK, create: umConfigMap,
		edit:    func(meta map[string]any) { meta["annotations"] = map[string]any{"note": "y", "other": "z"} },
		manager: "editor",
		wantManaged: `[
			{"manager":"creator","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:annotations":{}}}},
			{"manager":"editor","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{"f:note":{},"f:other":{}}}}}]`,
		wantFast: true,
	},
	{
		name: "finalizers changed", gvk: podGVK, create: umPod,
		edit:    func(meta map[string]any) { meta["finalizers"] = []any{"example.com/f", "example.com/g"} },
		manager: "controller",
		wantManaged: `[
			{"manager":"creator","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
				"f:metadata":{"f:finalizers":{".":{},"v:\"example.com/f\"":{}},"f:labels":{".":{},"f:app":{}}},
				"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}},
			{"manager":"controller","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:finalizers":{"v:\"example.com/g\"":{}}}}}]`,
		wantFast: true,
	},
	{
		name: "finalizer removed", gvk: podGVK, create: umPod,
		edit:    func(meta map[string]any) { delete(meta, "finalizers") },
		manager: "controller",
		wantManaged: `[
			{"manager":"creator","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
				"f:metadata":{"f:labels":{".":{},"f:app":{}}},
				"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}]`,
		wantFast: true,
	},
	{
		name: "ownerReferences added", gvk: podGVK, create: umPod,
		edit: func(meta map[string]any) {
			meta["ownerReferences"] = []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "rs-uid", "controller": true}}
		},
		manager: "kube-controller-manager",
		wantManaged: `[
			{"manager":"creator","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
				"f:metadata":{"f:finalizers":{".":{},"v:\"example.com/f\"":{}},"f:labels":{".":{},"f:app":{}}},
				"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}},
			{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{
				"f:metadata":{"f:ownerReferences":{".":{},"k:{\"uid\":\"rs-uid\"}":{}}}}}]`,
		wantFast: true,
	},
	{
		name: "through the status subresource metadata is a reset field: nothing is recorded", gvk: deploymentGVK, create: umDeployment,
		edit: func(meta map[string]any) {
			umLabels(meta)["new"] = "1"
			meta["annotations"] = map[string]any{"a": "b"}
		},
		manager: "kube-controller-manager", subresource: "status",
		wantManaged: `[` + umCreatedDeployment + `]`,
		wantFast:    true,
	},
	{
		name: "obj brings its own managedFields, which replace the live ones", gvk: deploymentGVK, create: umDeployment,
		edit: func(meta map[string]any) {
			umLabels(meta)["new"] = "1"
			meta["managedFields"] = umList(`[{"manager":"mover","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}}}}]`)
		},
		manager: "kubectl-label",
		wantManaged: `[
			{"manager":"mover","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}}}},
			{"manager":"kubectl-label","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:new":{}}}}}]`,
		wantFast: true,
	},
	{
		name: "obj sends back the live managedFields", gvk: deploymentGVK, create: umDeployment,
		edit: func(meta map[string]any) {
			umLabels(meta)["new"] = "1"
			meta["managedFields"] = umList(`[` + umCreatedDeployment + `]`)
		},
		manager: "kubectl-label",
		wantManaged: `[` + umCreatedDeployment + `,
			{"manager":"kubectl-label","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:new":{}}}}}]`,
		wantFast: true,
	},
	{
		name: "obj with managedFields: [] clears them", gvk: deploymentGVK, create: umDeployment,
		edit: func(meta map[string]any) {
			umLabels(meta)["new"] = "1"
			meta["managedFields"] = []any{}
		},
		manager:     "kubectl-label",
		wantManaged: "null",
		wantFast:    true,
	},
	{
		name: "live without managedFields: not tracked", gvk: deploymentGVK, create: umDeployment, liveManaged: "none",
		edit:        func(meta map[string]any) { umLabels(meta)["new"] = "1" },
		manager:     "kubectl-label",
		wantManaged: "null",
		wantFast:    true,
	},
	{
		name: "an Apply entry loses a label an update changes", gvk: deploymentGVK, create: umDeployment,
		liveManaged: `[{"manager":"ci","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:30Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{},"f:tier":{}}}}},` +
			umCreatedDeployment + `]`,
		edit:    func(meta map[string]any) { umLabels(meta)["tier"] = "db" },
		manager: "kubectl-label",
		wantManaged: `[
			{"manager":"ci","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-02T03:04:30Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}}}},
			{"manager":"creator","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}},
			{"manager":"kubectl-label","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:tier":{}}}}}]`,
		wantFast: true,
	},
	{
		// The entry owns a field below the atomic selector, which SMD reconciles with the schema: the fast path
		// leaves the write to SMD, which reconciles it the same way whether the body is there or not.
		name: "an entry SMD reconciles with the schema", gvk: deploymentGVK, create: umDeployment,
		liveManaged: `[{"manager":"old","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:10Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:selector":{"f:matchLabels":{"f:app":{}}}}}},` +
			umCreatedDeployment + `]`,
		edit:    func(meta map[string]any) { umLabels(meta)["new"] = "1" },
		manager: "kubectl-label",
		wantManaged: `[` + umCreatedDeployment + `,
			{"manager":"old","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:10Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:selector":{}}}},
			{"manager":"kubectl-label","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:new":{}}}}}]`,
	},
	{
		// Ten update entries, and an eleventh manager: the two oldest are merged into ancient-changes, which takes
		// the time of the newest of them.
		name: "more than ten update managers are capped", gvk: deploymentGVK, create: umDeployment,
		liveManaged: `[` + umCreatedDeployment + `,` + strings.Join(umEntries(9), ",") + `]`,
		editLive: func(meta map[string]any) {
			for i := 1; i <= 9; i++ {
				umLabels(meta)[fmt.Sprintf("l%d", i)] = "x"
			}
		},
		edit: func(meta map[string]any) {
			for i := 1; i <= 10; i++ {
				umLabels(meta)[fmt.Sprintf("l%d", i)] = "x"
			}
		},
		manager: "m10",
		wantManaged: `[{"manager":"ancient-changes","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:01Z","fieldsType":"FieldsV1","fieldsV1":{
			"f:metadata":{"f:labels":{".":{},"f:app":{},"f:l1":{},"f:tier":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}},` +
			strings.Join(umEntries(9)[1:], ",") + `,
			{"manager":"m10","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:l10":{}}}}}]`,
	},
	{
		name: "an unnamed manager is unknown", gvk: configMapGVK, create: umConfigMap,
		edit: func(meta map[string]any) { umLabels(meta)["x"] = "y" },
		wantManaged: `[
			{"manager":"creator","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:annotations":{".":{},"f:note":{}}}}},
			{"manager":"unknown","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:x":{}}}}}]`,
		wantFast: true,
	},
	{
		name: "an entry of another apiVersion", gvk: deploymentGVK, create: umDeployment,
		liveManaged: `[` + umCreatedDeployment + `,{"manager":"old","operation":"Update","apiVersion":"apps/v1beta1","time":"2026-01-02T03:04:10Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{},"f:tier":{}}}}}]`,
		edit:        func(meta map[string]any) { umLabels(meta)["tier"] = "db" },
		manager:     "kubectl-label",
		wantManaged: `[{"manager":"creator","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}},
			{"manager":"old","operation":"Update","apiVersion":"apps/v1beta1","time":"2026-01-02T03:04:10Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}}}},
			{"manager":"kubectl-label","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:tier":{}}}}}]`,
	},
	{
		name: "custom resource: label added by another manager", gvk: widgetGVK, create: umWidget,
		edit:    func(meta map[string]any) { umLabels(meta)["new"] = "1" },
		manager: "kubectl-label",
		wantManaged: `[` + umCreatedWidget + `,
			{"manager":"kubectl-label","operation":"Update","apiVersion":"example.com/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:new":{}}}}}]`,
	},
	{
		// The entry owns a field below the atomic selector: SMD reconciles it with the schema.
		name: "custom resource: an entry SMD reconciles, and a label changed", gvk: widgetGVK, create: umWidget,
		liveManaged: `[` + umCreatedWidget + `,{"manager":"old","operation":"Update","apiVersion":"example.com/v1","time":"2026-01-02T03:04:10Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:selector":{"f:a":{}}}}}]`,
		edit:        func(meta map[string]any) { umLabels(meta)["app"] = "b" },
		manager:     "kubectl-label",
		wantManaged: `[{"manager":"creator","operation":"Update","apiVersion":"example.com/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
				"f:metadata":{"f:labels":{}},"f:spec":` + umCreatedWidgetSpec + `}},
			{"manager":"old","operation":"Update","apiVersion":"example.com/v1","time":"2026-01-02T03:04:10Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:selector":{}}}},
			{"manager":"kubectl-label","operation":"Update","apiVersion":"example.com/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}}}}]`,
	},
	{
		name: "all labels removed", gvk: deploymentGVK, create: umDeployment,
		edit:    func(meta map[string]any) { meta["labels"] = map[string]any{} },
		manager: "kubectl-label",
		wantManaged: `[{"manager":"creator","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:04:00Z","fieldsType":"FieldsV1","fieldsV1":{
			"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{
			"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}}]`,
		wantFast: true,
	},
	{
		// kube strips these fields from every entry: changing them records nothing.
		name: "fields nobody owns changed", gvk: deploymentGVK, create: umDeployment,
		edit: func(meta map[string]any) {
			meta["generation"] = int64(5)
			meta["resourceVersion"] = "42"
			meta["creationTimestamp"] = "2026-01-01T00:00:00Z"
			meta["uid"] = "u2"
		},
		manager:     "kubectl-label",
		wantManaged: `[` + umCreatedDeployment + `]`,
		wantFast:    true,
	},
	{
		// A subresource without reset fields records the change for the manager through it.
		name: "label added through the scale subresource", gvk: deploymentGVK, create: umDeployment,
		edit:    func(meta map[string]any) { umLabels(meta)["new"] = "1" },
		manager: "hpa", subresource: "scale",
		wantManaged: `[` + umCreatedDeployment + `,
			{"manager":"hpa","operation":"Update","apiVersion":"apps/v1","time":"2026-01-02T03:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:new":{}}}},"subresource":"scale"}]`,
		wantFast: true,
	},
	{
		name: "nothing changed", gvk: deploymentGVK, create: umDeployment,
		edit:        func(map[string]any) {},
		manager:     "kubectl-label",
		wantManaged: `[` + umCreatedDeployment + `]`,
		wantFast:    true,
	},
}

// umLiveAndObj returns the live object of c (created by creator, with the uid the store gives it and c's
// liveManaged) and the object c writes (live's, with c's edit of its metadata and no managedFields unless the edit
// sets them).
func umLiveAndObj(t *testing.T, m *Manager, c umCase) (live, obj map[string]any) {
	t.Helper()
	live, err := m.Update(nil, decode(t, c.create), "creator", "", t0)
	require.NoError(t, err)
	live = withUID(live)
	switch c.liveManaged {
	case "":
	case "none":
		delete(metadataOf(live), "managedFields")
	default:
		metadataOf(live)["managedFields"] = decode(t, `{"l":`+c.liveManaged+`}`)["l"]
	}
	if c.editLive != nil {
		c.editLive(metadataOf(live))
	}
	obj = withoutManagedFields(deepCopy(live).(map[string]any))
	obj, _ = withOwnMetadata(obj)
	c.edit(metadataOf(obj))
	return live, obj
}

// umMetaOnly returns obj reduced to apiVersion, kind and metadata, as the caller of UpdateMetadata gives them.
func umMetaOnly(obj map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"apiVersion", "kind", "metadata"} {
		if v, ok := obj[k]; ok {
			out[k] = v
		}
	}
	return out
}

// umBody returns obj without apiVersion, kind and metadata, as JSON.
func umBody(t *testing.T, obj map[string]any) string {
	out := map[string]any{}
	for k, v := range obj {
		if k != "apiVersion" && k != "kind" && k != "metadata" {
			out[k] = v
		}
	}
	return encode(t, out)
}

// TestUpdateMetadataMatchesUpdate proves that UpdateMetadata on the objects reduced to apiVersion, kind and
// metadata records the same managedFields (and leaves the same metadata) as Update on the whole objects when their
// bodies are equal, through both the fast path and the SMD path (updateUsing and updateView without the fast path);
// that the results are the expected ones; that the fast path serves the writes it should; that
// UpdateMetadataNoErrors equals UpdateNoErrors; and that no input is modified.
func TestUpdateMetadataMatchesUpdate(t *testing.T) {
	managers := map[types.GroupVersionKind]*Manager{}
	for _, c := range umCases {
		t.Run(c.name, func(t *testing.T) {
			m, ok := managers[c.gvk]
			switch {
			case ok:
			case c.gvk == widgetGVK:
				m = widgetManager(t) // a custom resource: no fast paths
			default:
				m = kindManager(t, c.gvk)
			}
			managers[c.gvk] = m
			live, obj := umLiveAndObj(t, m, c)
			require.Equal(t, umBody(t, live), umBody(t, obj), "the bodies must be equal")
			liveMeta, objMeta := umMetaOnly(live), umMetaOnly(obj)
			before := []string{encode(t, live), encode(t, obj), encode(t, liveMeta), encode(t, objMeta)}

			whole, err := m.Update(live, obj, c.manager, c.subresource, umNow)
			require.NoError(t, err)
			wholeSMD, err := m.updateUsing(live, obj, c.manager, c.subresource, umNow, false)
			require.NoError(t, err)
			meta, err := m.UpdateMetadata(liveMeta, objMeta, c.manager, c.subresource, umNow)
			require.NoError(t, err)
			metaSMD, err := m.updateView(liveMeta, objMeta, c.manager, c.subresource, umNow, false, m.metaKind)
			require.NoError(t, err)

			if c.wantManaged == "null" {
				_, has := metadataOf(whole)["managedFields"]
				require.False(t, has, "managedFields: %s", encode(t, metadataOf(whole)["managedFields"]))
			} else {
				require.JSONEq(t, c.wantManaged, encode(t, metadataOf(whole)["managedFields"]))
			}
			want := encode(t, metadataOf(whole))
			require.Equal(t, want, encode(t, metadataOf(wholeSMD)), "Update's fast path and SMD differ")
			require.Equal(t, want, encode(t, metadataOf(meta)), "UpdateMetadata differs from Update")
			require.Equal(t, want, encode(t, metadataOf(metaSMD)), "UpdateMetadata's SMD path differs from Update")
			require.Equal(t, umBody(t, whole), umBody(t, obj))
			for _, out := range []map[string]any{meta, metaSMD} {
				require.Equal(t, encode(t, umMetaOnly(out)), encode(t, out), "UpdateMetadata returns apiVersion, kind and metadata only")
				require.Equal(t, obj["apiVersion"], out["apiVersion"])
				require.Equal(t, obj["kind"], out["kind"])
			}

			require.Equal(t, encode(t, metadataOf(m.UpdateNoErrors(live, obj, c.manager, c.subresource, umNow))),
				encode(t, metadataOf(m.UpdateMetadataNoErrors(liveMeta, objMeta, c.manager, c.subresource, umNow))))

			require.Equal(t, before, []string{encode(t, live), encode(t, obj), encode(t, liveMeta), encode(t, objMeta)}, "an input was modified")

			require.Equal(t, c.wantFast, umServedFast(m, liveMeta, objMeta, c.manager, c.subresource), "UpdateMetadata's fast path")
		})
	}
}

// umServedFast reports whether UpdateMetadata's fast path serves the update of live to obj.
func umServedFast(m *Manager, live, obj map[string]any, manager, subresource string) bool {
	if m.metaKind == nil {
		return false // a custom resource: UpdateMetadata takes the SMD path
	}
	out, meta := withOwnMetadata(obj)
	if meta != nil {
		delete(meta, "managedFields")
	}
	id := identity{Manager: manager, Operation: operationUpdate, APIVersion: string(m.apiVersion), Subresource: subresource}
	if id.Manager == "" {
		id.Manager = UnknownManager
	}
	return m.fastUpdateLive(live, obj, out, meta, id, umNow, m.metaKind)
}

// TestUpdateMetadataNoErrorsKeepsLiveManagedFields proves that when the metadata does not fit the schema (strings
// where ownerReferences, a list keyed by uid, needs objects), UpdateMetadata fails as Update does on the whole
// objects, with the same message, and UpdateMetadataNoErrors, like UpdateNoErrors, returns the written object with
// the live managedFields.
func TestUpdateMetadataNoErrorsKeepsLiveManagedFields(t *testing.T) {
	m := kindManager(t, deploymentGVK)
	c := umCase{gvk: deploymentGVK, create: umDeployment, edit: func(meta map[string]any) {
		umLabels(meta)["new"] = "1"
		meta["ownerReferences"] = []any{"not", "objects"}
	}}
	live, obj := umLiveAndObj(t, m, c)
	liveMeta, objMeta := umMetaOnly(live), umMetaOnly(obj)

	_, wholeErr := m.Update(live, obj, "kubectl-label", "", umNow)
	_, metaErr := m.UpdateMetadata(liveMeta, objMeta, "kubectl-label", "", umNow)
	require.Error(t, wholeErr)
	require.Error(t, metaErr)
	var se *SchemaError
	require.ErrorAs(t, metaErr, &se)
	require.Equal(t, errorLines(wholeErr), errorLines(metaErr))
	require.Equal(t, []string{
		"failed to update ManagedFields (default/d; apps/v1, Kind=Deployment): failed to compare objects: errors:",
		"  .metadata.ownerReferences: element 0: associative list with keys may not have non-map elements",
		"  .metadata.ownerReferences: element 1: associative list with keys may not have non-map elements",
	}, errorLines(metaErr))

	whole := m.UpdateNoErrors(live, obj, "kubectl-label", "", umNow)
	meta := m.UpdateMetadataNoErrors(liveMeta, objMeta, "kubectl-label", "", umNow)
	require.JSONEq(t, `[`+umCreatedDeployment+`]`, encode(t, metadataOf(meta)["managedFields"]))
	require.Equal(t, encode(t, metadataOf(whole)), encode(t, metadataOf(meta)))
	require.Equal(t, []any{"not", "objects"}, metadataOf(meta)["ownerReferences"])
	require.Equal(t, "1", metadataOf(meta)["labels"].(map[string]any)["new"])
}

// TestUpdateMetadataChain proves that a chain of metadata updates by several managers, each starting from the
// previous result, gives the same managedFields whether every step is an Update of the whole objects or an
// UpdateMetadata of their metadata, with and without the fast paths, with the reset fields of kube's strategies and
// without any.
func TestUpdateMetadataChain(t *testing.T) {
	conv, ok := ForKind(deploymentGVK)
	require.True(t, ok)
	for mi, m := range []*Manager{kindManager(t, deploymentGVK), New(conv, deploymentGVK, nil),
		New(conv, deploymentGVK, map[string]*fieldpath.Set{"": NewFieldSet("metadata.labels")})} {
		t.Run(fmt.Sprint(mi), func(t *testing.T) {
			live, err := m.Update(nil, decode(t, umDeployment), "creator", "", t0)
			require.NoError(t, err)
			live = withUID(live)
			liveMeta := umMetaOnly(live)
			managers := []string{"a", "b", "creator", "c", "a"}
			subs := []string{"", "", "", "status", ""}
			for i := range 20 {
				obj, _ := withOwnMetadata(withoutManagedFields(deepCopy(live).(map[string]any)))
				meta := metadataOf(obj)
				labels := umLabels(meta)
				switch i % 5 {
				case 0:
					labels[fmt.Sprintf("k%d", i%7)] = fmt.Sprint(i)
				case 1:
					delete(labels, fmt.Sprintf("k%d", (i+3)%7))
					delete(labels, "tier")
				case 2:
					meta["annotations"] = map[string]any{"n": fmt.Sprint(i)}
				case 3:
					meta["finalizers"] = []any{fmt.Sprintf("example.com/f%d", i%3)}
				case 4:
					labels["app"] = fmt.Sprint("a", i%2)
				}
				if i%6 == 5 {
					meta["managedFields"] = metadataOf(live)["managedFields"]
				}
				objMeta := umMetaOnly(obj)
				mgr, sub := managers[i%len(managers)], subs[(i/2)%len(subs)]
				now := umNow.Add(time.Duration(i) * time.Second)
				for _, fast := range []bool{true, false} {
					next, err := m.updateUsing(live, obj, mgr, sub, now, fast)
					require.NoError(t, err)
					nextMeta, err := m.updateView(liveMeta, objMeta, mgr, sub, now, fast, m.metaKind)
					require.NoError(t, err)
					require.Equal(t, encode(t, metadataOf(next)), encode(t, metadataOf(nextMeta)), "step %d (fast %v)", i, fast)
					if !fast {
						live, liveMeta = next, nextMeta
					}
				}
			}
			require.NotEmpty(t, metadataOf(live)["managedFields"])
		})
	}
}
