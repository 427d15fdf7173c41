package crawl_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/crawl"
	"github.com/openreview-finder/openreview-finder/internal/openreview/openreviewtest"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// BenchmarkCrawl measures a full crawl of a 5,000-paper venue from the fake
// server (loopback HTTP, JSON parsing, normalising, SQLite commits with
// FTS), and the index size per paper it leaves.
func BenchmarkCrawl(b *testing.B) {
	const scale = 5000
	e := &env{srv: openreviewtest.NewTB(b, openreviewtest.Options{Seed: 9, Scale: scale})}
	e.client = newClient(b, e)
	var papers int
	var size int64
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		st, err := store.Open(b.Context(), filepath.Join(dir, "index.sqlite"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := crawl.New(e.client, st, crawl.Options{CacheDir: filepath.Join(dir, "cache"), All: true}).Venue(b.Context(), iclr2025)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		papers += res.Papers
		st.Close()
		size = indexSize(b, filepath.Join(dir, "index.sqlite"))
		b.StartTimer()
	}
	b.ReportMetric(float64(papers)/b.Elapsed().Seconds(), "papers/s")
	b.ReportMetric(float64(size)/scale, "index-bytes/paper")
}

// indexSize is the size of the SQLite file with its WAL and shared-memory files.
func indexSize(b *testing.B, path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}
