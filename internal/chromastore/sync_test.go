package chromastore

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/chroma/chromatest"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// testUploadAgain uploads an unchanged index, then one changed paper.
func testUploadAgain(t *testing.T, p *published) {
	ctx := t.Context()
	stats, err := Upload(ctx, p.src, p.cs, SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Papers != 0 || stats.Unchanged != len(p.papers) {
		t.Errorf("second upload: %+v, want nothing sent and %d unchanged", stats, len(p.papers))
	}
	changed := p.papers[5]
	changed.Title, changed.Modified = "A brand new title", changed.Modified.Add(time.Second)
	commit(t, p.src, changed)
	embed(t, p.src)
	if stats, err = Upload(ctx, p.src, p.cs, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if stats.Papers != 1 || stats.Unchanged != len(p.papers)-1 {
		t.Errorf("upload of a changed paper: %+v, want 1 sent", stats)
	}
	got, err := p.cs.Paper(ctx, changed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(changed, got); diff != "" {
		t.Errorf("changed paper in Chroma (-want +got):\n%s", diff)
	}
	p.papers[5] = changed
	if diff := cmp.Diff(vectors(t, p.src), vectors(t, p.cs)); diff != "" {
		t.Errorf("vectors after the change (-want +got):\n%s", diff)
	}
	wantCount(t, p.cs, len(p.papers))
}

// testDownload copies the collection into a fresh SQLite index.
func testDownload(t *testing.T, p *published) {
	ctx := t.Context()
	dst, err := store.Open(ctx, filepath.Join(t.TempDir(), "copy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	start := time.Now()
	stats, err := Download(ctx, p.cs, dst, SyncOptions{Batch: 100, PaperText: paperText})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("download of %d papers: %v, %.0f papers/s", len(p.papers), time.Since(start), float64(len(p.papers))/time.Since(start).Seconds())
	want := SyncStats{Papers: len(p.papers), Vectors: len(p.papers)}
	if diff := cmp.Diff(want, stats, cmpopts.IgnoreFields(SyncStats{}, "Elapsed")); diff != "" {
		t.Errorf("download stats (-want +got):\n%s", diff)
	}
	got, err := dst.Papers(ctx, allIDs(p.papers))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.papers, got); diff != "" {
		t.Errorf("downloaded papers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(vectors(t, p.src), vectors(t, dst)); diff != "" {
		t.Errorf("downloaded vectors (-want +got):\n%s", diff)
	}
	if m, ok, err := dst.EmbeddingModel(ctx); err != nil || !ok || m != testModel {
		t.Errorf("downloaded model %v, %v, %v; want %v", m, ok, err, testModel)
	}
	if stats, err = Download(ctx, p.cs, dst, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if stats.Papers != 0 || stats.Vectors != 0 || stats.Unchanged != len(p.papers) {
		t.Errorf("second download: %+v, want nothing written", stats)
	}
	// The text hashes came along: a paper touched without a change of text
	// keeps its vector.
	touched := p.papers[9]
	touched.Modified = touched.Modified.Add(time.Hour)
	commit(t, dst, touched)
	es, err := search.EmbedPapers(ctx, dst, fakeEmbedder{testDim}, search.EmbedOptions{PaperText: paperText})
	if err != nil {
		t.Fatal(err)
	}
	if es.Embedded != 0 || es.Unchanged != 1 {
		t.Errorf("embedding after a touch: %+v, want 1 unchanged, none embedded", es)
	}
}

// TestUploadSkips leaves behind the papers whose vector is missing or
// older than the paper, and sends them once they are embedded.
func TestUploadSkips(t *testing.T) {
	papers := corpus(20, 3)
	papers[0].Title, papers[0].Abstract = "", ""
	papers[1].Title, papers[1].Abstract = "", ""
	p := publish(t, papers)
	ctx := t.Context()
	for _, i := range []int{2, 3, 4} {
		papers[i].Modified = papers[i].Modified.Add(time.Minute)
		commit(t, p.src, papers[i])
	}
	stats, err := Upload(ctx, p.src, p.cs, SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := SyncStats{Papers: 15, Vectors: 15, Skipped: 5}
	if diff := cmp.Diff(want, stats, cmpopts.IgnoreFields(SyncStats{}, "Elapsed")); diff != "" {
		t.Errorf("upload stats (-want +got):\n%s", diff)
	}
	embed(t, p.src)
	if stats, err = Upload(ctx, p.src, p.cs, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	want = SyncStats{Papers: 3, Vectors: 3, Unchanged: 15, Skipped: 2}
	if diff := cmp.Diff(want, stats, cmpopts.IgnoreFields(SyncStats{}, "Elapsed")); diff != "" {
		t.Errorf("upload stats after embedding (-want +got):\n%s", diff)
	}
	wantCount(t, p.cs, 18)
}

// TestUploadResumes crashes the server after the first batch; a second
// Upload after the restart leaves every paper there exactly once.
func TestUploadResumes(t *testing.T) {
	p := publish(t, testCorpus(300, 9))
	ctx := t.Context()
	batches := 0
	_, err := Upload(ctx, p.src, p.cs, SyncOptions{Batch: 50, Progress: func(done, total int) {
		if batches++; batches == 1 {
			p.srv.Kill()
		}
	}})
	if !errors.Is(err, chroma.ErrUnavailable) {
		t.Fatalf("upload to a crashed server: error %v, want ErrUnavailable", err)
	}
	p.srv.Restart()
	stats, err := Upload(ctx, p.src, p.cs, SyncOptions{Batch: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after the restart: %+v", stats)
	if stats.Papers+stats.Unchanged != len(p.papers) || stats.Papers < len(p.papers)-50 {
		t.Errorf("upload after the restart: %+v; want the %d papers not sent before the crash sent", stats, len(p.papers)-50)
	}
	wantCount(t, p.cs, len(p.papers))
	ids, err := p.cs.FilterIDs(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allIDs(p.papers), ids, cmpopts.SortSlices(less)); diff != "" {
		t.Errorf("ids in Chroma (-want +got):\n%s", diff)
	}
	got, err := p.cs.Papers(ctx, allIDs(p.papers))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.papers, got); diff != "" {
		t.Errorf("papers in Chroma (-want +got):\n%s", diff)
	}
}

// TestUnavailable needs no server: nothing listens where the client looks.
func TestUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := newClient(t, "chroma://"+addr)
	for _, create := range []bool{false, true} {
		_, err := Open(t.Context(), c, testModel, create)
		if !errors.Is(err, chroma.ErrUnavailable) || !strings.Contains(fmt.Sprint(err), addr) {
			t.Errorf("Open(create %v) with no server: error %v, want ErrUnavailable naming %s", create, err, addr)
		}
	}
}

// TestOpenAny opens the one index a database holds.
func TestOpenAny(t *testing.T) {
	srv := chromatest.Start(t)
	c := newClient(t, srv.URL())
	ctx := t.Context()
	if _, err := OpenAny(ctx, c); !errors.Is(err, ErrNoIndex) {
		t.Errorf("OpenAny of an empty database: error %v, want ErrNoIndex", err)
	}
	if _, err := Open(ctx, c, testModel, true); err != nil {
		t.Fatal(err)
	}
	s, err := OpenAny(ctx, c)
	if err != nil || s.model != testModel {
		t.Fatalf("OpenAny() = %v, %v; want the index of %v", s, err, testModel)
	}
	other := store.Model{Name: "other", Dim: 8, Encoding: search.Encoding}
	if _, err := Open(ctx, c, other, true); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenAny(ctx, c); !errors.Is(err, paper.ErrInvalid) {
		t.Errorf("OpenAny of two indexes: error %v, want ErrInvalid", err)
	}
}
