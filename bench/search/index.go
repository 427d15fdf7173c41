package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // raw read-only access for page counts and per-table sizes

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

// indexVersion changes whenever the corpus generator, the store's schema or
// the vector encoding changes in a way that makes a cached index stale.
const indexVersion = 1

const (
	corpusSeed = 2024
	dim        = 768
	pageSize   = 1000 // papers per Commit and vectors per SaveVectors
)

// benchModel is what the index records and the engine is told it runs.
var benchModel = store.Model{Name: "bench/bert-base-random", Adapter: "bench/adapter-query-random", Dim: dim, Encoding: search.Encoding}

// buildInfo is the cached index's stamp: written last, so an interrupted
// build is redone, and kept so a later run reports how the index was made.
type buildInfo struct {
	Version      int     `json:"version"`
	Papers       int     `json:"papers"`
	CommitS      float64 `json:"commit_s"`
	VectorsS     float64 `json:"vectors_s"`
	OptimizeS    float64 `json:"optimize_s"`
	TotalS       float64 `json:"total_s"`
	FileBytes    int64   `json:"file_bytes"`
	BuiltAt      string  `json:"built_at"`
	PapersPerSec float64 `json:"papers_per_s"`
}

func indexDir(cache string, n int) string {
	if n%1000 == 0 {
		return filepath.Join(cache, fmt.Sprintf("search-%dk", n/1000))
	}
	return filepath.Join(cache, fmt.Sprintf("search-%d", n))
}

func indexPath(dir string) string { return filepath.Join(dir, "index.db") }

// cachedIndex returns the stamp of a usable cached index, or false.
func cachedIndex(dir string, n int) (buildInfo, bool) {
	var bi buildInfo
	data, err := os.ReadFile(filepath.Join(dir, "build.json"))
	if err != nil || json.Unmarshal(data, &bi) != nil || bi.Version != indexVersion || bi.Papers != n {
		return buildInfo{}, false
	}
	if _, err := os.Stat(indexPath(dir)); err != nil {
		return buildInfo{}, false
	}
	return bi, true
}

// buildIndex writes n synthetic papers and a random vector for each into a
// fresh index in dir, then optimises it as a user would after a crawl.
func buildIndex(ctx context.Context, dir string, n int, log io.Writer) (buildInfo, error) {
	if err := os.RemoveAll(dir); err != nil {
		return buildInfo{}, fmt.Errorf("remove stale index: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return buildInfo{}, fmt.Errorf("create index dir: %w", err)
	}
	st, err := store.Open(ctx, indexPath(dir))
	if err != nil {
		return buildInfo{}, err
	}
	defer st.Close()
	bi := buildInfo{Version: indexVersion, Papers: n, BuiltAt: time.Now().UTC().Format(time.RFC3339)}
	start := time.Now()
	if err := commitPapers(ctx, st, n, log); err != nil {
		return buildInfo{}, err
	}
	bi.CommitS = time.Since(start).Seconds()
	bi.PapersPerSec = float64(n) / bi.CommitS
	t := time.Now()
	progress := func(done int) {
		if done%(20*pageSize) == 0 || done == n {
			fmt.Fprintf(log, "saved %d/%d vectors\n", done, n)
		}
	}
	if _, err := synth.SaveVectors(ctx, st, benchModel, corpusSeed, progress); err != nil {
		return buildInfo{}, err
	}
	bi.VectorsS = time.Since(t).Seconds()
	t = time.Now()
	fmt.Fprintf(log, "optimizing ...\n")
	if err := st.Optimize(ctx); err != nil {
		return buildInfo{}, fmt.Errorf("optimize: %w", err)
	}
	if err := st.Close(); err != nil {
		return buildInfo{}, fmt.Errorf("close index: %w", err)
	}
	bi.OptimizeS = time.Since(t).Seconds()
	bi.TotalS = time.Since(start).Seconds()
	if bi.FileBytes, err = fileBytes(indexPath(dir)); err != nil {
		return buildInfo{}, err
	}
	data, _ := json.MarshalIndent(bi, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "build.json"), append(data, '\n'), 0o644); err != nil {
		return buildInfo{}, fmt.Errorf("write index stamp: %w", err)
	}
	return bi, nil
}

func commitPapers(ctx context.Context, st *store.Store, n int, log io.Writer) error {
	for _, v := range synth.Venues {
		if err := st.SaveVenue(ctx, v.Venue); err != nil {
			return fmt.Errorf("save venue %s: %w", v.ID, err)
		}
	}
	g := synth.NewGen(corpusSeed)
	start := time.Now()
	for off := 0; off < n; off += pageSize {
		page := make([]paper.Paper, min(pageSize, n-off))
		for i := range page {
			page[i] = g.Paper(off + i)
		}
		if err := st.Commit(ctx, "bench", page, fmt.Appendf(nil, "%d", off+len(page))); err != nil {
			return fmt.Errorf("commit papers %d to %d: %w", off, off+len(page), err)
		}
		if done := off + len(page); done%(20*pageSize) == 0 || done == n {
			fmt.Fprintf(log, "committed %d/%d papers (%.0f/s)\n", done, n, float64(done)/time.Since(start).Seconds())
		}
	}
	return nil
}

// fileBytes is what the index takes on disk: the database file and its
// write-ahead log, if one is left.
func fileBytes(path string) (int64, error) {
	var total int64
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return 0, fmt.Errorf("size of index: %w", err)
		}
		total += fi.Size()
	}
	return total, nil
}

// diskUse is the index file's pages: those in use, those free, and the
// bytes each table and index takes (from SQLite's dbstat table, when the
// driver has it).
type diskUse struct {
	UsedBytes int64            `json:"used_bytes"`
	FreeBytes int64            `json:"free_bytes"`
	ByTable   map[string]int64 `json:"by_table,omitempty"`
}

func measureDisk(ctx context.Context, path string) (diskUse, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return diskUse{}, fmt.Errorf("open index read-only: %w", err)
	}
	defer db.Close()
	var pages, free, size int64
	for _, q := range []struct {
		sql string
		dst *int64
	}{{"PRAGMA page_count", &pages}, {"PRAGMA freelist_count", &free}, {"PRAGMA page_size", &size}} {
		if err := db.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
			return diskUse{}, fmt.Errorf("%s: %w", q.sql, err)
		}
	}
	u := diskUse{UsedBytes: (pages - free) * size, FreeBytes: free * size}
	rows, err := db.QueryContext(ctx, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
	if err != nil {
		return u, nil // no dbstat in this build: totals only
	}
	defer rows.Close()
	u.ByTable = map[string]int64{}
	for rows.Next() {
		var name string
		var bytes int64
		if err := rows.Scan(&name, &bytes); err != nil {
			return diskUse{}, fmt.Errorf("read dbstat: %w", err)
		}
		u.ByTable[name] = bytes
	}
	return u, rows.Err()
}
