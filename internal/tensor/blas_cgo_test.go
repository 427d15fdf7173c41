//go:build cgo

package tensor

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestBLASCore fails when OpenBLAS runs kernels narrower than the CPU can:
// half or less of the speed, silently. An OPENBLAS_CORETYPE in the
// environment is a deliberate choice the package respects, so then the test
// only reports.
func TestBLASCore(t *testing.T) {
	if Backend() != "openblas" {
		t.Fatalf("Backend() = %q in a cgo build", Backend())
	}
	core := BLASCore()
	t.Logf("%s", BackendInfo())
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo: %v", err)
	}
	flags := ""
	for line := range strings.Lines(string(info)) {
		if strings.HasPrefix(line, "flags") {
			flags = line + " "
			break
		}
	}
	var want map[string]bool
	switch {
	case strings.Contains(flags, " avx512f ") && strings.Contains(flags, " avx512vl ") &&
		strings.Contains(flags, " avx512bw ") && strings.Contains(flags, " avx512dq "):
		want = map[string]bool{"SkylakeX": true, "Cooperlake": true, "SapphireRapids": true}
	case strings.Contains(flags, " avx2 ") && strings.Contains(flags, " fma "):
		want = map[string]bool{"Haswell": true, "Zen": true, "SkylakeX": true, "Cooperlake": true, "SapphireRapids": true}
	default:
		t.Skipf("CPU without AVX2; kernels %s", core)
	}
	if want[core] {
		return
	}
	if env, ok := os.LookupEnv("OPENBLAS_CORETYPE"); ok {
		t.Skipf("OPENBLAS_CORETYPE=%q selects %s kernels, slower than this CPU allows; unset it", env, core)
	}
	t.Errorf("OpenBLAS kernels %s on a CPU with %v-class vectors", core, keys(want))
}

func keys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	return s
}

// TestBLASThreaded runs products on OpenBLAS's threads directly, checks
// when blasThreaded declines, and that the pool restarts after quietBLAS
// stopped it.
func TestBLASThreaded(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, s := range []struct{ m, k, n int }{{49, 70, 80}, {100, 64, 65}, {128, 96, 200}} {
		for _, transB := range []bool{true, false} {
			for _, ab := range [][2]float32{{1, 0}, {0.5, -2}, {1, 1}} {
				name := fmt.Sprintf("%dx%dx%d/transB=%v/alpha=%v/beta=%v", s.m, s.k, s.n, transB, ab[0], ab[1])
				t.Run(name, func(t *testing.T) {
					a := NewMat(randSlice(r, s.m*s.k), s.m, s.k)
					b := NewMat(randSlice(r, s.n*s.k), s.n, s.k)
					if !transB {
						b = NewMat(randSlice(r, s.k*s.n), s.k, s.n)
					}
					c := NewMat(randSlice(r, s.m*(s.n+3)), s.m, s.n+3).Sub(0, 1, s.m, s.n)
					want, bound := refGemm(transB, ab[0], a, b, ab[1], c)
					if !blasThreaded(2, transB, ab[0], a, b, ab[1], c) {
						t.Fatal("blasThreaded declined with nothing else running")
					}
					compareMat(t, c, want, bound)
					if !blasPoolWarm.Load() {
						t.Error("pool not marked warm after a threaded product")
					}
					quietBLAS() // the next product restarts the pool
					if blasPoolWarm.Load() {
						t.Error("pool still marked warm after quietBLAS")
					}
				})
			}
		}
	}

	a, b := NewMat(randSlice(r, 64*32), 64, 32), NewMat(randSlice(r, 64*32), 64, 32)
	c := NewMat(make([]float32, 64*64), 64, 64)
	blasLock.RLock() // another OpenBLAS call in flight
	if blasThreaded(2, true, 1, a, b, 0, c) {
		t.Error("blasThreaded ran while another OpenBLAS call held blasLock")
	}
	blasLock.RUnlock()
}

func TestBLASThreadsPay(t *testing.T) {
	for _, tt := range []struct {
		m, n, k int
		want    bool
	}{
		{2400, 768, 768, true},
		{300, 2304, 768, true},
		{300, 768, 768, false},
		{maxFewRows, 1 << 20, 1 << 10, false},
		{maxFewRows + 1, 1 << 20, 1 << 10, true},
		{1 << 10, 1 << 9, 1 << 9, true},
		{1<<10 - 1, 1 << 9, 1 << 9, false},
	} {
		if got := blasThreadsPay(tt.m, tt.n, tt.k); got != tt.want {
			t.Errorf("blasThreadsPay(%d, %d, %d) = %v, want %v", tt.m, tt.n, tt.k, got, tt.want)
		}
	}
}

// TestBLASThreadsConcurrent calls large products from several goroutines
// at once, directly and inside Parallel, with both SetBLASThreads modes:
// whichever call holds OpenBLAS's threads, the others split or wait, and
// every result is right.
func TestBLASThreadsConcurrent(t *testing.T) {
	defer SetThreads(Threads())
	defer SetBLASThreads(true)
	if testing.Short() {
		t.Skip("products of 2.7e8 multiply-adds")
	}
	SetThreads(2)
	r := rand.New(rand.NewPCG(23, 24))
	const m, k, n = 512, 512, 1024 // minBLASThreadMACs
	if !blasThreadsPay(m, n, k) {
		t.Fatalf("%dx%dx%d would not run on OpenBLAS's threads", m, k, n)
	}
	a, w := randSlice(r, m*k), randSlice(r, n*k)
	am, wm := NewMat(a, m, k), NewMat(w, n, k)
	// The float64 reference for the first and last rows only: every block
	// of either split holds some of them.
	const rows = 8
	check := func(o []float32) {
		for _, r0 := range []int{0, m - rows} {
			got := NewMat(o, m, n).Sub(r0, 0, rows, n)
			want, bound := refGemm(true, 1, am.Sub(r0, 0, rows, k), wm, 0, got)
			compareMat(t, got, want, bound)
		}
	}
	for _, on := range []bool{true, false} {
		SetBLASThreads(on)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				outs := make([][]float32, 3)
				for i := range outs {
					outs[i] = make([]float32, m*n)
				}
				if g%2 == 0 {
					for _, o := range outs {
						MatMulT(o, a, w, m, k, n)
					}
				} else {
					Parallel(len(outs), func(lo, hi int) {
						for _, o := range outs[lo:hi] {
							MatMulT(o, a, w, m, k, n)
						}
					})
				}
				for _, o := range outs {
					check(o)
				}
			})
		}
		wg.Wait()
	}
}
