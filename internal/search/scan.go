package search

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/openreview-finder/openreview-finder/internal/tensor"
)

// parallelMin is the number of rows from which a scan is split over
// GOMAXPROCS goroutines; below it the goroutines cost more than they save.
// A variable so tests can exercise the split on small indexes.
var parallelMin = 16 << 10

// block is how many rows one DotF16 call scores: enough to amortise the
// call, few enough that the scores stay in L1.
const block = 256

// hit is a row and its similarity to the query.
type hit struct {
	row   int32
	score float32
}

// better orders hits best first: higher score, then earlier row, so that
// ties rank the same on every run and every core count.
func better(a, b hit) bool {
	return a.score > b.score || a.score == b.score && a.row < b.row
}

func compareHits(a, b hit) int {
	switch {
	case better(a, b):
		return -1
	case better(b, a):
		return 1
	}
	return 0
}

// normalize returns q scaled to unit length, so that a dot product with a
// stored (unit) vector is the cosine.
func normalize(q []float32) ([]float32, error) {
	var ss float64
	for _, x := range q {
		ss += float64(x) * float64(x)
	}
	norm := math.Sqrt(ss)
	if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return nil, fmt.Errorf("the query's vector has length %v", norm)
	}
	out := make([]float32, len(q))
	for i, x := range q {
		out[i] = float32(float64(x) / norm)
	}
	return out, nil
}

// topK returns the k rows passing mask (nil: every row) most similar to q,
// best first, leaving out row skip (-1: none). It is exact: every passing
// row is scored.
func (ix *index) topK(q []float32, mask []bool, skip, k int) []hit {
	if k <= 0 || ix.Len() == 0 {
		return nil
	}
	heaps := make([]topHeap, workers(ix.Len()))
	ix.parallel(func(w, lo, hi int) {
		h := topHeap{k: k}
		ix.score(q, mask, lo, hi, func(r int, s float32) {
			if r != skip {
				h.push(hit{int32(r), s})
			}
		})
		heaps[w] = h
	})
	var all []hit
	for _, h := range heaps {
		all = append(all, h.hits...)
	}
	slices.SortFunc(all, compareHits)
	return all[:min(k, len(all))]
}

// scores returns every row's similarity to q (0 for rows mask leaves out)
// and the passing rows' similarities sorted from highest, for exact ranks.
func (ix *index) scores(q []float32, mask []bool) (all, passing []float32) {
	all = make([]float32, ix.Len())
	ix.parallel(func(_, lo, hi int) {
		ix.score(q, mask, lo, hi, func(r int, s float32) { all[r] = s })
	})
	for r, s := range all {
		if mask == nil || mask[r] {
			passing = append(passing, s)
		}
	}
	slices.SortFunc(passing, func(a, b float32) int { return -cmpFloat(a, b) })
	return all, passing
}

func cmpFloat(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rankOf returns 1 + the number of sorted (highest first) scores strictly
// above s: the rank a row with score s holds, ties sharing the best rank.
func rankOf(sorted []float32, s float32) int {
	n, _ := slices.BinarySearchFunc(sorted, s, func(x, t float32) int {
		if x > t {
			return -1
		}
		return 1
	})
	return n + 1
}

// workers is how many goroutines scan n rows.
func workers(n int) int {
	if n < parallelMin {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), n/block))
}

// parallel calls fn on contiguous spans of rows, one per worker.
func (ix *index) parallel(fn func(w, lo, hi int)) {
	n := ix.Len()
	nw := workers(n)
	if nw == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range nw {
		lo, hi := n*w/nw, n*(w+1)/nw
		wg.Go(func() { fn(w, lo, hi) })
	}
	wg.Wait()
}

// score calls fn(r, similarity) for each row r in [lo, hi) passing mask, in
// row order. A block with few passing rows scores only their runs, so a
// selective filter reads little more than the rows it passes.
func (ix *index) score(q []float32, mask []bool, lo, hi int, fn func(r int, s float32)) {
	out := make([]float32, block)
	dot := func(a, b int) { // rows [a, b) into out[:b-a]
		tensor.DotF16(ix.rows[a*ix.dim:b*ix.dim], ix.dim, q, out[:b-a])
	}
	for b := lo; b < hi; b += block {
		end := min(b+block, hi)
		if mask == nil {
			dot(b, end)
			for r := b; r < end; r++ {
				fn(r, out[r-b])
			}
			continue
		}
		pass := 0
		for _, ok := range mask[b:end] {
			if ok {
				pass++
			}
		}
		if 2*pass >= end-b {
			dot(b, end)
			for r := b; r < end; r++ {
				if mask[r] {
					fn(r, out[r-b])
				}
			}
			continue
		}
		for r := b; r < end; {
			if !mask[r] {
				r++
				continue
			}
			run := r
			for run < end && mask[run] {
				run++
			}
			dot(r, run)
			for i := r; i < run; i++ {
				fn(i, out[i-r])
			}
			r = run
		}
	}
}

// topHeap keeps the k best hits seen, the worst at the root, so a new hit
// is compared with one value and most are dropped at once.
type topHeap struct {
	k    int
	hits []hit
}

func (h *topHeap) push(x hit) {
	if len(h.hits) < h.k {
		h.hits = append(h.hits, x)
		h.up(len(h.hits) - 1)
		return
	}
	if !better(x, h.hits[0]) {
		return
	}
	h.hits[0] = x
	h.down(0)
}

// worse is the heap order: the root is the worst hit.
func (h *topHeap) worse(i, j int) bool { return better(h.hits[j], h.hits[i]) }

func (h *topHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.worse(i, p) {
			return
		}
		h.hits[i], h.hits[p] = h.hits[p], h.hits[i]
		i = p
	}
}

func (h *topHeap) down(i int) {
	n := len(h.hits)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && h.worse(c+1, c) {
			c++
		}
		if !h.worse(c, i) {
			return
		}
		h.hits[i], h.hits[c] = h.hits[c], h.hits[i]
		i = c
	}
}
