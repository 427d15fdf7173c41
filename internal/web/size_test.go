package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// firstLoadBudget is the bound on the search page's first load:
// the page and every file it links to.
const firstLoadBudget = 100 << 10

var linked = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// firstLoad fetches target and every static file it links to, as a
// browser does (asking for gzip, or not), and returns the bytes that
// crossed the wire for each.
func firstLoad(t *testing.T, s *Server, target string, gz bool) (page int, assets map[string]int) {
	t.Helper()
	fetch := func(target string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if gz {
			r.Header.Set("Accept-Encoding", "gzip, deflate, br")
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", target, w.Code)
		}
		if enc := w.Header().Get("Content-Encoding"); enc == "gzip" && !gz {
			t.Errorf("%s: gzip answer to a client that did not ask for it", target)
		}
		return w
	}
	w := fetch(target)
	html := w.Body.Bytes()
	if gz {
		html = gunzip(t, html)
	}
	assets = map[string]int{}
	for _, m := range linked.FindAllStringSubmatch(string(html), -1) {
		assets[m[1]] = fetch(m[1]).Body.Len()
	}
	if len(assets) < 3 {
		t.Fatalf("page links %d static files, want the CSS, script and icon", len(assets))
	}
	return w.Body.Len(), assets
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// manyVenues is a catalog the size of a busy index: 80 venues with
// papers of every status.
func manyVenues() *fakeCatalog {
	var papers []paper.Paper
	for v := range 80 {
		for _, st := range paper.Statuses {
			papers = append(papers, paper.Paper{
				ID: fmt.Sprintf("v%dp%s", v, st), VenueID: fmt.Sprintf("Conf%d.cc/%d/Conference", v, 2015+v%11),
				Venue: fmt.Sprintf("Conf%d %d", v, 2015+v%11), Year: 2015 + v%11, Status: st,
			})
		}
	}
	return newCatalog(papers)
}

// longPapers are papers with abstracts, authors and keywords of the size
// OpenReview's largest have.
func longPapers(n int) []paper.Paper {
	out := make([]paper.Paper, n)
	for i := range out {
		p := testPapers[0]
		p.ID = fmt.Sprintf("long%02d", i)
		p.Title = "Graph " + strings.Repeat("neural networks for molecules ", 4)
		p.Abstract = strings.Repeat("We learn graph kernels in $\\mathcal{O}(n)$ time and show gains. ", 30) // ≈1.9 KB
		p.Authors = strings.Fields(strings.Repeat("Lovelace Turing Hopper Noether ", 3))
		p.Keywords = []string{"graph neural networks", "chemistry", "kernels", "scaling"}
		out[i] = p
	}
	return out
}

// TestFirstLoadSize measures the search page's first load: the home page
// must stay under the budget even uncompressed; a page of 20 long results
// must stay under it as browsers fetch it (gzip).
func TestFirstLoadSize(t *testing.T) {
	tests := []struct {
		name, target string
		papers       []paper.Paper
		gzip         bool
	}{
		{"home", "/", nil, false},
		{"home gzip", "/", nil, true},
		{"20 long results gzip", "/?q=graph&n=20", longPapers(20), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, x := newTestServer(t, func(c *Config) { c.Catalog = manyVenues() })
			if tt.papers != nil {
				x.papers = tt.papers
			}
			page, assets := firstLoad(t, s, tt.target, tt.gzip)
			total := page
			for _, n := range assets {
				total += n
			}
			t.Logf("%s (gzip %v): %d bytes in all: page %d, static %v", tt.target, tt.gzip, total, page, assets)
			if total > firstLoadBudget {
				t.Errorf("first load of %s is %d bytes, over the %d budget", tt.target, total, firstLoadBudget)
			}
		})
	}
}

// TestGzip checks compressed answers decompress to the plain ones.
func TestGzip(t *testing.T) {
	s, _ := newTestServer(t)
	for _, target := range []string{"/?q=graph", "/api/search?q=graph", "/api/openapi.json", "/static/app.js"} {
		plain := get(s, target)
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("Accept-Encoding", "gzip")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Content-Encoding %q, Vary %q", target, w.Header().Get("Content-Encoding"), w.Header().Get("Vary"))
			continue
		}
		if !bytes.Equal(gunzip(t, w.Body.Bytes()), plain.Body.Bytes()) {
			t.Errorf("%s: gzip body differs from the plain one", target)
		}
		if w.Body.Len() >= plain.Body.Len() {
			t.Errorf("%s: gzip %d bytes, plain %d", target, w.Body.Len(), plain.Body.Len())
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil)
	r.Header.Set("Accept-Encoding", "gzip;q=0, identity")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
}

// TestStaticCache checks hashed names are cached for a year and plain
// names revalidate with their ETag.
func TestStaticCache(t *testing.T) {
	s, _ := newTestServer(t)
	css, err := s.assets.url("app.css")
	if err != nil {
		t.Fatal(err)
	}
	if w := get(s, css); w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || w.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("%s: Cache-Control %q, Content-Type %q", css, w.Header().Get("Cache-Control"), w.Header().Get("Content-Type"))
	}
	w := get(s, "/static/app.css")
	if w.Header().Get("Cache-Control") != "no-cache" || w.Header().Get("ETag") == "" {
		t.Errorf("plain name: Cache-Control %q, ETag %q", w.Header().Get("Cache-Control"), w.Header().Get("ETag"))
	}
	r := httptest.NewRequest(http.MethodGet, "/static/app.css", nil)
	r.Header.Set("If-None-Match", w.Header().Get("ETag"))
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("revalidation = %d with %d bytes, want 304", w.Code, w.Body.Len())
	}
	if w := get(s, "/static/nope.js"); w.Code != http.StatusNotFound {
		t.Errorf("unknown file = %d", w.Code)
	}
}
