package types

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	podGVK        = GroupVersionKind{Version: "v1", Kind: "Pod"}
	deploymentGVK = GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	crdGVK        = GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
)

func mustSchema(t *testing.T, gvk GroupVersionKind) *Schema {
	t.Helper()
	s, ok := SchemaFor(gvk)
	require.True(t, ok, "no schema for %v", gvk)
	return s
}

func TestSchemaFields(t *testing.T) {
	pod := mustSchema(t, podGVK)
	deploy := mustSchema(t, deploymentGVK)
	cases := []struct {
		name      string
		root      *Schema
		path      []string
		strategy  PatchStrategy
		mergeKey  string
		kind      ValueKind
		listType  ListType
		listKeys  []string
		omitEmpty bool
	}{
		{name: "containers merge by name", root: pod, path: []string{"spec", "containers"}, strategy: "merge", mergeKey: "name",
			kind: KindList, listType: ListMap, listKeys: []string{"name"}},
		{name: "ports merge by containerPort, SSA keys include protocol", root: pod, path: []string{"spec", "containers", "*", "ports"},
			strategy: "merge", mergeKey: "containerPort", kind: KindList, listType: ListMap, listKeys: []string{"containerPort", "protocol"}, omitEmpty: true},
		{name: "env by name", root: pod, path: []string{"spec", "initContainers", "0", "env"}, strategy: "merge", mergeKey: "name",
			kind: KindList, listType: ListMap, listKeys: []string{"name"}, omitEmpty: true},
		{name: "volumes retain keys", root: pod, path: []string{"spec", "volumes"}, strategy: "merge,retainKeys", mergeKey: "name",
			kind: KindList, listType: ListMap, listKeys: []string{"name"}, omitEmpty: true},
		{name: "volumeMounts by mountPath", root: pod, path: []string{"spec", "containers", "*", "volumeMounts"}, strategy: "merge",
			mergeKey: "mountPath", kind: KindList, listType: ListMap, listKeys: []string{"mountPath"}, omitEmpty: true},
		{name: "finalizers are a merged set", root: pod, path: []string{"metadata", "finalizers"}, strategy: "merge", kind: KindList,
			listType: ListSet, omitEmpty: true},
		{name: "tolerations are atomic and untagged", root: pod, path: []string{"spec", "tolerations"}, kind: KindList,
			listType: ListAtomic, omitEmpty: true},
		{name: "args are atomic scalars", root: pod, path: []string{"spec", "containers", "*", "args"}, kind: KindList,
			listType: ListAtomic, omitEmpty: true},
		{name: "labels are a map", root: pod, path: []string{"metadata", "labels"}, kind: KindMap, omitEmpty: true},
		{name: "deployment strategy retains keys", root: deploy, path: []string{"spec", "strategy"}, strategy: "retainKeys",
			kind: KindObject, omitEmpty: true},
		{name: "template containers", root: deploy, path: []string{"spec", "template", "spec", "containers"}, strategy: "merge",
			mergeKey: "name", kind: KindList, listType: ListMap, listKeys: []string{"name"}},
		{name: "replicas", root: deploy, path: []string{"spec", "replicas"}, kind: KindInteger, omitEmpty: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := tc.root.FieldAt(tc.path...)
			require.True(t, ok)
			require.Equal(t, tc.path[len(tc.path)-1], f.Name)
			require.Equal(t, tc.strategy, f.PatchStrategy)
			require.Equal(t, tc.mergeKey, f.PatchMergeKey)
			require.Equal(t, tc.kind, f.Type.Kind())
			require.Equal(t, tc.listType, f.Type.ListType())
			require.Equal(t, tc.listKeys, f.Type.ListMapKeys())
			require.Equal(t, tc.omitEmpty, f.OmitEmpty)
		})
	}
}

func TestPatchStrategy(t *testing.T) {
	cases := []struct {
		s                      PatchStrategy
		merge, replace, retain bool
	}{
		{s: ""},
		{s: "merge", merge: true},
		{s: "replace", replace: true},
		{s: "retainKeys", retain: true},
		{s: "merge,retainKeys", merge: true, retain: true},
	}
	for _, tc := range cases {
		t.Run(string(tc.s), func(t *testing.T) {
			require.Equal(t, tc.merge, tc.s.Merge())
			require.Equal(t, tc.replace, tc.s.Replace())
			require.Equal(t, tc.retain, tc.s.RetainKeys())
		})
	}
}

func TestSchemaTypes(t *testing.T) {
	pod := mustSchema(t, podGVK)
	cases := []struct {
		name           string
		path           []string
		kind           ValueKind
		format, goKind string
		typeName       string
		atomic         bool
	}{
		{name: "root", kind: KindObject, goKind: "struct", typeName: "corev1.Pod"},
		{name: "timestamp", path: []string{"metadata", "creationTimestamp"}, kind: KindString, format: "date-time", goKind: "struct", typeName: "metav1.Time"},
		{name: "int or string", path: []string{"spec", "containers", "*", "livenessProbe", "httpGet", "port"}, kind: KindIntOrString, goKind: "struct", typeName: "intstr.IntOrString"},
		{name: "quantity", path: []string{"spec", "containers", "*", "resources", "limits", "cpu"}, kind: KindString, goKind: "struct", typeName: "resource.Quantity"},
		{name: "int64", path: []string{"spec", "terminationGracePeriodSeconds"}, kind: KindInteger, format: "int64", goKind: "int64"},
		{name: "bool", path: []string{"spec", "hostNetwork"}, kind: KindBoolean, goKind: "bool"},
		{name: "atomic map", path: []string{"spec", "nodeSelector"}, kind: KindMap, goKind: "map", atomic: true},
		{name: "atomic struct", path: []string{"spec", "affinity", "podAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "0", "labelSelector"},
			kind: KindObject, goKind: "struct", typeName: "metav1.LabelSelector", atomic: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := pod.Lookup(tc.path...)
			require.True(t, ok)
			require.Equal(t, tc.kind, s.Kind(), s.String())
			require.Equal(t, tc.format, s.Format())
			require.Equal(t, tc.goKind, s.GoKind())
			require.Equal(t, tc.typeName, s.Name())
			require.Equal(t, tc.atomic, s.Atomic())
		})
	}
	secret := mustSchema(t, GroupVersionKind{Version: "v1", Kind: "Secret"})
	data, ok := secret.Lookup("data", "key")
	require.True(t, ok)
	require.Equal(t, KindString, data.Kind())
	require.Equal(t, "byte", data.Format())
	require.Equal(t, "slice", data.GoKind(), "strategic merge patch sees []byte as a slice")
}

func TestSchemaLookupMisses(t *testing.T) {
	pod := mustSchema(t, podGVK)
	_, ok := pod.Lookup("spec", "nope")
	require.False(t, ok)
	_, ok = pod.FieldAt()
	require.False(t, ok)
	_, ok = pod.Field("Spec")
	require.False(t, ok, "Field matches exactly")
	f, ok := pod.FieldFold("SPEC")
	require.True(t, ok, "FieldFold matches as encoding/json does")
	require.Equal(t, "spec", f.Name)
	_, ok = SchemaFor(GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"})
	require.False(t, ok, "custom resources have no built-in schema")
	_, ok = SchemaForType("corev1.Nope")
	require.False(t, ok)
}

func TestSchemaRecursiveTypes(t *testing.T) {
	crd := mustSchema(t, crdGVK)
	props, ok := crd.Lookup("spec", "versions", "0", "schema", "openAPIV3Schema", "properties", "spec", "properties", "x", "items")
	require.True(t, ok)
	require.Equal(t, "apiextensionsv1.JSONSchemaPropsOrArray", props.Name())
	top, _ := crd.Lookup("spec", "versions", "0", "schema", "openAPIV3Schema")
	deep, _ := crd.Lookup("spec", "versions", "0", "schema", "openAPIV3Schema", "properties", "a", "properties", "b")
	require.Same(t, top, deep, "a recursive type is one node")
}

func TestSchemaMetaTypes(t *testing.T) {
	for _, name := range []string{"metav1.ObjectMeta", "metav1.ListMeta", "metav1.Status", "metav1.DeleteOptions", "metav1.PatchOptions"} {
		s, ok := SchemaForType(name)
		require.True(t, ok, name)
		require.Equal(t, name, s.Name())
	}
	meta, _ := SchemaForType("metav1.ObjectMeta")
	pod := mustSchema(t, podGVK)
	podMeta, _ := pod.Lookup("metadata")
	require.Same(t, meta, podMeta, "named types are shared between kinds")
	owners, ok := meta.FieldAt("ownerReferences")
	require.True(t, ok)
	require.Equal(t, "uid", owners.PatchMergeKey)
}

func TestSchemaSources(t *testing.T) {
	require.Equal(t, "v1.37.2", SchemaKubernetesVersion())
	require.Contains(t, SchemaSources(), ModuleVersion{Path: "k8s.io/api", Version: "v0.37.2"})
	require.Contains(t, SchemaSources(), ModuleVersion{Path: "k8s.io/apiextensions-apiserver", Version: "v0.37.2"})
}

// TestEverySchemaDecodes walks every kind's schema to its leaves, so a malformed data file fails here rather than
// on first use.
func TestEverySchemaDecodes(t *testing.T) {
	kinds := SchemaKinds()
	require.GreaterOrEqual(t, len(kinds), 35)
	var wg sync.WaitGroup
	for _, gvk := range kinds {
		wg.Add(1)
		go func() { // concurrent first use, for the race detector
			defer wg.Done()
			s, ok := SchemaFor(gvk)
			if !ok {
				t.Errorf("%v listed but not found", gvk)
				return
			}
			seen := map[*Schema]bool{}
			var walk func(*Schema)
			walk = func(s *Schema) {
				if s == nil || seen[s] {
					return
				}
				seen[s] = true
				if s.Kind() == 0 || s.GoKind() == "" {
					t.Errorf("%v: incomplete node %+v", gvk, s)
				}
				for _, f := range s.Fields() {
					walk(f.Type)
				}
				walk(s.Elem())
			}
			walk(s)
			if _, ok := s.Field("metadata"); !ok && gvk.Kind != "Status" {
				t.Errorf("%v has no metadata", gvk)
			}
		}()
	}
	wg.Wait()
}

func TestSchemaString(t *testing.T) {
	pod := mustSchema(t, podGVK)
	for path, want := range map[string][]string{
		"[]corev1.Container": {"spec", "containers"},
		"map[string]string":  {"metadata", "labels"},
		"string":             {"spec", "nodeName"},
	} {
		s, ok := pod.Lookup(want...)
		require.True(t, ok)
		require.Equal(t, path, s.String())
	}
}

// BenchmarkSchemaFirstUse measures decoding the embedded data: the index and one kind (Pod), as on first use.
func BenchmarkSchemaFirstUse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ix := parseSchemaIndex(schemaData)
		if _, ok := ix.kind(GroupVersionKind{Version: "v1", Kind: "Pod"}); !ok {
			b.Fatal("no pod")
		}
	}
}

func BenchmarkSchemaFor(b *testing.B) {
	gvk := GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := SchemaFor(gvk); !ok {
			b.Fatal("no deployment")
		}
	}
}
