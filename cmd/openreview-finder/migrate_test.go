package main

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/openreview-finder/openreview-finder/internal/chroma/chromatest"
)

// chromaURL starts a real Chroma server (skipping without ORF_CHROMA_DIR)
// and returns its chroma:// address.
func chromaURL(t *testing.T) (*chromatest.Server, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Chroma server and embeds a venue")
	}
	srv := chromatest.Start(t)
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return srv, "chroma://" + u.Host
}

// migrated matches migrate's summary line, capturing papers written and
// papers already there.
var migrated = regexp.MustCompile(`^Migrated the index at \S+ (?:\(collection orf-papers-\S+\) )?to \S+(?: \(collection orf-papers-\S+\))?: (\d+) papers and \d+ vectors written, (\d+) papers already there, in \S+, [0-9.]+ papers/s\.\n$`)

// sent returns the counts of migrate's summary line.
func sent(t *testing.T, out string) (string, string) {
	t.Helper()
	m := migrated.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("migrate output %q does not match %s", out, migrated)
	}
	return m[1], m[2]
}

// TestMigrateToChroma publishes an index in Chroma, searches it there in
// every mode with filters, migrates again (nothing to send) and copies it
// back into a fresh data directory, whose searches equal the original's.
func TestMigrateToChroma(t *testing.T) {
	_, store := chromaURL(t)
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2025/Conference", "--status", "all")
	if got, there := sent(t, c.mustRun("migrate", "--to", store)); got != "1200" || there != "0" {
		t.Errorf("first migration sent %s papers, found %s there; want 1200 and 0", got, there)
	}
	if got, there := sent(t, c.mustRun("migrate", "--to", store)); got != "0" || there != "1200" {
		t.Errorf("second migration sent %s papers, found %s there; want 0 and 1200", got, there)
	}

	// Searches over Chroma run from a machine with no local index.
	far := newCLI(t)
	far.env["ORF_DATA_DIR"] = filepath.Join(t.TempDir(), "none")
	for _, mode := range []string{"keyword", "semantic", "hybrid"} {
		res := far.results("search", "graph neural networks", "-n", "20", "--mode", mode, "--store", store)
		if len(res) != 20 {
			t.Errorf("--mode %s --store chroma: %d results, want 20", mode, len(res))
		}
		for _, r := range far.results("search", "learning", "-n", "50", "--mode", mode, "--status", "rejected", "--store", store) {
			if r.Status != "rejected" {
				t.Errorf("--mode %s --status rejected --store chroma returned a %s paper (%s)", mode, r.Status, r.ID)
			}
		}
		if res := far.results("search", "learning", "--mode", mode, "--year", "1999", "--store", store); len(res) != 0 {
			t.Errorf("--mode %s --year 1999 --store chroma returned %d papers", mode, len(res))
		}
	}
	far.env["ORF_STORE"] = store
	checkNearest(t, "semantic search", c.results("search", "graph neural networks", "-n", "100", "--mode", "semantic"),
		far.results("search", "graph neural networks", "-n", "10", "--mode", "semantic"), 10)
	p := c.results("search", "graph neural networks", "-n", "1", "--mode", "keyword")[0]
	similar := far.results("similar", p.ID, "-n", "5")
	if len(similar) != 5 || slices.Contains(ids(similar), p.ID) {
		t.Errorf("similar %s --store chroma: %v; want 5 papers without the paper itself", p.ID, ids(similar))
	}
	checkNearest(t, "similar", c.results("similar", p.ID, "-n", "100"), similar, 5)
	if fileExists(far.env["ORF_DATA_DIR"]) {
		t.Errorf("searching Chroma created the data directory %s", far.env["ORF_DATA_DIR"])
	}

	// Back into a fresh data directory: the same papers, counts and
	// vectors, so the same searches (up to the order of equal scores,
	// which follows the order papers were written in).
	back := newCLI(t)
	back.env["ORF_DATA_DIR"] = filepath.Join(t.TempDir(), "copy")
	if got, there := sent(t, back.mustRun("migrate", "--from", store)); got != "1200" || there != "0" {
		t.Errorf("migrate --from wrote %s papers, found %s there; want 1200 and 0", got, there)
	}
	if got, there := sent(t, back.mustRun("migrate", "--from", store)); got != "0" || there != "1200" {
		t.Errorf("a second migrate --from wrote %s papers, found %s there; want 0 and 1200", got, there)
	}
	_, want, _ := strings.Cut(c.mustRun("status"), "\n")
	if _, got, _ := strings.Cut(back.mustRun("status"), "\n"); got != want {
		t.Errorf("status after a round trip through Chroma:\n%s\nwant:\n%s", got, want)
	}
	for _, mode := range []string{"keyword", "semantic"} {
		args := []string{"search", "graph neural networks", "-n", "20", "--mode", mode}
		if diff := gocmp.Diff(untied(c.results(args...)), untied(back.results(args...)), cmpopts.EquateApprox(0, 1e-4)); diff != "" {
			t.Errorf("--mode %s after a round trip through Chroma (-original +copy):\n%s", mode, diff)
		}
	}
	// Hybrid scores come from ranks, so a tie in the keyword leg that
	// resolves the other way moves a paper a little: most stay.
	args := []string{"search", "graph neural networks", "-n", "20"}
	orig, copied := ids(c.results(args...)), ids(back.results(args...))
	if shared := len(slices.DeleteFunc(slices.Clone(copied), func(id string) bool { return !slices.Contains(orig, id) })); shared < 18 {
		t.Errorf("hybrid search after a round trip through Chroma shares %d of 20 results: %v, want about %v", shared, copied, orig)
	}
}

// checkNearest checks k results of a vector search against the exact
// ranking (deeper than k): each result's score is its exact similarity,
// best first, and most of the exact top k are found. Chroma's HNSW index is
// approximate, and the tiny test model packs its vectors tightly (the top
// 10 within 0.02 of each other): runs found 7 to 10 of the top 10.
func checkNearest(t *testing.T, what string, exact, got []jsonResult, k int) {
	t.Helper()
	if len(got) != k {
		t.Fatalf("%s over Chroma: %d results, want %d", what, len(got), k)
	}
	score := map[string]float64{}
	for _, r := range exact {
		score[r.ID] = r.Score
	}
	found := 0
	for i, r := range got {
		if s, ok := score[r.ID]; !ok || math.Abs(s-r.Score) > 1e-3 {
			t.Errorf("%s over Chroma: result %d (%s) has score %v, exact similarity %v (known: %v)", what, i+1, r.ID, r.Score, s, ok)
		}
		if i > 0 && r.Score > got[i-1].Score+1e-6 {
			t.Errorf("%s over Chroma: scores out of order: %v then %v", what, got[i-1].Score, r.Score)
		}
		if slices.Contains(ids(exact[:k]), r.ID) {
			found++
		}
	}
	if 2*found < k {
		t.Errorf("%s over Chroma found %d of the exact top %d: %v, want %v", what, found, k, ids(got), ids(exact[:k]))
	}
}

// untied puts results of equal scores in id order and drops those tied
// with the last, which the limit may have cut either way.
func untied(res []jsonResult) []jsonResult {
	out := slices.Clone(res)
	slices.SortStableFunc(out, func(a, b jsonResult) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(a.ID, b.ID))
	})
	if n := len(out); n > 0 {
		last := out[n-1].Score
		out = slices.DeleteFunc(out, func(r jsonResult) bool { return r.Score == last })
	}
	return out
}

// TestServeChroma: serve --store chroma:// answers searches from Chroma
// with no local index.
func TestServeChroma(t *testing.T) {
	_, store := chromaURL(t)
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2024/Conference", "--status", "all")
	c.mustRun("migrate", "--to", store)
	local, _, _ := strings.Cut(c.mustRun("status"), "\n")
	c.env["ORF_DATA_DIR"] = filepath.Join(t.TempDir(), "never-created")
	s := c.serve("--store", store)
	s.waitLine("ready: ")
	var resp searchResponse
	s.getJSON(graphQuery, &resp)
	if resp.Mode != "hybrid" || resp.Notice != "" || len(resp.Results) == 0 {
		t.Errorf("search: mode %q, notice %q, %d results; want hybrid, no notice, results", resp.Mode, resp.Notice, len(resp.Results))
	}
	var page struct {
		Results []jsonResult `json:"results"`
	}
	s.getJSON("/api/search?q=learning&mode=semantic&status=rejected&n=50", &page)
	if len(page.Results) == 0 {
		t.Error("status=rejected found nothing; the test needs rejected papers")
	}
	for _, r := range page.Results {
		if r.Status != "rejected" {
			t.Errorf("status=rejected returned a %s paper (%s)", r.Status, r.ID)
		}
	}
	// The page's counts are Chroma's, as the local index has them.
	var venues struct{ Papers int }
	s.getJSON("/api/venues", &venues)
	if want := regexp.MustCompile(`: (\d+) papers`).FindStringSubmatch(local); want == nil || fmt.Sprint(venues.Papers) != want[1] {
		t.Errorf("/api/venues counts %d papers; the local index: %q", venues.Papers, local)
	}
	if phases := s.status().phases(); len(phases) != 0 {
		t.Errorf("tasks over Chroma: %v, want none", phases)
	}
	s.stop()
	if fileExists(c.env["ORF_DATA_DIR"]) {
		t.Errorf("serve --store chroma created the data directory %s", c.env["ORF_DATA_DIR"])
	}
}

// TestChromaBadInput: mistakes and an unreachable server give one line
// saying what to do, and the token never shows.
func TestChromaBadInput(t *testing.T) {
	const token = "sekrit-token-value"
	down := "chroma://127.0.0.1:1"
	tests := []struct {
		name    string
		noEmbed bool // the index has no vectors
		args    []string
		want    string
		code    int
	}{
		{"bad store", false, []string{"search", "x", "--store", "mongodb://h:1"}, "--store must be sqlite or a Chroma server", 2},
		{"store with credentials", false, []string{"search", "x", "--store", "chroma://u:" + token + "@h:1"}, "must not carry credentials", 2},
		{"migrate nowhere", false, []string{"migrate"}, "exactly one of --to", 2},
		{"migrate both ways", false, []string{"migrate", "--to", down, "--from", down}, "exactly one of --to", 2},
		{"migrate bad URL", false, []string{"migrate", "--to", "ftp://h"}, "chroma://HOST:PORT", 2},
		{"migrate without vectors", true, []string{"migrate", "--to", down}, "no vectors to publish", 1},
		{"serve crawls into chroma", false, []string{"serve", "--store", down, "--venue", "ICLR.cc/2024/Conference"}, "then migrate --to", 2},
		{"search, chroma down", false, []string{"search", "graph", "--store", down}, "not answering", 1},
		{"similar, chroma down", false, []string{"similar", "X", "--store", down}, "not answering", 1},
		{"migrate, chroma down", false, []string{"migrate", "--to", down}, "not answering", 1},
		{"serve, chroma down", false, []string{"serve", "--addr", "127.0.0.1:0", "--store", down}, "not answering", 1},
	}
	c := newCLI(t)
	c.env["CHROMA_TOKEN"] = token
	c.mustRun("index", "--venue", "ICLR.cc/2024/Conference")
	bare := newCLI(t)
	bare.env["CHROMA_TOKEN"] = token
	bare.mustRun("index", "--venue", "ICLR.cc/2024/Conference", "--no-embed")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := c.run
			if tt.noEmbed {
				run = bare.run
			}
			_, stderr, err := run(tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			msg := message(err)
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line mentioning %q", msg, tt.want)
			}
			if strings.Contains(msg+stderr, token) {
				t.Errorf("the token shows in the error or on standard error: %q", msg+stderr)
			}
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit code %d, want %d", got, tt.code)
			}
		})
	}
}

// TestStoreFlag reads --store and ORF_STORE.
func TestStoreFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{"", false, false}, {"sqlite", false, false}, {" SQLite ", false, false},
		{"chroma://localhost:8000", true, false}, {"chromas://db.example.org/t/d", true, false},
		{"http://127.0.0.1:8000", true, false}, {"https://db.example.org", true, false},
		{"postgres://h", false, true}, {"chroma://", false, true}, {"chroma://h/only-tenant", false, true},
	}
	for _, tt := range tests {
		s := storeFlag{url: tt.in}
		got, err := s.chroma()
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("--store %q: chroma %v, error %v; want %v, error: %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && exitCode(err) != 2 {
			t.Errorf("--store %q: exit code %d, want 2", tt.in, exitCode(err))
		}
	}
	var s storeFlag
	fs := newFlagSet("t", func(k string) string { return map[string]string{"ORF_STORE": "chroma://h:1"}[k] }, nil)
	s.register(fs)
	if _, err := fs.parse(nil); err != nil || s.url != "chroma://h:1" {
		t.Errorf("ORF_STORE: --store %q, error %v; want chroma://h:1", s.url, err)
	}
}
