package openreview

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const okNotes = `{"notes":[],"count":0}`

// rateLimitBody is a 429 body as OpenReview sends it; resetTime may be "".
func rateLimitBody(message, resetTime string) string {
	details := `"limit":500,"remaining":0,"used":501`
	if resetTime != "" {
		details += fmt.Sprintf(`,"resetTime":%q`, resetTime)
	}
	return fmt.Sprintf(`{"name":"RateLimitError","message":%q,"status":429,"details":{%s}}`,
		"Too many requests: You have made 501 requests, surpassing the limit of 500 requests. "+message+" (2026-09-27-1)", details)
}

func TestRateLimitWaitSources(t *testing.T) {
	for _, tc := range []struct {
		name    string
		header  map[string]string
		message string
		reset   string // details.resetTime
		want    time.Duration
	}{
		{name: "Retry-After seconds", header: map[string]string{"Retry-After": "120"}, want: 120 * time.Second},
		{
			name:   "Retry-After wins over everything",
			header: map[string]string{"Retry-After": "7", "Ratelimit-Reset": "300"}, message: "Please try again in 9 seconds",
			reset: t0.Add(time.Hour).Format(time.RFC3339Nano), want: 7 * time.Second,
		},
		{
			name:   "Retry-After HTTP date",
			header: map[string]string{"Retry-After": t0.Add(90 * time.Second).Format(http.TimeFormat)}, want: 90 * time.Second,
		},
		{
			name:  "details.resetTime before ratelimit-reset",
			reset: "2026-09-27T12:01:30.500Z", header: map[string]string{"Ratelimit-Reset": "300"}, want: 90500 * time.Millisecond,
		},
		{
			name:  "resetTime in the past is skipped",
			reset: "2026-09-27T11:00:00Z", header: map[string]string{"Ratelimit-Reset": "45"}, want: 45 * time.Second,
		},
		{name: "ratelimit-reset", header: map[string]string{"Ratelimit-Reset": "45"}, message: "Please try again in 9 seconds", want: 45 * time.Second},
		{name: "message minutes and seconds", message: "Please try again in 2 minutes and 6 seconds", want: 126 * time.Second},
		{name: "message seconds", message: "Please try again in 54 seconds", want: 54 * time.Second},
		{name: "zero wait gets the floor", header: map[string]string{"Retry-After": "0"}, want: time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if n > 1 {
					writeJSON(w, 200, okNotes)
					return
				}
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				writeJSON(w, 429, rateLimitBody(tc.message, tc.reset))
			}}
			f := newFixture(t, api, Config{})
			if _, err := f.getNotes(t); err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff([]time.Duration{tc.want}, f.clock.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if _, requests := api.counts(); requests != 2 {
				t.Errorf("requests: got %d, want 2", requests)
			}
		})
	}
}

func TestRateLimitWithoutHintBacksOff(t *testing.T) {
	api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
		if n > 1 {
			writeJSON(w, 200, okNotes)
			return
		}
		writeJSON(w, 429, `{"name":"RateLimitError","message":"Too many requests","status":429}`)
	}}
	f := newFixture(t, api, Config{})
	if _, err := f.getNotes(t); err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkBackoffs(t, f.clock.Sleeps(), 1, 2*time.Minute)
}

func TestRateLimitLongerThanMaxWait(t *testing.T) {
	api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 429, rateLimitBody("Please try again in 60 minutes and 13 seconds", ""))
	}}
	f := newFixture(t, api, Config{MaxWait: time.Hour})
	_, err := f.getNotes(t)
	apiErr, ok := errAs[*APIError](err)
	if !ok || apiErr.Status != 429 || apiErr.RetryAfter != time.Hour+13*time.Second {
		t.Fatalf("Get: got %v (%#v), want an APIError 429 with RetryAfter 1h0m13s", err, apiErr)
	}
	for _, s := range []string{"rate limited", "retry after 2026-09-27T13:00:13Z", "RateLimitError"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if got := f.clock.Sleeps(); len(got) != 0 {
		t.Errorf("slept %v, want no sleep", got)
	}
	if _, requests := api.counts(); requests != 1 {
		t.Errorf("requests: got %d, want 1", requests)
	}
}

// checkBackoffs checks n jittered exponential backoffs: 1s, 2s, 4s, ...
// capped at max, each drawn from the upper half of its step.
func checkBackoffs(t *testing.T, got []time.Duration, n int, max time.Duration) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("sleeps: got %v, want %d backoffs", got, n)
	}
	for i, d := range got {
		step := min(time.Second<<i, max)
		if d < step/2 || d > step {
			t.Errorf("backoff %d: %v, want within [%v, %v]", i, d, step/2, step)
		}
	}
}

func TestServerErrorsRetried(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failures  int // answers before success; -1 always fails
		wantErr   string
		wantTries int
	}{
		{"recovers", 3, "", 4},
		{"gives up", -1, "get /notes (v2): giving up after 4 attempts: 502 Bad Gateway", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if tc.failures >= 0 && n > tc.failures {
					writeJSON(w, 200, okNotes)
					return
				}
				status := []int{500, 502, 503}[n%3]
				w.WriteHeader(status) // no body at all, as a proxy might send
			}}
			f := newFixture(t, api, Config{MaxRetries: 3, MaxBackoff: 3 * time.Second})
			_, err := f.getNotes(t)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Get: %v", err)
			}
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("Get error: got %v, want %q", err, tc.wantErr)
				}
				if apiErr, ok := errAs[*APIError](err); !ok || apiErr.Status != 502 {
					t.Errorf("errors.As APIError: got %v, want status 502", apiErr)
				}
			}
			checkBackoffs(t, f.clock.Sleeps(), 3, 3*time.Second)
			if _, requests := api.counts(); requests != tc.wantTries {
				t.Errorf("requests: got %d, want %d", requests, tc.wantTries)
			}
		})
	}
}

func TestNetworkErrorRetried(t *testing.T) {
	api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			conn.Close() // the connection drops before any answer
			return
		}
		writeJSON(w, 200, okNotes)
	}}
	// A ready-made token, so the first request opens a fresh connection:
	// on a reused one, net/http would repeat the GET by itself.
	api.accept(readyToken)
	f := newFixture(t, api, Config{Token: readyToken})
	if _, err := f.getNotes(t); err != nil {
		t.Fatalf("Get: %v", err)
	}
	checkBackoffs(t, f.clock.Sleeps(), 1, 2*time.Minute)
	if _, requests := api.counts(); requests != 2 {
		t.Errorf("requests: got %d, want 2", requests)
	}
	if !strings.Contains(f.logs.String(), "retrying") {
		t.Errorf("log lacks the retry:\n%s", f.logs)
	}
}

func TestBadJSONRetriedThenFails(t *testing.T) {
	truncated := `{"notes":[{"id":"a","content":{"title":{"value":"Trunc`
	for _, tc := range []struct {
		name    string
		handle  func(w http.ResponseWriter)
		failing int // answers that fail before a good one; -1: all
		wantErr []string
	}{
		{name: "truncated JSON then good", handle: func(w http.ResponseWriter) { writeJSON(w, 200, truncated) }, failing: 1},
		{
			name: "truncated JSON always", handle: func(w http.ResponseWriter) { writeJSON(w, 200, truncated) }, failing: -1,
			wantErr: []string{"giving up after 3 attempts", "invalid JSON in 200 answer", "unexpected end of JSON input"},
		},
		{
			name: "connection cut mid-body", failing: -1, wantErr: []string{"giving up after 3 attempts", "read 200 answer"},
			handle: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", strconv.Itoa(len(okNotes)+100))
				w.WriteHeader(200)
				fmt.Fprint(w, okNotes)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
				if tc.failing >= 0 && n > tc.failing {
					writeJSON(w, 200, okNotes)
					return
				}
				tc.handle(w)
			}}
			f := newFixture(t, api, Config{MaxRetries: 2})
			body, err := f.getNotes(t)
			if len(tc.wantErr) == 0 {
				if err != nil || string(body) != okNotes {
					t.Fatalf("Get: got %q, %v; want the good page", body, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Get: got %q, want an error", body)
			}
			for _, s := range tc.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if _, requests := api.counts(); requests != 3 {
				t.Errorf("requests: got %d, want 3", requests)
			}
		})
	}
}

func TestRateLimitWaitPure(t *testing.T) {
	for _, tc := range []struct {
		name       string
		header     http.Header
		eb         errorBody
		want       time.Duration
		wantSource string
	}{
		{name: "nothing", header: http.Header{}},
		{name: "garbage everywhere", header: http.Header{"Retry-After": {"soon"}, "Ratelimit-Reset": {"-3"}}, eb: errorBody{Message: "try again later"}},
		{name: "fractional reset", header: http.Header{"Ratelimit-Reset": {"1.5"}}, want: 1500 * time.Millisecond, wantSource: "ratelimit-reset"},
		{name: "bad resetTime falls through", header: http.Header{"Ratelimit-Reset": {"3"}}, want: 3 * time.Second, wantSource: "ratelimit-reset",
			eb: func() errorBody { var e errorBody; e.Details.ResetTime = "tomorrow"; return e }()},
		{name: "hours in message", eb: errorBody{Message: "Please TRY AGAIN IN 1 hour, 2 minutes and 3 seconds (x)"}, want: time.Hour + 2*time.Minute + 3*time.Second, wantSource: "message"},
		{name: "huge ratelimit-reset clamps", header: http.Header{"Ratelimit-Reset": {"1e300"}}, want: maxParsedWait, wantSource: "ratelimit-reset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, source, ok := rateLimitWait(tc.header, tc.eb, t0)
			if ok != (tc.wantSource != "") || got != tc.want || source != tc.wantSource {
				t.Errorf("got %v from %q (ok %v), want %v from %q", got, source, ok, tc.want, tc.wantSource)
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	for attempt := range 40 {
		step := min(time.Second<<min(attempt, 30), 2*time.Minute)
		for range 50 {
			if d := backoff(attempt, 2*time.Minute); d < step/2 || d > step {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, step/2, step)
			}
		}
	}
}

func FuzzParseTryAgain(f *testing.F) {
	f.Add("Too many requests: Please try again in 60 minutes and 13 seconds (2026-08-31-4689127)", uint16(60), uint16(13))
	f.Add("Please try again in 54 seconds (2026-08-24-6210796)", uint16(0), uint16(54))
	f.Add("try again in 99999999999999999999 hours", uint16(1), uint16(0))
	f.Add("try again in 2 minutes and", uint16(2), uint16(0))
	f.Fuzz(func(t *testing.T, msg string, minutes, seconds uint16) {
		if d, ok := parseTryAgain(msg); d < 0 || d > maxParsedWait || (!ok && d != 0) {
			t.Fatalf("parseTryAgain(%q) = %v, %v", msg, d, ok)
		}
		// Whatever follows it, a well-formed phrase reads exactly.
		built := fmt.Sprintf("Please try again in %d minutes and %d seconds (id) %s", minutes, seconds, msg)
		want := time.Duration(minutes)*time.Minute + time.Duration(seconds)*time.Second
		if d, ok := parseTryAgain(built); !ok || d != want {
			t.Fatalf("parseTryAgain(%q) = %v, %v; want %v", built, d, ok, want)
		}
	})
}

func FuzzRateLimitWait(f *testing.F) {
	f.Add("120", "2026-08-31T08:59:25.212Z", "2261", "Please try again in 60 minutes and 13 seconds")
	f.Add("Wed, 21 Oct 2026 07:28:00 GMT", "", "", "")
	f.Add("", "not a time", "NaN", "try again in -4 seconds")
	f.Add("-1", "", "Inf", "")
	f.Fuzz(func(t *testing.T, retryAfter, resetTime, reset, message string) {
		h := http.Header{"Retry-After": {retryAfter}, "Ratelimit-Reset": {reset}}
		var eb errorBody
		eb.Message, eb.Details.ResetTime = message, resetTime
		d, source, ok := rateLimitWait(h, eb, t0)
		if d < 0 || d > maxParsedWait || ok != (source != "") || (!ok && d != 0) {
			t.Fatalf("rateLimitWait = %v, %q, %v", d, source, ok)
		}
		if w, ok := exhaustedFor(http.Header{"Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {reset}}); ok && (w < 0 || w > maxParsedWait) {
			t.Fatalf("exhaustedFor(reset %q) = %v", reset, w)
		}
	})
}
