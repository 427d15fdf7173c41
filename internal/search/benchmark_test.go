package search

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// The benchmark index: SPECTER2's size at the scale the design targets.
const (
	benchPapers = 100_000
	benchDim    = 768
)

var benchModel = store.Model{Name: "bench/specter2", Adapter: "bench/proximity", Dim: benchDim, Encoding: Encoding}

// benchIndex is built once per process and shared by the benchmarks; its
// directory is removed by TestMain.
var benchIndex struct {
	once sync.Once
	dir  string
	st   *store.Store
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchIndex.st != nil {
		benchIndex.st.Close()
	}
	if benchIndex.dir != "" {
		os.RemoveAll(benchIndex.dir)
	}
	os.Exit(code)
}

// benchStore returns the shared 100k-paper store with a random 768-d
// vector per paper, building it on first use (about a minute).
func benchStore(b *testing.B) *store.Store {
	b.Helper()
	if testing.Short() {
		b.Skip("builds a 100k-paper index")
	}
	benchIndex.once.Do(func() {
		start := time.Now()
		benchIndex.dir, benchIndex.err = os.MkdirTemp("", "search-bench-")
		if benchIndex.err == nil {
			benchIndex.st, benchIndex.err = buildBenchStore(filepath.Join(benchIndex.dir, "index.db"))
		}
		b.Logf("built %d papers with %d-d vectors in %v", benchPapers, benchDim, time.Since(start).Round(time.Second))
	})
	if benchIndex.err != nil {
		b.Fatal(benchIndex.err)
	}
	return benchIndex.st
}

func buildBenchStore(path string) (*store.Store, error) {
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	papers := benchCorpus(benchPapers)
	for i := 0; i < len(papers); i += 1000 {
		if err := st.Commit(ctx, "bench", papers[i:min(i+1000, len(papers))], nil); err != nil {
			return nil, err
		}
	}
	if err := st.SetEmbeddingModel(ctx, benchModel, false); err != nil {
		return nil, err
	}
	if _, err := EmbedPapers(ctx, st, randomEmbedder{benchDim}, EmbedOptions{Batch: 1000, PaperText: testPaperText}); err != nil {
		return nil, err
	}
	return st, nil
}

// benchVenues spread papers over venues and years as a real index is.
var benchVenues = []paper.Venue{
	{ID: "ICLR.cc/2024/Conference", Label: "ICLR 2024", Year: 2024},
	{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Year: 2025},
	{ID: "NeurIPS.cc/2023/Conference", Label: "NeurIPS 2023", Year: 2023},
	{ID: "NeurIPS.cc/2024/Conference", Label: "NeurIPS 2024", Year: 2024},
	{ID: "ICML.cc/2024/Conference", Label: "ICML 2024", Year: 2024},
	{ID: "TMLR", Label: "TMLR", Year: 2024},
}

// benchCorpus makes n papers with short texts: the vectors are random, so
// only the keyword leg of a hybrid search reads the words.
func benchCorpus(n int) []paper.Paper {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 2000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%03dx", i)
	}
	text := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(ws, " ")
	}
	papers := make([]paper.Paper, n)
	for i := range papers {
		v := benchVenues[i%len(benchVenues)]
		id := fmt.Sprintf("b%09d", i)
		papers[i] = paper.Paper{
			ID: id, Forum: id, Number: i + 1, VenueID: v.ID, Venue: v.Label, Year: v.Year,
			Status: paper.Statuses[rng.IntN(len(paper.Statuses))], Title: text(8), Abstract: text(40),
			Authors: []string{"Author " + vocab[rng.IntN(300)]}, Modified: time.UnixMilli(1.7e12 + int64(i)),
		}
	}
	return papers
}

// randomEmbedder gives each text a random normal vector seeded by the text.
type randomEmbedder struct{ dim int }

func (r randomEmbedder) Dim() int { return r.dim }

func (r randomEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		h := fnv.New64a()
		h.Write([]byte(t))
		rng := rand.New(rand.NewPCG(h.Sum64(), 7))
		out[i] = make([]float32, r.dim)
		for j := range out[i] {
			out[i][j] = float32(rng.NormFloat64())
		}
	}
	return out, nil
}

// fixedEmbedder returns one precomputed vector at once, so a benchmark
// times the search, not the encoder.
type fixedEmbedder struct{ v []float32 }

func (f fixedEmbedder) Dim() int { return len(f.v) }

func (f fixedEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = f.v
	}
	return out, nil
}

func benchEngine(b *testing.B, st *store.Store) *Engine {
	b.Helper()
	q, _ := randomEmbedder{benchDim}.Embed(context.Background(), []string{"the query"})
	// No response cache: b.Loop repeats the same search.
	e, err := Open(context.Background(), st, Options{Query: fixedEmbedder{q[0]}, Model: benchModel, ResultCache: -1})
	if err != nil {
		b.Fatal(err)
	}
	if e.Len() != benchPapers || e.Semantic() != nil {
		b.Fatalf("engine holds %d vectors, semantic: %v", e.Len(), e.Semantic())
	}
	return e
}

func reportMS(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

// BenchmarkVectorSearch times one search over 100k 768-d vectors with the
// query vector ready: the exact scan, the top 10 and reading their papers.
func BenchmarkVectorSearch(b *testing.B) {
	e := benchEngine(b, benchStore(b))
	filter := store.Filter{Venues: []string{"ICLR"}, Years: []int{2024}}
	tests := []struct {
		name string
		req  Request
	}{
		{"semantic", Request{Text: "q", Mode: ModeSemantic}},
		{"semantic venue+year", Request{Text: "q", Mode: ModeSemantic, Filter: filter}},
		{"keyword", Request{Text: "w001x w002x", Mode: ModeKeyword}}, // hybrid's other leg, for scale
		{"hybrid", Request{Text: "w001x w002x"}},
		{"hybrid venue+year", Request{Text: "w001x w002x", Filter: filter}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				resp, err := e.Search(context.Background(), tt.req)
				if err != nil {
					b.Fatal(err)
				}
				n = len(resp.Results)
			}
			if n != store.DefaultLimit {
				b.Fatalf("%d results, want %d", n, store.DefaultLimit)
			}
			reportMS(b)
		})
	}
}

// BenchmarkOpen times loading 100k 768-d vectors from the store: a web
// server's start and each Reload after indexing.
func BenchmarkOpen(b *testing.B) {
	st := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		benchEngine(b, st)
	}
	reportMS(b)
}
