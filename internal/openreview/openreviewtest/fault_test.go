package openreviewtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFaults(t *testing.T) {
	now := time.Date(2026, 9, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T, r response)
	}{
		{"rate limit", Fault{Kind: FaultRateLimit, RetryAfter: 30 * time.Second, Reset: 2*time.Minute + 5*time.Second}, func(t *testing.T, r response) {
			m := r.object(t)
			d := m["details"].(map[string]any)
			if r.status != 429 || r.header.Get("Retry-After") != "30" || m["name"] != "RateLimitError" ||
				r.header.Get("ratelimit-reset") != "125" || r.header.Get("ratelimit-remaining") != "0" ||
				!strings.Contains(m["message"].(string), "Please try again in 2 minutes and 5 seconds (") ||
				d["resetTime"] != "2026-09-27T10:02:05.000Z" || d["remaining"] != float64(0) {
				t.Errorf("429: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
			}
		}},
		{"rate limit short", Fault{Kind: FaultRateLimit, Reset: 54 * time.Second}, func(t *testing.T, r response) {
			m := r.object(t)
			if r.header.Get("Retry-After") != "" || !strings.Contains(m["message"].(string), "Please try again in 54 seconds (") {
				t.Errorf("429: Retry-After %q %s", r.header.Get("Retry-After"), r.body)
			}
		}},
		{"500", Fault{Kind: FaultServerError}, func(t *testing.T, r response) {
			if m := r.object(t); r.status != 500 || m["status"] != float64(500) {
				t.Errorf("500: %d %s", r.status, r.body)
			}
		}},
		{"503", Fault{Kind: FaultServerError, Status: 503}, func(t *testing.T, r response) {
			if r.status != 503 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "503 Service Unavailable") {
				t.Errorf("503: %d %s", r.status, r.body)
			}
		}},
		{"challenge page", Fault{Kind: FaultChallenge}, func(t *testing.T, r response) {
			if r.status != 200 || !strings.Contains(string(r.body), "Verifying your browser | OpenReview") || json.Valid(r.body) {
				t.Errorf("challenge: %d %.100s", r.status, r.body)
			}
		}},
		{"challenge 403", Fault{Kind: FaultChallenge403}, func(t *testing.T, r response) {
			if m := r.object(t); r.status != 403 || m["name"] != "ChallengeRequiredError" {
				t.Errorf("challenge 403: %d %s", r.status, r.body)
			}
		}},
		{"truncated", Fault{Kind: FaultTruncated}, func(t *testing.T, r response) {
			if r.status != 200 || json.Valid(r.body) || !strings.HasPrefix(string(r.body), `{"notes":[{`) || len(r.body) < 1000 {
				t.Errorf("truncated: %d %d bytes, valid %v", r.status, len(r.body), json.Valid(r.body))
			}
		}},
		{"expire token", Fault{Kind: FaultExpireToken}, func(t *testing.T, r response) {
			if m := r.object(t); r.status != 401 || m["name"] != "TokenExpiredError" {
				t.Errorf("expire: %d %s", r.status, r.body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := small(t, Options{Now: func() time.Time { return now }})
			tok := s.IssueToken()
			s.Inject(tt.fault)
			url := s.URL + "/notes?content.venueid=NeurIPS.cc/2024/Conference"
			tt.check(t, get(t, url, tok))
			next := get(t, url, tok)
			if tt.fault.Kind == FaultExpireToken {
				if next.status != 401 {
					t.Errorf("revoked token: next status %d, want 401", next.status)
				}
				tok = login(t, s.URL, `{"id":"test@example.org","password":"secret"}`)
				next = get(t, url, tok)
			}
			if next.status != 200 || !json.Valid(next.body) {
				t.Errorf("request after the fault: %d %.100s", next.status, next.body)
			}
			log := s.Requests()
			if log[0].Fault != tt.fault.Kind || log[len(log)-1].Fault != FaultNone {
				t.Errorf("log faults: first %v, last %v", log[0].Fault, log[len(log)-1].Fault)
			}
		})
	}
}

func TestFaultReset(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	s.Inject(Fault{Host: "v2", Path: "/notes", Kind: FaultReset})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+"/notes?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("reset connection answered %d", resp.StatusCode)
	}
	if r := get(t, s.URL+"/notes?limit=1", tok); r.status != 200 {
		t.Errorf("after the reset: %d", r.status)
	}
	log := s.Requests()
	if len(log) != 2 || log[0].Status != 0 || log[0].Fault != FaultReset {
		t.Errorf("log = %+v", log)
	}
}

func TestFaultMatchingAndCounting(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	s.Inject(Fault{Host: "v1", Path: "/notes", Kind: FaultServerError, Status: 502, After: 1, Times: 2})
	s.Inject(Fault{Path: "/login", Kind: FaultRateLimit})
	s.Inject(Fault{Path: "/groups", Kind: FaultServerError, Times: -1})
	var got []int
	for range 3 {
		got = append(got, get(t, s.URL+"/notes?limit=1", tok).status) // v2: untouched
	}
	for range 4 {
		got = append(got, get(t, s.V1URL+"/notes?limit=1", tok).status)
	}
	got = append(got, post(t, s.V1URL+"/login", `{"id":"test@example.org","password":"secret"}`).status)
	got = append(got, post(t, s.URL+"/login", `{"id":"test@example.org","password":"secret"}`).status)
	for range 3 {
		got = append(got, get(t, s.URL+"/groups?id=host", tok).status)
	}
	want := []int{200, 200, 200, 200, 502, 502, 200, 429, 200, 500, 500, 500}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

// TestFaultSchedule pins how queued faults share requests: After counts
// every matching request since injection, and the first injected due fault
// answers.
func TestFaultSchedule(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	s.Inject(Fault{Path: "/notes", Kind: FaultRateLimit, After: 1})
	s.Inject(Fault{Path: "/notes", Kind: FaultServerError, Status: 503, Times: 2})
	s.Inject(Fault{Path: "/notes", Kind: FaultExpireToken, After: 2})
	s.Inject(Fault{Path: "/notes", Kind: FaultTruncated})
	var got []string
	for range 7 {
		r := get(t, s.URL+"/notes?limit=5", tok)
		if r.status == 401 {
			tok = s.IssueToken()
		}
		got = append(got, fmt.Sprintf("%d valid=%v", r.status, json.Valid(r.body)))
	}
	want := []string{"503 valid=false", "429 valid=true", "503 valid=false", "401 valid=true", "200 valid=false", "200 valid=true", "200 valid=true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

func TestInjectRejectsNonsense(t *testing.T) {
	s := small(t, Options{})
	for _, f := range []Fault{{Host: "api2", Kind: FaultReset}, {Kind: FaultNone}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Inject(%+v) did not panic", f)
				}
			}()
			s.Inject(f)
		}()
	}
}

func TestFaultKindString(t *testing.T) {
	if got := FaultTruncated.String(); got != "truncated" {
		t.Errorf("FaultTruncated.String() = %q", got)
	}
	if got := FaultKind(42).String(); got != "FaultKind(42)" {
		t.Errorf("FaultKind(42).String() = %q", got)
	}
}
