package jsonpath

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubemem/kubemem/internal/jsontree"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	v, err := jsontree.Decode([]byte(s))
	require.NoError(t, err)
	return v
}

// Documents from client-go's jsonpath_test.go, as JSON (the store's structs become objects, so its fields are
// visited in key order).
const (
	storeDoc = `{
		"Name": "jsonpath",
		"Book": [
			{"Category": "reference", "Author": "Nigel Rees", "Title": "Sayings of the Centurey", "Price": 8.95},
			{"Category": "fiction", "Author": "Evelyn Waugh", "Title": "Sword of Honour", "Price": 12.99},
			{"Category": "fiction", "Author": "Herman Melville", "Title": "Moby Dick", "Price": 8.99}
		],
		"Bicycle": [
			{"Color": "red", "Price": 19.95, "IsNew": true},
			{"Color": "green", "Price": 20.01, "IsNew": false}
		],
		"Labels": {"engieer": 10, "web/html": 15, "k8s-app": 20},
		"Employees": {"jason": "manager", "dan": "clerk"}
	}`
	typesDoc = `{
		"bools": [true, false, true, false],
		"integers": [1, 2, 3, 4],
		"floats": [1.0, 2.2, 3.3, 4.0],
		"strings": ["one", "two", "three", "four"],
		"interfaces": [true, "one", 1, 1.1],
		"maps": [
			{"name": "one", "value": 1},
			{"name": "two", "value": 2.02},
			{"name": "three", "value": 3.03},
			{"name": "four", "value": 4.04}
		]
	}`
	pointsDoc = `[
		{"id": "i1", "x": 4, "y": -5},
		{"id": "i2", "x": -2, "y": -5, "z": 1},
		{"id": "i3", "x": 8, "y": 3},
		{"id": "i4", "x": -6, "y": -1},
		{"id": "i5", "x": 0, "y": 2, "z": 1},
		{"id": "i6", "x": 1, "y": 4},
		{"id": "i7", "x": null, "y": 4}
	]`
	nodesDoc = `{
		"kind": "List",
		"items": [
			{
				"kind": "None",
				"metadata": {"name": "127.0.0.1", "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
				"status": {
					"capacity": {"cpu": "4"},
					"ready": true,
					"addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]
				}
			},
			{
				"kind": "None",
				"metadata": {"name": "127.0.0.2", "labels": {"kubernetes.io/hostname": "127.0.0.2"}},
				"status": {
					"capacity": {"cpu": "8"},
					"ready": false,
					"addresses": [
						{"type": "LegacyHostIP", "address": "127.0.0.2"},
						{"type": "another", "address": "127.0.0.3"}
					]
				}
			}
		],
		"users": [
			{"name": "myself", "user": {}},
			{"name": "e2e", "user": {"username": "admin", "password": "secret"}}
		]
	}`
	podsDoc = `{
		"kind": "List",
		"items": [
			{"kind": "Pod", "metadata": {"name": "pod1", "annotations": {"color": "blue"}}, "status": {"phase": "Running"}},
			{"kind": "Pod", "metadata": {"name": "pod2"}, "status": {"phase": "Running"}},
			{"kind": "Pod", "metadata": {"name": "pod3", "annotations": {"color": "green"}}, "status": {"phase": "Running"}},
			{"kind": "Pod", "metadata": {"name": "pod4", "annotations": {"color": "blue"}}},
			{"resourceVersion": ""}
		]
	}`
	containersDoc = `{
		"spec": {
			"containers": [
				{"name": "fake0"}, {"name": "fake1"}, {"name": "fake2"}, {"name": "fake3"}, {"name": "fake4"}, {"name": "fake5"}
			]
		}
	}`
	nestedDoc = `{
		"items": [
			{
				"metadata": {"name": "pod1"},
				"spec": {"containers": [
					{"name": "foo", "another": [{"name": "value1"}, {"name": "value2"}]},
					{"name": "bar", "another": [{"name": "value1"}, {"name": "value2"}]}
				]}
			},
			{
				"metadata": {"name": "pod2"},
				"spec": {"containers": [
					{"name": "baz", "another": [{"name": "value1"}, {"name": "value2"}]}
				]}
			}
		]
	}`
	miscDoc = `{
		"s": "ab",
		"big": 1000000.0,
		"small": 0.00001,
		"html": {"a": "<b>&"},
		"nulls": [null, 1],
		"empty": {"items": []},
		"deep": {"a": {"b": {"c": 1}}, "list": [[1, 2], [3]]}
	}`
)

type executeTest struct {
	name     string
	template string
	doc      string
	want     string
}

func runExecute(t *testing.T, tests []executeTest, allowMissingKeys bool) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := Parse(tt.name, tt.template)
			require.NoError(t, err)
			var data any
			if tt.doc != "" {
				data = decode(t, tt.doc)
			}
			var b bytes.Buffer
			require.NoError(t, j.AllowMissingKeys(allowMissingKeys).Execute(&b, data))
			require.Equal(t, tt.want, b.String())
		})
	}
}

func TestExecuteTypes(t *testing.T) {
	runExecute(t, []executeTest{
		{"boolSlice", `{ .bools }`, typesDoc, `[true,false,true,false]`},
		{"boolSliceIndex", `{ .bools[0] }`, typesDoc, `true`},
		{"boolSliceIndexReverse", `{ .bools[-1] }`, typesDoc, `false`},
		{"boolSubSlice", `{ .bools[0:2] }`, typesDoc, `true false`},
		{"boolSubSliceFirst2", `{ .bools[:2] }`, typesDoc, `true false`},
		{"boolSubSliceStep2", `{ .bools[:4:2] }`, typesDoc, `true true`},
		{"integerSlice", `{ .integers }`, typesDoc, `[1,2,3,4]`},
		{"integerSliceIndex", `{ .integers[0] }`, typesDoc, `1`},
		{"integerSliceIndexReverse", `{ .integers[-2] }`, typesDoc, `3`},
		{"integerSubSliceFirst2", `{ .integers[0:2] }`, typesDoc, `1 2`},
		{"integerSubSliceStep2", `{ .integers[:4:2] }`, typesDoc, `1 3`},
		{"floatSlice", `{ .floats }`, typesDoc, `[1,2.2,3.3,4]`},
		{"floatSliceIndex", `{ .floats[0] }`, typesDoc, `1`},
		{"floatSliceIndexReverse", `{ .floats[-2] }`, typesDoc, `3.3`},
		{"floatSubSliceStep2", `{ .floats[:4:2] }`, typesDoc, `1 3.3`},
		{"stringSlice", `{ .strings }`, typesDoc, `["one","two","three","four"]`},
		{"stringSliceIndex", `{ .strings[0] }`, typesDoc, `one`},
		{"stringSliceIndexReverse", `{ .strings[-2] }`, typesDoc, `three`},
		{"stringSubSliceFirst2", `{ .strings[0:2] }`, typesDoc, `one two`},
		{"stringSubSliceStep2", `{ .strings[:4:2] }`, typesDoc, `one three`},
		{"interfaceSlice", `{ .interfaces }`, typesDoc, `[true,"one",1,1.1]`},
		{"interfaceSliceIndexReverse", `{ .interfaces[-2] }`, typesDoc, `1`},
		{"interfaceSubSliceStep2", `{ .interfaces[:4:2] }`, typesDoc, `true 1`},
		{"mapSlice", `{ .maps }`, typesDoc,
			`[{"name":"one","value":1},{"name":"two","value":2.02},{"name":"three","value":3.03},{"name":"four","value":4.04}]`},
		{"mapSliceIndex", `{ .maps[0] }`, typesDoc, `{"name":"one","value":1}`},
		{"mapSliceIndexReverse", `{ .maps[-2] }`, typesDoc, `{"name":"three","value":3.03}`},
		{"mapSubSliceFirst2", `{ .maps[:2] }`, typesDoc, `{"name":"one","value":1} {"name":"two","value":2.02}`},
		{"mapSubSliceStepOdd", `{ .maps[::2] }`, typesDoc, `{"name":"one","value":1} {"name":"three","value":3.03}`},
		{"mapSubSliceStepEven", `{ .maps[1::2] }`, typesDoc, `{"name":"two","value":2.02} {"name":"four","value":4.04}`},
	}, false)
}

func TestExecuteStore(t *testing.T) {
	runExecute(t, []executeTest{
		{"plain", "hello jsonpath", "", "hello jsonpath"},
		{"recursive", "{..}", `[1, 2, 3]`, "[1,2,3]"},
		{"filter", "{[?(@<5)]}", `[2, 6, 3, 7]`, "2 3"},
		{"quote", `{"{"}`, "", "{"},
		{"union", "{[1,3,4]}", `[0, 1, 2, 3, 4]`, "1 3 4"},
		{"array", "{[0:2]}", `["Monday", "Tudesday"]`, "Monday Tudesday"},
		{"variable", "hello {.Name}", storeDoc, "hello jsonpath"},
		{"dict/", "{$.Labels.web/html}", storeDoc, "15"},
		{"dict/ employees", "{$.Employees.jason}", storeDoc, "manager"},
		{"dict-", "{.Labels.k8s-app}", storeDoc, "20"},
		{"nest", "{.Bicycle[*].Color}", storeDoc, "red green"},
		{"allarray", "{.Book[*].Author}", storeDoc, "Nigel Rees Evelyn Waugh Herman Melville"},
		{"allfields", `{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}`, storeDoc, "{red true 19.95} {green false 20.01} "},
		{"recurfields", "{..Price}", storeDoc, "19.95 20.01 8.95 12.99 8.99"},
		{"recurdotfields", "{...Price}", storeDoc, "19.95 20.01 8.95 12.99 8.99"},
		{"allstructsSlice", "{.Bicycle}", storeDoc,
			`[{"Color":"red","IsNew":true,"Price":19.95},{"Color":"green","IsNew":false,"Price":20.01}]`},
		{"allstructs", `{range .Bicycle[*]}{ @ }{ " " }{end}`, storeDoc,
			`{"Color":"red","IsNew":true,"Price":19.95} {"Color":"green","IsNew":false,"Price":20.01} `},
		{"lastarray", "{.Book[-1:]}", storeDoc,
			`{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}`},
		{"recurarray", "{..Book[2]}", storeDoc,
			`{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}`},
		{"bool", "{.Bicycle[?(@.IsNew==true)]}", storeDoc, `{"Color":"red","IsNew":true,"Price":19.95}`},
		{"float filter", "{.Book[?(@.Price<9.0)].Title}", storeDoc, "Sayings of the Centurey Moby Dick"},
	}, false)
}

func TestExecuteJSON(t *testing.T) {
	runExecute(t, []executeTest{
		{"exists filter", "{[?(@.z)].id}", pointsDoc, "i2 i5"},
		{"bracket key", "{[0]['id']}", pointsDoc, "i1"},
		{"nil value", "{[-1]['x']}", pointsDoc, "null"},
		{"integer filter", "{[?(@.y>=3)].id}", pointsDoc, "i3 i6 i7"},
		{"not equal", "{[?(@.y!=-5)].id}", pointsDoc, "i3 i4 i5 i6 i7"},
	}, false)
}

func TestExecuteKubernetes(t *testing.T) {
	runExecute(t, []executeTest{
		{"range item", `{range .items[*]}{.metadata.name}, {end}{.kind}`, nodesDoc, "127.0.0.1, 127.0.0.2, List"},
		{"range item with quote", `{range .items[*]}{.metadata.name}{"\t"}{end}`, nodesDoc, "127.0.0.1\t127.0.0.2\t"},
		{"range addresss", `{.items[*].status.addresses[*].address}`, nodesDoc, "127.0.0.1 127.0.0.2 127.0.0.3"},
		{"double range", `{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}`, nodesDoc,
			"127.0.0.1, 127.0.0.2, 127.0.0.3, "},
		{"item name", `{.items[*].metadata.name}`, nodesDoc, "127.0.0.1 127.0.0.2"},
		{"union nodes capacity", `{.items[*]['metadata.name', 'status.capacity']}`, nodesDoc,
			`127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}`},
		{"range nodes capacity", `{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}`, nodesDoc,
			`[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] `},
		{"user password", `{.users[?(@.name=="e2e")].user.password}`, nodesDoc, "secret"},
		{"hostname", `{.items[0].metadata.labels.kubernetes\.io/hostname}`, nodesDoc, "127.0.0.1"},
		{"hostname filter", `{.items[?(@.metadata.labels.kubernetes\.io/hostname=="127.0.0.1")].kind}`, nodesDoc, "None"},
		{"bool item", `{.items[?(@..ready==true)].metadata.name}`, nodesDoc, "127.0.0.1"},
		{"recursive name", "{..name}", nodesDoc, "127.0.0.1 127.0.0.2 myself e2e"},
		{"union of indices", "{.items[1,0].metadata.name}", nodesDoc, "127.0.0.2 127.0.0.1"},
		{"condition", `{.items[?(@.status.addresses[0].type=="LegacyHostIP")].status.capacity.cpu}`, nodesDoc, "4 8"},
	}, false)
}

func TestExecuteRanges(t *testing.T) {
	runExecute(t, []executeTest{
		{"nested range with a trailing newline",
			`{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}`,
			nestedDoc, "pod1:foo,bar,+pod2:baz,+"},
		{"nested range within another nested range",
			`{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}` +
				`{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}`,
			nestedDoc, "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#"},
		{"two nested ranges at the same level",
			`{range .items[*]}{.metadata.name}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\t"}` +
				`{range @.spec.containers[*]}{.name}{" "}{end}{"\n"}{end}`,
			nestedDoc, "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n"},
	}, false)

	runExecute(t, []executeTest{
		{"empty range", `{range .items[*]}{.metadata.name}{end}`, `{"items": []}`, ""},
		{"empty nested range",
			`{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}`,
			`{"items": []}`, ""},
		{"range over a filter, tolerating missing keys",
			`{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\n"}{end}`,
			podsDoc, "pod1 is Running\npod2 is Running\npod3 is Running\n"},
		{"filter on sometimes missing annotations", `{.items[?(@.metadata.annotations.color=="blue")].metadata.name}`,
			podsDoc, "pod1 pod4"},
		{"nonexistent field", "{.hello}", storeDoc, ""},
		{"nonexistent field 2", "before-{.hello}after", storeDoc, "before-after"},
		// client-go quirk: without an end, the body runs per element and then once more for the current value
		{"range without end", `{range .items[*]}{.metadata.name}{" "}`, nestedDoc, "pod1 pod2  "},
	}, true)
}

func TestExecuteSlices(t *testing.T) {
	runExecute(t, []executeTest{
		{"[0]", `{.spec.containers[0].name}`, containersDoc, "fake0"},
		{"[0:0] is empty", `{.spec.containers[0:0].name}`, containersDoc, ""},
		{"[0:-1]", `{.spec.containers[0:-1].name}`, containersDoc, "fake0 fake1 fake2 fake3 fake4"},
		{"[-1]", `{.spec.containers[-1].name}`, containersDoc, "fake5"},
		{"[-1:]", `{.spec.containers[-1:].name}`, containersDoc, "fake5"},
		{"[-2:]", `{.spec.containers[-2:].name}`, containersDoc, "fake4 fake5"},
		{"[-6]", `{.spec.containers[-6].name}`, containersDoc, "fake0"},
		{"[7:7] is empty", `{.spec.containers[7:7].name}`, containersDoc, ""},
		{"[-7:-7] is empty", `{.spec.containers[-7:-7].name}`, containersDoc, ""},
		{"[0:]", `{.spec.containers[0:].name}`, containersDoc, "fake0 fake1 fake2 fake3 fake4 fake5"},
		{"[0:6:]", `{.spec.containers[0:6:].name}`, containersDoc, "fake0 fake1 fake2 fake3 fake4 fake5"},
		{"[0:6:1]", `{.spec.containers[0:6:1].name}`, containersDoc, "fake0 fake1 fake2 fake3 fake4 fake5"},
		{"[1:4:2]", `{.spec.containers[1:4:2].name}`, containersDoc, "fake1 fake3"},
		{"[1:4:3]", `{.spec.containers[1:4:3].name}`, containersDoc, "fake1"},
		{"[1:4:4]", `{.spec.containers[1:4:4].name}`, containersDoc, "fake1"},
		{"[0:6:2]", `{.spec.containers[0:6:2].name}`, containersDoc, "fake0 fake2 fake4"},
		{"[0:6:5]", `{.spec.containers[0:6:5].name}`, containersDoc, "fake0 fake5"},
		{"[::9223372036854775807]", `{.spec.containers[::9223372036854775807].name}`, containersDoc, "fake0"},
		{"[] is [0]", `{.spec.containers[].name}`, containersDoc, "fake0"},
		{"[*]", `{.spec.containers[*].name}`, containersDoc, "fake0 fake1 fake2 fake3 fake4 fake5"},
	}, false)
}

func TestExecutePrinting(t *testing.T) {
	runExecute(t, []executeTest{
		{"floats print as Go prints them", `{.big} {.small}`, miscDoc, "1e+06 1e-05"},
		{"JSON is HTML-escaped as encoding/json does", `{.html}`, miscDoc, `{"a":"\u003cb\u003e\u0026"}`},
		{"strings print bare", `{.html.a}`, miscDoc, `<b>&`},
		{"null", `{.nulls[0]}`, miscDoc, `null`},
		{"null in a list", `{.nulls[*]}`, miscDoc, `null 1`},
		{"nil data", `{@}`, "", `<no value>`},
		{"null element ranged over", `{range .nulls[*]}{@};{end}`, miscDoc, `<no value>;1;`},
		{"string wildcard yields bytes", `{.s.*}`, miscDoc, `97 98`},
		{"recursive descent skips leaves", `{..}`, `{"a": [1], "b": "xy", "c": {}}`, `{"a":[1],"b":"xy","c":{}} [1] xy`},
		{"recursive index", `{.deep.list..[0]}`, miscDoc, `[1,2] 1 3`},
		{"literals", `{.s 1 2.5 true "x"}`, miscDoc, `x`},
		{"literal per input", `{.nulls[*] 7}`, miscDoc, `7 7`},
		{"bracketed key is a path", `{.deep['a.b']}`, miscDoc, `{"c":1}`},
		{"text between actions", `a{.s}b{.s}c`, miscDoc, `aabbabc`},
	}, false)
}

// Messages are client-go's.
func TestExecuteErrors(t *testing.T) {
	tests := []struct {
		name, template, doc, want string
	}{
		{"invalid identifier", "{hello}", storeDoc, "unrecognized identifier hello"},
		{"nonexistent field", "{.hello}", storeDoc, "hello is not found"},
		{"invalid array", "{.Labels[0]}", storeDoc, "map[string]interface {} is not array or slice"},
		{"index of a string", "{.Name[0]}", storeDoc, "string is not array or slice"},
		{"invalid filter operator", "{.Book[?(@.Price<>10)]}", storeDoc, "unrecognized filter operator <>"},
		{"redundant end", "{range .Labels.*}{@}{end}{end}", storeDoc, "not in range, nothing to end"},
		{"end without range", "{end}", storeDoc, "not in range, nothing to end"},
		{"filter of a map", "{.Employees[?(@==1)]}", storeDoc,
			"map[dan:clerk jason:manager] is not array or slice and cannot be filtered"},
		{"filter of null", "{.x[?(@==1)]}", `{"x": null}`, "<nil> is not array or slice and cannot be filtered"},
		{"null does not compare", "{[?(@.x>=4)].id}", pointsDoc, "invalid type for comparison"},
		{"recursive descent reaches maps", "{.deep..[0]}", miscDoc, "map[string]interface {} is not array or slice"},
		{"float against integer", "{.Book[?(@.Price<10)]}", storeDoc, "incompatible types for comparison"},
		{"bools are not ordered", "{.Bicycle[?(@.IsNew<true)]}", storeDoc, "invalid type for comparison"},
		{"maps do not compare", "{.Book[?(@=={})]}", storeDoc, "unrecognized character in action: U+007B '{'"},
		{"several values", "{.Bicycle[?(@.*==1)]}", storeDoc, "can only compare one element at a time"},
		{"missing key in a filter", `{.items[?(@.metadata.annotations.color=="blue")].metadata.name}`, podsDoc,
			"annotations is not found"},
		{"index out of bounds", `{.spec.containers[6].name}`, containersDoc, "array index out of bounds: index 6, length 6"},
		{"negative index out of bounds", `{.spec.containers[-7].name}`, containersDoc, "array index out of bounds: index -1, length 6"},
		{"end out of bounds", `{.spec.containers[0:7].name}`, containersDoc, "array index out of bounds: index 6, length 6"},
		{"start after end", `{.spec.containers[3:1].name}`, containersDoc, "starting index 3 is greater than ending index 1"},
		{"negative start after end", `{.spec.containers[-1:-2].name}`, containersDoc, "starting index 5 is greater than ending index 4"},
		{"[-1:0]", `{.spec.containers[-1:0].name}`, containersDoc, "starting index 5 is greater than ending index 0"},
		{"zero step", `{.spec.containers[0:6:0].name}`, containersDoc, "step must be > 0"},
		{"negative step", `{.spec.containers[0:6:-1].name}`, containersDoc, "step must be > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := Parse(tt.name, tt.template)
			if err != nil {
				require.EqualError(t, err, tt.want)
				return
			}
			var b bytes.Buffer
			err = j.Execute(&b, decode(t, tt.doc))
			require.EqualError(t, err, tt.want)
			require.Empty(t, b.String())
			_, err = j.FindResults(decode(t, tt.doc))
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestErrorTypes(t *testing.T) {
	j, err := Parse("t", "{.missing}")
	require.NoError(t, err)
	_, err = j.FindResults(map[string]any{})
	var nf *NotFoundError
	require.True(t, errors.As(err, &nf))
	require.Equal(t, "missing", nf.Key)

	j, err = Parse("t", "{.a[5]}")
	require.NoError(t, err)
	_, err = j.FindResults(map[string]any{"a": []any{}})
	var ee *EvalError
	require.True(t, errors.As(err, &ee))

	// {['.','.']} doubles the values at every step: the work limit stops it
	j, err = Parse("t", "{"+strings.Repeat("['.','.']", 30)+"}")
	require.NoError(t, err)
	_, err = j.FindResults(decode(t, nodesDoc))
	require.ErrorIs(t, err, ErrTooExpensive)

	// leaves visited by recursive descent count too: a big flat map does not make each step cheap
	flat := map[string]any{}
	for i := range 100000 {
		flat[strconv.Itoa(i)] = int64(i)
	}
	j, err = Parse("t", "{"+strings.Repeat("['.','.']", 30)+"}")
	require.NoError(t, err)
	_, err = j.FindResults(map[string]any{"m": flat, "s": strings.Repeat("x", 1<<20)})
	require.ErrorIs(t, err, ErrTooExpensive)
}

func TestFindResults(t *testing.T) {
	tests := []struct {
		name, template, doc string
		want                [][]any
	}{
		{"one list per node", `a{.x}{.y[*]}`, `{"x": 1, "y": [true, "s"]}`, [][]any{{"a"}, {int64(1)}, {true, "s"}}},
		{"empty action is the current value", `{}`, `[1]`, [][]any{{[]any{int64(1)}}}},
		{"range repeats its body", `{range .y[*]}{@}{","}{end}{.x}`, `{"x": 1, "y": [true, "s"]}`,
			[][]any{{true}, {","}, {"s"}, {","}, {int64(1)}}},
		{"nil data", `{@}`, ``, [][]any{{nil}}},
		{"no results", `{.y[0:0]}`, `{"y": [1]}`, [][]any{{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := Parse(tt.name, tt.template)
			require.NoError(t, err)
			var data any
			if tt.doc != "" {
				data = decode(t, tt.doc)
			}
			got, err := j.FindResults(data)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestPrintResults(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, PrintResults(&b, []any{"s", int64(1), 2.5, true, nil, []any{"x"}, map[string]any{"k": "v"}}))
	require.Equal(t, `s 1 2.5 true null ["x"] {"k":"v"}`, b.String())
}

func TestAllowMissingKeysReturnsACopy(t *testing.T) {
	j, err := Parse("t", "{.missing}")
	require.NoError(t, err)
	lenient := j.AllowMissingKeys(true)
	require.Equal(t, "t", lenient.Name())

	_, err = j.FindResults(map[string]any{})
	require.EqualError(t, err, "missing is not found")
	got, err := lenient.FindResults(map[string]any{})
	require.NoError(t, err)
	require.Equal(t, [][]any{{}}, got)
}

// A parsed template, ranges included, evaluates the same from many goroutines at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	j, err := Parse("t", `{range .items[*]}{range @.spec.containers[*]}{.name},{end};{end}{..name}`)
	require.NoError(t, err)
	data := decode(t, nestedDoc)
	var want bytes.Buffer
	require.NoError(t, j.Execute(&want, data))

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				var b bytes.Buffer
				if err := j.Execute(&b, data); err != nil || b.String() != want.String() {
					t.Errorf("got %q, %v; want %q", b.String(), err, want.String())
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkFindResults(b *testing.B) {
	data := decode(b, nodesDoc)
	for _, tmpl := range []string{
		`{.items[0].metadata.name}`,
		`{.items[?(@.status.ready==true)].metadata.name}`,
		`{range .items[*]}{.metadata.name}{"\t"}{.status.capacity.cpu}{"\n"}{end}`,
		`{..address}`,
	} {
		j, err := Parse("bench", tmpl)
		require.NoError(b, err)
		b.Run(tmpl, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := j.FindResults(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
