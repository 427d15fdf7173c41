package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
)

// patience bounds every wait of these tests, so a broken server fails the
// test instead of hanging it. It is not a speed requirement.
const patience = 2 * time.Minute

// serving is a serve command running in the background of a test.
type serving struct {
	t      *testing.T
	base   string // http://host:port
	cancel context.CancelFunc
	done   chan error
	stderr syncBuffer

	mu    sync.Mutex
	lines []string // standard output so far
}

// serve starts "serve --addr 127.0.0.1:0 args..." and returns once it
// says where it listens.
func (c *cli) serve(args ...string) *serving {
	c.t.Helper()
	ctx, cancel := context.WithCancel(c.t.Context())
	s := &serving{t: c.t, cancel: cancel, done: make(chan error, 1)}
	env := environ{getenv: func(k string) string { return c.env[k] }}
	pr, pw := io.Pipe()
	go func() {
		err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env, pw, &s.stderr)
		pw.Close()
		s.done <- err
	}()
	go s.read(pr)
	c.t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(patience):
			c.t.Error("serve did not stop after its context was cancelled")
		}
	})
	line := s.waitLine("listening on http://")
	s.base = "http://" + strings.TrimPrefix(line, "listening on http://")
	return s
}

func (s *serving) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		s.mu.Lock()
		s.lines = append(s.lines, sc.Text())
		s.mu.Unlock()
	}
}

// waitLine returns the first line of standard output that starts with
// prefix, waiting for it.
func (s *serving) waitLine(prefix string) string {
	s.t.Helper()
	var line string
	s.waitFor(fmt.Sprintf("a line starting %q", prefix), func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		i := slices.IndexFunc(s.lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
		if i >= 0 {
			line = s.lines[i]
		}
		return i >= 0
	})
	return line
}

func (s *serving) stdout() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "\n")
}

// get fetches path and returns the status and body.
func (s *serving) get(path string) (int, []byte) {
	s.t.Helper()
	resp, err := http.Get(s.base + path)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, body
}

// getJSON fetches path, wants 200, and decodes the body into v.
func (s *serving) getJSON(path string, v any) {
	s.t.Helper()
	code, body := s.get(path)
	if code != http.StatusOK {
		s.t.Fatalf("GET %s: status %d, want 200; body:\n%s", path, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		s.t.Fatalf("GET %s: %v; body:\n%s", path, err, body)
	}
}

// waitFor polls cond until it holds; it fails at once if serve ends.
func (s *serving) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		select {
		case err := <-s.done:
			s.done <- err
			s.t.Fatalf("serve ended (%v) before %s; stdout:\n%s\nstderr:\n%s", err, what, s.stdout(), s.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("gave up waiting for %s; stdout:\n%s\nstderr:\n%s", what, s.stdout(), s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop cancels serve's context and wants run to return nil and the port
// to close.
func (s *serving) stop() {
	s.t.Helper()
	s.cancel()
	defer func() { s.t.Logf("stdout:\n%s\nstderr:\n%s", s.stdout(), s.stderr.String()) }()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("serve returned %v after its context was cancelled, want nil", err)
		}
		s.done <- err // for the cleanup
	case <-time.After(patience):
		s.t.Fatal("serve did not return after its context was cancelled")
	}
	u, _ := url.Parse(s.base)
	if conn, err := net.Dial("tcp", u.Host); err == nil {
		conn.Close()
		s.t.Errorf("%s still accepts connections after serve returned", u.Host)
	}
}

// status is what the tests read of /api/status.
type status struct {
	Ready    bool `json:"ready"`
	Semantic struct {
		Available bool `json:"available"`
	} `json:"semantic"`
	Progress []progressEntry `json:"progress"`
}

type progressEntry struct {
	Phase   string `json:"phase"`
	Message string `json:"message"`
	Done    int    `json:"done"`
	Total   int    `json:"total"`
}

func (s *serving) status() status {
	s.t.Helper()
	var st status
	s.getJSON("/api/status", &st)
	return st
}

// crawling says whether /api/status shows a crawl; false while the index
// opens.
func (s *serving) crawling() bool {
	s.t.Helper()
	var st status
	code, body := s.get("/api/status")
	return code == http.StatusOK && json.Unmarshal(body, &st) == nil && slices.Contains(st.phases(), "crawl")
}

func (st status) phases() []string {
	var p []string
	for _, t := range st.Progress {
		p = append(p, t.Phase)
	}
	return p
}

// searchResponse is what the tests read of /api/search.
type searchResponse struct {
	Mode    string            `json:"mode"`
	Notice  string            `json:"notice"`
	Results []json.RawMessage `json:"results"`
}

// syncBuffer is a bytes.Buffer that serve's goroutines may write to while
// a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// holdNotes puts a proxy in front of the fake OpenReview's v2 host that
// holds every /notes request until release is called, so a test can look
// at the server while a crawl is under way.
func holdNotes(c *cli) (release func()) {
	c.t.Helper()
	target, err := url.Parse(c.srv.URL)
	if err != nil {
		c.t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	hold := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/notes") {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	c.t.Cleanup(srv.Close)
	c.t.Cleanup(release)
	c.env["OPENREVIEW_BASEURL"] = srv.URL
	return release
}

const graphQuery = "/api/search?q=graph+neural+networks&mode=hybrid"

func TestServeCrawlsAndEmbeds(t *testing.T) {
	c := newCLI(t)
	release := holdNotes(c)
	s := c.serve("--venue", "ICLR.cc/2025/Conference")
	if code, body := s.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz right after start: %d %s, want 200", code, body)
	}
	s.waitFor("/readyz to answer 200", func() bool { code, _ := s.get("/readyz"); return code == http.StatusOK })

	// The crawl is held: the page shows it, and keyword search works.
	s.waitFor("a crawl task in /api/status", s.crawling)
	if st := s.status(); !strings.Contains(st.Progress[slices.Index(st.phases(), "crawl")].Message, "ICLR.cc/2025/Conference") {
		t.Errorf("the crawl task does not name the venue: %+v", st.Progress)
	}
	var held searchResponse
	s.getJSON(graphQuery, &held)
	if held.Mode != "keyword" || held.Notice == "" {
		t.Errorf("search before any vector: mode %q, notice %q; want keyword, with a notice saying why", held.Mode, held.Notice)
	}
	release()

	s.waitLine("embedding: ")
	s.waitLine("ready: ")
	if st := s.status(); len(st.Progress) != 0 || !st.Ready || !st.Semantic.Available {
		t.Errorf("status once ready: %+v; want ready, semantic search available, no tasks", st)
	}
	var resp searchResponse
	s.getJSON(graphQuery, &resp)
	if resp.Mode != "hybrid" || resp.Notice != "" || len(resp.Results) == 0 {
		t.Errorf("search once embedded: mode %q, notice %q, %d results; want hybrid, no notice, results", resp.Mode, resp.Notice, len(resp.Results))
	}
	for _, want := range []string{"index open: 0 papers, 0 vectors", "loading model ", "crawling ICLR.cc/2025/Conference …", "semantic search on: "} {
		s.waitLine(want)
	}
	s.stop()
}

// Stopping in the middle of a crawl stops it too, and returns nil.
func TestServeStopsMidCrawl(t *testing.T) {
	c := newCLI(t)
	holdNotes(c)
	s := c.serve("--venue", "ICLR.cc/2025/Conference")
	s.waitFor("a crawl task in /api/status", s.crawling)
	s.stop()
	if strings.Contains(s.stdout(), "ready: ") {
		t.Errorf("serve finished its work although the crawl was held:\n%s", s.stdout())
	}
}

func TestServeExistingIndex(t *testing.T) {
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2024/Conference")
	s := c.serve()
	s.waitLine("ready: ")
	if code, body := s.get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s, want 200", code, body)
	}
	var resp searchResponse
	s.getJSON(graphQuery, &resp)
	if resp.Mode != "hybrid" || resp.Notice != "" || len(resp.Results) == 0 {
		t.Errorf("search: mode %q, notice %q, %d results; want hybrid, no notice, results", resp.Mode, resp.Notice, len(resp.Results))
	}
	if phases := s.status().phases(); len(phases) != 0 {
		t.Errorf("tasks shown with nothing to do: %v", phases)
	}
	if strings.Contains(s.stdout(), "crawling") || strings.Contains(s.stdout(), "embedding:") {
		t.Errorf("serve without --venue crawled or embedded:\n%s", s.stdout())
	}
	s.stop()
}

// A background task that fails is shown on the page and logged; the server
// keeps serving keyword search.
func TestServeBackgroundFailure(t *testing.T) {
	tests := []struct {
		name      string
		index     []string // arguments of the index run before serve
		env       map[string]string
		serve     []string
		phase     string
		want      string // in the failed task's message
		wantMode  string // of a hybrid search
		wantReady string // the start of the ready line
	}{
		{"unknown venue", []string{"--no-embed"}, nil, []string{"--venue", "Nope.cc/2030/Conference", "--no-embed"},
			"crawl", "not found", "keyword", "ready: 13 papers, 0 vectors, semantic search off"},
		{"model not in the cache", nil, map[string]string{"ORF_QUERY_ADAPTER": "allenai/specter2_adhoc_query"}, nil,
			"model", "downloads are off", "keyword", "ready: 13 papers, 13 vectors, semantic search off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			c.mustRun(append([]string{"index", "--venue", "ICLR.cc/2024/Conference"}, tt.index...)...)
			for k, v := range tt.env {
				c.env[k] = v
			}
			s := c.serve(tt.serve...)
			s.waitLine(tt.wantReady)
			st := s.status()
			if diff := cmp.Diff([]string{tt.phase}, st.phases()); diff != "" {
				t.Fatalf("tasks (-want +got):\n%s", diff)
			}
			if got := st.Progress[0]; !strings.Contains(got.Message, tt.want) || got.Done != got.Total {
				t.Errorf("failed task shown as %+v, want a finished task saying %q", got, tt.want)
			}
			if !strings.Contains(s.stderr.String(), tt.phase+" failed") {
				t.Errorf("the failure is not logged; stderr:\n%s", s.stderr.String())
			}
			var resp searchResponse
			s.getJSON("/api/search?q=learning", &resp)
			if resp.Mode != tt.wantMode || resp.Notice == "" || len(resp.Results) == 0 {
				t.Errorf("search after the failure: mode %q, notice %q, %d results; want %s results and a notice",
					resp.Mode, resp.Notice, len(resp.Results), tt.wantMode)
			}
			s.stop()
		})
	}
}

// serve downloads the model from the Hub into the cache when it is not
// there, and then searches by meaning.
func TestServeDownloadsModel(t *testing.T) {
	hub := hubtest.New(t,
		hubtest.Dir("allenai/specter2_base", filepath.Join(models, "tiny-bin")),
		hubtest.Dir("allenai/specter2", filepath.Join(models, "tiny-bin-adapter-proximity")),
		hubtest.Dir("allenai/specter2_adhoc_query", filepath.Join(models, "tiny-bin-adapter-query")),
	)
	c := newCLI(t)
	for _, k := range []string{"ORF_MODEL", "ORF_ADAPTER", "ORF_QUERY_ADAPTER", "HF_HUB_OFFLINE"} {
		delete(c.env, k) // the defaults: SPECTER2's Hub repos
	}
	c.env["HF_ENDPOINT"] = hub.URL()
	c.env["HF_HUB_CACHE"] = filepath.Join(t.TempDir(), "hub")
	s := c.serve("--venue", "ICLR.cc/2024/Conference")
	s.waitLine("downloaded allenai/specter2_base/")
	s.waitLine("downloaded allenai/specter2_adhoc_query/")
	s.waitLine("ready: ")
	var resp searchResponse
	s.getJSON(graphQuery, &resp)
	if resp.Mode != "hybrid" || resp.Notice != "" || len(resp.Results) == 0 {
		t.Errorf("search: mode %q, notice %q, %d results; want hybrid, no notice, results", resp.Mode, resp.Notice, len(resp.Results))
	}
	s.stop()
}

func TestServeBadInput(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error message
		code int
	}{
		{"bad index repo", []string{"--index-repo", "just-a-name"}, nil, "is not USER/DATASET", 2},
		{"port in use", []string{"--addr", busy.Addr().String()}, nil, "listen on " + busy.Addr().String(), 1},
		{"bad status", []string{"--status", "some"}, nil, "--status must be", 2},
		{"no searches", []string{"--max-searches", "0"}, nil, "--max-searches must be", 2},
		{"bad env number", nil, map[string]string{"ORF_MAX_SEARCHES": "many"}, "ORF_MAX_SEARCHES", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			for k, v := range tt.env {
				c.env[k] = v
			}
			_, _, err := c.run(append([]string{"serve"}, tt.args...)...)
			if err == nil {
				t.Fatal("no error")
			}
			msg := message(err)
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line mentioning %q", msg, tt.want)
			}
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit code %d, want %d", got, tt.code)
			}
		})
	}
}

// web is serve under another name.
func TestWebAlias(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), []string{"web", "-h"}, environ{getenv: func(string) string { return "" }}, &out, &out)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "-max-searches") {
		t.Errorf("web -h: err %v, output:\n%s\nwant serve's flags", err, out.String())
	}
}

// Until the index is open, the gate answers /healthz and nothing else.
func TestGate(t *testing.T) {
	var g gate
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	tests := []struct {
		path   string
		set    bool
		status int
	}{
		{"/healthz", false, http.StatusOK},
		{"/readyz", false, http.StatusServiceUnavailable},
		{"/api/search?q=x", false, http.StatusServiceUnavailable},
		{"/healthz", true, http.StatusTeapot},
		{"/readyz", true, http.StatusTeapot},
	}
	for _, tt := range tests {
		if tt.set {
			g.set(inner)
		}
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("GET %s (handler set: %v): status %d, want %d", tt.path, tt.set, rec.Code, tt.status)
		}
	}
}

func TestIntFlagFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		args    []string
		want    int
		wantErr bool
	}{
		{"default", "", nil, 2, false},
		{"from env", "5", nil, 5, false},
		{"flag wins", "5", []string{"--max-searches", "3"}, 3, false},
		{"bad env", "many", nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n int
			fs := newFlagSet("t", func(k string) string { return map[string]string{"ORF_MAX_SEARCHES": tt.env}[k] }, io.Discard)
			fs.intVar(&n, "max-searches", "ORF_MAX_SEARCHES", 2, "")
			_, err := fs.parse(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error: %v", err, tt.wantErr)
			}
			if !tt.wantErr && n != tt.want {
				t.Errorf("got %d, want %d", n, tt.want)
			}
		})
	}
}
