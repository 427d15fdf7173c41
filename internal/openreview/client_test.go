package openreview

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

func TestNewNeedsCredentials(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"nothing", Config{}},
		{"username only", Config{Username: testUser}},
		{"password only", Config{Password: testPassword}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if !errors.Is(err, ErrNoCredentials) || !errors.Is(err, paper.ErrAuth) {
				t.Fatalf("New: got %v, want ErrNoCredentials wrapping paper.ErrAuth", err)
			}
			want := "no OpenReview credentials: set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD, or OPENREVIEW_TOKEN"
			if err.Error() != want {
				t.Errorf("message: got %q, want %q", err, want)
			}
		})
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	_, err := New(Config{Token: readyToken, BaseURL: "api2.openreview.net"})
	if !errors.Is(err, paper.ErrInvalid) {
		t.Fatalf("New: got %v, want paper.ErrInvalid", err)
	}
	noSecrets(t, "error", err.Error())
}

func TestLogin(t *testing.T) {
	for _, tc := range []struct {
		name     string
		login    func(w http.ResponseWriter, id, password string)
		password string
		wantErr  []string // substrings; none means success
	}{
		{name: "ok"},
		{
			name:     "bad credentials",
			password: "wrong-Password-1",
			wantErr:  []string{"OpenReview login failed: Invalid username or password"},
		},
		{
			name: "mfa pending",
			login: func(w http.ResponseWriter, _, _ string) {
				writeJSON(w, http.StatusOK, `{"mfaPending":true,"mfaPendingToken":"mfa-tok","mfaMethods":["totp"],"preferredMethod":"totp"}`)
			},
			wantErr: []string{"two-factor", "OPENREVIEW_TOKEN"},
		},
		{
			name:    "no token in answer",
			login:   func(w http.ResponseWriter, _, _ string) { writeJSON(w, http.StatusOK, `{"user":{}}`) },
			wantErr: []string{"no token"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{login: tc.login}
			cfg := Config{Username: testUser, Password: testPassword}
			if tc.password != "" {
				cfg.Password = tc.password
			}
			f := newFixture(t, api, cfg)
			err := f.client.Login(t.Context())
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Login: %v", err)
				}
				if _, err := f.getNotes(t); err != nil {
					t.Fatalf("Get after login: %v", err)
				}
				if logins, _ := api.counts(); logins != 1 {
					t.Errorf("logins: got %d, want 1 (the token is reused)", logins)
				}
				if diff := cmp.Diff([]string{"Bearer " + issuedPrefix + "1"}, api.auths); diff != "" {
					t.Errorf("Authorization headers (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, paper.ErrAuth) {
				t.Fatalf("Login: got %v, want an error wrapping paper.ErrAuth", err)
			}
			for _, s := range tc.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Login error %q lacks %q", err, s)
				}
			}
			noSecrets(t, "error", err.Error())
			if strings.Contains(err.Error(), tc.password) && tc.password != "" {
				t.Errorf("error leaks the wrong password: %v", err)
			}
		})
	}
}

func TestLazyLoginSendsTokenToBothHosts(t *testing.T) {
	api := &fakeAPI{}
	f := newFixture(t, api, Config{})
	for _, v := range []int{2, 1, 2} {
		if _, err := f.client.Get(t.Context(), v, "/notes", url.Values{"id": {"x"}}); err != nil {
			t.Fatalf("Get v%d: %v", v, err)
		}
	}
	logins, requests := api.counts()
	if logins != 1 || requests != 3 {
		t.Errorf("got %d logins and %d requests, want 1 and 3", logins, requests)
	}
	b := "Bearer " + issuedPrefix + "1"
	want := []string{b, b, b}
	if diff := cmp.Diff(want, api.auths); diff != "" {
		t.Errorf("Authorization headers (-want +got):\n%s", diff)
	}
}

func TestReadyMadeTokenNeedsNoLogin(t *testing.T) {
	api := &fakeAPI{}
	api.accept(readyToken)
	f := newFixture(t, api, Config{Token: readyToken})
	if err := f.client.Login(t.Context()); err != nil {
		t.Fatalf("Login with only a token: %v", err)
	}
	for _, v := range []int{2, 1} {
		if _, err := f.client.Get(t.Context(), v, "/notes", nil); err != nil {
			t.Fatalf("Get v%d: %v", v, err)
		}
	}
	if logins, _ := api.counts(); logins != 0 {
		t.Errorf("logins: got %d, want 0", logins)
	}
	if diff := cmp.Diff([]string{"Bearer " + readyToken, "Bearer " + readyToken}, api.auths); diff != "" {
		t.Errorf("Authorization headers (-want +got):\n%s", diff)
	}
}

func TestTokenExpiryRenewsOnce(t *testing.T) {
	api := &fakeAPI{}
	api.handle = func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 2 { // the token expires after the second request
			api.expireAll()
		}
		writeJSON(w, http.StatusOK, `{"notes":[],"count":0}`)
	}
	f := newFixture(t, api, Config{})
	for i := range 4 {
		if _, err := f.getNotes(t); err != nil {
			t.Fatalf("Get %d: %v", i, err)
		}
	}
	logins, requests := api.counts()
	if logins != 2 || requests != 5 {
		t.Errorf("got %d logins and %d requests, want 2 and 5 (one refused, repeated)", logins, requests)
	}
	want := []string{"1", "1", "1", "2", "2"}
	for i := range want {
		want[i] = "Bearer " + issuedPrefix + want[i]
	}
	if diff := cmp.Diff(want, api.auths); diff != "" {
		t.Errorf("Authorization headers (-want +got):\n%s", diff)
	}
	if got := f.clock.Sleeps(); len(got) != 0 {
		t.Errorf("renewal slept %v; it should not count as a retry", got)
	}
}

func TestTokenRefused(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cfg        Config
		wantIs     error
		wantLogins int
		wantText   string
	}{
		{"ready-made token expired", Config{Token: readyToken}, ErrTokenExpired, 0, "set a new OPENREVIEW_TOKEN"},
		{"refused right after login", Config{}, paper.ErrAuth, 2, "just issued"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{}
			api.handle = func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, http.StatusUnauthorized, `{"status":401,"name":"TokenExpiredError","message":"Token has expired. Please log in again."}`)
			}
			f := newFixture(t, api, tc.cfg)
			_, err := f.getNotes(t)
			if !errors.Is(err, tc.wantIs) || !errors.Is(err, paper.ErrAuth) {
				t.Fatalf("Get: got %v, want %v wrapping paper.ErrAuth", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q lacks %q", err, tc.wantText)
			}
			if apiErr, ok := errAs[*APIError](err); !ok || apiErr.Status != 401 {
				t.Errorf("errors.As APIError: got %v, want status 401", apiErr)
			}
			if logins, _ := api.counts(); logins != tc.wantLogins {
				t.Errorf("logins: got %d, want %d", logins, tc.wantLogins)
			}
		})
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		wantText string
		wantIs   error
	}{
		{
			name:     "validation",
			status:   400,
			body:     `{"name":"ValidationError","message":"limit must be <= 1000 (2026-09-27-8520693)","status":400,"details":{"path":"limit"}}`,
			wantText: "get /notes (v2): 400 ValidationError: limit must be <= 1000 (2026-09-27-8520693)",
		},
		{
			name:     "not found",
			status:   404,
			body:     `{"name":"NotFoundError","message":"The Note g1SzIRLQXMM was not found (2026-09-27-8520898)","status":404}`,
			wantText: "get /notes (v2): 404 NotFoundError: The Note g1SzIRLQXMM was not found (2026-09-27-8520898)",
			wantIs:   paper.ErrNotFound,
		},
		{
			name:     "forbidden, plain text body",
			status:   403,
			body:     "you may not\n read this",
			wantText: "get /notes (v2): 403 Forbidden: you may not read this",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, tc.status, tc.body)
			}}
			f := newFixture(t, api, Config{})
			_, err := f.getNotes(t)
			if err == nil || err.Error() != tc.wantText {
				t.Fatalf("Get error: got %v, want %q", err, tc.wantText)
			}
			if apiErr, ok := errAs[*APIError](err); !ok || apiErr.Status != tc.status {
				t.Errorf("errors.As APIError: got %v, want status %d", apiErr, tc.status)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.wantIs)
			}
			if errors.Is(err, paper.ErrNotFound) != (tc.status == 404) {
				t.Errorf("errors.Is(ErrNotFound) wrong for status %d", tc.status)
			}
			if _, requests := api.counts(); requests != 1 {
				t.Errorf("requests: got %d, want 1", requests)
			}
		})
	}
}

func TestChallengeIsAnAuthError(t *testing.T) {
	const page = "<!DOCTYPE html><html><head><title>Verifying your browser | OpenReview</title></head><body>…</body></html>"
	for _, tc := range []struct {
		name    string
		handle  func(w http.ResponseWriter)
		wantAPI int // status of a wrapped APIError, 0 for none
	}{
		{"html page with 200", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(page))
		}, 0},
		{"html body labelled json", func(w http.ResponseWriter) { writeJSON(w, 200, "\n  "+page) }, 0},
		{"403 ChallengeRequiredError", func(w http.ResponseWriter) {
			writeJSON(w, 403, `{"name":"ChallengeRequiredError","message":"Challenge required","status":403}`)
		}, 403},
		{"403 html page", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(403)
			w.Write([]byte(page))
		}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) { tc.handle(w) }}
			f := newFixture(t, api, Config{})
			body, err := f.getNotes(t)
			if !errors.Is(err, ErrChallenge) || !errors.Is(err, paper.ErrAuth) {
				t.Fatalf("Get: got body %q, error %v; want ErrChallenge wrapping paper.ErrAuth", body, err)
			}
			for _, s := range []string{"browser challenge", "log in"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			got := 0
			if apiErr, ok := errAs[*APIError](err); ok {
				got = apiErr.Status
			}
			if got != tc.wantAPI {
				t.Errorf("wrapped APIError status: got %d, want %d (0: none)", got, tc.wantAPI)
			}
			if _, requests := api.counts(); requests != 1 {
				t.Errorf("requests: got %d, want 1 (a challenge is not retried)", requests)
			}
		})
	}
}

func TestGetUnknownVersion(t *testing.T) {
	f := newFixture(t, &fakeAPI{}, Config{})
	if _, err := f.client.Get(t.Context(), 3, "/notes", nil); !errors.Is(err, paper.ErrInvalid) {
		t.Fatalf("Get v3: got %v, want paper.ErrInvalid", err)
	}
}

func TestGetReturnsRawBodyAndQuery(t *testing.T) {
	const body = `{"notes":[{"id":"a","content":{"title":{"value":"T"}}}],"count":1}`
	api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
		if got := r.Header.Get("User-Agent"); got != "openreview-finder" {
			t.Errorf("User-Agent: got %q", got)
		}
		writeJSON(w, 200, body)
	}}
	f := newFixture(t, api, Config{})
	q := url.Values{"content.venueid": {"ICLR.cc/2025/Conference,ICLR.cc/2025/Conference/Rejected_Submission"}, "limit": {"1000"}}
	got, err := f.client.Get(t.Context(), 2, "/notes", q)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if string(got) != body {
		t.Errorf("body: got %s, want %s", got, body)
	}
	if diff := cmp.Diff([]string{"/notes?" + q.Encode()}, api.paths); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) { writeJSON(w, 503, `{}`) }}
	ctx, cancel := context.WithCancel(t.Context())
	f := newFixture(t, api, Config{Sleep: func(context.Context, time.Duration) error {
		cancel()
		return ctx.Err()
	}})
	_, err := f.client.Get(ctx, 2, "/notes", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Get: got %v, want context.Canceled", err)
	}
	if _, requests := api.counts(); requests != 1 {
		t.Errorf("requests: got %d, want 1", requests)
	}
}

func TestLoginWaitsOutItsRateLimit(t *testing.T) {
	api := &fakeAPI{}
	tries := 0
	api.login = func(w http.ResponseWriter, id, password string) {
		tries++ // the server handles one request at a time here
		if tries == 1 {
			writeJSON(w, 429, `{"name":"RateLimitError","message":"Too many requests: You have made 4 requests, surpassing the limit of 3 requests. Please try again in 54 seconds (2026-08-24-6210796)","status":429,"details":{"limit":3,"remaining":0}}`)
			return
		}
		writeJSON(w, 200, `{"token":"`+api.issue()+`"}`)
	}
	f := newFixture(t, api, Config{})
	if _, err := f.getNotes(t); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{54 * time.Second}, f.clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestDefaultSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	if err := sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleep on a cancelled context: got %v, want context.Canceled", err)
	}
	if err := sleep(t.Context(), time.Millisecond); err != nil {
		t.Errorf("sleep 1ms: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("sleeps took %v", d)
	}
}
