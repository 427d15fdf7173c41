package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/snapshot"
	"github.com/openreview-finder/openreview-finder/internal/store"

	"github.com/openreview-finder/openreview-finder/bench/internal/bertgen"
	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

// indexVersion changes whenever the papers, the vectors or the way they
// are stored change in a way that makes a cached snapshot stale; the
// store's schema version is in the stamp too.
const indexVersion = 1

const (
	corpusSeed = 2024
	dim        = 768
	pageSize   = 1000 // papers per Commit and vectors per SaveVectors
	venueID    = "ICLR.cc/2025/Conference"
)

// serveModel is what `serve` records and compares with its defaults
// (specterFlags.record): the base model, the paper adapter, the query
// encoder's width and the store's vector encoding. An index recording
// anything else has semantic search turned off.
var serveModel = store.Model{Name: "allenai/specter2_base", Adapter: "allenai/specter2", Dim: dim, Encoding: search.Encoding}

// The Hub repositories the fake Hub serves, as `serve` asks for them by
// default, and the snapshot's dataset repository.
const (
	baseRepo      = "allenai/specter2_base"
	paperRepo     = "allenai/specter2"
	queryRepo     = "allenai/specter2_adhoc_query"
	indexRepo     = "bench/orf-index"
	indexRepoPath = "datasets/" + indexRepo
)

func binaryPath(cache string) string { return filepath.Join(cache, "openreview-finder") }

// buildBinary builds the command as a user would, into the cache.
func buildBinary(ctx context.Context, cache string, log io.Writer) error {
	began := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", binaryPath(cache), "./cmd/openreview-finder")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build ./cmd/openreview-finder (run from the repository root): %w\n%s", err, out)
	}
	fmt.Fprintf(log, "built %s in %.1f s\n", binaryPath(cache), time.Since(began).Seconds())
	return nil
}

// indexStamp describes a cached snapshot: written last, so an interrupted
// build is redone.
type indexStamp struct {
	Version      int     `json:"version"`
	Schema       int     `json:"schema"`
	Papers       int     `json:"papers"`
	KeywordQuery string  `json:"keyword_query"` // words of the first paper's title: keyword search finds it
	BuildS       float64 `json:"build_s"`
	BuiltAt      string  `json:"built_at"`
}

func snapshotDir(cache string, n int) string {
	if n%1000 == 0 {
		return filepath.Join(cache, fmt.Sprintf("snapshot-%dk", n/1000))
	}
	return filepath.Join(cache, fmt.Sprintf("snapshot-%d", n))
}

func stampPath(dir string) string { return dir + ".json" }

// cachedSnapshot returns the stamp of a usable cached snapshot of n papers.
func cachedSnapshot(dir string, n int) (indexStamp, bool) {
	var s indexStamp
	data, err := os.ReadFile(stampPath(dir))
	if err != nil || json.Unmarshal(data, &s) != nil ||
		s.Version != indexVersion || s.Schema != store.SchemaVersion() || s.Papers != n {
		return indexStamp{}, false
	}
	if _, err := snapshot.Read(dir); err != nil {
		return indexStamp{}, false
	}
	return s, true
}

// buildSnapshot writes n synthetic ICLR 2025 papers with a random unit
// vector each into a fresh index, optimises it as a user would after a
// crawl, and makes a snapshot of it in dir with snapshot.Create, as
// `snapshot push` does before it uploads.
func buildSnapshot(ctx context.Context, dir string, n int, log io.Writer) (indexStamp, error) {
	began := time.Now()
	for _, p := range []string{stampPath(dir), dir} {
		if err := os.RemoveAll(p); err != nil {
			return indexStamp{}, fmt.Errorf("remove stale snapshot: %w", err)
		}
	}
	work, err := os.MkdirTemp(filepath.Dir(dir), ".index-")
	if err != nil {
		return indexStamp{}, fmt.Errorf("create index dir: %w", err)
	}
	defer os.RemoveAll(work)
	st, err := store.Open(ctx, filepath.Join(work, "index.db"))
	if err != nil {
		return indexStamp{}, err
	}
	defer st.Close()
	s := indexStamp{Version: indexVersion, Schema: store.SchemaVersion(), Papers: n}
	if s.KeywordQuery, err = commitPapers(ctx, st, n, log); err != nil {
		return indexStamp{}, err
	}
	saved, err := synth.SaveVectors(ctx, st, serveModel, corpusSeed, nil)
	if err != nil {
		return indexStamp{}, err
	}
	fmt.Fprintf(log, "saved %d vectors\n", saved)
	fmt.Fprintf(log, "optimizing ...\n")
	if err := st.Optimize(ctx); err != nil {
		return indexStamp{}, fmt.Errorf("optimize: %w", err)
	}
	m, err := snapshot.Create(ctx, st, dir)
	if err != nil {
		return indexStamp{}, err
	}
	if m.Papers != n || m.Vectors != n || m.Model == nil {
		return indexStamp{}, fmt.Errorf("the snapshot holds %d papers and %d vectors (model %v), want %d of each", m.Papers, m.Vectors, m.Model, n)
	}
	s.BuildS = time.Since(began).Seconds()
	s.BuiltAt = time.Now().UTC().Format(time.RFC3339)
	data, _ := json.MarshalIndent(s, "", "  ")
	if err := os.WriteFile(stampPath(dir), append(data, '\n'), 0o644); err != nil {
		return indexStamp{}, fmt.Errorf("write snapshot stamp: %w", err)
	}
	return s, nil
}

// iclr2025 returns the next n synthetic papers that synth places at ICLR
// 2025 and accepts (as an oral, spotlight or poster, in synth's shares):
// what a crawl of the venue with serve's default --status accepted keeps.
func iclr2025(g *synth.Gen, next *int, n int) []paper.Paper {
	var page []paper.Paper
	for len(page) < n {
		p := g.Paper(*next)
		*next++
		if p.VenueID == venueID && p.Status == paper.StatusAccepted {
			page = append(page, p)
		}
	}
	return page
}

// commitPapers stores n papers a page at a time, and returns a keyword
// query the first paper matches.
func commitPapers(ctx context.Context, st *store.Store, n int, log io.Writer) (string, error) {
	for _, v := range synth.Venues {
		if v.ID == venueID {
			if err := st.SaveVenue(ctx, v.Venue); err != nil {
				return "", fmt.Errorf("save venue %s: %w", v.ID, err)
			}
		}
	}
	g := synth.NewGen(corpusSeed)
	next, query := 0, ""
	for off := 0; off < n; off += pageSize {
		page := iclr2025(g, &next, min(pageSize, n-off))
		if off == 0 {
			query = keywordQuery(page[0].Title)
		}
		if err := st.Commit(ctx, "bench", page, fmt.Appendf(nil, "%d", off+len(page))); err != nil {
			return "", fmt.Errorf("commit papers %d to %d: %w", off, off+len(page), err)
		}
	}
	fmt.Fprintf(log, "committed %d papers (of %d synthetic ones)\n", n, next)
	return query, nil
}

// keywordQuery is up to three of the longer words of a title.
func keywordQuery(title string) string {
	var ws []string
	for _, w := range strings.Fields(title) {
		w = strings.Trim(strings.ToLower(w), ":,.")
		if len(w) > 3 && len(ws) < 3 {
			ws = append(ws, w)
		}
	}
	return strings.Join(ws, " ")
}

// modelDirs are the folders of the three model repositories, laid out as
// the Hub's: the base model, the proximity (paper) adapter and the ad-hoc
// query adapter.
type modelDirs struct{ root, base, paper, query string }

func modelsIn(cache string) modelDirs {
	root := filepath.Join(cache, "model")
	return modelDirs{root: root, base: filepath.Join(root, "specter2_base"),
		paper: filepath.Join(root, "specter2"), query: filepath.Join(root, "specter2_adhoc_query")}
}

func (m modelDirs) stamp() string { return m.root + ".json" }

func (m modelDirs) cached() bool {
	data, err := os.ReadFile(m.stamp())
	var s struct{ Version int }
	return err == nil && json.Unmarshal(data, &s) == nil && s.Version == bertgen.Version
}

// write writes the random BERT-base and its two adapters, with the
// synthetic papers' words in the vocabulary (see bertgen.Write).
func (m modelDirs) write(testdata string) error {
	if err := os.Remove(m.stamp()); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove stale model stamp: %w", err)
	}
	err := bertgen.Write(bertgen.Spec{
		Dir: m.base, Testdata: testdata, Words: synth.NewGen(corpusSeed).Vocab, Seed: corpusSeed,
		Adapters: []bertgen.Adapter{
			{Name: bertgen.ProximityAdapter, Dir: m.paper},
			{Name: bertgen.QueryAdapter, Dir: m.query},
		},
	})
	if err != nil {
		return err
	}
	stamp, _ := json.Marshal(map[string]int{"version": bertgen.Version})
	if err := os.WriteFile(m.stamp(), append(stamp, '\n'), 0o644); err != nil {
		return fmt.Errorf("write model stamp: %w", err)
	}
	return nil
}

// prepare writes the snapshot and the model when they are missing or
// stale, then builds the binary.
func prepare(ctx context.Context, c config, log io.Writer) (indexStamp, error) {
	if err := os.MkdirAll(c.cache, 0o755); err != nil {
		return indexStamp{}, fmt.Errorf("create cache: %w", err)
	}
	dir := snapshotDir(c.cache, c.papers)
	s, ok := cachedSnapshot(dir, c.papers)
	if !ok {
		fmt.Fprintf(log, "building a %d-paper index and its snapshot in %s (once) ...\n", c.papers, dir)
		var err error
		if s, err = buildSnapshot(ctx, dir, c.papers, log); err != nil {
			return indexStamp{}, fmt.Errorf("build snapshot: %w", err)
		}
		fmt.Fprintf(log, "built in %.0f s\n", s.BuildS)
	}
	if m := modelsIn(c.cache); !m.cached() {
		fmt.Fprintf(log, "writing a random BERT-base and its adapters to %s (once) ...\n", m.root)
		if err := m.write(c.testdata); err != nil {
			return indexStamp{}, fmt.Errorf("write model: %w", err)
		}
	}
	return s, buildBinary(ctx, c.cache, log)
}
