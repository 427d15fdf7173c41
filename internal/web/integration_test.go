package web

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/export"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// wordEmbedder is a deterministic encoder: each word of a text adds ±1 to
// the coordinate its hash picks, so texts sharing words are similar.
type wordEmbedder struct{}

const wordDim = 16

var wordModel = store.Model{Name: "fake/base", Adapter: "fake/proximity", Dim: wordDim, Encoding: search.Encoding}

func (wordEmbedder) Dim() int { return wordDim }

func (wordEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, text := range texts {
		v := make([]float32, wordDim)
		v[0] = 0.1 // never the zero vector
		for _, w := range store.Words(text) {
			h := fnv.New64a()
			h.Write([]byte(w))
			x := h.Sum64()
			sign := float32(1)
			if x>>32&1 == 1 {
				sign = -1
			}
			v[x%wordDim] += sign
		}
		out[i] = v
	}
	return out, nil
}

func paperText(title, abstract string) string { return title + " [SEP] " + abstract }

// realIndex is a real SQLite store holding the test papers, each
// embedded, and a real search engine over it; query nil turns semantic
// search off.
func realIndex(t *testing.T, query search.Embedder) (*store.Store, *search.Engine) {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, v := range newCatalog(testPapers).venues {
		if err := st.SaveVenue(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Commit(ctx, "test", testPapers, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.SetEmbeddingModel(ctx, wordModel, false); err != nil {
		t.Fatal(err)
	}
	if _, err := search.EmbedPapers(ctx, st, wordEmbedder{}, search.EmbedOptions{PaperText: paperText}); err != nil {
		t.Fatal(err)
	}
	opts := search.Options{Model: wordModel, PaperText: paperText, Query: query, Paper: query}
	if query == nil {
		opts.QueryUnavailable = search.ErrNoModel
	}
	eng, err := search.Open(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return st, eng
}

// TestRealIndex serves a real store and engine: the real types plug in,
// and searches, filters, similar papers, counts and exports come through.
func TestRealIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a SQLite index")
	}
	st, eng := realIndex(t, wordEmbedder{})
	s := New(Config{Catalog: st})
	s.SetSearcher(eng)

	var res searchResponse
	getJSON(t, s, "/api/search?q=graph+kernels&explain=1", &res)
	if res.Mode != "hybrid" || res.Notice != "" || len(res.Results) == 0 || res.Results[0].ID != "p1" || res.Results[0].Explain == nil {
		t.Errorf("hybrid search = %+v", res)
	}
	getJSON(t, s, "/api/search?q=graph&mode=keyword&status=oral", &res)
	if ids := resultIDs(res); !slices.Equal(ids, []string{"p1"}) {
		t.Errorf("keyword search for oral papers = %v, want [p1]", ids)
	}
	getJSON(t, s, "/api/search?venue=ICLR&year=2025&status=accepted&n=50", &res)
	if ids := resultIDs(res); len(ids) != 3 {
		t.Errorf("filter-only search = %v, want the 3 ICLR 2025 papers", ids)
	}
	var sim similarResponse
	getJSON(t, s, "/api/similar/p1?n=2", &sim)
	if sim.Count != 2 || slices.ContainsFunc(sim.Results, func(r export.Result) bool { return r.ID == "p1" }) {
		t.Errorf("similar to p1 = %+v", sim)
	}
	var venues struct{ Venues []venueJSON }
	getJSON(t, s, "/api/venues", &venues)
	if len(venues.Venues) != 3 || venues.Venues[0].Label != "ICLR 2025" || venues.Venues[0].Statuses["oral"] != 1 {
		t.Errorf("venues = %+v", venues)
	}
	var status statusResponse
	getJSON(t, s, "/api/status", &status)
	if status.Papers != len(testPapers) || status.Vectors != len(testPapers) || !status.Semantic.Available || !status.Ready {
		t.Errorf("status = %+v", status)
	}
	for target, want := range map[string]string{
		"/?q=graph":                         `data-id="p1"`,
		"/?q=graph&explain=1":               `class="explain"`,
		"/?similar=p1":                      `class="source"`,
		"/paper/p1":                         `<section id="similar"`,
		"/paper/xss":                        "&lt;script&gt;",
		"/api/search?q=graph&format=csv":    "rank,score,id,title",
		"/api/search?q=graph&format=json":   `"id": "p1"`,
		"/api/search?q=graph&format=bibtex": "@inproceedings{\nlovelace2025graph,",
	} {
		w := get(s, target)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s = %d, lacks %q", target, w.Code, want)
		}
	}
	if body := get(s, "/paper/p1").Body.String(); strings.Count(body, `<article class="result"`) != len(testPapers)-1 {
		t.Errorf("paper page lists %d neighbours, want %d", strings.Count(body, `<article class="result"`), len(testPapers)-1)
	}
}

// TestRealIndexSemanticOff: without a query encoder, keyword search
// works and the page and API say why semantic search is off, while
// similar papers (stored vectors only) still work.
func TestRealIndexSemanticOff(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a SQLite index")
	}
	st, eng := realIndex(t, nil)
	s := New(Config{Catalog: st})
	s.SetSearcher(eng)
	var res searchResponse
	getJSON(t, s, "/api/search?q=graph&mode=semantic", &res)
	if res.Mode != "keyword" || !strings.Contains(res.Notice, "no embedding model is loaded") || len(res.Results) == 0 {
		t.Errorf("semantic search while off = %+v", res)
	}
	if body := get(s, "/?q=graph").Body.String(); !strings.Contains(body, `<p id="notice" role="note">Semantic search is off: no embedding model is loaded`) {
		t.Error("page has no notice")
	}
	var sim similarResponse
	getJSON(t, s, "/api/similar/p2", &sim)
	if sim.Count == 0 {
		t.Error("similar papers need no query encoder, yet none came")
	}
}

func resultIDs(r searchResponse) []string {
	var ids []string
	for _, x := range r.Results {
		ids = append(ids, x.ID)
	}
	return ids
}

func getJSON(t *testing.T, s *Server, target string, v any) {
	t.Helper()
	w := get(s, target)
	if w.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", target, w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("%s: %v", target, err)
	}
}
