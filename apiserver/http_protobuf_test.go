package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/internal/kubepb"
	"github.com/kubemem/kubemem/types"
)

// HTTP-level tests of Kubernetes protobuf (SEMANTICS V-9): request bodies, responses, lists, metadata forms, Status
// errors, subresources and watch frames, against a loopback server.

// Accept headers. acceptPB is what client-go's typed clients send (V-9); acceptMeta and acceptMetaList are the
// metadata client's.
const (
	acceptPB       = mediaProtobuf + "," + mediaJSON
	asPOM          = ";as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
	asPOMList      = ";as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
	asTable        = ";as=Table;g=meta.k8s.io;v=v1"
	acceptMeta     = mediaProtobuf + asPOM + "," + mediaJSON + asPOM + "," + mediaJSON
	acceptMetaList = mediaProtobuf + asPOMList + "," + mediaJSON + asPOMList + "," + mediaJSON
	mediaWatchPB   = mediaProtobuf + ";stream=watch"
)

// acceptedMediaTypes ends the message of kube-apiserver's 406: the media types of its serializers.
const acceptedMediaTypes = "application/json, application/yaml, application/vnd.kubernetes.protobuf"

// widgetsGVR stands for a custom resource: a kind without a protobuf form.
var widgetsGVR = types.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}

// pbEnv is a deterministic Server (fake clock, fixed seed) behind a loopback HTTP server.
type pbEnv struct {
	srv    *Server
	url    string
	client *http.Client
}

// newPBEnv starts the server with a Widget resource registered as a custom resource would be, and its handler on
// an httptest server; the test's cleanup stops both.
func newPBEnv(t *testing.T) *pbEnv {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	srv, err := New(Deterministic(clk, 1))
	require.NoError(t, err)
	widget := &Resource{GVR: widgetsGVR, Kind: "Widget", Namespaced: true}
	widget.complete()
	srv.registry().resources[widget.GVR] = widget // before the handler serves anything
	hs := httptest.NewServer(srv.Handler(HandlerOptions{}))
	t.Cleanup(func() {
		_ = srv.Close() // ends watch streams first, so that the HTTP server can close
		hs.Close()
	})
	return &pbEnv{srv: srv, url: hs.URL, client: hs.Client()}
}

// pbRequest is one HTTP request of a test.
type pbRequest struct {
	method, path        string
	accept, contentType string
	body                []byte
}

// pbResponse is a complete HTTP response.
type pbResponse struct {
	code        int
	contentType string
	body        []byte
}

func (e *pbEnv) do(t *testing.T, req pbRequest) pbResponse {
	t.Helper()
	method := req.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	r, err := http.NewRequest(method, e.url+req.path, body)
	require.NoError(t, err)
	if req.accept != "" {
		r.Header.Set("Accept", req.accept)
	}
	if req.contentType != "" {
		r.Header.Set("Content-Type", req.contentType)
	}
	resp, err := e.client.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return pbResponse{code: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: data}
}

// get GETs path with the Accept header, requiring 200 and the Content-Type.
func (e *pbEnv) get(t *testing.T, path, accept, contentType string) []byte {
	t.Helper()
	resp := e.do(t, pbRequest{path: path, accept: accept})
	require.Equal(t, http.StatusOK, resp.code, "%s", resp.body)
	require.Equal(t, contentType, resp.contentType)
	return resp.body
}

// encodePB encodes the JSON of an object of the kind as a Kubernetes protobuf object.
func encodePB(t *testing.T, apiVersion, kind, doc string) []byte {
	t.Helper()
	pb, err := kubepb.AppendObject(nil, apiVersion, kind, []byte(doc))
	require.NoError(t, err)
	return pb
}

// decodePB decodes a protobuf object to JSON, requiring the apiVersion and kind of its envelope.
func decodePB(t *testing.T, data []byte, apiVersion, kind string) []byte {
	t.Helper()
	av, k, doc, err := kubepb.DecodeObject(data)
	require.NoError(t, err)
	require.Equal(t, apiVersion+" "+kind, av+" "+k)
	return doc
}

// viaPB returns doc after a protobuf round trip: protobuf has no TypeMeta in list items and decoding emits the zero
// values of non-omitempty fields, so a JSON response compares with a decoded protobuf one only in this form.
func viaPB(t *testing.T, apiVersion, kind string, doc []byte) string {
	t.Helper()
	return string(decodePB(t, encodePB(t, apiVersion, kind, string(doc)), apiVersion, kind))
}

// jsonAt returns the value at a dotted path of a JSON document (array elements by index), re-encoded as JSON.
func jsonAt(t *testing.T, doc []byte, path string) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(doc, &v))
	for _, p := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			v = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			require.NoError(t, err, path)
			require.Less(t, i, len(c), path)
			v = c[i]
		default:
			t.Fatalf("%s: %s is not in %s", path, p, doc)
		}
	}
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return string(out)
}

// wantStatusErr is an expected failure: its code, reason and message, and whether the Status is protobuf.
type wantStatusErr struct {
	code     int
	reason   types.StatusReason
	message  string
	protobuf bool
}

// requireStatusResponse checks a Status response (SEMANTICS S-1): the code, the Content-Type, and the Status's kind,
// apiVersion, status, reason, message and code, decoded from protobuf when it is protobuf.
func requireStatusResponse(t *testing.T, resp pbResponse, want wantStatusErr) {
	t.Helper()
	require.Equal(t, want.code, resp.code, "%q", resp.body)
	doc := resp.body
	if want.protobuf {
		require.Equal(t, mediaProtobuf, resp.contentType)
		doc = decodePB(t, resp.body, "v1", "Status")
	} else {
		require.Equal(t, mediaJSON, resp.contentType)
	}
	var st types.Status
	require.NoError(t, json.Unmarshal(doc, &st), "%s", doc)
	require.Equal(t, types.TypeMeta{Kind: "Status", APIVersion: "v1"}, st.TypeMeta)
	require.Equal(t, types.StatusFailure, st.Status)
	require.Equal(t, want.reason, st.Reason)
	require.Equal(t, want.message, st.Message)
	require.Equal(t, int32(want.code), st.Code)
}

// Fixtures: a pod and a deployment with fields of every special protobuf encoding (quantities, int-or-strings,
// times, maps, nested lists).
const (
	webPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web","tier":"front"},
		"annotations":{"note":"x"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25","ports":[{"containerPort":80,
		"protocol":"TCP"}],"resources":{"limits":{"cpu":"100m","memory":"64Mi"}},"env":[{"name":"A","value":"1"}],
		"readinessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":5}}],"nodeSelector":{"disk":"ssd"},
		"tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule"}],"activeDeadlineSeconds":5,"restartPolicy":"Always"}}`
	webDeployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2,
		"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%",
		"maxUnavailable":1}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c",
		"image":"nginx"}]}}}}`
)

// createJSON creates an object from its JSON through the Go API.
func (e *pbEnv) createJSON(t *testing.T, gvr types.GroupVersionResource, ns, doc string) *types.Object {
	t.Helper()
	obj, err := types.ParseObject([]byte(doc))
	require.NoError(t, err)
	created, err := e.srv.Resource(gvr).Namespace(ns).Create(context.Background(), obj, CreateOptions{})
	require.NoError(t, err)
	return created
}

// TestProtobufGetList: V-9 a GET or LIST with client-go's Accept is answered in protobuf, and the object is the
// one the JSON GET gives (S-4 for the list's resourceVersion).
func TestProtobufGetList(t *testing.T) {
	e := newPBEnv(t)
	e.createJSON(t, Pods, "default", webPod)
	e.createJSON(t, Pods, "default", strings.Replace(webPod, `"name":"web"`, `"name":"api"`, 1))
	e.createJSON(t, Deployments, "default", webDeployment)
	rv := strconv.FormatInt(e.srv.Revision(), 10)

	cases := []struct {
		name             string
		path             string
		apiVersion, kind string
		items            int               // for lists
		fields           map[string]string // JSON of fields of the decoded object
	}{
		{"V-9 GET a pod", "/api/v1/namespaces/default/pods/web", "v1", "Pod", 0, map[string]string{
			"metadata.name": `"web"`, "metadata.labels.tier": `"front"`, "metadata.creationTimestamp": `"2026-01-02T03:04:05Z"`,
			"spec.containers.0.resources.limits.cpu": `"100m"`, "spec.containers.0.readinessProbe.httpGet.port": `"http"`,
			"spec.containers.0.ports.0.containerPort": `80`, "spec.activeDeadlineSeconds": `5`, "spec.priority": `0`, "status.phase": `"Pending"`,
		}},
		{"V-9 GET a deployment", "/apis/apps/v1/namespaces/default/deployments/web", "apps/v1", "Deployment", 0, map[string]string{
			"metadata.generation": `1`, "spec.replicas": `2`, "spec.strategy.rollingUpdate.maxSurge": `"25%"`,
			"spec.strategy.rollingUpdate.maxUnavailable": `1`,
		}},
		{"V-9 GET a cluster-scoped namespace", "/api/v1/namespaces/default", "v1", "Namespace", 0, map[string]string{
			"status.phase": `"Active"`, "spec.finalizers": `["kubernetes"]`,
		}},
		{"V-9 S-4 LIST pods", "/api/v1/namespaces/default/pods", "v1", "PodList", 2, map[string]string{
			"metadata.resourceVersion": strconv.Quote(rv), "items.0.metadata.name": `"api"`, "items.1.metadata.name": `"web"`,
		}},
		{"V-9 S-4 LIST deployments of all namespaces", "/apis/apps/v1/deployments", "apps/v1", "DeploymentList", 1, map[string]string{
			"metadata.resourceVersion": strconv.Quote(rv), "items.0.spec.replicas": `2`,
		}},
		// Protobuf cannot tell an empty list from none: decoded, items is null, as encoding/json writes a nil slice.
		{"V-9 S-4 LIST an empty collection", "/api/v1/namespaces/kube-system/pods", "v1", "PodList", 0, map[string]string{
			"metadata.resourceVersion": strconv.Quote(rv), "items": `null`,
		}},
		{"V-9 P-4 LIST a page", "/api/v1/namespaces/default/pods?limit=1", "v1", "PodList", 1, map[string]string{
			"metadata.resourceVersion": strconv.Quote(rv), "metadata.remainingItemCount": `1`, "items.0.metadata.name": `"api"`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jsonBody := e.get(t, c.path, mediaJSON, mediaJSON)
			pb := e.get(t, c.path, acceptPB, mediaProtobuf)
			doc := decodePB(t, pb, c.apiVersion, c.kind)
			require.JSONEq(t, viaPB(t, c.apiVersion, c.kind, jsonBody), string(doc))
			require.Equal(t, pb, e.get(t, c.path, mediaProtobuf, mediaProtobuf), "protobuf alone")
			require.Equal(t, jsonBody, e.get(t, c.path, mediaJSON+","+mediaProtobuf, mediaJSON), "the first media range wins")
			if strings.HasSuffix(c.kind, "List") {
				var l struct{ Items []json.RawMessage }
				require.NoError(t, json.Unmarshal(doc, &l))
				require.Len(t, l.Items, c.items)
				require.NotEqual(t, "null", jsonAt(t, jsonBody, "items"), "S-4 a JSON list's items is an array")
				require.JSONEq(t, `"`+c.apiVersion+`"`, jsonAt(t, doc, "apiVersion"))
				require.JSONEq(t, `"`+c.kind+`"`, jsonAt(t, doc, "kind"))
			}
			for path, want := range c.fields {
				require.JSONEq(t, want, jsonAt(t, doc, path), path)
			}
		})
	}
}

// TestProtobufNegotiation: which form and media type each Accept header gets (V-9): metadata forms in protobuf,
// Table only in JSON, custom resources only in JSON (but their metadata in protobuf), and errors as
// kube-apiserver's ErrorNegotiated writes them — in protobuf when the client asks for it first, in JSON when
// the only protobuf ranges ask for another form.
func TestProtobufNegotiation(t *testing.T) {
	e := newPBEnv(t)
	pod := e.createJSON(t, Pods, "default", webPod)
	widget := e.createJSON(t, widgetsGVR, "default", `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","labels":{"a":"b"}},"spec":{"size":3}}`)
	rv := strconv.Quote(strconv.FormatInt(e.srv.Revision(), 10))
	notAcceptable := "only the following media types are accepted: " + acceptedMediaTypes

	const (
		podPath     = "/api/v1/namespaces/default/pods/web"
		podsPath    = "/api/v1/namespaces/default/pods"
		widgetPath  = "/apis/example.com/v1/namespaces/default/widgets/w"
		widgetsPath = "/apis/example.com/v1/namespaces/default/widgets"
	)
	cases := []struct {
		name             string
		path, accept     string
		contentType      string            // of a 200
		apiVersion, kind string            // of a 200
		same             string            // the Accept of the same answer in JSON, to compare with
		fields           map[string]string // JSON of fields of the decoded answer
		err              *wantStatusErr
	}{
		{name: "V-9 PartialObjectMetadata of a pod in protobuf", path: podPath, accept: acceptMeta,
			contentType: mediaProtobuf, apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", same: mediaJSON + asPOM,
			fields: map[string]string{"metadata.name": `"web"`, "metadata.uid": strconv.Quote(pod.UID()), "metadata.labels.app": `"web"`, "spec": `null`}},
		{name: "V-9 PartialObjectMetadata, protobuf alone", path: podPath, accept: mediaProtobuf + asPOM,
			contentType: mediaProtobuf, apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", same: mediaJSON + asPOM},
		{name: "V-9 PartialObjectMetadataList of pods in protobuf", path: podsPath, accept: acceptMetaList,
			contentType: mediaProtobuf, apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadataList", same: mediaJSON + asPOMList,
			fields: map[string]string{"metadata.resourceVersion": rv, "items.0.metadata.name": `"web"`, "items.0.spec": `null`}},
		{name: "V-9 a Table is never protobuf: protobuf alone is 406, in JSON", path: podPath, accept: mediaProtobuf + asTable,
			err: &wantStatusErr{code: 406, reason: types.StatusReasonNotAcceptable, message: notAcceptable}},
		{name: "V-9 a Table is never protobuf: the JSON Table is next", path: podPath, accept: mediaProtobuf + asTable + "," + mediaJSON + asTable,
			contentType: mediaJSON, apiVersion: "meta.k8s.io/v1", kind: "Table",
			fields: map[string]string{"columnDefinitions.0.name": `"Name"`, "rows.0.cells.0": `"web"`, "rows.0.object.kind": `"PartialObjectMetadata"`}},
		{name: "V-9 a Table list, JSON after protobuf", path: podsPath, accept: mediaProtobuf + asTable + "," + mediaJSON + asTable + "," + mediaJSON,
			contentType: mediaJSON, apiVersion: "meta.k8s.io/v1", kind: "Table",
			fields: map[string]string{"metadata.resourceVersion": rv, "rows.0.cells.0": `"web"`}},
		{name: "PartialObjectMetadata of a list is 406, in JSON (the as= ranges are skipped for errors)", path: podsPath, accept: acceptMeta,
			err: &wantStatusErr{code: 406, reason: types.StatusReasonNotAcceptable, message: "you requested PartialObjectMetadata, but the requested object is a list"}},
		{name: "PartialObjectMetadataList of one object is 406", path: podPath, accept: acceptMetaList,
			err: &wantStatusErr{code: 406, reason: types.StatusReasonNotAcceptable, message: "you requested PartialObjectMetadataList, but the requested object is not a list"}},
		{name: "an unserved media type is 406", path: podPath, accept: "text/html",
			err: &wantStatusErr{code: 406, reason: types.StatusReasonNotAcceptable, message: notAcceptable}},
		{name: "S-3 a missing pod is 404, a protobuf Status", path: podsPath + "/x", accept: acceptPB,
			err: &wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `pods "x" not found`, protobuf: true}},
		{name: "S-3 a missing pod is 404, a protobuf Status for protobuf alone", path: podsPath + "/x", accept: mediaProtobuf,
			err: &wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `pods "x" not found`, protobuf: true}},
		{name: "S-3 a missing pod is 404, a JSON Status for JSON first", path: podsPath + "/x", accept: mediaJSON + "," + mediaProtobuf,
			err: &wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `pods "x" not found`}},
		{name: "S-3 a missing deployment is 404, a protobuf Status", path: "/apis/apps/v1/namespaces/default/deployments/x", accept: acceptPB,
			err: &wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `deployments.apps "x" not found`, protobuf: true}},
		{name: "S-3 the metadata client's 404 is JSON (kube skips as= ranges for errors)", path: podsPath + "/x", accept: acceptMeta,
			err: &wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `pods "x" not found`}},
		{name: "S-3 a 404 after a protobuf Table range is a protobuf Status", path: podsPath + "/x", accept: mediaJSON + asTable + "," + acceptPB,
			err: &wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `pods "x" not found`, protobuf: true}},

		{name: "a custom resource is JSON when protobuf comes first", path: widgetPath, accept: acceptPB,
			contentType: mediaJSON, apiVersion: "example.com/v1", kind: "Widget",
			fields: map[string]string{"metadata.uid": strconv.Quote(widget.UID()), "spec.size": `3`}},
		{name: "a custom resource list is JSON when protobuf comes first", path: widgetsPath, accept: acceptPB,
			contentType: mediaJSON, apiVersion: "example.com/v1", kind: "WidgetList",
			fields: map[string]string{"metadata.resourceVersion": rv, "items.0.spec.size": `3`}},
		{name: "a custom resource in protobuf alone is 406, the Status in protobuf", path: widgetPath, accept: mediaProtobuf,
			err: &wantStatusErr{code: 406, reason: types.StatusReasonNotAcceptable, message: notAcceptable, protobuf: true}},
		{name: "a custom resource list in protobuf alone is 406", path: widgetsPath, accept: mediaProtobuf,
			err: &wantStatusErr{code: 406, reason: types.StatusReasonNotAcceptable, message: notAcceptable, protobuf: true}},
		{name: "a custom resource's metadata is served in protobuf", path: widgetPath, accept: acceptMeta,
			contentType: mediaProtobuf, apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", same: mediaJSON + asPOM,
			fields: map[string]string{"metadata.uid": strconv.Quote(widget.UID()), "metadata.labels.a": `"b"`}},
		{name: "a custom resource's metadata list is served in protobuf", path: widgetsPath, accept: acceptMetaList,
			contentType: mediaProtobuf, apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadataList", same: mediaJSON + asPOMList,
			fields: map[string]string{"metadata.resourceVersion": rv, "items.0.metadata.name": `"w"`}},
		{name: "S-3 a missing custom resource is 404, a protobuf Status", path: widgetsPath + "/x", accept: acceptPB,
			err: &wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `widgets.example.com "x" not found`, protobuf: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := e.do(t, pbRequest{path: c.path, accept: c.accept})
			if c.err != nil {
				requireStatusResponse(t, resp, *c.err)
				return
			}
			require.Equal(t, http.StatusOK, resp.code, "%s", resp.body)
			require.Equal(t, c.contentType, resp.contentType)
			doc := resp.body
			if c.contentType == mediaProtobuf {
				doc = decodePB(t, resp.body, c.apiVersion, c.kind)
			}
			require.JSONEq(t, `"`+c.apiVersion+`"`, jsonAt(t, doc, "apiVersion"))
			require.JSONEq(t, `"`+c.kind+`"`, jsonAt(t, doc, "kind"))
			if c.same != "" {
				require.JSONEq(t, viaPB(t, c.apiVersion, c.kind, e.get(t, c.path, c.same, mediaJSON)), string(doc))
			}
			for path, want := range c.fields {
				require.JSONEq(t, want, jsonAt(t, doc, path), path)
			}
		})
	}
}

// jsonWith returns doc with the members of a JSON merge patch applied at its top level (a member of patch replaces
// the one of doc, nested maps merged one level down).
func jsonWith(t *testing.T, doc []byte, patch string) []byte {
	t.Helper()
	var d, p map[string]any
	require.NoError(t, json.Unmarshal(doc, &d))
	require.NoError(t, json.Unmarshal([]byte(patch), &p))
	for k, v := range p {
		if vm, ok := v.(map[string]any); ok {
			if dm, ok := d[k].(map[string]any); ok {
				for kk, vv := range vm {
					dm[kk] = vv
				}
				continue
			}
		}
		d[k] = v
	}
	out, err := json.Marshal(d)
	require.NoError(t, err)
	return out
}

// rawEnvelope builds a protobuf object by hand: Magic and a runtime.Unknown naming apiVersion and kind, around raw.
func rawEnvelope(apiVersion, kind string, raw []byte) []byte {
	b := []byte(kubepb.Magic)
	tm := protowire.AppendTag(nil, 1, protowire.BytesType)
	tm = protowire.AppendString(tm, apiVersion)
	tm = protowire.AppendTag(tm, 2, protowire.BytesType)
	tm = protowire.AppendString(tm, kind)
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, tm)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, raw)
}

// pbStep is one request of a sequence and what it must answer: a Status (err), or an object of the kind in the
// media type, checked further by check.
type pbStep struct {
	name             string
	req              func(t *testing.T) pbRequest
	code             int
	contentType      string
	apiVersion, kind string
	err              *wantStatusErr
	errMessage       func(t *testing.T) string // the message of err, when it depends on earlier steps
	check            func(t *testing.T, doc []byte)
}

// run runs steps in order, each as a subtest; a failed step stops the sequence.
func (e *pbEnv) run(t *testing.T, steps []pbStep) {
	t.Helper()
	for _, s := range steps {
		ok := t.Run(s.name, func(t *testing.T) {
			resp := e.do(t, s.req(t))
			if s.err != nil {
				want := *s.err
				if s.errMessage != nil {
					want.message = s.errMessage(t)
				}
				requireStatusResponse(t, resp, want)
				return
			}
			require.Equal(t, s.code, resp.code, "%s", resp.body)
			require.Equal(t, s.contentType, resp.contentType)
			doc := resp.body
			if s.contentType == mediaProtobuf {
				doc = decodePB(t, resp.body, s.apiVersion, s.kind)
			}
			require.JSONEq(t, `"`+s.apiVersion+`"`, jsonAt(t, doc, "apiVersion"))
			require.JSONEq(t, `"`+s.kind+`"`, jsonAt(t, doc, "kind"))
			if s.check != nil {
				s.check(t, doc)
			}
		})
		if !ok {
			return
		}
	}
}

// fixedRequest returns a request builder that always gives req.
func fixedRequest(req pbRequest) func(*testing.T) pbRequest {
	return func(*testing.T) pbRequest { return req }
}

// TestProtobufWrites: V-9 create, update, delete and deletecollection with protobuf bodies (typed clients send
// nothing else), their errors (S-3, V-3, W-3) as protobuf Status, and bodies that are not protobuf or not valid.
func TestProtobufWrites(t *testing.T) {
	e := newPBEnv(t)
	const (
		pods        = "/api/v1/namespaces/default/pods"
		web         = pods + "/web"
		deployments = "/apis/apps/v1/namespaces/default/deployments"
		otherUID    = "00000000-0000-4000-8000-000000000000"
	)
	pbPost := func(path string, body []byte) pbRequest {
		return pbRequest{method: http.MethodPost, path: path, accept: acceptPB, contentType: mediaProtobuf, body: body}
	}
	var created []byte // the JSON of pod web as the create answered it
	current := func(t *testing.T) []byte { return e.get(t, web, mediaJSON, mediaJSON) }
	valid := encodePB(t, "v1", "Pod", webPod)
	badRequest := func(message string) *wantStatusErr {
		return &wantStatusErr{code: 400, reason: types.StatusReasonBadRequest, message: message, protobuf: true}
	}

	e.run(t, []pbStep{
		{name: "V-9 create from a protobuf body: 201 and the object in protobuf", req: fixedRequest(pbPost(pods, valid)),
			code: 201, contentType: mediaProtobuf, apiVersion: "v1", kind: "Pod",
			check: func(t *testing.T, doc []byte) {
				created = doc
				require.JSONEq(t, `"web"`, jsonAt(t, doc, "metadata.name"))
				require.JSONEq(t, `"default"`, jsonAt(t, doc, "metadata.namespace"))
				require.JSONEq(t, `"100m"`, jsonAt(t, doc, "spec.containers.0.resources.limits.cpu"))
				require.JSONEq(t, `"http"`, jsonAt(t, doc, "spec.containers.0.readinessProbe.httpGet.port"))
				require.JSONEq(t, strconv.Quote(strconv.FormatInt(e.srv.Revision(), 10)), jsonAt(t, doc, "metadata.resourceVersion"))
				require.JSONEq(t, viaPB(t, "v1", "Pod", current(t)), string(doc), "the stored object is the one answered")
			}},
		{name: "V-9 create from a protobuf body, answered in JSON", req: func(t *testing.T) pbRequest {
			body := encodePB(t, "v1", "Pod", strings.Replace(webPod, `"name":"web"`, `"name":"api"`, 1))
			return pbRequest{method: http.MethodPost, path: pods, accept: mediaJSON, contentType: mediaProtobuf, body: body}
		}, code: 201, contentType: mediaJSON, apiVersion: "v1", kind: "Pod",
			check: func(t *testing.T, doc []byte) {
				require.JSONEq(t, `{"disk":"ssd"}`, jsonAt(t, doc, "spec.nodeSelector"))
			}},
		{name: "S-3 creating it again is 409 AlreadyExists, a protobuf Status", req: fixedRequest(pbPost(pods, valid)),
			err: &wantStatusErr{code: 409, reason: types.StatusReasonAlreadyExists, message: `pods "web" already exists`, protobuf: true}},
		{name: "V-9 update from a protobuf body", req: func(t *testing.T) pbRequest {
			body := encodePB(t, "v1", "Pod", string(jsonWith(t, current(t), `{"metadata":{"labels":{"app":"v2"}}}`)))
			return pbRequest{method: http.MethodPut, path: web, accept: acceptPB, contentType: mediaProtobuf, body: body}
		}, code: 200, contentType: mediaProtobuf, apiVersion: "v1", kind: "Pod",
			check: func(t *testing.T, doc []byte) {
				require.JSONEq(t, `{"app":"v2"}`, jsonAt(t, doc, "metadata.labels"))
				require.JSONEq(t, jsonAt(t, created, "metadata.uid"), jsonAt(t, doc, "metadata.uid"))
				require.NotEqual(t, jsonAt(t, created, "metadata.resourceVersion"), jsonAt(t, doc, "metadata.resourceVersion"))
				require.JSONEq(t, viaPB(t, "v1", "Pod", current(t)), string(doc))
			}},
		{name: "W-3 an update with a stale resourceVersion is 409 Conflict, a protobuf Status", req: func(t *testing.T) pbRequest {
			return pbRequest{method: http.MethodPut, path: web, accept: acceptPB, contentType: mediaProtobuf, body: encodePB(t, "v1", "Pod", string(created))}
		}, err: &wantStatusErr{code: 409, reason: types.StatusReasonConflict, protobuf: true,
			message: `Operation cannot be fulfilled on pods "web": ` + types.OptimisticLockErrorMsg}},
		{name: "an update whose body names another object is 400", req: func(t *testing.T) pbRequest {
			body := encodePB(t, "v1", "Pod", string(jsonWith(t, current(t), `{"metadata":{"name":"api"}}`)))
			return pbRequest{method: http.MethodPut, path: web, accept: acceptPB, contentType: mediaProtobuf, body: body}
		}, err: badRequest("the name of the object (api) does not match the name on the URL (web)")},
		{name: "a body without the protobuf prefix is 400", req: fixedRequest(pbPost(pods, []byte(webPod))),
			err: badRequest("unable to decode the protobuf body: malformed protobuf: the data does not start with the Kubernetes protobuf prefix")},
		{name: "a truncated protobuf body is 400", req: fixedRequest(pbPost(pods, valid[:len(valid)-20])),
			err: badRequest("unable to decode the protobuf body: malformed protobuf: field 2: unexpected EOF")},
		{name: "a protobuf body of a kind without a schema is 400", req: fixedRequest(pbPost(pods, rawEnvelope("v1", "Nope", nil))),
			err: badRequest("unable to decode the protobuf body: no protobuf schema for kind Nope in version v1")},
		{name: "an empty protobuf body is 400", req: fixedRequest(pbPost(pods, []byte{})),
			err: badRequest("the body of the request was empty")},
		{name: "a protobuf body of another kind is 400", req: func(t *testing.T) pbRequest {
			return pbPost(pods, encodePB(t, "v1", "ConfigMap", `{"metadata":{"name":"cm"},"data":{"k":"v"}}`))
		}, err: badRequest(`the object provided is unrecognized (kind "ConfigMap", apiVersion "v1"): expected kind "Pod", apiVersion "v1"`)},
		{name: "an application/xml body is 415", req: fixedRequest(pbRequest{method: http.MethodPost, path: pods, accept: acceptPB, contentType: "application/xml", body: []byte("<pod/>")}),
			err: &wantStatusErr{code: 415, reason: types.StatusReasonUnsupportedMediaType, protobuf: true,
				message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"}},

		{name: "V-3 a delete with a protobuf DeleteOptions and a wrong uid precondition is 409", req: func(t *testing.T) pbRequest {
			return pbRequest{method: http.MethodDelete, path: web, accept: acceptPB, contentType: mediaProtobuf,
				body: encodePB(t, "v1", "DeleteOptions", `{"preconditions":{"uid":"`+otherUID+`"}}`)}
		}, err: &wantStatusErr{code: 409, reason: types.StatusReasonConflict, protobuf: true}, errMessage: func(t *testing.T) string {
			return `Operation cannot be fulfilled on Pod "web": the UID in the precondition (` + otherUID + `) does not match the UID in record (` +
				jsonString(t, created, "metadata.uid") + `). The object might have been deleted and then recreated`
		}},
		{name: "V-3 a delete with a meta.k8s.io/v1 DeleteOptions (the metadata client's) and a stale resourceVersion is 409", req: func(t *testing.T) pbRequest {
			return pbRequest{method: http.MethodDelete, path: web, accept: acceptPB, contentType: mediaProtobuf,
				body: encodePB(t, "meta.k8s.io/v1", "DeleteOptions", `{"preconditions":{"resourceVersion":"1"}}`)}
		}, err: &wantStatusErr{code: 409, reason: types.StatusReasonConflict, protobuf: true}, errMessage: func(t *testing.T) string {
			return `Operation cannot be fulfilled on Pod "web": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (` +
				jsonString(t, current(t), "metadata.resourceVersion") + `). The object might have been modified`
		}},
		{name: "a delete with a malformed protobuf body is 400", req: fixedRequest(pbRequest{method: http.MethodDelete, path: web, accept: acceptPB, contentType: mediaProtobuf, body: []byte("{}")}),
			err: badRequest("unable to decode the protobuf body: malformed protobuf: the data does not start with the Kubernetes protobuf prefix")},
		{name: "a delete with an application/xml body is 415", req: fixedRequest(pbRequest{method: http.MethodDelete, path: web, accept: acceptPB, contentType: "application/xml", body: []byte("<x/>")}),
			err: &wantStatusErr{code: 415, reason: types.StatusReasonUnsupportedMediaType, protobuf: true,
				message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"}},
		{name: "W-7 X-13 a delete with matching preconditions answers the deleted pod in protobuf", req: func(t *testing.T) pbRequest {
			cur := current(t)
			opts := `{"preconditions":{"uid":` + jsonAt(t, cur, "metadata.uid") + `,"resourceVersion":` + jsonAt(t, cur, "metadata.resourceVersion") + `},"gracePeriodSeconds":0}`
			return pbRequest{method: http.MethodDelete, path: web, accept: acceptPB, contentType: mediaProtobuf, body: encodePB(t, "v1", "DeleteOptions", opts)}
		}, code: 200, contentType: mediaProtobuf, apiVersion: "v1", kind: "Pod", check: func(t *testing.T, doc []byte) {
			require.JSONEq(t, jsonAt(t, created, "metadata.uid"), jsonAt(t, doc, "metadata.uid"))
			require.JSONEq(t, strconv.Quote(strconv.FormatInt(e.srv.Revision(), 10)), jsonAt(t, doc, "metadata.resourceVersion"), "the deletion's revision")
			requireStatusResponse(t, e.do(t, pbRequest{path: web, accept: acceptPB}), wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `pods "web" not found`, protobuf: true})
		}},
		{name: "V-9 create a deployment from a protobuf body", req: fixedRequest(pbPost(deployments, encodePB(t, "apps/v1", "Deployment", webDeployment))),
			code: 201, contentType: mediaProtobuf, apiVersion: "apps/v1", kind: "Deployment", check: func(t *testing.T, doc []byte) {
				require.JSONEq(t, `"25%"`, jsonAt(t, doc, "spec.strategy.rollingUpdate.maxSurge"))
				require.JSONEq(t, `1`, jsonAt(t, doc, "spec.strategy.rollingUpdate.maxUnavailable"))
				created = doc
			}},
		{name: "W-7 a delete with an apps/v1 DeleteOptions answers a Success Status in protobuf", req: func(t *testing.T) pbRequest {
			return pbRequest{method: http.MethodDelete, path: deployments + "/web", accept: acceptPB, contentType: mediaProtobuf,
				body: encodePB(t, "apps/v1", "DeleteOptions", `{"propagationPolicy":"Background"}`)}
		}, code: 200, contentType: mediaProtobuf, apiVersion: "v1", kind: "Status", check: func(t *testing.T, doc []byte) {
			require.JSONEq(t, `"Success"`, jsonAt(t, doc, "status"))
			require.Equal(t, "null", jsonAt(t, doc, "code"), "kube's finalizeDelete sets no code")
			require.JSONEq(t, `{"name":"web","group":"apps","kind":"deployments","uid":`+jsonAt(t, created, "metadata.uid")+`}`, jsonAt(t, doc, "details"))
		}},
		{name: "V-9 deletecollection with a protobuf DeleteOptions (dryRun) answers the list in protobuf", req: func(t *testing.T) pbRequest {
			return pbRequest{method: http.MethodDelete, path: pods, accept: acceptPB, contentType: mediaProtobuf,
				body: encodePB(t, "v1", "DeleteOptions", `{"dryRun":["All"]}`)}
		}, code: 200, contentType: mediaProtobuf, apiVersion: "v1", kind: "PodList", check: func(t *testing.T, doc []byte) {
			require.JSONEq(t, `"api"`, jsonAt(t, doc, "items.0.metadata.name"))
			e.get(t, pods+"/api", mediaJSON, mediaJSON) // still there
		}},
		{name: "V-9 deletecollection with a label selector and a protobuf DeleteOptions", req: fixedRequest(pbRequest{method: http.MethodDelete, path: pods + "?labelSelector=app%3Dweb",
			accept: acceptPB, contentType: mediaProtobuf, body: encodePB(t, "v1", "DeleteOptions", `{"gracePeriodSeconds":0}`)}),
			code: 200, contentType: mediaProtobuf, apiVersion: "v1", kind: "PodList", check: func(t *testing.T, doc []byte) {
				require.JSONEq(t, `"api"`, jsonAt(t, doc, "items.0.metadata.name"))
				require.JSONEq(t, `[]`, jsonAt(t, e.get(t, pods, mediaJSON, mediaJSON), "items"))
			}},

		{name: "a custom resource does not take protobuf bodies: 415 lists JSON and YAML", req: fixedRequest(pbPost("/apis/example.com/v1/namespaces/default/widgets", valid)),
			err: &wantStatusErr{code: 415, reason: types.StatusReasonUnsupportedMediaType, protobuf: true,
				message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"}},
		{name: "a custom resource's delete does not take a protobuf DeleteOptions either", req: func(t *testing.T) pbRequest {
			return pbRequest{method: http.MethodDelete, path: "/apis/example.com/v1/namespaces/default/widgets/w", accept: acceptPB, contentType: mediaProtobuf,
				body: encodePB(t, "meta.k8s.io/v1", "DeleteOptions", `{}`)}
		}, err: &wantStatusErr{code: 415, reason: types.StatusReasonUnsupportedMediaType, protobuf: true,
			message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"}},
		{name: "a custom resource is created from JSON and answered in JSON under client-go's Accept", req: fixedRequest(pbRequest{method: http.MethodPost,
			path: "/apis/example.com/v1/namespaces/default/widgets", accept: acceptPB, contentType: mediaJSON,
			body: []byte(`{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1}}`)}),
			code: 201, contentType: mediaJSON, apiVersion: "example.com/v1", kind: "Widget",
			check: func(t *testing.T, doc []byte) { require.JSONEq(t, `1`, jsonAt(t, doc, "spec.size")) }},
	})
}

// str returns the string at a dotted path of a JSON document.
func jsonString(t *testing.T, doc []byte, path string) string {
	t.Helper()
	s, err := strconv.Unquote(jsonAt(t, doc, path))
	require.NoError(t, err, path)
	return s
}

// TestProtobufSubresources: V-9 scale (autoscaling/v1 Scale), pods/binding, pods/status and pods/eviction with
// protobuf bodies and answers.
func TestProtobufSubresources(t *testing.T) {
	e := newPBEnv(t)
	e.createJSON(t, Deployments, "default", webDeployment)
	for _, name := range []string{"p", "q"} {
		e.createJSON(t, Pods, "default", `{"metadata":{"name":"`+name+`"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}`)
	}
	const (
		scale = "/apis/apps/v1/namespaces/default/deployments/web/scale"
		pods  = "/api/v1/namespaces/default/pods"
	)
	pbReq := func(method, path string, body []byte) pbRequest {
		return pbRequest{method: method, path: path, accept: acceptPB, contentType: mediaProtobuf, body: body}
	}
	success := func(t *testing.T, doc []byte) {
		require.JSONEq(t, `"Success"`, jsonAt(t, doc, "status"))
		require.JSONEq(t, `201`, jsonAt(t, doc, "code"))
	}
	podJSON := func(t *testing.T, name string) []byte { return e.get(t, pods+"/"+name, mediaJSON, mediaJSON) }

	e.run(t, []pbStep{
		{name: "V-9 GET scale in protobuf", req: fixedRequest(pbRequest{path: scale, accept: acceptPB}),
			code: 200, contentType: mediaProtobuf, apiVersion: "autoscaling/v1", kind: "Scale", check: func(t *testing.T, doc []byte) {
				require.JSONEq(t, `2`, jsonAt(t, doc, "spec.replicas"))
				require.JSONEq(t, `"app=web"`, jsonAt(t, doc, "status.selector"))
				require.JSONEq(t, `"web"`, jsonAt(t, doc, "metadata.name"))
				require.JSONEq(t, viaPB(t, "autoscaling/v1", "Scale", e.get(t, scale, mediaJSON, mediaJSON)), string(doc))
			}},
		{name: "V-9 PUT scale from a protobuf body", req: func(t *testing.T) pbRequest {
			return pbReq(http.MethodPut, scale, encodePB(t, "autoscaling/v1", "Scale", `{"metadata":{"name":"web","namespace":"default"},"spec":{"replicas":5}}`))
		}, code: 200, contentType: mediaProtobuf, apiVersion: "autoscaling/v1", kind: "Scale", check: func(t *testing.T, doc []byte) {
			require.JSONEq(t, `5`, jsonAt(t, doc, "spec.replicas"))
			require.JSONEq(t, `5`, jsonAt(t, e.get(t, "/apis/apps/v1/namespaces/default/deployments/web", mediaJSON, mediaJSON), "spec.replicas"))
		}},
		{name: "W-3 PUT scale with a stale resourceVersion is 409, a protobuf Status", req: func(t *testing.T) pbRequest {
			return pbReq(http.MethodPut, scale, encodePB(t, "autoscaling/v1", "Scale", `{"metadata":{"name":"web","resourceVersion":"1"},"spec":{"replicas":6}}`))
		}, err: &wantStatusErr{code: 409, reason: types.StatusReasonConflict, protobuf: true,
			message: `Operation cannot be fulfilled on deployments.apps "web": ` + types.OptimisticLockErrorMsg}},
		{name: "PUT scale of a missing deployment is 404, a protobuf Status", req: func(t *testing.T) pbRequest {
			return pbReq(http.MethodPut, "/apis/apps/v1/namespaces/default/deployments/x/scale", encodePB(t, "autoscaling/v1", "Scale", `{"metadata":{"name":"x"},"spec":{"replicas":1}}`))
		}, err: &wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `deployments.apps "x" not found`, protobuf: true}},
		{name: "PUT scale with a malformed protobuf body is 400", req: fixedRequest(pbReq(http.MethodPut, scale, []byte(`{"spec":{"replicas":1}}`))),
			err: &wantStatusErr{code: 400, reason: types.StatusReasonBadRequest, protobuf: true,
				message: "unable to decode the protobuf body: malformed protobuf: the data does not start with the Kubernetes protobuf prefix"}},
		{name: "PUT scale with an application/xml body is 415", req: fixedRequest(pbRequest{method: http.MethodPut, path: scale, accept: acceptPB, contentType: "application/xml", body: []byte("<x/>")}),
			err: &wantStatusErr{code: 415, reason: types.StatusReasonUnsupportedMediaType, protobuf: true,
				message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"}},

		{name: "V-9 pods/binding from a protobuf Binding: 201 Success in protobuf", req: func(t *testing.T) pbRequest {
			return pbReq(http.MethodPost, pods+"/p/binding", encodePB(t, "v1", "Binding", `{"metadata":{"name":"p"},"target":{"kind":"Node","name":"node-a"}}`))
		}, code: 201, contentType: mediaProtobuf, apiVersion: "v1", kind: "Status", check: func(t *testing.T, doc []byte) {
			success(t, doc)
			require.JSONEq(t, `"node-a"`, jsonAt(t, podJSON(t, "p"), "spec.nodeName"))
		}},
		{name: "binding a bound pod is 409, a protobuf Status", req: func(t *testing.T) pbRequest {
			return pbReq(http.MethodPost, pods+"/p/binding", encodePB(t, "v1", "Binding", `{"metadata":{"name":"p"},"target":{"kind":"Node","name":"node-b"}}`))
		}, err: &wantStatusErr{code: 409, reason: types.StatusReasonConflict, protobuf: true,
			message: `Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "node-a"`}},
		{name: "V-9 pods/status from a protobuf body", req: func(t *testing.T) pbRequest {
			body := jsonWith(t, podJSON(t, "p"), `{"status":{"phase":"Running","podIP":"10.0.0.1"}}`)
			return pbReq(http.MethodPut, pods+"/p/status", encodePB(t, "v1", "Pod", string(body)))
		}, code: 200, contentType: mediaProtobuf, apiVersion: "v1", kind: "Pod", check: func(t *testing.T, doc []byte) {
			require.JSONEq(t, `"Running"`, jsonAt(t, doc, "status.phase"))
			require.JSONEq(t, `"10.0.0.1"`, jsonAt(t, doc, "status.podIP"))
			require.JSONEq(t, `"node-a"`, jsonAt(t, doc, "spec.nodeName"))
			require.JSONEq(t, viaPB(t, "v1", "Pod", podJSON(t, "p")), string(doc))
		}},
		{name: "V-3 pods/eviction from a protobuf Eviction with a wrong uid precondition is 409", req: func(t *testing.T) pbRequest {
			return pbReq(http.MethodPost, pods+"/q/eviction", encodePB(t, "policy/v1", "Eviction",
				`{"metadata":{"name":"q"},"deleteOptions":{"preconditions":{"uid":"00000000-0000-4000-8000-000000000000"}}}`))
		}, err: &wantStatusErr{code: 409, reason: types.StatusReasonConflict, protobuf: true}, errMessage: func(t *testing.T) string {
			return `Operation cannot be fulfilled on Pod "q": the UID in the precondition (00000000-0000-4000-8000-000000000000) does not match the UID in record (` +
				jsonString(t, podJSON(t, "q"), "metadata.uid") + `). The object might have been deleted and then recreated`
		}},
		{name: "V-9 pods/eviction from a protobuf Eviction: 201 Success in protobuf, the pod is gone", req: func(t *testing.T) pbRequest {
			return pbReq(http.MethodPost, pods+"/p/eviction", encodePB(t, "policy/v1", "Eviction", `{"metadata":{"name":"p"},"deleteOptions":{"gracePeriodSeconds":0}}`))
		}, code: 201, contentType: mediaProtobuf, apiVersion: "v1", kind: "Status", check: func(t *testing.T, doc []byte) {
			success(t, doc)
			requireStatusResponse(t, e.do(t, pbRequest{path: pods + "/p", accept: acceptPB}), wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `pods "p" not found`, protobuf: true})
		}},
		{name: "evicting a missing pod is 404, a protobuf Status", req: func(t *testing.T) pbRequest {
			return pbReq(http.MethodPost, pods+"/p/eviction", encodePB(t, "policy/v1", "Eviction", `{"metadata":{"name":"p"}}`))
		}, err: &wantStatusErr{code: 404, reason: types.StatusReasonNotFound, message: `pods "p" not found`, protobuf: true}},
	})
}

// pbFrame is one decoded frame of a protobuf watch stream: the event type and its object as JSON.
type pbFrame struct {
	typ, apiVersion, kind string
	doc                   []byte
	err                   error // the frame could not be read or decoded; the stream is over
}

// pbStream is an open watch: its status, Content-Type, and its frames (protobuf) or lines (JSON), read by a
// goroutine that ends when the stream does.
type pbStream struct {
	code        int
	contentType string
	body        []byte       // the whole body of a response that is not a stream
	frames      chan pbFrame // closed at the end of the stream
}

// watch opens a watch and reads its stream in the background; the test's cleanup closes it.
func (e *pbEnv) watch(t *testing.T, path, accept string) *pbStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url+path, nil)
	require.NoError(t, err)
	r.Header.Set("Accept", accept)
	resp, err := e.client.Do(r)
	require.NoError(t, err)
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
	})
	s := &pbStream{code: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), frames: make(chan pbFrame, 100)}
	if resp.StatusCode != http.StatusOK {
		s.body, err = io.ReadAll(resp.Body)
		require.NoError(t, err)
		close(s.frames)
		return s
	}
	protobuf := s.contentType == mediaWatchPB
	body := bufio.NewReader(resp.Body)
	go func() {
		defer close(s.frames)
		for {
			f := readFrame(body, protobuf)
			s.frames <- f
			if f.err != nil {
				return
			}
		}
	}()
	return s
}

// readFrame reads one event: a length-prefixed WatchEvent message (protobuf) or a JSON line.
func readFrame(body *bufio.Reader, protobuf bool) pbFrame {
	if !protobuf {
		line, err := body.ReadBytes('\n')
		if err != nil {
			return pbFrame{err: err}
		}
		var ev struct {
			Type   string          `json:"type"`
			Object json.RawMessage `json:"object"`
		}
		if err := json.Unmarshal(line, &ev); err != nil {
			return pbFrame{err: err}
		}
		var tm types.TypeMeta
		if err := json.Unmarshal(ev.Object, &tm); err != nil {
			return pbFrame{err: err}
		}
		return pbFrame{typ: ev.Type, apiVersion: tm.APIVersion, kind: tm.Kind, doc: ev.Object}
	}
	var n [4]byte
	if _, err := io.ReadFull(body, n[:]); err != nil {
		return pbFrame{err: err}
	}
	msg := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := io.ReadFull(body, msg); err != nil {
		return pbFrame{err: err}
	}
	typ, obj, err := kubepb.ParseWatchEvent(msg)
	if err != nil {
		return pbFrame{err: err}
	}
	av, kind, doc, err := kubepb.DecodeObject(obj)
	if err != nil {
		return pbFrame{err: fmt.Errorf("%s event: %w", typ, err)}
	}
	return pbFrame{typ: typ, apiVersion: av, kind: kind, doc: doc}
}

// next returns the next event of the stream, failing when none comes within five seconds.
func (s *pbStream) next(t *testing.T) pbFrame {
	t.Helper()
	select {
	case f, ok := <-s.frames:
		require.True(t, ok, "the stream ended")
		require.NoError(t, f.err)
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("no watch event within 5s")
		return pbFrame{}
	}
}

// requireEnd checks that the stream ends cleanly (EOF) with no further event.
func (s *pbStream) requireEnd(t *testing.T) {
	t.Helper()
	select {
	case f, ok := <-s.frames:
		if ok {
			require.ErrorIs(t, f.err, io.EOF, "%s %s", f.typ, f.doc)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end within 5s")
	}
}

// requireQuiet checks that no event comes for a while.
func (s *pbStream) requireQuiet(t *testing.T) {
	t.Helper()
	select {
	case f := <-s.frames:
		t.Fatalf("unexpected event %s %s (%v)", f.typ, f.doc, f.err)
	case <-time.After(50 * time.Millisecond):
	}
}

// requireEvent checks the next event's type and object kind, and returns its object.
func (s *pbStream) requireEvent(t *testing.T, typ, apiVersion, kind string) []byte {
	t.Helper()
	f := s.next(t)
	require.Equal(t, typ+" "+apiVersion+" "+kind, f.typ+" "+f.apiVersion+" "+f.kind, "%s", f.doc)
	return f.doc
}

// TestProtobufWatch: V-9 watch streams in protobuf — Content-Type with stream=watch, length-prefixed WatchEvent
// frames whose objects are protobuf objects — for changes, initial events and bookmarks,
// a compacted resourceVersion (X-8, X-5: an ERROR event carrying a protobuf Status, as the JSON stream carries a
// JSON one), and the metadata form.
func TestProtobufWatch(t *testing.T) {
	ctx := context.Background()
	const pods = "/api/v1/namespaces/default/pods"

	t.Run("X-2 X-13 ADDED, MODIFIED and DELETED of a pod, each object the one the Go API returned", func(t *testing.T) {
		e := newPBEnv(t)
		c := e.srv.Resource(Pods).Namespace("default")
		w := e.watch(t, pods+"?watch=true&resourceVersion="+strconv.FormatInt(e.srv.Revision(), 10), acceptPB)
		require.Equal(t, http.StatusOK, w.code)
		require.Equal(t, mediaWatchPB, w.contentType)
		created := e.createJSON(t, Pods, "default", webPod)
		updated, err := c.Update(ctx, withLabelsJSON(t, created, `{"app":"v2"}`), UpdateOptions{})
		require.NoError(t, err)
		deleted, err := c.Delete(ctx, "web", DeleteOptions{})
		require.NoError(t, err)
		for _, want := range []struct {
			typ string
			obj *types.Object
		}{{"ADDED", created}, {"MODIFIED", updated}, {"MODIFIED", nil}, {"DELETED", deleted}} {
			// A pod's delete marks it with deletionTimestamp first (grace period 0 for an unscheduled pod), then
			// removes it: two events, as kube-apiserver writes them.
			doc := w.requireEvent(t, want.typ, "v1", "Pod")
			if want.obj != nil {
				require.JSONEq(t, viaPB(t, "v1", "Pod", want.obj.JSON()), string(doc), want.typ)
			}
		}
		require.Equal(t, strconv.FormatInt(e.srv.Revision(), 10), deleted.ResourceVersion(), "X-13 the DELETED object is at the deletion's revision")
		w.requireQuiet(t)
	})

	e := newPBEnv(t)
	e.createJSON(t, Pods, "default", webPod)
	e.createJSON(t, Pods, "default", strings.Replace(webPod, `"name":"web"`, `"name":"api"`, 1))
	e.createJSON(t, widgetsGVR, "default", `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":3}}`)
	floor := e.srv.Revision()
	e.srv.Compact(floor)
	rv := strconv.Quote(strconv.FormatInt(floor, 10))
	below := strconv.FormatInt(floor-1, 10)
	expired := map[string]string{"status": `"Failure"`, "reason": `"Expired"`, "code": `410`,
		"message": strconv.Quote(fmt.Sprintf("too old resource version: %d (%d)", floor-1, floor))}
	initialEnd := map[string]string{"metadata.resourceVersion": rv, "metadata.annotations": `{"k8s.io/initial-events-end":"true"}`}
	type event struct {
		typ, apiVersion, kind string
		fields                map[string]string // JSON of fields of the object
	}
	pod := func(typ, name string) event {
		return event{typ, "v1", "Pod", map[string]string{"metadata.name": strconv.Quote(name), "spec.containers.0.image": `"nginx:1.25"`}}
	}
	meta := func(typ, name string) event {
		return event{typ, "meta.k8s.io/v1", "PartialObjectMetadata", map[string]string{"metadata.name": strconv.Quote(name), "spec": `null`}}
	}
	notAcceptable := "only the following media types are accepted: " + acceptedMediaTypes
	cases := []struct {
		name, path, accept string
		contentType        string  // of a stream
		events             []event // the first events
		end                bool    // the stream ends after them
		err                *wantStatusErr
	}{
		{name: "X-10 X-16 initial events, then the initial-events-end BOOKMARK of the watched kind",
			path: pods + "?watch=true&allowWatchBookmarks=true", accept: acceptPB, contentType: mediaWatchPB,
			events: []event{pod("ADDED", "api"), pod("ADDED", "web"), {"BOOKMARK", "v1", "Pod", initialEnd}}},
		{name: "X-10 explicit sendInitialEvents",
			path: pods + "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true", accept: mediaProtobuf, contentType: mediaWatchPB,
			events: []event{pod("ADDED", "api"), pod("ADDED", "web"), {"BOOKMARK", "v1", "Pod", initialEnd}}},
		{name: "X-8 X-5 a compacted resourceVersion: one ERROR event carrying a protobuf Status, then the end",
			path: pods + "?watch=true&resourceVersion=" + below, accept: acceptPB, contentType: mediaWatchPB,
			events: []event{{"ERROR", "v1", "Status", expired}}, end: true},
		{name: "X-8 X-5 the JSON stream says the same",
			path: pods + "?watch=true&resourceVersion=" + below, accept: mediaJSON, contentType: mediaJSON,
			events: []event{{"ERROR", "v1", "Status", expired}}, end: true},
		{name: "V-9 the metadata client's watch: PartialObjectMetadata frames, the bookmark too",
			path: pods + "?watch=true&allowWatchBookmarks=true", accept: acceptMeta, contentType: mediaWatchPB,
			events: []event{meta("ADDED", "api"), meta("ADDED", "web"), {"BOOKMARK", "meta.k8s.io/v1", "PartialObjectMetadata", initialEnd}}},
		{name: "V-9 a custom resource's metadata watch is protobuf",
			path: "/apis/example.com/v1/namespaces/default/widgets?watch=true", accept: acceptMeta, contentType: mediaWatchPB,
			events: []event{meta("ADDED", "w")}},
		{name: "a custom resource's watch is JSON under client-go's Accept",
			path: "/apis/example.com/v1/namespaces/default/widgets?watch=true", accept: acceptPB, contentType: mediaJSON,
			events: []event{{"ADDED", "example.com/v1", "Widget", map[string]string{"spec.size": `3`}}}},
		{name: "a custom resource's watch in protobuf alone is 406",
			path: "/apis/example.com/v1/namespaces/default/widgets?watch=true", accept: mediaProtobuf,
			err: &wantStatusErr{code: 406, reason: types.StatusReasonNotAcceptable, message: notAcceptable, protobuf: true}},
		{name: "a Table watch in protobuf alone is 406, in JSON",
			path: pods + "?watch=true", accept: mediaProtobuf + asTable,
			err: &wantStatusErr{code: 406, reason: types.StatusReasonNotAcceptable, message: notAcceptable}},
		{name: "a Table watch falls back to JSON Tables",
			path: pods + "?watch=true", accept: mediaProtobuf + asTable + "," + mediaJSON + asTable, contentType: mediaJSON,
			events: []event{{"ADDED", "meta.k8s.io/v1", "Table", map[string]string{"rows.0.cells.0": `"api"`}}, {"ADDED", "meta.k8s.io/v1", "Table", map[string]string{"rows.0.cells.0": `"web"`}}}},
		{name: "X-9 a watch option error answers before the stream, a protobuf Status",
			path: pods + "?watch=true&resourceVersionMatch=NotOlderThan", accept: acceptPB,
			err: &wantStatusErr{code: 422, reason: types.StatusReasonInvalid, protobuf: true,
				message: `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e.watch(t, c.path, c.accept)
			if c.err != nil {
				requireStatusResponse(t, pbResponse{code: w.code, contentType: w.contentType, body: w.body}, *c.err)
				return
			}
			require.Equal(t, http.StatusOK, w.code)
			require.Equal(t, c.contentType, w.contentType)
			for _, ev := range c.events {
				doc := w.requireEvent(t, ev.typ, ev.apiVersion, ev.kind)
				for path, want := range ev.fields {
					require.JSONEq(t, want, jsonAt(t, doc, path), "%s %s", ev.typ, path)
				}
			}
			if c.end {
				w.requireEnd(t)
			} else {
				w.requireQuiet(t)
			}
		})
	}

	t.Run("X-5 the ERROR event's Status is the JSON stream's", func(t *testing.T) {
		path := pods + "?watch=true&resourceVersion=" + below
		js := e.watch(t, path, mediaJSON).requireEvent(t, "ERROR", "v1", "Status")
		pb := e.watch(t, path, acceptPB).requireEvent(t, "ERROR", "v1", "Status")
		require.JSONEq(t, viaPB(t, "v1", "Status", js), string(pb))
	})
}

// withLabelsJSON returns o with its labels replaced by the JSON object labels.
func withLabelsJSON(t *testing.T, o *types.Object, labels string) *types.Object {
	t.Helper()
	m := o.Meta()
	m.Labels = nil
	require.NoError(t, json.Unmarshal([]byte(labels), &m.Labels))
	return o.WithMeta(m)
}
