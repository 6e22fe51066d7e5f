package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kubemem/kubemem/store"
	"github.com/kubemem/kubemem/types"
)

// kube500s are the answers of 500 kubemem gives on purpose, because kube-apiserver gives them: a non-Status error
// passed through with reason "" (SEMANTICS S-3). Any other 500 is a bug.
var kube500s = []struct {
	method, contentType string // "" matches any
	message             string // a prefix of the message; "" matches any
}{
	// SEMANTICS W-1 (k/k#113847): a create with a numeric non-zero metadata.resourceVersion.
	{method: http.MethodPost, message: types.ErrResourceVersionSetOnCreate.Error()},
	// apiserver.Patch: a strategic merge patch that does not fit the object is 500 with upstream's message.
	{method: http.MethodPatch, contentType: string(StrategicMergePatchType)},
}

// allowed500 reports whether a 500 answer to the request is one of kube500s.
func allowed500(method, contentType string, st types.Status) bool {
	if st.Reason != types.StatusReasonUnknown {
		return false
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	for _, k := range kube500s {
		if (k.method == "" || k.method == method) && (k.contentType == "" || k.contentType == mt) && strings.HasPrefix(st.Message, k.message) {
			return true
		}
	}
	return false
}

// FuzzHandler drives the HTTP handler with any method, path and query, headers and body, against a fork of a server
// with fixtures (no network, a fresh fork per input, so every input is reproducible). It requires that the handler
// never panics; never answers 500 except for kube-apiserver's own 500s (kube500s); answers every error with a Status
// whose code is the HTTP status (SEMANTICS S-1), in JSON or protobuf; answers JSON that is valid (one document, or
// one per line for a watch); and leaves only canonical objects in the store. A watch is cut short by the request's
// deadline, so it cannot hang the fuzzer.
func FuzzHandler(f *testing.F) {
	e := newHostileEnv(f)
	token := url.QueryEscape(e.foreignToken)
	seeds := []struct {
		method, target, contentType, accept string
		body                                string
	}{
		{"GET", cmsPath, "", "", ""},
		{"GET", cmsPath + "?limit=1&labelSelector=a%3Db,c!%3Dd&fieldSelector=metadata.name%3Dcm", "", "", ""},
		{"GET", cmsPath + "?limit=1&continue=" + token, "", "", ""},
		{"GET", cmsPath + "?resourceVersion=1&resourceVersionMatch=Exact&limit=2", "", "", ""},
		{"GET", "/api/v1/configmaps?watch=1&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=1", "", "", ""},
		{"GET", "/api/v1/watch/namespaces/default/configmaps/cm?sendInitialEvents=true&resourceVersionMatch=NotOlderThan", "", "", ""},
		{"GET", cmPath + "?resourceVersion=abc", "", mediaProtobuf, ""},
		{"GET", depPath, "", mediaJSON + asTable, ""},
		{"GET", depsPath, "", acceptMetaList, ""},
		{"GET", depPath + "/scale", "", "", ""},
		{"GET", "/apis/apps/v1", "", "", ""},
		{"GET", "/apis", "", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", ""},
		{"GET", "/openapi/v3", "", "", ""},
		{"POST", cmsPath, mediaJSON, "", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"x-","labels":{"a":"b"}},"data":{"k":"v"}}`},
		{"POST", cmsPath + "?dryRun=All&fieldValidation=Strict", mediaJSON, "", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n","resourceVersion":"5"}}`},
		{"POST", "/api/v1/namespaces/default/pods", mediaJSON, "", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}`},
		{"POST", "/api/v1/namespaces", "application/yaml", "", "kind: Namespace"},
		{"PUT", cmPath, mediaJSON, "", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","resourceVersion":"3"},"data":{"k":"v","k":"w"}}`},
		{"PUT", depPath + "/status", mediaJSON, "", deployment("2")},
		{"PATCH", cmPath, string(MergePatchType), "", `{"data":{"k":null,"x":"1"},"metadata":{"labels":{"l":"v"}}}`},
		{"PATCH", depPath, string(StrategicMergePatchType), "", `{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}}`},
		{"PATCH", depPath, string(StrategicMergePatchType), "", `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"c"}],"containers":[{"$patch":"delete","name":"c"}]}}}}`},
		{"PATCH", cmPath, string(JSONPatchType), "", `[{"op":"test","path":"/data/k","value":"moved on"},{"op":"remove","path":"/data/k"}]`},
		{"PATCH", depPath + "/scale", string(MergePatchType), "", `{"spec":{"replicas":3}}`},
		{"PATCH", cmPath, string(ApplyPatchType), "", `{}`},
		{"DELETE", cmPath, mediaJSON, "", `{"preconditions":{"uid":"x"},"propagationPolicy":"Foreground"}`},
		{"DELETE", cmsPath + "?labelSelector=a%3Db&gracePeriodSeconds=0", "", "", ""},
		{"OPTIONS", "/api/v1/namespaces/default/pods/x/eviction", "", "", ""},
		{"POST", "/api/v1/namespaces/default/pods/x/binding", mediaJSON, "", `{"target":{"name":"n"}}`},
		{"POST", gadsPath, mediaJSON, "", `{"apiVersion":"example.com/v1","kind":"Gadget","metadata":{"name":"h"},"spec":{"replicas":10,"name":"A1","ports":[{"name":"a"},{"name":"a"}],"any":{"x":[1]},"extra":1}}`},
		{"PUT", gadPath + "/status", mediaJSON, "", `{"apiVersion":"example.com/v1","kind":"Gadget","metadata":{"name":"g"},"status":{"replicas":-1}}`},
		{"PATCH", gadPath + "/scale", string(MergePatchType), "", `{"spec":{"replicas":12}}`},
		{"PATCH", gadPath, string(JSONPatchType), "", `[{"op":"add","path":"/spec/ports/-","value":{"name":"a"}}]`},
		{"GET", "/apis/example.com/v2/namespaces/default/gadgets?watch=1&resourceVersion=0", "", "", ""},
		{"GET", gadsPath, "", mediaJSON + asTable, ""},
		{"GET", "/openapi/v3/apis/example.com/v1", "", "", ""},
		{"POST", crdsPath, mediaJSON, "", strings.Replace(hostileCRD, "gadgets", "gizmos", 2)},
		{"PUT", crdsPath + "/gadgets.example.com", mediaJSON, "", strings.Replace(hostileCRD, `"served":true,"storage":false`, `"served":false,"storage":false`, 1)},
		{"DELETE", crdsPath + "/gadgets.example.com", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.contentType, s.accept, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method, target, contentType, accept string, body []byte) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(target, "/") {
			return // not a request line a server would pass on
		}
		srv := e.srv.Fork()
		defer func() { _ = srv.Close() }()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		req := (&http.Request{
			Method: method, URL: u, RequestURI: target, Host: "kubemem", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		}).WithContext(ctx)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		srv.Handler(HandlerOptions{}).ServeHTTP(rec, req)
		cut := ctx.Err() != nil // the deadline passed: a watch ended, or a request was interrupted

		respType := rec.Header().Get("Content-Type")
		if rec.Code >= 400 {
			st, err := statusOf(rec.Code, respType, rec.Body.Bytes())
			if err != nil {
				t.Fatalf("%s %s: %d answer is not a Status: %v", method, target, rec.Code, err)
			}
			if rec.Code == http.StatusInternalServerError && !cut && !allowed500(method, contentType, st) {
				t.Fatalf("%s %s (%s): 500 %q", method, target, contentType, st.Message)
			}
		} else if mt, _, _ := mime.ParseMediaType(respType); mt == mediaJSON {
			requireJSONDocuments(t, rec.Body.Bytes(), cut)
		}
		requireCanonicalStore(t, srv)
	})
}

// requireJSONDocuments requires data to be one JSON document, or a watch stream of one per line (whose last line may
// be cut short when the stream was).
func requireJSONDocuments(t *testing.T, data []byte, cut bool) {
	t.Helper()
	if json.Valid(data) {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !json.Valid(line) && !(cut && len(line) == len(data)-bytes.LastIndexByte(data, '\n')-1) {
			t.Fatalf("invalid JSON in the answer: %.500q", line)
		}
	}
	if !utf8.Valid(data) {
		t.Fatalf("the answer is not valid UTF-8: %.500q", data)
	}
}

// requireCanonicalStore requires every stored object to be in the canonical form ParseObject gives: valid UTF-8, no
// repeated key, numbers that fit a float64.
func requireCanonicalStore(t *testing.T, srv *Server) {
	t.Helper()
	res, err := srv.store.Range("", storeRangeAll)
	if err != nil {
		t.Fatalf("range: %v", err)
	}
	for _, kv := range res.KVs {
		doc := kv.Value.JSON()
		o, err := types.ParseObject(doc)
		if err != nil || !bytes.Equal(o.JSON(), doc) {
			t.Fatalf("%s is not stored in canonical form (%v): %.500q", kv.Key, err, doc)
		}
	}
}

// storeRangeAll reads every stored object at the current revision.
var storeRangeAll = store.RangeOptions[*types.Object]{}
