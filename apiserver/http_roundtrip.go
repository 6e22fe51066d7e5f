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
	pipe := newBufferedPipe(inProcessBuffer)
	pr, pw := pipe.reader(), pipe.writer()
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
		pr.Close()
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
	body   *pipeWriter

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

// inProcessBuffer is how many response bytes a handler may write ahead of the client, like a socket's buffers: a
// watch stream does not stall on every event while the client decodes the previous one.
const inProcessBuffer = 4 << 20

// bufferedPipe connects a handler's writes to a client's reads through a bounded buffer. Writes wait only while the
// buffer is full; reads wait while it is empty and the writer is open.
type bufferedPipe struct {
	// mu guards buf and the closed flags; cond is signalled on every change.
	mu          sync.Mutex
	cond        *sync.Cond
	buf         []byte
	limit       int
	writeClosed bool // the handler finished: reads drain the buffer, then io.EOF
	readClosed  bool // the client closed the body: writes fail
}

func newBufferedPipe(limit int) *bufferedPipe {
	p := &bufferedPipe{limit: limit}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *bufferedPipe) reader() *pipeReader { return &pipeReader{p} }
func (p *bufferedPipe) writer() *pipeWriter { return &pipeWriter{p} }

// pipeReader is the response body the client reads.
type pipeReader struct{ p *bufferedPipe }

func (r *pipeReader) Read(b []byte) (int, error) {
	p := r.p
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 {
		if p.writeClosed || p.readClosed {
			return 0, io.EOF
		}
		p.cond.Wait()
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	if len(p.buf) == 0 {
		p.buf = nil // let a drained buffer be collected
	}
	p.cond.Broadcast()
	return n, nil
}

// Close ends the response for the handler: its next write fails.
func (r *pipeReader) Close() error {
	p := r.p
	p.mu.Lock()
	p.readClosed = true
	p.buf = nil
	p.cond.Broadcast()
	p.mu.Unlock()
	return nil
}

// pipeWriter is where the handler's body goes.
type pipeWriter struct{ p *bufferedPipe }

func (w *pipeWriter) Write(b []byte) (int, error) {
	p := w.p
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) >= p.limit && !p.readClosed {
		p.cond.Wait()
	}
	if p.readClosed {
		return 0, io.ErrClosedPipe
	}
	p.buf = append(p.buf, b...)
	p.cond.Broadcast()
	return len(b), nil
}

// Close marks the end of the body.
func (w *pipeWriter) Close() error {
	p := w.p
	p.mu.Lock()
	p.writeClosed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	return nil
}
