package chromastore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// DefaultBatch is SyncOptions.Batch when unset: large enough that a
// request's overhead does not dominate, small enough that a crash repeats
// little.
const DefaultBatch = 500

// SyncOptions configure Upload and Download.
type SyncOptions struct {
	// Batch is how many papers one write carries: DefaultBatch when ≤ 0,
	// never more than the server's PreFlight limit.
	Batch int
	// Progress, when set, is called after each batch with the records
	// handled so far and the total. Download calls it through two passes,
	// papers then vectors, each with its own total.
	Progress func(done, total int)
	// PaperText, when set, is the text a paper's vector was computed from
	// (main passes embedding.PaperText). Download then records its hash
	// with the vector, so a later edit that leaves the text alone does
	// not cost an embedding.
	PaperText func(title, abstract string) string
	Logger    *slog.Logger
}

func (o SyncOptions) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

func (o SyncOptions) progress(done, total int) {
	if o.Progress != nil {
		o.Progress(done, total)
	}
}

// SyncStats counts what Upload or Download did.
type SyncStats struct {
	Papers    int // papers written
	Vectors   int // vectors written
	Unchanged int // papers already there with the same modification time
	// Skipped counts papers left behind: by Upload, papers with no vector
	// or one older than the paper (run index first); by Download, papers
	// with neither a title nor an abstract, whose vector the store does
	// not keep.
	Skipped int
	Elapsed time.Duration
}

// batchSize is opts.Batch within the server's limit.
func (s *Store) batchSize(ctx context.Context, want int) (int, error) {
	if want <= 0 {
		want = DefaultBatch
	}
	pf, err := s.c.PreFlight(ctx)
	if err != nil {
		return 0, err
	}
	if pf.MaxBatchSize > 0 && want > pf.MaxBatchSize {
		want = pf.MaxBatchSize
	}
	return want, nil
}

// Upload publishes the papers and vectors of an SQLite index in Chroma.
// Only papers missing from the collection or held with another
// modification time are sent, each with its vector, so Upload is
// idempotent, and after a failure at any point a second call sends what
// the first did not. Papers without a current vector are skipped and
// counted. The index's model must be the collection's.
func Upload(ctx context.Context, from *store.Store, to *Store, opts SyncOptions) (SyncStats, error) {
	start := time.Now()
	u := &uploader{from: from, to: to, opts: opts}
	if err := u.prepare(ctx); err != nil {
		return SyncStats{}, fmt.Errorf("upload to %s: %w", to.col.Name(), err)
	}
	opts.logger().Info("upload", "collection", to.col.Name(), "vectors", u.total, "in_chroma", len(u.remote), "batch", u.batch)
	err := from.ScanVectors(ctx, func(r store.VectorRow) error {
		if err := u.add(r); err != nil {
			return err
		}
		if len(u.ids) < u.batch {
			return nil
		}
		return u.flush(ctx)
	})
	if err == nil {
		err = u.flush(ctx)
	}
	u.stats.Elapsed = time.Since(start)
	if err != nil {
		return u.stats, fmt.Errorf("upload to %s: %w", to.col.Name(), err)
	}
	papers, err := from.Count(ctx)
	if err != nil {
		return u.stats, fmt.Errorf("upload to %s: %w", to.col.Name(), err)
	}
	u.stats.Skipped += papers - u.seen
	opts.logger().Info("uploaded", "collection", to.col.Name(), "papers", u.stats.Papers,
		"unchanged", u.stats.Unchanged, "skipped", u.stats.Skipped, "elapsed", u.stats.Elapsed)
	return u.stats, nil
}

// uploader carries one Upload's state between batches.
type uploader struct {
	from  *store.Store
	to    *Store
	opts  SyncOptions
	model store.Model
	batch int

	remote map[string]int64 // id → modifiedKey of the papers in Chroma
	stale  map[string]bool  // papers whose vector is older than the paper
	total  int              // vectors in the index

	ids   []string // the batch being gathered, with its vectors
	vecs  [][]float32
	seen  int // vectors read
	stats SyncStats
}

// prepare checks the models and reads what Chroma holds and which stored
// vectors are stale.
func (u *uploader) prepare(ctx context.Context) error {
	m, ok, err := u.from.EmbeddingModel(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return search.ErrNoVectors
	}
	if m != u.to.model {
		return &store.ModelMismatchError{Have: u.to.model, Want: m}
	}
	u.model = m
	if u.batch, err = u.to.batchSize(ctx, u.opts.Batch); err != nil {
		return err
	}
	if u.remote, err = u.to.modifiedTimes(ctx); err != nil {
		return err
	}
	if u.stale, err = staleVectors(ctx, u.from); err != nil {
		return err
	}
	u.total, err = u.from.VectorCount(ctx)
	return err
}

// add takes one stored vector into the batch, unless it is stale. Data is
// decoded here: it is valid only during ScanVectors' callback.
func (u *uploader) add(r store.VectorRow) error {
	u.seen++
	if u.stale[r.ID] {
		u.stats.Skipped++
		return nil
	}
	v, err := decodeVector(u.model, r.Data)
	if err != nil {
		return fmt.Errorf("paper %q: %w", r.ID, err)
	}
	u.ids, u.vecs = append(u.ids, r.ID), append(u.vecs, v)
	return nil
}

// flush sends the batch's papers that Chroma lacks or holds in another
// version.
func (u *uploader) flush(ctx context.Context) error {
	if len(u.ids) == 0 {
		return nil
	}
	vecs := make(map[string][]float32, len(u.ids))
	for i, id := range u.ids {
		vecs[id] = u.vecs[i]
	}
	u.ids, u.vecs = u.ids[:0], u.vecs[:0]
	ps, err := u.from.Papers(ctx, keys(vecs))
	if err != nil {
		return err
	}
	var recs chroma.Records
	for i := range ps {
		p := &ps[i]
		if m, ok := u.remote[p.ID]; ok && m == modifiedKey(p.Modified) {
			u.stats.Unchanged++
			continue
		}
		recs.IDs = append(recs.IDs, p.ID)
		recs.Embeddings = append(recs.Embeddings, vecs[p.ID])
		recs.Metadatas = append(recs.Metadatas, metadata(p))
		recs.Documents = append(recs.Documents, document(p))
	}
	if len(recs.IDs) > 0 {
		if err := u.to.col.Upsert(ctx, recs); err != nil {
			return err
		}
		u.stats.Papers += len(recs.IDs)
		u.stats.Vectors += len(recs.IDs)
	}
	u.opts.progress(u.seen, u.total)
	return nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// modifiedTimes maps the id of every paper in the collection to
// modifiedKey of its modification time.
func (s *Store) modifiedTimes(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	req := chroma.GetRequest{Include: []chroma.Include{chroma.IncludeMetadatas}}
	err := s.pages(ctx, req, recordPage, func(recs []chroma.Record) error {
		for _, r := range recs {
			out[r.ID] = recordModified(r.Metadata)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list papers in %s: %w", s.col.Name(), err)
	}
	return out, nil
}

// staleVectors lists the papers whose stored vector was made for an older
// version of the paper: uploading one would pair the new text with the old
// vector, and Download would then take it for current.
func staleVectors(ctx context.Context, st *store.Store) (map[string]bool, error) {
	stale := map[string]bool{}
	var after int64
	for {
		tasks, err := st.PendingEmbeddings(ctx, after, recordPage)
		if err != nil {
			return nil, err
		}
		for _, t := range tasks {
			if t.HasVector {
				stale[t.ID] = true
			}
		}
		if len(tasks) < recordPage {
			return stale, nil
		}
		after = tasks[len(tasks)-1].PK
	}
}

// Download copies the papers and vectors of a collection into an SQLite
// index, recording the collection's model there (an index holding another
// model's vectors is refused with a *store.ModelMismatchError). Papers
// missing from the index or held with another modification time are
// written, then every paper without a current vector gets the collection's,
// so Download is idempotent, and after a failure a second call finishes
// the work.
func Download(ctx context.Context, from *Store, to *store.Store, opts SyncOptions) (SyncStats, error) {
	start := time.Now()
	var stats SyncStats
	err := download(ctx, from, to, opts, &stats)
	stats.Elapsed = time.Since(start)
	if err != nil {
		return stats, fmt.Errorf("download from %s: %w", from.col.Name(), err)
	}
	opts.logger().Info("downloaded", "collection", from.col.Name(), "papers", stats.Papers,
		"vectors", stats.Vectors, "unchanged", stats.Unchanged, "skipped", stats.Skipped, "elapsed", stats.Elapsed)
	return stats, nil
}

func download(ctx context.Context, from *Store, to *store.Store, opts SyncOptions, stats *SyncStats) error {
	if err := to.SetEmbeddingModel(ctx, from.model, false); err != nil {
		return err
	}
	batch, err := from.batchSize(ctx, opts.Batch)
	if err != nil {
		return err
	}
	total, err := from.col.Count(ctx)
	if err != nil {
		return err
	}
	opts.logger().Info("download", "collection", from.col.Name(), "papers", total, "batch", batch)
	inChroma := make(map[string]bool, total)
	done := 0
	req := chroma.GetRequest{Include: []chroma.Include{chroma.IncludeMetadatas}}
	err = from.pages(ctx, req, batch, func(recs []chroma.Record) error {
		if err := writePapers(ctx, to, recs, stats); err != nil {
			return err
		}
		for _, r := range recs {
			inChroma[r.ID] = true
		}
		done += len(recs)
		opts.progress(done, total)
		return nil
	})
	if err != nil {
		return err
	}
	return downloadVectors(ctx, from, to, inChroma, batch, opts, stats)
}

// writePapers commits the papers of recs that the index lacks or holds in
// another version.
func writePapers(ctx context.Context, to *store.Store, recs []chroma.Record, stats *SyncStats) error {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	have, err := to.Papers(ctx, ids)
	if err != nil {
		return err
	}
	mod := make(map[string]int64, len(have))
	for _, p := range have {
		mod[p.ID] = modifiedKey(p.Modified)
	}
	var write []paper.Paper
	for _, r := range recs {
		if r.Metadata[keyTitle] == "" && r.Metadata[keyAbstract] == "" {
			stats.Skipped++ // the store keeps no vector for a paper without text
		}
		if m, ok := mod[r.ID]; ok && m == recordModified(r.Metadata) {
			stats.Unchanged++
			continue
		}
		p, err := decodePaper(r.ID, r.Metadata)
		if err != nil {
			return err
		}
		write = append(write, p)
	}
	// No checkpoint: a download is not a crawl, and resumes by comparing.
	if err := to.Commit(ctx, "", write, nil); err != nil {
		return err
	}
	stats.Papers += len(write)
	return nil
}

// downloadVectors gives every paper of the collection that has no current
// vector in the index the collection's. The index's list of pending papers
// supplies the keys SaveVectors needs.
func downloadVectors(ctx context.Context, from *Store, to *store.Store, inChroma map[string]bool, batch int, opts SyncOptions, stats *SyncStats) error {
	var todo []store.EmbedTask
	var after int64
	for {
		tasks, err := to.PendingEmbeddings(ctx, after, recordPage)
		if err != nil {
			return err
		}
		for _, t := range tasks {
			if inChroma[t.ID] {
				todo = append(todo, t)
			}
		}
		if len(tasks) < recordPage {
			break
		}
		after = tasks[len(tasks)-1].PK
	}
	for start := 0; start < len(todo); start += batch {
		if err := downloadBatch(ctx, from, to, todo[start:min(start+batch, len(todo))], opts, stats); err != nil {
			return err
		}
		opts.progress(min(start+batch, len(todo)), len(todo))
	}
	return nil
}

func downloadBatch(ctx context.Context, from *Store, to *store.Store, tasks []store.EmbedTask, opts SyncOptions, stats *SyncStats) error {
	ids := make([]string, len(tasks))
	for i, t := range tasks {
		ids[i] = t.ID
	}
	recs, err := from.col.Get(ctx, chroma.GetRequest{IDs: ids, Include: []chroma.Include{chroma.IncludeEmbeddings}})
	if err != nil {
		return err
	}
	byID := make(map[string][]float32, len(recs))
	for _, r := range recs {
		byID[r.ID] = r.Embedding
	}
	vs := make([]store.Vector, 0, len(tasks))
	for _, t := range tasks {
		e, ok := byID[t.ID]
		if !ok {
			continue // deleted from the collection meanwhile
		}
		if len(e) != from.model.Dim {
			return fmt.Errorf("record %q has a vector of %d numbers, want %d", t.ID, len(e), from.model.Dim)
		}
		v := store.Vector{PK: t.PK, Modified: t.Modified, Data: encodeVector(e)}
		if opts.PaperText != nil {
			v.TextHash = search.TextHash(opts.PaperText(t.Title, t.Abstract))
		}
		vs = append(vs, v)
	}
	if err := to.SaveVectors(ctx, vs); err != nil {
		return err
	}
	stats.Vectors += len(vs)
	return nil
}
