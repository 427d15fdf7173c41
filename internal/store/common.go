package store

import (
	"context"
	"fmt"
	"strings"
)

// commonShare is the share of papers above which a one-word part of a
// query counts as common. BM25 gives such a word almost no weight (FTS5's
// IDF of a word in 10% of documents is about 2.2, in 95% it is clamped near
// zero), but OR-matching it makes SQLite score nearly every paper: a query
// with "for" or "the" in it matched 97% of a 100k index and took 140 ms
// instead of 12 (bench/search). So common words are left out of the match
// whenever a rarer part remains; the ranking of the papers that match the
// rarer parts barely changes, and papers matching only common words were
// noise.
const commonShare = 0.10

// minCommonPapers keeps small indexes exact: below this many papers every
// word is kept, whatever its share.
const minCommonPapers = 2000

// dropCommon removes the common one-word parts of a query when at least one
// part is not common. Phrases are always kept: their words together are
// rare even when each one is not.
func (s *Store) dropCommon(ctx context.Context, parts [][]string) ([][]string, error) {
	var single []any
	for _, p := range parts {
		if len(p) == 1 {
			single = append(single, p[0])
		}
	}
	if len(single) == 0 || len(parts) == 1 {
		return parts, nil
	}
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM papers").Scan(&total); err != nil {
		return nil, fmt.Errorf("count papers: %w", err)
	}
	if total < minCommonPapers {
		return parts, nil
	}
	docs, err := s.termDocs(ctx, single)
	if err != nil {
		return nil, err
	}
	limit := int(commonShare * float64(total))
	var kept [][]string
	for _, p := range parts {
		if len(p) > 1 || docs[p[0]] <= limit {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return parts, nil // only common words: nothing better to match on
	}
	return kept, nil
}

// termDocs reads how many papers hold each term, from the keyword index's
// vocabulary (schema 4's papers_vocab).
func (s *Store) termDocs(ctx context.Context, terms []any) (map[string]int, error) {
	q := "SELECT term, doc FROM papers_vocab WHERE term IN (?" + strings.Repeat(", ?", len(terms)-1) + ")"
	rows, err := s.db.QueryContext(ctx, q, terms...)
	if err != nil {
		return nil, fmt.Errorf("read term frequencies: %w", err)
	}
	defer rows.Close()
	docs := make(map[string]int, len(terms))
	for rows.Next() {
		var term string
		var n int
		if err := rows.Scan(&term, &n); err != nil {
			return nil, fmt.Errorf("read term frequencies: %w", err)
		}
		docs[term] = n
	}
	return docs, rows.Err()
}
