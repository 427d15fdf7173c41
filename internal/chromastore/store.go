package chromastore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// Store is an index held in one Chroma collection. It is safe for
// concurrent use.
type Store struct {
	c     *chroma.Client
	col   *chroma.Collection
	model store.Model

	// maxCandidates bounds the papers Search ranks; tests lower it.
	maxCandidates int
}

// What search needs, *Store provides.
var (
	_ search.Store   = (*Store)(nil)
	_ search.Nearest = (*Store)(nil)
)

// ErrNoIndex means the Chroma database holds no index for the model asked
// for. Errors wrapping it also wrap chroma.ErrNotFound.
var ErrNoIndex = errors.New("no openreview-finder index in Chroma")

// collectionPrefix starts the name of every collection of ours.
const collectionPrefix = "orf-papers-"

// format is the record layout this package writes, kept in the
// collection's metadata so that a future layout is recognised.
const format = 1

// Keys of the collection's metadata: the layout and the model record.
const (
	metaFormat   = "orf_format"
	metaName     = "orf_model_name"
	metaAdapter  = "orf_model_adapter"
	metaDim      = "orf_model_dim"
	metaEncoding = "orf_model_encoding"
)

// CollectionName names the collection holding the vectors of m:
// "orf-papers-<slug of the model name>-<dim>", e.g.
// "orf-papers-allenai-specter2-base-768".
func CollectionName(m store.Model) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(m.Name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
		if b.Len() >= 200 { // Chroma allows 512 characters; names stay readable
			break
		}
	}
	slug := b.String()
	if slug == "" {
		slug = "model"
	}
	return collectionPrefix + slug + "-" + strconv.Itoa(m.Dim)
}

// Open opens the collection of model m. With create it is made when
// missing (and the tenant and database with it), as migrate does; without,
// a missing collection is an error wrapping ErrNoIndex that says how to
// publish one. A collection whose model record differs from m is a
// *store.ModelMismatchError.
func Open(ctx context.Context, c *chroma.Client, m store.Model, create bool) (*Store, error) {
	name := CollectionName(m)
	if create {
		if err := c.EnsureDatabase(ctx); err != nil {
			return nil, fmt.Errorf("open index %s at %s: %w", name, address(c), err)
		}
	}
	col, err := c.Collection(ctx, name, modelMetadata(m), create)
	if errors.Is(err, chroma.ErrNotFound) {
		return nil, fmt.Errorf("no index of %s at %s (collection %s): publish one with `openreview-finder migrate --to %s`: %w: %w",
			m, address(c), name, address(c), ErrNoIndex, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open index %s at %s: %w", name, address(c), err)
	}
	s, err := newStore(c, col)
	if err != nil {
		return nil, err
	}
	if s.model != m {
		return nil, fmt.Errorf("open index %s at %s: %w", name, address(c), &store.ModelMismatchError{Have: s.model, Want: m})
	}
	return s, nil
}

// OpenAny opens the one index the database holds, whatever its model, for
// serving without knowing the model beforehand. None, or several, is an
// error saying what to do.
func OpenAny(ctx context.Context, c *chroma.Client) (*Store, error) {
	names, err := c.Collections(ctx)
	if err != nil {
		return nil, fmt.Errorf("open the index at %s: %w", address(c), err)
	}
	var ours []string
	for _, n := range names {
		if strings.HasPrefix(n, collectionPrefix) {
			ours = append(ours, n)
		}
	}
	switch len(ours) {
	case 0:
		return nil, fmt.Errorf("no index at %s: publish one with `openreview-finder migrate --to %s`: %w: %w",
			address(c), address(c), ErrNoIndex, chroma.ErrNotFound)
	case 1:
	default:
		slices.Sort(ours)
		return nil, fmt.Errorf("%s holds %d indexes (%s); name the model to serve: %w",
			address(c), len(ours), strings.Join(ours, ", "), paper.ErrInvalid)
	}
	col, err := c.Collection(ctx, ours[0], nil, false)
	if err != nil {
		return nil, fmt.Errorf("open index %s at %s: %w", ours[0], address(c), err)
	}
	return newStore(c, col)
}

// newStore reads the collection's model record.
func newStore(c *chroma.Client, col *chroma.Collection) (*Store, error) {
	md := col.Metadata()
	d := decoder{m: md}
	f, _ := d.int64(metaFormat)
	dim, _ := d.int64(metaDim)
	m := store.Model{Name: d.str(metaName), Adapter: d.str(metaAdapter), Dim: int(dim), Encoding: d.str(metaEncoding)}
	switch {
	case d.err != nil:
		return nil, fmt.Errorf("collection %s at %s: damaged model record: %w", col.Name(), address(c), d.err)
	case f != format:
		return nil, fmt.Errorf("collection %s at %s was not written by this version of openreview-finder (format %d, want %d): %w",
			col.Name(), address(c), f, format, paper.ErrInvalid)
	case m.Name == "" || m.Dim <= 0 || m.Encoding == "":
		return nil, fmt.Errorf("collection %s at %s: incomplete model record %+v", col.Name(), address(c), m)
	}
	return &Store{c: c, col: col, model: m, maxCandidates: maxCandidates}, nil
}

func modelMetadata(m store.Model) map[string]any {
	return map[string]any{
		metaFormat: format, metaName: m.Name, metaAdapter: m.Adapter, metaDim: m.Dim, metaEncoding: m.Encoding,
	}
}

// address names the server and database as the migrate command takes them.
func address(c *chroma.Client) string {
	u := c.URL()
	if rest, ok := strings.CutPrefix(u, "http://"); ok {
		u = "chroma://" + rest
	} else if rest, ok := strings.CutPrefix(u, "https://"); ok {
		u = "chromas://" + rest
	}
	if c.Tenant() != chroma.DefaultTenant || c.Database() != chroma.DefaultDatabase {
		u += "/" + c.Tenant() + "/" + c.Database()
	}
	return u
}

// Collection is the collection's name.
func (s *Store) Collection() string { return s.col.Name() }

// EmbeddingModel returns the model whose vectors the collection holds; it
// is always recorded.
func (s *Store) EmbeddingModel(context.Context) (store.Model, bool, error) {
	return s.model, true, nil
}

// Count returns the number of papers held.
func (s *Store) Count(ctx context.Context) (int, error) {
	n, err := s.col.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count papers: %w", err)
	}
	return n, nil
}

// idsBatch bounds the ids of one get, keeping requests small.
const idsBatch = 500

// Papers returns the papers with the given ids, in the order given; ids of
// no stored paper are skipped, and an id given twice is returned twice.
func (s *Store) Papers(ctx context.Context, ids []string) ([]paper.Paper, error) {
	byID := make(map[string]paper.Paper, len(ids))
	for start := 0; start < len(ids); start += idsBatch {
		batch := ids[start:min(start+idsBatch, len(ids))]
		// No ids would select every record.
		recs, err := s.col.Get(ctx, chroma.GetRequest{IDs: batch, Include: []chroma.Include{chroma.IncludeMetadatas}})
		if err != nil {
			return nil, fmt.Errorf("read %d papers: %w", len(ids), err)
		}
		for _, r := range recs {
			p, err := decodePaper(r.ID, r.Metadata)
			if err != nil {
				return nil, fmt.Errorf("read %d papers: %w", len(ids), err)
			}
			byID[p.ID] = p
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

// Paper returns the paper with the given id; the error wraps
// paper.ErrNotFound when there is none.
func (s *Store) Paper(ctx context.Context, id string) (paper.Paper, error) {
	ps, err := s.Papers(ctx, []string{id})
	if err != nil {
		return paper.Paper{}, fmt.Errorf("read paper %q: %w", id, err)
	}
	if len(ps) == 0 {
		return paper.Paper{}, fmt.Errorf("paper %q: %w", id, paper.ErrNotFound)
	}
	return ps[0], nil
}

// FilterIDs returns the ids of every paper passing f, exactly as the SQLite
// store's FilterIDs selects them, in the collection's order.
func (s *Store) FilterIDs(ctx context.Context, f store.Filter) ([]string, error) {
	flt, err := newFilter(f)
	if err != nil {
		return nil, fmt.Errorf("filter papers: %w", err)
	}
	if flt.none {
		return nil, nil
	}
	var ids []string
	req := chroma.GetRequest{Where: flt.where, WhereDocument: flt.whereDocument(), Include: []chroma.Include{}}
	err = s.pages(ctx, req, idPage, func(recs []chroma.Record) error {
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("filter papers: %w", err)
	}
	return ids, nil
}

// Page sizes of gets: ids alone are small; records with metadata and
// vectors are a few kilobytes each.
const (
	idPage     = 10000
	recordPage = 500
)

// pages runs req a page at a time, from the start, calling fn with each
// page. Paging by offset is only as stable as the collection: a write
// meanwhile may shift a record across a page boundary.
func (s *Store) pages(ctx context.Context, req chroma.GetRequest, size int, fn func([]chroma.Record) error) error {
	for off := 0; ; off += size {
		req.Limit, req.Offset = size, off
		recs, err := s.col.Get(ctx, req)
		if err != nil {
			return err
		}
		if len(recs) > 0 {
			if err := fn(recs); err != nil {
				return err
			}
		}
		if len(recs) < size {
			return nil
		}
	}
}

// ScanVectors calls fn with every vector and its paper's filter columns,
// Data encoded as the SQLite store keeps it (float16), in the collection's
// order, stopping at fn's first error, which it returns.
func (s *Store) ScanVectors(ctx context.Context, fn func(store.VectorRow) error) error {
	req := chroma.GetRequest{Include: []chroma.Include{chroma.IncludeMetadatas, chroma.IncludeEmbeddings}}
	var fnErr error
	err := s.pages(ctx, req, recordPage, func(recs []chroma.Record) error {
		for _, r := range recs {
			row, err := vectorRow(r, s.model.Dim)
			if err != nil {
				return err
			}
			if err := fn(row); err != nil {
				fnErr = err
				return err
			}
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("scan vectors: %w", err)
	}
	return nil
}

func vectorRow(r chroma.Record, dim int) (store.VectorRow, error) {
	if len(r.Embedding) != dim {
		return store.VectorRow{}, fmt.Errorf("record %q has a vector of %d numbers, want %d", r.ID, len(r.Embedding), dim)
	}
	d := decoder{m: r.Metadata}
	row := store.VectorRow{
		ID: r.ID, VenueID: d.str(keyVenueID), Venue: d.str(keyVenue), Year: d.int(keyYear),
		Status: paper.Status(d.str(keyStatus)), Presentation: paper.Presentation(d.str(keyPresentation)),
		Data: encodeVector(r.Embedding),
	}
	if d.err != nil {
		return store.VectorRow{}, fmt.Errorf("record %q: %w", r.ID, d.err)
	}
	return row, nil
}
