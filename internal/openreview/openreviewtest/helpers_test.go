package openreviewtest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// response is one HTTP answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// object decodes the body as a JSON object.
func (r response) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (%v): %.300s", err, r.body)
	}
	return m
}

// notes decodes a /notes answer.
func (r response) notes(t *testing.T) []map[string]any {
	t.Helper()
	m := r.object(t)
	raw, ok := m["notes"].([]any)
	if !ok {
		t.Fatalf("no notes list in %.300s", r.body)
	}
	out := make([]map[string]any, len(raw))
	for i, n := range raw {
		out[i] = n.(map[string]any)
	}
	return out
}

// get sends a GET with an optional bearer token.
func get(t *testing.T, rawURL, tok string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return do(t, req)
}

// post sends a JSON POST.
func post(t *testing.T, rawURL, body string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// listAll pages through a /notes query with sort=id and after=, the way
// openreview-py's efficient_iterget does, and returns every note.
func listAll(t *testing.T, base, tok string, q url.Values) []map[string]any {
	t.Helper()
	q.Set("sort", "id")
	q.Set("limit", "1000")
	var all []map[string]any
	for {
		r := get(t, base+"/notes?"+q.Encode(), tok)
		if r.status != http.StatusOK {
			t.Fatalf("list %v: status %d: %.300s", q, r.status, r.body)
		}
		page := r.notes(t)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		q.Set("after", page[len(page)-1]["id"].(string))
	}
}

// clock is a settable fake clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// small is a fake with a small big venue, for tests that do not page.
func small(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Scale == 0 {
		opts.Scale = 60
	}
	return NewTB(t, opts)
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
