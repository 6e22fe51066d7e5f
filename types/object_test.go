package types

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseObjectRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"pod", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","resourceVersion":"12","labels":{"b":"2","a":"1"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}`,
			`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"default","resourceVersion":"12","labels":{"a":"1","b":"2"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}`},
		{"no metadata", `{"kind":"X","data":1}`, `{"kind":"X","metadata":{},"data":1}`},
		{"rv only", `{"metadata":{"resourceVersion":"5","generation":3}}`, `{"metadata":{"resourceVersion":"5","generation":3}}`},
		{"whitespace and duplicates", "{ \"a\" : 1 , \"b\": [ 1, 2 ], \"a\": {\"x\" : null} }", `{"metadata":{},"b":[1,2],"a":{"x":null}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseObject([]byte(tc.in))
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(o.JSON()))
			require.Equal(t, tc.want, string(o.JSON()))
			require.Equal(t, len(o.JSON()), o.EncodedLen())
			u, err := o.Unstructured()
			require.NoError(t, err)
			o2, err := u.ToObject()
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(o2.JSON()))
		})
	}
}

func TestParseObjectErrors(t *testing.T) {
	for _, in := range []string{`[1]`, `"x"`, `{"kind":1}`, `{"metadata":[]}`, `{"metadata":{"labels":"x"}}`, `{`, ``} {
		_, err := ParseObject([]byte(in))
		require.Error(t, err, in)
	}
}

func TestObjectEdits(t *testing.T) {
	o, err := Unstructured{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a", "labels": map[string]any{"x": "y"}}, "data": map[string]any{"k": "v"}}.ToObject()
	require.NoError(t, err)
	require.Equal(t, "a", o.Name())
	o2 := o.WithResourceVersion("7")
	require.Equal(t, "", o.ResourceVersion())
	require.Equal(t, `{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"7","labels":{"x":"y"}},"data":{"k":"v"}}`, string(o2.JSON()))
	require.True(t, o.SameContent(o2))
	m := o2.Meta()
	m.Labels["z"] = "w"
	require.Equal(t, map[string]string{"x": "y"}, o2.Labels(), "Meta returns a deep copy")
	o3 := o2.WithMeta(m)
	require.Equal(t, "w", o3.Labels()["z"])
	require.Equal(t, "7", o3.ResourceVersion())
	require.False(t, o3.SameContent(o2))
	require.Equal(t, `"v"`, string(must(o3.Lookup("data", "k"))))
	var into struct {
		Data map[string]string `json:"data"`
	}
	require.NoError(t, o3.Into(&into))
	require.Equal(t, "v", into.Data["k"])
	require.Equal(t, `{"data":{"k":"v"}}`, string(o3.Body()))
}

func must(b []byte, ok bool) []byte {
	if !ok {
		panic("missing")
	}
	return b
}

func TestObjectField(t *testing.T) {
	o, err := ParseObject([]byte(`{"kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"nodeName":"n1","hostNetwork":true,"x":{"a":1}},"status":{"phase":"Running","n":3}}`))
	require.NoError(t, err)
	for path, want := range map[string]string{"metadata.name": "p", "metadata.namespace": "ns", "spec.nodeName": "n1", "spec.hostNetwork": "true", "status.phase": "Running", "status.n": "3", "spec.x": "", "spec.missing": ""} {
		require.Equal(t, want, o.Field(path), path)
	}
}

func TestObjectMarshalInList(t *testing.T) {
	o, err := ParseObject([]byte(`{"kind":"A","metadata":{"name":"x","resourceVersion":"3"}}`))
	require.NoError(t, err)
	b, err := json.Marshal(struct{ Items []*Object }{[]*Object{o}})
	require.NoError(t, err)
	require.Equal(t, `{"Items":[{"kind":"A","metadata":{"name":"x","resourceVersion":"3"}}]}`, string(b))
}

func TestObjectWithMember(t *testing.T) {
	o, err := ParseObject([]byte(`{"kind":"Pod","metadata":{"name":"p","resourceVersion":"3"},"spec":{"a":1},"status":{"phase":"Running"}}`))
	require.NoError(t, err)
	cases := []struct {
		name, member, raw, want string
		remove                  bool
	}{
		{name: "replace", member: "status", raw: `{"phase":"Pending"}`, want: `{"kind":"Pod","metadata":{"name":"p","resourceVersion":"3"},"spec":{"a":1},"status":{"phase":"Pending"}}`},
		{name: "add", member: "data", raw: `{"k":"v"}`, want: `{"kind":"Pod","metadata":{"name":"p","resourceVersion":"3"},"spec":{"a":1},"status":{"phase":"Running"},"data":{"k":"v"}}`},
		{name: "remove", member: "spec", remove: true, want: `{"kind":"Pod","metadata":{"name":"p","resourceVersion":"3"},"status":{"phase":"Running"}}`},
		{name: "remove absent", member: "nothing", remove: true, want: `{"kind":"Pod","metadata":{"name":"p","resourceVersion":"3"},"spec":{"a":1},"status":{"phase":"Running"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var raw []byte
			if !tc.remove {
				raw = []byte(tc.raw)
			}
			got := o.WithMember(tc.member, raw)
			require.Equal(t, tc.want, string(got.JSON()))
			require.Equal(t, "p", got.Name())
			require.Equal(t, len(got.JSON()), got.EncodedLen())
		})
	}
	require.True(t, o.SameBody(o.WithResourceVersion("9")))
	require.False(t, o.SameBody(o.WithMember("status", nil)))
	reordered, err := ParseObject([]byte(`{"kind":"Pod","metadata":{"name":"p","resourceVersion":"4"},"status":{"phase":"Running"},"spec":{"a":1}}`))
	require.NoError(t, err)
	require.False(t, o.SameContent(reordered))
	require.True(t, o.EquivalentContent(reordered), "W-6: key order does not make a change")
	require.False(t, o.EquivalentContent(o.WithMember("spec", []byte(`{"a":2}`))))
}

// TestLookupBodyWithWhitespace: a member WithMember was given with whitespace around it does not hide the members
// after it, and its value is returned without the whitespace.
func TestLookupBodyWithWhitespace(t *testing.T) {
	o, err := ParseObject([]byte(`{"kind":"X","metadata":{"name":"a"},"a":1,"z":{"k":"v"}}`))
	require.NoError(t, err)
	o = o.WithMember("b", []byte(" {\"x\": [1, 2]} "))
	for _, tt := range []struct {
		path []string
		want string
	}{
		{[]string{"a"}, `1`},
		{[]string{"b"}, `{"x": [1, 2]}`},
		{[]string{"b", "x"}, `[1, 2]`},
		{[]string{"z", "k"}, `"v"`},
		{[]string{"metadata", "name"}, `"a"`},
		{[]string{"kind"}, `"X"`},
	} {
		got, ok := o.Lookup(tt.path...)
		require.True(t, ok, tt.path)
		require.Equal(t, tt.want, string(got), tt.path)
	}
	_, ok := o.Lookup("missing")
	require.False(t, ok)
	require.Equal(t, "v", o.Field("z.k"))
	require.Equal(t, "1", o.Field("a"))
}
