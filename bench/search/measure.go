package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/search"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

// latency summarises the times of one kind of operation, in milliseconds.
type latency struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Mean float64 `json:"mean_ms"`
	Max  float64 `json:"max_ms"`
	// Others is how many cores other processes kept busy on average while
	// these were timed: above a few tenths, the figures are inflated.
	Others float64 `json:"others_busy_cores"`
}

func summarise(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	ms := make([]float64, len(ds))
	var sum float64
	for i, d := range ds {
		ms[i] = float64(d) / float64(time.Millisecond)
		sum += ms[i]
	}
	slices.Sort(ms)
	// Nearest rank: the smallest time at least q of the runs did not exceed.
	at := func(q float64) float64 { return ms[max(0, int(q*float64(len(ms))+0.999999)-1)] }
	return latency{N: len(ms), P50: at(0.5), P90: at(0.9), P99: at(0.99), Mean: sum / float64(len(ms)), Max: ms[len(ms)-1]}
}

// timeEach runs fn once per text and returns how long each run took.
func timeEach(texts []string, fn func(string) error) ([]time.Duration, error) {
	ds := make([]time.Duration, 0, len(texts))
	for _, t := range texts {
		start := time.Now()
		if err := fn(t); err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(start))
	}
	return ds, nil
}

// contentOnly summarises the times of the texts that hold no function word
// ("for", "of", ...): such a word occurs in nearly every paper, so it makes
// the keyword leg rank almost the whole index.
func contentOnly(texts []string, ds []time.Duration) latency {
	fw := map[string]bool{}
	for _, w := range strings.Fields(synth.FunctionWords) {
		fw[w] = true
	}
	var keep []time.Duration
	for i, t := range texts {
		if !slices.ContainsFunc(strings.Fields(t), func(w string) bool { return fw[w] }) {
			keep = append(keep, ds[i])
		}
	}
	return summarise(keep)
}

// peakRSS is the process's largest resident set so far, in MiB.
func peakRSS() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

// queryEmbedder answers the texts it holds vectors for from memory, so a
// search with those texts times the engine alone, and passes any other text
// to the real query encoder.
type queryEmbedder struct {
	given map[string][]float32
	enc   search.Embedder
}

func (q *queryEmbedder) Dim() int { return dim }

func (q *queryEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v, ok := q.given[t]
		if !ok {
			return q.enc.Embed(ctx, texts)
		}
		out[i] = v
	}
	return out, nil
}

// give makes random query vectors for texts, as if embedded beforehand.
func (q *queryEmbedder) give(texts []string) {
	rng := rand.New(rand.NewPCG(corpusSeed, 7))
	for _, t := range texts {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		q.given[t] = v
	}
}

// querySets returns k sets of n distinct queries each, no query in two sets,
// so no phase benefits from a cache warmed by another.
func querySets(k, n int) [][]string {
	g := synth.NewGen(corpusSeed)
	g.Reseed(corpusSeed + 1)
	seen := map[string]bool{}
	sets := make([][]string, k)
	for i := range sets {
		for len(sets[i]) < n {
			if q := g.Query(); !seen[q] {
				seen[q] = true
				sets[i] = append(sets[i], q)
			}
		}
	}
	return sets
}

// mb formats a byte count in MiB.
func mb(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
