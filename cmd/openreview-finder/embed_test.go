package main

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
)

var models = filepath.Join("..", "..", "testdata", "models")

// fixtureTexts writes the fixture texts as embed's JSONL input and returns
// its path and the reference token ids and CLS vectors of tiny-bin with the
// proximity adapter.
func fixtureTexts(t *testing.T) (string, [][]int, [][]float64) {
	t.Helper()
	in, err := os.ReadFile(filepath.Join(models, "texts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "texts.jsonl")
	if err := os.WriteFile(path, in, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(models, "expected", "tiny-bin+tiny-bin-adapter-proximity.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids [][]int
	var cls [][]float64
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var l struct {
			IDs []int     `json:"ids"`
			CLS []float64 `json:"cls"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.IDs)
		cls = append(cls, l.CLS)
	}
	return path, ids, cls
}

func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var res []T
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("output line is not JSON: %v: %.80q", err, line)
		}
		res = append(res, v)
	}
	return res
}

func checkVectors(t *testing.T, out string, want [][]float64) {
	t.Helper()
	got := jsonLines[struct {
		Embedding []float64 `json:"embedding"`
	}](t, out)
	if len(got) != len(want) {
		t.Fatalf("%d vectors, want %d", len(got), len(want))
	}
	for i := range got {
		for j, x := range got[i].Embedding {
			if d := math.Abs(x - want[i][j]); d > 1e-4 {
				t.Fatalf("text %d, dim %d: %g, reference %g", i, j, x, want[i][j])
			}
		}
	}
}

func TestTokenizeAndEmbedFromDirectory(t *testing.T) {
	c := newCLI(t)
	input, ids, cls := fixtureTexts(t)
	out := c.mustRun("tokenize", "--model", filepath.Join(models, "tiny-bin"), "--input", input)
	got := jsonLines[struct {
		IDs []int `json:"ids"`
	}](t, out)
	for i := range ids {
		if !slices.Equal(got[i].IDs, ids[i]) {
			t.Errorf("text %d: ids differ from the reference", i)
		}
	}
	out = c.mustRun("embed", "--model", filepath.Join(models, "tiny-bin"), "--adapter", filepath.Join(models, "tiny-bin-adapter-proximity"), "--input", input)
	checkVectors(t, out, cls)
}

func TestModelPullThenEmbedOffline(t *testing.T) {
	hub := hubtest.New(t,
		hubtest.Dir("allenai/specter2_base", filepath.Join(models, "tiny-bin")),
		hubtest.Dir("allenai/specter2", filepath.Join(models, "tiny-bin-adapter-proximity")),
		hubtest.Dir("allenai/specter2_adhoc_query", filepath.Join(models, "tiny-bin-adapter-query")),
	)
	c := newCLI(t)
	for _, k := range []string{"ORF_MODEL", "ORF_ADAPTER", "ORF_QUERY_ADAPTER", "HF_HUB_OFFLINE"} {
		delete(c.env, k) // the defaults: SPECTER2's Hub repos
	}
	cache := filepath.Join(t.TempDir(), "hub")
	c.env["HF_ENDPOINT"] = hub.URL()
	c.env["HF_HUB_CACHE"] = cache
	out := c.mustRun("model", "pull")
	for _, repo := range []string{"allenai/specter2_base", "allenai/specter2", "allenai/specter2_adhoc_query"} {
		if !strings.Contains(out, repo+": "+cache) {
			t.Errorf("model pull output does not place %s in the cache:\n%s", repo, out)
		}
	}
	if _, err := os.Stat(filepath.Join(cache, "models--allenai--specter2_base", "refs", "main")); err != nil {
		t.Errorf("no huggingface_hub cache layout: %v", err)
	}

	// Offline, the defaults (specter2_base + the proximity adapter) load
	// from the cache without a single request.
	hub.ResetRequests()
	c.env["HF_HUB_OFFLINE"] = "1"
	input, _, cls := fixtureTexts(t)
	checkVectors(t, c.mustRun("embed", "--input", input), cls)
	// So do index (proximity adapter) and search (query adapter).
	if out := c.mustRun("index", "--venue", "ICLR.cc/2024/Conference"); !strings.Contains(out, "with allenai/specter2_base with adapter allenai/specter2 (32-d)") {
		t.Errorf("index did not embed with the Hub models:\n%s", out)
	}
	if res := c.results("search", "learning", "--mode", "semantic", "-n", "3"); len(res) != 3 {
		t.Errorf("semantic search with the Hub models: %d results, want 3", len(res))
	}
	if n := len(hub.Requests()); n != 0 {
		t.Errorf("offline embed, index and search made %d requests", n)
	}

	// Offline with an empty cache: one clear error naming what to do.
	c.env["HF_HUB_CACHE"] = filepath.Join(t.TempDir(), "empty")
	_, _, err := c.run("embed", "--input", input)
	if err == nil || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") || strings.Contains(err.Error(), "\n") {
		t.Errorf("offline without cache: error %v, want one line naming HF_HUB_OFFLINE", err)
	}
}

func TestEmbedBadInput(t *testing.T) {
	c := newCLI(t)
	dir := filepath.Join(models, "tiny-bin")
	write := func(s string) string {
		p := filepath.Join(t.TempDir(), "in.jsonl")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"not json", []string{"--input", write("{\"text\": \"ok\"}\nnot json\n")}, "line 2: not a JSON object"},
		{"no text", []string{"--input", write(`{"body": "x"}`)}, "line 1: want {\"text\""},
		{"missing file", []string{"--input", filepath.Join(t.TempDir(), "none.jsonl")}, "no such file"},
		{"bad pooling", []string{"--input", write(`{"text": "x"}`), "--pooling", "max"}, "pooling must be cls or mean"},
		{"not a model", []string{"--input", write(`{"text": "x"}`), "--model", "./no/such/dir"}, "neither a model directory nor a Hub repo id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.run(append([]string{"embed", "--model", dir, "--no-adapter"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	// Title and abstract lines embed like the SPECTER2 paper text.
	out := c.mustRun("embed", "--model", dir, "--no-adapter", "--normalize", "--input", write(`{"title": "A", "abstract": "B"}`+"\n\n"+`{"text": "A[SEP]B"}`))
	vs := jsonLines[struct {
		Embedding []float64 `json:"embedding"`
	}](t, out)
	if len(vs) != 2 || !slices.Equal(vs[0].Embedding, vs[1].Embedding) {
		t.Errorf("title+abstract and the same text as one string embed differently")
	}
}
