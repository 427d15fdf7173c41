package openreviewtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// writeJSON writes v as the API does: UTF-8 JSON, HTML characters unescaped.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every value here is built from maps, slices and strings.
		panic(fmt.Sprintf("openreviewtest: encode response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return status
}

// writeError writes the API's error body (§7.1): the message ends with
// " (<reqId>)" and details carries reqId.
func (s *Server) writeError(w http.ResponseWriter, status int, name, msg, reqID string, details map[string]any) int {
	d := map[string]any{"reqId": reqID}
	for k, v := range details {
		d[k] = v
	}
	return s.writeJSON(w, status, map[string]any{
		"name": name, "message": msg + " (" + reqID + ")", "status": status, "details": d,
	})
}

// writePlainError writes {"name","message","status"} exactly, the shape
// openreview-py's tests assert for TokenExpiredError and bad logins.
func (s *Server) writePlainError(w http.ResponseWriter, status int, name, msg string) int {
	return s.writeJSON(w, status, map[string]any{"name": name, "message": msg, "status": status})
}

// budgetKey names one rate-limit budget: per host, endpoint and token.
type budgetKey struct {
	host     int
	endpoint string
	token    string
}

type budget struct {
	start time.Time
	used  int
}

// refusal describes a request over its budget.
type refusal struct {
	limit, used int
	reset       time.Duration
}

// spend counts a request against its budget and sets the rate-limit
// headers. The v2 host reports notes at "500;w=3600" and groups at
// "700;w=3600" (or RateLimit and RateWindow for notes when set); the v1
// host sends no rate-limit headers to authenticated callers, as api1 did.
// Only /notes with RateLimit > 0 is ever refused. Without a RateLimit the
// reported remaining never drops below 1, so a client that paces itself on
// the headers never waits on an unlimited fake.
func (s *Server) spend(w http.ResponseWriter, host int, endpoint, tok string) *refusal {
	limit, window := 500, time.Hour
	if endpoint == "groups" {
		limit = 700
	}
	enforced := endpoint == "notes" && s.opts.RateLimit > 0
	if enforced {
		limit, window = s.opts.RateLimit, s.opts.RateWindow
	}
	now := s.opts.Now()
	key := budgetKey{host, endpoint, tok}
	b := s.budgets[key]
	if b == nil || !now.Before(b.start.Add(window)) {
		b = &budget{start: now}
		s.budgets[key] = b
	}
	b.used++
	end := b.start.Add(window)
	remaining := max(limit-b.used, 0)
	if !enforced {
		remaining = max(remaining, 1)
	}
	if host == 2 {
		setRateHeaders(w.Header(), limit, window, remaining, now, end)
	}
	if enforced && b.used > limit {
		return &refusal{limit: limit, used: b.used, reset: end.Sub(now)}
	}
	return nil
}

// setRateHeaders writes api2's rate-limit headers: ratelimit-reset in
// seconds from now, x-ratelimit-reset as epoch seconds.
func setRateHeaders(h http.Header, limit int, window time.Duration, remaining int, now, end time.Time) {
	h.Set("ratelimit-policy", fmt.Sprintf("%d;w=%d", limit, int(window.Seconds())))
	h.Set("ratelimit-limit", strconv.Itoa(limit))
	h.Set("ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("ratelimit-reset", strconv.Itoa(ceilSeconds(end.Sub(now))))
	h.Set("x-ratelimit-limit", strconv.Itoa(limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("x-ratelimit-reset", strconv.FormatInt(end.Unix(), 10))
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// writeRateLimit writes the 429 RateLimitError body of §7.2. reset is the
// time until the budget refills (details.resetTime and the message);
// retryAfter, when positive, also sets a Retry-After header.
func (s *Server) writeRateLimit(w http.ResponseWriter, reqID string, limit, used int, reset, retryAfter time.Duration) int {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(retryAfter)))
	}
	secs := ceilSeconds(reset)
	wait := fmt.Sprintf("%d seconds", secs)
	if secs >= 60 {
		wait = fmt.Sprintf("%d minutes and %d seconds", secs/60, secs%60)
	}
	msg := fmt.Sprintf("Too many requests: You have made %d requests, surpassing the limit of %d requests. Please try again in %s", used, limit, wait)
	return s.writeError(w, http.StatusTooManyRequests, "RateLimitError", msg, reqID, map[string]any{
		"limit": limit, "remaining": 0, "used": used, "current": used,
		"resetTime": s.opts.Now().Add(reset).UTC().Format("2006-01-02T15:04:05.000Z"),
	})
}

// apiError is an error answer to write with writeAPIError.
type apiError struct {
	status  int
	name    string
	message string
	details map[string]any
}

// badRequest is a 400 ValidationError.
func badRequest(msg string, details map[string]any) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationError", msg, details}
}

func (s *Server) writeAPIError(w http.ResponseWriter, e *apiError, reqID string) int {
	return s.writeError(w, e.status, e.name, e.message, reqID, e.details)
}

// pageParams reads limit (default 1000, at most 1000) and offset.
func pageParams(q url.Values) (limit, offset int, _ *apiError) {
	limit, offset = 1000, 0
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"limit", &limit, 1000}, {"offset", &offset, math.MaxInt}} {
		raw, ok := q[p.name]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(raw[0])
		switch {
		case err != nil:
			return 0, 0, badRequest(p.name+" must be integer", map[string]any{"path": p.name, "type": "integer", "invalidValue": raw[0]})
		case n < 0:
			return 0, 0, badRequest(p.name+" must be >= 0", map[string]any{"path": p.name, "comparison": ">=", "limit": 0, "invalidValue": n})
		case n > p.max:
			return 0, 0, badRequest(fmt.Sprintf("%s must be <= %d", p.name, p.max), map[string]any{"path": p.name, "comparison": "<=", "limit": p.max, "invalidValue": n})
		}
		*p.dst = n
	}
	return limit, offset, nil
}

// selectFields parses select=a,b,content.c; nil means everything.
func selectFields(raw string) []string {
	if raw == "" {
		return nil
	}
	var out []string
	for f := range strings.SplitSeq(raw, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// project keeps only the selected dotted paths of m.
func project(m map[string]any, sel []string) map[string]any {
	if sel == nil {
		return m
	}
	out := map[string]any{}
	for _, path := range sel {
		copyPath(out, m, strings.Split(path, "."))
	}
	return out
}

func copyPath(dst, src map[string]any, path []string) {
	v, ok := src[path[0]]
	if !ok {
		return
	}
	if len(path) == 1 {
		dst[path[0]] = v
		return
	}
	sub, ok := v.(map[string]any)
	if !ok {
		return
	}
	d, _ := dst[path[0]].(map[string]any)
	if d == nil {
		d = map[string]any{}
		dst[path[0]] = d
	}
	copyPath(d, sub, path[1:])
}
