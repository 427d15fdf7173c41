package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/embedding"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/web"
)

// benchModel is what bench/search records in its index (see its index.go):
// the engine must be told the same model for semantic search to run.
var benchModel = store.Model{Name: "bench/bert-base-random", Adapter: "bench/adapter-query-random", Dim: 768, Encoding: search.Encoding}

// indexVersion and modelVersion are bench/search's cache stamps: a cache
// of another version was built differently and its figures would not
// compare.
const (
	indexVersion = 1
	modelVersion = 1
)

func indexPath(cache string, n int) string {
	name := fmt.Sprintf("search-%d", n)
	if n%1000 == 0 {
		name = fmt.Sprintf("search-%dk", n/1000)
	}
	return filepath.Join(cache, name, "index.db")
}

func modelDir(cache string) string   { return filepath.Join(cache, "bert-base-go") }
func adapterDir(cache string) string { return filepath.Join(modelDir(cache), "adapter-query") }

// checkStamp reads a build.json bench/search wrote and checks its version
// (and paper count, when papers > 0).
func checkStamp(dir string, version, papers int) error {
	data, err := os.ReadFile(filepath.Join(dir, "build.json"))
	if err != nil {
		return fmt.Errorf("no cache in %s (run `make bench-search` once to build it): %w", dir, err)
	}
	var stamp struct{ Version, Papers int }
	if err := json.Unmarshal(data, &stamp); err != nil {
		return fmt.Errorf("read %s/build.json: %w", dir, err)
	}
	if stamp.Version != version || (papers > 0 && stamp.Papers != papers) {
		return fmt.Errorf("the cache in %s is version %d with %d papers, want version %d with %d: rebuild it with `make bench-search`",
			dir, stamp.Version, stamp.Papers, version, papers)
	}
	return nil
}

// server is the web server under test and what it serves.
type server struct {
	st      *store.Store
	eng     *search.Engine
	http    *httptest.Server
	openMS  float64 // store.Open + query encoder + search.Open
	vectors int
}

// start opens the cached index and the random query encoder and serves
// them as `openreview-finder serve` would.
func start(ctx context.Context, c config) (*server, error) {
	path := indexPath(c.cache, c.n)
	if err := checkStamp(filepath.Dir(path), indexVersion, c.n); err != nil {
		return nil, err
	}
	if err := checkStamp(modelDir(c.cache), modelVersion, 0); err != nil {
		return nil, err
	}
	begin := time.Now()
	var reg embedding.Registry
	enc, err := reg.Encoder(modelDir(c.cache), adapterDir(c.cache), embedding.Options{Pooling: embedding.PoolCLS})
	if err != nil {
		return nil, fmt.Errorf("load query encoder: %w", err)
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	eng, err := search.Open(ctx, st, search.Options{Query: enc, Model: benchModel, PaperText: embedding.PaperText})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open engine: %w", err)
	}
	if err := eng.Semantic(); err != nil {
		st.Close()
		return nil, fmt.Errorf("semantic search is off: %w", err)
	}
	s := &server{st: st, eng: eng, openMS: ms(time.Since(begin)), vectors: eng.Len()}
	w := web.New(web.Config{Catalog: st, MaxSearches: c.maxSearches})
	w.SetSearcher(eng)
	s.http = httptest.NewServer(w) // 127.0.0.1, a free port
	return s, nil
}

func (s *server) close() error {
	s.http.Close()
	if err := s.st.Close(); err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	return nil
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
