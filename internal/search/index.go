package search

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/tensor"
)

// Engine runs searches over a store and the vectors it holds, loaded into
// memory, or held by a vector database (Options.Vectors). It is safe for
// concurrent use; Reload swaps in a fresh copy of the vectors without
// stopping searches in flight.
type Engine struct {
	st   Store
	opts Options
	log  *slog.Logger

	idx     atomic.Pointer[index]
	reload  sync.Mutex // one Reload at a time, so swaps land in order
	queries *vectorCache
	answers *resultCache
}

// index is an immutable snapshot of the store's vectors. Row i is paper
// ids[i], its vector rows[i·dim:(i+1)·dim] (float16 bits), and its filter
// columns venue[i] (into venues), year[i] and class[i] (into classes).
type index struct {
	model    store.Model
	semantic error // nil when semantic search can run, else why not
	remote   bool  // the vectors are Options.Vectors'; rows are empty
	count    int   // vectors Options.Vectors held at load

	dim   int
	rows  []uint16
	ids   []string
	byID  map[string]int32
	venue []uint16
	year  []int32
	class []uint8

	venues  []venue
	classes []class
}

// venue and class are the distinct venue and status values of the rows: a
// filter is evaluated once per distinct value, not once per row.
type venue struct{ id, label string }

type class struct {
	status       paper.Status
	presentation paper.Presentation
}

// Len returns the number of rows.
func (ix *index) Len() int { return len(ix.ids) }

// neighbors returns the papers of hits, in order.
func (ix *index) neighbors(hits []hit) []Neighbor {
	out := make([]Neighbor, len(hits))
	for i, h := range hits {
		out[i] = Neighbor{ID: ix.ids[h.row], Similarity: float64(h.score)}
	}
	return out
}

// vector returns row r's vector, decoded.
func (ix *index) vector(r int) []float32 {
	v := make([]float32, ix.dim)
	for j, h := range ix.rows[r*ix.dim : (r+1)*ix.dim] {
		v[j] = tensor.F16ToF32(h)
	}
	return v
}

// Open loads every vector st holds and returns an engine over them; with
// Options.Vectors set it loads none and asks Vectors instead. Whether
// semantic search can run is decided here (see Semantic); keyword search
// works whatever the vectors.
func Open(ctx context.Context, st Store, opts Options) (*Engine, error) {
	e := &Engine{st: st, opts: opts, log: opts.Logger}
	switch {
	case opts.ResultCache == 0:
		e.answers = newResultCache(defaultResultCache)
	case opts.ResultCache > 0:
		e.answers = newResultCache(opts.ResultCache)
	}
	switch {
	case opts.QueryCache == 0:
		e.queries = newVectorCache(defaultQueryCache)
	case opts.QueryCache > 0:
		e.queries = newVectorCache(opts.QueryCache)
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Reload reads the store's vectors again and swaps them in atomically, so
// papers embedded since Open become searchable; with Options.Vectors, which
// is always current, it only reads the model record and the count again.
// On error the engine keeps the vectors it had.
func (e *Engine) Reload(ctx context.Context) error {
	e.reload.Lock()
	defer e.reload.Unlock()
	start := time.Now()
	read := load
	if e.opts.Vectors != nil {
		read = loadRemote
	}
	ix, err := read(ctx, e.st, e.opts)
	if err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	e.idx.Store(ix)
	e.log.Info("vectors loaded", "vectors", ix.Len()+ix.count, "dim", ix.dim, "model", ix.model.String(),
		"remote", e.opts.Vectors != nil, "semantic", errString(ix.semantic), "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

func errString(err error) string {
	if err == nil {
		return "on"
	}
	return err.Error()
}

// Semantic returns nil when semantic search works, else why not:
// ErrNoVectors, a *store.ModelMismatchError, Options.QueryUnavailable or
// ErrNoModel.
func (e *Engine) Semantic() error { return e.idx.Load().semantic }

// Len returns the number of vectors held: with Options.Vectors, the count
// at Open or the last Reload.
func (e *Engine) Len() int {
	ix := e.idx.Load()
	return ix.Len() + ix.count
}

// load reads the store's model record and vectors into a new index.
func load(ctx context.Context, st Store, opts Options) (*index, error) {
	m, ok, err := st.EmbeddingModel(ctx)
	if err != nil {
		return nil, err
	}
	ix := &index{model: m, dim: m.Dim, byID: map[string]int32{}}
	switch {
	case !ok:
		ix.semantic = ErrNoVectors
		return ix, nil
	case m.Encoding != Encoding || m.Dim <= 0:
		// Written by another version of this package; reading the blobs
		// as float16 would give nonsense.
		ix.semantic = fmt.Errorf("the index holds %s vectors encoded as %q, which this version cannot read; re-embed the index", m, m.Encoding)
		return ix, nil
	}
	if err := ix.scan(ctx, st); err != nil {
		return nil, err
	}
	ix.semantic = ix.check(ix.Len(), opts)
	return ix, nil
}

// scan appends every stored vector and its filter columns.
func (ix *index) scan(ctx context.Context, st Store) error {
	if c, ok := st.(interface {
		VectorCount(context.Context) (int, error)
	}); ok {
		// Sizing the array up front halves the peak memory of a load.
		if n, err := c.VectorCount(ctx); err == nil {
			ix.grow(n)
		}
	}
	venues := map[venue]int{}
	classes := map[class]int{}
	return st.ScanVectors(ctx, func(r store.VectorRow) error {
		if len(r.Data) != 2*ix.dim {
			return fmt.Errorf("vector of paper %s has %d bytes, want %d for %d-d float16", r.ID, len(r.Data), 2*ix.dim, ix.dim)
		}
		if len(ix.ids) >= math.MaxInt32 {
			return fmt.Errorf("more than %d vectors", math.MaxInt32)
		}
		v, err := intern(venues, &ix.venues, venue{r.VenueID, r.Venue}, math.MaxUint16)
		if err != nil {
			return err
		}
		c, err := intern(classes, &ix.classes, class{r.Status, r.Presentation}, math.MaxUint8)
		if err != nil {
			return err
		}
		ix.byID[r.ID] = int32(len(ix.ids))
		ix.ids = append(ix.ids, r.ID)
		ix.venue = append(ix.venue, uint16(v))
		ix.year = append(ix.year, int32(r.Year))
		ix.class = append(ix.class, uint8(c))
		n := len(ix.rows)
		ix.rows = slices.Grow(ix.rows, ix.dim)[:n+ix.dim]
		decodeF16(ix.rows[n:], r.Data)
		return nil
	})
}

func (ix *index) grow(n int) {
	ix.byID = make(map[string]int32, n)
	ix.ids = make([]string, 0, n)
	ix.venue = make([]uint16, 0, n)
	ix.year = make([]int32, 0, n)
	ix.class = make([]uint8, 0, n)
	ix.rows = make([]uint16, 0, n*ix.dim)
}

// decodeF16 reads little-endian float16 bits: dst[j] from src[2j:2j+2].
func decodeF16(dst []uint16, src []byte) {
	src = src[:2*len(dst)]
	for j := range dst {
		dst[j] = binary.LittleEndian.Uint16(src[2*j:])
	}
}

// intern returns the index of v in *table, appending it when new.
func intern[T comparable](seen map[T]int, table *[]T, v T, most int) (int, error) {
	if i, ok := seen[v]; ok {
		return i, nil
	}
	if len(*table) > most {
		return 0, fmt.Errorf("more than %d distinct values of %T", most+1, v)
	}
	seen[v] = len(*table)
	*table = append(*table, v)
	return len(*table) - 1, nil
}

// check says why semantic search cannot run over n vectors of the index's
// model, or nil.
func (ix *index) check(n int, opts Options) error {
	switch {
	case n == 0:
		return ErrNoVectors
	case opts.Query == nil && opts.QueryUnavailable != nil:
		return opts.QueryUnavailable
	case opts.Query == nil:
		return ErrNoModel
	}
	return ix.compatible(opts.Model)
}

// compatible returns a *store.ModelMismatchError unless vectors of model m
// can be compared with the index's. Only the base model and the encoding
// matter: the query and paper encoders differ in their adapters by design.
// A vector database hands back numbers, not blobs, so there the encoding
// the record names does not matter either.
func (ix *index) compatible(m store.Model) error {
	if m.Name != ix.model.Name || m.Dim != ix.model.Dim || m.Encoding != ix.model.Encoding && !ix.remote {
		return &store.ModelMismatchError{Have: ix.model, Want: m}
	}
	return nil
}
