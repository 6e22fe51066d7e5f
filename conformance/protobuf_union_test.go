package conformance

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubemem/kubemem/internal/kubepb"
)

// TestProtobufUnionVariants runs objects holding every variant of the union types, those JSON cannot represent
// included (both halves of a JSONSchemaPropsOr* set, a schema with Allows false, IntOrString with the other
// variant's field set), through the checks of TestProtobufRoundTrip: the random filler reaches these only by
// chance.
func TestProtobufUnionVariants(t *testing.T) {
	leaf := func(typ string) *apiextensionsv1.JSONSchemaProps {
		return &apiextensionsv1.JSONSchemaProps{Type: typ, Required: []string{"r-" + typ}}
	}
	props := apiextensionsv1.JSONSchemaProps{
		Type:                 "object",
		AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Allows: false, Schema: leaf("string")},
		AdditionalItems:      &apiextensionsv1.JSONSchemaPropsOrBool{Allows: true},
		Items:                &apiextensionsv1.JSONSchemaPropsOrArray{Schema: leaf("integer"), JSONSchemas: []apiextensionsv1.JSONSchemaProps{*leaf("string"), *leaf("number")}},
		Not:                  leaf("null"),
		Dependencies: apiextensionsv1.JSONSchemaDependencies{
			"both":   {Schema: leaf("object"), Property: []string{"a", "b"}},
			"schema": {Schema: leaf("object")},
			"list":   {Property: []string{"c"}},
			"empty":  {},
		},
		Properties: map[string]apiextensionsv1.JSONSchemaProps{"p": *leaf("string")},
		Default:    &apiextensionsv1.JSON{Raw: []byte(" {\"a\" : \"<&>\",\n\"b\": [1, 2.5e3, null]} ")},
		Enum:       []apiextensionsv1.JSON{{Raw: []byte(`1`)}, {Raw: []byte(`"x"`)}, {Raw: []byte(`{}`)}},
	}
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets.example.com"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.com", Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Kind: "Widget"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &props}}},
		},
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
			{Name: "int", Port: 80, TargetPort: intstr.IntOrString{Type: intstr.Int, IntVal: 8080, StrVal: "stray"}},
			{Name: "string", Port: 81, TargetPort: intstr.IntOrString{Type: intstr.String, IntVal: 7, StrVal: "http"}},
			{Name: "negative", Port: 82, TargetPort: intstr.FromInt32(-5)},
		}},
	}
	for i, c := range []struct {
		pbCase
		obj pbObject
	}{
		{pbCase{"apiextensions.k8s.io/v1", "CustomResourceDefinition", crd}, crd},
		{pbCase{"v1", "Service", svc}, svc},
	} {
		t.Run(c.name(), func(t *testing.T) {
			s, ok := kubepb.SchemaFor(c.apiVersion, c.kind)
			require.True(t, ok)
			c.obj.GetObjectKind().SetGroupVersionKind(c.gvk())
			r := newPBRoundTrip(t, c.pbCase, s, c.obj, pbFillWire)
			r.checkKubeToKubemem(t)
			for seed := range 8 {
				t.Run(fmt.Sprint("rewritten", seed), func(t *testing.T) { r.checkRewritten(t, int64(100*i+seed)) })
			}
			r.checkKubememToKube(t)
		})
	}
}
