package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// Run: go test -run '^$' -bench . ./internal/tensor/   (both backends in a cgo build)
//      CGO_ENABLED=0 go test -run '^$' -bench . ./internal/tensor/

// BERT-base products for 256 tokens (Q/K/V/output, FFN up, FFN down), for
// a 16-token query, and for one row (the [CLS] row of a last layer).
var benchShapes = []struct{ m, k, n int }{
	{256, 768, 768}, {256, 768, 3072}, {256, 3072, 768}, {16, 768, 768}, {16, 768, 3072}, {1, 768, 3072},
}

func BenchmarkMatMulT(b *testing.B) {
	defer SetThreads(Threads())
	r := rand.New(rand.NewPCG(1, 1))
	for _, be := range backends {
		for _, th := range []int{1, 2} {
			for _, s := range benchShapes {
				b.Run(fmt.Sprintf("%s/threads=%d/%dx%dx%d", be.name, th, s.m, s.k, s.n), func(b *testing.B) {
					SetThreads(th)
					a, w := NewMat(randSlice(r, s.m*s.k), s.m, s.k), NewMat(randSlice(r, s.n*s.k), s.n, s.k)
					c := NewMat(make([]float32, s.m*s.n), s.m, s.n)
					b.ReportAllocs()
					cpu0 := cpuTime()
					for b.Loop() {
						gemmParallel(be.gemm, true, 1, a, w, 0, c)
					}
					cpu := cpuTime() - cpu0
					gflop := 2 * float64(s.m*s.k*s.n) * float64(b.N) / 1e9
					b.ReportMetric(gflop/b.Elapsed().Seconds(), "GFLOP/s")
					if cpu > 0 {
						b.ReportMetric(gflop/cpu.Seconds(), "GFLOP/cpu-s")
					}
				})
			}
		}
	}
}

// benchElems runs fn over a fresh copy of src each time (GELU applied over
// and over would drift into float32 subnormals) and reports elements/s.
func benchElems(b *testing.B, src []float32, fn func([]float32)) {
	x := make([]float32, len(src))
	var cpu time.Duration
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		copy(x, src)
		b.StartTimer()
		c0 := cpuTime()
		fn(x)
		cpu += cpuTime() - c0
	}
	elems := float64(len(src)) * float64(b.N)
	b.ReportMetric(elems/b.Elapsed().Seconds(), "elem/s")
	if cpu > 0 {
		b.ReportMetric(elems/cpu.Seconds(), "elem/cpu-s")
	}
}

// One BERT-base layer's worth at 256 tokens: FFN activations for GELU,
// 12 heads of 256×256 scores for Softmax, 256×768 for LayerNorm.
func BenchmarkGELU(b *testing.B) {
	src := randSlice(rand.New(rand.NewPCG(2, 2)), 256*3072)
	Scale(src, 2)
	b.Run("erf64", func(b *testing.B) { benchElems(b, src, GELU) })
	b.Run("math.Erf", func(b *testing.B) { benchElems(b, src, geluMathErf) })
}

func BenchmarkSoftmax(b *testing.B) {
	src := randSlice(rand.New(rand.NewPCG(3, 3)), 12*256*256)
	Scale(src, 3)
	b.Run("exp64", func(b *testing.B) {
		benchElems(b, src, func(x []float32) { SoftmaxRows(x, 12*256, 256) })
	})
	b.Run("math.Exp", func(b *testing.B) {
		benchElems(b, src, func(x []float32) {
			for r := range 12 * 256 {
				softmaxMathExp(x[r*256 : (r+1)*256])
			}
		})
	})
}

func BenchmarkLayerNorm(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	src, gamma, beta := randSlice(r, 256*768), randSlice(r, 768), randSlice(r, 768)
	benchElems(b, src, func(x []float32) { LayerNorm(x, 256, 768, gamma, beta, 1e-12) })
}

func BenchmarkAddBias(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	src, bias := randSlice(r, 256*3072), randSlice(r, 3072)
	benchElems(b, src, func(x []float32) { AddBias(x, bias, 256, 3072) })
}

// geluMathErf and softmaxMathExp are the straightforward float64 versions,
// kept to show what the approximations buy.
func geluMathErf(x []float32) {
	for i, v := range x {
		a := float64(v)
		x[i] = float32(0.5 * a * (1 + math.Erf(a*invSqrt2)))
	}
}

func softmaxMathExp(row []float32) {
	mx := float64(maxOf(row))
	var s float64
	for i, v := range row {
		e := math.Exp(float64(v) - mx)
		row[i] = float32(e)
		s += e
	}
	inv := 1 / s
	for i, v := range row {
		row[i] = float32(float64(v) * inv)
	}
}
