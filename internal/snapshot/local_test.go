package snapshot

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// testIndex opens an index with n papers of one venue, and vectors for
// the first v of them.
func testIndex(t testing.TB, n, v int) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "index.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	venue := paper.Venue{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Year: 2025, APIVersion: 2}
	if err := st.SaveVenue(t.Context(), venue); err != nil {
		t.Fatal(err)
	}
	ps := make([]paper.Paper, n)
	for i := range ps {
		ps[i] = paper.Paper{ID: "p" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)),
			Title: "Paper about diffusion", Abstract: "An abstract.", VenueID: venue.ID, Venue: venue.Label, Year: 2025,
			Status: paper.StatusAccepted}
	}
	if err := st.Commit(t.Context(), "crawl", ps, []byte("cursor")); err != nil {
		t.Fatal(err)
	}
	if v == 0 {
		return st
	}
	m := store.Model{Name: "allenai/specter2_base", Adapter: "allenai/specter2", Dim: 4, Encoding: "f16"}
	if err := st.SetEmbeddingModel(t.Context(), m, false); err != nil {
		t.Fatal(err)
	}
	tasks, err := st.PendingEmbeddings(t.Context(), 0, v)
	if err != nil {
		t.Fatal(err)
	}
	var vs []store.Vector
	for _, task := range tasks {
		vs = append(vs, store.Vector{PK: task.PK, Modified: task.Modified, TextHash: 1, Data: make([]byte, 8)})
	}
	if err := st.SaveVectors(t.Context(), vs); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCreateReadVerify(t *testing.T) {
	st := testIndex(t, 30, 20)
	dir := filepath.Join(t.TempDir(), "snap")
	m, err := Create(t.Context(), st, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := Manifest{Format: format, FormatVersion: 1, SchemaVersion: store.SchemaVersion(),
		Model:  &Model{Name: "allenai/specter2_base", Adapter: "allenai/specter2", Dim: 4, Encoding: "f16"},
		Papers: 30, Vectors: 20, Venues: []string{"ICLR.cc/2025/Conference"}}
	ignore := func(m Manifest) Manifest { m.Created, m.Tool, m.Files = want.Created, want.Tool, nil; return m }
	if d := cmp.Diff(want, ignore(m)); d != "" {
		t.Errorf("manifest (-want +got):\n%s", d)
	}
	if len(m.Files) != 1 || m.Files[0].Path != IndexFile || m.Files[0].Size == 0 {
		t.Fatalf("files = %+v, want one index.sqlite", m.Files)
	}
	read, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, read); d != "" {
		t.Errorf("manifest read back (-want +got):\n%s", d)
	}
	if err := Verify(dir, m); err != nil {
		t.Fatal(err)
	}
	// Only the index and the manifest: no WAL or shared-memory file.
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if d := cmp.Diff([]string{IndexFile, ManifestFile}, names); d != "" {
		t.Errorf("snapshot folder (-want +got):\n%s", d)
	}
	if _, err := Create(t.Context(), st, dir); err == nil {
		t.Error("a second snapshot into the same folder succeeded")
	}
	// A flipped byte fails verification.
	corrupt(t, filepath.Join(dir, IndexFile), 100)
	if err := Verify(dir, m); !errors.Is(err, ErrIntegrity) {
		t.Errorf("Verify of a corrupted index = %v, want ErrIntegrity", err)
	}
}

func corrupt(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}

func TestReadRefuses(t *testing.T) {
	good := Manifest{Format: format, FormatVersion: 1, SchemaVersion: store.SchemaVersion(),
		Files: []File{{Path: IndexFile, Size: 1, SHA256: strings.Repeat("a", 64)}}}
	tests := []struct {
		name string
		edit func(*Manifest)
		want string
	}{
		{"other format", func(m *Manifest) { m.Format = "something" }, "not an openreview-finder index manifest"},
		{"newer layout", func(m *Manifest) { m.FormatVersion = 2 }, "newer than this openreview-finder knows"},
		{"newer schema", func(m *Manifest) { m.SchemaVersion = store.SchemaVersion() + 1 }, "upgrade"},
		{"path outside", func(m *Manifest) { m.Files = append(m.Files, File{Path: "../x", SHA256: strings.Repeat("a", 64)}) }, "not a valid path"},
		{"absolute path", func(m *Manifest) { m.Files = append(m.Files, File{Path: "/etc/x", SHA256: strings.Repeat("a", 64)}) }, "not a valid path"},
		{"bad hash", func(m *Manifest) { m.Files[0].SHA256 = "zz" }, "no valid size and SHA-256"},
		{"no index", func(m *Manifest) { m.Files = nil }, "lists no index.sqlite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := good
			m.Files = append([]File(nil), good.Files...)
			tt.edit(&m)
			dir := t.TempDir()
			b, _ := json.Marshal(m)
			os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o644)
			_, err := Read(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := Read(t.TempDir()); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("Read of an empty folder = %v, want ErrNoSnapshot", err)
	}
}

func TestCopyAndInstall(t *testing.T) {
	st := testIndex(t, 40, 40)
	src := filepath.Join(t.TempDir(), "snap")
	m, err := Create(t.Context(), st, src)
	if err != nil {
		t.Fatal(err)
	}
	// Copy to a "bucket" that holds an older snapshot: it is replaced.
	bucket := filepath.Join(t.TempDir(), "bucket", "snapshot")
	old := testIndex(t, 5, 0)
	if _, err := Create(t.Context(), old, bucket); err != nil {
		t.Fatal(err)
	}
	var last int64
	got, err := Copy(t.Context(), src, bucket, func(done, total int64) { last = done })
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, got); d != "" {
		t.Errorf("copied manifest (-want +got):\n%s", d)
	}
	if last != m.Size() {
		t.Errorf("last progress %d bytes, want %d", last, m.Size())
	}
	if err := Verify(bucket, m); err != nil {
		t.Fatal(err)
	}

	work := t.TempDir()
	// A stale WAL from an index deleted by hand must not be replayed.
	os.WriteFile(filepath.Join(work, IndexFile+"-wal"), []byte("stale"), 0o644)
	if err := Install(t.Context(), bucket, m, work, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(work, IndexFile+"-wal")); err == nil {
		t.Error("the stale WAL is still there")
	}
	c, err := store.Open(t.Context(), filepath.Join(work, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := c.Count(t.Context())
	c.Close()
	if n != 40 {
		t.Errorf("installed index holds %d papers, want 40", n)
	}
	if err := Install(t.Context(), bucket, m, work, nil); err == nil {
		t.Error("Install over an existing index succeeded")
	}
}

func TestInstallRejectsCorruptCopy(t *testing.T) {
	st := testIndex(t, 10, 0)
	src := filepath.Join(t.TempDir(), "snap")
	m, err := Create(t.Context(), st, src)
	if err != nil {
		t.Fatal(err)
	}
	corrupt(t, filepath.Join(src, IndexFile), m.Files[0].Size-1)
	work := t.TempDir()
	if err := Install(t.Context(), src, m, work, nil); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("Install of a corrupted snapshot = %v, want ErrIntegrity", err)
	}
	entries, _ := os.ReadDir(work)
	if len(entries) != 0 {
		t.Errorf("a failed install left %d files behind", len(entries))
	}
	// Copy refuses it too, and leaves no manifest at the destination.
	to := t.TempDir()
	if _, err := Copy(t.Context(), src, to, nil); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("Copy of a corrupted snapshot = %v, want ErrIntegrity", err)
	}
	if _, err := Read(to); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("after a failed copy Read = %v, want ErrNoSnapshot", err)
	}
}
