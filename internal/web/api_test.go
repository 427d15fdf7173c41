package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/export"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// TestAPI checks every JSON route's answer against a golden file.
func TestAPI(t *testing.T) {
	tests := []struct {
		name, target string
		cfg          func(*Config)
		setup        func(*Server, *fakeSearcher)
		status       int
	}{
		{name: "search", target: "/api/search?q=graph&n=2&explain=1", status: 200},
		{name: "search-notice", target: "/api/search?q=graph&mode=semantic&n=1", setup: noVectors, status: 200},
		{name: "search-similar", target: "/api/search?similar=p1&status=accepted", status: 200},
		{name: "search-loading", target: "/api/search?q=graph", setup: noSearcher, status: 503},
		{name: "paper", target: "/api/paper/p2", status: 200},
		{name: "paper-no-neighbours", target: "/api/paper/p2", setup: noVectors, status: 200},
		{name: "similar", target: "/api/similar/p1?n=2&venue=ICLR", status: 200},
		{name: "similar-no-vectors", target: "/api/similar/p1", setup: noVectors, status: 503},
		{name: "venues", target: "/api/venues", status: 200},
		{name: "status", target: "/api/status", cfg: withTasks, status: 200},
		{name: "status-loading", target: "/api/status", setup: noSearcher, status: 200},
		{name: "status-no-vectors", target: "/api/status", setup: noVectors, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*Config)
			if tt.cfg != nil {
				opts = append(opts, tt.cfg)
			}
			s, x := newTestServer(t, opts...)
			if tt.setup != nil {
				tt.setup(s, x)
			}
			w := get(s, tt.target)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if w.Code == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" && !strings.Contains(tt.name, "no-vectors") {
				t.Error("503 without Retry-After")
			}
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("invalid JSON: %s", w.Body)
			}
			golden(t, "api-"+tt.name+".json", w.Body.String())
		})
	}
}

func TestHealth(t *testing.T) {
	s, _ := newTestServer(t)
	check := func(target string, status int, body string) {
		t.Helper()
		w := get(s, target)
		if w.Code != status || w.Body.String() != body {
			t.Errorf("%s = %d %q, want %d %q", target, w.Code, w.Body, status, body)
		}
	}
	check("/healthz", 200, "ok\n")
	check("/readyz", 200, "ready\n")
	s.SetSearcher(nil)
	check("/healthz", 200, "ok\n")
	check("/readyz", 503, "The index is still opening; search will work in a moment.\n")
}

// TestExport downloads each format and compares it with what the export
// package writes for the same results.
func TestExport(t *testing.T) {
	s, x := newTestServer(t)
	for _, format := range export.Formats {
		t.Run(format, func(t *testing.T) {
			target := "/api/search?q=graph&status=accepted&format=" + format
			w := get(s, target)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			h := w.Header()
			if got, want := h.Get("Content-Type"), export.ContentType(format); got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			if got, want := h.Get("Content-Disposition"), `attachment; filename="openreview-finder-results`+export.Extension(format)+`"`; got != want {
				t.Errorf("Content-Disposition = %q, want %q", got, want)
			}
			resp, err := x.Search(context.Background(), search.Request{Text: "graph", Mode: search.ModeHybrid, Limit: defaultN,
				Filter: store.Filter{Statuses: []store.StatusFilter{{Status: paper.StatusAccepted}}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Results) != 2 {
				t.Fatalf("%d results, want 2", len(resp.Results))
			}
			var want bytes.Buffer
			if err := export.Write(&want, format, resp.Results); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), w.Body.String()); diff != "" {
				t.Errorf("export (-want +got):\n%s", diff)
			}
		})
	}
	// The page's links ask for these same downloads.
	body := get(s, "/?q=graph&status=accepted").Body.String()
	for _, f := range export.Formats {
		link := `class="export" data-format="` + f + `" href="/api/search?format=` + f + `&amp;q=graph&amp;status=accepted"`
		if !strings.Contains(body, link) {
			t.Errorf("page lacks %s", link)
		}
	}
}

func TestETA(t *testing.T) {
	start := fixedNow.Add(-10 * time.Minute)
	tests := []struct {
		name string
		p    Progress
		want string
	}{
		{"half way", Progress{Done: 50, Total: 100, Started: start}, "about 10 minutes left"},
		{"nearly done", Progress{Done: 99, Total: 100, Started: start}, "less than a minute left"},
		{"hours", Progress{Done: 1, Total: 100, Started: start}, "about 16 h 30 min left"},
		{"one minute", Progress{Done: 10, Total: 11, Started: start}, "about 1 minute left"},
		{"unknown total", Progress{Done: 50, Started: start}, ""},
		{"nothing done", Progress{Total: 100, Started: start}, ""},
		{"done", Progress{Done: 100, Total: 100, Started: start}, ""},
		{"no start", Progress{Done: 5, Total: 100}, ""},
		{"clock behind", Progress{Done: 5, Total: 100, Started: fixedNow.Add(time.Minute)}, ""},
	}
	for _, tt := range tests {
		got := newProgress([]Progress{tt.p}, fixedNow)[0].ETA
		if got != tt.want {
			t.Errorf("%s: ETA = %q, want %q", tt.name, got, tt.want)
		}
	}
}
