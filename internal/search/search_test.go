package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

func TestFuse(t *testing.T) {
	got := fuse([]string{"a", "b", "c"}, []string{"c", "a", "d"})
	want := []fused{
		{id: "a", kw: 1, sem: 2, semIndex: 1, score: 1.0/61 + 1.0/62},
		{id: "c", kw: 3, sem: 1, semIndex: 0, score: 1.0/63 + 1.0/61},
		{id: "b", kw: 2, score: 1.0 / 62},
		{id: "d", sem: 3, semIndex: 2, score: 1.0 / 63},
	}
	approx := cmp.Comparer(func(x, y float64) bool { return math.Abs(x-y) < 1e-15 })
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(fused{}), approx); diff != "" {
		t.Errorf("fuse (-want +got):\n%s", diff)
	}
	// Equal scores keep the keyword leg's order first.
	tie := fuse([]string{"k"}, []string{"s"})
	if tie[0].id != "k" || tie[0].score != tie[1].score {
		t.Errorf("tie between keyword rank 1 and semantic rank 1 ordered %+v, want k first with equal scores", tie)
	}
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		in   string
		want Mode
	}{{"", ModeHybrid}, {"hybrid", ModeHybrid}, {" Semantic ", ModeSemantic}, {"KEYWORD", ModeKeyword}}
	for _, tt := range tests {
		if got, err := ParseMode(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseMode("fuzzy")
	if !errors.Is(err, paper.ErrInvalid) || !strings.Contains(err.Error(), "hybrid, semantic or keyword") {
		t.Errorf("ParseMode(fuzzy) error %v, want paper.ErrInvalid listing the modes", err)
	}
	e := openEngine(t, openStore(t, corpus(5, 1)...), nil)
	if _, err := e.Search(t.Context(), Request{Text: "graph", Mode: "fuzzy"}); !errors.Is(err, paper.ErrInvalid) {
		t.Errorf("Search with mode fuzzy: %v, want paper.ErrInvalid", err)
	}
}

// TestHybridKeepsExactTitle: the query is a paper's exact title, which the
// semantic leg ranks last of all; two other papers share a title word and
// rank first semantically. Fusion must keep the exact title in the top 3.
func TestHybridKeepsExactTitle(t *testing.T) {
	const title = "Quantum harmonic basket weaving"
	papers := corpus(40, 5)
	papers[7].Title, papers[7].Abstract = title, "We weave baskets."
	papers[3].Abstract += " quantum"
	papers[30].Abstract += " quantum"
	st := openStore(t, papers...)
	enc := newFake()
	enc.override = map[string][]float32{title: unit(0)}
	for i, p := range papers {
		switch i {
		case 7:
			enc.override[testPaperText(p.Title, p.Abstract)] = scale(unit(0), -1)
		case 3, 30:
			enc.override[testPaperText(p.Title, p.Abstract)] = unit(0)
		}
	}
	embedAll(t, st, enc)
	e := openEngine(t, st, enc)

	sem, err := e.Search(t.Context(), Request{Text: title, Mode: ModeSemantic, Limit: 100, Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Index(resultIDs(sem.Results), papers[7].ID); got != len(papers)-1 {
		t.Fatalf("semantic leg ranks the exact title %d of %d; the test needs it last", got+1, len(papers))
	}
	resp, err := e.Search(t.Context(), Request{Text: title, Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Mode != ModeHybrid || resp.Notice != "" {
		t.Errorf("mode %q, notice %q; want hybrid and no notice", resp.Mode, resp.Notice)
	}
	i := slices.Index(resultIDs(resp.Results), papers[7].ID)
	if i != 0 {
		t.Fatalf("exact title ranked %d in hybrid results %v; want first", i+1, resultIDs(resp.Results))
	}
	x := resp.Results[i].Explain
	if x.KeywordRank != 1 || x.SemanticRank != len(papers) || !x.TitleMatch {
		t.Errorf("explanation %+v: want keyword rank 1, semantic rank %d and a title match", x, len(papers))
	}
	if want := 1.0/61 + 1.0/float64(60+len(papers)) + titleBonus; math.Abs(resp.Results[i].Score-want) > 1e-12 {
		t.Errorf("fused score %v, want %v", resp.Results[i].Score, want)
	}
	if diff := cmp.Diff([]string{"quantum", "harmonic", "basket", "weaving"}, x.Matched); diff != "" {
		t.Errorf("matched words (-want +got):\n%s", diff)
	}
}

func unit(i int) []float32 {
	v := make([]float32, testDim)
	v[i] = 1
	return v
}

func scale(v []float32, s float32) []float32 {
	for i := range v {
		v[i] *= s
	}
	return v
}

// TestSemanticOff checks each reason semantic search can be off: hybrid
// falls back to keyword results with a notice, semantic mode fails, and
// keyword mode works.
func TestSemanticOff(t *testing.T) {
	papers := corpus(30, 6)
	unavailable := errors.New("the query model could not be downloaded")
	tests := []struct {
		name  string
		embed bool
		opts  Options
		is    error
		as    bool // the error is a *store.ModelMismatchError
	}{
		{"no vectors", false, Options{Query: newFake(), Model: testModel}, ErrNoVectors, false},
		{"model mismatch", true, Options{Query: newFake(), Model: store.Model{Name: "other/model", Dim: testDim, Encoding: Encoding}}, paper.ErrInvalid, true},
		{"dim mismatch", true, Options{Query: newFake(), Model: store.Model{Name: testModel.Name, Dim: 768, Encoding: Encoding}}, paper.ErrInvalid, true},
		{"no query model", true, Options{Model: testModel}, ErrNoModel, false},
		{"query model unavailable", true, Options{Model: testModel, QueryUnavailable: unavailable}, unavailable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t, papers...)
			if tt.embed {
				embedAll(t, st, newFake())
			}
			e, err := Open(t.Context(), st, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			off := e.Semantic()
			var mm *store.ModelMismatchError
			if !errors.Is(off, tt.is) || errors.As(off, &mm) != tt.as {
				t.Fatalf("Semantic() = %v, want %v (mismatch error: %v)", off, tt.is, tt.as)
			}
			kw, err := e.Search(t.Context(), Request{Text: "graph language", Mode: ModeKeyword})
			if err != nil || len(kw.Results) == 0 || kw.Notice != "" {
				t.Fatalf("keyword search: %d results, notice %q, error %v; want results, no notice", len(kw.Results), kw.Notice, err)
			}
			hy, err := e.Search(t.Context(), Request{Text: "graph language"})
			if err != nil {
				t.Fatal(err)
			}
			wantNotice := "semantic search is off: " + off.Error() + "; showing keyword results"
			if hy.Mode != ModeKeyword || hy.Notice != wantNotice {
				t.Errorf("hybrid fell back as mode %q, notice %q; want keyword, %q", hy.Mode, hy.Notice, wantNotice)
			}
			if diff := cmp.Diff(resultIDs(kw.Results), resultIDs(hy.Results)); diff != "" {
				t.Errorf("fallback results differ from keyword results (-keyword +fallback):\n%s", diff)
			}
			if _, err := e.Search(t.Context(), Request{Text: "graph", Mode: ModeSemantic}); !errors.Is(err, tt.is) {
				t.Errorf("semantic search: error %v, want %v", err, tt.is)
			}
		})
	}
}

func TestEmptyText(t *testing.T) {
	st := openStore(t, corpus(30, 7)...)
	embedAll(t, st, newFake())
	e := openEngine(t, st, newFake())
	f := store.Filter{Venues: []string{"ICLR"}}
	if _, err := e.Search(t.Context(), Request{Text: "  ", Mode: ModeSemantic, Filter: f}); !errors.Is(err, paper.ErrInvalid) {
		t.Errorf("semantic search without text: %v, want paper.ErrInvalid", err)
	}
	if _, err := e.Search(t.Context(), Request{}); !errors.Is(err, paper.ErrInvalid) {
		t.Errorf("hybrid search without text or filter: %v, want paper.ErrInvalid", err)
	}
	listing, err := st.Search(t.Context(), store.Query{Filter: f})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.Search(t.Context(), Request{Filter: f})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Mode != ModeKeyword || len(listing) == 0 {
		t.Errorf("hybrid search with only a filter ran as %q with %d papers listed; want keyword", resp.Mode, len(listing))
	}
	want := make([]string, len(listing))
	for i, h := range listing {
		want[i] = h.Paper.ID
	}
	if diff := cmp.Diff(want, resultIDs(resp.Results)); diff != "" {
		t.Errorf("filter listing (-store +engine):\n%s", diff)
	}
}

func TestLimit(t *testing.T) {
	st := openStore(t, corpus(150, 8)...)
	embedAll(t, st, newFake())
	e := openEngine(t, st, newFake())
	tests := []struct{ limit, want int }{{0, store.DefaultLimit}, {-3, store.DefaultLimit}, {3, 3}, {120, 120}, {store.MaxLimit + 1, 150}}
	for _, mode := range []Mode{ModeSemantic, ModeHybrid} {
		for _, tt := range tests {
			resp, err := e.Search(t.Context(), Request{Text: "graph neural network language model", Mode: mode, Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Results) != tt.want {
				t.Errorf("%s search with limit %d: %d results, want %d", mode, tt.limit, len(resp.Results), tt.want)
			}
		}
	}
}

// TestSemanticMatchesBruteForce runs semantic search through the store and
// engine and compares it with a float64 ranking of the stored vectors.
func TestSemanticMatchesBruteForce(t *testing.T) {
	papers := corpus(300, 9)
	st := openStore(t, papers...)
	enc := newFake()
	embedAll(t, st, enc)
	e := openEngine(t, st, enc)
	ix := e.idx.Load()
	for _, f := range []store.Filter{{}, {Venues: []string{"ICLR"}}, {Authors: []string{"hinton"}, Years: []int{2024}}} {
		for _, text := range []string{"graph message passing", "privacy noise", "reward agent diffusion"} {
			resp, err := e.Search(t.Context(), Request{Text: text, Mode: ModeSemantic, Limit: 25, Filter: f, Explain: true})
			if err != nil {
				t.Fatal(err)
			}
			q, _ := normalize(enc.vector(text))
			mask, err := e.rows(t.Context(), ix, f)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, r := range bruteTopK(ix, q, mask, -1, 25) {
				want = append(want, ix.ids[r])
			}
			if diff := cmp.Diff(want, resultIDs(resp.Results)); diff != "" {
				t.Errorf("%q, filter %+v (-brute force +engine):\n%s", text, f, diff)
			}
			for i, r := range resp.Results {
				if x := r.Explain; x.SemanticRank > i+1 || x.SemanticRank < 1 || x.Similarity != r.Score {
					t.Errorf("result %d: explanation %+v, score %v", i+1, x, r.Score)
				}
			}
		}
	}
}

// TestExplainKeywordMode: keyword results carry their keyword rank and
// score and, with semantic search on, their exact similarity rank.
func TestExplainKeywordMode(t *testing.T) {
	st := openStore(t, corpus(120, 10)...)
	enc := newFake()
	embedAll(t, st, enc)
	e := openEngine(t, st, enc)
	const text = "federated privacy"
	resp, err := e.Search(t.Context(), Request{Text: text, Mode: ModeKeyword, Limit: 30, Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	sem, err := e.Search(t.Context(), Request{Text: text, Mode: ModeSemantic, Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) == 0 {
		t.Fatal("no keyword results")
	}
	for i, r := range resp.Results {
		x := r.Explain
		j := slices.Index(resultIDs(sem.Results), r.Paper.ID)
		wantRank := 1
		for _, o := range sem.Results {
			if o.Score > sem.Results[j].Score {
				wantRank++
			}
		}
		if x.KeywordRank != i+1 || x.KeywordScore != r.Score || x.SemanticRank != wantRank || x.Similarity != sem.Results[j].Score {
			t.Errorf("result %d (%s): explanation %+v; want keyword rank %d score %v, semantic rank %d similarity %v",
				i+1, r.Paper.ID, x, i+1, r.Score, wantRank, sem.Results[j].Score)
		}
		if len(x.Matched) == 0 {
			t.Errorf("result %d matched no query words", i+1)
		}
	}
}

func TestMatched(t *testing.T) {
	p := paper.Paper{Title: "Graph Transformers", Abstract: "Über große Graphen.", Keywords: []string{"self-supervised"}, Authors: []string{"José Müller"}}
	got := matched(`graph "muller" unknown Graph supervised grosse`, &p)
	if diff := cmp.Diff([]string{"graph", "muller", "supervised"}, got); diff != "" {
		t.Errorf("matched (-want +got):\n%s", diff)
	}
}

// TestConcurrentSearch runs every mode from several goroutines while the
// vectors are reloaded; run it with -race.
func TestConcurrentSearch(t *testing.T) {
	st := openStore(t, corpus(100, 11)...)
	enc := newFake()
	embedAll(t, st, enc)
	e := openEngine(t, st, enc)
	want, err := e.Search(t.Context(), Request{Text: "graph node", Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 6 {
		wg.Go(func() {
			for i := range 10 {
				req := Request{Text: "graph node", Mode: []Mode{ModeHybrid, ModeSemantic, ModeKeyword}[(g+i)%3], Explain: true}
				resp, err := e.Search(context.Background(), req)
				switch {
				case err != nil:
					errs <- err
				case req.Mode == ModeHybrid && !cmp.Equal(resultIDs(want.Results), resultIDs(resp.Results)):
					errs <- fmt.Errorf("hybrid results changed under concurrency: %v", resultIDs(resp.Results))
				}
			}
		})
	}
	wg.Go(func() {
		for range 3 {
			if err := e.Reload(context.Background()); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestReload: papers embedded after Open are found once the engine reloads.
func TestReload(t *testing.T) {
	papers := corpus(40, 12)
	st := openStore(t, papers[:20]...)
	enc := newFake()
	embedAll(t, st, enc)
	e := openEngine(t, st, enc)
	commitPapers(t, st, papers[20:]...)
	embedAll(t, st, enc)
	if e.Len() != 20 {
		t.Fatalf("engine holds %d vectors before Reload, want 20", e.Len())
	}
	if err := e.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if e.Len() != 40 {
		t.Errorf("engine holds %d vectors after Reload, want 40", e.Len())
	}
	if _, err := e.Similar(t.Context(), papers[39].ID, 5, store.Filter{}); err != nil {
		t.Errorf("similar to a paper embedded after Open: %v", err)
	}
}

// TestSearchErrors: a bad request fails with paper.ErrInvalid and a message
// that names the query once, whichever layer found the problem.
func TestSearchErrors(t *testing.T) {
	st := openStore(t, corpus(20, 16)...)
	embedAll(t, st, newFake())
	e := openEngine(t, st, newFake())
	tests := []struct {
		name string
		req  Request
	}{
		{"no searchable words, keyword", Request{Text: "?!", Mode: ModeKeyword}},
		{"no searchable words, hybrid", Request{Text: "?!"}},
		{"blank venue, semantic", Request{Text: "graph", Mode: ModeSemantic, Filter: store.Filter{Venues: []string{""}}}},
		{"blank author, hybrid", Request{Text: "graph", Filter: store.Filter{Authors: []string{" "}}}},
		{"unknown mode", Request{Text: "graph", Mode: "fuzzy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Search(t.Context(), tt.req)
			if !errors.Is(err, paper.ErrInvalid) {
				t.Fatalf("error %v, want paper.ErrInvalid", err)
			}
			if n := strings.Count(err.Error(), fmt.Sprintf("search %q", tt.req.Text)); n != 1 {
				t.Errorf("error %q names the query %d times, want once", err, n)
			}
		})
	}
}
