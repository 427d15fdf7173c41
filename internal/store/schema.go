package store

import (
	"context"
	"database/sql"
	"fmt"
)

// applicationID marks a file as ours in the SQLite header ("ORFi"), so a
// stranger's database with a user_version is never migrated by mistake.
const applicationID = 0x4f524669

// A migration moves the schema from version n to n+1, where n is its index
// in migrations. It runs inside the transaction that records the new version,
// so a failed or interrupted migration leaves the file as it was.
type migration struct {
	name string
	up   func(ctx context.Context, tx *sql.Tx) error
}

// migrations is append-only: a released step never changes, because files in
// the wild were written by it. Version 1 holds the records themselves;
// version 2 adds the search side (folded filter columns, FTS5), which is
// derived from them and so can be rebuilt for files written at version 1;
// version 3 adds the paper vectors of semantic search, empty until an index
// is embedded.
var migrations = []migration{
	{"records", execAll(schemaV1...)},
	{"search", searchV2},
	{"vectors", execAll(schemaV3...)},
	{"vocabulary", execAll(schemaV4...)},
}

// schemaV4 exposes the keyword index's vocabulary (how many papers hold
// each word), so a search can leave out words too common to rank by. It
// is a view over papers_fts: no data of its own.
var schemaV4 = []string{
	`CREATE VIRTUAL TABLE papers_vocab USING fts5vocab(papers_fts, 'row')`,
}

// schemaV1 must never change once files exist at version 1;
// testdata/schema_v1.sql is such a file, for the migration test.
var schemaV1 = []string{
	fmt.Sprintf("PRAGMA application_id = %d", applicationID),
	`CREATE TABLE venues (
		id          TEXT PRIMARY KEY,
		label       TEXT NOT NULL,
		title       TEXT NOT NULL,
		year        INTEGER NOT NULL,
		api_version INTEGER NOT NULL
	) WITHOUT ROWID`,
	// pk is an explicit INTEGER PRIMARY KEY so that VACUUM never renumbers
	// it: the FTS index and, later, the vectors table refer to it.
	// Lists are joined with U+001F, which the FTS tokenizer treats as a
	// separator; NULL means an empty list. Times are Unix milliseconds,
	// OpenReview's own precision; NULL means the zero time.
	`CREATE TABLE papers (
		pk           INTEGER PRIMARY KEY,
		id           TEXT NOT NULL UNIQUE,
		forum        TEXT NOT NULL,
		number       INTEGER NOT NULL,
		venue_id     TEXT NOT NULL,
		venue        TEXT NOT NULL,
		venue_raw    TEXT NOT NULL,
		year         INTEGER NOT NULL,
		api_version  INTEGER NOT NULL,
		status       TEXT NOT NULL,
		presentation TEXT NOT NULL,
		title        TEXT NOT NULL,
		abstract     TEXT NOT NULL,
		tldr         TEXT NOT NULL,
		authors      TEXT,
		author_ids   TEXT,
		keywords     TEXT,
		primary_area TEXT NOT NULL,
		forum_url    TEXT NOT NULL,
		pdf_url      TEXT NOT NULL,
		bibtex       TEXT NOT NULL,
		created      INTEGER,
		modified     INTEGER,
		published    INTEGER,
		incomplete   INTEGER NOT NULL
	)`,
	`CREATE TABLE checkpoints (
		key     TEXT PRIMARY KEY,
		data    BLOB NOT NULL,
		updated INTEGER NOT NULL
	)`,
}

// schemaV2 adds what search needs. authors_fold and keywords_fold hold each
// name folded (see Fold) between spaces, names separated by " | ", so a
// folded filter between spaces is found by instr() exactly when it is a
// whole-word sequence of one name.
var schemaV2 = []string{
	`ALTER TABLE papers ADD COLUMN authors_fold TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE papers ADD COLUMN keywords_fold TEXT NOT NULL DEFAULT ''`,
	// Filter-only searches list papers in this order and can stop early.
	`CREATE INDEX papers_by_venue ON papers (venue, venue_id, number)`,
	// External content: the text lives once, in papers; the FTS table keeps
	// only the inverted index, kept in step by the triggers below.
	`CREATE VIRTUAL TABLE papers_fts USING fts5 (
		title, abstract, keywords, authors,
		content = 'papers', content_rowid = 'pk',
		tokenize = 'unicode61 remove_diacritics 2'
	)`,
	`CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
		INSERT INTO papers_fts (rowid, title, abstract, keywords, authors)
		VALUES (new.pk, new.title, new.abstract, new.keywords, new.authors);
	END`,
	`CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
		INSERT INTO papers_fts (papers_fts, rowid, title, abstract, keywords, authors)
		VALUES ('delete', old.pk, old.title, old.abstract, old.keywords, old.authors);
	END`,
	// A re-crawl rewrites every paper; only changed text is re-indexed.
	`CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract, keywords, authors ON papers
	WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract
		OR old.keywords IS NOT new.keywords OR old.authors IS NOT new.authors
	BEGIN
		INSERT INTO papers_fts (papers_fts, rowid, title, abstract, keywords, authors)
		VALUES ('delete', old.pk, old.title, old.abstract, old.keywords, old.authors);
		INSERT INTO papers_fts (rowid, title, abstract, keywords, authors)
		VALUES (new.pk, new.title, new.abstract, new.keywords, new.authors);
	END`,
	`INSERT INTO papers_fts (papers_fts) VALUES ('rebuild')`,
}

// schemaV3 adds one vector per paper and the meta table that records which
// model made them (see vectors.go).
var schemaV3 = []string{
	`CREATE TABLE meta (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) WITHOUT ROWID`,
	// pk is the paper's pk, so the vector rides along when a re-crawl
	// rewrites the paper (an upsert keeps pk) and goes when it is deleted.
	// modified is the paper's modified time when it was embedded (NULL or
	// 0: unknown); text_hash is a uint64 stored as its int64 bit pattern;
	// data is the caller's encoding of the vector, last because SQLite
	// decodes a record's columns in order: reading the small ones stops
	// before the blob.
	`CREATE TABLE vectors (
		pk        INTEGER PRIMARY KEY REFERENCES papers (pk) ON DELETE CASCADE,
		modified  INTEGER,
		text_hash INTEGER NOT NULL,
		data      BLOB NOT NULL
	)`,
}

func searchV2(ctx context.Context, tx *sql.Tx) error {
	if err := execAll(schemaV2...)(ctx, tx); err != nil {
		return err
	}
	return backfillFolds(ctx, tx)
}

// backfillFolds fills the folded filter columns of papers written before
// they existed, a thousand papers at a time to bound memory.
func backfillFolds(ctx context.Context, tx *sql.Tx) error {
	type folds struct {
		pk                int64
		authors, keywords string
	}
	for last := int64(-1); ; {
		rows, err := tx.QueryContext(ctx, "SELECT pk, authors, keywords FROM papers WHERE pk > ? ORDER BY pk LIMIT 1000", last)
		if err != nil {
			return fmt.Errorf("read papers after %d: %w", last, err)
		}
		var batch []folds
		for rows.Next() {
			var f folds
			var authors, keywords sql.NullString
			if err := rows.Scan(&f.pk, &authors, &keywords); err != nil {
				rows.Close()
				return fmt.Errorf("read papers after %d: %w", last, err)
			}
			f.authors, f.keywords = foldList(splitList(authors)), foldList(splitList(keywords))
			batch = append(batch, f)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read papers after %d: %w", last, err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, f := range batch {
			if _, err := tx.ExecContext(ctx, "UPDATE papers SET authors_fold = ?, keywords_fold = ? WHERE pk = ?",
				f.authors, f.keywords, f.pk); err != nil {
				return fmt.Errorf("fold paper %d: %w", f.pk, err)
			}
		}
		last = batch[len(batch)-1].pk
	}
}

func execAll(stmts ...string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%.40q: %w", q, err)
			}
		}
		return nil
	}
}

// migrate applies the missing migrations in one transaction. The version is
// read again under the write lock, in case another process migrated the file
// since checkVersion looked.
func (s *Store) migrate(ctx context.Context, conn *sql.Conn) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate index %s: %w", s.path, err)
	}
	defer tx.Rollback()
	var from int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&from); err != nil {
		return fmt.Errorf("migrate index %s: %w", s.path, err)
	}
	if from > len(migrations) {
		return newerSchema(s.path, from)
	}
	if from == len(migrations) {
		return nil
	}
	for v := from; v < len(migrations); v++ {
		if err := migrations[v].up(ctx, tx); err != nil {
			return fmt.Errorf("migrate index %s to schema %d (%s): %w", s.path, v+1, migrations[v].name, err)
		}
	}
	// PRAGMA takes no bound parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("migrate index %s: set version: %w", s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate index %s: %w", s.path, err)
	}
	return nil
}
