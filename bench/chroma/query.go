package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

// givenVectors is the engines' query embedder: it answers with vectors
// made beforehand, so the model's cost is left out and the backends are
// compared alone.
type givenVectors map[string][]float32

func (g givenVectors) Dim() int { return dim }

func (g givenVectors) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v, ok := g[t]
		if !ok {
			return nil, fmt.Errorf("no vector made for query %q", t)
		}
		out[i] = v
	}
	return out, nil
}

// newQueries returns n distinct queries and a random vector for each.
func newQueries(n int) ([]string, givenVectors) {
	g := synth.NewGen(corpusSeed)
	g.Reseed(corpusSeed + 1)
	rng := rand.New(rand.NewPCG(corpusSeed, 7))
	given := givenVectors{}
	var qs []string
	for len(qs) < n {
		q := g.Query()
		if _, ok := given[q]; ok {
			continue
		}
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		given[q] = v
		qs = append(qs, q)
	}
	return qs, given
}

// benchFilter is bench/search's typical narrowing: one venue series, two
// years.
var benchFilter = store.Filter{Venues: []string{"ICLR"}, Years: []int{2024, 2025}}

// workload is one kind of search, top 10.
type workload struct {
	name   string
	mode   search.Mode
	filter store.Filter
}

var workloads = []workload{
	{"semantic", search.ModeSemantic, store.Filter{}},
	{"semantic-filter", search.ModeSemantic, benchFilter},
	{"keyword", search.ModeKeyword, store.Filter{}},
	{"hybrid", search.ModeHybrid, store.Filter{}},
}

const topK = 10

// timing is one backend's figures for one workload and client count.
type timing struct {
	Searches   int     `json:"searches"`
	Throughput float64 `json:"throughput_qps"`
	latency
}

// searchFn runs one search and checks it ran in the mode asked for.
func searchFn(eng *search.Engine, w workload) func(context.Context, string) error {
	return func(ctx context.Context, q string) error {
		resp, err := eng.Search(ctx, search.Request{Text: q, Mode: w.mode, Limit: topK, Filter: w.filter})
		if err == nil && resp.Mode != w.mode {
			err = fmt.Errorf("search %q ran as %s: %s", q, resp.Mode, resp.Notice)
		}
		return err
	}
}

// closedLoop runs fn from clients goroutines, each starting its next
// search when the last returned, over qs in turn, for d (and at least
// minSearches searches).
func closedLoop(ctx context.Context, clients int, d time.Duration, qs []string, fn func(context.Context, string) error) (timing, error) {
	var next atomic.Int64
	stop := time.Now().Add(d)
	times := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	begin := time.Now()
	for c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if time.Now().After(stop) && i >= minSearches {
					return
				}
				t := time.Now()
				if err := fn(ctx, qs[i%int64(len(qs))]); err != nil {
					errs[c] = err
					return
				}
				times[c] = append(times[c], time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	if err := ctx.Err(); err != nil {
		return timing{}, err
	}
	for _, err := range errs {
		if err != nil {
			return timing{}, err
		}
	}
	all := slices.Concat(times...)
	return timing{Searches: len(all), Throughput: float64(len(all)) / elapsed.Seconds(), latency: summarise(all)}, nil
}

// minSearches keeps percentiles meaningful when searches are slow.
const minSearches = 20

// overlap is the mean share of the embedded engine's top 10 that the
// Chroma engine also returns: the exact scan against Chroma's HNSW index.
func overlap(ctx context.Context, local, remote *search.Engine, w workload, qs []string) (float64, error) {
	var sum float64
	for _, q := range qs {
		req := search.Request{Text: q, Mode: w.mode, Limit: topK, Filter: w.filter}
		a, err := local.Search(ctx, req)
		if err != nil {
			return 0, err
		}
		b, err := remote.Search(ctx, req)
		if err != nil {
			return 0, err
		}
		got := map[string]bool{}
		for _, r := range b.Results {
			got[r.Paper.ID] = true
		}
		n := 0
		for _, r := range a.Results {
			if got[r.Paper.ID] {
				n++
			}
		}
		if len(a.Results) > 0 {
			sum += float64(n) / float64(len(a.Results))
		}
	}
	return sum / float64(len(qs)), nil
}

// latency summarises search times, in milliseconds.
type latency struct {
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	Mean   float64 `json:"mean_ms"`
	Others float64 `json:"others_busy_cores"` // other processes (Chroma's server among them) meanwhile
}

func summarise(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	v := make([]float64, len(ds))
	var sum float64
	for i, d := range ds {
		v[i] = float64(d) / float64(time.Millisecond)
		sum += v[i]
	}
	slices.Sort(v)
	at := func(q float64) float64 { return v[max(0, int(q*float64(len(v))+0.999999)-1)] }
	return latency{P50: at(0.5), P99: at(0.99), Mean: sum / float64(len(v))}
}

// overlapQueries is how many queries the top-10 comparison runs: a Chroma
// keyword search at 20k papers takes seconds.
const overlapQueries = 20
