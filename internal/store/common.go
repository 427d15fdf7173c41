package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
// vocabulary (schema 4's papers_vocab). One lookup per term: fts5vocab
// seeks on "term = ?" but scans the whole vocabulary for "term IN (...)".
func (s *Store) termDocs(ctx context.Context, terms []any) (map[string]int, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("read term frequencies: %w", err)
	}
	defer conn.Close()
	stmt, err := conn.PrepareContext(ctx, "SELECT doc FROM papers_vocab WHERE term = ?")
	if err != nil {
		return nil, fmt.Errorf("read term frequencies: %w", err)
	}
	defer stmt.Close()
	docs := make(map[string]int, len(terms))
	for _, t := range terms {
		var n int
		err := stmt.QueryRowContext(ctx, t).Scan(&n)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			n = 0
		case err != nil:
			return nil, fmt.Errorf("read term frequency of %q: %w", t, err)
		}
		docs[t.(string)] = n
	}
	return docs, nil
}
