// Package store is openreview-finder's embedded index: one SQLite file (WAL
// mode, pure-Go driver) holding venues, papers, crawl checkpoints, an FTS5
// keyword index with exact filters on venue, year, status, authors and
// keywords, and one vector per paper for semantic search, with the model
// that made them.
//
// The crawler writes through Commit, which stores a page of papers and the
// crawl cursor that produced them in one transaction, so a crash at any moment
// resumes from a consistent point. The schema carries a version number and
// migrates forward on Open; a file from a newer release is refused rather
// than misread.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Store is an open index. It is safe for concurrent use: readers run in
// parallel with the single writer thanks to WAL.
type Store struct {
	db   *sql.DB
	path string

	// beforePaper, when set, runs before each paper of a Commit is written;
	// tests use it to inject faults in the middle of a batch.
	beforePaper func(i int) error
}

// OpenError says why a file cannot be used as an index. Nothing in the file
// was changed. It wraps paper.ErrInvalid: the user named the wrong file or
// needs a newer program.
type OpenError struct {
	Path   string
	Reason string
	// Schema is the file's schema version when it is newer than this
	// program knows, else 0.
	Schema int
}

func (e *OpenError) Error() string { return "open index " + e.Path + ": " + e.Reason }

// Unwrap lets errors.Is(err, paper.ErrInvalid) classify the error.
func (e *OpenError) Unwrap() error { return paper.ErrInvalid }

// busyTimeoutMS is how long a statement waits for another connection's write
// lock (a crawl in another process) before failing with SQLITE_BUSY.
const busyTimeoutMS = 10000

// connParams are applied by the driver to every pooled connection: these
// pragmas are per connection, unlike journal_mode, which lives in the file.
//
// synchronous=NORMAL under WAL syncs the WAL only at checkpoints, not at each
// commit. A committed transaction is in the WAL in the OS page cache when
// Commit returns, so killing the process (kill -9, a panic, an OOM kill) loses
// nothing committed, which is the guarantee the crawler needs. A power loss or
// kernel crash can lose the last few transactions, but WAL never leaves a
// corrupt file, and the crawler's checkpoint rolls back with its papers.
//
// _txlock=immediate makes every transaction take the write lock at BEGIN, so
// two writers queue on busy_timeout instead of one failing when it upgrades
// a read lock.
var connParams = strings.Join([]string{
	fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS),
	"_pragma=foreign_keys(1)",
	"_pragma=synchronous(NORMAL)",
	"_txlock=immediate",
	fmt.Sprintf("_pragma=mmap_size(%d)", mmapSize),
	fmt.Sprintf("_pragma=cache_size(%d)", cacheKiB),
}, "&")

// Searches read the same FTS and paper pages over and over. Reading them
// through a memory map instead of a pread per page, and keeping more of
// them in each connection's cache (SQLite's default is 2 MB), took the
// keyword search's share of system calls and page-cache locking down
// under concurrent load (bench/load). The map is address space, not
// memory: the OS pages it in and out.
const (
	mmapSize = 1 << 32 // bytes
	cacheKiB = -32768  // negative: KiB, per connection
)

// pageSize suits rows of a few KB (and 1.5 KB vector blobs): with the
// default 4 KB pages each such row wastes about a quarter of a page.
const pageSize = 16384

// Open opens the index at path, creating it when the file does not exist or
// is empty and migrating an older schema forward. The parent directory must
// exist.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.setup(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// dsn turns a file path into a driver URI. The characters SQLite's URI
// parser gives meaning to are escaped, so any file name works.
func dsn(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	p := filepath.ToSlash(filepath.Clean(path))
	return "file:" + esc.Replace(p) + "?" + connParams
}

var sqliteMagic = []byte("SQLite format 3\x00")

// checkHeader refuses a file that exists, is not empty, and does not start
// like an SQLite database, before the driver gets a chance to report it as an
// obscure failure of the first statement.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open index %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == nil) {
		return nil // an empty file is a new database
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("open index %s: %w", path, err)
	}
	if n < len(sqliteMagic) || !bytes.Equal(head, sqliteMagic) {
		return &OpenError{Path: path, Reason: "not an SQLite database (is the path right?)"}
	}
	return nil
}

// setup checks the file's schema version, switches it to WAL and applies the
// missing migrations, all on one connection.
func (s *Store) setup(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.openErr(err)
	}
	defer conn.Close()

	version, err := s.checkVersion(ctx, conn)
	if err != nil {
		return err
	}
	if version == 0 {
		// page_size only takes effect before the first page is written,
		// and switching to WAL writes one; so it must come first.
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d", pageSize)); err != nil {
			return s.openErr(err)
		}
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return s.openErr(err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("open index %s: journal mode is %q, want wal", s.path, mode)
	}
	if version == len(migrations) {
		return nil // up to date: no need to wait for a writer's lock
	}
	return s.migrate(ctx, conn)
}

// checkVersion reads the schema version without writing anything, and
// refuses files this program must not touch.
func (s *Store) checkVersion(ctx context.Context, conn *sql.Conn) (int, error) {
	var version, appID, objects int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return 0, s.openErr(err)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return 0, s.openErr(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
		return 0, s.openErr(err)
	}
	switch {
	case version == 0 && objects > 0, version > 0 && appID != applicationID:
		return 0, &OpenError{Path: s.path, Reason: "an SQLite database, but not an openreview-finder index"}
	case version > len(migrations):
		return 0, newerSchema(s.path, version)
	}
	return version, nil
}

func newerSchema(path string, version int) *OpenError {
	return &OpenError{Path: path, Schema: version, Reason: fmt.Sprintf(
		"index was written by a newer openreview-finder (schema %d; this one knows up to %d); upgrade",
		version, len(migrations))}
}

// openErr wraps a driver error met while opening; SQLite's "not a database"
// becomes the same OpenError the header check gives.
func (s *Store) openErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_NOTADB {
		return &OpenError{Path: s.path, Reason: "not an SQLite database (is the path right?)"}
	}
	return fmt.Errorf("open index %s: %w", s.path, err)
}

// Close releases the index. It first lets SQLite refresh the statistics its
// query planner uses, which is cheap when little changed.
func (s *Store) Close() error {
	_, optErr := s.db.ExecContext(context.Background(), "PRAGMA optimize")
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close index %s: %w", s.path, err)
	}
	if optErr != nil {
		return fmt.Errorf("close index %s: optimize: %w", s.path, optErr)
	}
	return nil
}

// Optimize merges the keyword index's segments into one, which makes it a
// little smaller (a few percent of the file) and searches a little faster,
// and refreshes the query planner's statistics. Call it after a large crawl, not after every
// commit: it rewrites the whole keyword index, seconds per 100k papers.
func (s *Store) Optimize(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "INSERT INTO papers_fts (papers_fts) VALUES ('optimize')"); err != nil {
		return fmt.Errorf("optimize index %s: %w", s.path, err)
	}
	if _, err := s.db.ExecContext(ctx, "PRAGMA optimize"); err != nil {
		return fmt.Errorf("optimize index %s: %w", s.path, err)
	}
	return nil
}

// Check runs SQLite's integrity check and the FTS index's own check against
// the papers table. It reads the whole file: use it for diagnosis, not on
// every start.
func (s *Store) Check(ctx context.Context) error {
	var res string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&res); err != nil {
		return fmt.Errorf("check index %s: %w", s.path, err)
	}
	if res != "ok" {
		return fmt.Errorf("check index %s: integrity check: %s", s.path, res)
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)"); err != nil {
		return fmt.Errorf("check index %s: search index: %w", s.path, err)
	}
	return nil
}
