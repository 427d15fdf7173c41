package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// Run: go test -run '^$' -bench . ./internal/tensor/   (every backend of a cgo build)
//      CGO_ENABLED=0 go test -run '^$' -bench . ./internal/tensor/

// BERT-base products for 256 tokens (attention output, FFN up, FFN down),
// for a 16-token query (attention output, fused QKV, FFN up, FFN down), and
// for one row (the [CLS] row of a last layer).
var benchShapes = []struct{ m, k, n int }{
	{256, 768, 768}, {256, 768, 3072}, {256, 3072, 768},
	{16, 768, 768}, {16, 768, 2304}, {16, 768, 3072}, {16, 3072, 768}, {1, 768, 3072},
}

func BenchmarkMatMulT(b *testing.B) {
	defer SetThreads(Threads())
	r := rand.New(rand.NewPCG(1, 1))
	for _, be := range backends {
		for _, th := range []int{1, 2} {
			for _, s := range benchShapes {
				if be.maxRows > 0 && s.m > be.maxRows {
					continue
				}
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
// 12 heads of 256×256 scores for Softmax, 256×768 for LayerNorm. Each runs
// every kernel set of the build (c-AVX-512, c-AVX2, c-base, go), so C and
// Go compare side by side.
func BenchmarkGELU(b *testing.B) {
	src := randSlice(rand.New(rand.NewPCG(2, 2)), 256*3072)
	Scale(src, 2)
	for _, ks := range elemKernels {
		b.Run(ks.name, func(b *testing.B) { benchElems(b, src, ks.gelu) })
	}
	b.Run("math.Erf", func(b *testing.B) { benchElems(b, src, geluMathErf) })
}

func BenchmarkSoftmax(b *testing.B) {
	src := randSlice(rand.New(rand.NewPCG(3, 3)), 12*256*256)
	Scale(src, 3)
	for _, ks := range elemKernels {
		b.Run(ks.name, func(b *testing.B) {
			benchElems(b, src, func(x []float32) { ks.softmaxRows(x, 12*256, 256) })
		})
	}
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
	for _, ks := range elemKernels {
		b.Run(ks.name, func(b *testing.B) {
			benchElems(b, src, func(x []float32) { ks.layerNorm(x, 256, 768, gamma, beta, 1e-12) })
		})
	}
}

func BenchmarkAddBias(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	src, bias := randSlice(r, 256*3072), randSlice(r, 3072)
	for _, ks := range elemKernels {
		b.Run(ks.name, func(b *testing.B) {
			benchElems(b, src, func(x []float32) { ks.addBias(x, bias, 256, 3072) })
		})
	}
}

// BenchmarkAddInPlace adds at sizes around where the exported functions
// switch from Go to C (minCSimple), and at a residual's size.
func BenchmarkAddInPlace(b *testing.B) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{64, 128, 512, 256 * 768} {
		x, y := randSlice(r, n), randSlice(r, n)
		for _, ks := range elemKernels {
			b.Run(fmt.Sprintf("%s/n=%d", ks.name, n), func(b *testing.B) {
				// No fresh copy each time (benchElems): it would cost
				// more than the addition. Sums of a few million stay
				// far from overflow.
				b.ReportAllocs()
				for b.Loop() {
					ks.add(x, y)
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elem/s")
			})
		}
	}
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

// BenchmarkMatMulTThreads compares, on BERT-base products for 8 texts of
// 300 tokens (2400 rows: fused QKV, attention output, FFN up, FFN down)
// and for one text, the two ways SetBLASThreads offers to use Threads()
// cores: one OpenBLAS call on OpenBLAS's threads, and the goroutine split.
// Every iteration runs both, so a neighbour's load hits them alike; each
// reports its own rate. The first product after a switch is not timed: it
// starts OpenBLAS's pool, or stops it (quietBLAS), as a run of one mode
// would not.
func BenchmarkMatMulTThreads(b *testing.B) {
	if Backend() != "openblas" {
		b.Skip("the pure-Go build always splits over goroutines")
	}
	defer SetBLASThreads(true)
	r := rand.New(rand.NewPCG(6, 6))
	for _, s := range []struct{ m, k, n int }{
		{2400, 768, 2304}, {2400, 768, 768}, {2400, 768, 3072}, {2400, 3072, 768}, {300, 768, 768}, {300, 768, 3072}, {64, 768, 768},
	} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.m, s.k, s.n), func(b *testing.B) {
			a, w := randSlice(r, s.m*s.k), randSlice(r, s.n*s.k)
			dst := make([]float32, s.m*s.n)
			var blas, split time.Duration
			for b.Loop() {
				for _, on := range []bool{true, false} {
					SetBLASThreads(on)
					MatMulT(dst, a, w, s.m, s.k, s.n)
					t0 := time.Now()
					MatMulT(dst, a, w, s.m, s.k, s.n)
					if on {
						blas += time.Since(t0)
					} else {
						split += time.Since(t0)
					}
				}
			}
			gflop := 2 * float64(s.m*s.k*s.n) * float64(b.N) / 1e9
			b.ReportMetric(gflop/blas.Seconds(), "GFLOP/s-openblas")
			b.ReportMetric(gflop/split.Seconds(), "GFLOP/s-split")
		})
	}
}

// BenchmarkLayer runs the steps of one BERT-base encoder layer over 8 texts
// of 300 tokens, as internal/bert does, once in each SetBLASThreads mode per
// iteration: the products between element-wise steps and attention heads
// spread over Parallel, with OpenBLAS's pool idling (spinning, then asleep)
// in between. It reports tokens per second for each mode.
func BenchmarkLayer(b *testing.B) {
	if Backend() != "openblas" {
		b.Skip("the pure-Go build always splits over goroutines")
	}
	defer SetBLASThreads(true)
	l := newBenchLayer(rand.New(rand.NewPCG(7, 7)), 8, 300)
	var on, off time.Duration
	for b.Loop() {
		for _, mode := range []bool{true, false} {
			SetBLASThreads(mode)
			t0 := time.Now()
			l.run()
			if mode {
				on += time.Since(t0)
			} else {
				off += time.Since(t0)
			}
		}
	}
	tokens := float64(l.seqs*l.n) * float64(b.N)
	b.ReportMetric(tokens/on.Seconds(), "tokens/s-openblas")
	b.ReportMetric(tokens/off.Seconds(), "tokens/s-split")
}

// benchLayer holds BERT-base weights and activations for seqs texts of n
// tokens each.
type benchLayer struct {
	seqs, n                        int
	wqkv, bqkv, wo, bo, w1, b1     []float32
	w2, b2, gamma, beta            []float32
	x, qkv, ctx, x1, inter, hidden []float32
	scores                         chan []float32
}

const benchHidden, benchHeads, benchFF = 768, 12, 3072

func newBenchLayer(r *rand.Rand, seqs, n int) *benchLayer {
	const h, ff = benchHidden, benchFF
	rows := seqs * n
	l := &benchLayer{
		seqs: seqs, n: n,
		wqkv: randSlice(r, 3*h*h), bqkv: randSlice(r, 3*h), wo: randSlice(r, h*h), bo: randSlice(r, h),
		w1: randSlice(r, ff*h), b1: randSlice(r, ff), w2: randSlice(r, h*ff), b2: randSlice(r, h),
		gamma: randSlice(r, h), beta: randSlice(r, h),
		x: randSlice(r, rows*h), qkv: make([]float32, rows*3*h), ctx: make([]float32, rows*h),
		x1: make([]float32, rows*h), inter: make([]float32, rows*ff), hidden: make([]float32, rows*h),
		scores: make(chan []float32, 4*Threads()),
	}
	for range cap(l.scores) {
		l.scores <- make([]float32, n*n)
	}
	return l
}

func (l *benchLayer) run() {
	const h, ff, dh = benchHidden, benchFF, benchHidden / benchHeads
	rows := l.seqs * l.n
	MatMulTBias(l.qkv, l.x, l.wqkv, l.bqkv, rows, h, 3*h)
	qkv, ctx := NewMat(l.qkv, rows, 3*h), NewMat(l.ctx, rows, h)
	Parallel(l.seqs*benchHeads, func(lo, hi int) {
		buf := <-l.scores
		defer func() { l.scores <- buf }()
		for j := lo; j < hi; j++ {
			off, hd := j/benchHeads*l.n, j%benchHeads
			scores := NewMat(buf, l.n, l.n)
			GemmT(scores, 0.125, qkv.Sub(off, hd*dh, l.n, dh), qkv.Sub(off, h+hd*dh, l.n, dh), 0)
			SoftmaxRows(buf, l.n, l.n)
			Gemm(ctx.Sub(off, hd*dh, l.n, dh), 1, scores, qkv.Sub(off, 2*h+hd*dh, l.n, dh), 0)
		}
	})
	MatMulTBias(l.x1, l.ctx, l.wo, l.bo, rows, h, h)
	AddInPlace(l.x1, l.x)
	LayerNorm(l.x1, rows, h, l.gamma, l.beta, 1e-12)
	MatMulTBias(l.inter, l.x1, l.w1, l.b1, rows, h, ff)
	GELU(l.inter)
	MatMulTBias(l.hidden, l.inter, l.w2, l.b2, rows, ff, h)
	AddInPlace(l.hidden, l.x1)
	LayerNorm(l.hidden, rows, h, l.gamma, l.beta, 1e-12)
}
