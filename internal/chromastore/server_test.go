package chromastore

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/chroma/chromatest"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// These tests run against a real Chroma server (see chromatest); they skip
// when none is installed and under -short.

// quasarTitles are the papers with "quasar" in their title; testCorpus
// puts it in many more abstracts, so a search for it has more matches than
// a small candidate limit.
var quasarTitles = []string{"p00010", "p00020", "p00030"}

// testCorpus is corpus(n) with "quasar" added to some titles and
// abstracts.
func testCorpus(n int, seed uint64) []paper.Paper {
	papers := corpus(n, seed)
	for i := range papers {
		p := &papers[i]
		if slices.Contains(quasarTitles, p.ID) {
			p.Title += " quasar"
		} else if i%3 == 1 {
			p.Abstract += " quasar"
		}
	}
	return papers
}

// published is an SQLite index uploaded to a fresh Chroma server.
type published struct {
	srv    *chromatest.Server
	c      *chroma.Client
	src    *store.Store
	cs     *Store
	papers []paper.Paper
}

func publish(t *testing.T, papers []paper.Paper) *published {
	t.Helper()
	srv := chromatest.Start(t)
	p := &published{srv: srv, c: newClient(t, srv.URL()), src: openSQLite(t, papers)}
	var err error
	if p.cs, err = Open(t.Context(), p.c, testModel, true); err != nil {
		t.Fatal(err)
	}
	if p.papers, err = p.src.Papers(t.Context(), allIDs(papers)); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestChroma(t *testing.T) {
	p := publish(t, testCorpus(300, 7))
	ctx := t.Context()
	var progress [][2]int
	start := time.Now()
	stats, err := Upload(ctx, p.src, p.cs, SyncOptions{Batch: 64, Progress: func(done, total int) {
		progress = append(progress, [2]int{done, total})
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("upload of %d papers (%d-d): %v, %.0f papers/s", len(p.papers), testDim, time.Since(start), float64(len(p.papers))/time.Since(start).Seconds())
	want := SyncStats{Papers: 300, Vectors: 300}
	if diff := cmp.Diff(want, stats, cmpopts.IgnoreFields(SyncStats{}, "Elapsed")); diff != "" {
		t.Errorf("upload stats (-want +got):\n%s", diff)
	}
	if wantP := [][2]int{{64, 300}, {128, 300}, {192, 300}, {256, 300}, {300, 300}}; !slices.Equal(progress, wantP) {
		t.Errorf("progress %v, want %v", progress, wantP)
	}
	wantCount(t, p.cs, 300)

	t.Run("round trip", func(t *testing.T) { testRoundTrip(t, p) })
	t.Run("filters", func(t *testing.T) { testFilters(t, p) })
	t.Run("nearest", func(t *testing.T) { testNearest(t, p) })
	t.Run("keyword", func(t *testing.T) { testKeyword(t, p) })
	t.Run("engine", func(t *testing.T) { testEngine(t, p) })
	t.Run("lookups", func(t *testing.T) { testLookups(t, p) })
	t.Run("errors", func(t *testing.T) { testErrors(t, p) })
	t.Run("upload again", func(t *testing.T) { testUploadAgain(t, p) })
	t.Run("download", func(t *testing.T) { testDownload(t, p) })
}

func wantCount(t *testing.T, cs *Store, want int) {
	t.Helper()
	if n, err := cs.Count(t.Context()); err != nil || n != want {
		t.Errorf("Count() = %d, %v; want %d", n, err, want)
	}
}

// testRoundTrip reads every paper and vector back from Chroma.
func testRoundTrip(t *testing.T, p *published) {
	got, err := p.cs.Papers(t.Context(), allIDs(p.papers))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.papers, got); diff != "" {
		t.Errorf("papers from Chroma (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(vectors(t, p.src), vectors(t, p.cs)); diff != "" {
		t.Errorf("vectors from Chroma, as float16 (-want +got):\n%s", diff)
	}
	m, ok, err := p.cs.EmbeddingModel(t.Context())
	if err != nil || !ok || m != testModel {
		t.Errorf("EmbeddingModel() = %v, %v, %v; want %v", m, ok, err, testModel)
	}
}

// testFilters checks that every way of reading papers filters exactly as
// the SQLite store does.
func testFilters(t *testing.T, p *published) {
	ctx := t.Context()
	q, err := p.cs.Vector(ctx, p.papers[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range filterCases {
		f := tt.f
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			want, err := p.src.FilterIDs(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if (len(want) == 0) != tt.none {
				t.Errorf("the store finds %d papers passing the filter; the corpus does not exercise it as meant", len(want))
			}
			got, err := p.cs.FilterIDs(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, cmpopts.SortSlices(less), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("FilterIDs (-sqlite +chroma):\n%s", diff)
			}
			pass := map[string]bool{}
			for _, id := range want {
				pass[id] = true
			}
			checkFilterOnly(t, p, f)
			ns, err := p.cs.Nearest(ctx, q, 10, f, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) != min(10, len(want)) {
				t.Errorf("Nearest found %d papers, want %d", len(ns), min(10, len(want)))
			}
			for _, n := range ns {
				if !pass[n.ID] {
					t.Errorf("Nearest found %s, which does not pass the filter", n.ID)
				}
			}
			hs, err := p.cs.Search(ctx, store.Query{Text: "graph policy quasar", Filter: f, Limit: store.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			wantHits, err := p.src.Search(ctx, store.Query{Text: "graph policy quasar", Filter: f, Limit: store.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(hitIDs(wantHits), hitIDs(hs), cmpopts.SortSlices(less), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("keyword search matches (-sqlite +chroma):\n%s", diff)
			}
		})
	}
}

// checkFilterOnly compares a search with a filter and no words, which lists
// papers by venue and number.
func checkFilterOnly(t *testing.T, p *published, f store.Filter) {
	t.Helper()
	q := store.Query{Filter: f, Limit: 50}
	want, wantErr := p.src.Search(t.Context(), q)
	got, err := p.cs.Search(t.Context(), q)
	if (err != nil) != (wantErr != nil) || !errors.Is(err, paper.ErrInvalid) && err != nil {
		t.Fatalf("filter-only search: error %v, SQLite's %v", err, wantErr)
	}
	if diff := cmp.Diff(hitIDs(want), hitIDs(got), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("filter-only search (-sqlite +chroma):\n%s", diff)
	}
}

// filterCases are filters to compare with the store's; none marks those
// that pass no paper.
var filterCases = []struct {
	f    store.Filter
	none bool
}{
	{f: store.Filter{}},
	{f: store.Filter{Venues: []string{"iclr"}}},
	{f: store.Filter{Venues: []string{"ICLR 2024"}}},
	{f: store.Filter{Venues: []string{" neurips.cc/2024/CONFERENCE "}}},
	{f: store.Filter{Venues: []string{"TMLR", "Kelvin 2023"}}},
	{f: store.Filter{Venues: []string{"nowhere"}}, none: true},
	{f: store.Filter{Years: []int{2024}}},
	{f: store.Filter{Years: []int{0}}},
	{f: store.Filter{Years: []int{2023, 2025}}},
	{f: store.Filter{Statuses: []store.StatusFilter{{Status: paper.StatusAccepted}}}},
	{f: store.Filter{Statuses: []store.StatusFilter{{Presentation: paper.PresentationOral}}}},
	{f: store.Filter{Statuses: []store.StatusFilter{{Status: paper.StatusAccepted, Presentation: paper.PresentationOral}, {Status: paper.StatusRejected}}}},
	{f: store.Filter{Authors: []string{"hinton"}}},
	{f: store.Filter{Authors: []string{"Geoffrey E. Hinton"}}},
	{f: store.Filter{Authors: []string{"hint"}}, none: true},
	{f: store.Filter{Authors: []string{"jose muller"}}},
	{f: store.Filter{Authors: []string{"JOSÉ MÜLLER"}}},
	{f: store.Filter{Authors: []string{"~author_b1"}}},
	{f: store.Filter{Authors: []string{"~Author_B1"}}},
	{f: store.Filter{Authors: []string{"strasse"}}},
	{f: store.Filter{Authors: []string{"o brien smith"}}},
	{f: store.Filter{Authors: []string{"obrien"}}, none: true},
	{f: store.Filter{Authors: []string{"hinton", "lecun"}}},
	{f: store.Filter{Authors: []string{"---"}}, none: true},
	{f: store.Filter{Keywords: []string{"graph"}}},
	{f: store.Filter{Keywords: []string{"GRAPH", "node"}}},
	{f: store.Filter{Keywords: []string{"grap"}}, none: true},
	{f: store.Filter{Venues: []string{"ICLR", "TMLR"}, Years: []int{0, 2024, 2025}, Statuses: []store.StatusFilter{{Status: paper.StatusAccepted}, {Status: paper.StatusRejected}},
		Authors: []string{"jane doe"}}},
	{f: store.Filter{Years: []int{2024}, Keywords: []string{"model"}}},
	{f: store.Filter{Venues: []string{"ICLR"}, Years: []int{2023}}, none: true},
}

func hitIDs(hs []store.Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Paper.ID
	}
	return out
}

// testNearest compares Nearest with exact cosine similarity over the
// SQLite index's vectors, and with the in-memory engine, whose float16 dot
// products are within about 1e-3 of the cosine, so that it may order
// near-ties differently.
func testNearest(t *testing.T, p *published) {
	ctx := t.Context()
	e, err := search.Open(ctx, p.src, search.Options{Model: testModel})
	if err != nil {
		t.Fatal(err)
	}
	vecs := map[string][]float32{}
	for id, blob := range vectors(t, p.src) {
		if vecs[id], err = decodeVector(testModel, blob); err != nil {
			t.Fatal(err)
		}
	}
	filters := []store.Filter{{}, {Years: []int{2024}}, {Authors: []string{"hinton"}}, {Keywords: []string{"graph"}, Venues: []string{"ICLR"}}}
	compared := 0
	for i := 0; i < len(p.papers); i += 23 {
		id := p.papers[i].ID
		q, err := p.cs.Vector(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range filters {
			ids, err := p.src.FilterIDs(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			exact := exactNearest(vecs, ids, vecs[id], 10, id)
			engine, err := e.Similar(ctx, id, 10, f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.cs.Nearest(ctx, q, 10, f, id)
			if err != nil {
				t.Fatal(err)
			}
			compared++
			if len(got) != len(exact) || len(got) != len(engine) {
				t.Fatalf("Nearest(%s, %+v) found %d papers, want %d (the engine %d)", id, f, len(got), len(exact), len(engine))
			}
			for j := range exact {
				// Ids may swap only within a tie.
				if got[j].ID != exact[j].ID && math.Abs(got[j].Similarity-exact[j].Similarity) > 1e-6 {
					t.Errorf("Nearest(%s, %+v) rank %d: %s (%.7f), want %s (%.7f)", id, f, j+1, got[j].ID, got[j].Similarity, exact[j].ID, exact[j].Similarity)
				}
				if d := math.Abs(got[j].Similarity - exact[j].Similarity); d > 1e-5 {
					t.Errorf("Nearest(%s) rank %d: similarity %.7f, exactly %.7f", id, j+1, got[j].Similarity, exact[j].Similarity)
				}
				if d := math.Abs(got[j].Similarity - engine[j].Score); d > 2e-3 {
					t.Errorf("Nearest(%s) rank %d: similarity %.5f, the engine's %.5f", id, j+1, got[j].Similarity, engine[j].Score)
				}
			}
		}
	}
	t.Logf("%d rankings compared", compared)
}

// exactNearest ranks the vectors of ids by cosine similarity to q, in
// float64.
func exactNearest(vecs map[string][]float32, ids []string, q []float32, k int, exclude string) []search.Neighbor {
	var out []search.Neighbor
	for _, id := range ids {
		if id != exclude {
			out = append(out, search.Neighbor{ID: id, Similarity: cosine(vecs[id], q)})
		}
	}
	slices.SortStableFunc(out, func(a, b search.Neighbor) int {
		switch {
		case a.Similarity > b.Similarity:
			return -1
		case a.Similarity < b.Similarity:
			return 1
		}
		return 0
	})
	return out[:min(k, len(out))]
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// testKeyword checks the keyword leg's ranking where it must agree with
// the store's.
func testKeyword(t *testing.T, p *published) {
	ctx := t.Context()
	for i := 0; i < len(p.papers); i += 37 {
		want := p.papers[i]
		hs, err := p.cs.Search(ctx, store.Query{Text: want.Title})
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) == 0 || hs[0].Paper.ID != want.ID {
			t.Errorf("search for the title %q: first %v, want %s", want.Title, hitIDs(hs), want.ID)
		}
	}
	// Without a filter and under the candidate limit, only the average
	// length is approximated: the order matches the store's nearly.
	for _, q := range []string{"graph", "reward policy", `"message passing"`, "hinton privacy", "quasar"} {
		want, err := p.src.Search(ctx, store.Query{Text: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.cs.Search(ctx, store.Query{Text: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || got[0].Paper.ID != want[0].Paper.ID {
			t.Errorf("search %q: %v, the store's %v", q, hitIDs(got), hitIDs(want))
		}
		t.Logf("search %q: %d of the store's top 10 found", q, overlap(hitIDs(want), hitIDs(got)))
	}
	// Past the candidate limit the papers with the word in their title
	// still rank first.
	capped := *p.cs
	capped.maxCandidates = 20
	hs, err := capped.Search(ctx, store.Query{Text: "quasar", Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 20 {
		t.Errorf("capped search found %d papers, want 20", len(hs))
	}
	if got := hitIDs(hs)[:min(3, len(hs))]; !cmp.Equal(quasarTitles, got, cmpopts.SortSlices(less)) {
		t.Errorf("capped search ranks %v first, want %v", got, quasarTitles)
	}
}

// testEngine runs the search engine over Chroma, as serve does, and
// compares it with the engine over the SQLite index.
func testEngine(t *testing.T, p *published) {
	ctx := t.Context()
	enc := fakeEmbedder{testDim}
	opts := search.Options{Query: enc, Paper: enc, PaperText: paperText, Model: testModel}
	local, err := search.Open(ctx, p.src, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Vectors = p.cs
	remote, err := search.Open(ctx, p.cs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Semantic(); err != nil {
		t.Fatalf("semantic search over Chroma is off: %v", err)
	}
	f := store.Filter{Venues: []string{"ICLR"}}
	for _, mode := range []search.Mode{search.ModeKeyword, search.ModeSemantic, search.ModeHybrid} {
		req := search.Request{Text: "graph neural message passing", Mode: mode, Filter: f, Limit: 10, Explain: true}
		want, err := local.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := remote.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.Mode != mode || got.Notice != "" || len(got.Results) != len(want.Results) {
			t.Errorf("%s search over Chroma: mode %s, notice %q, %d results; want %d results", mode, got.Mode, got.Notice, len(got.Results), len(want.Results))
			continue
		}
		if got.Results[0].Paper.ID != want.Results[0].Paper.ID {
			t.Errorf("%s search over Chroma ranks %s first, over SQLite %s", mode, got.Results[0].Paper.ID, want.Results[0].Paper.ID)
		}
		t.Logf("%s search: %d of the SQLite engine's top 10", mode, overlap(resultIDs(want.Results), resultIDs(got.Results)))
	}
	got, err := remote.Similar(ctx, p.papers[3].ID, 5, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || slices.Contains(resultIDs(got), p.papers[3].ID) {
		t.Errorf("similar papers over Chroma: %v, want 5 others", resultIDs(got))
	}
}

func resultIDs(rs []search.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Paper.ID
	}
	return out
}

func overlap(a, b []string) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}

func testLookups(t *testing.T, p *published) {
	ctx := t.Context()
	ps, err := p.cs.Papers(ctx, []string{"p00002", "nope", "p00001", "p00002"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"p00002", "p00001", "p00002"}, allIDs(ps)); diff != "" {
		t.Errorf("Papers skips unknown ids and keeps repeats (-want +got):\n%s", diff)
	}
	if ps, err := p.cs.Papers(ctx, nil); err != nil || len(ps) != 0 {
		t.Errorf("Papers(nil) = %d papers, %v; want none", len(ps), err)
	}
	if _, err := p.cs.Paper(ctx, "nope"); !errors.Is(err, paper.ErrNotFound) {
		t.Errorf("Paper(nope): error %v, want ErrNotFound", err)
	}
	if _, err := p.cs.Vector(ctx, "nope"); !errors.Is(err, paper.ErrNotFound) {
		t.Errorf("Vector(nope): error %v, want ErrNotFound", err)
	}
	if n, err := p.cs.VectorCount(ctx); err != nil || n != len(p.papers) {
		t.Errorf("VectorCount() = %d, %v; want %d", n, err, len(p.papers))
	}
}

func testErrors(t *testing.T, p *published) {
	ctx := t.Context()
	other := store.Model{Name: "other/model", Dim: testDim, Encoding: search.Encoding}
	_, err := Open(ctx, p.c, other, false)
	wantMsg := "openreview-finder migrate --to chroma://" + strings.TrimPrefix(p.srv.URL(), "http://")
	if !errors.Is(err, ErrNoIndex) || !errors.Is(err, chroma.ErrNotFound) || !strings.Contains(fmt.Sprint(err), wantMsg) {
		t.Errorf("Open of a missing collection: error %v, want ErrNoIndex saying %q", err, wantMsg)
	}
	adapter := testModel
	adapter.Adapter = "fake/other"
	var mm *store.ModelMismatchError
	if _, err := Open(ctx, p.c, adapter, false); !errors.As(err, &mm) {
		t.Errorf("Open with another adapter: error %v, want a ModelMismatchError", err)
	}
	elsewhere := openSQLite(t, nil)
	if err := elsewhere.SetEmbeddingModel(ctx, adapter, true); err != nil {
		t.Fatal(err)
	}
	if _, err := Upload(ctx, elsewhere, p.cs, SyncOptions{}); !errors.As(err, &mm) {
		t.Errorf("Upload of another model: error %v, want a ModelMismatchError", err)
	}
	if _, err := Download(ctx, p.cs, elsewhere, SyncOptions{}); !errors.As(err, &mm) {
		t.Errorf("Download into another model's index: error %v, want a ModelMismatchError", err)
	}
	for name, call := range map[string]func() error{
		"empty query": func() error { _, err := p.cs.Search(ctx, store.Query{}); return err },
		"no words":    func() error { _, err := p.cs.Search(ctx, store.Query{Text: "--"}); return err },
		"blank venue": func() error { _, err := p.cs.FilterIDs(ctx, store.Filter{Venues: []string{" "}}); return err },
		"blank status": func() error {
			_, err := p.cs.Search(ctx, store.Query{Text: "x", Filter: store.Filter{Statuses: []store.StatusFilter{{}}}})
			return err
		},
		"symbol keyword": func() error {
			_, err := p.cs.Nearest(ctx, make([]float32, testDim), 3, store.Filter{Keywords: []string{"--"}}, "")
			return err
		},
		"wrong dim": func() error { _, err := p.cs.Nearest(ctx, make([]float32, 3), 3, store.Filter{}, ""); return err },
	} {
		if err := call(); !errors.Is(err, paper.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

func less(a, b string) bool { return a < b }
