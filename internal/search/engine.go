package search

import (
	"context"
	"fmt"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// minDepth is how deep each leg of a hybrid search goes (at least the
// limit): deep enough that a paper one leg ranks well and the other ranks
// moderately still surfaces, shallow enough that the keyword leg is cheap.
const minDepth = 100

// Search runs req. Errors caused by the request wrap paper.ErrInvalid; a
// semantic-mode search while semantic search is off returns why (see
// Semantic), while a hybrid one falls back to keyword search and says why
// in Response.Notice.
func (e *Engine) Search(ctx context.Context, req Request) (Response, error) {
	mode, err := ParseMode(string(req.Mode))
	if err != nil {
		return Response{}, searchErr(req, err)
	}
	ix := e.idx.Load()
	empty := strings.TrimSpace(req.Text) == ""
	switch {
	case mode == ModeKeyword:
		return e.keyword(ctx, ix, req, "")
	case mode == ModeSemantic && ix.semantic != nil:
		return Response{}, searchErr(req, fmt.Errorf("semantic search is off: %w", ix.semantic))
	case mode == ModeSemantic && empty:
		return Response{}, searchErr(req, fmt.Errorf("semantic search needs words to search for: %w", paper.ErrInvalid))
	case mode == ModeSemantic:
		return e.semantic(ctx, ix, req)
	case empty:
		// Nothing to rank by meaning: list the filter's papers.
		return e.keyword(ctx, ix, req, "")
	case ix.semantic != nil:
		return e.keyword(ctx, ix, req, "semantic search is off: "+ix.semantic.Error()+"; showing keyword results")
	}
	return e.hybrid(ctx, ix, req)
}

// searchErr adds the query to an error. Errors of the store's Search carry
// it already and are returned as they are.
func searchErr(req Request, err error) error {
	return fmt.Errorf("search %.80q: %w", req.Text, err)
}

// keyword runs the store's BM25 search.
func (e *Engine) keyword(ctx context.Context, ix *index, req Request, notice string) (Response, error) {
	hits, err := e.st.Search(ctx, store.Query{Text: req.Text, Limit: clampLimit(req.Limit), Filter: req.Filter})
	if err != nil {
		return Response{}, err
	}
	resp := Response{Results: make([]Result, len(hits)), Mode: ModeKeyword, Notice: notice}
	for i, h := range hits {
		resp.Results[i] = Result{Paper: h.Paper, Score: h.Score}
	}
	if !req.Explain {
		return resp, nil
	}
	var sem *semantics
	if ix.semantic == nil && strings.TrimSpace(req.Text) != "" {
		if sem, err = e.semanticsFor(ctx, ix, req, 0); err != nil {
			return Response{}, searchErr(req, err)
		}
	}
	for i := range resp.Results {
		r := &resp.Results[i]
		r.Explain = explain(req.Text, &r.Paper, sem)
		if strings.TrimSpace(req.Text) != "" {
			r.Explain.KeywordRank, r.Explain.KeywordScore = i+1, r.Score
		}
	}
	return resp, nil
}

// semantic ranks the papers passing the filter by similarity to the text.
func (e *Engine) semantic(ctx context.Context, ix *index, req Request) (Response, error) {
	limit := clampLimit(req.Limit)
	sem, err := e.semanticsFor(ctx, ix, req, limit)
	if err != nil {
		return Response{}, searchErr(req, err)
	}
	results, err := e.results(ctx, ix, sem.leg)
	if err != nil {
		return Response{}, searchErr(req, err)
	}
	if req.Explain {
		for i := range results {
			results[i].Explain = explain(req.Text, &results[i].Paper, sem)
		}
	}
	return Response{Results: results, Mode: ModeSemantic}, nil
}

// results fetches the papers of hits, scored by similarity.
func (e *Engine) results(ctx context.Context, ix *index, hits []hit) ([]Result, error) {
	papers, err := e.papers(ctx, ix, hits, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(hits))
	for _, h := range hits {
		if p, ok := papers[ix.ids[h.row]]; ok { // else gone since the vectors were loaded
			out = append(out, Result{Paper: p, Score: float64(h.score)})
		}
	}
	return out, nil
}

// semanticsFor embeds the request's text and finds the depth rows most
// similar to it among those passing the filter.
func (e *Engine) semanticsFor(ctx context.Context, ix *index, req Request, depth int) (*semantics, error) {
	q, err := e.embedQuery(ctx, ix, req.Text)
	if err != nil {
		return nil, err
	}
	mask, err := e.rows(ctx, ix, req.Filter)
	if err != nil {
		return nil, err
	}
	return newSemantics(ix, q, mask, ix.topK(q, mask, -1, depth)), nil
}

// embedQuery returns the unit vector of a search text, from the cache when
// the same text was embedded before. The text is the key as typed: the
// encoder's tokenizer, not this cache, decides what is equivalent.
func (e *Engine) embedQuery(ctx context.Context, ix *index, text string) ([]float32, error) {
	if v, ok := e.queries.get(text); ok && len(v) == ix.dim {
		return v, nil
	}
	v, err := embedOne(ctx, e.opts.Query, ix.dim, text)
	if err != nil {
		return nil, err
	}
	e.queries.put(text, v)
	return v, nil
}

func embedOne(ctx context.Context, enc Embedder, dim int, text string) ([]float32, error) {
	vs, err := enc.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	if len(vs) != 1 || len(vs[0]) != dim {
		return nil, fmt.Errorf("embed: the encoder returned %d vectors (want 1 of %d numbers)", len(vs), dim)
	}
	return normalize(vs[0])
}

// papers fetches the papers of hits not already in have, keyed by id.
func (e *Engine) papers(ctx context.Context, ix *index, hits []hit, have map[string]paper.Paper) (map[string]paper.Paper, error) {
	if have == nil {
		have = map[string]paper.Paper{}
	}
	var ids []string
	for _, h := range hits {
		if id := ix.ids[h.row]; !hasKey(have, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return have, nil
	}
	ps, err := e.st.Papers(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		have[p.ID] = p
	}
	return have, nil
}

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// semantics answers, for explanations, a row's similarity to the query and
// its exact rank among the rows passing the filter.
type semantics struct {
	ix   *index
	q    []float32
	mask []bool
	leg  []hit         // the best rows, best first
	in   map[int32]int // row → index in leg
	all  []float32     // every row's score, computed when first needed
	rank func(float32) int
}

func newSemantics(ix *index, q []float32, mask []bool, leg []hit) *semantics {
	s := &semantics{ix: ix, q: q, mask: mask, leg: leg, in: make(map[int32]int, len(leg))}
	for i, h := range leg {
		s.in[h.row] = i
	}
	return s
}

// of returns the rank and similarity of paper id; rank 0 when it has no
// vector. A row in the leg ranks among the leg, which holds every row
// scoring higher; any other needs every row's score, computed once.
func (s *semantics) of(id string) (int, float64) {
	r, ok := s.ix.byID[id]
	if !ok || (s.mask != nil && !s.mask[r]) {
		return 0, 0
	}
	if i, ok := s.in[r]; ok {
		h := s.leg[i]
		n := 0
		for n < i && s.leg[n].score > h.score {
			n++
		}
		return n + 1, float64(h.score)
	}
	if s.all == nil {
		all, sorted := s.ix.scores(s.q, s.mask)
		s.all, s.rank = all, func(x float32) int { return rankOf(sorted, x) }
	}
	return s.rank(s.all[r]), float64(s.all[r])
}

// explain fills what a result's ranks do not: similarity and matched words.
func explain(text string, p *paper.Paper, sem *semantics) *Explanation {
	x := &Explanation{Matched: matched(text, p)}
	if sem != nil {
		x.SemanticRank, x.Similarity = sem.of(p.ID)
	}
	return x
}

// matched returns the words of text that the paper's indexed fields hold,
// in the order of text, each once.
func matched(text string, p *paper.Paper) []string {
	have := map[string]bool{}
	for _, f := range [][]string{{p.Title, p.Abstract}, p.Keywords, p.Authors} {
		for _, s := range f {
			for _, w := range store.Words(s) {
				have[w] = true
			}
		}
	}
	var out []string
	for _, w := range store.Words(text) {
		if have[w] {
			out = append(out, w)
			delete(have, w)
		}
	}
	return out
}
