package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/crawl"
	"github.com/openreview-finder/openreview-finder/internal/openreview/openreviewtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// cli runs the program in-process against a fake OpenReview and a temporary
// data directory.
type cli struct {
	t    *testing.T
	srv  *openreviewtest.Server
	data string
	env  map[string]string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	srv := openreviewtest.NewTB(t, openreviewtest.Options{Seed: 42, Scale: 1200})
	c := &cli{t: t, srv: srv, data: filepath.Join(t.TempDir(), "data")}
	c.env = map[string]string{
		"OPENREVIEW_BASEURL":    srv.URL,
		"OPENREVIEW_V1_BASEURL": srv.V1URL,
		"OPENREVIEW_USERNAME":   "test@example.org",
		"OPENREVIEW_PASSWORD":   "secret",
		"ORF_DATA_DIR":          c.data,
		"ORF_REQUEST_INTERVAL":  "0s",
		// The tiny SPECTER2 stand-in: no Hub access in tests.
		"ORF_MODEL":         absPath(t, filepath.Join(models, "tiny-bin")),
		"ORF_ADAPTER":       absPath(t, filepath.Join(models, "tiny-bin-adapter-proximity")),
		"ORF_QUERY_ADAPTER": absPath(t, filepath.Join(models, "tiny-bin-adapter-query")),
		"HF_HUB_OFFLINE":    "1",
		"HF_HOME":           filepath.Join(t.TempDir(), "hf"),
	}
	return c
}

func absPath(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// run returns stdout, stderr and the error of one command line.
func (c *cli) run(args ...string) (string, string, error) {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	env := environ{getenv: func(k string) string { return c.env[k] }}
	err := run(c.t.Context(), args, env, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("%v: %v\nstderr:\n%s", args, err, errOut)
	}
	return out
}

// golden compares got with testdata/name, after replacing the temporary
// data directory with $DATA.
func (c *cli) golden(name, got string) {
	c.t.Helper()
	got = strings.ReplaceAll(got, c.data, "$DATA")
	got = strings.ReplaceAll(got, absPath(c.t, models), "$MODELS")
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			c.t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		c.t.Errorf("%s differs (-want +got):\n%s", name, diff)
	}
}

func TestIndexThenSearch(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("index", "--venue", "ICLR.cc/2025/Conference", "--venue", "ICLR.cc/2020/Conference", "--status", "all")
	// Timings vary; keep the stable part of each line.
	var stable []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		line, _, _ = strings.Cut(line, " in ")
		stable = append(stable, line)
	}
	c.golden("index.txt", strings.Join(stable, "\n")+"\n")
	// The file size depends on when SQLite checkpoints its WAL: check the
	// summary line's shape, and the table exactly.
	head, table, _ := strings.Cut(c.mustRun("status"), "\n")
	if !regexp.MustCompile(`^Index \S+index\.sqlite: 1260 papers, [0-9.]+ MB \([0-9.]+ KB per paper\)$`).MatchString(head) {
		t.Errorf("status summary line = %q", head)
	}
	c.golden("status.txt", table)

	for _, format := range []string{"table", "json", "csv", "bibtex"} {
		out := c.mustRun("search", "graph neural networks", "-n", "5", "--venue", "ICLR", "--year", "2025", "--status", "accepted", "--mode", "keyword", "--format", format)
		c.golden("search."+format, out)
	}
}

func TestSearchJSONFieldsAndFilters(t *testing.T) {
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2025/Conference", "--status", "all")
	for _, status := range []string{"oral", "rejected", "withdrawn", "desk-rejected"} {
		out := c.mustRun("search", "learning", "-n", "50", "--status", status, "--format", "json")
		var res []map[string]any
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("--status %s: output is not JSON: %v", status, err)
		}
		if len(res) == 0 {
			t.Fatalf("--status %s: no results", status)
		}
		for _, r := range res {
			for _, k := range []string{"id", "title", "authors", "abstract", "keywords", "venue", "venue_id", "year", "status", "score", "forum_url", "pdf_url"} {
				if _, ok := r[k]; !ok {
					t.Errorf("result lacks %q: %v", k, r)
				}
			}
			got := r["status"].(string)
			if status == "oral" {
				got, _ = r["presentation"].(string)
			}
			if got != status {
				t.Errorf("--status %s returned a %s paper", status, got)
			}
		}
	}
	// A filter that matches nothing returns nothing, never unfiltered results.
	out := c.mustRun("search", "learning", "--venue", "NeurIPS", "--format", "json")
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("a venue not in the index gave results: %s", out)
	}
}

func TestSearchOutputFile(t *testing.T) {
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2025/Conference")
	path := filepath.Join(t.TempDir(), "results.csv")
	_, stderr, err := c.run("search", "learning", "-n", "3", "--output", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "3 results written") {
		t.Errorf("stderr = %q, want a note of what was written", stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v", err)
	}
	if len(recs) != 4 || recs[0][0] != "rank" {
		t.Errorf("got %d CSV records starting %v, want a header and 3 rows", len(recs), recs[0])
	}
}

func TestBadInput(t *testing.T) {
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2024/Conference")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error message
		code int
	}{
		{"no command", nil, nil, "no command", 2},
		{"unknown command", []string{"serch"}, nil, "unknown command", 2},
		{"index without venue", []string{"index", "--data-dir", filepath.Join(t.TempDir(), "new")}, nil, "at least one venue", 2},
		{"bad status", []string{"index", "--venue", "X", "--status", "some"}, nil, "--status must be", 2},
		{"no credentials", []string{"index", "--venue", "ICLR.cc/2024/Conference"},
			map[string]string{"OPENREVIEW_USERNAME": "", "OPENREVIEW_PASSWORD": ""}, "OPENREVIEW_TOKEN", 1},
		{"wrong password", []string{"index", "--venue", "ICLR.cc/2024/Conference"},
			map[string]string{"OPENREVIEW_PASSWORD": "Wr0ngPassw0rd"}, "Invalid username or password", 1},
		{"unknown venue", []string{"index", "--venue", "Nope.cc/2030/Conference"}, nil, "not found", 1},
		{"bad interval", []string{"index", "--venue", "X"}, map[string]string{"ORF_REQUEST_INTERVAL": "soon"}, "ORF_REQUEST_INTERVAL", 2},
		{"empty search", []string{"search"}, nil, "needs a query", 2},
		{"punctuation only", []string{"search", "?!*"}, nil, "no searchable words", 1},
		{"bad year", []string{"search", "x", "--year", "twenty"}, nil, "--year must be", 2},
		{"bad status filter", []string{"search", "x", "--status", "famous"}, nil, "unknown status", 2},
		{"bad format", []string{"search", "x", "--format", "xml"}, nil, "--format must be", 2},
		{"bad n", []string{"search", "x", "-n", "0"}, nil, "-n must be", 2},
		{"no index", []string{"search", "x", "--data-dir", filepath.Join(t.TempDir(), "none")}, nil, "no index at", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := c.env
			c.env = map[string]string{}
			for k, v := range saved {
				c.env[k] = v
			}
			for k, v := range tt.env {
				c.env[k] = v
			}
			defer func() { c.env = saved }()
			_, _, err := c.run(tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			msg := message(err)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not mention %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			if strings.Contains(msg, "secret") || strings.Contains(msg, "Wr0ngPassw0rd") {
				t.Errorf("error shows a password: %q", msg)
			}
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit code %d, want %d", got, tt.code)
			}
		})
	}
	// Nothing stored was lost by any of that.
	out := c.mustRun("search", "learning", "--format", "json", "-n", "1000")
	var res []map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) == 0 {
		t.Errorf("index unusable after bad input: %v, %d results", err, len(res))
	}
}

func TestQueriesNeverCrash(t *testing.T) {
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2024/Conference")
	queries := []string{
		`"unbalanced quote`, `AND OR NOT`, `title:foo`, `a*`, `^start`, `NEAR(a b)`, `"" ""`, `-x`, `'; DROP TABLE papers; --`,
		strings.Repeat("transformer attention ", 500), "日本語の論文", "Müller ≤ ∑ 🤖", "\x00\x01", "(((", `\`,
	}
	for _, q := range queries {
		_, _, err := c.run("search", q, "--format", "json")
		if err != nil {
			msg := message(err)
			if strings.Contains(strings.ToLower(msg), "sql") || strings.Contains(msg, "fts5") || strings.Contains(msg, "\n") {
				t.Errorf("query %.40q: error leaks internals or spans lines: %q", q, msg)
			}
		}
	}
}

func TestEnvFlags(t *testing.T) {
	env := map[string]string{"ORF_DATA_DIR": "/tmp/x", "ORF_VENUES": "A, B", "ORF_REQUEST_INTERVAL": "250ms"}
	tests := []struct {
		name    string
		args    []string
		dataDir string
		venues  []string
		pos     []string
	}{
		{"env defaults", nil, "/tmp/x", []string{"A", "B"}, nil},
		{"flag wins", []string{"--data-dir", "/d", "--venue", "C"}, "/d", []string{"C"}, nil},
		{"interspersed", []string{"q1", "--venue", "C", "q2", "--venue", "D"}, "/tmp/x", []string{"C", "D"}, []string{"q1", "q2"}},
		{"double dash", []string{"--", "--venue", "x"}, "/tmp/x", []string{"A", "B"}, []string{"--venue", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg config
			var venues []string
			fs := newFlagSet("t", func(k string) string { return env[k] }, &bytes.Buffer{})
			cfg.dataFlags(fs)
			cfg.openReviewFlags(fs)
			fs.listVar(&venues, "venue", "ORF_VENUES", "")
			pos, err := fs.parse(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DataDir != tt.dataDir {
				t.Errorf("data dir %q, want %q", cfg.DataDir, tt.dataDir)
			}
			if diff := cmp.Diff(tt.venues, venues); diff != "" {
				t.Errorf("venues (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.pos, pos); diff != "" {
				t.Errorf("positional (-want +got):\n%s", diff)
			}
			if cfg.RequestInterval.String() != "250ms" {
				t.Errorf("request interval %v, want 250ms from the environment", cfg.RequestInterval)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, environ{getenv: func(string) string { return "" }}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, c := range commands() {
		if !strings.Contains(out.String(), c.name) {
			t.Errorf("help does not mention %s", c.name)
		}
	}
	err := run(context.Background(), []string{"search", "-h"}, environ{getenv: func(string) string { return "" }}, &out, &out)
	if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 {
		t.Errorf("search -h: err %v, exit %d; want flag.ErrHelp and 0", err, exitCode(err))
	}
}

func TestVenues(t *testing.T) {
	c := newCLI(t)
	c.golden("venues.txt", c.mustRun("venues", "--match", "iclr"))
	out := c.mustRun("venues", "--match", "ICLR", "--limit", "1")
	if !strings.Contains(out, "venues match; the API version of the first 1 was looked up") {
		t.Errorf("no hint about the limit in:\n%s", out)
	}
	if out := c.mustRun("venues", "--match", "no-such-venue"); !strings.Contains(out, "No venue id contains") {
		t.Errorf("unexpected output for no match:\n%s", out)
	}
}

func TestProgressLine(t *testing.T) {
	pr := crawl.Progress{Venue: "ICLR 2025", Listing: "all", Phase: "full", Pages: 2, Papers: 2000, Resumed: 1000, Total: 5000}
	got := progressLine(pr, 500, 6*time.Second)
	want := "ICLR 2025 [all, full] page 2: 2000 of 5000 papers, 500 papers/s, ETA 6s"
	if got != want {
		t.Errorf("progressLine = %q, want %q", got, want)
	}
	pr.Started = time.Now().Add(-2 * time.Second)
	rate, eta := speed(pr)
	// 1000 papers of this run in about 2 s; 3000 left.
	if rate < 400 || rate > 510 || eta < 5*time.Second || eta > 8*time.Second {
		t.Errorf("speed = %.0f papers/s, ETA %v; want about 500/s and 6s", rate, eta)
	}
	var buf bytes.Buffer
	p := &progress{w: &buf, tty: true}
	p.update(pr)
	p.finish()
	if !strings.HasPrefix(buf.String(), "\r\x1b[K") || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("terminal progress output %q lacks the line rewrite or the final newline", buf.String())
	}
}
