package hubtest

import (
	"io"
	"net/http"
	"slices"
	"time"
)

// Request is one request a server received.
type Request struct {
	Host string // "hub" or "cdn"
	// Route is the kind of request: on the hub "resolve",
	// "resolve-cache", "info", "create", "preupload", "lfs-batch",
	// "lfs-verify", "lfs-complete" or "commit"; on the CDN "cdn" (a
	// download), "lfs-upload" (the PUT of a whole object) or "lfs-part"
	// (the PUT of a part); "" for anything else.
	Route         string
	Method        string
	Path          string // unescaped URL path, without the query
	Range         string // the Range header
	Authorization string // the Authorization header, as received
	Status        int    // status answered
	Bytes         int64  // body bytes written
	Received      int64  // request body bytes read
}

// Requests returns the requests received so far, in order of arrival. It
// first waits (up to a second) for the requests in flight: a client may
// have read a whole answer, and returned, before its handler is done.
func (s *Server) Requests() []Request {
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.mu.Lock()
		busy := s.inflight > 0
		s.mu.Unlock()
		if !busy {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.logGen++ // requests in flight are forgotten too
}

// Count is how many requests host ("" for either) received with method
// ("" for any).
func (s *Server) Count(host, method string) int {
	n := 0
	for _, r := range s.Requests() {
		if (host == "" || r.Host == host) && (method == "" || r.Method == method) {
			n++
		}
	}
	return n
}

// recorder notes the status and body size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// countingBody counts the request body bytes a handler reads.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

func (w *recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logged records every request to host, even one whose handler drops the
// connection.
func (s *Server) logged(host string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		body := &countingBody{ReadCloser: r.Body}
		r.Body = body
		s.mu.Lock()
		s.inflight++
		i, gen := len(s.requests), s.logGen
		s.requests = append(s.requests, Request{
			Host: host, Route: routeOf(host, r), Method: r.Method, Path: r.URL.Path, Range: r.Header.Get("Range"),
			Authorization: r.Header.Get("Authorization"),
		})
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inflight--
			if gen == s.logGen {
				s.requests[i].Status, s.requests[i].Bytes, s.requests[i].Received = rec.status, rec.bytes, body.n
			}
			s.mu.Unlock()
		}()
		h.ServeHTTP(rec, r)
	})
}
