package web

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// hashed matches the content hash in static file names, which changes
// with every edit of the CSS or script; goldens hold a placeholder.
var hashed = regexp.MustCompile(`(/static/[a-z]+)\.[0-9a-f]{10}\.`)

// golden compares got with testdata/golden/name (-update rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	got = hashed.ReplaceAllString(got, "$1.HASH.")
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

// setup variants of the test server.
var (
	noSearcher  = func(s *Server, x *fakeSearcher) { s.SetSearcher(nil) }
	noVectors   = func(s *Server, x *fakeSearcher) { x.semantic = search.ErrNoVectors }
	withNothing = func(c *Config) { c.Catalog = newCatalog(nil) }
	withTasks   = func(c *Config) {
		c.Progress = func() []Progress {
			return []Progress{
				{Phase: "model", Message: "Downloading allenai/specter2_base: 210 of 440 MB", Done: 210, Total: 440, Started: fixedNow.Add(-3 * time.Minute)},
				{Phase: "crawl", Message: "Crawling ICLR 2025", Done: 1500, Started: fixedNow.Add(-time.Minute)},
				{Phase: "embed", Message: "Embedding papers", Done: 10, Total: 100000, Started: fixedNow.Add(-time.Minute)},
			}
		}
	}
)

// TestPages renders every page in every state: each must execute its
// templates, answer the right status, hold the hooks the script and the
// browser tests use, and match its golden file.
func TestPages(t *testing.T) {
	tests := []struct {
		name   string
		target string
		cfg    func(*Config)
		setup  func(*Server, *fakeSearcher)
		status int
		want   []string // substrings the page must hold
		not    []string // and must not
	}{
		{name: "home", target: "/", status: 200,
			want: []string{`<form id="search"`, `name="q"`, `<select id="venue" name="venue" multiple`, `value="oral"`, `id="count"`, `id="recent"`, `id="theme"`, `href="/api/openapi.json"`, "Search 6 papers from 3 venues"},
			not:  []string{`id="notice"`, `class="result"`}},
		{name: "loading", target: "/?q=graph", setup: noSearcher, status: 200, want: []string{`data-state="loading"`, "The index is opening"}},
		{name: "loading-home", target: "/", setup: noSearcher, status: 200, want: []string{`data-state="loading"`}},
		{name: "empty-index", target: "/?q=graph", cfg: withNothing, status: 200, want: []string{`data-state="empty"`, "openreview-finder index --venue"}},
		{name: "results", target: "/?q=graph", status: 200,
			want: []string{`data-state="results"`, `<article class="result" data-id="p1">`, `class="title" href="/paper/p1"`, `class="badge oral"`, `<details class="abstract">`, `class="forum"`, `class="pdf"`, `class="similar" href="/?similar=p1"`, `class="copy-bibtex" data-bibtex="@inproceedings{`, `class="export" data-format="csv" href="/api/search?format=csv&amp;q=graph"`, `data-format="json"`, `data-format="bibtex"`, "3 papers"},
			not:  []string{`class="explain"`}},
		{name: "filters", target: "/?q=graph&venue=ICLR.cc/2025/Conference&year=2025&status=oral&status=Spotlight&author=lovelace&n=5&mode=keyword", status: 200,
			want: []string{`<option value="ICLR.cc/2025/Conference" selected>`, `<option value="2025" selected>`, `value="oral" checked`, `value="spotlight" checked`, `value="lovelace"`, `value="5"`, `<option value="keyword" selected>`, "1 paper"}},
		{name: "filter-only", target: "/?status=rejected&venue=NeurIPS", status: 200,
			want: []string{`data-id="p4"`, `<option value="NeurIPS" selected>NeurIPS</option>`}},
		{name: "no-results", target: "/?q=zebra", status: 200, want: []string{`data-state="none"`, "No papers match."}},
		{name: "error", target: "/?q=graph&mode=fast", status: 400,
			want: []string{`data-state="error"`, `Unknown search mode &#34;fast&#34;: choose hybrid, semantic or keyword.`, `value="graph"`}},
		{name: "notice", target: "/?q=graph", setup: noVectors, status: 200,
			want: []string{`id="notice"`, "Semantic search is off: the index has no vectors yet", "Keyword results are shown."}},
		{name: "notice-semantic-mode", target: "/?q=graph&mode=semantic", setup: noVectors, status: 200,
			want: []string{`id="notice"`, `data-id="p1"`}},
		{name: "progress", target: "/", cfg: withTasks, status: 200,
			want: []string{`<section id="progress"`, "210 of 440 (47%)", "about 3 minutes left", "1500 done", "about 166 h 39 min left"},
			not:  []string{`<section id="progress" aria-live="polite" aria-label="Background tasks" hidden>`}},
		{name: "explain", target: "/?q=graph+kernels&explain=1", status: 200,
			want: []string{`class="explain"`, "keyword #1", "matched: graph, kernels"}},
		{name: "similar", target: "/?similar=p1&n=3", status: 200,
			want: []string{`class="source"`, `3 papers like this one`, `data-id="p2"`, `href="/api/search?format=bibtex&amp;n=3&amp;similar=p1"`},
			not:  []string{`data-id="p1"`}},
		{name: "similar-unknown", target: "/?similar=nope", status: 404, want: []string{`No paper &#34;nope&#34; in the index.`}},
		{name: "similar-no-vectors", target: "/?similar=p1", setup: noVectors, status: 503, want: []string{"Semantic search is off: the index has no vectors yet"}},
		{name: "partial", target: "/?q=graph&partial=1", status: 200,
			want: []string{`<div class="summary"`, `data-id="p1"`}, not: []string{"<html", `<form`}},
		{name: "partial-error", target: "/?n=0&partial=1", status: 400, want: []string{"from 1 to 100"}, not: []string{"<html"}},
		{name: "paper", target: "/paper/p1", status: 200,
			want: []string{`<article class="paper" data-id="p1">`, "Graph Neural Networks for Molecules", "Fast graph kernels.", "learning on graphs", "ICLR 2025 Oral",
				`<time datetime="2025-01-22">22 January 2025</time>`, "27 September 2024", `href="https://openreview.net/profile?id=~Ada_Lovelace1"`,
				`<pre id="bibtex">@inproceedings{`, `class="copy-bibtex"`, `<section id="similar"`, `data-id="p2"`}},
		{name: "paper-no-neighbours", target: "/paper/p2", setup: noVectors, status: 200, want: []string{"Semantic search is off"}, not: []string{`class="result"`}},
		{name: "paper-loading", target: "/paper/p3", setup: noSearcher, status: 200, want: []string{"Similar papers appear once the index has opened."}},
		{name: "paper-built-bibtex", target: "/paper/p4", status: 200, want: []string{"@misc{\nmuller2024a,"}},
		{name: "paper-unknown", target: "/paper/nope", status: 404, want: []string{"No paper &#34;nope&#34; in the index."}},
		{name: "not-found", target: "/nowhere", status: 404, want: []string{"There is no page at this address."}},
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
			body := w.Body.String()
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(body, s) {
					t.Errorf("page holds %q", s)
				}
			}
			golden(t, tt.name+".html", body)
		})
	}
}

// TestSearchRequest checks what the page asks the searcher for.
func TestSearchRequest(t *testing.T) {
	tests := []struct {
		name   string
		target string
		setup  func(*Server, *fakeSearcher)
		want   search.Request
	}{
		{"defaults", "/?q=graph", nil, search.Request{Text: "graph", Mode: search.ModeHybrid, Limit: 20}},
		{"semantic off runs keyword", "/?q=graph&mode=semantic", noVectors, search.Request{Text: "graph", Mode: search.ModeKeyword, Limit: 20}},
		{"hybrid while semantic is off", "/?q=graph", noVectors, search.Request{Text: "graph", Mode: search.ModeKeyword, Limit: 20}},
		{"every filter", "/?q=%20a%20&mode=Semantic&n=7&venue=ICLR&venue=TMLR&year=2024&status=oral&status=rejected&author=hinton%3B%20lecun&keyword=gnn&explain=on",
			nil, search.Request{Text: "a", Mode: search.ModeSemantic, Limit: 7, Explain: true, Filter: storeFilter(
				[]string{"ICLR", "TMLR"}, []int{2024}, []string{"oral", "rejected"}, []string{"hinton", "lecun"}, []string{"gnn"})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, x := newTestServer(t)
			if tt.setup != nil {
				tt.setup(s, x)
			}
			if w := get(s, tt.target); w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if len(x.reqs) != 1 {
				t.Fatalf("%d searches, want 1", len(x.reqs))
			}
			if diff := cmp.Diff(tt.want, x.reqs[0]); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func storeFilter(venues []string, years []int, statuses, authors, keywords []string) store.Filter {
	p := params{Venues: venues, Years: years, Statuses: statuses, Authors: authors, Keywords: keywords}
	return p.filter()
}
