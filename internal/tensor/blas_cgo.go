//go:build cgo

package tensor

/*
#cgo LDFLAGS: -lopenblas
#cgo noescape cblas_sgemm
#cgo nocallback cblas_sgemm
#cgo noescape cblas_sgemv
#cgo nocallback cblas_sgemv
#cgo noescape tensor_sgemm_threads
#cgo nocallback tensor_sgemm_threads
#cgo nocallback tensor_stop_pool

#include <stdlib.h>
#include <strings.h>

// Declared here rather than through <cblas.h>, whose directory differs
// between distributions (Debian: x86_64-linux-gnu/openblas-pthread/).
// The LP64 library (-lopenblas, not -lopenblas64) takes int dimensions.
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k,
	float alpha, const float *a, int lda, const float *b, int ldb,
	float beta, float *c, int ldc);
void cblas_sgemv(int order, int trans, int m, int n, float alpha,
	const float *a, int lda, const float *x, int incx, float beta, float *y, int incy);
void openblas_set_num_threads(int n);
char *openblas_get_corename(void);
char *openblas_get_config(void);

// tensor_sgemm_threads runs one row-major cblas_sgemm (a not transposed)
// on n of OpenBLAS's threads, then sets OpenBLAS back to one thread.
static void tensor_sgemm_threads(int n, int transb, int m, int nn, int k,
	float alpha, const float *a, int lda, const float *b, int ldb,
	float beta, float *c, int ldc) {
	openblas_set_num_threads(n);
	cblas_sgemm(101, 111, transb, m, nn, k, alpha, a, lda, b, ldb, beta, c, ldc);
	openblas_set_num_threads(1);
}

// tensor_stop_pool ends OpenBLAS's pool threads; its next threaded call
// starts them again. Not in cblas.h, hence weak: a build without it keeps
// its pool.
extern int blas_thread_shutdown_(void) __attribute__((weak));

static void tensor_stop_pool(void) {
	if (blas_thread_shutdown_) blas_thread_shutdown_();
}

// Only DYNAMIC_ARCH builds (Debian's among them) export these; weak, so that
// other builds still link and simply keep their one kernel set.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

// tensor_core_rank orders OpenBLAS x86-64 kernel sets by the widest vectors
// they use: 2 AVX-512, 1 AVX2, 0 anything older.
static int tensor_core_rank(const char *name) {
	static const char *avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
	static const char *avx2[] = {"Haswell", "Zen"};
	for (unsigned i = 0; i < sizeof avx512 / sizeof avx512[0]; i++)
		if (strcasecmp(name, avx512[i]) == 0) return 2;
	for (unsigned i = 0; i < sizeof avx2 / sizeof avx2[0]; i++)
		if (strcasecmp(name, avx2[i]) == 0) return 1;
	return 0;
}

// tensor_best_core names the kernel set this CPU (and OS) can run, or NULL.
static const char *tensor_best_core(void) {
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
		return "SkylakeX";
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return "Haswell";
#endif
	return NULL;
}

// tensor_fix_core re-selects OpenBLAS's kernels when its CPU detection fell
// short of the CPU. OpenBLAS 0.3.21 does not know newer models (Emerald
// Rapids, model 0xCF, gets the SSE3 "Prescott" kernels, 5-6x slower). An
// OPENBLAS_CORETYPE set by the user is their choice and is left alone. The
// library's own mechanism re-selects: its table pointer is reset and its
// init re-run with OPENBLAS_CORETYPE set for that moment only. This runs in
// package init, before any BLAS call.
static int tensor_fix_core(void) {
	if (getenv("OPENBLAS_CORETYPE") != NULL) return 0;
	if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return 0;
	const char *best = tensor_best_core();
	if (best == NULL || tensor_core_rank(openblas_get_corename()) >= tensor_core_rank(best)) return 0;
	gotoblas_dynamic_quit();
	setenv("OPENBLAS_CORETYPE", best, 1);
	gotoblas_dynamic_init();
	unsetenv("OPENBLAS_CORETYPE");
	return 1;
}
*/
import "C"

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	cblasRowMajor = 101
	cblasNoTrans  = 111
	cblasTrans    = 112
)

var (
	defaultGemm = blasGemm
	blasGemm    = blasGemmFew(fewRowsISA)
	backends    = blasBackends()
	// detectedCore is OpenBLAS's own choice when tensor_fix_core replaced it.
	detectedCore string
)

// blasBackends lists the OpenBLAS backend as the package uses it, then
// with its few-row products at every narrower level this CPU runs and on
// OpenBLAS (as on CPUs without AVX2), then the pure-Go one.
func blasBackends() []backend {
	bs := []backend{{name: "openblas", gemm: blasGemm}}
	for isa := fewRowsISA - 1; isa >= isaBase; isa-- {
		name := "openblas-swapped"
		if isa > isaBase {
			name = "openblas-c-" + isaNames[isa]
		}
		bs = append(bs, backend{name: name, gemm: blasGemmFew(isa), maxRows: maxFewRows})
	}
	return append(bs, backend{name: "go", gemm: goGemm})
}

func init() {
	// Parallelism is ours (see the package comment): OpenBLAS's pool would
	// spin on a core between calls.
	C.openblas_set_num_threads(1)
	before := BLASCore()
	if C.tensor_fix_core() != 0 {
		detectedCore = before
	}
}

// Backend names the matrix-product engine: "openblas" (this build) or "go".
func Backend() string { return "openblas" }

// BLASCore names the OpenBLAS kernel set in use, such as "SkylakeX" or
// "Haswell" ("" in the pure-Go build). Log it at start-up: a set without
// AVX-512 on an AVX-512 CPU costs half the speed of every product, or more.
func BLASCore() string { return C.GoString(C.openblas_get_corename()) }

// BackendInfo describes the engine in one line for logs.
func BackendInfo() string {
	s := fmt.Sprintf("OpenBLAS via cgo (%s), kernels %s", C.GoString(C.openblas_get_config()), BLASCore())
	if detectedCore != "" {
		s += fmt.Sprintf(", re-selected: OpenBLAS detected this CPU as %s", detectedCore)
	}
	s += "; element-wise kernels in C, " + isaNames[cISA]
	if fewRowsISA == isaBase {
		return s + "; few-row products on OpenBLAS"
	}
	return s + "; few-row products in C, " + isaNames[fewRowsISA]
}

// Few-row products (a short query's tokens against a weight matrix) are
// bound by streaming the weights. Up to maxFewRows rows they go to the C
// kernel (fewrows_cgo.c), which reads each weight where it lies, once.
// Measured here on one core (BenchmarkFewRows, 768 → 3072, best of 5), it
// runs 2.6× the rate of OpenBLAS 0.3.21's sgemm at 4 rows, 1.8× at 16,
// 1.2× at 48, 1.05× at 64 (streaming the weights twice, 48 rows and 16)
// and 0.9× at 96. Without AVX2, OpenBLAS computes them with the operands
// swapped, cᵀ = b·aᵀ into a scratch buffer, then transposed into c, which
// streams the weights better than sgemm as it is (1.15-1.25× up to 32
// rows here). One row is a matrix-vector product (sgemv): the kernel
// measured no faster there.
const maxFewRows = 48

var swapBufs = sync.Pool{New: func() any { return new([]float32) }}

// blasLock keeps a product on OpenBLAS's threads from sharing the cores
// with other OpenBLAS calls: such a product holds it exclusively, every
// other call shares it. OpenBLAS's thread count is global, so without it a
// call from another goroutine meanwhile would run threaded too, and queue
// on OpenBLAS's lock for threaded products.
var blasLock sync.RWMutex

// From this many multiply-adds on, one OpenBLAS call on its own threads
// beats the goroutine split. Measured here with 2 threads
// (BenchmarkMatMulTThreads): 2400×768×{768,2304,3072} and 2400×3072×768
// 5-30% faster, 300×768×3072 (7e8) 2-10% faster, but 300×768×768 (1.8e8)
// and 64×768×768 15-20% slower. Few-row products (up to maxFewRows) are
// faster split, each block on the few-row kernel.
const minBLASThreadMACs = 1 << 28

// blasThreadsPay reports whether an m×k by k×n product is worth OpenBLAS's
// threads.
func blasThreadsPay(m, n, k int) bool { return m > maxFewRows && m*n*k >= minBLASThreadMACs }

// blasThreaded computes c = alpha·a·op(b) + beta·c in one OpenBLAS call on
// `threads` of OpenBLAS's threads and reports whether it did: not while
// another OpenBLAS call runs, and then the caller splits the product over
// goroutines.
func blasThreaded(threads int, transB bool, alpha float32, a, b Mat, beta float32, c Mat) bool {
	if !blasLock.TryLock() {
		return false
	}
	defer blasLock.Unlock()
	checkInt32(a, b, c)
	tb := C.int(cblasNoTrans)
	if transB {
		tb = cblasTrans
	}
	blasPoolWarm.Store(true)
	C.tensor_sgemm_threads(C.int(threads), tb, C.int(c.Rows), C.int(c.Cols), C.int(a.Cols),
		C.float(alpha), (*C.float)(unsafe.Pointer(&a.Data[0])), C.int(a.Stride),
		(*C.float)(unsafe.Pointer(&b.Data[0])), C.int(b.Stride),
		C.float(beta), (*C.float)(unsafe.Pointer(&c.Data[0])), C.int(c.Stride))
	return true
}

// checkInt32 panics unless OpenBLAS's int can hold every dimension.
func checkInt32(a, b, c Mat) {
	for _, d := range [...]int{c.Rows, c.Cols, a.Cols, a.Stride, b.Stride, c.Stride} {
		if d > math.MaxInt32 {
			panic(fmt.Sprintf("tensor: dimension %d exceeds OpenBLAS's 32-bit int", d))
		}
	}
}

// blasGemmFew returns the gemmFunc of the OpenBLAS backend with few-row
// products (transB, up to maxFewRows rows) on the C kernel at level isa,
// or with swapped operands on OpenBLAS when isa is the base level.
func blasGemmFew(isa int) gemmFunc {
	return func(transB bool, alpha float32, a, b Mat, beta float32, c Mat) {
		checkInt32(a, b, c)
		blasLock.RLock()
		defer blasLock.RUnlock()
		switch {
		case c.Rows == 1:
			blasGemv(transB, alpha, a, b, beta, c)
		case transB && c.Rows <= maxFewRows && isa > isaBase:
			gemmFewRowsC(isa, alpha, a, b, beta, c)
		case transB && c.Rows <= maxFewRows:
			blasSwapped(alpha, a, b, beta, c)
		default:
			tb := C.int(cblasNoTrans)
			if transB {
				tb = cblasTrans
			}
			sgemm(cblasNoTrans, tb, c.Rows, c.Cols, a.Cols, alpha, a.Data, a.Stride, b.Data, b.Stride, beta, c.Data, c.Stride)
		}
	}
}

func sgemm(ta, tb C.int, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	C.cblas_sgemm(cblasRowMajor, ta, tb, C.int(m), C.int(n), C.int(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.int(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.int(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int(ldc))
}

// blasGemv computes the one-row product c = alpha·a·op(b) + beta·c.
func blasGemv(transB bool, alpha float32, a, b Mat, beta float32, c Mat) {
	y := c.Data[:c.Cols]
	if beta == 0 {
		clear(y) // sgemv scales y by beta, which would keep NaNs
	}
	// Row-major b is n×k when transB (y = b·a), else k×n (y = bᵀ·a).
	trans, rows, cols := C.int(cblasNoTrans), b.Rows, b.Cols
	if !transB {
		trans = cblasTrans
	}
	C.cblas_sgemv(cblasRowMajor, trans, C.int(rows), C.int(cols), C.float(alpha),
		(*C.float)(unsafe.Pointer(&b.Data[0])), C.int(b.Stride),
		(*C.float)(unsafe.Pointer(&a.Data[0])), 1,
		C.float(beta), (*C.float)(unsafe.Pointer(&y[0])), 1)
}

// blasSwapped computes c = alpha·a·bᵀ + beta·c as s = b·aᵀ, then c = sᵀ.
func blasSwapped(alpha float32, a, b Mat, beta float32, c Mat) {
	m, n := c.Rows, c.Cols
	buf := swapBufs.Get().(*[]float32)
	if cap(*buf) < m*n {
		*buf = make([]float32, m*n)
	}
	s := (*buf)[:m*n]
	sgemm(cblasNoTrans, cblasTrans, n, m, a.Cols, alpha, b.Data, b.Stride, a.Data, a.Stride, 0, s, m)
	for i := range m {
		row := c.Data[i*c.Stride : i*c.Stride+n]
		switch beta {
		case 0:
			for j := range row {
				row[j] = s[j*m+i]
			}
		case 1:
			for j := range row {
				row[j] += s[j*m+i]
			}
		default:
			for j := range row {
				row[j] = s[j*m+i] + beta*row[j]
			}
		}
	}
	swapBufs.Put(buf)
}

// After a threaded product OpenBLAS's pool threads spin (sched_yield in a
// loop) for 2²⁸ cycles, about 0.1 s here, before they sleep: through the
// attention heads and element-wise steps that follow, taking a core from
// the goroutines. OPENBLAS_THREAD_TIMEOUT would shorten that, but OpenBLAS
// reads it when it loads. So forChunks calls quietBLAS before spreading work
// over goroutines, which ends the pool if a product left it running; the
// next threaded product starts it again (about 0.5 ms, once per BERT layer
// rather than once per product). Measured on BenchmarkLayer's steps: 2-6%
// faster than leaving the pool spinning, and than stopping it after every
// product.
var blasPoolWarm atomic.Bool

func quietBLAS() {
	if !blasPoolWarm.Load() || !blasLock.TryLock() {
		return
	}
	defer blasLock.Unlock()
	if blasPoolWarm.Swap(false) {
		C.tensor_stop_pool()
	}
}
