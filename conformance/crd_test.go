package conformance

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/apiextensions-apiserver/pkg/apihelpers"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// The CustomResourceDefinition every test of this file creates: namespaced Widgets in two served versions (v1 stored,
// v1beta1 converted with strategy None), with status and scale subresources, printer columns, and a structural schema
// with required, enum, minimum, default and an x-kubernetes-preserve-unknown-fields subtree (spec.config).
const (
	widgetGroup   = "conformance.kubemem.io"
	widgetCRDName = "widgets." + widgetGroup
	// cleanupFinalizer is the finalizer kube-apiserver puts on a CRD being deleted until its objects are gone.
	cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"
)

var (
	widgetsV1      = schema.GroupVersionResource{Group: widgetGroup, Version: "v1", Resource: "widgets"}
	widgetsV1beta1 = schema.GroupVersionResource{Group: widgetGroup, Version: "v1beta1", Resource: "widgets"}
	widgetGVK      = widgetsV1.GroupVersion().WithKind("Widget")
	widgetGK       = widgetGVK.GroupKind()
	widgetNames    = apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget",
		ListKind: "WidgetList", ShortNames: []string{"wd"}, Categories: []string{"all", "kubemem"}}
	widgetColumns = []apiextensionsv1.CustomResourceColumnDefinition{
		{Name: "Size", Type: "string", JSONPath: ".spec.size"},
		{Name: "Replicas", Type: "integer", JSONPath: ".spec.replicas"},
		{Name: "Phase", Type: "string", JSONPath: ".status.phase", Priority: 1},
		{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp"},
	}
)

func rawJSON(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }

// widgetSchema is the structural schema of both versions.
func widgetSchema() *apiextensionsv1.JSONSchemaProps {
	str := apiextensionsv1.JSONSchemaProps{Type: "string"}
	return &apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"spec": {
				Type: "object", Description: "The widget's desired state.", Required: []string{"size"},
				Properties: map[string]apiextensionsv1.JSONSchemaProps{
					"size": {Type: "string", Description: "How big the widget is.",
						Enum: []apiextensionsv1.JSON{*rawJSON(`"small"`), *rawJSON(`"medium"`), *rawJSON(`"large"`)}},
					"replicas": {Type: "integer", Format: "int32", Minimum: ptr.To(0.0), Default: rawJSON(`1`)},
					"color":    {Type: "string", Default: rawJSON(`"blue"`)},
					"config":   {Type: "object", XPreserveUnknownFields: ptr.To(true)},
				},
			},
			"status": {
				Type: "object",
				Properties: map[string]apiextensionsv1.JSONSchemaProps{
					"replicas": {Type: "integer", Format: "int32"}, "selector": str, "phase": str,
				},
			},
		},
	}
}

func newWidgetCRD() *apiextensionsv1.CustomResourceDefinition {
	version := func(name string, storage bool) apiextensionsv1.CustomResourceDefinitionVersion {
		return apiextensionsv1.CustomResourceDefinitionVersion{
			Name: name, Served: true, Storage: storage,
			Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: widgetSchema()},
			Subresources: &apiextensionsv1.CustomResourceSubresources{
				Status: &apiextensionsv1.CustomResourceSubresourceStatus{},
				Scale: &apiextensionsv1.CustomResourceSubresourceScale{SpecReplicasPath: ".spec.replicas",
					StatusReplicasPath: ".status.replicas", LabelSelectorPath: ptr.To(".status.selector")},
			},
			AdditionalPrinterColumns: widgetColumns,
		}
	}
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: widgetCRDName},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group:    widgetGroup,
			Names:    widgetNames,
			Scope:    apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{version("v1", true), version("v1beta1", false)},
		},
	}
}

// newWidget returns a v1 Widget in testNamespace for the dynamic client.
func newWidget(name string, spec map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": widgetGVK.GroupVersion().String(), "kind": "Widget",
		"metadata": map[string]any{"name": name, "namespace": testNamespace},
		"spec":     spec,
	}}
}

// nested returns the field of u at fields, failing the test if it is absent.
func nested(t *testing.T, u *unstructured.Unstructured, fields ...string) any {
	t.Helper()
	v, found, err := unstructured.NestedFieldNoCopy(u.Object, fields...)
	require.NoError(t, err)
	require.True(t, found, "%s has no %s: %v", u.GetName(), strings.Join(fields, "."), u.Object)
	return v
}

// requireAbsent fails the test if u has a field at fields.
func requireAbsent(t *testing.T, u *unstructured.Unstructured, fields ...string) {
	t.Helper()
	_, found, err := unstructured.NestedFieldNoCopy(u.Object, fields...)
	require.NoError(t, err)
	require.False(t, found, "%s has %s: %v", u.GetName(), strings.Join(fields, "."), u.Object)
}

func extClient(t *testing.T, e *env) apiextensionsclient.Interface {
	t.Helper()
	c, err := apiextensionsclient.NewForConfig(e.cfg)
	require.NoError(t, err)
	return c
}

// requireEstablished checks what kube-apiserver's naming and establishing controllers put in a new CRD's status.
func requireEstablished(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) {
	t.Helper()
	require.Equal(t, crd.Spec.Names, crd.Status.AcceptedNames)
	for _, want := range []apiextensionsv1.CustomResourceDefinitionCondition{
		{Type: apiextensionsv1.NamesAccepted, Status: apiextensionsv1.ConditionTrue, Reason: "NoConflicts", Message: "no conflicts found"},
		{Type: apiextensionsv1.Established, Status: apiextensionsv1.ConditionTrue, Reason: "InitialNamesAccepted",
			Message: "the initial names have been accepted"},
	} {
		got := apihelpers.FindCRDCondition(crd, want.Type)
		require.NotNil(t, got, "condition %s: %+v", want.Type, crd.Status.Conditions)
		require.Equal(t, want.Status, got.Status, "condition %s", want.Type)
		require.Equal(t, want.Reason, got.Reason, "condition %s", want.Type)
		require.Equal(t, want.Message, got.Message, "condition %s", want.Type)
	}
	require.Equal(t, []string{"v1"}, crd.Status.StoredVersions)
}

// createCRD creates crd with the apiextensions clientset and waits for it to be Established as client code does,
// polling the condition.
func createCRD(t *testing.T, e *env, crd *apiextensionsv1.CustomResourceDefinition) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crds := extClient(t, e).ApiextensionsV1().CustomResourceDefinitions()
	created, err := crds.Create(e.ctx, crd, metav1.CreateOptions{})
	require.NoError(t, err)
	// kube-apiserver's create already sets storedVersions; kubemem also answers with the names accepted and the CRD
	// established, which kube's controllers do moments later.
	requireEstablished(t, created)
	var got *apiextensionsv1.CustomResourceDefinition
	err = wait.PollUntilContextTimeout(e.ctx, 10*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err = crds.Get(ctx, crd.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return apihelpers.IsCRDConditionTrue(got, apiextensionsv1.Established), nil
	})
	require.NoError(t, err)
	requireEstablished(t, got)
	return got
}

// deleteCRD deletes the CRD and waits until it is gone and its resource is no longer served.
func deleteCRD(t *testing.T, e *env, name string, gvr schema.GroupVersionResource) {
	t.Helper()
	crds := extClient(t, e).ApiextensionsV1().CustomResourceDefinitions()
	require.NoError(t, crds.Delete(e.ctx, name, metav1.DeleteOptions{}))
	require.NoError(t, pollUntil(e.ctx, 10*time.Second, func() bool {
		_, err := crds.Get(e.ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}), "the CRD is gone")
	require.NoError(t, pollUntil(e.ctx, 10*time.Second, func() bool {
		_, err := e.dyn.Resource(gvr).Namespace(testNamespace).List(e.ctx, metav1.ListOptions{})
		return apierrors.IsNotFound(err)
	}), "the custom resource is no longer served")
}

// warningRecorder is a rest.WarningHandler that keeps the warnings (code 299) the server sends.
type warningRecorder struct {
	mu    sync.Mutex // guards texts
	texts []string
}

func (r *warningRecorder) HandleWarningHeader(code int, _, text string) {
	if code != 299 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.texts = append(r.texts, text)
}

// take returns the warnings recorded since the last take.
func (r *warningRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.texts
	r.texts = nil
	return out
}

// TestCustomResourceLifecycle drives a CRD's custom resources with the dynamic client through every verb and
// subresource, the schema's validation, pruning and defaulting, both versions and the Table form, then deletes the
// CRD and checks that its objects and watches go with it.
func TestCustomResourceLifecycle(t *testing.T) {
	forEachTransport(t, testCustomResourceLifecycle)
}

func testCustomResourceLifecycle(t *testing.T, e *env) {
	ctx := e.ctx
	createCRD(t, e, newWidgetCRD())
	rc := e.dyn.Resource(widgetsV1).Namespace(testNamespace)

	start, err := rc.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, start.Items)
	require.Equal(t, "WidgetList", start.GetKind())
	require.Equal(t, widgetGVK.GroupVersion().String(), start.GetAPIVersion())
	w, err := rc.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=w1", ResourceVersion: start.GetResourceVersion()})
	require.NoError(t, err)
	defer w.Stop()
	var want []wantEvent

	// Create: defaults applied, status dropped (status subresource), the preserved subtree kept.
	obj := newWidget("w1", map[string]any{"size": "small", "config": map[string]any{"free": map[string]any{"form": []any{int64(1), "two"}}}})
	obj.Object["status"] = map[string]any{"phase": "Hacked"}
	created, err := rc.Create(ctx, obj, metav1.CreateOptions{})
	require.NoError(t, err)
	require.Equal(t, "Widget", created.GetKind())
	require.Equal(t, widgetGVK.GroupVersion().String(), created.GetAPIVersion())
	require.NotEmpty(t, created.GetUID())
	require.Equal(t, int64(1), created.GetGeneration())
	require.Equal(t, int64(1), nested(t, created, "spec", "replicas"), "schema default")
	require.Equal(t, "blue", nested(t, created, "spec", "color"), "schema default")
	require.Equal(t, []any{int64(1), "two"}, nested(t, created, "spec", "config", "free", "form"), "x-kubernetes-preserve-unknown-fields")
	requireAbsent(t, created, "status")
	want = append(want, wantEvent{watch.Added, "w1", rvOf(t, created)})

	got, err := rc.Get(ctx, "w1", metav1.GetOptions{})
	require.NoError(t, err)
	require.True(t, apiequality.Semantic.DeepEqual(created.Object, got.Object), "GET returns what CREATE returned")
	l, err := rc.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, l.Items, 1)
	require.Equal(t, "Widget", l.Items[0].GetKind())

	// Update: a spec change bumps generation; the status it carries is ignored.
	cur := got.DeepCopy()
	require.NoError(t, unstructured.SetNestedField(cur.Object, "green", "spec", "color"))
	require.NoError(t, unstructured.SetNestedField(cur.Object, "Hacked", "status", "phase"))
	updated, err := rc.Update(ctx, cur, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Equal(t, "green", nested(t, updated, "spec", "color"))
	require.Equal(t, int64(2), updated.GetGeneration())
	requireAbsent(t, updated, "status")
	want = append(want, wantEvent{watch.Modified, "w1", rvOf(t, updated)})

	t.Run("update without resourceVersion is refused", func(t *testing.T) {
		noRV := updated.DeepCopy()
		noRV.SetResourceVersion("")
		_, err := rc.Update(ctx, noRV, metav1.UpdateOptions{})
		// kube-apiserver's generic store names the resource where the kind goes (its TODO about #18526).
		se := requireStatus(t, err, 422, metav1.StatusReasonInvalid, apierrors.NewInvalid(schema.GroupKind{Group: widgetGroup, Kind: "widgets"}, "w1",
			field.ErrorList{field.Invalid(field.NewPath("metadata", "resourceVersion"), uint64(0), "must be specified for an update")}).Error())
		requireDetails(t, se, "w1", widgetGroup, "widgets")
		_, err = rc.Update(ctx, cur, metav1.UpdateOptions{}) // cur has the old resourceVersion
		requireStatus(t, err, 409, metav1.StatusReasonConflict, `Operation cannot be fulfilled on widgets.`+widgetGroup+
			` "w1": the object has been modified; please apply your changes to the latest version and try again`)
	})

	// UpdateStatus changes only status, and does not bump generation.
	cur = updated.DeepCopy()
	cur.Object["status"] = map[string]any{"replicas": int64(2), "selector": "app=w1", "phase": "Ready"}
	require.NoError(t, unstructured.SetNestedField(cur.Object, "purple", "spec", "color"))
	statused, err := rc.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"replicas": int64(2), "selector": "app=w1", "phase": "Ready"}, nested(t, statused, "status"))
	require.Equal(t, "green", nested(t, statused, "spec", "color"), "the status subresource ignores spec")
	require.Equal(t, int64(2), statused.GetGeneration())
	want = append(want, wantEvent{watch.Modified, "w1", rvOf(t, statused)})

	// Patches: merge and JSON patch; strategic merge patch has no schema for custom resources.
	merged, err := rc.Patch(ctx, "w1", types.MergePatchType, []byte(`{"spec":{"color":"red"}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	require.Equal(t, "red", nested(t, merged, "spec", "color"))
	require.Equal(t, int64(3), merged.GetGeneration())
	require.Equal(t, "Ready", nested(t, merged, "status", "phase"), "a patch of the main resource keeps status")
	want = append(want, wantEvent{watch.Modified, "w1", rvOf(t, merged)})
	jsonPatched, err := rc.Patch(ctx, "w1", types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/size","value":"large"}]`), metav1.PatchOptions{})
	require.NoError(t, err)
	require.Equal(t, "large", nested(t, jsonPatched, "spec", "size"))
	require.Equal(t, int64(4), jsonPatched.GetGeneration())
	want = append(want, wantEvent{watch.Modified, "w1", rvOf(t, jsonPatched)})
	_, err = rc.Patch(ctx, "w1", types.StrategicMergePatchType, []byte(`{"spec":{"color":"black"}}`), metav1.PatchOptions{})
	se := requireStatus(t, err, 415, metav1.StatusReasonUnsupportedMediaType, "")
	require.Contains(t, se.ErrStatus.Message, "the body of the request was in an unknown format - accepted media types include: "+
		"application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")

	// The scale subresource reads and writes spec.replicas, and reports status.replicas and status.selector.
	scale, err := rc.Get(ctx, "w1", metav1.GetOptions{}, "scale")
	require.NoError(t, err)
	require.Equal(t, "autoscaling/v1", scale.GetAPIVersion())
	require.Equal(t, "Scale", scale.GetKind())
	require.Equal(t, "w1", scale.GetName())
	require.Equal(t, testNamespace, scale.GetNamespace())
	require.Equal(t, created.GetUID(), scale.GetUID())
	require.Equal(t, jsonPatched.GetResourceVersion(), scale.GetResourceVersion())
	require.Equal(t, int64(1), nested(t, scale, "spec", "replicas"))
	require.Equal(t, int64(2), nested(t, scale, "status", "replicas"))
	require.Equal(t, "app=w1", nested(t, scale, "status", "selector"))
	require.NoError(t, unstructured.SetNestedField(scale.Object, int64(4), "spec", "replicas"))
	scaled, err := rc.Update(ctx, scale, metav1.UpdateOptions{}, "scale")
	require.NoError(t, err)
	require.Equal(t, "Scale", scaled.GetKind())
	require.Equal(t, int64(4), nested(t, scaled, "spec", "replicas"))
	got, err = rc.Get(ctx, "w1", metav1.GetOptions{})
	require.NoError(t, err)
	require.Equal(t, int64(4), nested(t, got, "spec", "replicas"))
	require.Equal(t, int64(5), got.GetGeneration())
	require.Equal(t, scaled.GetResourceVersion(), got.GetResourceVersion())
	want = append(want, wantEvent{watch.Modified, "w1", rvOf(t, got)})

	t.Run("schema violations", func(t *testing.T) {
		replicas := field.NewPath("spec", "replicas")
		for _, tc := range []struct {
			name string
			spec map[string]any
			errs field.ErrorList
		}{
			{"bad-enum", map[string]any{"size": "huge"}, field.ErrorList{
				field.NotSupported(field.NewPath("spec", "size"), "huge", []string{"small", "medium", "large"})}},
			// Both the schema's minimum and the scale subresource's check of specReplicasPath, which kube-apiserver
			// reports at the path as the CRD spells it (field.NewPath(".spec.replicas")).
			{"bad-minimum", map[string]any{"size": "small", "replicas": int64(-1)}, field.ErrorList{
				field.Invalid(replicas, int64(-1), "spec.replicas in body should be greater than or equal to 0"),
				field.Invalid(field.NewPath(".spec.replicas"), int64(-1), "should be a non-negative integer")}},
			{"bad-required", map[string]any{"color": "red"}, field.ErrorList{field.Required(field.NewPath("spec", "size"), "")}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := rc.Create(ctx, newWidget(tc.name, tc.spec), metav1.CreateOptions{})
				se := requireStatus(t, err, 422, metav1.StatusReasonInvalid, apierrors.NewInvalid(widgetGK, tc.name, tc.errs).Error())
				requireDetails(t, se, tc.name, widgetGroup, "Widget")
				var want, got []metav1.StatusCause
				for _, fe := range tc.errs {
					want = append(want, metav1.StatusCause{Type: metav1.CauseType(fe.Type), Field: fe.Field})
				}
				for _, c := range se.ErrStatus.Details.Causes {
					got = append(got, metav1.StatusCause{Type: c.Type, Field: c.Field})
				}
				require.Equal(t, want, got, "the causes' types and field paths")
				_, err = rc.Get(ctx, tc.name, metav1.GetOptions{})
				require.True(t, apierrors.IsNotFound(err), "%v", err)
			})
		}
	})

	t.Run("unknown fields are pruned with a warning, refused when Strict", func(t *testing.T) {
		rec := &warningRecorder{}
		cfg := rest.CopyConfig(e.cfg)
		cfg.WarningHandler = rec
		dyn, err := dynamic.NewForConfig(cfg)
		require.NoError(t, err)
		wrc := dyn.Resource(widgetsV1).Namespace(testNamespace)
		spec := map[string]any{"size": "small", "bogus": int64(1), "config": map[string]any{"kept": "yes"}}

		pruned, err := wrc.Create(ctx, newWidget("pruned", spec), metav1.CreateOptions{})
		require.NoError(t, err)
		requireAbsent(t, pruned, "spec", "bogus")
		require.Equal(t, "yes", nested(t, pruned, "spec", "config", "kept"))
		require.Equal(t, []string{`unknown field "spec.bogus"`}, rec.take())
		pruned, err = wrc.Get(ctx, "pruned", metav1.GetOptions{})
		require.NoError(t, err)
		requireAbsent(t, pruned, "spec", "bogus")
		require.Empty(t, rec.take())

		_, err = wrc.Create(ctx, newWidget("strict", spec), metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict})
		requireStatus(t, err, 400, metav1.StatusReasonBadRequest,
			`Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"`)
		_, err = wrc.Get(ctx, "strict", metav1.GetOptions{})
		require.True(t, apierrors.IsNotFound(err), "%v", err)

		_, err = wrc.Create(ctx, newWidget("ignored", spec), metav1.CreateOptions{FieldValidation: metav1.FieldValidationIgnore})
		require.NoError(t, err)
		require.Empty(t, rec.take())
	})

	t.Run("the other version", func(t *testing.T) {
		beta := e.dyn.Resource(widgetsV1beta1).Namespace(testNamespace)
		b, err := beta.Get(ctx, "w1", metav1.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, widgetGroup+"/v1beta1", b.GetAPIVersion(), "conversion None rewrites apiVersion")
		require.Equal(t, got.GetResourceVersion(), b.GetResourceVersion())
		require.Equal(t, got.Object["spec"], b.Object["spec"])
		bl, err := beta.List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=w1"})
		require.NoError(t, err)
		require.Equal(t, widgetGroup+"/v1beta1", bl.GetAPIVersion())
		require.Len(t, bl.Items, 1)
		require.Equal(t, widgetGroup+"/v1beta1", bl.Items[0].GetAPIVersion())

		in := newWidget("from-beta", map[string]any{"size": "medium"})
		in.SetAPIVersion(widgetGroup + "/v1beta1")
		made, err := beta.Create(ctx, in, metav1.CreateOptions{})
		require.NoError(t, err)
		require.Equal(t, widgetGroup+"/v1beta1", made.GetAPIVersion())
		require.Equal(t, int64(1), nested(t, made, "spec", "replicas"))
		v1, err := rc.Get(ctx, "from-beta", metav1.GetOptions{})
		require.NoError(t, err)
		require.Equal(t, widgetGroup+"/v1", v1.GetAPIVersion())
	})

	t.Run("Table with the printer columns", func(t *testing.T) {
		raw, err := e.cs.CoreV1().RESTClient().Get().AbsPath("/apis", widgetGroup, "v1", "namespaces", testNamespace, "widgets", "w1").
			SetHeader("Accept", acceptTable).Do(ctx).Raw()
		require.NoError(t, err)
		var table metav1.Table
		require.NoError(t, json.Unmarshal(raw, &table), "%s", raw)
		require.Equal(t, "Table", table.Kind)
		requireColumns(t, table, []column{{"Name", "string", 0}, {"Size", "string", 0}, {"Replicas", "integer", 0},
			{"Phase", "string", 1}, {"Age", "date", 0}})
		require.Len(t, table.Rows, 1)
		cells := table.Rows[0].Cells
		require.Len(t, cells, 5)
		require.Equal(t, []any{"w1", "large", float64(4), "Ready"}, cells[:4])
		require.Regexp(t, ageCell, cells[4], "a date column is served as an age, as kube's metatable.ConvertToHumanReadableDateType")
	})

	t.Run("OpenAPI v3 publishes the schema", func(t *testing.T) {
		dc, err := discovery.NewDiscoveryClientForConfig(e.cfg)
		require.NoError(t, err)
		paths, err := dc.OpenAPIV3().Paths()
		require.NoError(t, err)
		gv, ok := paths["apis/"+widgetGroup+"/v1"]
		require.True(t, ok, "no apis/%s/v1 in /openapi/v3", widgetGroup)
		raw, err := gv.Schema("application/json")
		require.NoError(t, err)
		var doc struct {
			Components struct {
				Schemas map[string]struct {
					Properties map[string]struct {
						Required   []string `json:"required"`
						Properties map[string]struct {
							Type string `json:"type"`
							Enum []any  `json:"enum"`
						} `json:"properties"`
					} `json:"properties"`
					GVK []map[string]string `json:"x-kubernetes-group-version-kind"`
				} `json:"schemas"`
			} `json:"components"`
		}
		require.NoError(t, json.Unmarshal(raw, &doc))
		s, ok := doc.Components.Schemas["io.kubemem.conformance.v1.Widget"]
		require.True(t, ok, "no io.kubemem.conformance.v1.Widget schema")
		require.Equal(t, []map[string]string{{"group": widgetGroup, "version": "v1", "kind": "Widget"}}, s.GVK)
		require.Equal(t, []string{"size"}, s.Properties["spec"].Required)
		require.Equal(t, []any{"small", "medium", "large"}, s.Properties["spec"].Properties["size"].Enum)
		require.Equal(t, "integer", s.Properties["spec"].Properties["replicas"].Type)
	})

	t.Run("defaults apply on read after a schema change", func(t *testing.T) {
		crds := extClient(t, e).ApiextensionsV1().CustomResourceDefinitions()
		crd, err := crds.Get(ctx, widgetCRDName, metav1.GetOptions{})
		require.NoError(t, err)
		for i := range crd.Spec.Versions {
			crd.Spec.Versions[i].Schema.OpenAPIV3Schema.Properties["spec"].Properties["tier"] =
				apiextensionsv1.JSONSchemaProps{Type: "string", Default: rawJSON(`"gold"`)}
		}
		_, err = crds.Update(ctx, crd, metav1.UpdateOptions{})
		require.NoError(t, err)
		var read *unstructured.Unstructured
		require.NoError(t, pollUntil(ctx, 10*time.Second, func() bool {
			read, err = rc.Get(ctx, "w1", metav1.GetOptions{})
			require.NoError(t, err)
			_, found, _ := unstructured.NestedString(read.Object, "spec", "tier")
			return found
		}), "the new default shows on read")
		require.Equal(t, "gold", nested(t, read, "spec", "tier"))
		require.Equal(t, got.GetResourceVersion(), read.GetResourceVersion(), "defaulting on read writes nothing")
	})

	require.NoError(t, rc.Delete(ctx, "w1", metav1.DeleteOptions{}))
	want = append(want, wantEvent{typ: watch.Deleted, name: "w1"})
	_, err = rc.Get(ctx, "w1", metav1.GetOptions{})
	require.True(t, apierrors.IsNotFound(err), "%v", err)
	requireEvents(t, w, want)

	t.Run("deleting the CRD deletes its objects and ends its watches", func(t *testing.T) {
		testDeleteWidgetCRD(t, e)
	})
}

// testDeleteWidgetCRD deletes the widget CRD while custom resources and a watch on them exist: the CRD is marked
// (deletionTimestamp, the cleanup finalizer, a Terminating condition), its objects are deleted, then it is gone, the
// resource is no longer served and the watch ends.
func testDeleteWidgetCRD(t *testing.T, e *env) {
	ctx := e.ctx
	rc := e.dyn.Resource(widgetsV1).Namespace(testNamespace)
	_, err := rc.Create(ctx, newWidget("left-behind", map[string]any{"size": "small"}), metav1.CreateOptions{})
	require.NoError(t, err)
	l, err := rc.List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	var left []string
	for _, it := range l.Items {
		left = append(left, it.GetName())
	}
	crWatch, err := rc.Watch(ctx, metav1.ListOptions{ResourceVersion: l.GetResourceVersion()})
	require.NoError(t, err)
	defer crWatch.Stop()
	crds := extClient(t, e).ApiextensionsV1().CustomResourceDefinitions()
	crd, err := crds.Get(ctx, widgetCRDName, metav1.GetOptions{})
	require.NoError(t, err)
	crdWatch, err := crds.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + widgetCRDName, ResourceVersion: crd.ResourceVersion})
	require.NoError(t, err)
	defer crdWatch.Stop()

	deleteCRD(t, e, widgetCRDName, widgetsV1)

	// The CRD's events: MODIFIED while it is marked and cleaned up, then DELETED.
	var crdEvents []watch.Event
	timeout := time.After(10 * time.Second)
	for len(crdEvents) == 0 || crdEvents[len(crdEvents)-1].Type != watch.Deleted {
		select {
		case ev, ok := <-crdWatch.ResultChan():
			require.True(t, ok, "the CRD watch closed after %d events", len(crdEvents))
			crdEvents = append(crdEvents, ev)
		case <-timeout:
			require.FailNow(t, "timeout", "CRD events so far: %d", len(crdEvents))
		}
	}
	require.GreaterOrEqual(t, len(crdEvents), 2, "at least one MODIFIED (marked) before DELETED")
	sawTerminating := false
	for i, ev := range crdEvents[:len(crdEvents)-1] {
		require.Equal(t, watch.Modified, ev.Type, "event %d", i)
		c := ev.Object.(*apiextensionsv1.CustomResourceDefinition)
		require.NotNil(t, c.DeletionTimestamp, "event %d", i)
		if i == 0 {
			require.Contains(t, c.Finalizers, cleanupFinalizer)
		}
		sawTerminating = sawTerminating || apihelpers.FindCRDCondition(c, apiextensionsv1.Terminating) != nil
	}
	require.True(t, sawTerminating, "a MODIFIED event carries the Terminating condition")

	// The objects' watch sees each remaining object deleted, then ends.
	var deleted []string
	timeout = time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case ev, ok := <-crWatch.ResultChan():
			if !ok {
				done = true
				break
			}
			switch ev.Type {
			case watch.Deleted:
				deleted = append(deleted, ev.Object.(*unstructured.Unstructured).GetName())
			case watch.Modified, watch.Bookmark: // a deletion may mark an object first
			default:
				require.FailNow(t, "unexpected event", "%s %v", ev.Type, ev.Object)
			}
		case <-timeout:
			require.FailNow(t, "the custom resource watch did not end", "deleted so far: %v", deleted)
		}
	}
	require.ElementsMatch(t, left, deleted)
}

// TestCRDDiscovery checks that a new CRD's resource shows in discovery, aggregated and legacy alike, with its short
// names and categories, and that client-go's deferred RESTMapper resolves its short name after a Reset.
func TestCRDDiscovery(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		mapper, expander := shortcutMapper(t, e)
		dc, err := discovery.NewDiscoveryClientForConfig(e.cfg)
		require.NoError(t, err)
		_, err = expander.ResourceFor(schema.GroupVersionResource{Resource: "wd"})
		require.True(t, apimeta.IsNoMatchError(err), "before the CRD: %v", err)

		createCRD(t, e, newWidgetCRD())

		t.Run("ServerPreferredResources", func(t *testing.T) {
			fresh, err := discovery.NewDiscoveryClientForConfig(e.cfg)
			require.NoError(t, err)
			lists, err := fresh.ServerPreferredResources()
			require.NoError(t, err)
			var found *metav1.APIResourceList
			for _, l := range lists {
				switch l.GroupVersion {
				case widgetsV1.GroupVersion().String():
					found = l
				case widgetsV1beta1.GroupVersion().String():
					require.Empty(t, l.APIResources, "widgets are listed with the preferred version only")
				}
			}
			r := findResource(t, found, "widgets")
			require.Equal(t, "Widget", r.Kind)
			require.Equal(t, "widget", r.SingularName)
			require.True(t, r.Namespaced)
			require.Equal(t, []string{"wd"}, r.ShortNames)
			require.Equal(t, []string{"all", "kubemem"}, r.Categories)
			require.ElementsMatch(t, []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}, []string(r.Verbs))
		})

		t.Run("ServerGroupsAndResources, aggregated and legacy", func(t *testing.T) {
			agg, err := discovery.NewDiscoveryClientForConfig(e.cfg)
			require.NoError(t, err)
			aggGroups, aggResources, err := agg.ServerGroupsAndResources()
			require.NoError(t, err)
			var group *metav1.APIGroup
			for _, g := range aggGroups {
				if g.Name == widgetGroup {
					group = g
				}
			}
			require.NotNil(t, group, "group %s", widgetGroup)
			require.Equal(t, []metav1.GroupVersionForDiscovery{{GroupVersion: widgetGroup + "/v1", Version: "v1"},
				{GroupVersion: widgetGroup + "/v1beta1", Version: "v1beta1"}}, group.Versions)
			require.Equal(t, widgetGroup+"/v1", group.PreferredVersion.GroupVersion)
			for _, gv := range []string{widgetGroup + "/v1", widgetGroup + "/v1beta1"} {
				var l *metav1.APIResourceList
				for _, rl := range aggResources {
					if rl.GroupVersion == gv {
						l = rl
					}
				}
				require.Equal(t, []string{"wd"}, findResource(t, l, "widgets").ShortNames, gv)
				status := findResource(t, l, "widgets/status")
				require.Equal(t, "Widget", status.Kind)
				require.ElementsMatch(t, []string{"get", "patch", "update"}, []string(status.Verbs))
				scale := findResource(t, l, "widgets/scale")
				require.Equal(t, "Scale", scale.Kind)
				require.Equal(t, "autoscaling", scale.Group)
				require.Equal(t, "v1", scale.Version)
				require.ElementsMatch(t, []string{"get", "patch", "update"}, []string(scale.Verbs))
			}

			legacy, err := discovery.NewDiscoveryClientForConfig(e.cfg)
			require.NoError(t, err)
			legacy.UseLegacyDiscovery = true
			legGroups, legResources, err := legacy.ServerGroupsAndResources()
			require.NoError(t, err)
			require.Equal(t, groupNames(legGroups), groupNames(aggGroups))
			require.Equal(t, resourceSummary(legResources), resourceSummary(aggResources), "aggregated and legacy discovery agree")
		})

		t.Run("RESTMapper after Reset", func(t *testing.T) {
			mapper.Reset()
			gvr, err := expander.ResourceFor(schema.GroupVersionResource{Resource: "wd"})
			require.NoError(t, err)
			require.Equal(t, widgetsV1, gvr)
			gvk, err := expander.KindFor(schema.GroupVersionResource{Resource: "widget"})
			require.NoError(t, err)
			require.Equal(t, widgetGVK, gvk)
			m, err := mapper.RESTMapping(widgetGK)
			require.NoError(t, err)
			require.Equal(t, widgetsV1, m.Resource)
			require.Equal(t, apimeta.RESTScopeNameNamespace, m.Scope.Name())
			m, err = mapper.RESTMapping(widgetGK, "v1beta1")
			require.NoError(t, err)
			require.Equal(t, widgetsV1beta1, m.Resource)
		})

		t.Run("gone after the CRD is deleted", func(t *testing.T) {
			deleteCRD(t, e, widgetCRDName, widgetsV1)
			mapper.Reset()
			_, err := expander.ResourceFor(schema.GroupVersionResource{Resource: "wd"})
			require.True(t, apimeta.IsNoMatchError(err), "after the CRD: %v", err)
			_, err = dc.ServerResourcesForGroupVersion(widgetGroup + "/v1")
			require.True(t, apierrors.IsNotFound(err), "%v", err)
		})
	})
}

// TestCustomResourceInformer runs a dynamic shared informer on the custom resource: it syncs, then sees adds,
// updates and deletes in order.
func TestCustomResourceInformer(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		createCRD(t, e, newWidgetCRD())
		rc := e.dyn.Resource(widgetsV1).Namespace(testNamespace)
		_, err := rc.Create(e.ctx, newWidget("before", map[string]any{"size": "small"}), metav1.CreateOptions{})
		require.NoError(t, err)

		f := dynamicinformer.NewFilteredDynamicSharedInformerFactory(e.dyn, 0, testNamespace, nil)
		inf := f.ForResource(widgetsV1)
		seen := make(chan string, 100)
		describe := func(obj any) string {
			u := obj.(*unstructured.Unstructured)
			color, _, _ := unstructured.NestedString(u.Object, "spec", "color")
			return u.GetName() + " " + color
		}
		_, err = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { seen <- "add " + describe(obj) },
			UpdateFunc: func(_, obj any) { seen <- "update " + describe(obj) },
			DeleteFunc: func(obj any) {
				if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
					obj = d.Obj
				}
				seen <- "delete " + describe(obj)
			},
		})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(e.ctx)
		t.Cleanup(f.Shutdown)
		t.Cleanup(cancel) // runs before Shutdown, which waits for the informers to stop
		f.Start(ctx.Done())
		require.Equal(t, map[schema.GroupVersionResource]bool{widgetsV1: true}, f.WaitForCacheSync(ctx.Done()))

		after, err := rc.Create(e.ctx, newWidget("after", map[string]any{"size": "small"}), metav1.CreateOptions{})
		require.NoError(t, err)
		require.NoError(t, unstructured.SetNestedField(after.Object, "red", "spec", "color"))
		_, err = rc.Update(e.ctx, after, metav1.UpdateOptions{})
		require.NoError(t, err)
		require.NoError(t, rc.Delete(e.ctx, "before", metav1.DeleteOptions{}))

		for _, want := range []string{"add before blue", "add after blue", "update after red", "delete before blue"} {
			select {
			case got := <-seen:
				require.Equal(t, want, got)
			case <-time.After(10 * time.Second):
				require.FailNow(t, "timeout", "waiting for %q", want)
			}
		}
		objs, err := inf.Lister().ByNamespace(testNamespace).List(labels.Everything())
		require.NoError(t, err)
		require.Len(t, objs, 1)
		require.Equal(t, "after red", describe(objs[0]))
	})
}
