package chromastore

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/chroma/chromatest"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

var benchPapers = flag.Int("chroma.papers", 2000, "papers in BenchmarkUpload and BenchmarkDownload")

// benchModel has SPECTER2's dimension, so requests weigh what real ones do.
var benchModel = store.Model{Name: "bench/model", Dim: 768, Encoding: search.Encoding}

// benchIndex is an SQLite index of n papers embedded by the fake encoder
// into benchModel's dimension.
func benchIndex(b *testing.B, n int) *store.Store {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "index.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	commit(b, st, corpus(n, 11)...)
	if err := st.SetEmbeddingModel(ctx, benchModel, false); err != nil {
		b.Fatal(err)
	}
	opts := search.EmbedOptions{Batch: 500, PaperText: paperText}
	if _, err := search.EmbedPapers(ctx, st, fakeEmbedder{benchModel.Dim}, opts); err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkUpload publishes -chroma.papers papers into an empty
// collection, in DefaultBatch batches.
func BenchmarkUpload(b *testing.B) {
	srv := chromatest.Start(b)
	c := newClient(b, srv.URL())
	src := benchIndex(b, *benchPapers)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		cs, err := Open(ctx, c, benchModel, true)
		if err != nil {
			b.Fatal(err)
		}
		if stats, err := Upload(ctx, src, cs, SyncOptions{}); err != nil || stats.Papers != *benchPapers {
			b.Fatalf("upload: %+v, %v", stats, err)
		}
		b.StopTimer()
		if err := c.DeleteCollection(ctx, cs.Collection()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(*benchPapers)*float64(b.N)/b.Elapsed().Seconds(), "papers/s")
}

// BenchmarkDownload copies a collection of -chroma.papers papers into an
// empty SQLite index.
func BenchmarkDownload(b *testing.B) {
	srv := chromatest.Start(b)
	c := newClient(b, srv.URL())
	ctx := context.Background()
	cs, err := Open(ctx, c, benchModel, true)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Upload(ctx, benchIndex(b, *benchPapers), cs, SyncOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		dst, err := store.Open(ctx, filepath.Join(b.TempDir(), "copy.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if stats, err := Download(ctx, cs, dst, SyncOptions{}); err != nil || stats.Vectors != *benchPapers {
			b.Fatalf("download: %+v, %v", stats, err)
		}
		dst.Close()
	}
	b.ReportMetric(float64(*benchPapers)*float64(b.N)/b.Elapsed().Seconds(), "papers/s")
}
