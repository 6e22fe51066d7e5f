package bench

import (
	"net/http"
	"net/http/httptest"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubemem/kubemem/apiserver"
)

// kubemem over HTTP: client-go's typed clientset against kubemem's http.Handler, through a loopback HTTP server and
// through the in-process RoundTripper (no socket), each with client-go's default configuration (protobuf) and with
// ContentType application/json. These are the figures a test that uses kubernetes.Interface with kubemem sees.
func init() {
	Register(Factory{Name: KubememName + " (client-go over HTTP, loopback, protobuf)", New: func() (System, error) { return newKubememHTTP(false, false) }})
	Register(Factory{Name: KubememName + " (client-go over HTTP, loopback, JSON)", New: func() (System, error) { return newKubememHTTP(false, true) }})
	Register(Factory{Name: KubememName + " (client-go, in-process transport, protobuf)", New: func() (System, error) { return newKubememHTTP(true, false) }})
	Register(Factory{Name: KubememName + " (client-go, in-process transport, JSON)", New: func() (System, error) { return newKubememHTTP(true, true) }})
}

// kubememHTTP drives kubemem through client-go's typed pod client, with the same operations as the client-go fake.
type kubememHTTP struct {
	clientGoFake
	srv *apiserver.Server
	hs  *httptest.Server // nil for the in-process transport
}

func newKubememHTTP(inProcess, json bool) (*kubememHTTP, error) {
	srv, err := apiserver.New(apiserver.Options{})
	if err != nil {
		return nil, err
	}
	handler := srv.Handler(apiserver.HandlerOptions{})
	cfg := &rest.Config{QPS: -1} // no client-side rate limit
	if json {
		cfg.ContentType, cfg.AcceptContentTypes = "application/json", "application/json"
	}
	s := &kubememHTTP{srv: srv}
	if inProcess {
		cfg.Host, cfg.Transport = "http://kubemem", apiserver.RoundTripper(handler)
	} else {
		s.hs = httptest.NewServer(handler)
		cfg.Host = s.hs.URL
		cfg.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.pods = cs.CoreV1().Pods(Namespace)
	return s, nil
}

// Close implements System: the server first (it ends open watches), then the HTTP server.
func (s *kubememHTTP) Close() {
	s.srv.Close()
	if s.hs != nil {
		s.hs.Close()
	}
}
