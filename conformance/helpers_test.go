package conformance

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/apiserver/apiservertest"
	"github.com/kubemem/kubemem/types"
)

// testNamespace is the namespace the tests put their namespaced objects in; every kubemem server starts with it.
const testNamespace = "default"

// env is one kubemem server under test, reached through one transport, with the clients the tests use.
type env struct {
	s   *apiservertest.Server
	cfg *rest.Config // the transport's media types (see clientConfig); copy it before changing it
	cs  kubernetes.Interface
	dyn dynamic.Interface
	ctx context.Context // ends with the test
}

// transport is one way of reaching a kubemem server: its name (the subtest name), how to start it, and whether the
// clients ask for JSON instead of client-go's default media types.
type transport struct {
	name  string
	start func(testing.TB, apiserver.Options) *apiservertest.Server
	json  bool
}

// transports are the ways every test reaches kubemem: a loopback HTTP server, and the in-process RoundTripper that
// needs no socket; each with client-go's default configuration (protobuf for the typed clients' request bodies
// and responses, SEMANTICS V-9) and with ContentType application/json.
var transports = []transport{
	{name: "loopback", start: apiservertest.Start},
	{name: "inprocess", start: apiservertest.InProcess},
	{name: "loopback-json", start: apiservertest.Start, json: true},
	{name: "inprocess-json", start: apiservertest.InProcess, json: true},
}

// forEachTransport runs fn as parallel subtests, one per transport, each against a fresh kubemem server.
func forEachTransport(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, tr, apiserver.Options{}, nil))
		})
	}
}

// newEnv starts a server on tr and builds the clients of one test; wrap, if set, wraps the client transport
// (rest.Config.WrapTransport) for tests that count or steer requests.
func newEnv(t *testing.T, tr transport, opts apiserver.Options, wrap func(http.RoundTripper) http.RoundTripper) *env {
	t.Helper()
	s := tr.start(t, opts)
	cfg := clientConfig(s, tr.json)
	cfg.WrapTransport = wrap
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	dyn, err := dynamic.NewForConfig(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &env{s: s, cfg: cfg, cs: cs, dyn: dyn, ctx: ctx}
}

// clientConfig returns the client-go configuration of a test server: the loopback URL, or any URL with the
// in-process Transport. With json set, it asks for JSON (ContentType and AcceptContentTypes); otherwise the media
// types are client-go's defaults, protobuf for the typed clients' bodies and responses (SEMANTICS V-9).
func clientConfig(s *apiservertest.Server, json bool) *rest.Config {
	cfg := &rest.Config{Host: s.URL, QPS: -1} // QPS < 0: no client-side rate limiting
	if s.URL == "" {
		cfg.Host = "http://kubemem"
		cfg.Transport = s.Transport
	}
	if json {
		cfg.ContentType = "application/json"
		cfg.AcceptContentTypes = "application/json"
	}
	return cfg
}

// requireStatus checks that err is an API error with the code, reason and message kube-apiserver gives.
func requireStatus(t *testing.T, err error, code int32, reason metav1.StatusReason, message string) *apierrors.StatusError {
	t.Helper()
	require.Error(t, err)
	var se *apierrors.StatusError
	require.ErrorAs(t, err, &se, "not a Status error: %v", err)
	st := se.ErrStatus
	require.Equal(t, metav1.StatusFailure, st.Status)
	require.Equal(t, code, st.Code, "code of %q", st.Message)
	require.Equal(t, reason, st.Reason, "reason of %q", st.Message)
	if message != "" {
		require.Equal(t, message, st.Message)
	}
	return se
}

// requireDetails checks the name, group and kind of a Status's details.
func requireDetails(t *testing.T, se *apierrors.StatusError, name, group, kind string) {
	t.Helper()
	d := se.ErrStatus.Details
	require.NotNil(t, d, "status has no details: %+v", se.ErrStatus)
	require.Equal(t, name, d.Name)
	require.Equal(t, group, d.Group)
	require.Equal(t, kind, d.Kind)
}

// eventually polls cond every 10 ms until it holds or 10 s pass.
func eventually(t *testing.T, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, 10*time.Millisecond, msgAndArgs...)
}

// labelsFor returns a fixture's labels: app=<app>, and suite=conformance, which the tests' lists select on.
func labelsFor(app string) map[string]string {
	return map[string]string{"app": app, "suite": "conformance"}
}

// newPod returns an unscheduled single-container pod (deleted at once, as kube-apiserver deletes pods no node runs).
func newPod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, Labels: labels},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyAlways,
			Containers:    []corev1.Container{{Name: "c", Image: "nginx:1.25"}},
		},
	}
}

// newDeployment returns a one-replica deployment of newPod's container.
func newDeployment(name string, labels map[string]string) *appsv1.Deployment {
	replicas := int32(1)
	sel := map[string]string{"deployment": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1.25"}}},
			},
		},
	}
}

// newConfigMap returns a configmap with one data key.
func newConfigMap(name string, labels map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNamespace, Labels: labels},
		Data:       map[string]string{"key": "value"},
	}
}

// newNode returns a node.
func newNode(name string, labels map[string]string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{PodCIDR: "10.0.0.0/24"}}
}

// newNamespace returns a namespace.
func newNamespace(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

// createConfigMapsDirect creates configmaps name(0..n-1) in ns through the Go API, much faster than over HTTP.
func createConfigMapsDirect(t *testing.T, s *apiserver.Server, ns string, n int, name func(int) string) {
	t.Helper()
	cms := s.Resource(apiserver.ConfigMaps).Namespace(ns)
	ctx := context.Background()
	for i := range n {
		obj, err := types.Unstructured{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name(i), "labels": map[string]any{"suite": "conformance"}},
			"data":     map[string]any{"i": name(i)},
		}.ToObject()
		require.NoError(t, err)
		_, err = cms.Create(ctx, obj, apiserver.CreateOptions{})
		require.NoError(t, err)
	}
}

// requestLog is an http.RoundTripper wrapper that records the requests a client sends, so tests can assert how
// client-go talked to the server (which discovery documents, how many relists).
type requestLog struct {
	mu   sync.Mutex // guards reqs
	reqs []loggedRequest
}

// loggedRequest is one request as the client sent it.
type loggedRequest struct {
	method string
	path   string
	query  url.Values
	accept string
}

// wrap is a rest.Config.WrapTransport.
func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		l.mu.Lock()
		l.reqs = append(l.reqs, loggedRequest{method: req.Method, path: req.URL.Path, query: req.URL.Query(), accept: req.Header.Get("Accept")})
		l.mu.Unlock()
		return rt.RoundTrip(req)
	})
}

// requests returns the requests logged so far that match keep.
func (l *requestLog) requests(keep func(loggedRequest) bool) []loggedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []loggedRequest
	for _, r := range l.reqs {
		if keep == nil || keep(r) {
			out = append(out, r)
		}
	}
	return out
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// skipIfPatchNotRouted skips a patch test while the HTTP layer answers PATCH with 405 MethodNotAllowed: the patch
// verb is being added to apiserver, and these tests start running as soon as it is routed.
func skipIfPatchNotRouted(t *testing.T, err error) {
	t.Helper()
	if apierrors.IsMethodNotSupported(err) {
		t.Skip("not yet: PATCH over HTTP (405 MethodNotAllowed)")
	}
}

// knownDivergence skips the running test when diverges holds: kubemem then differs from kube-apiserver as the
// message says. The assertions after it state kube's behaviour, so the test checks it as soon as kubemem does.
func knownDivergence(t *testing.T, diverges bool, format string, args ...any) {
	t.Helper()
	if diverges {
		t.Skipf(format, args...)
	}
}

// skipIfNoStatusSubresource skips a status subresource test while kubemem answers /status with 404.
func skipIfNoStatusSubresource(t *testing.T, err error) {
	t.Helper()
	if apierrors.IsNotFound(err) {
		t.Skip("BUG/not yet: status subresource (PUT .../status answers 404)")
	}
}

// pollUntil waits for cond with the test's context, for at most d.
func pollUntil(ctx context.Context, d time.Duration, cond func() bool) error {
	return wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, d, true, func(context.Context) (bool, error) { return cond(), nil })
}

// namespace creates a namespace for one test, so that parallel subtests do not see each other's objects.
func (e *env) namespace(t *testing.T, name string) string {
	t.Helper()
	_, err := e.cs.CoreV1().Namespaces().Create(e.ctx, newNamespace(name, nil), metav1.CreateOptions{})
	require.NoError(t, err)
	return name
}

// inNamespace returns a copy of a fixture's metadata moved to namespace ns.
func inNamespace[T interface{ SetNamespace(string) }](obj T, ns string) T {
	obj.SetNamespace(ns)
	return obj
}
