package smp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/kubemem/kubemem/patch"
	"github.com/kubemem/kubemem/types"
)

// The differential tests run kubemem's StrategicMerge and apimachinery's strategicpatch, the way kube-apiserver
// calls it (documents decoded with integers kept as int64, StrategicMergeMapPatch on the kind's Go type), on the
// same inputs, and require the same outcome: both fail, or both give the same document once upstream's leaks are
// dropped from its result (nulls in objects and directive keys, which kube-apiserver's typed decoding drops).

var kindTypes = map[string]struct {
	gvk   types.GroupVersionKind
	typed func() any
}{
	"Pod":         {types.GroupVersionKind{Version: "v1", Kind: "Pod"}, func() any { return &corev1.Pod{} }},
	"Service":     {types.GroupVersionKind{Version: "v1", Kind: "Service"}, func() any { return &corev1.Service{} }},
	"ConfigMap":   {types.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, func() any { return &corev1.ConfigMap{} }},
	"Secret":      {types.GroupVersionKind{Version: "v1", Kind: "Secret"}, func() any { return &corev1.Secret{} }},
	"Node":        {types.GroupVersionKind{Version: "v1", Kind: "Node"}, func() any { return &corev1.Node{} }},
	"Namespace":   {types.GroupVersionKind{Version: "v1", Kind: "Namespace"}, func() any { return &corev1.Namespace{} }},
	"Deployment":  {types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, func() any { return &appsv1.Deployment{} }},
	"ReplicaSet":  {types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}, func() any { return &appsv1.ReplicaSet{} }},
	"StatefulSet": {types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}, func() any { return &appsv1.StatefulSet{} }},
	"DaemonSet":   {types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"}, func() any { return &appsv1.DaemonSet{} }},
	"Job":         {types.GroupVersionKind{Group: "batch", Version: "v1", Kind: "Job"}, func() any { return &batchv1.Job{} }},
}

// outcome is what one implementation did: a normalized result, or an error.
type outcome struct {
	result any
	err    string
}

func (o outcome) String() string {
	if o.err != "" {
		return "error: " + o.err
	}
	b, _ := json.Marshal(o.result)
	return string(b)
}

func decodeInts(data []byte) (map[string]any, error) {
	m := map[string]any{}
	if err := utiljson.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// upstream applies the patch with apimachinery as kube-apiserver does; a panic counts as an error (kube-apiserver
// answers it with 500).
func upstream(kind string, original, patchDoc []byte) (out outcome) {
	defer func() {
		if r := recover(); r != nil {
			out = outcome{err: fmt.Sprintf("panic: %v", r)}
		}
	}()
	o, err := decodeInts(original)
	if err != nil {
		return outcome{err: err.Error()}
	}
	p, err := decodeInts(patchDoc)
	if err != nil {
		return outcome{err: err.Error()}
	}
	m, err := strategicpatch.StrategicMergeMapPatch(o, p, kindTypes[kind].typed())
	if err != nil {
		return outcome{err: err.Error()}
	}
	encoded, err := json.Marshal(m) // as kubemem's result is compared: encoded and decoded again
	if err != nil {
		return outcome{err: err.Error()}
	}
	if m, err = decodeInts(encoded); err != nil {
		return outcome{err: err.Error()}
	}
	return outcome{result: normalize(map[string]any(m))}
}

func kubemem(kind string, original, patchDoc []byte) outcome {
	schema, ok := types.SchemaFor(kindTypes[kind].gvk)
	if !ok {
		return outcome{err: "no schema"}
	}
	res, err := patch.StrategicMerge(original, patchDoc, schema)
	if err != nil {
		return outcome{err: err.Error()}
	}
	m, err := decodeInts(res)
	if err != nil {
		return outcome{err: "result is not JSON: " + err.Error()}
	}
	return outcome{result: normalize(m)}
}

// normalize drops null object members and directive keys, recursively.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e == nil || k == "$patch" || k == "$retainKeys" || strings.HasPrefix(k, "$setElementOrder") ||
				strings.HasPrefix(k, "$deleteFromPrimitiveList") {
				continue
			}
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

// compare runs both implementations and reports a difference, or "" when they agree. Upstream iterates the keys
// of each patch object in Go's random map order, and a few patches depend on that order (a list both set and named
// by $deleteFromPrimitiveList); kubemem's outcome must then be one of upstream's, so on a mismatch upstream runs
// again, up to 200 times (small Go maps start iterating at a random slot, so one order may be rare).
func compare(kind string, original, patchDoc []byte) string {
	got := kubemem(kind, original, patchDoc)
	var first outcome
	for i := range 200 {
		want := upstream(kind, original, patchDoc)
		if i == 0 {
			first = want
		}
		if (want.err == "") == (got.err == "") && (want.err != "" || reflect.DeepEqual(want.result, got.result)) {
			return ""
		}
	}
	return fmt.Sprintf("upstream %s\nkubemem  %s", first, got)
}

type corpusCase struct {
	Name     string          `json:"name"`
	Kind     string          `json:"kind"`
	Original json.RawMessage `json:"original"`
	Patch    json.RawMessage `json:"patch"`
}

func corpus(t testing.TB) []corpusCase {
	dir := os.Getenv("KUBEMEM_TESTDATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "testdata")
	}
	f, err := os.Open(filepath.Join(dir, "strategicpatch", "cases.jsonl"))
	if err != nil {
		t.Skipf("strategic merge corpus not found (%v): set KUBEMEM_TESTDATA", err)
	}
	defer f.Close()
	var cases []corpusCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var c corpusCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		cases = append(cases, c)
	}
	return cases
}

// differentialCases are inputs where upstream's behaviour is subtle: ordering with $setElementOrder after
// deletions (upstream reads the original list after shifting it in place), replace with deletions, duplicates,
// empty lists, directives on lists of objects and of scalars.
var differentialCases = []struct{ name, kind, original, patch string }{
	{"order after delete", "Pod", `{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}]}}`,
		`{"spec":{"$setElementOrder/containers":[{"name":"d"},{"name":"b"}],"containers":[{"$patch":"delete","name":"a"},{"name":"b","image":"x"}]}}`},
	{"order after delete and re-add", "Pod", `{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}`,
		`{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"e"}],"containers":[{"$patch":"delete","name":"b"},{"name":"b","image":"y"},{"name":"e"}]}}`},
	{"empty order", "Pod", `{"spec":{"containers":[{"name":"a"}]}}`,
		`{"spec":{"$setElementOrder/containers":[],"containers":[{"name":"b"},{"name":"c"}]}}`},
	{"empty order without original", "Pod", `{"spec":{}}`,
		`{"spec":{"$setElementOrder/containers":[],"containers":[{"name":"b"},{"name":"c"},{"name":"d"}]}}`},
	{"order of scalars", "Pod", `{"metadata":{"finalizers":["a","b","c"]}}`,
		`{"metadata":{"$setElementOrder/finalizers":["c","x","a"],"finalizers":["x"],"$deleteFromPrimitiveList/finalizers":["b"]}}`},
	{"replace and delete", "Pod", `{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}`,
		`{"spec":{"containers":[{"$patch":"delete","name":"a"},{"$patch":"replace"},{"name":"c"}]}}`},
	{"duplicate patch keys", "Pod", `{"spec":{"containers":[{"name":"a"}]}}`,
		`{"spec":{"containers":[{"name":"b","image":"1"},{"name":"b","args":["x"]},{"name":"a","image":"2"}]}}`},
	{"duplicate original keys", "Pod", `{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"},{"name":"a","image":"2"}]}}`,
		`{"spec":{"containers":[{"name":"a","image":"3"}]}}`},
	{"delete all duplicates", "Pod", `{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"},{"name":"a","image":"2"}]}}`,
		`{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}`},
	{"delete list of objects", "Pod", `{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}`,
		`{"spec":{"$deleteFromPrimitiveList/containers":[{"name":"b","image":"z"}]}}`},
	{"delete list scalar mismatch", "Pod", `{"spec":{"nodeName":"a"}}`, `{"spec":{"$deleteFromPrimitiveList/nodeName":"b"}}`},
	{"delete list null", "Pod", `{"metadata":{"finalizers":["a"]}}`, `{"metadata":{"$deleteFromPrimitiveList/finalizers":null}}`},
	{"empty lists", "Pod", `{"metadata":{"finalizers":[]}}`, `{"metadata":{"finalizers":[]}}`},
	{"int and float", "Pod", `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}}`,
		`{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80.0,"name":"x"}]}]}}`},
	{"retain keys in element", "Pod", `{"spec":{"volumes":[{"name":"v","emptyDir":{},"secret":{"secretName":"s"}}]}}`,
		`{"spec":{"volumes":[{"name":"v","$retainKeys":["name","secret"],"secret":{"secretName":"t"}}]}}`},
	{"case-insensitive field", "Pod", `{"spec":{"Containers":[{"name":"a"}]}}`, `{"spec":{"Containers":[{"name":"b"}]}}`},
	{"status conditions", "Deployment", `{"status":{"conditions":[{"type":"Available","status":"True"},{"type":"Progressing","status":"True"}]}}`,
		`{"status":{"conditions":[{"type":"Progressing","status":"False"},{"type":"ReplicaFailure","status":"True"}]}}`},
	{"template containers", "Deployment", `{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"}]}]}}}}`,
		`{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"2"},{"name":"X","$patch":"delete"}]}]}}}}`},
	{"service ports", "Service", `{"spec":{"ports":[{"port":80,"protocol":"TCP"},{"port":80,"protocol":"UDP"}]}}`,
		`{"spec":{"ports":[{"port":80,"protocol":"UDP","name":"u"}]}}`},
	{"map replace in list element", "Pod", `{"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"1"},"requests":{"cpu":"1"}}}]}}`,
		`{"spec":{"containers":[{"name":"a","resources":{"$patch":"replace","limits":{"memory":"1Gi"}}}]}}`},
}

func TestDifferential(t *testing.T) {
	for _, c := range differentialCases {
		t.Run(c.name, func(t *testing.T) {
			if diff := compare(c.kind, []byte(c.original), []byte(c.patch)); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

func TestDifferentialCorpus(t *testing.T) {
	for _, c := range corpus(t) {
		t.Run(c.Name, func(t *testing.T) {
			if diff := compare(c.Kind, c.Original, c.Patch); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

// FuzzDifferential mutates corpus patches (and the cases above) and compares the implementations.
func FuzzDifferential(f *testing.F) {
	cases := corpus(f)
	for i, c := range cases {
		if i%4 == 0 {
			f.Add(uint16(i), []byte(c.Patch))
		}
	}
	for _, c := range differentialCases {
		f.Add(uint16(len(cases)), []byte(c.patch))
	}
	f.Fuzz(func(t *testing.T, which uint16, patchDoc []byte) {
		c := cases[int(which)%len(cases)]
		if !json.Valid(patchDoc) || bytes.Contains(patchDoc, []byte(`\u0000`)) {
			return
		}
		if diff := compare(c.Kind, c.Original, patchDoc); diff != "" {
			t.Fatalf("case %s, patch %s\n%s", c.Name, patchDoc, diff)
		}
	})
}
