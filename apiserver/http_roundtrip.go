package apiserver

import (
	"io"
	"net/http"
	"strconv"
	"sync"
)

// RoundTripper returns an http.RoundTripper that serves each request with h in the same process, without a
// socket: a client-go rest.Config with it as Transport talks to the handler directly, watches included (the
// response body streams as the handler flushes). Closing the response body or cancelling the request's context
// ends the handler's request. It is safe for concurrent use.
func RoundTripper(h http.Handler) http.RoundTripper { return inProcess{h: h} }

type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	rw := &pipeResponse{header: http.Header{}, body: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			rw.writeHeader(http.StatusOK) // a handler that wrote nothing answered 200 with an empty body
			pw.Close()
		}()
		t.h.ServeHTTP(rw, req)
	}()
	select {
	case <-rw.ready:
	case <-req.Context().Done():
		pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	resp := &http.Response{
		Status:        strconv.Itoa(rw.code) + " " + http.StatusText(rw.code),
		StatusCode:    rw.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rw.sent,
		Body:          pr,
		ContentLength: -1,
		Request:       req,
	}
	if cl, err := strconv.ParseInt(rw.sent.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = cl
	}
	return resp, nil
}

// pipeResponse is the ResponseWriter of an in-process request: headers are handed to RoundTrip when written, the
// body goes through a pipe.
type pipeResponse struct {
	header http.Header
	body   *io.PipeWriter

	// once guards code, sent and closing ready.
	once  sync.Once
	code  int
	sent  http.Header // a snapshot of header at WriteHeader time
	ready chan struct{}
}

func (p *pipeResponse) Header() http.Header { return p.header }

func (p *pipeResponse) WriteHeader(code int) { p.writeHeader(code) }

func (p *pipeResponse) writeHeader(code int) {
	p.once.Do(func() {
		p.code = code
		p.sent = p.header.Clone()
		close(p.ready)
	})
}

func (p *pipeResponse) Write(b []byte) (int, error) {
	p.writeHeader(http.StatusOK)
	return p.body.Write(b)
}

// Flush is a no-op: writes reach the reader as soon as it reads them.
func (p *pipeResponse) Flush() { p.writeHeader(http.StatusOK) }
