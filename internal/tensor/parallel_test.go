package tensor

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestParallelCoversOnce(t *testing.T) {
	defer SetThreads(Threads())
	for _, th := range []int{1, 2, 3, 7} {
		for _, n := range []int{0, 1, 5, 1000} {
			t.Run(fmt.Sprintf("threads=%d/n=%d", th, n), func(t *testing.T) {
				SetThreads(th)
				hits := make([]atomic.Int32, n)
				Parallel(n, func(lo, hi int) {
					if lo >= hi {
						t.Errorf("empty range [%d, %d)", lo, hi)
					}
					for i := lo; i < hi; i++ {
						hits[i].Add(1)
					}
				})
				for i := range hits {
					if h := hits[i].Load(); h != 1 {
						t.Errorf("index %d visited %d times", i, h)
					}
				}
			})
		}
	}
}

// TestParallelNested runs products inside Parallel from several goroutines
// at once, as attention inside a data-parallel caller would: it must neither
// deadlock nor mix up results.
func TestParallelNested(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(3)
	r := rand.New(rand.NewPCG(13, 14))
	const m, k, n = 40, 64, 72
	a, b := randSlice(r, m*k), randSlice(r, n*k)
	want := make([]float32, m*n)
	gemmChecked(defaultGemm, true, 1, NewMat(a, m, k), NewMat(b, n, k), 0, NewMat(want, m, n))

	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			outs := make([][]float32, 6)
			Parallel(len(outs), func(lo, hi int) {
				for i := lo; i < hi; i++ {
					outs[i] = make([]float32, m*n)
					MatMulT(outs[i], a, b, m, k, n)
				}
			})
			for i, o := range outs {
				for j := range o {
					if o[j] != want[j] {
						t.Errorf("output %d differs at %d: %v != %v", i, j, o[j], want[j])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestParallelPanic(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(2)
	defer func() {
		if got := recover(); got != "boom" {
			t.Errorf("recovered %v, want boom", got)
		}
	}()
	Parallel(64, func(lo, hi int) {
		if lo == 0 {
			panic("boom") // the first range goes to a worker
		}
		runtime.Gosched()
	})
	t.Error("Parallel returned normally")
}

func TestSetThreads(t *testing.T) {
	defer SetThreads(Threads())
	for _, tt := range []struct{ set, want int }{
		{1, 1}, {5, 5}, {0, runtime.GOMAXPROCS(0)}, {-3, runtime.GOMAXPROCS(0)}, {1 << 20, maxThreads},
	} {
		SetThreads(tt.set)
		if got := Threads(); got != tt.want {
			t.Errorf("SetThreads(%d): Threads() = %d, want %d", tt.set, got, tt.want)
		}
	}
}

// TestNoAllocs checks that the kernels a forward pass calls in its loop
// allocate nothing once warm, split over goroutines or not.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	defer SetThreads(Threads())
	r := rand.New(rand.NewPCG(15, 16))
	const m, k, n = 64, 96, 128
	a, w, bias := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, n)
	dst := make([]float32, m*n)
	x := randSlice(r, m*n)
	gamma, beta := randSlice(r, n), randSlice(r, n)
	for _, th := range []int{1, 2} {
		SetThreads(th)
		for _, tt := range []struct {
			name string
			fn   func()
		}{
			{"MatMulT", func() { MatMulT(dst, a, w, m, k, n) }},
			{"MatMulTBias", func() { MatMulTBias(dst, a, w, bias, m, k, n) }},
			{"MatMul", func() { MatMul(dst[:m*k], a, w[:k*k], m, k, k) }},
			{"GemmT", func() { GemmT(NewMat(dst, m, n), 0.5, NewMat(a, m, k), NewMat(w, n, k), 0) }},
			{"MatMulT few rows", func() { MatMulT(dst, a, w, 16, k, n) }},
			{"MatMulT one row", func() { MatMulT(dst, a, w, 1, k, n) }},
			{"goGemm", func() { gemmParallel(goGemm, true, 1, NewMat(a, m, k), NewMat(w, n, k), 0, NewMat(dst, m, n)) }},
			{"Softmax", func() { SoftmaxRows(x, m, n) }},
			{"GELU", func() { GELU(x) }},
			{"LayerNorm", func() { LayerNorm(x, m, n, gamma, beta, 1e-12) }},
			{"AddBias", func() { AddBias(x, bias, m, n) }},
			{"AddInPlace", func() { AddInPlace(x, dst) }},
			{"Scale", func() { Scale(x, 0.5) }},
			{"ReLU", func() { ReLU(x) }},
			{"GELU short", func() { GELU(x[:5]) }},
			{"AddInPlace short", func() { AddInPlace(x[:5], dst[:5]) }},
			{"blasThreaded", func() { blasThreaded(th, true, 1, NewMat(a, m, k), NewMat(w, n, k), 0, NewMat(dst, m, n)) }},
		} {
			if allocs := testing.AllocsPerRun(20, tt.fn); allocs != 0 {
				t.Errorf("threads=%d %s: %v allocations per call, want 0", th, tt.name, allocs)
			}
		}
	}
	for _, ks := range elemKernels {
		for _, tt := range []struct {
			name string
			fn   func()
		}{
			{"gelu", func() { ks.gelu(x) }},
			{"softmaxRows", func() { ks.softmaxRows(x, m, n) }},
			{"layerNorm", func() { ks.layerNorm(x, m, n, gamma, beta, 1e-12) }},
			{"add", func() { ks.add(x, dst) }},
			{"addBias", func() { ks.addBias(x, bias, m, n) }},
			{"scale", func() { ks.scale(x, 0.5) }},
			{"relu", func() { ks.relu(x) }},
		} {
			if allocs := testing.AllocsPerRun(20, tt.fn); allocs != 0 {
				t.Errorf("%s %s: %v allocations per call, want 0", ks.name, tt.name, allocs)
			}
		}
	}
}
