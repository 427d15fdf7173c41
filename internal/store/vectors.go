package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Model names the encoder whose vectors an index holds. One index holds
// vectors of one model only: vectors of different models are not
// comparable.
type Model struct {
	Name     string // base model: a Hub repo id or a local directory
	Adapter  string // the adapter papers were embedded with ("" for none)
	Dim      int    // vector length
	Encoding string // how Vector.Data encodes a vector, e.g. "f16"
}

// EmbedTask is a paper whose vector is missing or older than the paper.
// HasVector and TextHash describe the vector stored now, if any, so a
// caller can skip re-embedding text that did not change.
type EmbedTask struct {
	PK              int64
	ID              string
	Title, Abstract string
	Modified        int64 // Unix milliseconds, 0 when unknown
	HasVector       bool
	TextHash        uint64
}

// Vector is one paper's vector as the caller encoded it. A nil Data keeps
// the stored blob and updates Modified and TextHash only.
type Vector struct {
	PK       int64
	Modified int64
	TextHash uint64
	Data     []byte
}

// VectorRow is a stored vector with the paper columns that exact filters
// need, for loading an in-memory index. Data is valid only during the
// callback that receives it.
type VectorRow struct {
	ID, VenueID, Venue string
	Year               int
	Status             paper.Status
	Presentation       paper.Presentation
	Data               []byte
}

// ModelMismatchError says the index holds vectors of another model than the
// one asked for. It wraps paper.ErrInvalid: the user must pick the index's
// model or re-embed the index with the new one.
type ModelMismatchError struct {
	Have, Want Model
}

func (e *ModelMismatchError) Error() string {
	return "the index holds vectors of " + e.Have.String() + ", not of " + e.Want.String()
}

// Unwrap lets errors.Is(err, paper.ErrInvalid) classify the error.
func (e *ModelMismatchError) Unwrap() error { return paper.ErrInvalid }

// String names the model as a user would type it: "allenai/specter2_base
// with adapter allenai/specter2 (768-d)".
func (m Model) String() string {
	s := m.Name
	if m.Adapter != "" {
		s += " with adapter " + m.Adapter
	}
	return s + " (" + strconv.Itoa(m.Dim) + "-d)"
}

// Keys of the meta rows that record the embedding model.
const (
	metaModelName     = "embedding.model"
	metaModelAdapter  = "embedding.adapter"
	metaModelDim      = "embedding.dim"
	metaModelEncoding = "embedding.encoding"
)

// querier is what reading the model needs: the database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// EmbeddingModel returns the model whose vectors the index holds, and false
// when none is recorded yet.
func (s *Store) EmbeddingModel(ctx context.Context) (Model, bool, error) {
	m, ok, err := readModel(ctx, s.db)
	if err != nil {
		return Model{}, false, fmt.Errorf("read embedding model: %w", err)
	}
	return m, ok, nil
}

func readModel(ctx context.Context, q querier) (Model, bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT key, value FROM meta WHERE key IN (?, ?, ?, ?)",
		metaModelName, metaModelAdapter, metaModelDim, metaModelEncoding)
	if err != nil {
		return Model{}, false, err
	}
	defer rows.Close()
	vals := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return Model{}, false, err
		}
		vals[k] = v
	}
	if err := rows.Err(); err != nil {
		return Model{}, false, err
	}
	if len(vals) == 0 {
		return Model{}, false, nil
	}
	m := Model{Name: vals[metaModelName], Adapter: vals[metaModelAdapter], Encoding: vals[metaModelEncoding]}
	m.Dim, err = strconv.Atoi(vals[metaModelDim])
	if err != nil || m.validate() != nil {
		// Only this package writes these rows, all at once; a partial or
		// unparsable record means the file was edited by hand.
		return Model{}, false, fmt.Errorf("damaged model record %q", vals)
	}
	return m, true, nil
}

// validate rejects a model record that could not describe any vectors.
func (m Model) validate() error {
	switch {
	case strings.TrimSpace(m.Name) == "":
		return fmt.Errorf("embedding model has no name: %w", paper.ErrInvalid)
	case m.Dim <= 0:
		return fmt.Errorf("embedding model %s: dimension %d is not positive: %w", m.Name, m.Dim, paper.ErrInvalid)
	case strings.TrimSpace(m.Encoding) == "":
		return fmt.Errorf("embedding model %s: no vector encoding: %w", m.Name, paper.ErrInvalid)
	}
	return nil
}

// vectorBytes is the length of one encoded vector, or 0 when the encoding is
// not one the store knows; then the blobs must merely agree with each other.
func (m Model) vectorBytes() int {
	switch m.Encoding {
	case "f16":
		return 2 * m.Dim
	case "f32":
		return 4 * m.Dim
	}
	return 0
}

// SetEmbeddingModel records the model whose vectors the index will hold. The
// first call records m and an identical m later changes nothing. A different
// m is refused with a *ModelMismatchError unless replace is set; then every
// stored vector is deleted and m recorded, in one transaction, so every
// paper becomes pending again.
func (s *Store) SetEmbeddingModel(ctx context.Context, m Model, replace bool) error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("record embedding model: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record embedding model %s: %w", m, err)
	}
	defer tx.Rollback()
	have, ok, err := readModel(ctx, tx)
	if err != nil {
		return fmt.Errorf("record embedding model %s: %w", m, err)
	}
	switch {
	case ok && have == m:
		return nil
	case ok && !replace:
		return &ModelMismatchError{Have: have, Want: m}
	case ok:
		if _, err := tx.ExecContext(ctx, "DELETE FROM vectors"); err != nil {
			return fmt.Errorf("record embedding model %s: delete the vectors of %s: %w", m, have, err)
		}
	}
	for k, v := range map[string]string{
		metaModelName: m.Name, metaModelAdapter: m.Adapter,
		metaModelDim: strconv.Itoa(m.Dim), metaModelEncoding: m.Encoding,
	} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return fmt.Errorf("record embedding model %s: %w", m, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record embedding model %s: %w", m, err)
	}
	return nil
}

// scanVectorsSQL walks the vectors in pk order, looking up each one's paper.
const scanVectorsSQL = `SELECT p.id, p.venue_id, p.venue, p.year, p.status, p.presentation, v.data
	FROM vectors v JOIN papers p ON p.pk = v.pk ORDER BY v.pk`

// ScanVectors calls fn with every stored vector and its paper's filter
// columns, in pk order, stopping at fn's first error, which it returns. Rows
// stream from the file: the strings are fn's to keep, but Data points into
// the driver's buffer and is valid only until fn returns, so a caller
// copies it (or decodes it) rather than holding it.
func (s *Store) ScanVectors(ctx context.Context, fn func(VectorRow) error) error {
	rows, err := s.db.QueryContext(ctx, scanVectorsSQL)
	if err != nil {
		return fmt.Errorf("scan vectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r VectorRow
		var data sql.RawBytes
		if err := rows.Scan(&r.ID, &r.VenueID, &r.Venue, &r.Year, &r.Status, &r.Presentation, &data); err != nil {
			return fmt.Errorf("scan vectors: %w", err)
		}
		r.Data = data
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan vectors: %w", err)
	}
	return nil
}

// VectorCount returns the number of stored vectors.
func (s *Store) VectorCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM vectors").Scan(&n); err != nil {
		return 0, fmt.Errorf("count vectors: %w", err)
	}
	return n, nil
}
