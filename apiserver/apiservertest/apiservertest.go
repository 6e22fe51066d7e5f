// Package apiservertest starts kubemem servers for tests: on a loopback httptest server, or in-process with no
// socket at all.
package apiservertest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kubemem/kubemem/apiserver"
)

// Server is a running kubemem API for a test: the Go API and its HTTP face.
type Server struct {
	// API is the Go API; its objects are what HTTP clients see.
	API *apiserver.Server
	// URL is the base URL of the loopback HTTP server ("http://127.0.0.1:port"), empty for an in-process server.
	URL string
	// Transport serves requests: a plain transport for URL, or an in-process RoundTripper.
	Transport http.RoundTripper
}

// Start starts a kubemem server on a loopback httptest server. The test's cleanup stops both.
func Start(tb testing.TB, opts apiserver.Options) *Server {
	tb.Helper()
	api, err := apiserver.New(opts)
	if err != nil {
		tb.Fatalf("apiservertest: %v", err)
	}
	hs := httptest.NewServer(api.Handler(apiserver.HandlerOptions{}))
	tb.Cleanup(func() {
		api.Close() // ends watch streams first, so the HTTP server can close
		hs.Close()
	})
	return &Server{API: api, URL: hs.URL, Transport: hs.Client().Transport}
}

// InProcess returns a kubemem server whose Transport serves requests without a socket; use it with any URL (for
// example a client-go rest.Config{Host: "http://kubemem", Transport: s.Transport}). The test's cleanup stops it.
func InProcess(tb testing.TB, opts apiserver.Options) *Server {
	tb.Helper()
	api, err := apiserver.New(opts)
	if err != nil {
		tb.Fatalf("apiservertest: %v", err)
	}
	tb.Cleanup(func() { api.Close() })
	return &Server{API: api, Transport: apiserver.RoundTripper(api.Handler(apiserver.HandlerOptions{}))}
}
