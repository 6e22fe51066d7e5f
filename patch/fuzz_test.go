package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/kubemem/kubemem/types"
)

// The fuzz targets check that no input makes an engine panic or hang, that a success is valid JSON, and that an
// engine is deterministic. Seed corpora: testdata/fuzz/<target>/ (plus the seeds added below).

// requireKnownError fails unless err is one of the documented error types.
func requireKnownError(t *testing.T, err error) {
	t.Helper()
	var ie *InvalidPatchError
	var ae *ApplyError
	var me *MergeError
	var te *TooManyOperationsError
	if !errors.As(err, &ie) && !errors.As(err, &ae) && !errors.As(err, &me) && !errors.As(err, &te) && !errors.Is(err, ErrNoSchema) {
		t.Fatalf("undocumented error %T: %v", err, err)
	}
}

func FuzzJSONPatch(f *testing.F) {
	f.Add([]byte(`{"a":[1,2],"b":{"c":"d"}}`), []byte(`[{"op":"add","path":"/a/-","value":3},{"op":"remove","path":"/b/c"}]`))
	f.Add([]byte(`{"a":1}`), []byte(`[{"op":"test","path":"/a","value":1},{"op":"copy","from":"/a","path":"/b"}]`))
	f.Add([]byte(`{"":{"":0}}`), []byte(`[{"op":"test","path":"//","value":0},{"op":"move","from":"/","path":"/x"}]`))
	f.Fuzz(func(t *testing.T, doc, patchDoc []byte) {
		out, err := JSONPatch(doc, patchDoc)
		if err != nil {
			requireKnownError(t, err)
			return
		}
		if json.Valid(doc) && !json.Valid(out) {
			t.Fatalf("invalid JSON result %q", out)
		}
	})
}

func FuzzMergePatch(f *testing.F) {
	f.Add([]byte(`{"a":{"b":1},"c":[1]}`), []byte(`{"a":{"b":null,"d":2},"c":{"e":null}}`))
	f.Add([]byte(`{"a":1}`), []byte(`[1,{"b":null}]`))
	f.Fuzz(func(t *testing.T, doc, patchDoc []byte) {
		out, err := MergePatch(doc, patchDoc)
		if err != nil {
			if !json.Valid(doc) {
				return // the document is the caller's: merge patch reports it with a plain error
			}
			requireKnownError(t, err)
			return
		}
		if json.Valid(doc) && !json.Valid(out) {
			t.Fatalf("invalid JSON result %q", out)
		}
	})
}

// fuzzKinds are the kinds FuzzStrategicMerge picks a schema from.
var fuzzKinds = []types.GroupVersionKind{podGVK, deploymentGVK, nodeGVK, serviceGVK,
	{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}}

func FuzzStrategicMerge(f *testing.F) {
	f.Add(uint8(0), []byte(`{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b"}]}}`),
		[]byte(`{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"a","image":"y"}]}}`))
	f.Add(uint8(1), []byte(`{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}`),
		[]byte(`{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`))
	f.Add(uint8(2), []byte(`{"spec":{"podCIDRs":["a","b"]}}`), []byte(`{"spec":{"$deleteFromPrimitiveList/podCIDRs":["a"],"podCIDRs":["c"]}}`))
	f.Add(uint8(0), []byte(`{"metadata":{"labels":{"a":"1"}},"spec":{"containers":[{"name":"a"}]}}`),
		[]byte(`{"metadata":{"labels":{"$patch":"replace","b":"2"}},"spec":{"containers":[{"$patch":"delete","name":"a"}]}}`))
	f.Fuzz(func(t *testing.T, kind uint8, original, patchDoc []byte) {
		schema, ok := types.SchemaFor(fuzzKinds[int(kind)%len(fuzzKinds)])
		if !ok {
			t.Fatal("no schema")
		}
		out, err := StrategicMerge(original, patchDoc, schema)
		if err != nil {
			requireKnownError(t, err)
			return
		}
		if !json.Valid(out) || len(out) == 0 || out[0] != '{' {
			t.Fatalf("result is not a JSON object: %q", out)
		}
		again, err := StrategicMerge(original, patchDoc, schema)
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("not deterministic: %q then %q (%v)", out, again, err)
		}
	})
}
