package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestQueue holds the only search slot with a blocked search: the next
// search waits QueueTimeout, then gets 503 with Retry-After; once the slot
// frees, searches run again.
func TestQueue(t *testing.T) {
	s, x := newTestServer(t, func(c *Config) {
		c.MaxSearches = 1
		c.QueueTimeout = 20 * time.Millisecond
	})
	block, entered := make(chan struct{}), make(chan struct{})
	x.mu.Lock()
	x.block, x.entered = block, entered
	x.mu.Unlock()
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- get(s, "/api/search?q=graph") }()
	<-entered // the first search holds the slot
	x.mu.Lock()
	x.entered = nil
	x.mu.Unlock()

	w := get(s, "/api/search?q=neural")
	var got apiError
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "5" ||
		got.Error != "The server is busy with other searches; try again in a few seconds." {
		t.Errorf("queued API search = %d, Retry-After %q, %q", w.Code, w.Header().Get("Retry-After"), got.Error)
	}
	if w := get(s, "/?q=neural"); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "The server is busy") {
		t.Errorf("queued page = %d", w.Code)
	}
	// The paper page still shows the paper, without neighbours.
	if w := get(s, "/paper/p1"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "The server is busy") {
		t.Errorf("paper page while busy = %d", w.Code)
	}
	close(block)
	if w := <-first; w.Code != http.StatusOK {
		t.Errorf("first search = %d: %s", w.Code, w.Body)
	}
	if w := get(s, "/api/search?q=neural"); w.Code != http.StatusOK {
		t.Errorf("search after the slot freed = %d: %s", w.Code, w.Body)
	}
}

// TestRequestTimeout: a search still running at RequestTimeout is
// cancelled and answered 503.
func TestRequestTimeout(t *testing.T) {
	s, x := newTestServer(t, func(c *Config) { c.RequestTimeout = 10 * time.Millisecond })
	x.block = make(chan struct{}) // never closed: only the deadline ends the search
	for _, target := range []string{"/api/search?q=graph", "/?q=graph"} {
		w := get(s, target)
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "The request took too long") {
			t.Errorf("%s = %d: %s", target, w.Code, w.Body)
		}
	}
}
