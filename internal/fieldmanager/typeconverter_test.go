package fieldmanager

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/structured-merge-diff/v6/schema"

	"github.com/kubemem/kubemem/types"
)

// atomAt resolves the SMD type at a path of field names below the root of a converter; "[]" steps into list
// elements and "{}" into map values.
func atomAt(t *testing.T, conv TypeConverter, path string) schema.Atom {
	t.Helper()
	tc := conv.(*typeConverter)
	s := &tc.parser.Schema
	atom, ok := s.Resolve(tc.root.TypeRef)
	require.True(t, ok)
	for _, p := range strings.Split(path, ".") {
		var ref schema.TypeRef
		switch p {
		case "[]":
			require.NotNil(t, atom.List, "%s: %s is not a list", path, p)
			ref = atom.List.ElementType
		case "{}":
			require.NotNil(t, atom.Map, "%s: %s is not a map", path, p)
			ref = atom.Map.ElementType
		default:
			require.NotNil(t, atom.Map, "%s: no struct at %s", path, p)
			f, ok := atom.Map.FindField(p)
			require.True(t, ok, "%s: no field %s", path, p)
			ref = f.Type
		}
		atom, ok = s.Resolve(ref)
		require.True(t, ok, path)
	}
	return atom
}

func TestForKindSchemas(t *testing.T) {
	pod, ok := ForKind(podGVK)
	require.True(t, ok)
	deploy, _ := ForKind(deploymentGVK)
	list := func(rel schema.ElementRelationship, keys ...string) func(*testing.T, schema.Atom) {
		return func(t *testing.T, a schema.Atom) {
			require.NotNil(t, a.List)
			require.Equal(t, rel, a.List.ElementRelationship)
			require.Equal(t, keys, a.List.Keys)
		}
	}
	mapOf := func(rel schema.ElementRelationship) func(*testing.T, schema.Atom) {
		return func(t *testing.T, a schema.Atom) {
			require.NotNil(t, a.Map)
			require.Equal(t, rel, a.Map.ElementRelationship)
		}
	}
	scalar := func(s schema.Scalar) func(*testing.T, schema.Atom) {
		return func(t *testing.T, a schema.Atom) {
			require.NotNil(t, a.Scalar)
			require.Equal(t, s, *a.Scalar)
		}
	}
	cases := []struct {
		conv  TypeConverter
		path  string
		check func(*testing.T, schema.Atom)
	}{
		{pod, "spec.containers", list(schema.Associative, "name")},
		{pod, "spec.containers.[].ports", list(schema.Associative, "containerPort", "protocol")},
		{pod, "spec.containers.[].env", list(schema.Associative, "name")},
		{pod, "spec.containers.[].args", list(schema.Atomic)},
		{pod, "spec.volumes", list(schema.Associative, "name")},
		{pod, "spec.tolerations", list(schema.Atomic)},
		{pod, "spec.imagePullSecrets", list(schema.Associative, "name")},
		{pod, "metadata.ownerReferences", list(schema.Associative, "uid")},
		{pod, "metadata.ownerReferences.[]", mapOf(schema.Atomic)},
		{pod, "metadata.finalizers", list(schema.Associative)},
		{pod, "metadata.labels", mapOf("")},
		{pod, "metadata.annotations", mapOf("")},
		{pod, "metadata.managedFields", list(schema.Atomic)},
		{pod, "metadata.creationTimestamp", scalar(schema.Untyped)},
		{pod, "spec.containers.[].resources.limits.{}", scalar(schema.Untyped)},
		{pod, "spec.containers.[].livenessProbe.httpGet.port", scalar(schema.Untyped)},
		{pod, "spec.containers.[].image", scalar(schema.String)},
		{pod, "spec.terminationGracePeriodSeconds", scalar(schema.Numeric)},
		{pod, "spec.hostNetwork", scalar(schema.Boolean)},
		{pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", mapOf(schema.Atomic)},
		{pod, "status.conditions", list(schema.Associative, "type")},
		{deploy, "spec.selector", mapOf(schema.Atomic)},
		{deploy, "spec.template.spec.containers", list(schema.Associative, "name")},
		{deploy, "status.conditions", list(schema.Associative, "type")},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) { tc.check(t, atomAt(t, tc.conv, tc.path)) })
	}

	// Keys that objects may omit take kube's OpenAPI defaults.
	port := atomAt(t, pod, "spec.containers.[].ports.[]")
	protocol, _ := port.Map.FindField("protocol")
	require.Equal(t, "TCP", protocol.Default)
	containerPort, _ := port.Map.FindField("containerPort")
	require.Equal(t, int64(0), containerPort.Default)

	// Raw extensions are atomic, apiextensions JSON is deduced.
	rev, _ := ForKind(types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ControllerRevision"})
	require.Equal(t, schema.Atomic, atomAt(t, rev, "data").Map.ElementRelationship)
	crd, _ := ForKind(types.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
	require.Equal(t, schema.Separable, atomAt(t, crd, "spec.versions.[].schema.openAPIV3Schema.default").Map.ElementRelationship)
}

func TestForKindAllKinds(t *testing.T) {
	for _, gvk := range types.SchemaKinds() {
		conv, ok := ForKind(gvk)
		require.True(t, ok, gvk)
		again, _ := ForKind(gvk)
		require.Same(t, conv, again, "converters are cached")
		// The zero object of every kind matches its schema, and a create of it works.
		tc := conv.(*typeConverter)
		_, err := conv.ObjectToTyped(tc.zero)
		require.NoError(t, err, gvk)
		obj := map[string]any{"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind, "metadata": map[string]any{"name": "x"}}
		_, err = New(conv, gvk, nil).Update(nil, obj, "m", "", t0)
		require.NoError(t, err, gvk)
	}
	_, ok := ForKind(widgetGVK)
	require.False(t, ok)
}

func TestTypedView(t *testing.T) {
	s, ok := types.SchemaFor(deploymentGVK)
	require.True(t, ok)
	in := decode(t, `{"apiVersion":"apps/v1","kind":"Deployment","unknown":1,"metadata":{"name":"d","creationTimestamp":null},
		"spec":{"replicas":0,"paused":false,"minReadySeconds":0,"selector":null,"template":{"metadata":{"creationTimestamp":null},
		"spec":{"containers":[{"name":"c","image":"","args":[]}]}}}}`)
	snapshot := encode(t, in)
	// As kube's reflection of the Go struct: unknown fields gone, nulls of omitted fields gone, empty strings and
	// lists of omitempty fields gone, structs and non-omitempty fields present; a set pointer keeps its zero.
	require.JSONEq(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
		"spec":{"replicas":0,"selector":null,"strategy":{},"template":{"metadata":{},
		"spec":{"containers":[{"name":"c","resources":{}}]}}},"status":{}}`, encode(t, typedView(s, in)))
	require.Equal(t, snapshot, encode(t, in), "the object is not modified")

	canonical := typedView(s, in)
	again := typedView(s, canonical)
	require.Equal(t, encode(t, canonical), encode(t, again))
}
