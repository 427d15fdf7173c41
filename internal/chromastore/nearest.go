package chromastore

import (
	"context"
	"fmt"

	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// Nearest returns the k papers passing f whose vectors are most similar to
// q, best first, leaving out paper exclude ("" for none). Every filter,
// authors and keywords included, runs in Chroma exactly as the SQLite store
// applies it, so no candidates are fetched beyond k (one more when one is
// to be left out). The ranking is Chroma's HNSW index: exact on small
// collections and filtered sets, approximate (with high recall) on large
// ones.
func (s *Store) Nearest(ctx context.Context, q []float32, k int, f store.Filter, exclude string) ([]search.Neighbor, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, fmt.Errorf("nearest papers: %w", err)
	}
	if len(q) != s.model.Dim {
		return nil, fmt.Errorf("nearest papers: query vector of %d numbers, the index holds %d: %w", len(q), s.model.Dim, paper.ErrInvalid)
	}
	if k <= 0 || flt.none {
		return nil, nil
	}
	n := k
	if exclude != "" {
		n++
	}
	ms, err := s.col.Query(ctx, chroma.QueryRequest{
		Embedding: q, NResults: n, Where: flt.where, WhereDocument: flt.whereDocument(),
		Include: []chroma.Include{},
	})
	if err != nil {
		return nil, fmt.Errorf("nearest papers: %w", err)
	}
	out := make([]search.Neighbor, 0, k)
	for _, m := range ms {
		if m.ID != exclude && len(out) < k {
			out = append(out, search.Neighbor{ID: m.ID, Similarity: 1 - m.Distance})
		}
	}
	return out, nil
}

// Vector returns a paper's unit vector; the error wraps paper.ErrNotFound
// when the collection has no such paper (every paper it has has a vector).
func (s *Store) Vector(ctx context.Context, id string) ([]float32, error) {
	recs, err := s.col.Get(ctx, chroma.GetRequest{IDs: []string{id}, Include: []chroma.Include{chroma.IncludeEmbeddings}})
	if err != nil {
		return nil, fmt.Errorf("vector of paper %q: %w", id, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("paper %q: %w", id, paper.ErrNotFound)
	}
	if len(recs[0].Embedding) != s.model.Dim {
		return nil, fmt.Errorf("vector of paper %q has %d numbers, want %d", id, len(recs[0].Embedding), s.model.Dim)
	}
	return recs[0].Embedding, nil
}

// VectorCount returns the number of vectors, which is the number of papers.
func (s *Store) VectorCount(ctx context.Context) (int, error) {
	n, err := s.col.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count vectors: %w", err)
	}
	return n, nil
}
