//go:build cgo

package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestGemmFewRows checks the few-row C kernel at every level this CPU runs
// against the float64 reference: every row count the package gives it and
// two past its groups of 48, depths around the vector widths (the masked
// tails) and its chunks of 768, weight-row counts around its tiles (3 or 4
// weight rows), strided views, and alpha and beta. Elements of c outside the view must
// keep their values, and with beta = 0 a NaN in c must not leak.
func TestGemmFewRows(t *testing.T) {
	if fewRowsISA == isaBase {
		t.Skip("CPU without AVX2+FMA: few-row products run on OpenBLAS")
	}
	r := rand.New(rand.NewPCG(31, 32))
	kns := [][2]int{{1, 1}, {7, 5}, {8, 4}, {15, 3}, {16, 8}, {17, 9}, {40, 2}, {100, 33}, {300, 6}, {768, 5}, {1559, 7}}
	var ms []int
	for m := 1; m <= maxFewRows; m++ {
		ms = append(ms, m)
	}
	ms = append(ms, 49, 101)
	for isa := fewRowsISA; isa > isaBase; isa-- {
		for _, m := range ms {
			for i, kn := range kns {
				k, n := kn[0], kn[1]
				ab := [][2]float32{{1, 0}, {1, 1}, {0.5, -2}}[(m+i)%3]
				name := fmt.Sprintf("%s/m=%d/k=%d/n=%d/alpha=%v/beta=%v", isaNames[isa], m, k, n, ab[0], ab[1])
				t.Run(name, func(t *testing.T) {
					a := NewMat(randSlice(r, m*(k+3)), m, k+3).Sub(0, 1, m, k)
					w := NewMat(randSlice(r, n*(k+5)), n, k+5).Sub(0, 2, n, k)
					full := NewMat(randSlice(r, m*(n+7)), m, n+7)
					c := full.Sub(0, 3, m, n)
					if ab[1] == 0 {
						c.Data[0] = float32(math.NaN())
					}
					before := slices.Clone(full.Data)
					want, bound := refGemm(true, ab[0], a, w, ab[1], c)
					gemmFewRowsC(isa, ab[0], a, w, ab[1], c)
					compareMat(t, c, want, bound)
					for p, v := range full.Data {
						row, col := p/full.Stride, p%full.Stride
						inside := col >= 3 && col < 3+n
						if !inside && math.Float32bits(v) != math.Float32bits(before[p]) {
							t.Errorf("full[%d][%d] outside c changed from %v to %v", row, col, before[p], v)
						}
					}
				})
			}
		}
	}
}

// BenchmarkFewRows compares, on one thread, the few-row C kernel with
// OpenBLAS's sgemm on swapped operands (blasSwapped) and as it is, around
// maxFewRows, on a BERT-base FFN-up product (768 → 3072): where the kernel
// stops winning is where maxFewRows belongs.
func BenchmarkFewRows(b *testing.B) {
	if fewRowsISA == isaBase {
		b.Skip("CPU without AVX2+FMA: no few-row kernel")
	}
	const k, n = 768, 3072
	r := rand.New(rand.NewPCG(33, 34))
	w := NewMat(randSlice(r, n*k), n, k)
	impls := []struct {
		name string
		gemm func(a Mat, c Mat)
	}{
		{"c-" + isaNames[fewRowsISA], func(a, c Mat) { gemmFewRowsC(fewRowsISA, 1, a, w, 0, c) }},
		{"openblas-swapped", func(a, c Mat) { blasSwapped(1, a, w, 0, c) }},
		{"openblas", func(a, c Mat) {
			sgemm(cblasNoTrans, cblasTrans, c.Rows, n, k, 1, a.Data, a.Stride, w.Data, w.Stride, 0, c.Data, c.Stride)
		}},
	}
	for _, m := range []int{4, 16, 32, 48, 64, 96} {
		a, c := NewMat(randSlice(r, m*k), m, k), NewMat(make([]float32, m*n), m, n)
		for _, im := range impls {
			b.Run(fmt.Sprintf("m=%d/%s", m, im.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					im.gemm(a, c)
				}
				b.ReportMetric(2*float64(m*k*n)*float64(b.N)/1e9/b.Elapsed().Seconds(), "GFLOP/s")
			})
		}
	}
}
