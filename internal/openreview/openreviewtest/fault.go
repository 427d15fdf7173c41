package openreviewtest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// FaultKind is a scripted failure.
type FaultKind int

const (
	// FaultNone is no fault; Inject refuses it.
	FaultNone FaultKind = iota
	// FaultRateLimit answers 429 RateLimitError (§7.2). Fault.RetryAfter
	// sets a Retry-After header; Fault.Reset sets details.resetTime, the
	// message's "try again in X minutes and Y seconds" (zero: 0 seconds)
	// and, on the v2 host, ratelimit-reset (with ratelimit-remaining 0).
	FaultRateLimit
	// FaultServerError answers Fault.Status (default 500): 500 with a JSON
	// error body, other codes (502, 503, 504) with a proxy's HTML page.
	FaultServerError
	// FaultExpireToken answers 401 TokenExpiredError and revokes the
	// request's token, so later requests with it get 401 too.
	FaultExpireToken
	// FaultChallenge answers 200 text/html with the challenge page, even to
	// an authenticated caller.
	FaultChallenge
	// FaultChallenge403 answers 403 ChallengeRequiredError.
	FaultChallenge403
	// FaultTruncated answers what the request would get, cut to half its
	// body (Content-Length says the half): a 200 with broken JSON.
	FaultTruncated
	// FaultReset writes the first bytes of a response, then resets the
	// connection. Writing something first keeps Go's transport from
	// silently retrying the request on a reused connection.
	FaultReset
)

var faultNames = []string{"none", "rate-limit", "server-error", "expire-token", "challenge", "challenge-403", "truncated", "reset"}

func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultNames) {
		return faultNames[k]
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault is a scripted failure for the requests it matches.
type Fault struct {
	Host string // "v2", "v1", or "" for either
	Path string // "/notes", "/login", "/groups", or "" for any
	Kind FaultKind
	// Status is the HTTP status of FaultServerError (default 500).
	Status int
	// Times is how many matching requests get the fault (default 1;
	// negative: every one from then on).
	Times int
	// After lets this many matching requests go by first (see Inject).
	After      int
	RetryAfter time.Duration // FaultRateLimit: Retry-After header
	Reset      time.Duration // FaultRateLimit: time until details.resetTime
}

// Inject queues a fault. Every request that matches a fault's Host and
// Path counts towards its After, whoever answers it; a fault is due once
// After such requests have gone by, and stays due for Times requests. When
// several faults are due, the one injected first answers and the others
// wait for the next matching requests: faults are consumed in order. So
// {After: 1} answers the second matching request unless an earlier fault
// is due then too. Inject panics on an unknown Host or Kind (a bug in the
// test).
func (s *Server) Inject(f Fault) {
	if f.Host != "" && f.Host != "v1" && f.Host != "v2" {
		panic(fmt.Sprintf("openreviewtest: fault host %q (want v1, v2 or empty)", f.Host))
	}
	if f.Kind <= FaultNone || f.Kind > FaultReset {
		panic(fmt.Sprintf("openreviewtest: fault kind %v", f.Kind))
	}
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// takeFault returns the fault that answers this request, if any, and
// counts the request against every matching fault's After.
func (s *Server) takeFault(host int, path string) *Fault {
	var due *Fault
	for _, f := range s.faults {
		if f.Times == 0 || (f.Host != "" && f.Host != hostName(host)) || (f.Path != "" && f.Path != path) {
			continue
		}
		if f.After > 0 {
			f.After--
			continue
		}
		if due == nil {
			due = f
		}
	}
	if due != nil && due.Times > 0 {
		due.Times--
	}
	return due
}

// applyFault answers a request with its fault and returns the status.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, host int, reqID string, f *Fault) int {
	switch f.Kind {
	case FaultRateLimit:
		limit, window := 500, time.Hour
		if s.opts.RateLimit > 0 {
			limit, window = s.opts.RateLimit, s.opts.RateWindow
		}
		if host == 2 {
			now := s.opts.Now()
			setRateHeaders(w.Header(), limit, window, 0, now, now.Add(f.Reset))
		}
		return s.writeRateLimit(w, reqID, limit, limit+1, f.Reset, f.RetryAfter)
	case FaultServerError:
		return s.writeServerError(w, f.Status, reqID)
	case FaultExpireToken:
		if tok, _ := s.auth(r); tok != "" {
			if t, ok := s.tokens[tok]; ok {
				t.revoked = true
			}
		}
		return s.writeTokenExpired(w)
	case FaultChallenge:
		return writeHTML(w, http.StatusOK, challengePage)
	case FaultChallenge403:
		return s.writeChallenge403(w, reqID)
	case FaultTruncated:
		return s.writeTruncated(w, r, host, reqID)
	}
	return resetConn(w)
}

func (s *Server) writeServerError(w http.ResponseWriter, status int, reqID string) int {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		return s.writeError(w, status, "Error", "Internal Server Error", reqID, nil)
	}
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return writeHTML(w, status, "<html>\r\n<head><title>"+text+"</title></head>\r\n<body>\r\n<center><h1>"+text+
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

// writeTruncated serves the normal answer with half its body.
func (s *Server) writeTruncated(w http.ResponseWriter, r *http.Request, host int, reqID string) int {
	rec := httptest.NewRecorder()
	status := s.route(rec, r, host, reqID)
	body := rec.Body.Bytes()
	half := body[:len(body)/2]
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(half)))
	w.WriteHeader(status)
	_, _ = w.Write(half)
	return status
}

// resetConn starts a response and drops the connection with a TCP reset.
func resetConn(w http.ResponseWriter) int {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("openreviewtest: response writer cannot hijack")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(fmt.Sprintf("openreviewtest: hijack: %v", err))
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n")
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
	return 0
}
