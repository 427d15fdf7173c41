package store

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// openTest opens a fresh index in a temporary directory, closed when the
// test ends.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "index.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// rawDB opens path with the driver alone, as another program would.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func pragmaInt(t testing.TB, db *sql.DB, name string) int {
	t.Helper()
	var v int
	if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func commit(t testing.TB, s *Store, key string, checkpoint []byte, ps ...paper.Paper) {
	t.Helper()
	if err := s.Commit(t.Context(), key, ps, checkpoint); err != nil {
		t.Fatal(err)
	}
}

func TestOpenNewFile(t *testing.T) {
	s, path := openTest(t)
	if err := s.Check(t.Context()); err != nil {
		t.Error(err)
	}
	db := rawDB(t, path)
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{
		"journal_mode":   mode,
		"page_size":      pragmaInt(t, db, "page_size"),
		"user_version":   pragmaInt(t, db, "user_version"),
		"application_id": pragmaInt(t, db, "application_id"),
	}
	want := map[string]any{
		"journal_mode":   "wal",
		"page_size":      pageSize,
		"user_version":   len(migrations),
		"application_id": applicationID,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pragmas (-want +got):\n%s", diff)
	}
	// Per-connection settings, on a connection from the store's own pool.
	conn := map[string]int{}
	for _, name := range []string{"foreign_keys", "busy_timeout", "synchronous"} {
		conn[name] = pragmaInt(t, s.db, name)
	}
	if diff := cmp.Diff(map[string]int{"foreign_keys": 1, "busy_timeout": busyTimeoutMS, "synchronous": 1}, conn); diff != "" {
		t.Errorf("connection pragmas (-want +got):\n%s", diff)
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "index.db")
	s, err := Open(t.Context(), path)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded without the parent directory")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

// TestConcurrentUse has two handles on one file (as a crawl and a server in
// two processes would) write and search at once: writers queue on the lock
// instead of failing, and readers never wait.
func TestConcurrentUse(t *testing.T) {
	a, path := openTest(t)
	b, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const batches, perBatch = 20, 10
	errs := make(chan error, 3)
	for w, s := range []*Store{a, b} {
		go func() {
			for i := range batches {
				var ps []paper.Paper
				for j := range perBatch {
					ps = append(ps, paper.Paper{ID: fmt.Sprintf("w%d-%d-%d", w, i, j), Title: "concurrent writes"})
				}
				if err := s.Commit(t.Context(), fmt.Sprint("writer", w), ps, []byte{byte(i)}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	go func() {
		for range 50 {
			if _, err := a.Search(t.Context(), Query{Text: "concurrent"}); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	for range 3 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n, err := b.Count(t.Context()); err != nil || n != 2*batches*perBatch {
		t.Errorf("Count = %d, %v; want %d", n, err, 2*batches*perBatch)
	}
}

// TestSchemaMigratedEqualsFresh checks both directions of drift: the v1
// fixture must hold migration 1's schema, and a file migrated from it must
// end with the same schema as a new file.
func TestSchemaMigratedEqualsFresh(t *testing.T) {
	script, err := os.ReadFile("testdata/schema_v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	v1 := filepath.Join(t.TempDir(), "v1.db")
	sqlFile(string(script))(t, v1)
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	sqlFile("PRAGMA page_size = 16384", "PRAGMA journal_mode = WAL")(t, fresh)
	db := rawDB(t, fresh)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := migrations[0].up(t.Context(), tx); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(schemaOf(t, fresh), schemaOf(t, v1)); diff != "" {
		t.Errorf("testdata/schema_v1.sql differs from migration 1 (-migration +fixture):\n%s", diff)
	}
	for _, path := range []string{v1, fresh} {
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if diff := cmp.Diff(schemaOf(t, fresh), schemaOf(t, v1)); diff != "" {
		t.Errorf("schema after migration differs from a new file's (-new +migrated):\n%s", diff)
	}
}

// schemaOf lists a file's schema objects, whitespace normalised.
func schemaOf(t *testing.T, path string) []string {
	t.Helper()
	db := rawDB(t, path)
	rows, err := db.Query("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ, name, sql string
		if err := rows.Scan(&typ, &name, &sql); err != nil {
			t.Fatal(err)
		}
		out = append(out, typ+" "+name+": "+strings.Join(strings.Fields(sql), " "))
	}
	return append(out, fmt.Sprintf("application_id %d", pragmaInt(t, db, "application_id")))
}

func TestOpenEmptyFileAndOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "odd ?#%20 dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "in?dex#1%.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			commit(t, s, "", nil, paper.Paper{ID: "a", Title: "Odd paths"})
		}
		if n, err := s.Count(t.Context()); err != nil || n != 1 {
			t.Errorf("open #%d: Count = %d, %v; want 1", i+1, n, err)
		}
		s.Close()
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) == 0 || entries[0].Name() != "in?dex#1%.db" {
		t.Errorf("files in dir = %v, want the index under its own name", entries)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	p := fullPaper()
	v := paper.Venue{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Title: "ICLR", Year: 2025, APIVersion: 2}
	commit(t, s, "k", []byte("cursor-1"), p)
	if err := s.SaveVenue(t.Context(), v); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Paper(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("paper after reopen (-want +got):\n%s", diff)
	}
	vs, err := s.Venues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]paper.Venue{v}, vs); diff != "" {
		t.Errorf("venues after reopen (-want +got):\n%s", diff)
	}
	cp, err := s.Checkpoint(t.Context(), "k")
	if err != nil || string(cp) != "cursor-1" {
		t.Errorf("Checkpoint = %q, %v; want cursor-1", cp, err)
	}
	hits, err := s.Search(t.Context(), Query{Text: "contrastive"})
	if err != nil || len(hits) != 1 {
		t.Errorf("search after reopen: %d hits, %v; want 1", len(hits), err)
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	tests := []struct {
		name   string
		make   func(t *testing.T, path string)
		reason string
	}{
		{"text file", writeFile("papers, not a database\n"), "not an SQLite database"},
		{"short file", writeFile("SQLite"), "not an SQLite database"},
		{"damaged header", writeFile("SQLite format 3\x00" + strings.Repeat("\xff", 200)), "not an SQLite database"},
		{"foreign database", sqlFile("CREATE TABLE notes (x)"), "not an openreview-finder index"},
		{"foreign versioned database", sqlFile("CREATE TABLE notes (x)", "PRAGMA user_version = 1"), "not an openreview-finder index"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.db")
			tt.make(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Open(t.Context(), path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			var oe *OpenError
			if !errors.As(err, &oe) || !errors.Is(err, paper.ErrInvalid) {
				t.Errorf("error %v (%T) is not an *OpenError wrapping ErrInvalid", err, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, tt.reason) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s and saying %q", msg, path, tt.reason)
			}
			after, _ := os.ReadFile(path)
			if string(before) != string(after) {
				t.Error("Open changed the refused file")
			}
		})
	}
}

func writeFile(content string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sqlFile(stmts ...string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range stmts {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTest(t)
	commit(t, s, "", nil, paper.Paper{ID: "a", Title: "Kept"})
	s.Close()
	newer := len(migrations) + 1
	sqlFile("PRAGMA user_version = "+strconv.Itoa(newer))(t, path)

	_, err := Open(t.Context(), path)
	var oe *OpenError
	if !errors.As(err, &oe) || oe.Schema != newer || !errors.Is(err, paper.ErrInvalid) {
		t.Fatalf("Open = %v; want *OpenError with Schema %d wrapping ErrInvalid", err, newer)
	}
	want := "index was written by a newer openreview-finder (schema " + strconv.Itoa(newer)
	if !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "upgrade") {
		t.Errorf("error %q, want it to contain %q and end in upgrade", err, want)
	}
	if v := pragmaInt(t, rawDB(t, path), "user_version"); v != newer {
		t.Errorf("user_version after refusal = %d, want %d untouched", v, newer)
	}
}

// TestMigrateFromV1 opens a file as the schema-1 release wrote it
// (testdata/schema_v1.sql, kept verbatim) and checks that the search side is
// built for the papers already there.
func TestMigrateFromV1(t *testing.T) {
	script, err := os.ReadFile("testdata/schema_v1.sql")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v1.db")
	sqlFile(string(script))(t, path)

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
	got, err := s.Paper(t.Context(), "v1paper")
	if err != nil {
		t.Fatal(err)
	}
	want := paper.Paper{
		ID: "v1paper", Forum: "v1paper", Number: 7, VenueID: "ICLR.cc/2023/Conference", Venue: "ICLR 2023",
		VenueRaw: "ICLR 2023 poster", Year: 2023, APIVersion: 1, Status: paper.StatusAccepted,
		Presentation: paper.PresentationPoster, Title: "Sparse Attention Revisited",
		Abstract: "We revisit sparse attention.", Authors: []string{"Zoë Ünal", "Li Wei"},
		AuthorIDs: []string{"~Zoe_Unal1", ""}, Keywords: []string{"Sparse Attention"},
		ForumURL: "https://openreview.net/forum?id=v1paper",
		Created:  time.UnixMilli(1663000000000).UTC(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("migrated paper (-want +got):\n%s", diff)
	}
	hits, err := s.Search(t.Context(), Query{Text: "sparse", Filter: Filter{Authors: []string{"zoe unal"}, Keywords: []string{"attention"}}})
	if err != nil || len(hits) != 1 {
		t.Errorf("search in migrated file: %d hits, %v; want 1", len(hits), err)
	}
	vs, err := s.Venues(t.Context())
	if err != nil || len(vs) != 1 || vs[0].Label != "ICLR 2023" {
		t.Errorf("venues in migrated file = %v, %v", vs, err)
	}
	if cp, err := s.Checkpoint(t.Context(), "ICLR.cc/2023/Conference"); err != nil || string(cp) != `{"after":"v1paper"}` {
		t.Errorf("checkpoint in migrated file = %q, %v", cp, err)
	}
}
