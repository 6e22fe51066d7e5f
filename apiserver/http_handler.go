package apiserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kubemem/kubemem/types"
)

// HandlerOptions configures the HTTP handler. The zero value works.
type HandlerOptions struct {
	// Logger, if set, gets one line per request: method, path, status and duration.
	Logger *slog.Logger
	// MinRequestTimeout is the base of the random timeout of watches that give no timeoutSeconds: they last
	// between it and twice it (SEMANTICS X-4). Zero means 1800 s, kube-apiserver's default.
	MinRequestTimeout time.Duration
}

// Handler returns an http.Handler that serves the Kubernetes REST API of s: resource paths of every registered
// resource, discovery, /version and health checks. Every request goes through the Go API's verbs, so HTTP clients
// and Go callers see one implementation. The handler is safe for concurrent use.
func (s *Server) Handler(opts HandlerOptions) http.Handler {
	if opts.MinRequestTimeout <= 0 {
		opts.MinRequestTimeout = 1800 * time.Second
	}
	h := &handler{s: s, opts: opts}
	if opts.Logger != nil {
		return logRequests(h, opts.Logger)
	}
	return h
}

type handler struct {
	s             *Server
	opts          HandlerOptions
	protobufKinds sync.Map // *Resource -> bool: whether the kind has a protobuf form (hasProtobuf)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := strings.TrimSuffix(r.URL.Path, "/"); {
	case p == "/healthz" || p == "/livez" || p == "/readyz" || strings.HasPrefix(p, "/healthz/") || strings.HasPrefix(p, "/livez/") || strings.HasPrefix(p, "/readyz/"):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	case p == "/version":
		h.serveVersion(w)
	case p == "/openapi/v2" || p == "/openapi/v3" || strings.HasPrefix(p, "/openapi/v3/"):
		h.serveOpenAPI(w, p)
	case p == "/api":
		h.serveAPIVersions(w, r)
	case p == "/apis":
		h.serveAPIGroups(w, r)
	case isGroupPath(p):
		h.serveAPIGroup(w, p)
	case isGroupVersionPath(p):
		h.serveResourceList(w, p)
	default:
		h.serveResource(w, r)
	}
}

// notFound is kube-apiserver's answer for a path that names nothing.
func notFound() error {
	return &types.StatusError{ErrStatus: types.Status{Status: types.StatusFailure, Code: http.StatusNotFound,
		Reason: types.StatusReasonNotFound, Message: "the server could not find the requested resource",
		Details: &types.StatusDetails{Causes: []types.StatusCause{{Type: types.CauseTypeUnexpectedServerResponse, Message: "404 page not found"}}}}}
}

// serveResource runs one resource request.
func (h *handler) serveResource(w http.ResponseWriter, r *http.Request) {
	info, ok := parseResourcePath(r)
	if !ok {
		writeError(w, notFound())
		return
	}
	res, ok := h.s.registry().resources[info.gv.WithResource(info.resource)]
	if !ok || (info.namespace != "" && !res.Namespaced) {
		writeError(w, notFound())
		return
	}
	c := &ResourceClient{s: h.s, r: res, ns: info.namespace}
	// Warnings become Warning headers (code 299, as kube-apiserver writes them); the verbs report them before the
	// response is written.
	ctx := WithWarnings(withUserAgent(r.Context(), r.UserAgent()), func(message string) {
		w.Header().Add("Warning", `299 - `+strconv.Quote(message))
	})
	q := r.URL.Query()
	var err error
	if info.subresource != "" {
		if err := h.serveSubresource(ctx, w, r, c, info, q); err != nil {
			writeStatusError(w, err, errorInProtobuf(r))
		}
		return
	}
	switch info.verb {
	case "get":
		err = h.get(ctx, w, r, c, info.name, q)
	case "list":
		err = h.list(ctx, w, r, c, q)
	case "watch":
		err = h.watch(ctx, w, r, c, info, q)
	case "create":
		if info.name != "" {
			err = types.NewMethodNotSupported(res.GroupResource(), "create")
			break
		}
		err = h.create(ctx, w, r, c, q)
	case "update":
		err = h.update(ctx, w, r, c, info.name, q)
	case "patch":
		err = h.patch(ctx, w, r, c, info.name, q, c.Patch)
	case "delete":
		err = h.delete(ctx, w, r, c, info.name, q)
	case "deletecollection":
		err = h.deleteCollection(ctx, w, r, c, q)
	default:
		err = types.NewMethodNotSupported(res.GroupResource(), strings.ToLower(r.Method))
	}
	if err != nil {
		writeStatusError(w, err, errorInProtobuf(r))
	}
}

func (h *handler) get(ctx context.Context, w http.ResponseWriter, r *http.Request, c *ResourceClient, name string, q url.Values) error {
	out, err := h.negotiate(r, c.r)
	if err != nil {
		return err
	}
	obj, err := c.Get(ctx, name, GetOptions{ResourceVersion: q.Get("resourceVersion")})
	if err != nil {
		return err
	}
	return h.writeObject(w, http.StatusOK, c.r, obj, out, q)
}

func (h *handler) list(ctx context.Context, w http.ResponseWriter, r *http.Request, c *ResourceClient, q url.Values) error {
	out, err := h.negotiate(r, c.r)
	if err != nil {
		return err
	}
	opts, err := listOptionsFromQuery(q)
	if err != nil {
		return err
	}
	l, err := c.List(ctx, opts)
	if err != nil {
		return err
	}
	return h.writeList(w, c.r, l, out, q)
}

func (h *handler) create(ctx context.Context, w http.ResponseWriter, r *http.Request, c *ResourceClient, q url.Values) error {
	out, err := h.negotiate(r, c.r)
	if err != nil {
		return err
	}
	ctx, obj, err := h.readRequestObject(ctx, r, c.r, "")
	if err != nil {
		return err
	}
	created, err := c.Create(ctx, obj, CreateOptions(updateOptions(q)))
	if err != nil {
		return err
	}
	return h.writeObject(w, http.StatusCreated, c.r, created, out, q)
}

func (h *handler) update(ctx context.Context, w http.ResponseWriter, r *http.Request, c *ResourceClient, name string, q url.Values) error {
	out, err := h.negotiate(r, c.r)
	if err != nil {
		return err
	}
	ctx, obj, err := h.readRequestObject(ctx, r, c.r, name)
	if err != nil {
		return err
	}
	updated, created, err := c.update(ctx, obj, updateOptions(q))
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return h.writeObject(w, code, c.r, updated, out, q)
}

func (h *handler) delete(ctx context.Context, w http.ResponseWriter, r *http.Request, c *ResourceClient, name string, q url.Values) error {
	opts, err := deleteOptions(r, h.hasProtobuf(c.r), q)
	if err != nil {
		return err
	}
	if c.err != nil {
		return c.err
	}
	deleted, gone, err := c.delete(ctx, name, opts)
	if err != nil {
		return err
	}
	pb := acceptsProtobuf(r, h.hasProtobuf(c.r))
	if !gone {
		// Deletion pending (finalizers, grace period): the object as it now is; 202 when the client asked for
		// dependents to be deleted through the deprecated orphanDependents=false.
		code := http.StatusOK
		if opts.OrphanDependents != nil && !*opts.OrphanDependents {
			code = http.StatusAccepted
		}
		return h.writeObject(w, code, c.r, deleted, output{protobuf: pb}, q)
	}
	if c.r.ReturnDeletedObject {
		return h.writeObject(w, http.StatusOK, c.r, deleted, output{protobuf: pb}, q)
	}
	// W-7: a success Status naming the deleted object.
	writeStatus(w, http.StatusOK, types.Status{
		Status:  types.StatusSuccess,
		Details: &types.StatusDetails{Name: name, Group: c.r.GVR.Group, Kind: c.r.GVR.Resource, UID: deleted.UID()},
	}, pb)
	return nil
}

func (h *handler) deleteCollection(ctx context.Context, w http.ResponseWriter, r *http.Request, c *ResourceClient, q url.Values) error {
	opts, err := deleteOptions(r, h.hasProtobuf(c.r), q)
	if err != nil {
		return err
	}
	listOpts, err := listOptionsFromQuery(q)
	if err != nil {
		return err
	}
	l, err := c.DeleteCollection(ctx, opts, listOpts)
	if err != nil {
		return err
	}
	return h.writeList(w, c.r, l, output{protobuf: acceptsProtobuf(r, h.hasProtobuf(c.r))}, q)
}

// readRequestObject reads the object of a create (name "") or an update of name, and records in the returned
// context the unknown and duplicate fields of the body as sent, which parsing drops, for field validation.
func (h *handler) readRequestObject(ctx context.Context, r *http.Request, res *Resource, name string) (context.Context, *types.Object, error) {
	data, err := readBody(r, h.hasProtobuf(res))
	if err != nil {
		return ctx, nil, err
	}
	obj, err := decodeObject(data)
	if err != nil {
		return ctx, nil, err
	}
	if name != "" {
		if obj, err = namedObject(obj, name); err != nil {
			return ctx, nil, err
		}
	}
	var problems []string
	var typeErr string
	if fields, ok := fieldCheckerFor(res); ok {
		problems, typeErr = fields.scan(data)
	}
	return context.WithValue(ctx, bodyProblemsKey{}, bodyProblems{obj: obj, problems: problems, typeErr: typeErr}), obj, nil
}

// readObject reads and parses the request body (JSON, or protobuf when pb says the kind has that form).
func readObject(r *http.Request, pb bool) (*types.Object, error) {
	data, err := readBody(r, pb)
	if err != nil {
		return nil, err
	}
	return decodeObject(data)
}

// deleteOptions reads DeleteOptions from the body (when there is one) and the query.
func deleteOptions(r *http.Request, pb bool, q url.Values) (DeleteOptions, error) {
	var opts DeleteOptions
	data, err := readBody(r, pb)
	if err != nil {
		return opts, err
	}
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &opts); err != nil {
			return opts, types.NewBadRequest("couldn't decode DeleteOptions: " + err.Error())
		}
	}
	if v := q.Get("gracePeriodSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return opts, types.NewBadRequest("invalid gracePeriodSeconds: " + strconv.Quote(v))
		}
		opts.GracePeriodSeconds = &n
	}
	if v := q.Get("propagationPolicy"); v != "" {
		p := DeletionPropagation(v)
		opts.PropagationPolicy = &p
	}
	if v := q.Get("orphanDependents"); v != "" {
		b := v == "true" || v == "1"
		opts.OrphanDependents = &b
	}
	if d := q["dryRun"]; len(d) > 0 {
		opts.DryRun = d
	}
	return opts, nil
}

// listOptionsFromQuery converts query parameters into ListOptions.
func listOptionsFromQuery(q url.Values) (ListOptions, error) {
	opts := ListOptions{
		LabelSelector:        q.Get("labelSelector"),
		FieldSelector:        q.Get("fieldSelector"),
		ResourceVersion:      q.Get("resourceVersion"),
		ResourceVersionMatch: q.Get("resourceVersionMatch"),
		Continue:             q.Get("continue"),
		AllowWatchBookmarks:  parseBool(q.Get("allowWatchBookmarks")),
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return opts, types.NewBadRequest("invalid limit: " + strconv.Quote(v))
		}
		opts.Limit = n
	}
	if v := q.Get("timeoutSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return opts, types.NewBadRequest("invalid timeoutSeconds: " + strconv.Quote(v))
		}
		opts.TimeoutSeconds = &n
	}
	if v, ok := q["sendInitialEvents"]; ok && len(v) > 0 {
		b := parseBool(v[0])
		opts.SendInitialEvents = &b
	}
	return opts, nil
}

func parseBool(v string) bool { return v == "true" || v == "1" || v == "True" }

// logRequests logs one line per request.
func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.Info("request", "method", r.Method, "path", r.URL.RequestURI(), "status", rec.code, "duration", time.Since(start).Round(time.Microsecond))
	})
}

// statusRecorder remembers the status code a handler wrote; it keeps flushing available for watches.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
