package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/chromastore"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

const (
	corpusSeed = 2024
	dim        = 768
	pageSize   = 1000 // papers per Commit and vectors per SaveVectors, as bench/search
)

// benchModel is the model the vectors are recorded as.
var benchModel = store.Model{Name: "bench/chroma-random", Dim: dim, Encoding: search.Encoding}

// indexing is how long each backend took to take in the corpus.
type indexing struct {
	Papers      int     `json:"papers"`
	CommitS     float64 `json:"commit_s"`  // store.Commit, every page
	VectorsS    float64 `json:"vectors_s"` // SetEmbeddingModel + PendingEmbeddings + SaveVectors
	EmbeddedS   float64 `json:"embedded_s"`
	EmbeddedPPS float64 `json:"embedded_papers_per_s"`
	ChromaS     float64 `json:"chroma_s"` // chromastore.Open (create) + Upload
	ChromaPPS   float64 `json:"chroma_papers_per_s"`
	Others      float64 `json:"others_busy_cores"`
}

// corpus is n synthetic papers and a random vector for each, made before
// any timing so that only the backends' work is timed.
type corpus struct {
	papers  []paper.Paper
	vectors [][]byte // float16, unit length, in paper order
}

func newCorpus(n int) corpus {
	g := synth.NewGen(corpusSeed)
	c := corpus{papers: make([]paper.Paper, n), vectors: make([][]byte, n)}
	rng := rand.New(rand.NewPCG(corpusSeed, 5))
	v := make([]float32, dim)
	for i := range c.papers {
		c.papers[i] = g.Paper(i)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		c.vectors[i] = search.EncodeF16(v)
	}
	return c
}

// indexEmbedded writes the corpus into a new SQLite store in dir, as a
// crawl and an embedding run would.
func indexEmbedded(ctx context.Context, dir string, c corpus, ix *indexing) (*store.Store, error) {
	st, err := store.Open(ctx, filepath.Join(dir, "index.db"))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	for _, v := range synth.Venues {
		if err := st.SaveVenue(ctx, v.Venue); err != nil {
			st.Close()
			return nil, fmt.Errorf("save venue %s: %w", v.ID, err)
		}
	}
	for off := 0; off < len(c.papers); off += pageSize {
		page := c.papers[off:min(off+pageSize, len(c.papers))]
		if err := st.Commit(ctx, "bench", page, fmt.Appendf(nil, "%d", off+len(page))); err != nil {
			st.Close()
			return nil, fmt.Errorf("commit papers %d to %d: %w", off, off+len(page), err)
		}
	}
	ix.CommitS = time.Since(start).Seconds()
	t := time.Now()
	if err := saveVectors(ctx, st, c); err != nil {
		st.Close()
		return nil, err
	}
	ix.VectorsS = time.Since(t).Seconds()
	ix.EmbeddedS = time.Since(start).Seconds()
	ix.EmbeddedPPS = float64(len(c.papers)) / ix.EmbeddedS
	return st, nil
}

// saveVectors stores each paper's vector as search.EmbedPapers would,
// page by page of the papers waiting for one.
func saveVectors(ctx context.Context, st *store.Store, c corpus) error {
	if err := st.SetEmbeddingModel(ctx, benchModel, false); err != nil {
		return fmt.Errorf("set embedding model: %w", err)
	}
	byID := make(map[string][]byte, len(c.papers))
	for i, p := range c.papers {
		byID[p.ID] = c.vectors[i]
	}
	var after int64
	for {
		tasks, err := st.PendingEmbeddings(ctx, after, pageSize)
		if err != nil {
			return fmt.Errorf("pending embeddings after pk %d: %w", after, err)
		}
		if len(tasks) == 0 {
			return nil
		}
		vs := make([]store.Vector, len(tasks))
		for i, t := range tasks {
			vs[i] = store.Vector{PK: t.PK, Modified: t.Modified, TextHash: uint64(t.PK), Data: byID[t.ID]}
		}
		if err := st.SaveVectors(ctx, vs); err != nil {
			return fmt.Errorf("save vectors: %w", err)
		}
		after = tasks[len(tasks)-1].PK
	}
}

// indexChroma publishes the store into a new collection, as
// `openreview-finder migrate --to chroma://…` does.
func indexChroma(ctx context.Context, url string, st *store.Store, n int, ix *indexing, log io.Writer) (*chromastore.Store, error) {
	c, err := chroma.New(chroma.Config{URL: url})
	if err != nil {
		return nil, fmt.Errorf("chroma client: %w", err)
	}
	start := time.Now()
	cs, err := chromastore.Open(ctx, c, benchModel, true)
	if err != nil {
		return nil, err
	}
	said := time.Now()
	stats, err := chromastore.Upload(ctx, st, cs, chromastore.SyncOptions{Progress: func(done, total int) {
		if time.Since(said) > 10*time.Second {
			said = time.Now()
			fmt.Fprintf(log, "uploaded %d/%d papers\n", done, total)
		}
	}})
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	if stats.Papers != n || stats.Vectors != n {
		return nil, fmt.Errorf("upload wrote %d papers and %d vectors of %d", stats.Papers, stats.Vectors, n)
	}
	ix.ChromaS = time.Since(start).Seconds()
	ix.ChromaPPS = float64(n) / ix.ChromaS
	return cs, nil
}
