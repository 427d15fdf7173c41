package openreview

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPacingPerHost(t *testing.T) {
	api := &fakeAPI{}
	api.accept(readyToken)
	v1 := httptest.NewServer(api) // a second host (another port) for API v1
	t.Cleanup(v1.Close)
	f := newFixture(t, api, Config{Token: readyToken, V1BaseURL: v1.URL, MinInterval: time.Second})
	start := f.clock.Now()
	var starts []time.Duration // when each request went out, on the fake clock
	for _, v := range []int{2, 1, 2, 1, 2} {
		if _, err := f.client.Get(t.Context(), v, "/notes", nil); err != nil {
			t.Fatalf("Get v%d: %v", v, err)
		}
		starts = append(starts, f.clock.Now().Sub(start))
	}
	// v2 at 0s, 1s, 2s; v1 at 0s and 1s, riding along with v2's waits.
	if diff := cmp.Diff([]time.Duration{0, 0, time.Second, time.Second, 2 * time.Second}, starts); diff != "" {
		t.Errorf("request start times (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, time.Second}, f.clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestDefaultPacingIsOneSecond(t *testing.T) {
	api := &fakeAPI{}
	api.accept(readyToken)
	clk := &clock{now: t0}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c, err := New(Config{Token: readyToken, BaseURL: srv.URL, Sleep: clk.Sleep, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.Get(t.Context(), 2, "/notes", nil); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]time.Duration{time.Second, time.Second}, clk.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestPacerConcurrentReservationsDoNotOverlap(t *testing.T) {
	p := newPacer(time.Second)
	const n = 50
	waits := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { waits[i] = p.reserve("h", t0) })
	}
	wg.Wait()
	slices.Sort(waits)
	for i, w := range waits {
		if w != time.Duration(i)*time.Second {
			t.Fatalf("sorted waits %v: slot %d is %v, want %v", waits, i, w, time.Duration(i)*time.Second)
		}
	}
	if w := p.reserve("other", t0); w != 0 {
		t.Errorf("another host waits %v, want 0", w)
	}
}

func TestSpentBudgetHoldsNextRequest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		header  map[string]string
		maxWait time.Duration
		want    []time.Duration
	}{
		{"budget spent", map[string]string{"Ratelimit-Remaining": "0", "Ratelimit-Reset": "30"}, 0, []time.Duration{30 * time.Second}},
		{"budget left", map[string]string{"Ratelimit-Remaining": "12", "Ratelimit-Reset": "30"}, 0, nil},
		{"hold capped at MaxWait", map[string]string{"Ratelimit-Remaining": "0", "Ratelimit-Reset": "7200"}, time.Minute, []time.Duration{time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					for k, v := range tc.header {
						w.Header().Set(k, v)
					}
				}
				writeJSON(w, 200, okNotes)
			}}
			f := newFixture(t, api, Config{MaxWait: tc.maxWait})
			for range 2 {
				if _, err := f.getNotes(t); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tc.want, f.clock.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSecretsNeverLeak drives failures whose server messages echo the
// password or the token back and checks that no error and no log line
// (at debug level) carries them. Every fixture also checks its log.
func TestSecretsNeverLeak(t *testing.T) {
	// echo answers with the token it got and the password (a client
	// configured without the password cannot know to hide it, so the
	// ready-made token cases use echo without it).
	echo := func(status int, name string, password string) func(w http.ResponseWriter, r *http.Request, n int) {
		return func(w http.ResponseWriter, r *http.Request, n int) {
			msg := "you sent " + r.Header.Get("Authorization") + " and " + password
			writeJSON(w, status, `{"name":"`+name+`","message":"`+msg+`","status":400}`)
		}
	}
	for _, tc := range []struct {
		name   string
		cfg    Config
		login  func(w http.ResponseWriter, id, password string)
		handle func(w http.ResponseWriter, r *http.Request, n int)
	}{
		{name: "login refused, password echoed", login: func(w http.ResponseWriter, id, password string) {
			writeJSON(w, 403, `{"name":"Error","message":"Invalid username or password: `+password+`","status":403}`)
		}},
		{name: "400 echoing token", handle: echo(400, "ValidationError", testPassword)},
		{name: "5xx echoing token", handle: echo(500, "InternalError", testPassword), cfg: Config{MaxRetries: 1}},
		{name: "429 echoing, too long", handle: func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 429, rateLimitBody(r.Header.Get("Authorization")+" try again in 900 minutes", ""))
		}},
		{name: "ready-made token refused", cfg: Config{Token: readyToken}, handle: echo(401, "TokenExpiredError", "")},
		{name: "ready-made token and password, refused twice", cfg: Config{Token: readyToken, Username: testUser, Password: testPassword},
			handle: echo(401, "TokenExpiredError", testPassword)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{login: tc.login, handle: tc.handle}
			api.accept(readyToken)
			f := newFixture(t, api, tc.cfg)
			_, err := f.getNotes(t) // checks the error
			if err == nil {
				t.Fatal("Get succeeded; the case should fail")
			}
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("error %q shows no redaction; did the server message get through at all?", err)
			}
			noSecrets(t, "log", f.logs.String())
		})
	}
}
