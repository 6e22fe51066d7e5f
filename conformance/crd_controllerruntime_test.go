package conformance

import (
	"testing"

	"github.com/stretchr/testify/require"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Widget is the typed form of the custom resource, as a controller's API package declares it (without generated
// deep copies).
type Widget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              WidgetSpec   `json:"spec"`
	Status            WidgetStatus `json:"status,omitempty"`
}

type WidgetSpec struct {
	Size     string `json:"size"`
	Replicas *int32 `json:"replicas,omitempty"`
	Color    string `json:"color,omitempty"`
}

type WidgetStatus struct {
	Replicas int32  `json:"replicas,omitempty"`
	Selector string `json:"selector,omitempty"`
	Phase    string `json:"phase,omitempty"`
}

func (w *Widget) DeepCopyObject() runtime.Object {
	out := *w
	w.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if w.Spec.Replicas != nil {
		out.Spec.Replicas = ptr.To(*w.Spec.Replicas)
	}
	return &out
}

// WidgetList is a list of Widgets.
type WidgetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Widget `json:"items"`
}

func (l *WidgetList) DeepCopyObject() runtime.Object {
	out := *l
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	out.Items = make([]Widget, len(l.Items))
	for i := range l.Items {
		out.Items[i] = *l.Items[i].DeepCopyObject().(*Widget)
	}
	return &out
}

// TestCustomResourceControllerRuntime drives the custom resource with controller-runtime's client, with unstructured
// objects and with typed ones registered in a scheme, including the status and scale subresources.
func TestCustomResourceControllerRuntime(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		createCRD(t, e, newWidgetCRD())
		ctx := e.ctx

		t.Run("unstructured", func(t *testing.T) {
			c, err := client.New(e.cfg, client.Options{})
			require.NoError(t, err)
			u := newWidget("cr-unstructured", map[string]any{"size": "small"})
			u.SetLabels(map[string]string{"app": "cr-unstructured"})
			require.NoError(t, c.Create(ctx, u))
			require.Equal(t, int64(1), nested(t, u, "spec", "replicas"), "Create decodes the response into the object")

			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(widgetGVK)
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(u), got))
			require.Equal(t, u.GetResourceVersion(), got.GetResourceVersion())
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(widgetGVK.GroupVersion().WithKind("WidgetList"))
			require.NoError(t, c.List(ctx, list, client.InNamespace(testNamespace), client.MatchingLabels{"app": "cr-unstructured"}))
			require.Len(t, list.Items, 1)
			require.Equal(t, "cr-unstructured", list.Items[0].GetName())

			require.NoError(t, unstructured.SetNestedField(got.Object, "red", "spec", "color"))
			require.NoError(t, c.Update(ctx, got))
			require.Equal(t, int64(2), got.GetGeneration())
			got.Object["status"] = map[string]any{"replicas": int64(2), "selector": "app=cr-unstructured", "phase": "Ready"}
			require.NoError(t, c.Status().Update(ctx, got))
			require.Equal(t, "Ready", nested(t, got, "status", "phase"))
			require.Equal(t, int64(2), got.GetGeneration())

			scale := &unstructured.Unstructured{}
			scale.SetGroupVersionKind(autoscalingv1.SchemeGroupVersion.WithKind("Scale"))
			require.NoError(t, c.SubResource("scale").Get(ctx, got, scale))
			require.Equal(t, int64(1), nested(t, scale, "spec", "replicas"))
			require.Equal(t, int64(2), nested(t, scale, "status", "replicas"))
			require.Equal(t, "app=cr-unstructured", nested(t, scale, "status", "selector"))
			require.NoError(t, unstructured.SetNestedField(scale.Object, int64(3), "spec", "replicas"))
			require.NoError(t, c.SubResource("scale").Update(ctx, got, client.WithSubResourceBody(scale)))
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(u), got))
			require.Equal(t, int64(3), nested(t, got, "spec", "replicas"))

			require.NoError(t, c.Delete(ctx, got))
			err = c.Get(ctx, client.ObjectKeyFromObject(u), got)
			require.True(t, apierrors.IsNotFound(err), "%v", err)
		})

		t.Run("typed", func(t *testing.T) {
			scheme := runtime.NewScheme()
			require.NoError(t, autoscalingv1.AddToScheme(scheme))
			scheme.AddKnownTypes(widgetGVK.GroupVersion(), &Widget{}, &WidgetList{})
			metav1.AddToGroupVersion(scheme, widgetGVK.GroupVersion())
			c, err := client.New(e.cfg, client.Options{Scheme: scheme})
			require.NoError(t, err)

			w := &Widget{ObjectMeta: metav1.ObjectMeta{Name: "cr-typed", Namespace: testNamespace, Labels: map[string]string{"app": "cr-typed"}},
				Spec: WidgetSpec{Size: "medium"}}
			require.NoError(t, c.Create(ctx, w))
			require.NotEmpty(t, w.UID)
			require.Equal(t, ptr.To(int32(1)), w.Spec.Replicas, "schema default")
			require.Equal(t, "blue", w.Spec.Color, "schema default")

			got := &Widget{}
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(w), got))
			require.Equal(t, w.Spec, got.Spec)
			list := &WidgetList{}
			require.NoError(t, c.List(ctx, list, client.InNamespace(testNamespace), client.MatchingLabels{"app": "cr-typed"}))
			require.Len(t, list.Items, 1)
			require.Equal(t, "cr-typed", list.Items[0].Name)

			got.Spec.Color = "green"
			require.NoError(t, c.Update(ctx, got))
			require.Equal(t, int64(2), got.Generation)
			got.Status = WidgetStatus{Replicas: 2, Selector: "app=cr-typed", Phase: "Ready"}
			got.Spec.Color = "ignored"
			require.NoError(t, c.Status().Update(ctx, got))
			require.Equal(t, "Ready", got.Status.Phase)
			require.Equal(t, "green", got.Spec.Color, "the status subresource ignores spec")
			require.Equal(t, int64(2), got.Generation)

			scale := &autoscalingv1.Scale{}
			require.NoError(t, c.SubResource("scale").Get(ctx, got, scale))
			require.Equal(t, int32(1), scale.Spec.Replicas)
			require.Equal(t, autoscalingv1.ScaleStatus{Replicas: 2, Selector: "app=cr-typed"}, scale.Status)
			scale.Spec.Replicas = 5
			require.NoError(t, c.SubResource("scale").Update(ctx, got, client.WithSubResourceBody(scale)))
			require.Equal(t, int32(5), scale.Spec.Replicas)
			require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(w), got))
			require.Equal(t, ptr.To(int32(5)), got.Spec.Replicas)
			require.Equal(t, int64(3), got.Generation)

			require.NoError(t, c.Delete(ctx, got))
			err = c.Get(ctx, client.ObjectKeyFromObject(w), got)
			require.True(t, apierrors.IsNotFound(err), "%v", err)
		})
	})
}
