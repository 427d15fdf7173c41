package openreview

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Credentials the tests use. None of them may ever show up in an error
// string or a log line; every fixture checks its log at cleanup.
const (
	testUser     = "jane@example.org"
	testPassword = "pw-Zebra-7731"
	readyToken   = "tok-ready-4242"
	issuedPrefix = "tok-issued-"
)

var t0 = time.Date(2026, 9, 27, 12, 0, 0, 0, time.UTC)

// clock is a fake clock whose Sleep records the wait and moves time on.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeAPI is a small inline OpenReview: POST /login issues tokens; every
// other request needs a valid bearer token (none: 403 challenge; unknown
// or expired: 401 TokenExpiredError) and is then answered by handle.
type fakeAPI struct {
	// login, when set, answers POST /login instead of the default check.
	login func(w http.ResponseWriter, id, password string)
	// handle answers authenticated requests; n counts them from 1.
	handle func(w http.ResponseWriter, r *http.Request, n int)

	mu     sync.Mutex
	logins int
	issued int
	valid  map[string]bool
	n      int
	auths  []string // Authorization header of each non-login request
	paths  []string // path?query of each non-login request
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/login" {
		f.serveLogin(w, r)
		return
	}
	auth := r.Header.Get("Authorization")
	f.mu.Lock()
	f.n++
	n := f.n
	f.auths = append(f.auths, auth)
	f.paths = append(f.paths, r.URL.RequestURI())
	ok := f.valid[strings.TrimPrefix(auth, "Bearer ")]
	f.mu.Unlock()
	switch {
	case auth == "":
		writeJSON(w, http.StatusForbidden, `{"name":"ChallengeRequiredError","message":"Challenge required","status":403}`)
	case !ok:
		writeJSON(w, http.StatusUnauthorized, `{"status":401,"name":"TokenExpiredError","message":"Token has expired. Please log in again."}`)
	case f.handle != nil:
		f.handle(w, r, n)
	default:
		writeJSON(w, http.StatusOK, `{"notes":[],"count":0}`)
	}
}

func (f *fakeAPI) serveLogin(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID        string `json:"id"`
		Password  string `json:"password"`
		ExpiresIn int    `json:"expiresIn"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&body) != nil || body.ExpiresIn != 604800 {
		writeJSON(w, http.StatusBadRequest, `{"name":"ValidationError","message":"bad login request","status":400}`)
		return
	}
	f.mu.Lock()
	f.logins++
	f.mu.Unlock()
	if f.login != nil {
		f.login(w, body.ID, body.Password)
		return
	}
	if body.ID != testUser || body.Password != testPassword {
		writeJSON(w, http.StatusBadRequest, `{"name":"Error","message":"Invalid username or password","status":400}`)
		return
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"token":%q,"user":{"id":%q,"profile":{"id":"~Jane_Doe1"}}}`, f.issue(), testUser))
}

// issue makes a new valid token.
func (f *fakeAPI) issue() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued++
	tok := fmt.Sprintf("%s%d", issuedPrefix, f.issued)
	if f.valid == nil {
		f.valid = make(map[string]bool)
	}
	f.valid[tok] = true
	return tok
}

// accept makes tok valid without a login (a ready-made token).
func (f *fakeAPI) accept(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.valid == nil {
		f.valid = make(map[string]bool)
	}
	f.valid[tok] = true
}

// expireAll makes every token seen so far invalid.
func (f *fakeAPI) expireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.valid)
}

func (f *fakeAPI) counts() (logins, requests int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logins, f.n
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// fixture is a Client wired to a fake API, a fake clock and a log buffer.
type fixture struct {
	api    *fakeAPI
	srv    *httptest.Server
	client *Client
	clock  *clock
	logs   *syncBuffer
}

// newFixture starts api and a client for it. Fields of cfg left zero get
// test defaults: both hosts on the fake, username and password, no pacing,
// the fake clock. At cleanup it fails the test if the log holds a secret.
func newFixture(t *testing.T, api *fakeAPI, cfg Config) *fixture {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	clk := &clock{now: t0}
	logs := &syncBuffer{}
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.URL
	}
	if cfg.V1BaseURL == "" {
		cfg.V1BaseURL = srv.URL
	}
	if cfg.Username == "" && cfg.Token == "" {
		cfg.Username, cfg.Password = testUser, testPassword
	}
	if cfg.MinInterval == 0 {
		cfg.MinInterval = -1
	}
	if cfg.Sleep == nil {
		cfg.Sleep = clk.Sleep
	}
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { noSecrets(t, "log", logs.String()) })
	return &fixture{api: api, srv: srv, client: c, clock: clk, logs: logs}
}

// noSecrets fails the test if s holds the password or any token.
func noSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{testPassword, readyToken, issuedPrefix} {
		if strings.Contains(s, secret) {
			t.Errorf("%s leaks a secret (%q): %s", what, secret, s)
		}
	}
}

// getNotes is one Get of /notes on the v2 host; it checks the error for
// secrets.
func (f *fixture) getNotes(t *testing.T) ([]byte, error) {
	t.Helper()
	body, err := f.client.Get(t.Context(), 2, "/notes", nil)
	if err != nil {
		noSecrets(t, "error", err.Error())
	}
	return body, err
}
