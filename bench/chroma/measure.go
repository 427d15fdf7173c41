package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/chromastore"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/tensor"

	"github.com/openreview-finder/openreview-finder/bench/internal/machine"
)

// report is everything one run measures.
type report struct {
	Papers     int      `json:"papers"`
	Queries    int      `json:"queries"`
	DurationS  float64  `json:"duration_s"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	Backend    string   `json:"backend"`
	Indexing   indexing `json:"indexing"`
	// Engine open: the embedded engine loads every vector; the Chroma one
	// reads the collection's metadata.
	OpenEmbeddedMS float64            `json:"open_embedded_ms"`
	OpenChromaMS   float64            `json:"open_chroma_ms"`
	ChromaStartMS  float64            `json:"chroma_start_ms"`
	Overlap        map[string]float64 `json:"top10_overlap"` // Chroma's top 10 against the embedded engine's, per workload
	Rows           []row              `json:"searches"`
	ChromaRSSMiB   float64            `json:"chroma_rss_mib"`
	OwnPeakRSSMiB  float64            `json:"own_peak_rss_mib"`
	LoadBefore     float64            `json:"load1_before"`
	LoadAfter      float64            `json:"load1_after"`
}

// row is one workload at one client count on both backends.
type row struct {
	Workload string `json:"workload"`
	Clients  int    `json:"clients"`
	Embedded timing `json:"embedded"`
	Chroma   timing `json:"chroma"`
	// ChromaCores is how many cores the Chroma server kept busy during
	// the Chroma measurement (it is not counted in Others).
	ChromaCores float64 `json:"chroma_server_cores"`
}

func measure(ctx context.Context, c config, log io.Writer) (*report, error) {
	rep := &report{Papers: c.n, Queries: c.queries, DurationS: c.duration.Seconds(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		Backend: tensor.BackendInfo(), LoadBefore: machine.LoadAvg(), Overlap: map[string]float64{}}
	fmt.Fprintf(log, "making %d papers with random vectors ...\n", c.n)
	corp := newCorpus(c.n)
	tmp, err := os.MkdirTemp("", "orf-chroma-bench-*")
	if err != nil {
		return nil, fmt.Errorf("make a scratch directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := machine.WaitIdle(ctx, c.waitIdle, log); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "indexing into SQLite ...\n")
	before, _ := machine.SampleCPU()
	st, err := indexEmbedded(ctx, tmp, corp, &rep.Indexing)
	if err != nil {
		return nil, fmt.Errorf("index embedded: %w", err)
	}
	defer st.Close()
	fmt.Fprintf(log, "starting Chroma from %s ...\n", c.chromaDir)
	start := time.Now()
	srv, err := startChroma(c.chromaDir, filepath.Join(tmp, "chroma"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	rep.ChromaStartMS = since(start)
	fmt.Fprintf(log, "uploading to Chroma at %s ...\n", srv.url)
	cs, err := indexChroma(ctx, srv.url, st, c.n, &rep.Indexing, log)
	if err != nil {
		return nil, fmt.Errorf("index chroma: %w", err)
	}
	after, _ := machine.SampleCPU()
	rep.Indexing.Papers = c.n
	rep.Indexing.Others = machine.OthersBusy(before, after) // the Chroma server included
	if err := measureSearches(ctx, c, rep, st, cs, srv, log); err != nil {
		return nil, err
	}
	rep.ChromaRSSMiB = srv.rss()
	rep.OwnPeakRSSMiB = peakRSS()
	rep.LoadAfter = machine.LoadAvg()
	return rep, nil
}

func measureSearches(ctx context.Context, c config, rep *report, st *store.Store, cs *chromastore.Store, srv *chromaServer, log io.Writer) error {
	qs, given := newQueries(c.queries)
	start := time.Now()
	// No response cache: the queries repeat, and this compares the backends.
	local, err := search.Open(ctx, st, search.Options{Query: given, Model: benchModel, ResultCache: -1})
	if err != nil {
		return fmt.Errorf("open embedded engine: %w", err)
	}
	rep.OpenEmbeddedMS = since(start)
	start = time.Now()
	remote, err := search.Open(ctx, cs, search.Options{Query: given, Model: benchModel, Vectors: cs, ResultCache: -1})
	if err != nil {
		return fmt.Errorf("open chroma engine: %w", err)
	}
	rep.OpenChromaMS = since(start)
	for _, e := range []*search.Engine{local, remote} {
		if err := e.Semantic(); err != nil {
			return fmt.Errorf("semantic search is off: %w", err)
		}
	}
	fmt.Fprintf(log, "warming up and comparing top 10s ...\n")
	for _, w := range workloads {
		if rep.Overlap[w.name], err = overlap(ctx, local, remote, w, qs[:min(overlapQueries, len(qs))]); err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
	}
	for _, w := range workloads {
		for _, k := range c.clients {
			r := row{Workload: w.name, Clients: k}
			if r.Embedded, err = timeOne(ctx, c, k, qs, searchFn(local, w), srv, nil, log); err != nil {
				return fmt.Errorf("%s, embedded: %w", w.name, err)
			}
			if r.Chroma, err = timeOne(ctx, c, k, qs, searchFn(remote, w), srv, &r.ChromaCores, log); err != nil {
				return fmt.Errorf("%s, chroma: %w", w.name, err)
			}
			fmt.Fprintf(log, "%s at %d clients: embedded p50 %.1f ms, chroma p50 %.1f ms\n", w.name, k, r.Embedded.P50, r.Chroma.P50)
			rep.Rows = append(rep.Rows, r)
		}
	}
	return nil
}

// timeOne runs one closed-loop measurement and notes how busy other
// processes kept the cores, the Chroma server apart (in serverCores when
// given).
func timeOne(ctx context.Context, c config, clients int, qs []string, fn func(context.Context, string) error, srv *chromaServer, serverCores *float64, log io.Writer) (timing, error) {
	if err := machine.WaitIdle(ctx, c.waitIdle, log); err != nil {
		return timing{}, err
	}
	before, err := machine.SampleCPU()
	if err != nil {
		return timing{}, err
	}
	cpu0 := srv.cpu()
	t, err := closedLoop(ctx, clients, c.duration, qs, fn)
	if err != nil {
		return timing{}, err
	}
	after, err := machine.SampleCPU()
	if err != nil {
		return timing{}, err
	}
	server := float64(srv.cpu()-cpu0) / float64(after.At.Sub(before.At))
	t.Others = max(0, machine.OthersBusy(before, after)-server)
	if serverCores != nil {
		*serverCores = server
	}
	return t, nil
}

// since is the time elapsed since t, in milliseconds.
func since(t time.Time) float64 { return float64(time.Since(t)) / float64(time.Millisecond) }

// peakRSS is this process's largest resident set so far, in MiB.
func peakRSS() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}
