package chromastore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// maxCandidates bounds the papers one keyword search fetches and ranks.
const maxCandidates = 2000

// BM25 as SQLite's FTS5 computes it, with the store's column weights.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

var fieldWeights = [4]float64{4, 1, 2, 2} // title, abstract, keywords, authors

// Search finds papers matching q as the SQLite store's Search does: with
// words, the best BM25 matches among the papers passing the filter first
// (see the package comment for what is approximated); with only a filter,
// the matching papers by venue and paper number. Errors caused by the query
// itself wrap paper.ErrInvalid.
func (s *Store) Search(ctx context.Context, q store.Query) ([]store.Hit, error) {
	flt, err := newFilter(q.Filter)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = store.DefaultLimit
	case limit > store.MaxLimit:
		limit = store.MaxLimit
	}
	if strings.TrimSpace(q.Text) == "" {
		if q.Filter.Empty() {
			return nil, fmt.Errorf("search: empty query: give search words or a filter: %w", paper.ErrInvalid)
		}
		hits, err := s.listFiltered(ctx, flt, limit)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		return hits, nil
	}
	ps := phrases(q.Text)
	if len(ps) == 0 {
		return nil, fmt.Errorf("search %.80q: query has no searchable words: %w", q.Text, paper.ErrInvalid)
	}
	hits, err := s.rank(ctx, flt, ps, limit)
	if err != nil {
		return nil, fmt.Errorf("search %.80q: %w", q.Text, err)
	}
	return hits, nil
}

// phrases splits what a user typed exactly as the store's query parser
// does (store.QueryParts); nil when it holds no words.
func phrases(text string) [][]string {
	ps, err := store.QueryParts(text)
	if err != nil {
		return nil
	}
	return ps
}

// listFiltered lists the papers passing the filter in venue and number
// order. Chroma cannot sort, so every match is read.
func (s *Store) listFiltered(ctx context.Context, flt filter, limit int) ([]store.Hit, error) {
	if flt.none {
		return nil, nil
	}
	var all []paper.Paper
	req := chroma.GetRequest{Where: flt.where, WhereDocument: flt.whereDocument(), Include: []chroma.Include{chroma.IncludeMetadatas}}
	err := s.pages(ctx, req, recordPage, func(recs []chroma.Record) error {
		for _, r := range recs {
			p, err := decodePaper(r.ID, r.Metadata)
			if err != nil {
				return err
			}
			all = append(all, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b paper.Paper) int {
		return cmp.Or(strings.Compare(a.Venue, b.Venue), strings.Compare(a.VenueID, b.VenueID),
			cmp.Compare(a.Number, b.Number), strings.Compare(a.ID, b.ID))
	})
	hits := make([]store.Hit, min(limit, len(all)))
	for i := range hits {
		hits[i] = store.Hit{Paper: all[i]}
	}
	return hits, nil
}

// candidate is a paper matching at least one phrase, with what BM25 needs.
type candidate struct {
	rec   chroma.Record
	freqs []float64 // weighted frequency of each phrase
	size  int       // words in the four fields
}

// rank fetches the papers matching any phrase and passing the filter, and
// ranks them by BM25.
func (s *Store) rank(ctx context.Context, flt filter, ps [][]string, limit int) ([]store.Hit, error) {
	if flt.none {
		return nil, nil
	}
	recs, err := s.candidates(ctx, flt, ps)
	if err != nil {
		return nil, err
	}
	n, err := s.col.Count(ctx)
	if err != nil {
		return nil, err
	}
	cands := make([]candidate, 0, len(recs))
	df := make([]int, len(ps))
	total := 0
	for _, r := range recs {
		c := score(r, ps)
		if c.size < 0 {
			continue // matched only outside the text (an author id): not a keyword match
		}
		for i, f := range c.freqs {
			if f > 0 {
				df[i]++
			}
		}
		total += c.size
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return nil, nil
	}
	return hits(cands, bm25(cands, df, max(n, len(cands)), float64(total)/float64(len(cands))), limit)
}

// candidates fetches up to maxCandidates papers passing the filter that
// match any phrase. When more match, the papers whose title holds a phrase
// come first: they score highest by far (weight 4).
func (s *Store) candidates(ctx context.Context, flt filter, ps [][]string) ([]chroma.Record, error) {
	anyPhrase := make([]map[string]any, len(ps))
	inTitle := make([]map[string]any, len(ps))
	for i, p := range ps {
		anyPhrase[i] = contains(" " + strings.Join(p, " ") + " ")
		// The title is the text before the first " | ".
		inTitle[i] = map[string]any{"$regex": `^[^|]* ` + regexp.QuoteMeta(strings.Join(p, " ")) + ` `}
	}
	include := []chroma.Include{chroma.IncludeMetadatas, chroma.IncludeDocuments}
	recs, err := s.col.Get(ctx, chroma.GetRequest{
		Where: flt.where, WhereDocument: flt.whereDocument(anyOf(anyPhrase...)),
		Limit: s.maxCandidates + 1, Include: include,
	})
	if err != nil || len(recs) <= s.maxCandidates {
		return recs, err
	}
	titled, err := s.col.Get(ctx, chroma.GetRequest{
		Where: flt.where, WhereDocument: flt.whereDocument(anyOf(inTitle...)),
		Limit: s.maxCandidates, Include: include,
	})
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(titled))
	for _, r := range titled {
		have[r.ID] = true
	}
	for _, r := range recs {
		if len(titled) == s.maxCandidates {
			break
		}
		if !have[r.ID] {
			titled = append(titled, r)
		}
	}
	return titled, nil
}

// score counts each phrase's weighted frequency in a record's fields; size
// is -1 when no phrase occurs in them.
func score(r chroma.Record, ps [][]string) candidate {
	fields := textFields(r.Document)
	c := candidate{rec: r, freqs: make([]float64, len(ps))}
	found := false
	for f, words := range fields {
		c.size += len(words)
		for i, p := range ps {
			if n := occurrences(words, p); n > 0 {
				c.freqs[i] += fieldWeights[f] * float64(n)
				found = true
			}
		}
	}
	if !found {
		c.size = -1
	}
	return c
}

// occurrences counts the positions where phrase starts in words, as FTS5
// counts a phrase's instances.
func occurrences(words, phrase []string) int {
	n := 0
	for i := 0; i+len(phrase) <= len(words); i++ {
		if slices.Equal(words[i:i+len(phrase)], phrase) {
			n++
		}
	}
	return n
}

// bm25 scores each candidate as FTS5's bm25() does, negated so that higher
// is better: nRow papers, df[i] of them holding phrase i, avgdl words on
// average.
func bm25(cands []candidate, df []int, nRow int, avgdl float64) []float64 {
	idf := make([]float64, len(df))
	for i, h := range df {
		idf[i] = math.Log((float64(nRow) - float64(h) + 0.5) / (float64(h) + 0.5))
		if idf[i] <= 0 {
			idf[i] = 1e-6
		}
	}
	scores := make([]float64, len(cands))
	for j, c := range cands {
		norm := bm25K1 * (1 - bm25B + bm25B*float64(c.size)/avgdl)
		for i, f := range c.freqs {
			scores[j] += idf[i] * (f * (bm25K1 + 1)) / (f + norm)
		}
	}
	return scores
}

// hits orders candidates by score, best first (ties by id, where the store
// breaks them by insertion order), and decodes the best limit.
func hits(cands []candidate, scores []float64, limit int) ([]store.Hit, error) {
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(scores[b], scores[a]), strings.Compare(cands[a].rec.ID, cands[b].rec.ID))
	})
	out := make([]store.Hit, 0, min(limit, len(order)))
	for _, i := range order[:min(limit, len(order))] {
		p, err := decodePaper(cands[i].rec.ID, cands[i].rec.Metadata)
		if err != nil {
			return nil, err
		}
		out = append(out, store.Hit{Paper: p, Score: scores[i]})
	}
	return out, nil
}
