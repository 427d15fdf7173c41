package search

import (
	"context"
	"slices"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// rrfK damps reciprocal rank fusion: a paper's score is Σ 1/(rrfK + rank)
// over the rankings it appears in. 60 is the constant of Cormack, Clarke
// and Büttcher (SIGIR 2009), where it worked across collections; it makes
// agreement between the legs count more than a top rank in one of them.
const rrfK = 60

// titleBonus is added to the fused score of a paper whose title the query
// is, word for word: as if both legs had ranked it first once more, which
// puts it above every paper without the bonus (no fused score exceeds
// 2/(rrfK+1)). Someone who pastes a title wants that paper, however its
// abstract's meaning compares with the title's.
const titleBonus = 2.0 / (rrfK + 1)

// fused is one paper's place in a hybrid ranking.
type fused struct {
	id       string
	score    float64
	kw, sem  int // 1-based rank in each leg, 0 when absent
	semIndex int // index in the semantic leg, when sem > 0
}

// fuse merges two rankings of ids, best first, by reciprocal rank fusion.
// Equal scores keep the keyword leg's order, then the semantic leg's.
func fuse(keyword, semantic []string) []fused {
	out := make([]fused, 0, len(keyword)+len(semantic))
	at := make(map[string]int, cap(out))
	for i, id := range keyword {
		if _, dup := at[id]; dup {
			continue
		}
		at[id] = len(out)
		out = append(out, fused{id: id, kw: i + 1, score: 1.0 / float64(rrfK+i+1)})
	}
	for i, id := range semantic {
		j, ok := at[id]
		if !ok {
			j = len(out)
			at[id] = j
			out = append(out, fused{id: id})
		}
		if out[j].sem == 0 {
			out[j].sem, out[j].semIndex = i+1, i
			out[j].score += 1.0 / float64(rrfK+i+1)
		}
	}
	slices.SortStableFunc(out, func(a, b fused) int { return -cmpFloat64(a.score, b.score) })
	return out
}

// promoteTitles gives titleBonus to the keyword hits whose title is the
// query, word for word (as FTS5 folds words), and re-sorts. Such a paper is
// always among the keyword hits: every word of its title matches.
func promoteTitles(ranked []fused, hits []store.Hit, query string) map[string]bool {
	q := store.Words(query)
	if len(q) == 0 {
		return nil
	}
	var titled map[string]bool
	for i := range ranked {
		f := &ranked[i]
		if f.kw == 0 || !slices.Equal(store.Words(hits[f.kw-1].Paper.Title), q) {
			continue
		}
		if titled == nil {
			titled = map[string]bool{}
		}
		titled[f.id] = true
		f.score += titleBonus
	}
	if titled != nil {
		slices.SortStableFunc(ranked, func(a, b fused) int { return -cmpFloat64(a.score, b.score) })
	}
	return titled
}

func cmpFloat64(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hybrid fuses the keyword leg (BM25) and the semantic leg, each
// max(minDepth, limit) deep, both over the papers passing the filter.
func (e *Engine) hybrid(ctx context.Context, ix *index, req Request) (Response, error) {
	limit := clampLimit(req.Limit)
	hits, sem, err := e.legs(ctx, ix, req, max(minDepth, limit))
	if err != nil {
		return Response{}, err
	}
	kwIDs := make([]string, len(hits))
	have := make(map[string]paper.Paper, len(hits))
	for i, h := range hits {
		kwIDs[i], have[h.Paper.ID] = h.Paper.ID, h.Paper
	}
	semIDs := make([]string, len(sem.leg))
	for i, n := range sem.leg {
		semIDs[i] = n.ID
	}
	ranked := fuse(kwIDs, semIDs)
	titled := promoteTitles(ranked, hits, req.Text)
	ranked = ranked[:min(limit, len(ranked))]
	var need []string
	for _, f := range ranked {
		if f.kw == 0 {
			need = append(need, sem.leg[f.semIndex].ID)
		}
	}
	papers, err := e.papers(ctx, need, have)
	if err != nil {
		return Response{}, searchErr(req, err)
	}
	resp := Response{Results: make([]Result, 0, len(ranked)), Mode: ModeHybrid}
	for _, f := range ranked {
		p, ok := papers[f.id]
		if !ok {
			continue // gone from the store since the vectors were loaded
		}
		r := Result{Paper: p, Score: f.score}
		if req.Explain {
			r.Explain = explain(req.Text, &r.Paper, sem)
			if f.kw > 0 {
				r.Explain.KeywordRank, r.Explain.KeywordScore = f.kw, hits[f.kw-1].Score
			}
			r.Explain.TitleMatch = titled[f.id]
		}
		resp.Results = append(resp.Results, r)
	}
	return resp, nil
}

// legs runs both legs of a hybrid search, depth deep. The keyword leg runs
// in the store while the query is embedded and the vectors scanned (or
// asked of Options.Vectors); its buffered channel lets it finish on its
// own if the semantic leg fails.
func (e *Engine) legs(ctx context.Context, ix *index, req Request, depth int) ([]store.Hit, *semantics, error) {
	type keywordLeg struct {
		hits []store.Hit
		err  error
	}
	kw := make(chan keywordLeg, 1)
	go func() {
		hits, err := e.st.Search(ctx, store.Query{Text: req.Text, Limit: depth, Filter: req.Filter})
		kw <- keywordLeg{hits, err}
	}()
	sem, err := e.semanticsFor(ctx, ix, req, depth)
	if err != nil {
		return nil, nil, searchErr(req, err)
	}
	leg := <-kw // its errors name the query already
	return leg.hits, sem, leg.err
}
