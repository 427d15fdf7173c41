package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEscaping renders the hostile paper everywhere it shows and checks
// no field reaches the page unescaped.
func TestEscaping(t *testing.T) {
	s, _ := newTestServer(t)
	raw := []string{ // must never appear as they are
		"<script>alert", "</textarea>", "<img src=x", "<b>Mallory</b>", "javascript:alert", `"><script>`,
	}
	kept := []string{ // text that needs no escaping shows as it is
		"{{.}}", `$\frac{a}{b}$`, "مرحبا", "🎉",
	}
	for _, target := range []string{"/?q=script", "/?q=script&explain=1&partial=1", "/paper/xss", "/?similar=p1", "/paper/p1"} {
		t.Run(target, func(t *testing.T) {
			w := get(s, target)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			body := w.Body.String()
			if !strings.Contains(body, `data-id="xss"`) {
				t.Fatal("the hostile paper is not on the page")
			}
			for _, r := range raw {
				if strings.Contains(body, r) {
					t.Errorf("page holds %q unescaped", r)
				}
			}
			for _, k := range kept {
				if !strings.Contains(body, k) {
					t.Errorf("page lacks %q", k)
				}
			}
			if !strings.Contains(body, "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;&lt;/textarea&gt;") {
				t.Error("the title is not shown escaped")
			}
		})
	}
	t.Run("api", func(t *testing.T) {
		w := get(s, "/api/paper/xss")
		if bytes.Contains(w.Body.Bytes(), []byte("<")) {
			t.Errorf("JSON holds a raw <: %s", w.Body)
		}
		var got paperResponse
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.Paper.Title != payload {
			t.Errorf("title = %q, %v; want the payload back exactly", got.Paper.Title, err)
		}
	})
	t.Run("query", func(t *testing.T) {
		body := get(s, "/?q=%3C%2Ftextarea%3E%3Cscript%3Ex%3C%2Fscript%3E&mode=%3Cb%3E").Body.String()
		if strings.Contains(body, "<script>x") || strings.Contains(body, "<b>") {
			t.Error("the query or the error message reached the page unescaped")
		}
	})
}

func TestHeaders(t *testing.T) {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors 'self' https://huggingface.co https://*.hf.space"
	s, _ := newTestServer(t)
	custom, _ := newTestServer(t, func(c *Config) { c.FrameAncestors = []string{"https://example.org"} })
	tests := []struct {
		name, method, target string
		srv                  *Server
		status               int
		csp                  string
	}{
		{"page", "GET", "/?q=graph", s, 200, csp},
		{"head", "HEAD", "/", s, 200, csp},
		{"paper", "GET", "/paper/p1", s, 200, csp},
		{"api", "GET", "/api/search?q=graph", s, 200, csp},
		{"export", "GET", "/api/search?q=graph&format=csv", s, 200, csp},
		{"static", "GET", "/static/app.css", s, 200, csp},
		{"health", "GET", "/healthz", s, 200, csp},
		{"not found", "GET", "/nope", s, 404, csp},
		{"bad method", "POST", "/", s, 405, csp},
		{"frame ancestors", "GET", "/", custom, 200, strings.Replace(csp, "https://huggingface.co https://*.hf.space", "https://example.org", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tt.srv.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
			h := w.Header()
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			want := map[string]string{
				"Content-Security-Policy": tt.csp, "X-Content-Type-Options": "nosniff",
				"Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "", "Set-Cookie": "",
			}
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tt.method == "HEAD" && w.Body.Len() != 0 {
				t.Errorf("HEAD answered a body of %d bytes", w.Body.Len())
			}
		})
	}
}

// TestLimits sends bad input to the page and the API: each is refused
// with its status and one sentence saying what to change.
func TestLimits(t *testing.T) {
	long := strings.Repeat("é", 501)
	many := strings.Repeat("venue=v&", 21)
	tests := []struct {
		name, method, target string
		status               int
		msg                  string
	}{
		{"long q", "GET", "/?q=" + long, 400, "The query (q) is too long: 501 characters, at most 500."},
		{"long q api", "GET", "/api/search?q=" + long, 400, "The query (q) is too long: 501 characters, at most 500."},
		{"too many venues", "GET", "/?" + many, 400, "Too many venue filters: 21, at most 20."},
		{"too many authors", "GET", "/api/search?author=" + strings.Repeat("a%3B", 21), 400, "Too many author filters: 21, at most 20."},
		{"long filter", "GET", "/?keyword=" + strings.Repeat("k", 201), 400, "A keyword filter is too long: at most 200 characters."},
		{"bad mode", "GET", "/api/search?q=x&mode=fast", 400, `Unknown search mode "fast": choose hybrid, semantic or keyword.`},
		{"n zero", "GET", "/?q=x&n=0", 400, `The number of results (n) must be a whole number from 1 to 100, not "0".`},
		{"n over page max", "GET", "/?q=x&n=101", 400, `The number of results (n) must be a whole number from 1 to 100, not "101".`},
		{"n over api max", "GET", "/api/search?q=x&n=1001", 400, `The number of results (n) must be a whole number from 1 to 1000, not "1001".`},
		{"n not a number", "GET", "/api/search?q=x&n=ten", 400, `The number of results (n) must be a whole number from 1 to 1000, not "ten".`},
		{"bad year", "GET", "/api/search?year=last", 400, `A year must be a year such as 2025, not "last".`},
		{"bad status", "GET", "/api/search?status=famous", 400, `Unknown status "famous": choose accepted, oral, spotlight, poster, rejected, withdrawn, desk-rejected, under-review.`},
		{"bad explain", "GET", "/api/search?q=x&explain=maybe", 400, `explain must be 1 or 0, not "maybe".`},
		{"bad format", "GET", "/api/search?q=x&format=xml", 400, `Unknown export format "xml": choose csv, json or bibtex.`},
		{"q twice", "GET", "/api/search?q=a&q=b", 400, "Give q once, not 2 times."},
		{"raw semicolon", "GET", "/api/search?q=a;b", 400, "The query string is malformed: escape special characters such as % and ; (%25, %3B)."},
		{"nothing asked", "GET", "/api/search?q=+", 400, "Give search words (q), a filter (venue, year, status, author, keyword) or a paper (similar)."},
		{"query string too long", "GET", "/api/search?q=" + strings.Repeat("a", 4097), 414, "The query string is too long: keep it under 4 KB."},
		{"post page", "POST", "/", 405, "Only GET and HEAD requests are served."},
		{"put api", "PUT", "/api/search?q=x", 405, "Only GET and HEAD requests are served."},
		{"unknown paper", "GET", "/api/paper/nope", 404, `No paper "nope" in the index.`},
		{"unknown similar", "GET", "/api/similar/nope", 404, `No paper "nope" in the index.`},
		{"unknown api route", "GET", "/api/nope", 404, "There is no page at this address."},
	}
	s, x := newTestServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if tt.method != "GET" && w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", w.Header().Get("Allow"))
			}
			if strings.HasPrefix(tt.target, "/api/") {
				var got apiError
				if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
					t.Fatalf("body %q: %v", w.Body, err)
				}
				if got.Error != tt.msg {
					t.Errorf("error = %q, want %q", got.Error, tt.msg)
				}
				return
			}
			want := strings.NewReplacer(`"`, "&#34;").Replace(tt.msg)
			if !strings.Contains(w.Body.String(), want) {
				t.Errorf("page lacks %q:\n%s", want, w.Body)
			}
		})
	}
	if len(x.reqs) != 0 {
		t.Errorf("refused requests reached the searcher: %+v", x.reqs)
	}
}

func TestPanic(t *testing.T) {
	var logs bytes.Buffer
	s, x := newTestServer(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	x.panics = true
	for _, target := range []string{"/?q=graph", "/api/search?q=graph"} {
		w := get(s, target)
		if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "Something went wrong on the server") {
			t.Errorf("%s: %d %s", target, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), "fake searcher panics") {
			t.Errorf("%s: the panic reached the user", target)
		}
	}
	if !strings.Contains(logs.String(), "fake searcher panics") {
		t.Errorf("panic not logged:\n%s", logs.String())
	}
}

// TestInternalError checks a failing catalog shows a safe message and
// logs the cause.
func TestInternalError(t *testing.T) {
	var logs bytes.Buffer
	cat := newCatalog(testPapers)
	cat.err = errSecret
	s, _ := newTestServer(t, func(c *Config) {
		c.Catalog = cat
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for _, target := range []string{"/", "/paper/p1", "/api/venues", "/api/status", "/api/paper/p1"} {
		w := get(s, target)
		if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "secret") {
			t.Errorf("%s: %d %s", target, w.Code, w.Body)
		}
	}
	if !strings.Contains(logs.String(), "secret database path") {
		t.Errorf("cause not logged:\n%s", logs.String())
	}
}

var errSecret = &secretError{}

type secretError struct{}

func (*secretError) Error() string { return "secret database path /var/db" }
