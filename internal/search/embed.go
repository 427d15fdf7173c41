package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/tensor"
)

// VectorStore is where EmbedPapers reads the papers to embed and writes
// their vectors; *store.Store satisfies it.
type VectorStore interface {
	PendingEmbeddings(ctx context.Context, afterPK int64, limit int) ([]store.EmbedTask, error)
	CountPendingEmbeddings(ctx context.Context) (int, error)
	SaveVectors(ctx context.Context, vs []store.Vector) error
}

// EmbedOptions configure EmbedPapers.
type EmbedOptions struct {
	Batch     int                                 // papers per encoder call and per transaction; 32 when ≤ 0
	PaperText func(title, abstract string) string // the text embedded for a paper (required)
	Progress  func(done, total int)               // called after each saved batch, if set
	Logger    *slog.Logger
}

// EmbedStats counts what EmbedPapers did.
type EmbedStats struct {
	Embedded  int // papers whose text was embedded
	Unchanged int // papers modified without a change to their text: only the modification time was updated
	Elapsed   time.Duration
}

// DefaultBatch is EmbedOptions.Batch when unset.
const DefaultBatch = 32

// EmbedPapers embeds every paper whose vector is missing or older than the
// paper, enc.Dim() numbers each, and saves the vectors encoded by EncodeF16.
// Each batch is saved in one transaction, so a crash or a cancelled ctx
// loses at most the batch in flight, and a later call resumes where this
// one stopped. A paper whose embedded text did not change keeps its vector.
// The caller records the model (store.SetEmbeddingModel) beforehand.
func EmbedPapers(ctx context.Context, st VectorStore, enc Embedder, opts EmbedOptions) (EmbedStats, error) {
	start := time.Now()
	stats, err := embedPapers(ctx, st, enc, opts)
	stats.Elapsed = time.Since(start)
	if err != nil {
		return stats, fmt.Errorf("embed papers: %w", err)
	}
	return stats, nil
}

func embedPapers(ctx context.Context, st VectorStore, enc Embedder, opts EmbedOptions) (EmbedStats, error) {
	var stats EmbedStats
	if opts.PaperText == nil {
		return stats, errors.New("no PaperText function given")
	}
	batch := opts.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	total, err := st.CountPendingEmbeddings(ctx)
	if err != nil {
		return stats, err
	}
	var after int64
	for done := 0; ; {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		tasks, err := st.PendingEmbeddings(ctx, after, batch)
		if err != nil {
			return stats, fmt.Errorf("after pk %d: %w", after, err)
		}
		if len(tasks) == 0 {
			return stats, nil
		}
		embedded, err := embedBatch(ctx, st, enc, opts.PaperText, tasks)
		if err != nil {
			return stats, err
		}
		stats.Embedded += embedded
		stats.Unchanged += len(tasks) - embedded
		after, done = tasks[len(tasks)-1].PK, done+len(tasks)
		log.Debug("embedded batch", "papers", len(tasks), "embedded", embedded, "done", done, "total", total)
		if opts.Progress != nil {
			// Papers changed meanwhile can make done pass the first count.
			opts.Progress(done, max(total, done))
		}
	}
}

// embedBatch embeds the tasks whose text changed and saves every task's
// vector in one transaction. It returns how many it embedded.
func embedBatch(ctx context.Context, st VectorStore, enc Embedder, text func(title, abstract string) string, tasks []store.EmbedTask) (int, error) {
	vs := make([]store.Vector, len(tasks))
	var texts []string
	var todo []int // indexes into tasks of texts
	for i, t := range tasks {
		s := text(t.Title, t.Abstract)
		h := TextHash(s)
		vs[i] = store.Vector{PK: t.PK, Modified: t.Modified, TextHash: h}
		if !t.HasVector || t.TextHash != h {
			texts, todo = append(texts, s), append(todo, i)
		}
	}
	if len(texts) > 0 {
		out, err := enc.Embed(ctx, texts)
		if err != nil {
			return 0, fmt.Errorf("papers %s to %s: %w", tasks[0].ID, tasks[len(tasks)-1].ID, err)
		}
		if len(out) != len(texts) {
			return 0, fmt.Errorf("the encoder returned %d vectors for %d papers", len(out), len(texts))
		}
		for j, i := range todo {
			if len(out[j]) != enc.Dim() {
				return 0, fmt.Errorf("the encoder returned %d numbers for paper %s, want %d", len(out[j]), tasks[i].ID, enc.Dim())
			}
			vs[i].Data = EncodeF16(out[j])
		}
	}
	if err := st.SaveVectors(ctx, vs); err != nil {
		return 0, fmt.Errorf("save vectors of papers %s to %s: %w", tasks[0].ID, tasks[len(tasks)-1].ID, err)
	}
	return len(texts), nil
}

// TextHash identifies the exact text a vector was computed from (FNV-1a,
// 64 bits), so a paper whose text did not change is not embedded again.
func TextHash(text string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(text))
	return h.Sum64()
}

// EncodeF16 scales v to unit length and encodes it as the store keeps it:
// float16, little-endian, 2·len(v) bytes. A zero vector stays zero. Unit
// length makes a dot product the cosine; float16 halves the bytes a scan
// reads, at a cost (about 1e-3 in a cosine) far below what separates
// rankings.
func EncodeF16(v []float32) []byte {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	scale := 1.0
	if norm := math.Sqrt(ss); norm > 0 && !math.IsInf(norm, 0) {
		scale = 1 / norm
	}
	out := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(out[2*i:], tensor.F32ToF16(float32(float64(x)*scale)))
	}
	return out
}
