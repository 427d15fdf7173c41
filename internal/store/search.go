package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Query is a keyword search: words, exact filters, or both.
type Query struct {
	Text   string // words and "quoted phrases"; any input is safe
	Limit  int    // at most this many hits: 10 when ≤ 0, never more than MaxLimit
	Filter Filter
}

// Limits on the number of hits one search returns.
const (
	DefaultLimit = 10
	MaxLimit     = 1000
)

// Filter narrows a search exactly, before ranking. Values within one field
// are alternatives (OR); every non-empty field must match (AND).
type Filter struct {
	// Venues match a paper's venue id, its label or its series (the label's
	// first word: "ICLR" for "ICLR 2025"), ignoring ASCII case.
	Venues []string
	Years  []int
	// Statuses match a paper's status, and its presentation when set.
	Statuses []StatusFilter
	// Authors must each match (AND): an author id exactly ("~Jane_Doe1",
	// ignoring ASCII case), or a whole-word sequence of one author's folded
	// name ("hinton" and "geoffrey e hinton" match "Geoffrey E. Hinton";
	// "jose muller" matches "José Müller"; "hint" matches nothing).
	Authors []string
	// Keywords must each match (AND) a whole-word sequence of one keyword,
	// folded likewise.
	Keywords []string
}

// StatusFilter selects papers by review status and, when Presentation is
// set, by presentation ("accepted" + "oral"). An empty Status matches any
// status.
type StatusFilter struct {
	Status       paper.Status
	Presentation paper.Presentation
}

// Empty reports whether the filter selects every paper.
func (f Filter) Empty() bool {
	return len(f.Venues) == 0 && len(f.Years) == 0 && len(f.Statuses) == 0 &&
		len(f.Authors) == 0 && len(f.Keywords) == 0
}

// Hit is one search result. Score is higher for better matches: the negated
// BM25 rank for keyword searches, 0 for filter-only ones.
type Hit struct {
	Paper paper.Paper
	Score float64
}

// BM25 weights of the FTS columns, in their order: a word in the title
// counts four times one in the abstract.
const bm25Weights = "4.0, 1.0, 2.0, 2.0" // title, abstract, keywords, authors

// errEmptyQuery is returned for a search with neither words nor filters.
var errEmptyQuery = fmt.Errorf("empty query: give search words or a filter: %w", paper.ErrInvalid)

// Search finds papers matching q. With words, the best BM25 matches among
// the papers passing the filter come first. With only a filter, the matching
// papers come ordered by venue and paper number. Errors caused by the query
// itself wrap paper.ErrInvalid.
func (s *Store) Search(ctx context.Context, q Query) ([]Hit, error) {
	where, args, err := q.Filter.sql()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	var stmt string
	if strings.TrimSpace(q.Text) == "" {
		if q.Filter.Empty() {
			return nil, fmt.Errorf("search: %w", errEmptyQuery)
		}
		stmt = filterSQL(where, len(q.Filter.Authors)+len(q.Filter.Keywords) > 0)
	} else {
		parts, err := QueryParts(q.Text)
		if err != nil {
			return nil, fmt.Errorf("search %.80q: %w", q.Text, err)
		}
		if parts, err = s.dropCommon(ctx, parts); err != nil {
			return nil, fmt.Errorf("search %.80q: %w", q.Text, err)
		}
		stmt = textSQL(where, !q.Filter.Empty())
		args = append([]any{matchExpr(parts)}, args...)
	}
	hits, err := s.query(ctx, stmt, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("search %.80q: %w", q.Text, err)
	}
	return hits, nil
}

func (s *Store) query(ctx context.Context, stmt string, args ...any) ([]Hit, error) {
	rows, err := s.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []Hit
	for rows.Next() {
		var h Hit
		if err := scanPaper(rows, &h.Paper, &h.Score); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// textSQL ranks the FTS matches that pass the filter and keeps the best.
// Ranking happens on (pk, score) pairs alone; only the hits' rows are read
// in full, which matters when a common word matches most papers.
func textSQL(where string, filtered bool) string {
	inner := "SELECT f.rowid AS pk, -bm25(papers_fts, " + bm25Weights + ") AS score FROM papers_fts f"
	if filtered {
		inner += " JOIN papers p ON p.pk = f.rowid"
	}
	inner += " WHERE papers_fts MATCH ? AND " + where + " ORDER BY score DESC, f.rowid LIMIT ?"
	return "SELECT " + selectPaper + ", t.score FROM (" + inner + ") t JOIN papers p ON p.pk = t.pk ORDER BY t.score DESC, t.pk"
}

// filterSQL lists the papers passing the filter in venue and number order.
// Author and keyword filters usually match few papers, so then a scan of
// the table and a sort of the matches beats walking the whole venue index
// in order (the unary + keeps SQLite from using it).
func filterSQL(where string, selective bool) string {
	order := "p.venue, p.venue_id, p.number, p.id"
	if selective {
		order = "+p.venue, p.venue_id, p.number, p.id"
	}
	return "SELECT " + selectPaper + ", 0.0 FROM papers p WHERE " + where + " ORDER BY " + order + " LIMIT ?"
}

// series is the first word of a paper's venue label: "ICLR" for "ICLR 2025".
const series = "substr(p.venue, 1, instr(p.venue || ' ', ' ') - 1)"

// sql renders the filter as a condition on papers p ("1" when empty) and its
// arguments. Values are always bound, never spliced.
func (f Filter) sql() (string, []any, error) {
	if err := f.Validate(); err != nil {
		return "", nil, err
	}
	var w where
	if len(f.Venues) > 0 {
		w.anyOf(len(f.Venues), "p.venue_id = ? COLLATE NOCASE OR p.venue = ? COLLATE NOCASE OR "+series+" = ? COLLATE NOCASE",
			func(i int) []any { v := strings.TrimSpace(f.Venues[i]); return []any{v, v, v} })
	}
	if len(f.Years) > 0 {
		w.anyOf(len(f.Years), "p.year = ?", func(i int) []any { return []any{f.Years[i]} })
	}
	if len(f.Statuses) > 0 {
		w.anyOf(len(f.Statuses), "((? = '' OR p.status = ?) AND (? = '' OR p.presentation = ?))", func(i int) []any {
			st := f.Statuses[i]
			return []any{st.Status, st.Status, st.Presentation, st.Presentation}
		})
	}
	for _, a := range f.Authors {
		authorCond(&w, a)
	}
	for _, k := range f.Keywords {
		w.add("instr(p.keywords_fold, ?) > 0", " "+Fold(k)+" ")
	}
	if len(w.conds) == 0 {
		return "1", nil, nil
	}
	return strings.Join(w.conds, " AND "), w.args, nil
}

// Validate rejects filter values that could only be typing mistakes. Other
// backends call it so that a filter fails everywhere as it fails here.
func (f Filter) Validate() error {
	for _, v := range f.Venues {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("venue filter is blank: %w", paper.ErrInvalid)
		}
	}
	for _, st := range f.Statuses {
		if st == (StatusFilter{}) {
			return fmt.Errorf("status filter names neither a status nor a presentation: %w", paper.ErrInvalid)
		}
	}
	for _, a := range f.Authors {
		if strings.TrimSpace(a) == "" {
			return fmt.Errorf("author filter %q is blank: %w", a, paper.ErrInvalid)
		}
	}
	for _, k := range f.Keywords {
		if Fold(k) == "" {
			return fmt.Errorf("keyword filter %q has no letters or digits: %w", k, paper.ErrInvalid)
		}
	}
	return nil
}

// where collects the conditions of a WHERE clause, all ANDed, and their
// bound arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds, w.args = append(w.conds, cond), append(w.args, args...)
}

// anyOf adds n alternatives of the condition one, ORed; bind gives the
// arguments of the i-th.
func (w *where) anyOf(n int, one string, bind func(i int) []any) {
	alts := make([]string, n)
	for i := range n {
		alts[i] = "(" + one + ")"
		w.args = append(w.args, bind(i)...)
	}
	w.conds = append(w.conds, "("+strings.Join(alts, " OR ")+")")
}

// authorCond matches one author filter against folded names and against
// author ids. The ids are compared with ASCII case folding on both sides,
// as SQLite's lower() does, so what the user copied always matches.
func authorCond(w *where, a string) {
	var alts []string
	var args []any
	if folded := Fold(a); folded != "" {
		alts, args = append(alts, "instr(p.authors_fold, ?) > 0"), append(args, " "+folded+" ")
	}
	if id := strings.TrimSpace(a); !strings.Contains(id, listSep) {
		alts = append(alts, "instr(lower(char(31) || p.author_ids || char(31)), ?) > 0")
		args = append(args, listSep+asciiLower(id)+listSep)
	}
	if len(alts) == 0 {
		w.add("0") // only separators: no author can have that id
		return
	}
	w.add("("+strings.Join(alts, " OR ")+")", args...)
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// FilterIDs returns the ids of every paper passing f, in pk order, with no
// limit: semantic search ranks the vectors of exactly these papers. It
// renders f with the same SQL as Search, so both modes filter alike; an
// empty filter passes every paper. Errors caused by f wrap paper.ErrInvalid.
func (s *Store) FilterIDs(ctx context.Context, f Filter) ([]string, error) {
	where, args, err := f.sql()
	if err != nil {
		return nil, fmt.Errorf("filter papers: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT p.id FROM papers p WHERE "+where+" ORDER BY p.pk", args...)
	if err != nil {
		return nil, fmt.Errorf("filter papers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("filter papers: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("filter papers: %w", err)
	}
	return out, nil
}
