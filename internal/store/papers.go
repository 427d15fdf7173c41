package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// paperColumns are the columns that hold a paper.Paper, in the order
// scanPaper reads them and paperArgs writes them.
var paperColumns = []string{
	"id", "forum", "number", "venue_id", "venue", "venue_raw", "year", "api_version",
	"status", "presentation", "title", "abstract", "tldr", "authors", "author_ids", "keywords",
	"primary_area", "forum_url", "pdf_url", "bibtex", "created", "modified", "published", "incomplete",
}

// selectPaper lists paperColumns qualified by the alias p.
var selectPaper = "p." + strings.Join(paperColumns, ", p.")

// upsertPaper writes a paper by id, replacing every field. An update keeps
// the row's pk, so the FTS row (and, later, the vector) stays attached.
var upsertPaper = func() string {
	cols := append(paperColumns[:len(paperColumns):len(paperColumns)], "authors_fold", "keywords_fold")
	set := make([]string, 0, len(cols)-1)
	for _, c := range cols[1:] {
		set = append(set, c+" = excluded."+c)
	}
	return "INSERT INTO papers (" + strings.Join(cols, ", ") + ") VALUES (?" +
		strings.Repeat(", ?", len(cols)-1) + ") ON CONFLICT (id) DO UPDATE SET " + strings.Join(set, ", ")
}()

func paperArgs(p *paper.Paper) []any {
	return []any{
		p.ID, p.Forum, p.Number, p.VenueID, p.Venue, p.VenueRaw, p.Year, p.APIVersion,
		string(p.Status), string(p.Presentation), p.Title, p.Abstract, p.TLDR,
		joinList(p.Authors), joinList(p.AuthorIDs), joinList(p.Keywords),
		p.PrimaryArea, p.ForumURL, p.PDFURL, p.BibTeX,
		unixMilli(p.Created), unixMilli(p.Modified), unixMilli(p.Published), p.Incomplete,
		foldList(p.Authors), foldList(p.Keywords),
	}
}

// scanPaper reads paperColumns, followed by extra destinations.
func scanPaper(sc interface{ Scan(...any) error }, p *paper.Paper, extra ...any) error {
	var authors, authorIDs, keywords sql.NullString
	var created, modified, published sql.NullInt64
	dest := []any{
		&p.ID, &p.Forum, &p.Number, &p.VenueID, &p.Venue, &p.VenueRaw, &p.Year, &p.APIVersion,
		&p.Status, &p.Presentation, &p.Title, &p.Abstract, &p.TLDR, &authors, &authorIDs, &keywords,
		&p.PrimaryArea, &p.ForumURL, &p.PDFURL, &p.BibTeX, &created, &modified, &published, &p.Incomplete,
	}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	p.Authors, p.AuthorIDs, p.Keywords = splitList(authors), splitList(authorIDs), splitList(keywords)
	p.Created, p.Modified, p.Published = fromMilli(created), fromMilli(modified), fromMilli(published)
	return nil
}

// listSep joins list items. The FTS tokenizer treats it as a separator, so
// the joined text indexes like the items themselves.
const listSep = "\x1f"

// joinList stores an empty list as NULL, so [] and [""] stay distinct. A
// separator inside an item (never seen in real data) becomes a space.
func joinList(xs []string) any {
	if len(xs) == 0 {
		return nil
	}
	clean := make([]string, len(xs))
	for i, x := range xs {
		clean[i] = strings.ReplaceAll(x, listSep, " ")
	}
	return strings.Join(clean, listSep)
}

// splitList returns nil for NULL: an empty list reads back as nil.
func splitList(s sql.NullString) []string {
	if !s.Valid {
		return nil
	}
	return strings.Split(s.String, listSep)
}

// foldList folds each item and joins them as the *_fold columns expect:
// " a b | c d ".
func foldList(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	folded := make([]string, len(xs))
	for i, x := range xs {
		folded[i] = Fold(x)
	}
	return " " + strings.Join(folded, " | ") + " "
}

func unixMilli(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMilli(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}

// Commit stores papers (each replacing any stored paper with its ID) and,
// unless checkpoint is nil, sets the crawl checkpoint for key, all in one
// transaction: either everything is stored or nothing is. Once Commit returns
// nil the data survives the process being killed.
//
// Papers read back as written, except that times keep millisecond precision
// (OpenReview's own) and come back in UTC, and empty lists come back nil.
func (s *Store) Commit(ctx context.Context, key string, papers []paper.Paper, checkpoint []byte) error {
	if checkpoint != nil && key == "" {
		return fmt.Errorf("commit: checkpoint without a key: %w", paper.ErrInvalid)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit %q: %w", key, err)
	}
	defer tx.Rollback()
	if err := s.writePapers(ctx, tx, papers); err != nil {
		return fmt.Errorf("commit %q: %w", key, err)
	}
	if checkpoint != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (key, data, updated) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET data = excluded.data, updated = excluded.updated`,
			key, checkpoint, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("commit %q: checkpoint: %w", key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit %q: %w", key, err)
	}
	return nil
}

func (s *Store) writePapers(ctx context.Context, tx *sql.Tx, papers []paper.Paper) error {
	if len(papers) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, upsertPaper)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	defer stmt.Close()
	for i := range papers {
		p := &papers[i]
		if s.beforePaper != nil {
			if err := s.beforePaper(i); err != nil {
				return fmt.Errorf("paper %q: %w", p.ID, err)
			}
		}
		if strings.TrimSpace(p.ID) == "" {
			return fmt.Errorf("paper %d of %d (%.60q) has no id: %w", i+1, len(papers), p.Title, paper.ErrInvalid)
		}
		if _, err := stmt.ExecContext(ctx, paperArgs(p)...); err != nil {
			return fmt.Errorf("paper %q: %w", p.ID, err)
		}
	}
	return nil
}

// Checkpoint returns the checkpoint last committed for key, or nil, nil when
// there is none. A committed empty checkpoint reads back as an empty, non-nil
// slice.
func (s *Store) Checkpoint(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, "SELECT data FROM checkpoints WHERE key = ?", key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %q: %w", key, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// Paper returns the paper with the given note id; the error wraps
// paper.ErrNotFound when there is none.
func (s *Store) Paper(ctx context.Context, id string) (paper.Paper, error) {
	var p paper.Paper
	row := s.db.QueryRowContext(ctx, "SELECT "+selectPaper+" FROM papers p WHERE p.id = ?", id)
	err := scanPaper(row, &p)
	if errors.Is(err, sql.ErrNoRows) {
		return paper.Paper{}, fmt.Errorf("paper %q: %w", id, paper.ErrNotFound)
	}
	if err != nil {
		return paper.Paper{}, fmt.Errorf("read paper %q: %w", id, err)
	}
	return p, nil
}

// Count returns the number of papers stored.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM papers").Scan(&n); err != nil {
		return 0, fmt.Errorf("count papers: %w", err)
	}
	return n, nil
}

// SaveVenue stores v, replacing any venue with its ID.
func (s *Store) SaveVenue(ctx context.Context, v paper.Venue) error {
	if strings.TrimSpace(v.ID) == "" {
		return fmt.Errorf("save venue %q: no id: %w", v.Label, paper.ErrInvalid)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO venues (id, label, title, year, api_version) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET label = excluded.label, title = excluded.title,
			year = excluded.year, api_version = excluded.api_version`,
		v.ID, v.Label, v.Title, v.Year, v.APIVersion)
	if err != nil {
		return fmt.Errorf("save venue %q: %w", v.ID, err)
	}
	return nil
}

// Venues returns every stored venue, sorted by label, then id.
func (s *Store) Venues(ctx context.Context) ([]paper.Venue, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, label, title, year, api_version FROM venues ORDER BY label, id")
	if err != nil {
		return nil, fmt.Errorf("list venues: %w", err)
	}
	defer rows.Close()
	var vs []paper.Venue
	for rows.Next() {
		var v paper.Venue
		if err := rows.Scan(&v.ID, &v.Label, &v.Title, &v.Year, &v.APIVersion); err != nil {
			return nil, fmt.Errorf("list venues: %w", err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list venues: %w", err)
	}
	return vs, nil
}

// VenuePapers returns every paper of a venue (by exact venue id) in paper
// number order: the whole venue, where Search stops at MaxLimit hits.
func (s *Store) VenuePapers(ctx context.Context, venueID string) ([]paper.Paper, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+selectPaper+" FROM papers p WHERE p.venue_id = ? ORDER BY p.number, p.id", venueID)
	if err != nil {
		return nil, fmt.Errorf("list papers of %q: %w", venueID, err)
	}
	defer rows.Close()
	var out []paper.Paper
	for rows.Next() {
		var p paper.Paper
		if err := scanPaper(rows, &p); err != nil {
			return nil, fmt.Errorf("list papers of %q: %w", venueID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list papers of %q: %w", venueID, err)
	}
	return out, nil
}

// papersBatch bounds the ids of one IN (...) query, well under SQLite's
// limit on bound parameters.
const papersBatch = 500

// Papers returns the papers with the given ids, in the order given; ids of
// no stored paper are skipped, and an id given twice is returned twice.
func (s *Store) Papers(ctx context.Context, ids []string) ([]paper.Paper, error) {
	byID := make(map[string]paper.Paper, len(ids))
	for start := 0; start < len(ids); start += papersBatch {
		batch := ids[start:min(start+papersBatch, len(ids))]
		if err := s.readPapers(ctx, batch, byID); err != nil {
			return nil, fmt.Errorf("read %d papers: %w", len(ids), err)
		}
	}
	out := make([]paper.Paper, 0, len(byID))
	for _, id := range ids {
		if p, ok := byID[id]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// readPapers adds the stored papers among ids to byID.
func (s *Store) readPapers(ctx context.Context, ids []string, byID map[string]paper.Paper) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+selectPaper+" FROM papers p WHERE p.id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+")", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p paper.Paper
		if err := scanPaper(rows, &p); err != nil {
			return err
		}
		byID[p.ID] = p
	}
	return rows.Err()
}
