package tensor

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// Run: go test ./internal/tensor -run '^$' -bench F16 -benchtime 20x
//
// The search's scan: one query against 100,000 rows of 768 halves (154 MB,
// far past the caches), split over 1 or 2 goroutines as the caller does.
// MB/s counts the bytes of the rows read. The f32 lines are the same scan
// over float32 rows (307 MB), through GemmT (OpenBLAS sgemv in a cgo build)
// and a Go loop, for the bandwidth float16 saves.
const (
	benchScanRows = 100_000
	benchScanDim  = 768
)

func BenchmarkDotF16(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	rows := randF16(r, benchScanRows*benchScanDim)
	q := randSlice(r, benchScanDim)
	out := make([]float32, benchScanRows)
	for _, ks := range f16Kernels {
		for _, g := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", ks.name, g), func(b *testing.B) {
				benchScan(b, g, 2, func(lo, hi int) {
					ks.dot(rows[lo*benchScanDim:hi*benchScanDim], benchScanDim, q, out[lo:hi])
				})
			})
		}
	}
	rows = nil
	f32 := randSlice(r, benchScanRows*benchScanDim)
	for _, g := range []int{1, 2} {
		b.Run(fmt.Sprintf("f32-GemmT/goroutines=%d", g), func(b *testing.B) {
			benchScan(b, g, 4, func(lo, hi int) {
				GemmT(NewMat(out[lo:hi], 1, hi-lo), 1, NewMat(q, 1, benchScanDim),
					NewMat(f32[lo*benchScanDim:hi*benchScanDim], hi-lo, benchScanDim), 0)
			})
		})
		b.Run(fmt.Sprintf("f32-go/goroutines=%d", g), func(b *testing.B) {
			benchScan(b, g, 4, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					out[i] = dotF32Go(f32[i*benchScanDim:(i+1)*benchScanDim], q)
				}
			})
		})
	}
}

// benchScan runs scan over the benchmark's rows split into g equal parts,
// each on its own goroutine, and reports the time per scan.
func benchScan(b *testing.B, g, elemBytes int, scan func(lo, hi int)) {
	b.SetBytes(int64(benchScanRows * benchScanDim * elemBytes))
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for p := range g {
			wg.Go(func() { scan(p*benchScanRows/g, (p+1)*benchScanRows/g) })
		}
		wg.Wait()
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/scan")
}

// dotF32Go is dotF16Go's loop on float32 rows.
func dotF32Go(x, q []float32) float32 {
	q = q[:len(x)]
	var s0, s1, s2, s3 float32
	j := 0
	for ; j+4 <= len(x); j += 4 {
		v, w := (*[4]float32)(x[j:]), (*[4]float32)(q[j:])
		s0 += v[0] * w[0]
		s1 += v[1] * w[1]
		s2 += v[2] * w[2]
		s3 += v[3] * w[3]
	}
	for ; j < len(x); j++ {
		s0 += x[j] * q[j]
	}
	return (s0 + s1) + (s2 + s3)
}

// BenchmarkDotF16Small finds where a cgo call starts to pay (minCF16):
// one row of a few halves, each kernel.
func BenchmarkDotF16Small(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, dim := range []int{8, 16, 32, 64, 128, 256} {
		rows, q, out := randF16(r, dim), randSlice(r, dim), make([]float32, 1)
		for _, ks := range f16Kernels {
			b.Run(fmt.Sprintf("dim=%d/%s", dim, ks.name), func(b *testing.B) {
				for b.Loop() {
					ks.dot(rows, dim, q, out)
				}
			})
		}
	}
}
