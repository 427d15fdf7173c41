package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// pendingFrom selects the papers whose vector is missing or was made for
// another version of the paper. Both tables are walked in pk order, so the
// join costs one step per paper. Modified times compare with NULL as 0, the
// value EmbedTask carries for an unknown time; papers without text have
// nothing to embed.
const pendingFrom = ` FROM papers p LEFT JOIN vectors v ON v.pk = p.pk
	WHERE (v.pk IS NULL OR coalesce(v.modified, 0) != coalesce(p.modified, 0))
		AND (p.title != '' OR p.abstract != '')`

// PendingEmbeddings returns up to limit papers with pk above afterPK, in pk
// order, whose vector is missing or older than the paper. Papers with
// neither title nor abstract are left out. Pass the last task's PK as
// afterPK to read the next page.
func (s *Store) PendingEmbeddings(ctx context.Context, afterPK int64, limit int) ([]EmbedTask, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list papers to embed: limit %d is not positive: %w", limit, paper.ErrInvalid)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.pk, p.id, p.title, p.abstract, coalesce(p.modified, 0),
		v.pk IS NOT NULL, coalesce(v.text_hash, 0)`+pendingFrom+` AND p.pk > ? ORDER BY p.pk LIMIT ?`, afterPK, limit)
	if err != nil {
		return nil, fmt.Errorf("list papers to embed after %d: %w", afterPK, err)
	}
	defer rows.Close()
	var tasks []EmbedTask
	for rows.Next() {
		var t EmbedTask
		var hash int64
		if err := rows.Scan(&t.PK, &t.ID, &t.Title, &t.Abstract, &t.Modified, &t.HasVector, &hash); err != nil {
			return nil, fmt.Errorf("list papers to embed after %d: %w", afterPK, err)
		}
		t.TextHash = uint64(hash)
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list papers to embed after %d: %w", afterPK, err)
	}
	return tasks, nil
}

// CountPendingEmbeddings counts the papers PendingEmbeddings would list from
// the start.
func (s *Store) CountPendingEmbeddings(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*)"+pendingFrom).Scan(&n); err != nil {
		return 0, fmt.Errorf("count papers to embed: %w", err)
	}
	return n, nil
}

// SaveVectors stores vectors in one transaction, each replacing the paper's
// vector if it has one. A Vector with nil Data keeps the stored blob and
// updates Modified and TextHash only, for a paper whose text did not change.
// Every blob must have the length the recorded model's encoding gives ("f16":
// 2 bytes a dimension, "f32": 4; any other encoding: the length of the
// vectors already stored); a wrong length, or no model recorded, wraps
// paper.ErrInvalid, and a pk of no paper wraps paper.ErrNotFound. On any
// error nothing is saved.
func (s *Store) SaveVectors(ctx context.Context, vs []Vector) error {
	if len(vs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save vectors: %w", err)
	}
	defer tx.Rollback()
	size, err := blobSize(ctx, tx)
	if err != nil {
		return fmt.Errorf("save vectors: %w", err)
	}
	upsert, err := tx.PrepareContext(ctx, `INSERT INTO vectors (pk, modified, text_hash, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (pk) DO UPDATE SET modified = excluded.modified, text_hash = excluded.text_hash, data = excluded.data`)
	if err != nil {
		return fmt.Errorf("save vectors: %w", err)
	}
	defer upsert.Close()
	touch, err := tx.PrepareContext(ctx, "UPDATE vectors SET modified = ?, text_hash = ? WHERE pk = ?")
	if err != nil {
		return fmt.Errorf("save vectors: %w", err)
	}
	defer touch.Close()
	for _, v := range vs {
		if err := saveVector(ctx, upsert, touch, v, &size); err != nil {
			return fmt.Errorf("save vectors: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save vectors: %w", err)
	}
	return nil
}

func saveVector(ctx context.Context, upsert, touch *sql.Stmt, v Vector, size *int) error {
	if v.Data == nil {
		res, err := touch.ExecContext(ctx, v.Modified, int64(v.TextHash), v.PK)
		if err != nil {
			return fmt.Errorf("paper pk %d: %w", v.PK, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("paper pk %d: %w", v.PK, err)
		} else if n == 0 {
			return fmt.Errorf("paper pk %d has no stored vector to keep (Data is nil): %w", v.PK, paper.ErrNotFound)
		}
		return nil
	}
	if *size == 0 {
		*size = len(v.Data) // an unknown encoding: the first blob sets the length
	}
	if len(v.Data) != *size {
		return fmt.Errorf("paper pk %d: vector of %d bytes, want %d: %w", v.PK, len(v.Data), *size, paper.ErrInvalid)
	}
	if _, err := upsert.ExecContext(ctx, v.PK, v.Modified, int64(v.TextHash), v.Data); err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
			return fmt.Errorf("no paper with pk %d: %w", v.PK, paper.ErrNotFound)
		}
		return fmt.Errorf("paper pk %d: %w", v.PK, err)
	}
	return nil
}

// blobSize is the length every stored vector must have, from the recorded
// model; 0 when its encoding is unknown to the store and no vector is
// stored yet.
func blobSize(ctx context.Context, tx *sql.Tx) (int, error) {
	m, ok, err := readModel(ctx, tx)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("no embedding model is recorded for the index: %w", paper.ErrInvalid)
	}
	if n := m.vectorBytes(); n > 0 {
		return n, nil
	}
	var n int
	err = tx.QueryRowContext(ctx, "SELECT length(data) FROM vectors LIMIT 1").Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	return n, nil
}
