package search

import (
	"context"
	"fmt"

	"github.com/openreview-finder/openreview-finder/internal/store"
)

// Neighbor is a paper near a query vector.
type Neighbor struct {
	ID         string
	Similarity float64 // cosine
}

// Nearest holds the vectors outside this process, in a vector database
// (chromastore's Store): an engine given one through Options.Vectors loads
// no vectors and asks it instead, so that several servers can share one
// index without each holding it in memory.
type Nearest interface {
	// Nearest returns the k papers passing f whose vectors are most
	// similar to the unit vector q, best first, leaving out paper exclude
	// ("" : none). The filter must be exact, as the store's Search applies
	// it.
	Nearest(ctx context.Context, q []float32, k int, f store.Filter, exclude string) ([]Neighbor, error)
	// Vector returns a paper's vector: paper.ErrNotFound for an unknown
	// paper, ErrNotEmbedded for one without a vector.
	Vector(ctx context.Context, id string) ([]float32, error)
	VectorCount(ctx context.Context) (int, error)
}

// loadRemote reads what an engine over Options.Vectors keeps: the model
// record, to check the encoders against, and the number of vectors.
func loadRemote(ctx context.Context, st Store, opts Options) (*index, error) {
	m, ok, err := st.EmbeddingModel(ctx)
	if err != nil {
		return nil, err
	}
	ix := &index{model: m, dim: m.Dim, remote: true}
	if !ok {
		ix.semantic = ErrNoVectors
		return ix, nil
	}
	if ix.count, err = opts.Vectors.VectorCount(ctx); err != nil {
		return nil, fmt.Errorf("count vectors: %w", err)
	}
	ix.semantic = ix.check(ix.count, opts)
	return ix, nil
}

// remoteSemantics asks Options.Vectors for the semantic leg; depth 0 (an
// explanation of keyword results) asks for as deep a leg as hybrid search
// uses, since no rank is known beyond it.
func (e *Engine) remoteSemantics(ctx context.Context, q []float32, req Request, depth int) (*semantics, error) {
	if depth == 0 {
		depth = max(minDepth, clampLimit(req.Limit))
	}
	leg, err := e.nearestLeg(ctx, q, depth, req.Filter, "")
	if err != nil {
		return nil, err
	}
	return newSemantics(leg), nil
}

// nearestLeg validates f as the in-memory filter would, then asks
// Options.Vectors.
func (e *Engine) nearestLeg(ctx context.Context, q []float32, k int, f store.Filter, exclude string) ([]Neighbor, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	leg, err := e.opts.Vectors.Nearest(ctx, q, k, f, exclude)
	if err != nil {
		return nil, fmt.Errorf("nearest vectors: %w", err)
	}
	return leg, nil
}

// nearest returns the papers of the k vectors nearest q, as results.
func (e *Engine) nearest(ctx context.Context, q []float32, k int, f store.Filter, exclude string) ([]Result, error) {
	leg, err := e.nearestLeg(ctx, q, k, f, exclude)
	if err != nil {
		return nil, err
	}
	return e.results(ctx, leg)
}

// remoteSimilar is Similar over Options.Vectors: the paper's own vector is
// the query. Like the in-memory Similar it needs no encoder, and so does
// not check the model either: stored vectors are compared with each other.
func (e *Engine) remoteSimilar(ctx context.Context, id string, limit int, f store.Filter) ([]Result, error) {
	v, err := e.opts.Vectors.Vector(ctx, id)
	if err != nil {
		return nil, err
	}
	q, err := normalize(v)
	if err != nil {
		return nil, fmt.Errorf("stored vector: %w", err)
	}
	return e.nearest(ctx, q, limit, f, id)
}
