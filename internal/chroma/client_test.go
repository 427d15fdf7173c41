package chroma

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

const secret = "tok-s3cret-do-not-print"

// answer is one scripted reply of the fake server.
type answer struct {
	status int
	body   string
}

// seen is what the fake server received.
type seen struct {
	Method, Path, Auth, ChromaToken string
	Body                            map[string]any
}

// fake is an httptest server that replies from a script, in order, and
// records the requests. After the script runs out it answers 200 {}.
type fake struct {
	srv    *httptest.Server
	mu     sync.Mutex
	script []answer
	got    []seen
}

func newFake(t *testing.T, script ...answer) *fake {
	t.Helper()
	f := &fake{script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	s := seen{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"), ChromaToken: r.Header.Get("X-Chroma-Token")}
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		_ = json.Unmarshal(b, &s.Body)
	}
	f.mu.Lock()
	f.got = append(f.got, s)
	a := answer{http.StatusOK, "{}"}
	if len(f.script) > 0 {
		a, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.got...)
}

// client returns a Client of the fake whose retries do not wait, and the
// waits it would have made.
func (f *fake) client(t *testing.T, token string) (*Client, *[]time.Duration) {
	t.Helper()
	var waits []time.Duration
	c, err := New(Config{URL: f.srv.URL, Token: token, Sleep: func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c, &waits
}

const notFound = `{"error":"NotFoundError","message":"Collection [nope] does not exists"}`

func TestRetries(t *testing.T) {
	unavailable := answer{503, `{"error":"ServiceUnavailable","message":"restarting"}`}
	internal := answer{500, `{"error":"InternalError","message":"disk hiccup"}`}
	findID := answer{500, `{"error":"InternalError","message":"Error executing plan: Internal error: Error finding id"}`}
	tests := []struct {
		name        string
		script      []answer
		call        func(context.Context, *Client) error
		wantTries   int   // requests the server sees
		wantWaits   int   // sleeps between retries
		wantErr     error // nil: success
		wantAPI     int   // status of the *APIError inside, 0: none
		unavailable bool
	}{
		{name: "503 then ok", script: []answer{unavailable, {200, `"1.0.0"`}}, call: version, wantTries: 2, wantWaits: 1},
		{name: "429 then ok", script: []answer{{429, `{}`}, {200, `"1.0.0"`}}, call: version, wantTries: 2, wantWaits: 1},
		{name: "500 until give up", script: []answer{internal, internal, internal, internal, internal}, call: version,
			wantTries: 4, wantWaits: 3, wantErr: ErrUnavailable, wantAPI: 500, unavailable: true},
		{name: "error finding id is not retried", script: []answer{findID}, call: queryIDs,
			wantTries: 1, wantAPI: 500},
		{name: "400 is not retried", script: []answer{{400, `{"error":"InvalidArgumentError","message":"bad"}`}}, call: version,
			wantTries: 1, wantAPI: 400},
		{name: "404 is not retried", script: []answer{{404, notFound}}, call: version,
			wantTries: 1, wantErr: ErrNotFound, wantAPI: 404},
		{name: "delete collection is not retried on 503", script: []answer{unavailable}, call: deleteCollection,
			wantTries: 1, wantAPI: 503},
		// The first request is the pre-flight check.
		{name: "upsert retried", script: []answer{{200, `{"max_batch_size":10,"supports_base64_encoding":false}`}, internal, {200, `{}`}}, call: upsert,
			wantTries: 3, wantWaits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.script...)
			c, waits := f.client(t, "")
			err := tt.call(t.Context(), c)
			if tries := len(f.requests()); tries != tt.wantTries {
				t.Errorf("server saw %d requests, want %d", tries, tt.wantTries)
			}
			if len(*waits) != tt.wantWaits {
				t.Errorf("waited %d times, want %d", len(*waits), tt.wantWaits)
			}
			checkErr(t, err, tt.wantErr, tt.wantAPI, tt.unavailable)
		})
	}
}

func checkErr(t *testing.T, err, want error, wantStatus int, unavailable bool) {
	t.Helper()
	if want == nil && wantStatus == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatal("no error, want one")
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("error %v does not match %v", err, want)
	}
	if got := errors.Is(err, ErrUnavailable); got != unavailable {
		t.Errorf("errors.Is(%v, ErrUnavailable) = %v, want %v", err, got, unavailable)
	}
	ae, ok := errors.AsType[*APIError](err)
	if !ok || ae.Status != wantStatus {
		t.Errorf("error %v: APIError %+v, want status %d", err, ae, wantStatus)
	}
}

func version(ctx context.Context, c *Client) error { _, err := c.Version(ctx); return err }

func deleteCollection(ctx context.Context, c *Client) error {
	return c.DeleteCollection(ctx, "papers")
}

func queryIDs(ctx context.Context, c *Client) error {
	col := &Collection{c: c, id: "3d09", name: "papers"}
	_, err := col.Query(ctx, QueryRequest{Embedding: []float32{1, 0}, IDs: []string{"gone"}})
	return err
}

func upsert(ctx context.Context, c *Client) error {
	col := &Collection{c: c, id: "3d09", name: "papers"}
	return col.Upsert(ctx, Records{IDs: []string{"a"}, Embeddings: [][]float32{{1, 2}}})
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	for try := 1; try < 40; try++ {
		d := backoff(try)
		full := min(firstBackoff<<min(try-1, 15), maxBackoff)
		if d < full/2 || d > full {
			t.Errorf("backoff(%d) = %v, want within [%v, %v]", try, d, full/2, full)
		}
	}
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestConnectionRefused(t *testing.T) {
	addr := closedPort(t)
	var waits int
	c, err := New(Config{URL: "chroma://" + addr, Token: secret, Sleep: func(context.Context, time.Duration) error { waits++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	// DeleteCollection is not idempotent, but a refused connection never
	// reached the server, so it is retried too.
	for _, call := range []func(context.Context, *Client) error{version, deleteCollection} {
		waits = 0
		err := call(t.Context(), c)
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("error %v does not match ErrUnavailable", err)
		}
		msg := err.Error()
		for _, want := range []string{"http://" + addr, "is not answering (4 tries)", "connection refused"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not say %q", msg, want)
			}
		}
		if strings.Contains(msg, secret) {
			t.Errorf("error %q contains the token", msg)
		}
		if waits != defaultMaxRetries {
			t.Errorf("waited %d times, want %d", waits, defaultMaxRetries)
		}
	}
}

func TestCancelStopsRetries(t *testing.T) {
	f := newFake(t, answer{503, `{}`}, answer{503, `{}`})
	ctx, cancel := context.WithCancel(t.Context())
	c, err := New(Config{URL: f.srv.URL, Sleep: func(context.Context, time.Duration) error { cancel(); return context.Canceled }})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Heartbeat(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("server saw %d requests after cancel, want 1", n)
	}
}

func TestToken(t *testing.T) {
	tests := []struct {
		name, token, wantAuth, wantChroma string
	}{
		{name: "token", token: secret, wantAuth: "Bearer " + secret, wantChroma: secret},
		{name: "none", token: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, answer{401, `{"error":"AuthError","message":"Unauthorized"}`})
			c, _ := f.client(t, tt.token)
			err := c.Heartbeat(t.Context())
			got := f.requests()[0]
			if got.Auth != tt.wantAuth || got.ChromaToken != tt.wantChroma {
				t.Errorf("headers Authorization %q X-Chroma-Token %q, want %q and %q", got.Auth, got.ChromaToken, tt.wantAuth, tt.wantChroma)
			}
			checkErr(t, err, nil, 401, false)
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
}

func TestDecodeAPIError(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name    string
		status  int
		body    string
		want    APIError
		wantMsg string
	}{
		{name: "chroma error", status: 400, body: `{"error":"InvalidArgumentError","message":"Collection expecting embedding with dimension of 768, got 10"}`,
			want:    APIError{400, "InvalidArgumentError", "Collection expecting embedding with dimension of 768, got 10"},
			wantMsg: "chroma answered 400 InvalidArgumentError: Collection expecting embedding with dimension of 768, got 10"},
		{name: "html page", status: 502, body: "<html>\n  <b>Bad   Gateway</b>\n</html>",
			want:    APIError{502, "", "<html> <b>Bad Gateway</b> </html>"},
			wantMsg: "chroma answered 502 Bad Gateway: <html> <b>Bad Gateway</b> </html>"},
		{name: "empty", status: 503, body: "", want: APIError{503, "", ""}, wantMsg: "chroma answered 503 Service Unavailable"},
		{name: "long body cut", status: 500, body: long,
			want: APIError{500, "", strings.Repeat("é", 100) + "…"}},
		{name: "cut inside a character", status: 500, body: "x" + long,
			want: APIError{500, "", "x" + strings.Repeat("é", 99) + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeAPIError(tt.status, []byte(tt.body))
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tt.wantMsg != "" && got.Error() != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", got.Error(), tt.wantMsg)
			}
		})
	}
}

func FuzzDecodeAPIError(f *testing.F) {
	f.Add(`{"error":"NotFoundError","message":"x"}`)
	f.Add("<html>\xff\xfe</html>")
	f.Fuzz(func(t *testing.T, body string) {
		e := decodeAPIError(500, []byte(body))
		if !json.Valid([]byte(body)) && len(e.Message) > maxErrorExcerpt+len("…") {
			t.Errorf("excerpt of %d bytes, want at most %d", len(e.Message), maxErrorExcerpt)
		}
		if !utf8.ValidString(e.Error()) {
			t.Errorf("message %q is not valid UTF-8", e.Error())
		}
	})
}

func TestBadAnswers(t *testing.T) {
	tests := []struct {
		name, body string
		maxBody    int64
		wantErr    string
	}{
		{name: "not json", body: "<html>hello</html>", wantErr: "not what a Chroma 1.x server sends"},
		{name: "too large", body: `"` + strings.Repeat("x", 100) + `"`, maxBody: 50, wantErr: "larger than 50 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, answer{200, tt.body})
			c, _ := f.client(t, "")
			if tt.maxBody > 0 {
				c.maxBody = tt.maxBody
			}
			_, err := c.Version(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("server saw %d requests, want 1 (no retry)", n)
			}
		})
	}
}
