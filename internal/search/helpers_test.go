package search

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// *store.Store is what main passes for both interfaces.
var (
	_ Store       = (*store.Store)(nil)
	_ VectorStore = (*store.Store)(nil)
)

const testDim = 16

// testModel is the fake encoders' model, as main would record it.
var testModel = store.Model{Name: "fake/base", Adapter: "fake/proximity", Dim: testDim, Encoding: Encoding}

// fakeEmbedder is a deterministic encoder: each word of a text adds ±1 to
// the coordinate its hash picks, so texts sharing words are similar.
// override maps an exact text to a chosen vector; fail, when set, may
// return an error or a replacement output for a call.
type fakeEmbedder struct {
	dim      int
	override map[string][]float32

	mu    sync.Mutex
	texts []string // every text embedded, in order
	fail  func(texts []string) ([][]float32, error)
}

func newFake() *fakeEmbedder { return &fakeEmbedder{dim: testDim} }

func (f *fakeEmbedder) Dim() int { return f.dim }

func (f *fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		if out, err := fail(texts); out != nil || err != nil {
			return out, err
		}
	}
	f.mu.Lock()
	f.texts = append(f.texts, texts...)
	f.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = f.vector(t)
	}
	return out, nil
}

func (f *fakeEmbedder) vector(text string) []float32 {
	if v, ok := f.override[text]; ok {
		return slices.Clone(v)
	}
	v := make([]float32, f.dim)
	v[0] = 0.1 // never the zero vector
	for _, w := range store.Words(text) {
		h := fnv.New64a()
		h.Write([]byte(w))
		x := h.Sum64()
		sign := float32(1)
		if x>>32&1 == 1 {
			sign = -1
		}
		v[x%uint64(f.dim)] += sign
	}
	return v
}

// embedded returns the texts embedded so far.
func (f *fakeEmbedder) embedded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.texts)
}

func testPaperText(title, abstract string) string { return title + " [SEP] " + abstract }

// openStore opens a fresh store in a temporary directory holding papers.
func openStore(t testing.TB, papers ...paper.Paper) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	commitPapers(t, st, papers...)
	return st
}

func commitPapers(t testing.TB, st *store.Store, papers ...paper.Paper) {
	t.Helper()
	for i := 0; i < len(papers); i += 500 {
		batch := papers[i:min(i+500, len(papers))]
		if err := st.Commit(context.Background(), "test", batch, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// embedAll records testModel and embeds every pending paper with enc.
func embedAll(t testing.TB, st *store.Store, enc Embedder) EmbedStats {
	t.Helper()
	ctx := context.Background()
	if err := st.SetEmbeddingModel(ctx, testModel, false); err != nil {
		t.Fatal(err)
	}
	stats, err := EmbedPapers(ctx, st, enc, EmbedOptions{Batch: 7, PaperText: testPaperText})
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

// openEngine opens an engine with query and paper encoders q.
func openEngine(t testing.TB, st Store, q Embedder) *Engine {
	t.Helper()
	opts := Options{Model: testModel, PaperText: testPaperText}
	if q != nil {
		opts.Query, opts.Paper = q, q
	}
	e, err := Open(context.Background(), st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var (
	testVenues = []paper.Venue{
		{ID: "ICLR.cc/2024/Conference", Label: "ICLR 2024", Year: 2024},
		{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Year: 2025},
		{ID: "NeurIPS.cc/2024/Conference", Label: "NeurIPS 2024", Year: 2024},
		{ID: "TMLR", Label: "TMLR", Year: 0},
		{ID: "Kelvin.org/2023/Workshop", Label: "Kelvin 2023", Year: 2023},
	}
	testTopics = [][]string{
		{"graph", "neural", "network", "message", "passing", "node"},
		{"language", "model", "token", "transformer", "attention", "prompt"},
		{"reinforcement", "policy", "reward", "agent", "exploration", "value"},
		{"diffusion", "image", "denoising", "generative", "sampling", "score"},
		{"privacy", "federated", "client", "differential", "noise", "secure"},
	}
	testAuthors = []string{"Geoffrey E. Hinton", "José Müller", "Yann LeCun", "Jane Doe", "Ada Lovelace", "Alan Turing", "Grace Hopper"}
	testPres    = []paper.Presentation{"", paper.PresentationOral, paper.PresentationSpotlight, paper.PresentationPoster}
)

// corpus makes n papers over testVenues, on testTopics, with random
// statuses, authors and keywords; the same seed gives the same papers.
func corpus(n int, seed uint64) []paper.Paper {
	rng := rand.New(rand.NewPCG(seed, 1))
	words := func(topic []string, k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = topic[rng.IntN(len(topic))]
		}
		return out
	}
	papers := make([]paper.Paper, n)
	for i := range papers {
		v := testVenues[rng.IntN(len(testVenues))]
		topic := testTopics[rng.IntN(len(testTopics))]
		p := paper.Paper{
			ID: fmt.Sprintf("p%04d", i), Number: i + 1, VenueID: v.ID, Venue: v.Label, Year: v.Year,
			Status: paper.Statuses[rng.IntN(len(paper.Statuses))], Presentation: testPres[rng.IntN(len(testPres))],
			Title: strings.Join(words(topic, 4), " "), Abstract: strings.Join(words(topic, 12), " ") + " " + strings.Join(words(testTopics[rng.IntN(len(testTopics))], 4), " "),
			Keywords: words(topic, 1+rng.IntN(2)), Modified: time.UnixMilli(1.7e12 + int64(i)),
		}
		p.Forum = p.ID
		for range 1 + rng.IntN(3) {
			j := rng.IntN(len(testAuthors))
			p.Authors = append(p.Authors, testAuthors[j])
			p.AuthorIDs = append(p.AuthorIDs, fmt.Sprintf("~Author_%d1", j))
		}
		papers[i] = p
	}
	return papers
}

func resultIDs(rs []Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Paper.ID
	}
	return out
}
