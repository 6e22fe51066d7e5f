package main

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

// committed is the file the library embeds.
const committed = "../../types/schema_data.txt"

func TestCommittedSchemaIsUpToDate(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./types (got %d bytes, generator gives %d)", committed, len(got), len(want))
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	b, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two runs differ")
	}
}

func TestSchemaFacts(t *testing.T) {
	data, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		"source k8s.io/api v0.37.2\n",
		"kind v1 Pod corev1.Pod\n",
		"kind apiextensions.k8s.io/v1 CustomResourceDefinition apiextensionsv1.CustomResourceDefinition\n",
		"\tcontainers []corev1.Container pb=2 patch=merge key=name list=map keys=name\n",
		"\tports []corev1.ContainerPort omitempty pb=6 patch=merge key=containerPort list=map keys=containerPort,protocol\n",
		"\tvolumes []corev1.Volume omitempty pb=1 patch=merge,retainKeys key=name list=map keys=name\n",
		"\tfinalizers []string omitempty pb=14 patch=merge list=set\n",
		"\tstrategy appsv1.DeploymentStrategy omitempty pb=4 patch=retainKeys\n",
		"\tnodeSelector {}string omitempty pb=7 map=atomic\n",
		"type metav1.Time opaque=string:date-time\n",
		"\tcreationTimestamp metav1.Time omitempty omitzero pb=8\n",  // json omitzero, apart from omitempty
		"\thostPath *corev1.HostPathVolumeSource omitempty pb=2.1\n", // Volume embeds VolumeSource as field 2
		"\tpriority *int32 omitempty pb=25\n",                        // tagged bytes, encoded as a varint
		"kind v1 PodList corev1.PodList\n",
		"root metav1.PartialObjectMetadataList\n",
		"type metav1.LabelSelector atomic\n",
		"root metav1.ObjectMeta\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("schema lacks %q", want)
		}
	}
}

func TestJSONFieldsFollowEncodingJSON(t *testing.T) {
	type inner struct {
		A string `json:"a"`
		B string `json:"b"`
	}
	type outer struct {
		inner `json:",inline"`
		B     string `json:"b,omitempty"`
		C     int    `json:"-"`
		D     int
		e     int
	}
	_ = outer{}.e
	fields := jsonFields(reflect.TypeFor[outer]())
	var names []string
	for _, f := range fields {
		names = append(names, f.name)
	}
	if got := strings.Join(names, ","); got != "a,b,D" {
		t.Fatalf("fields %s, want a,b,D", got)
	}
	if fields[1].index[0] != 1 || !fields[1].omitEmpty {
		t.Fatalf("b must be the shallow, omitempty field: %+v", fields[1])
	}
}
