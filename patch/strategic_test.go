package patch

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/types"
)

var (
	podGVK        = types.GroupVersionKind{Version: "v1", Kind: "Pod"}
	nodeGVK       = types.GroupVersionKind{Version: "v1", Kind: "Node"}
	serviceGVK    = types.GroupVersionKind{Version: "v1", Kind: "Service"}
	deploymentGVK = types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
)

func schemaOf(t testing.TB, gvk types.GroupVersionKind) *types.Schema {
	s, ok := types.SchemaFor(gvk)
	require.True(t, ok)
	return s
}

// mergeFailure is the error kind of a patch that does not fit (a *MergeError).
const mergeFailure errKind = 100

type smpTest struct {
	name            string
	gvk             types.GroupVersionKind // Pod when empty
	orig, patch     string
	want            string
	err             errKind
	wantErrContains string
}

func runSMPTests(t *testing.T, cases []smpTest) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gvk := tc.gvk
			if gvk.Kind == "" {
				gvk = podGVK
			}
			out, err := StrategicMerge([]byte(tc.orig), []byte(tc.patch), schemaOf(t, gvk))
			switch tc.err {
			case mergeFailure:
				var me *MergeError
				require.True(t, errors.As(err, &me), "want *MergeError, got %T %v (result %s)", err, err, out)
			default:
				requireErrKind(t, tc.err, err)
			}
			if tc.wantErrContains != "" {
				require.ErrorContains(t, err, tc.wantErrContains)
			}
			if tc.err == noError {
				require.JSONEq(t, tc.want, string(out))
			}
		})
	}
}

func TestStrategicMergeObjects(t *testing.T) {
	runSMPTests(t, []smpTest{
		{name: "scalar set", orig: `{"spec":{"nodeName":"a","restartPolicy":"Always"}}`, patch: `{"spec":{"nodeName":"b"}}`,
			want: `{"spec":{"nodeName":"b","restartPolicy":"Always"}}`},
		{name: "map keys merge", orig: `{"metadata":{"labels":{"a":"1","b":"2"}}}`, patch: `{"metadata":{"labels":{"b":"3","c":"4"}}}`,
			want: `{"metadata":{"labels":{"a":"1","b":"3","c":"4"}}}`},
		{name: "null deletes", orig: `{"metadata":{"labels":{"a":"1","b":"2"}}}`, patch: `{"metadata":{"labels":{"a":null}}}`,
			want: `{"metadata":{"labels":{"b":"2"}}}`},
		{name: "null for a missing key is ignored", orig: `{"metadata":{"labels":{"a":"1"}}}`, patch: `{"metadata":{"labels":{"z":null}}}`,
			want: `{"metadata":{"labels":{"a":"1"}}}`},
		{name: "artifact: an added object of nulls stays as {}", orig: `{"metadata":{"name":"p"}}`, patch: `{"metadata":{"annotations":{"x":null}}}`,
			want: `{"metadata":{"name":"p","annotations":{}}}`},
		{name: "added value loses nested nulls and $patch maps", orig: `{"spec":{}}`,
			patch: `{"spec":{"securityContext":{"runAsUser":1,"fsGroup":null,"seLinuxOptions":{"$patch":"delete"}}}}`,
			want:  `{"spec":{"securityContext":{"runAsUser":1}}}`},
		{name: "an added $patch map is dropped", orig: `{"spec":{}}`, patch: `{"spec":{"affinity":{"$patch":"replace","nodeAffinity":{}}}}`,
			want: `{"spec":{}}`},
		{name: "another JSON type replaces", orig: `{"spec":{"nodeName":{"x":1}}}`, patch: `{"spec":{"nodeName":"n"}}`,
			want: `{"spec":{"nodeName":"n"}}`},
		{name: "unknown scalar field is copied", orig: `{"spec":{"x":1}}`, patch: `{"spec":{"x":2,"y":"z"}}`,
			want: `{"spec":{"x":2,"y":"z"}}`},
		{name: "unknown field holding objects on both sides fails", orig: `{"spec":{"x":{"a":1}}}`, patch: `{"spec":{"x":{"b":1}}}`,
			err: mergeFailure, wantErrContains: `unable to find api field in struct PodSpec for the json field "x"`},
		{name: "objects inside a Go map have no fields", orig: `{"metadata":{"labels":{"a":{"x":1}}}}`, patch: `{"metadata":{"labels":{"a":{"y":1}}}}`,
			err: mergeFailure, wantErrContains: "data type is not struct, instead is: map"},
		{name: "patch null is an empty patch", orig: `{"a":1}`, patch: `null`, want: `{"a":1}`},
	})
}

func TestStrategicMergeKeyedLists(t *testing.T) {
	abc := `{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"},{"name":"c","image":"c:1"}]}}`
	runSMPTests(t, []smpTest{
		{name: "containers merge by name", orig: abc, patch: `{"spec":{"containers":[{"name":"b","image":"b:2"}]}}`,
			want: `{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:2"},{"name":"c","image":"c:1"}]}}`},
		{name: "a new element goes before the original ones that follow the last preceding patch element", orig: abc,
			patch: `{"spec":{"containers":[{"name":"d","image":"d:1"}]}}`,
			want:  `{"spec":{"containers":[{"name":"d","image":"d:1"},{"name":"a","image":"a:1"},{"name":"b","image":"b:1"},{"name":"c","image":"c:1"}]}}`},
		{name: "patch order wins over original order", orig: abc, patch: `{"spec":{"containers":[{"name":"c"},{"name":"a"}]}}`,
			want: `{"spec":{"containers":[{"name":"b","image":"b:1"},{"name":"c","image":"c:1"},{"name":"a","image":"a:1"}]}}`},
		{name: "container ports merge on containerPort alone", orig: `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":53,"protocol":"TCP"},{"containerPort":53,"protocol":"UDP"}]}]}}`,
			patch: `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":53,"protocol":"UDP","name":"dns"}]}]}}`,
			want:  `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":53,"protocol":"UDP","name":"dns"},{"containerPort":53,"protocol":"UDP"}]}]}}`},
		{name: "env by name", orig: `{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]}]}}`,
			patch: `{"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"3"}]}]}}`,
			want:  `{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"3"}]}]}}`},
		{name: "volumeMounts by mountPath", orig: `{"spec":{"containers":[{"name":"a","volumeMounts":[{"mountPath":"/a","name":"v"}]}]}}`,
			patch: `{"spec":{"containers":[{"name":"a","volumeMounts":[{"mountPath":"/a","readOnly":true}]}]}}`,
			want:  `{"spec":{"containers":[{"name":"a","volumeMounts":[{"mountPath":"/a","name":"v","readOnly":true}]}]}}`},
		{name: "ownerReferences by uid", orig: `{"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}}`,
			patch: `{"metadata":{"ownerReferences":[{"uid":"1","controller":true}]}}`,
			want:  `{"metadata":{"ownerReferences":[{"uid":"1","name":"a","controller":true}]}}`},
		{name: "service ports by port", gvk: serviceGVK, orig: `{"spec":{"ports":[{"port":80,"name":"http"},{"port":443,"name":"https"}]}}`,
			patch: `{"spec":{"ports":[{"port":443,"targetPort":8443}]}}`,
			want:  `{"spec":{"ports":[{"port":80,"name":"http"},{"port":443,"name":"https","targetPort":8443}]}}`},
		{name: "node addresses by type", gvk: nodeGVK, orig: `{"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.1"}]}}`,
			patch: `{"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.2"},{"type":"Hostname","address":"n"}]}}`,
			want:  `{"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.2"},{"type":"Hostname","address":"n"}]}}`},
		{name: "merge keys compare as JSON values", orig: `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}}`,
			patch: `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":"80","name":"s"}]}]}}`,
			want:  `{"spec":{"containers":[{"name":"a","ports":[{"containerPort":"80","name":"s"},{"containerPort":80}]}]}}`},
		{name: "$patch delete removes by merge key", orig: abc, patch: `{"spec":{"containers":[{"$patch":"delete","name":"b"}]}}`,
			want: `{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"c","image":"c:1"}]}}`},
		{name: "artifact: a merging list whose elements were all deleted stays as []",
			orig: `{"spec":{"containers":[{"name":"a"}]}}`, patch: `{"spec":{"containers":[{"$patch":"delete","name":"a"}]}}`,
			want: `{"spec":{"containers":[]}}`},
		{name: "$patch replace makes the list the patch's other elements", orig: abc,
			patch: `{"spec":{"containers":[{"$patch":"replace","name":"ignored"},{"name":"z","image":"z:1"}]}}`,
			want:  `{"spec":{"containers":[{"name":"z","image":"z:1"}]}}`},
		{name: "$patch merge in a list is an error", orig: abc, patch: `{"spec":{"containers":[{"$patch":"merge","name":"a"}]}}`,
			err: mergeFailure, wantErrContains: "merging lists cannot yet be specified in the patch"},
		{name: "unknown $patch in a list is an error", orig: abc, patch: `{"spec":{"containers":[{"$patch":"frob","name":"a"}]}}`,
			err: mergeFailure, wantErrContains: "unknown patch type: frob"},
		{name: "$patch delete without the merge key is an error", orig: abc, patch: `{"spec":{"containers":[{"$patch":"delete"}]}}`,
			err: mergeFailure, wantErrContains: "does not contain declared merge key: name"},
		{name: "an element without the merge key is an error", orig: abc, patch: `{"spec":{"containers":[{"image":"x"}]}}`,
			err: mergeFailure, wantErrContains: "map: map[image:x] does not contain declared merge key: name"},
		{name: "a list the original lacks is copied without its directive elements", orig: `{"spec":{}}`,
			patch: `{"spec":{"containers":[{"name":"a"},{"$patch":"delete","name":"b"}]}}`,
			want:  `{"spec":{"containers":[{"name":"a"}]}}`},
		{name: "directives and nulls of appended elements are dropped", orig: `{"spec":{"containers":[{"name":"a"}]}}`,
			patch: `{"spec":{"containers":[{"name":"b","image":null,"$retainKeys":["name"],"resources":{"$patch":"replace","limits":{"cpu":"1"}},"$setElementOrder/env":[{"name":"E"}],"env":[{"name":"E","value":null}]}]}}`,
			want:  `{"spec":{"containers":[{"name":"b","resources":{"limits":{"cpu":"1"}},"env":[{"name":"E"}]},{"name":"a"}]}}`},
		{name: "elements of different types are an error", orig: abc, patch: `{"spec":{"containers":["x"]}}`,
			err: mergeFailure, wantErrContains: "list element types are not identical"},
	})
}

func TestStrategicMergeScalarLists(t *testing.T) {
	runSMPTests(t, []smpTest{
		{name: "finalizers merge as a set", orig: `{"metadata":{"finalizers":["a","b"]}}`, patch: `{"metadata":{"finalizers":["b","c"]}}`,
			want: `{"metadata":{"finalizers":["a","b","c"]}}`},
		{name: "new values go before the original values that follow the last patch value", orig: `{"metadata":{"finalizers":["a","b"]}}`,
			patch: `{"metadata":{"finalizers":["c"]}}`, want: `{"metadata":{"finalizers":["c","a","b"]}}`},
		{name: "podCIDRs merge as a set", gvk: nodeGVK, orig: `{"spec":{"podCIDRs":["10.0.0.0/24"]}}`, patch: `{"spec":{"podCIDRs":["10.0.0.0/24","fd00::/64"]}}`,
			want: `{"spec":{"podCIDRs":["10.0.0.0/24","fd00::/64"]}}`},
		{name: "$deleteFromPrimitiveList removes values", orig: `{"metadata":{"finalizers":["a","b","a","c"]}}`,
			patch: `{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}`, want: `{"metadata":{"finalizers":["b","c"]}}`},
		{name: "$deleteFromPrimitiveList works on untagged lists too", orig: `{"spec":{"containers":[{"name":"a","args":["x","y"]}]}}`,
			patch: `{"spec":{"containers":[{"name":"a","$deleteFromPrimitiveList/args":["x"]}]}}`,
			want:  `{"spec":{"containers":[{"name":"a","args":["y"]}]}}`},
		{name: "additions apply before deletions", orig: `{"metadata":{"finalizers":["a"]}}`,
			patch: `{"metadata":{"finalizers":["b"],"$deleteFromPrimitiveList/finalizers":["b"]}}`, want: `{"metadata":{"finalizers":["a"]}}`},
		{name: "$deleteFromPrimitiveList of a missing list does nothing", orig: `{"metadata":{}}`,
			patch: `{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}`, want: `{"metadata":{}}`},
		{name: "$deleteFromPrimitiveList without a field is invalid", orig: `{"metadata":{"finalizers":["a"]}}`,
			patch: `{"metadata":{"$deleteFromPrimitiveList":["a"]}}`, err: invalidPatch},
		{name: "lists of lists are refused (422)", orig: `{"metadata":{"finalizers":[["a"]]}}`, patch: `{"metadata":{"finalizers":["b"]}}`,
			err: applyFailure, wantErrContains: "lists of lists are not supported"},
	})
}

func TestStrategicMergeReplacedLists(t *testing.T) {
	runSMPTests(t, []smpTest{
		{name: "untagged lists of objects are replaced", orig: `{"spec":{"tolerations":[{"key":"a"},{"key":"b"}]}}`,
			patch: `{"spec":{"tolerations":[{"key":"c"}]}}`, want: `{"spec":{"tolerations":[{"key":"c"}]}}`},
		{name: "untagged lists of scalars are replaced", orig: `{"spec":{"containers":[{"name":"a","args":["x","y"]}]}}`,
			patch: `{"spec":{"containers":[{"name":"a","args":["z"]}]}}`, want: `{"spec":{"containers":[{"name":"a","args":["z"]}]}}`},
		{name: "an empty list replaces too", orig: `{"spec":{"tolerations":[{"key":"a"}]}}`, patch: `{"spec":{"tolerations":[]}}`,
			want: `{"spec":{"tolerations":[]}}`},
		{name: "the replacement loses nulls", orig: `{"spec":{"tolerations":[{"key":"a"}]}}`, patch: `{"spec":{"tolerations":[{"key":"c","value":null}]}}`,
			want: `{"spec":{"tolerations":[{"key":"c"}]}}`},
	})
}

func TestStrategicMergeMapDirectives(t *testing.T) {
	runSMPTests(t, []smpTest{
		{name: "$patch replace in an object", orig: `{"metadata":{"labels":{"a":"1","b":"2"}}}`, patch: `{"metadata":{"labels":{"$patch":"replace","c":"3"}}}`,
			want: `{"metadata":{"labels":{"c":"3"}}}`},
		{name: "$patch delete in an object", orig: `{"metadata":{"labels":{"a":"1"}}}`, patch: `{"metadata":{"labels":{"$patch":"delete"}}}`,
			want: `{"metadata":{"labels":{}}}`},
		{name: "$patch merge in an object the original has is an error", orig: `{"metadata":{"labels":{"a":"1"}}}`,
			patch: `{"metadata":{"labels":{"$patch":"merge","b":"2"}}}`, err: mergeFailure, wantErrContains: "unknown patch type: merge"},
		{name: "$patch in an object the original lacks drops it", orig: `{"metadata":{}}`, patch: `{"metadata":{"labels":{"$patch":"merge","b":"2"}}}`,
			want: `{"metadata":{}}`},
		{name: "top-level $patch delete", orig: `{"metadata":{"name":"p"},"spec":{}}`, patch: `{"$patch":"delete"}`, want: `{}`},
		{name: "top-level $patch replace", orig: `{"metadata":{"name":"p"},"spec":{}}`, patch: `{"$patch":"replace","metadata":{"name":"q"}}`,
			want: `{"metadata":{"name":"q"}}`},
	})
}

func TestStrategicMergeRetainKeys(t *testing.T) {
	rolling := `{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}`
	runSMPTests(t, []smpTest{
		{name: "deployment strategy", gvk: deploymentGVK, orig: rolling, patch: `{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`,
			want: `{"spec":{"strategy":{"type":"Recreate"}}}`},
		{name: "keys may be retained without being set", gvk: deploymentGVK, orig: rolling,
			patch: `{"spec":{"strategy":{"$retainKeys":["type","rollingUpdate"],"type":"RollingUpdate"}}}`, want: rolling},
		{name: "nulls need not be listed", gvk: deploymentGVK, orig: rolling,
			patch: `{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}}`, want: `{"spec":{"strategy":{"type":"Recreate"}}}`},
		{name: "volume element", orig: `{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}`,
			patch: `{"spec":{"volumes":[{"name":"v","$retainKeys":["name","configMap"],"configMap":{"name":"c"}}]}}`,
			want:  `{"spec":{"volumes":[{"name":"v","configMap":{"name":"c"}}]}}`},
		{name: "honoured in any object", orig: `{"metadata":{"labels":{"a":"1","b":"2"}}}`, patch: `{"metadata":{"labels":{"$retainKeys":["b"]}}}`,
			want: `{"metadata":{"labels":{"b":"2"}}}`},
		{name: "a set key missing from the list is invalid", gvk: deploymentGVK, orig: rolling,
			patch: `{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":2}}}}`, err: invalidPatch, wantErrContains: "invalid patch format of retainKeys"},
		{name: "the directive must be a list", gvk: deploymentGVK, orig: rolling,
			patch: `{"spec":{"strategy":{"$retainKeys":"type"}}}`, err: invalidPatch},
	})
}

func TestStrategicMergeSetElementOrder(t *testing.T) {
	abc := `{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}`
	runSMPTests(t, []smpTest{
		{name: "order directs the merged list", orig: abc,
			patch: `{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"d"},{"name":"a"}],"containers":[{"name":"d"}]}}`,
			want:  `{"spec":{"containers":[{"name":"b"},{"name":"c"},{"name":"d"},{"name":"a"}]}}`},
		{name: "order alone reorders", orig: abc,
			patch: `{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"b"},{"name":"a"}]}}`,
			want:  `{"spec":{"containers":[{"name":"c"},{"name":"b"},{"name":"a"}]}}`},
		{name: "with deletions", orig: abc,
			patch: `{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}],"containers":[{"$patch":"delete","name":"b"}]}}`,
			want:  `{"spec":{"containers":[{"name":"c"},{"name":"a"}]}}`},
		{name: "scalar list", orig: `{"metadata":{"finalizers":["a","b"]}}`,
			patch: `{"metadata":{"$setElementOrder/finalizers":["b","c","a"],"finalizers":["c"]}}`,
			want:  `{"metadata":{"finalizers":["b","c","a"]}}`},
		{name: "a patch element missing from the order is an error", orig: abc,
			patch: `{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"d"}]}}`,
			err:   mergeFailure, wantErrContains: "doesn't match $setElementOrder list"},
		{name: "a patch list in another order is an error", orig: abc,
			patch: `{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"name":"b"},{"name":"a"}]}}`,
			err:   mergeFailure},
		{name: "without a field it is invalid", orig: abc, patch: `{"spec":{"$setElementOrder":[{"name":"a"}]}}`, err: invalidPatch},
		{name: "on an unknown field it fails", orig: abc, patch: `{"spec":{"$setElementOrder/nope":[{"name":"a"}]}}`, err: mergeFailure},
		{name: "the list the original lacks", orig: `{"spec":{}}`,
			patch: `{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"b"},{"name":"a","image":null}]}}`,
			want:  `{"spec":{"containers":[{"name":"b"},{"name":"a"}]}}`},
	})
}

func TestStrategicMergeInputs(t *testing.T) {
	pod := schemaOf(t, podGVK)
	_, err := StrategicMerge([]byte(`{}`), []byte(`{}`), nil)
	require.ErrorIs(t, err, ErrNoSchema)
	_, err = StrategicMerge([]byte(`{}`), []byte(`[`), pod)
	requireErrKind(t, invalidPatch, err)
	_, err = StrategicMerge([]byte(`{}`), []byte(`[]`), pod)
	requireErrKind(t, invalidPatch, err)
	_, err = StrategicMerge([]byte(`[]`), []byte(`{}`), pod)
	requireErrKind(t, invalidPatch, err)

	orig := []byte(`{"spec":{"containers":[{"name":"a","image":"x"}]}}`)
	patch := []byte(`{"spec":{"containers":[{"name":"a","image":"y"},{"name":"b"}]}}`)
	origCopy, patchCopy := string(orig), string(patch)
	out, err := StrategicMerge(orig, patch, pod)
	require.NoError(t, err)
	require.Equal(t, `{"spec":{"containers":[{"image":"y","name":"a"},{"name":"b"}]}}`, string(out), "compact, keys sorted")
	require.Equal(t, origCopy, string(orig), "inputs are not modified")
	require.Equal(t, patchCopy, string(patch))
}
