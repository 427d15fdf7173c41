package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The matrix products are checked against float64 references for every
// backend in the build: cgo builds test OpenBLAS (its few-row products at
// every level the CPU runs: blasBackends) and the pure-Go kernel,
// CGO_ENABLED=0 builds the pure-Go kernel alone (run both:
// `go test ./internal/tensor/` and `CGO_ENABLED=0 go test ./internal/tensor/`).

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// refGemm returns alpha·a·op(b) + beta·c in float64 and, per element, the
// bound of float32 rounding: k·2⁻²³·|alpha|·Σ|a·b| (twice the classical
// worst case for a length-k dot product) plus a few ulp of the terms.
func refGemm(transB bool, alpha float32, a, b Mat, beta float32, c Mat) (want, bound []float64) {
	m, n, k := c.Rows, c.Cols, a.Cols
	want, bound = make([]float64, m*n), make([]float64, m*n)
	const u = 1.0 / (1 << 23)
	for i := range m {
		for j := range n {
			var s, abs float64
			for p := range k {
				var bv float32
				if transB {
					bv = b.Data[j*b.Stride+p]
				} else {
					bv = b.Data[p*b.Stride+j]
				}
				prod := float64(a.Data[i*a.Stride+p]) * float64(bv)
				s += prod
				abs += math.Abs(prod)
			}
			cv := 0.0
			if beta != 0 {
				cv = float64(beta) * float64(c.Data[i*c.Stride+j])
			}
			al := float64(alpha)
			want[i*n+j] = al*s + cv
			bound[i*n+j] = float64(k+4)*u*math.Abs(al)*abs + 4*u*math.Abs(cv) + 1e-30
		}
	}
	return want, bound
}

func compareMat(t *testing.T, got Mat, want, bound []float64) {
	t.Helper()
	bad := 0
	for i := range got.Rows {
		for j := range got.Cols {
			g, w := float64(got.Data[i*got.Stride+j]), want[i*got.Cols+j]
			if d := math.Abs(g - w); !(d <= bound[i*got.Cols+j]) {
				if bad++; bad <= 5 {
					t.Errorf("c[%d][%d] = %v, want %v (diff %.3g, bound %.3g)", i, j, g, w, d, bound[i*got.Cols+j])
				}
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d elements off in all", bad)
	}
}

var gemmShapes = []struct{ m, k, n int }{
	{1, 1, 1}, {1, 50, 70}, {7, 13, 5}, {33, 64, 65}, {2, 300, 17}, {70, 9, 600}, {128, 768, 768},
}

func TestMatMul(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	defer SetThreads(Threads())
	for _, be := range backends {
		for _, th := range []int{1, 2, 3} {
			SetThreads(th)
			for _, s := range gemmShapes {
				if testing.Short() && s.m*s.k*s.n > 1<<20 {
					continue
				}
				name := fmt.Sprintf("%s/threads=%d/%dx%dx%d", be.name, th, s.m, s.k, s.n)
				t.Run(name, func(t *testing.T) {
					a, wt, w := randSlice(r, s.m*s.k), randSlice(r, s.n*s.k), randSlice(r, s.k*s.n)
					bias := randSlice(r, s.n)
					dst := NewMat(randSlice(r, s.m*s.n), s.m, s.n) // garbage must be overwritten
					am := NewMat(a, s.m, s.k)

					gemmParallel(be.gemm, true, 1, am, NewMat(wt, s.n, s.k), 0, dst)
					want, bound := refGemm(true, 1, am, NewMat(wt, s.n, s.k), 0, dst)
					compareMat(t, dst, want, bound)

					gemmParallel(be.gemm, false, 1, am, NewMat(w, s.k, s.n), 0, dst)
					want, bound = refGemm(false, 1, am, NewMat(w, s.k, s.n), 0, dst)
					compareMat(t, dst, want, bound)

					// MatMulTBias = bias rows, then beta = 1.
					for i := range s.m {
						copy(dst.Row(i), bias)
					}
					want, bound = refGemm(true, 1, am, NewMat(wt, s.n, s.k), 1, dst)
					gemmParallel(be.gemm, true, 1, am, NewMat(wt, s.n, s.k), 1, dst)
					compareMat(t, dst, want, bound)
				})
			}
		}
	}
}

// TestExported checks the exported wrappers on the default backend.
func TestExported(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m, k, n := 33, 64, 65
	a, wt, w, bias := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, k*n), randSlice(r, n)
	dst := make([]float32, m*n)
	am, c := NewMat(a, m, k), NewMat(dst, m, n)

	MatMulT(dst, a, wt, m, k, n)
	want, bound := refGemm(true, 1, am, NewMat(wt, n, k), 0, c)
	compareMat(t, c, want, bound)

	MatMul(dst, a, w, m, k, n)
	want, bound = refGemm(false, 1, am, NewMat(w, k, n), 0, c)
	compareMat(t, c, want, bound)

	MatMulTBias(dst, a, wt, bias, m, k, n)
	want, bound = refGemm(true, 1, am, NewMat(wt, n, k), 0, c)
	for i := range want {
		want[i] += float64(bias[i%n])
		bound[i] += 4 * math.Abs(want[i]) / (1 << 23)
	}
	compareMat(t, c, want, bound)
}

// TestGemmViews runs attention-shaped products on strided head views, with
// alpha and beta, as the encoder will.
func TestGemmViews(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const seq, hidden, heads = 37, 48, 4
	const d = hidden / heads
	q := NewMat(randSlice(r, seq*3*hidden), seq, 3*hidden) // fused QKV rows
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ctx := NewMat(make([]float32, seq*hidden), seq, hidden)
			for h := range heads {
				qh := q.Sub(0, h*d, seq, d)
				kh := q.Sub(0, hidden+h*d, seq, d)
				vh := q.Sub(0, 2*hidden+h*d, seq, d)
				scores := NewMat(randSlice(r, seq*seq), seq, seq)
				scores.Data[3] = float32(math.NaN()) // beta = 0 must not read c
				alpha := float32(1 / math.Sqrt(d))
				want, bound := refGemm(true, alpha, qh, kh, 0, scores)
				gemmChecked(be.gemm, true, alpha, qh, kh, 0, scores)
				compareMat(t, scores, want, bound)

				SoftmaxRows(scores.Data, seq, seq)
				out := ctx.Sub(0, h*d, seq, d)
				for i := range out.Rows {
					copy(out.Row(i), qh.Row(i)) // something for beta to scale
				}
				want, bound = refGemm(false, 0.5, scores, vh, -2, out)
				gemmChecked(be.gemm, false, 0.5, scores, vh, -2, out)
				compareMat(t, out, want, bound)
			}
		})
	}
}

// TestGemmSmallRows covers the few-row paths (matrix-vector, the few-row
// kernel, swapped operands: the cgo build's backends include each) with
// strided views, alpha and beta.
func TestGemmSmallRows(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const k, n = 40, 56
	for _, be := range backends {
		for _, m := range []int{1, 2, 16, 48, 49} {
			for _, transB := range []bool{true, false} {
				for _, ab := range [][2]float32{{1, 0}, {0.5, -2}} {
					name := fmt.Sprintf("%s/m=%d/transB=%v/alpha=%v/beta=%v", be.name, m, transB, ab[0], ab[1])
					t.Run(name, func(t *testing.T) {
						a := NewMat(randSlice(r, m*(k+3)), m, k+3).Sub(0, 1, m, k)
						b := NewMat(randSlice(r, n*(k+5)), n, k+5).Sub(0, 2, n, k)
						if !transB {
							b = NewMat(randSlice(r, k*(n+5)), k, n+5).Sub(0, 2, k, n)
						}
						c := NewMat(randSlice(r, m*(n+7)), m, n+7).Sub(0, 3, m, n)
						if ab[1] == 0 {
							c.Data[0] = float32(math.NaN())
						}
						want, bound := refGemm(transB, ab[0], a, b, ab[1], c)
						gemmChecked(be.gemm, transB, ab[0], a, b, ab[1], c)
						compareMat(t, c, want, bound)
					})
				}
			}
		}
	}
}

func TestGemmEmpty(t *testing.T) {
	c := NewMat([]float32{1, 2, 3, 4}, 2, 2)
	// k = 0: c = beta·c.
	GemmT(c, 1, Mat{Rows: 2, Cols: 0, Stride: 1}, Mat{Rows: 2, Cols: 0, Stride: 1}, 2)
	if got, want := fmt.Sprint(c.Data), "[2 4 6 8]"; got != want {
		t.Errorf("k=0 beta=2: c = %s, want %s", got, want)
	}
	c.Data[0] = float32(math.NaN())
	Gemm(c, 1, Mat{Rows: 2, Cols: 0, Stride: 1}, Mat{Rows: 0, Cols: 2, Stride: 2}, 0)
	if got, want := fmt.Sprint(c.Data), "[0 0 0 0]"; got != want {
		t.Errorf("k=0 beta=0: c = %s, want %s", got, want)
	}
	MatMulT(nil, nil, nil, 0, 5, 0) // nothing to do, must not panic
	MatMulT(nil, nil, make([]float32, 15), 0, 5, 3)
}

func TestShapePanics(t *testing.T) {
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"short a", func() { MatMulT(make([]float32, 6), make([]float32, 5), make([]float32, 9), 2, 3, 3) }, "needs 6 elements, have 5"},
		{"short dst", func() { MatMul(make([]float32, 5), make([]float32, 6), make([]float32, 9), 2, 3, 3) }, "needs 6 elements"},
		{"short bias", func() {
			MatMulTBias(make([]float32, 6), make([]float32, 6), make([]float32, 9), make([]float32, 2), 2, 3, 3)
		}, "bias has 2"},
		{"mismatch", func() {
			GemmT(NewMat(make([]float32, 4), 2, 2), 1, NewMat(make([]float32, 6), 2, 3), NewMat(make([]float32, 4), 2, 2), 0)
		}, "a·bᵀ with a 2×3, b 2×2"},
		{"sub outside", func() { NewMat(make([]float32, 4), 2, 2).Sub(1, 1, 2, 1) }, "Sub(1, 1, 2, 1) of a 2×2"},
		{"bad stride", func() {
			Gemm(Mat{Data: make([]float32, 4), Rows: 2, Cols: 2, Stride: 1}, 1, NewMat(nil, 2, 0), NewMat(nil, 0, 2), 0)
		}, "stride 1"},
		{"layernorm gamma", func() { LayerNorm(make([]float32, 4), 2, 2, []float32{1}, []float32{0, 0}, 1e-5) }, "gamma has 1"},
		{"softmax rows", func() { SoftmaxRows(make([]float32, 3), 2, 2) }, "needs 4 elements"},
		{"add", func() { AddInPlace(make([]float32, 3), make([]float32, 2)) }, "lengths 3 and 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, tt.want) {
					t.Errorf("panic %q, want one containing %q", msg, tt.want)
				}
			}()
			tt.fn()
		})
	}
}
