package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

var (
	specter2 = Model{Name: "allenai/specter2_base", Adapter: "allenai/specter2", Dim: 4, Encoding: "f16"}
	otherLM  = Model{Name: "allenai/specter2_base", Adapter: "allenai/specter2_adhoc_query", Dim: 4, Encoding: "f16"}
)

// blob is a vector of specter2's length (8 bytes) filled with b.
func blob(b byte) []byte { return bytes.Repeat([]byte{b}, 8) }

// vectorStore holds three papers with text (pks 1–3) and one without (pk 4),
// with specter2 recorded and no vectors.
func vectorStore(t *testing.T) *Store {
	t.Helper()
	s, _ := openTest(t)
	ms := func(v int64) time.Time { return time.UnixMilli(v).UTC() }
	commit(t, s, "", nil,
		paper.Paper{ID: "a", Title: "Alpha", Abstract: "First.", Modified: ms(1000), VenueID: "V", Venue: "V 2025", Year: 2025,
			Status: paper.StatusAccepted, Presentation: paper.PresentationOral},
		paper.Paper{ID: "b", Title: "Beta", Modified: ms(2000), VenueID: "W", Venue: "W 2024", Year: 2024, Status: paper.StatusRejected},
		paper.Paper{ID: "c", Abstract: "Only an abstract; no modified time."},
		paper.Paper{ID: "empty", Modified: ms(4000)},
	)
	if err := s.SetEmbeddingModel(t.Context(), specter2, false); err != nil {
		t.Fatal(err)
	}
	return s
}

func saveVectors(t *testing.T, s *Store, vs ...Vector) {
	t.Helper()
	if err := s.SaveVectors(t.Context(), vs); err != nil {
		t.Fatal(err)
	}
}

func pending(t *testing.T, s *Store, after int64, limit int) []EmbedTask {
	t.Helper()
	tasks, err := s.PendingEmbeddings(t.Context(), after, limit)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.CountPendingEmbeddings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := s.PendingEmbeddings(t.Context(), 0, 1000); n != len(all) {
		t.Errorf("CountPendingEmbeddings = %d, but %d papers are pending", n, len(all))
	}
	return tasks
}

func TestPendingEmbeddings(t *testing.T) {
	s := vectorStore(t)
	want := []EmbedTask{
		{PK: 1, ID: "a", Title: "Alpha", Abstract: "First.", Modified: 1000},
		{PK: 2, ID: "b", Title: "Beta", Modified: 2000},
		{PK: 3, ID: "c", Abstract: "Only an abstract; no modified time."},
	}
	if diff := cmp.Diff(want, pending(t, s, 0, 10)); diff != "" {
		t.Errorf("pending in a new index (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[1:2], pending(t, s, 1, 1)); diff != "" {
		t.Errorf("one page after pk 1 (-want +got):\n%s", diff)
	}
	saveVectors(t, s, Vector{PK: 1, Modified: 1000, TextHash: 11, Data: blob(1)},
		Vector{PK: 2, Modified: 2000, TextHash: 1 << 63, Data: blob(2)}, // the top bit survives the int64 column
		Vector{PK: 3, Modified: 0, TextHash: 33, Data: blob(3)})
	if got := pending(t, s, 0, 10); len(got) != 0 {
		t.Errorf("pending after saving every vector: %+v", got)
	}

	// A re-crawl that changes nothing leaves the vectors current; a changed
	// paper is pending again, with its stored vector described.
	p, err := s.Paper(t.Context(), "b")
	if err != nil {
		t.Fatal(err)
	}
	commit(t, s, "", nil, p)
	if got := pending(t, s, 0, 10); len(got) != 0 {
		t.Errorf("pending after an unchanged re-crawl: %+v", got)
	}
	p.Title, p.Modified = "Beta, revised", time.UnixMilli(2500)
	commit(t, s, "", nil, p)
	want = []EmbedTask{{PK: 2, ID: "b", Title: "Beta, revised", Modified: 2500, HasVector: true, TextHash: 1 << 63}}
	if diff := cmp.Diff(want, pending(t, s, 0, 10)); diff != "" {
		t.Errorf("pending after a changed paper (-want +got):\n%s", diff)
	}
}

func TestSaveVectorsKeepsBlob(t *testing.T) {
	s := vectorStore(t)
	saveVectors(t, s, Vector{PK: 1, Modified: 1000, TextHash: 11, Data: blob(1)})
	commit(t, s, "", nil, paper.Paper{ID: "a", Title: "Alpha", Abstract: "First.", Modified: time.UnixMilli(1500)})
	// The text hash matches: the caller keeps the blob, updating the rest.
	saveVectors(t, s, Vector{PK: 1, Modified: 1500, TextHash: 12})
	tasks := pending(t, s, 0, 10)
	if len(tasks) != 2 || tasks[0].PK != 2 {
		t.Errorf("pending = %+v, want papers 2 and 3 only", tasks)
	}
	got := scanAll(t, s)
	if len(got) != 1 || !bytes.Equal(got[0].Data, blob(1)) {
		t.Errorf("vectors after a nil-Data save = %+v, want paper a's blob kept", got)
	}
	var hash int64
	if err := s.db.QueryRow("SELECT text_hash FROM vectors WHERE pk = 1").Scan(&hash); err != nil || hash != 12 {
		t.Errorf("text_hash = %d, %v; want 12", hash, err)
	}
}

func TestSaveVectorsRefuses(t *testing.T) {
	tests := []struct {
		name  string
		model *Model // recorded before the save; nil: none
		vs    []Vector
		want  error
		msg   string
	}{
		{"no model", nil, []Vector{{PK: 1, Data: blob(1)}}, paper.ErrInvalid, "no embedding model"},
		{"short blob", &specter2, []Vector{{PK: 1, Data: blob(1)}, {PK: 2, Data: blob(2)[:6]}}, paper.ErrInvalid, "paper pk 2: vector of 6 bytes, want 8"},
		{"f32 wants 4 bytes a dimension", &Model{Name: "m", Dim: 4, Encoding: "f32"}, []Vector{{PK: 1, Data: blob(1)}}, paper.ErrInvalid, "want 16"},
		{"empty blob", &specter2, []Vector{{PK: 1, Data: []byte{}}}, paper.ErrInvalid, "vector of 0 bytes"},
		{"unknown encoding, unequal blobs", &Model{Name: "m", Dim: 4, Encoding: "int8x2"}, []Vector{{PK: 1, Data: blob(1)}, {PK: 2, Data: blob(2)[:5]}}, paper.ErrInvalid, "want 8"},
		{"unknown pk", &specter2, []Vector{{PK: 1, Data: blob(1)}, {PK: 99, Data: blob(9)}}, paper.ErrNotFound, "no paper with pk 99"},
		{"nil Data without a stored vector", &specter2, []Vector{{PK: 1, Data: blob(1)}, {PK: 2, Modified: 5}}, paper.ErrNotFound, "paper pk 2 has no stored vector to keep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			commit(t, s, "", nil, paper.Paper{ID: "a", Title: "A"}, paper.Paper{ID: "b", Title: "B"})
			if tt.model != nil {
				if err := s.SetEmbeddingModel(t.Context(), *tt.model, false); err != nil {
					t.Fatal(err)
				}
			}
			err := s.SaveVectors(t.Context(), tt.vs)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("SaveVectors = %v; want %v saying %q", err, tt.want, tt.msg)
			}
			if n, err := s.VectorCount(t.Context()); err != nil || n != 0 {
				t.Errorf("VectorCount after a refused save = %d, %v; want 0: nothing saved", n, err)
			}
		})
	}
}

func TestSaveVectorsUnknownEncoding(t *testing.T) {
	s, _ := openTest(t)
	commit(t, s, "", nil, paper.Paper{ID: "a", Title: "A"}, paper.Paper{ID: "b", Title: "B"}, paper.Paper{ID: "c", Title: "C"})
	if err := s.SetEmbeddingModel(t.Context(), Model{Name: "m", Dim: 3, Encoding: "pq"}, false); err != nil {
		t.Fatal(err)
	}
	saveVectors(t, s, Vector{PK: 1, Data: []byte{1, 2, 3, 4, 5}}, Vector{PK: 2, Data: []byte{5, 4, 3, 2, 1}})
	// Later saves must match the blobs already stored.
	err := s.SaveVectors(t.Context(), []Vector{{PK: 3, Data: []byte{1}}})
	if !errors.Is(err, paper.ErrInvalid) || !strings.Contains(err.Error(), "want 5") {
		t.Errorf("SaveVectors of a 1-byte blob = %v, want ErrInvalid saying want 5", err)
	}
}

func TestEmbeddingModel(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if m, ok, err := s.EmbeddingModel(ctx); err != nil || ok {
		t.Fatalf("EmbeddingModel of a new index = %v, %v, %v; want none", m, ok, err)
	}
	commit(t, s, "", nil, paper.Paper{ID: "a", Title: "A"})
	for _, replace := range []bool{false, false, true} { // first records, then no-ops
		if err := s.SetEmbeddingModel(ctx, specter2, replace); err != nil {
			t.Fatal(err)
		}
	}
	saveVectors(t, s, Vector{PK: 1, Data: blob(1)})

	err := s.SetEmbeddingModel(ctx, otherLM, false)
	var me *ModelMismatchError
	if !errors.As(err, &me) || !errors.Is(err, paper.ErrInvalid) {
		t.Fatalf("SetEmbeddingModel(other, false) = %v, want *ModelMismatchError wrapping ErrInvalid", err)
	}
	if diff := cmp.Diff(ModelMismatchError{Have: specter2, Want: otherLM}, *me); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	wantMsg := "the index holds vectors of allenai/specter2_base with adapter allenai/specter2 (4-d), not of allenai/specter2_base with adapter allenai/specter2_adhoc_query (4-d)"
	if err.Error() != wantMsg {
		t.Errorf("message %q, want %q", err, wantMsg)
	}
	if m, _, _ := s.EmbeddingModel(ctx); m != specter2 {
		t.Errorf("model after a refused change = %v, want %v", m, specter2)
	}
	if n, _ := s.VectorCount(ctx); n != 1 {
		t.Errorf("VectorCount after a refused change = %d, want 1", n)
	}

	if err := s.SetEmbeddingModel(ctx, otherLM, true); err != nil {
		t.Fatal(err)
	}
	if m, ok, err := s.EmbeddingModel(ctx); err != nil || !ok || m != otherLM {
		t.Errorf("EmbeddingModel after replace = %v, %v, %v; want %v", m, ok, err, otherLM)
	}
	if n, _ := s.VectorCount(ctx); n != 0 {
		t.Errorf("VectorCount after replace = %d, want 0", n)
	}
	if got := pending(t, s, 0, 10); len(got) != 1 || got[0].HasVector {
		t.Errorf("pending after replace = %+v, want paper a without a vector", got)
	}
}

func TestSetEmbeddingModelInvalid(t *testing.T) {
	tests := []struct {
		name string
		m    Model
		msg  string
	}{
		{"no name", Model{Name: " ", Dim: 768, Encoding: "f16"}, "has no name"},
		{"zero dim", Model{Name: "m", Encoding: "f16"}, "dimension 0"},
		{"negative dim", Model{Name: "m", Dim: -1, Encoding: "f16"}, "dimension -1"},
		{"no encoding", Model{Name: "m", Dim: 768}, "no vector encoding"},
	}
	s, _ := openTest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, replace := range []bool{false, true} {
				err := s.SetEmbeddingModel(t.Context(), tt.m, replace)
				if !errors.Is(err, paper.ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("replace %v: SetEmbeddingModel = %v, want ErrInvalid saying %q", replace, err, tt.msg)
				}
			}
			if _, ok, _ := s.EmbeddingModel(t.Context()); ok {
				t.Error("an invalid model was recorded")
			}
		})
	}
}

// scanAll copies every row ScanVectors gives.
func scanAll(t *testing.T, s *Store) []VectorRow {
	t.Helper()
	var out []VectorRow
	err := s.ScanVectors(t.Context(), func(r VectorRow) error {
		r.Data = bytes.Clone(r.Data)
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestScanVectors(t *testing.T) {
	s := vectorStore(t)
	if got := scanAll(t, s); len(got) != 0 {
		t.Errorf("scan of an index without vectors: %+v", got)
	}
	saveVectors(t, s, Vector{PK: 2, Data: blob(2)}, Vector{PK: 1, Data: blob(1)})
	want := []VectorRow{
		{ID: "a", VenueID: "V", Venue: "V 2025", Year: 2025, Status: paper.StatusAccepted, Presentation: paper.PresentationOral, Data: blob(1)},
		{ID: "b", VenueID: "W", Venue: "W 2024", Year: 2024, Status: paper.StatusRejected, Data: blob(2)},
	}
	if diff := cmp.Diff(want, scanAll(t, s)); diff != "" {
		t.Errorf("ScanVectors (-want +got):\n%s", diff)
	}
	if n, err := s.VectorCount(t.Context()); err != nil || n != 2 {
		t.Errorf("VectorCount = %d, %v; want 2", n, err)
	}
	calls := 0
	err := s.ScanVectors(t.Context(), func(VectorRow) error { calls++; return errInjected })
	if !errors.Is(err, errInjected) || calls != 1 {
		t.Errorf("ScanVectors with a failing fn = %v after %d calls; want errInjected after 1", err, calls)
	}
}

// TestVectorFollowsPaper checks that a vector goes when its paper is deleted
// (no command deletes papers yet, but a vector must never outlive one).
func TestVectorFollowsPaper(t *testing.T) {
	s := vectorStore(t)
	saveVectors(t, s, Vector{PK: 1, Data: blob(1)}, Vector{PK: 2, Data: blob(2)})
	if _, err := s.db.ExecContext(t.Context(), "DELETE FROM papers WHERE id = 'a'"); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, s); len(got) != 1 || got[0].ID != "b" {
		t.Errorf("vectors after deleting paper a = %+v, want b's only", got)
	}
}

// TestPendingQueryPlan guards the speed of the vector queries at 100k
// papers: each table is walked once in pk order, with no sort and no temp
// b-tree (BenchmarkPendingEmbeddings and BenchmarkScanVectors time them).
func TestPendingQueryPlan(t *testing.T) {
	tests := []struct {
		name, query string
		want        []string
	}{
		{"page", "SELECT p.pk, v.text_hash" + pendingFrom + " AND p.pk > 5 ORDER BY p.pk LIMIT 10",
			[]string{"SEARCH p USING INTEGER PRIMARY KEY (rowid>?)", "SEARCH v USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN"}},
		{"count", "SELECT count(*)" + pendingFrom,
			[]string{"SCAN p", "SEARCH v USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN"}},
		{"scan", scanVectorsSQL, []string{"SCAN v", "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)"}},
	}
	s, _ := openTest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				got = append(got, detail)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("query plan (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMigrateFromV2 opens a file at schema 2 (the v1 fixture, moved on by
// migration 2 as that release did) and checks that the vector tables are
// added and nothing stored is lost.
func TestMigrateFromV2(t *testing.T) {
	script, err := os.ReadFile("testdata/schema_v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v2.db")
	sqlFile(string(script))(t, path)
	db := rawDB(t, path)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := migrations[1].up(t.Context(), tx); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("PRAGMA user_version = 2"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := pragmaInt(t, rawDB(t, path), "user_version"); v != len(migrations) {
		t.Errorf("user_version = %d, want %d", v, len(migrations))
	}
	if err := s.Check(t.Context()); err != nil {
		t.Error(err)
	}
	if hits, err := s.Search(t.Context(), Query{Text: "sparse", Filter: Filter{Authors: []string{"zoe unal"}}}); err != nil || len(hits) != 1 || hits[0].Paper.Title != "Sparse Attention Revisited" {
		t.Errorf("search in migrated file: %+v, %v; want the v1 paper", hits, err)
	}
	if cp, err := s.Checkpoint(t.Context(), "ICLR.cc/2023/Conference"); err != nil || string(cp) != `{"after":"v1paper"}` {
		t.Errorf("checkpoint in migrated file = %q, %v", cp, err)
	}
	if _, ok, err := s.EmbeddingModel(t.Context()); ok || err != nil {
		t.Errorf("EmbeddingModel in migrated file: recorded %v, %v; want none", ok, err)
	}
	tasks, err := s.PendingEmbeddings(t.Context(), 0, 10)
	if err != nil || len(tasks) != 1 || tasks[0].ID != "v1paper" || tasks[0].HasVector {
		t.Fatalf("pending in migrated file = %+v, %v; want the v1 paper, without a vector", tasks, err)
	}
	if err := s.SetEmbeddingModel(t.Context(), specter2, false); err != nil {
		t.Fatal(err)
	}
	saveVectors(t, s, Vector{PK: tasks[0].PK, Modified: tasks[0].Modified, Data: blob(7)})
	if n, err := s.VectorCount(t.Context()); err != nil || n != 1 {
		t.Errorf("VectorCount = %d, %v; want 1", n, err)
	}
}
