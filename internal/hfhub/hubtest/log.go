package hubtest

import (
	"net/http"
	"slices"
)

// Request is one request a server received.
type Request struct {
	Host          string // "hub" or "cdn"
	Method        string
	Path          string // unescaped URL path
	Range         string // the Range header
	Authorization string // the Authorization header, as received
	Status        int    // status answered
	Bytes         int64  // body bytes written
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
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
		defer func() {
			s.mu.Lock()
			s.requests = append(s.requests, Request{
				Host: host, Method: r.Method, Path: r.URL.Path, Range: r.Header.Get("Range"),
				Authorization: r.Header.Get("Authorization"), Status: rec.status, Bytes: rec.bytes,
			})
			s.mu.Unlock()
		}()
		h.ServeHTTP(rec, r)
	})
}
