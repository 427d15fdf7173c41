package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// jsonResult is the part of search's JSON output these tests read.
type jsonResult struct {
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Venue    string  `json:"venue"`
	Year     int     `json:"year"`
	Status   string  `json:"status"`
	Score    float64 `json:"score"`
	ForumURL string  `json:"forum_url"`
	Explain  *struct {
		KeywordRank  int      `json:"keyword_rank"`
		SemanticRank int      `json:"semantic_rank"`
		Similarity   float64  `json:"similarity"`
		Matched      []string `json:"matched_terms"`
	} `json:"explain"`
}

func (c *cli) results(args ...string) []jsonResult {
	c.t.Helper()
	out := c.mustRun(append(args, "--format", "json")...)
	var res []jsonResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		c.t.Fatalf("%v: output is not JSON: %v\n%s", args, err, out)
	}
	return res
}

func ids(res []jsonResult) []string {
	var out []string
	for _, r := range res {
		out = append(out, r.ID)
	}
	return out
}

func TestIndexEmbedsThenEveryMode(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("index", "--venue", "ICLR.cc/2025/Conference", "--status", "all")
	if !strings.Contains(out, "Embedded 1200 papers (0 unchanged)") {
		t.Fatalf("index output does not report 1200 papers embedded:\n%s", out)
	}
	if out := c.mustRun("index", "--venue", "ICLR.cc/2025/Conference"); !strings.Contains(out, "Every paper already has its vector.") {
		t.Errorf("a second index run embedded again:\n%s", out)
	}
	if out := c.mustRun("status"); !strings.Contains(out, "Vectors: 1200 of 1200 papers, made with") {
		t.Errorf("status does not report the vectors:\n%s", out)
	}

	keyword := c.results("search", "graph neural networks", "-n", "20", "--mode", "keyword")
	semantic := c.results("search", "graph neural networks", "-n", "20", "--mode", "semantic")
	hybrid := c.results("search", "graph neural networks", "-n", "20")
	for name, res := range map[string][]jsonResult{"keyword": keyword, "semantic": semantic, "hybrid": hybrid} {
		if len(res) != 20 {
			t.Errorf("%s: %d results, want 20", name, len(res))
		}
	}
	// Hybrid draws from both legs: each of its results is in one of them
	// (each leg goes 100 deep, so compare with deeper lists).
	deepK := ids(c.results("search", "graph neural networks", "-n", "100", "--mode", "keyword"))
	deepS := ids(c.results("search", "graph neural networks", "-n", "100", "--mode", "semantic"))
	for _, r := range hybrid {
		if !slices.Contains(deepK, r.ID) && !slices.Contains(deepS, r.ID) {
			t.Errorf("hybrid result %s is in neither leg's top 100", r.ID)
		}
	}
	// Semantic scores are cosines, best first.
	for i := 1; i < len(semantic); i++ {
		if semantic[i].Score > semantic[i-1].Score || semantic[i].Score > 1.0001 {
			t.Errorf("semantic scores out of order or above 1: %v then %v", semantic[i-1].Score, semantic[i].Score)
		}
	}

	// Pasting a paper's exact title finds it at the top in hybrid mode.
	title := keyword[7].Title
	top := c.results("search", title, "-n", "3")
	if !slices.Contains(ids(top), keyword[7].ID) {
		t.Errorf("hybrid search for the exact title %q: top 3 %v lack %s", title, ids(top), keyword[7].ID)
	}

	// --explain tells both ranks, the similarity and the matched words.
	ex := c.results("search", "graph neural networks", "-n", "5", "--explain")
	for _, r := range ex {
		if r.Explain == nil {
			t.Fatalf("--explain result %s has no explanation", r.ID)
		}
		if r.Explain.KeywordRank == 0 && r.Explain.SemanticRank == 0 {
			t.Errorf("%s: explained with neither a keyword nor a semantic rank", r.ID)
		}
		if r.Explain.KeywordRank > 0 && len(r.Explain.Matched) == 0 {
			t.Errorf("%s: keyword rank %d but no matched terms", r.ID, r.Explain.KeywordRank)
		}
	}
	table := c.mustRun("search", "graph neural networks", "-n", "3", "--explain")
	if !strings.Contains(table, "KW#") || !strings.Contains(table, "MATCHED") {
		t.Errorf("--explain table lacks its columns:\n%s", table)
	}

	// Filters are exact in every mode.
	for _, mode := range []string{"keyword", "semantic", "hybrid"} {
		for _, r := range c.results("search", "learning", "-n", "50", "--mode", mode, "--status", "rejected") {
			if r.Status != "rejected" {
				t.Errorf("--mode %s --status rejected returned a %s paper (%s)", mode, r.Status, r.ID)
			}
		}
		if res := c.results("search", "learning", "--mode", mode, "--year", "1999"); len(res) != 0 {
			t.Errorf("--mode %s --year 1999 returned %d papers", mode, len(res))
		}
	}
}

func TestSimilar(t *testing.T) {
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2025/Conference")
	papers := c.results("search", "learning", "-n", "2", "--mode", "keyword")
	p := papers[0]
	byID := c.results("similar", p.ID, "-n", "5")
	byURL := c.results("similar", p.ForumURL, "-n", "5")
	if len(byID) != 5 {
		t.Fatalf("similar %s: %d results, want 5", p.ID, len(byID))
	}
	if slices.Contains(ids(byID), p.ID) {
		t.Errorf("similar %s lists the paper itself", p.ID)
	}
	if !slices.Equal(ids(byID), ids(byURL)) {
		t.Errorf("similar by id %v and by forum URL %v differ", ids(byID), ids(byURL))
	}
	// A pasted title and abstract: the paper itself, embedded the same way,
	// is its own nearest neighbour.
	var full []struct {
		Title, Abstract string
	}
	if err := json.Unmarshal([]byte(c.mustRun("search", "learning", "-n", "2", "--mode", "keyword", "--format", "json")), &full); err != nil {
		t.Fatal(err)
	}
	text := c.results("similar", "--text", full[0].Title+"\n"+full[0].Abstract, "-n", "3")
	if len(text) == 0 || text[0].ID != p.ID {
		t.Errorf("similar --text with paper %s's own title and abstract: got %v first", p.ID, ids(text))
	}
	if text[0].Score < 0.999 {
		t.Errorf("similarity of a paper to its own text = %v, want ≈ 1", text[0].Score)
	}
}

func TestSemanticBadInput(t *testing.T) {
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2024/Conference", "--no-embed")
	if out := c.mustRun("status"); !strings.Contains(out, "No vectors") {
		t.Errorf("status after --no-embed does not say there are no vectors:\n%s", out)
	}
	// Hybrid falls back to keyword and says why; semantic refuses.
	_, errOut, err := c.run("search", "learning", "-n", "3")
	if err != nil || !strings.Contains(errOut, "Semantic search is off") || !strings.Contains(errOut, "no vectors") {
		t.Errorf("hybrid search without vectors: err %v, stderr %q", err, errOut)
	}
	if _, _, err := c.run("search", "learning", "--mode", "semantic"); err == nil || !strings.Contains(err.Error(), "no vectors") {
		t.Errorf("semantic search without vectors: err %v", err)
	}
	c.mustRun("index")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown paper", []string{"similar", "NoSuchPaper1"}, "not found"},
		{"no paper", []string{"similar"}, "needs one paper id"},
		{"id and text", []string{"similar", "X", "--text", "a\nb"}, "not both"},
		{"bad mode", []string{"search", "x", "--mode", "fuzzy"}, "hybrid"},
		{"semantic without words", []string{"search", "--mode", "semantic", "--venue", "ICLR"}, "needs words"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := c.run(tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: err %v, want one containing %q", tc.args, err, tc.want)
			}
		})
	}

	// Another model of the same shape: refused with the fix.
	other := filepath.Join(t.TempDir(), "other-model")
	copyDir(t, filepath.Join(models, "tiny-bin"), other)
	_, _, err = c.run("search", "learning", "--mode", "semantic", "--model", other)
	if err == nil || !strings.Contains(err.Error(), "--reembed") {
		t.Errorf("semantic search with another model: err %v, want the --reembed hint", err)
	}
	_, errOut, err = c.run("search", "learning", "--model", other)
	if err != nil || !strings.Contains(errOut, "--reembed") {
		t.Errorf("hybrid search with another model: err %v, stderr %q", err, errOut)
	}
	if _, _, err := c.run("index", "--model", other); err == nil || !strings.Contains(err.Error(), "--reembed") {
		t.Errorf("index with another model: err %v, want the --reembed hint", err)
	}
	if out := c.mustRun("index", "--model", other, "--reembed"); !strings.Contains(out, "(0 unchanged)") {
		t.Errorf("index --reembed output:\n%s", out)
	}
	if res := c.results("search", "learning", "--mode", "semantic", "--model", other); len(res) == 0 {
		t.Error("semantic search after --reembed found nothing")
	}

	// A model that is neither cached nor downloadable: keyword still works.
	_, errOut, err = c.run("search", "learning", "--model", "allenai/specter2_base")
	if err != nil || !strings.Contains(errOut, "Semantic search is off") {
		t.Errorf("hybrid search with no model available: err %v, stderr %q", err, errOut)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
