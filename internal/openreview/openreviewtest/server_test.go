package openreviewtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLogin(t *testing.T) {
	s := small(t, Options{})
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantName   string
		wantMsg    string // prefix
	}{
		{"valid", `{"id":"test@example.org","password":"secret","expiresIn":604800}`, 200, "", ""},
		{"wrong password", `{"id":"test@example.org","password":"nope"}`, 400, "Error", "Invalid username or password"},
		{"unknown user", `{"id":"who@example.org","password":"secret"}`, 400, "Error", "Invalid username or password"},
		{"missing id", `{"password":"secret"}`, 400, "ValidationError", "id cannot be empty or missing"},
		{"missing password", `{"id":"test@example.org"}`, 400, "ValidationError", "password cannot be empty or missing"},
		{"not json", `id=test`, 400, "ValidationError", "Body must be a JSON object"},
	}
	for _, base := range []string{s.URL, s.V1URL} {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := post(t, base+"/login", tt.body)
				if r.status != tt.wantStatus {
					t.Fatalf("status = %d, want %d: %s", r.status, tt.wantStatus, r.body)
				}
				m := r.object(t)
				if tt.wantStatus == 200 {
					user := m["user"].(map[string]any)
					if m["token"] == "" || user["profile"].(map[string]any)["id"] != "~Test_User1" {
						t.Errorf("login body = %s", r.body)
					}
					return
				}
				if m["name"] != tt.wantName || !strings.HasPrefix(m["message"].(string), tt.wantMsg) || m["status"] != float64(400) {
					t.Errorf("error body = %s", r.body)
				}
			})
		}
	}
	if got := s.Logins(); got != 2 {
		t.Errorf("Logins() = %d, want 2", got)
	}
}

func TestBadLoginBodyIsExact(t *testing.T) {
	s := small(t, Options{})
	r := post(t, s.URL+"/login", `{"id":"test@example.org","password":"nope"}`)
	want := map[string]any{"name": "Error", "message": "Invalid username or password", "status": float64(400)}
	if diff := cmp.Diff(want, r.object(t)); diff != "" {
		t.Errorf("bad login body (-want +got):\n%s", diff)
	}
}

func login(t *testing.T, base, body string) string {
	t.Helper()
	r := post(t, base+"/login", body)
	if r.status != 200 {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	return r.object(t)["token"].(string)
}

func TestTokenWorksOnBothHostsAndIsJWT(t *testing.T) {
	s := small(t, Options{Users: map[string]string{"jane.doe@example.org": "pw"}})
	tok := login(t, s.URL, `{"id":"jane.doe@example.org","password":"pw"}`)
	for _, base := range []string{s.URL, s.V1URL} {
		if r := get(t, base+"/notes?limit=1", tok); r.status != 200 || !json.Valid(r.body) {
			t.Errorf("%s: status %d", base, r.status)
		}
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var payload struct {
		User struct {
			Profile struct{ ID string } `json:"profile"`
		} `json:"user"`
	}
	if err := json.Unmarshal(raw, &payload); err != nil || payload.User.Profile.ID != "~Jane_Doe1" {
		t.Errorf("payload %s: profile id %q, err %v", raw, payload.User.Profile.ID, err)
	}
}

func TestTokenExpiry(t *testing.T) {
	clk := newClock(time.Date(2026, 9, 27, 10, 0, 0, 0, time.UTC))
	s := small(t, Options{Now: clk.Now})
	short := login(t, s.URL, `{"id":"test@example.org","password":"secret","expiresIn":60}`)
	dflt := login(t, s.URL, `{"id":"test@example.org","password":"secret"}`)
	week := login(t, s.URL, `{"id":"test@example.org","password":"secret","expiresIn":99999999}`)
	check := func(tok string, want int) {
		t.Helper()
		if r := get(t, s.URL+"/notes?limit=1", tok); r.status != want {
			t.Errorf("status %d, want %d: %.200s", r.status, want, r.body)
		}
	}
	check(short, 200)
	clk.advance(61 * time.Second)
	check(short, 401)
	check(dflt, 200)
	clk.advance(time.Hour)
	check(dflt, 401)
	clk.advance(6 * 24 * time.Hour)
	check(week, 200)
	clk.advance(2 * 24 * time.Hour)
	check(week, 401)
	r := get(t, s.V1URL+"/notes?limit=1", week)
	want := map[string]any{"status": float64(401), "name": "TokenExpiredError", "message": "Token has expired. Please log in again."}
	if diff := cmp.Diff(want, r.object(t)); diff != "" {
		t.Errorf("expired body (-want +got):\n%s", diff)
	}
}

func TestIssuedAndExtraTokens(t *testing.T) {
	s := small(t, Options{Tokens: []string{"ready-made"}})
	issued := s.IssueToken()
	for _, tok := range []string{"ready-made", issued} {
		if r := get(t, s.URL+"/groups?id=venues", tok); r.status != 200 {
			t.Errorf("token %q: status %d", tok, r.status)
		}
	}
	s.ExpireToken(issued)
	if r := get(t, s.URL+"/groups?id=venues", issued); r.status != 401 {
		t.Errorf("expired issued token: status %d, want 401", r.status)
	}
	if s.Logins() != 0 {
		t.Errorf("Logins() = %d, want 0", s.Logins())
	}
}

func TestMFAUser(t *testing.T) {
	s := small(t, Options{Users: map[string]string{"mfa@example.org": "pw"}, MFAUsers: []string{"mfa@example.org"}})
	m := post(t, s.URL+"/login", `{"id":"mfa@example.org","password":"pw"}`).object(t)
	if m["mfaPending"] != true || m["token"] != nil || m["mfaPendingToken"] == "" {
		t.Errorf("mfa login = %v", m)
	}
	if s.Logins() != 0 {
		t.Errorf("Logins() = %d after an MFA-pending login", s.Logins())
	}
}

func TestAuthGate(t *testing.T) {
	for _, gate := range []Gate{GateHTML, GateJSON} {
		s := small(t, Options{Gate: gate})
		for _, base := range []string{s.URL, s.V1URL} {
			for _, path := range []string{"/notes?limit=1", "/groups?id=venues"} {
				for _, tok := range []string{"", "never-issued"} {
					r := get(t, base+path, tok)
					ct := r.header.Get("Content-Type")
					switch gate {
					case GateHTML:
						if r.status != 200 || !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(r.body), "<title>Verifying your browser | OpenReview</title>") {
							t.Errorf("html gate %s%s tok %q: %d %s %.100s", base, path, tok, r.status, ct, r.body)
						}
					case GateJSON:
						m := r.object(t)
						if r.status != 403 || m["name"] != "ChallengeRequiredError" || m["status"] != float64(403) {
							t.Errorf("json gate %s%s: %d %s", base, path, r.status, r.body)
						}
					}
				}
			}
		}
		for _, req := range s.Requests() {
			if req.Authorized {
				t.Errorf("request %+v logged as authorized", req)
			}
		}
	}
}

func TestRateLimit(t *testing.T) {
	start := time.Date(2026, 9, 27, 10, 0, 0, 0, time.UTC)
	clk := newClock(start)
	s := small(t, Options{Now: clk.Now, RateLimit: 3, RateWindow: 90 * time.Second})
	tok := s.IssueToken()
	for i, want := range []string{"2", "1", "0"} {
		r := get(t, s.URL+"/notes?limit=1", tok)
		if r.status != 200 || r.header.Get("ratelimit-remaining") != want || r.header.Get("ratelimit-policy") != "3;w=90" {
			t.Fatalf("request %d: %d remaining %q policy %q", i, r.status, r.header.Get("ratelimit-remaining"), r.header.Get("ratelimit-policy"))
		}
	}
	clk.advance(30 * time.Second)
	r := get(t, s.URL+"/notes?limit=1", tok)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("4th request: status %d", r.status)
	}
	m := r.object(t)
	d := m["details"].(map[string]any)
	msg := regexp.MustCompile(`^Too many requests: You have made 4 requests, surpassing the limit of 3 requests\. Please try again in 1 minutes and 0 seconds \((\S+)\)$`)
	if !msg.MatchString(m["message"].(string)) || m["name"] != "RateLimitError" || d["limit"] != float64(3) ||
		d["used"] != float64(4) || d["remaining"] != float64(0) || d["resetTime"] != "2026-09-27T10:01:30.000Z" {
		t.Errorf("429 body = %s", r.body)
	}
	if r.header.Get("ratelimit-reset") != "60" {
		t.Errorf("ratelimit-reset = %q, want 60", r.header.Get("ratelimit-reset"))
	}
	if r := get(t, s.URL+"/groups?id=venues", tok); r.status != 200 {
		t.Errorf("groups refused with the notes budget spent: %d", r.status)
	}
	if r := get(t, s.V1URL+"/notes?limit=1", tok); r.status != 200 || r.header.Get("ratelimit-policy") != "" {
		t.Errorf("v1 host: status %d, policy header %q (want 200, none)", r.status, r.header.Get("ratelimit-policy"))
	}
	clk.advance(61 * time.Second)
	if r := get(t, s.URL+"/notes?limit=1", tok); r.status != 200 || r.header.Get("ratelimit-remaining") != "2" {
		t.Errorf("after the window: %d remaining %q", r.status, r.header.Get("ratelimit-remaining"))
	}
}

func TestUnlimitedHeaders(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	r := get(t, s.URL+"/notes?limit=1", tok)
	h := r.header
	for k, want := range map[string]string{
		"ratelimit-policy": "500;w=3600", "ratelimit-limit": "500", "ratelimit-remaining": "499",
		"x-ratelimit-limit": "500", "content-type": "application/json; charset=utf-8",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if g := get(t, s.URL+"/groups?id=host", tok); g.header.Get("ratelimit-policy") != "700;w=3600" {
		t.Errorf("groups policy = %q", g.header.Get("ratelimit-policy"))
	}
}

func TestRequestLog(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	get(t, s.URL+"/notes?content.venueid=TMLR&limit=5", tok)
	get(t, s.V1URL+"/groups?id=nope", "")
	want := []Request{
		{Host: "v2", Method: "GET", Path: "/notes", Query: map[string][]string{"content.venueid": {"TMLR"}, "limit": {"5"}}, Authorized: true, Status: 200},
		{Host: "v1", Method: "GET", Path: "/groups", Query: map[string][]string{"id": {"nope"}}, Status: 200},
	}
	if diff := cmp.Diff(want, s.Requests()); diff != "" {
		t.Errorf("Requests() (-want +got):\n%s", diff)
	}
	s.ResetLog()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after ResetLog", n)
	}
}

func TestUnknownRoute(t *testing.T) {
	s := small(t, Options{})
	r := get(t, s.URL+"/profiles", s.IssueToken())
	if m := r.object(t); r.status != 404 || m["name"] != "NotFoundError" {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
}
