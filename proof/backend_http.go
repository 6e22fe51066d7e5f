package proof

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// httpBackend runs the verbs as plain JSON HTTP requests against the server's handler, the way any REST client
// does (no client-go).
type httpBackend struct {
	client *http.Client
	base   string // .../api/v1/namespaces/<ns>/configmaps
}

func newHTTPBackend(client *http.Client, serverURL string) *httpBackend {
	return &httpBackend{client: client, base: serverURL + "/api/v1/namespaces/" + namespace + "/configmaps"}
}

func (b *httpBackend) name() string { return "http" }

// requestTag travels in a request's context: the operation's id, which the fault middleware records the end of
// the handler under, and the fault to inject around the handler.
type requestTag struct {
	ID    string
	Fault string // "", faultDelayBefore or faultDelayAfter
}

type requestTagKey struct{}

func withRequestTag(ctx context.Context, t requestTag) context.Context {
	return context.WithValue(ctx, requestTagKey{}, t)
}

// Header names the fault middleware reads.
const (
	headerOpID  = "X-Proof-Op"
	headerFault = "X-Proof-Fault"
)

// do sends one request and decodes a 2xx JSON answer into out (when non-nil). Other answers become the
// *types.StatusError their body carries.
func (b *httpBackend) do(ctx context.Context, method, url, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if t, ok := ctx.Value(requestTagKey{}).(requestTag); ok {
		req.Header.Set(headerOpID, t.ID)
		if t.Fault != "" {
			req.Header.Set(headerFault, t.Fault)
		}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// statusError decodes a Status body; a body that is not one is an error of its own.
func statusError(code int, data []byte) error {
	var st types.Status
	if err := json.Unmarshal(data, &st); err != nil || st.Kind != "Status" {
		return fmt.Errorf("proof: HTTP %d without a Status: %q", code, data)
	}
	return types.FromStatus(st)
}

func (b *httpBackend) object(ctx context.Context, method, url, contentType string, body []byte) (observed, error) {
	var raw json.RawMessage
	if err := b.do(ctx, method, url, contentType, body, &raw); err != nil {
		return observed{}, err
	}
	o, err := types.ParseObject(raw)
	if err != nil {
		return observed{}, err
	}
	return observe(o)
}

func (b *httpBackend) create(ctx context.Context, key int, v Value) (observed, error) {
	return b.object(ctx, http.MethodPost, b.base, "application/json", configMap(key, v, 0, "").JSON())
}

func (b *httpBackend) get(ctx context.Context, key int) (observed, error) {
	return b.object(ctx, http.MethodGet, b.base+"/"+keyName(key), "", nil)
}

func (b *httpBackend) list(ctx context.Context, opts listOpts) (listPage, error) {
	q := url.Values{}
	if opts.RV != 0 {
		q.Set("resourceVersion", strconv.FormatInt(opts.RV, 10))
	}
	if opts.Exact {
		q.Set("resourceVersionMatch", "Exact")
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.FormatInt(opts.Limit, 10))
	}
	if opts.Continue != "" {
		q.Set("continue", opts.Continue)
	}
	u := b.base
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var l types.List
	if err := b.do(ctx, http.MethodGet, u, "", nil, &l); err != nil {
		return listPage{}, err
	}
	return pageOf(&l)
}

func (b *httpBackend) update(ctx context.Context, key int, v Value, ifRV int64, uid string) (observed, error) {
	return b.object(ctx, http.MethodPut, b.base+"/"+keyName(key), "application/json", configMap(key, v, ifRV, uid).JSON())
}

func (b *httpBackend) patch(ctx context.Context, key int, p patchSpec, ifRV int64, strategic bool) (observed, error) {
	ct := "application/merge-patch+json"
	if strategic {
		ct = "application/strategic-merge-patch+json"
	}
	return b.object(ctx, http.MethodPatch, b.base+"/"+keyName(key), ct, patchDocument(p, ifRV))
}

func (b *httpBackend) delete(ctx context.Context, key int, ifRV int64) (observed, bool, error) {
	var body []byte
	if ifRV != 0 {
		body = []byte(`{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"resourceVersion":"` + strconv.FormatInt(ifRV, 10) + `"}}`)
	}
	var raw json.RawMessage
	if err := b.do(ctx, http.MethodDelete, b.base+"/"+keyName(key), "application/json", body, &raw); err != nil {
		return observed{}, false, err
	}
	// A ConfigMap delete answers a success Status with the uid (W-7); a kind that returns the object would answer it.
	var st types.Status
	if err := json.Unmarshal(raw, &st); err == nil && st.Kind == "Status" {
		if st.Status != types.StatusSuccess || st.Details == nil || st.Details.Name != keyName(key) {
			return observed{}, false, fmt.Errorf("proof: unexpected delete answer %s", raw)
		}
		return observed{Key: key, UID: st.Details.UID}, false, nil
	}
	o, err := types.ParseObject(raw)
	if err != nil {
		return observed{}, false, err
	}
	obs, err := observe(o)
	return obs, err == nil, err
}

func (b *httpBackend) watch(ctx context.Context, opts watchOpts) (eventStream, error) {
	q := url.Values{"watch": {"true"}}
	if opts.RV >= 0 {
		q.Set("resourceVersion", strconv.FormatInt(opts.RV, 10))
	}
	if opts.Selector != "" {
		q.Set("labelSelector", opts.Selector)
	}
	if opts.Bookmarks {
		q.Set("allowWatchBookmarks", "true")
	}
	if opts.TimeoutSeconds > 0 {
		q.Set("timeoutSeconds", strconv.FormatInt(opts.TimeoutSeconds, 10))
	}
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"?"+q.Encode(), nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, statusError(resp.StatusCode, data)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("proof: watch Content-Type %q, want application/json (X-2)", ct)
	}
	return &httpStream{body: resp.Body, dec: json.NewDecoder(resp.Body), cancel: cancel}, nil
}

// httpStream decodes a chunked JSON watch stream (SEMANTICS X-3).
type httpStream struct {
	body   io.ReadCloser
	dec    *json.Decoder
	cancel context.CancelFunc
}

func (s *httpStream) Next() (wireEvent, error) {
	var frame struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if err := s.dec.Decode(&frame); err != nil {
		if errors.Is(err, io.EOF) {
			return wireEvent{}, io.EOF
		}
		return wireEvent{}, err
	}
	switch watch.EventType(frame.Type) {
	case watch.Error:
		var st types.Status
		if err := json.Unmarshal(frame.Object, &st); err != nil {
			return wireEvent{}, fmt.Errorf("proof: ERROR event: %w", err)
		}
		return wireEvent{Type: frame.Type, Status: &st}, nil
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
	default:
		return wireEvent{}, fmt.Errorf("proof: invalid watch event type %q (X-3)", frame.Type)
	}
	o, err := types.ParseObject(frame.Object)
	if err != nil {
		return wireEvent{}, err
	}
	return wireEventOf(watch.Event{Type: watch.EventType(frame.Type), Object: o})
}

func (s *httpStream) Close() {
	s.cancel()
	s.body.Close()
}
