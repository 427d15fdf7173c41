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
	key, keyed := resultKey(req, mode)
	if keyed {
		if resp, ok := e.answers.get(key, ix); ok {
			return resp, nil
		}
	}
	resp, err := e.search(ctx, ix, req, mode)
	if err == nil && keyed {
		e.answers.put(key, ix, resp)
	}
	return resp, err
}

// search runs req on the vectors ix, in mode.
func (e *Engine) search(ctx context.Context, ix *index, req Request, mode Mode) (Response, error) {
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
	results, err := e.results(ctx, sem.leg)
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

// results fetches the papers of a semantic leg, scored by similarity.
func (e *Engine) results(ctx context.Context, leg []Neighbor) ([]Result, error) {
	ids := make([]string, len(leg))
	for i, n := range leg {
		ids[i] = n.ID
	}
	papers, err := e.papers(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(leg))
	for _, n := range leg {
		if p, ok := papers[n.ID]; ok { // else gone since the vectors were loaded
			out = append(out, Result{Paper: p, Score: n.Similarity})
		}
	}
	return out, nil
}

// semanticsFor embeds the request's text and finds the depth papers most
// similar to it among those passing the filter: in memory, or by asking
// Options.Vectors. Depth 0 asks for no leg, only for explanations.
func (e *Engine) semanticsFor(ctx context.Context, ix *index, req Request, depth int) (*semantics, error) {
	q, err := e.embedQuery(ctx, ix, req.Text)
	if err != nil {
		return nil, err
	}
	if e.opts.Vectors != nil {
		return e.remoteSemantics(ctx, q, req, depth)
	}
	mask, err := e.rows(ctx, ix, req.Filter)
	if err != nil {
		return nil, err
	}
	sem := newSemantics(ix.neighbors(ix.topK(q, mask, -1, depth)))
	sem.ix, sem.q, sem.mask = ix, q, mask
	return sem, nil
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

// papers fetches the papers ids names that are not already in have, keyed
// by id.
func (e *Engine) papers(ctx context.Context, ids []string, have map[string]paper.Paper) (map[string]paper.Paper, error) {
	if have == nil {
		have = map[string]paper.Paper{}
	}
	var need []string
	for _, id := range ids {
		if !hasKey(have, id) {
			need = append(need, id)
		}
	}
	if len(need) == 0 {
		return have, nil
	}
	ps, err := e.st.Papers(ctx, need)
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

// semantics answers, for explanations, a paper's similarity to the query
// and its rank among the papers passing the filter. In memory (ix set) the
// rank is exact for every paper; from Options.Vectors it is known only for
// the papers of the leg.
type semantics struct {
	leg []Neighbor     // the best papers, best first
	in  map[string]int // id → index in leg

	ix   *index
	q    []float32
	mask []bool
	all  []float32 // every row's score, computed when first needed
	rank func(float32) int
}

func newSemantics(leg []Neighbor) *semantics {
	s := &semantics{leg: leg, in: make(map[string]int, len(leg))}
	for i, n := range leg {
		if _, dup := s.in[n.ID]; !dup {
			s.in[n.ID] = i
		}
	}
	return s
}

// of returns the rank and similarity of paper id; rank 0 when unknown. A
// paper in the leg ranks among the leg, which holds every paper scoring
// higher; any other needs every row's score, computed once.
func (s *semantics) of(id string) (int, float64) {
	if i, ok := s.in[id]; ok {
		n := 0
		for n < i && s.leg[n].Similarity > s.leg[i].Similarity {
			n++
		}
		return n + 1, s.leg[i].Similarity
	}
	if s.ix == nil {
		return 0, 0
	}
	r, ok := s.ix.byID[id]
	if !ok || (s.mask != nil && !s.mask[r]) {
		return 0, 0
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
