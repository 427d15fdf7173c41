//go:build cgo

// The few-row product c = alpha·a·wᵀ + beta·c of the cgo build, for a
// short query's handful of token rows against a Linear layer's [out, in]
// weights. Such a product uses each weight for only a few FMAs, so it is
// bound by streaming the weights from memory as much as by arithmetic.
// OpenBLAS (0.3.21) packs the weights into panels first, an extra pass over
// them; here each weight row is read where it lies, once per call, while
// the activations stay in L1 and L2 (fewrows_kernels.h has the blocking).
//
// The kernels use AVX-512F and AVX2+FMA intrinsics under target pragmas,
// never -march for the file, so the binary runs on any x86-64, and
// tensor_few_rows_isa picks the level at start-up. There is no base level:
// without AVX2, OpenBLAS computes these products.

#include <stdint.h>
#include <string.h>

#include "fewrows_cgo.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FEW_X86 1
#include <immintrin.h>
#endif

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// KC floats of depth per chunk, 3 KiB a row; FEW_MAX_ROWS rows at most
// per pass over the weights (Go's maxFewRows).
#define KC 768
#define FEW_MAX_ROWS 48

// PF_AHEAD is how many chunks ahead the kernels prefetch the weights:
// about 1.6 µs of work ahead at 16 rows, so that the loads come while the
// FMAs run instead of stalling them. In a C harness streaming 400 MB of
// weights past 16 rows on one core, prefetching 2 chunks ahead into L2
// took the kernel from 7.2-7.9 to 10.6-11.2 GB/s of weights (a plain read
// streams 15 GB/s here); a 16-token query ran 20% faster for it. Into L1
// (T0) or L3 (T2) did less; 1, 4 or 8 chunks ahead measured alike, within
// the noise of a shared machine.
#define PF_AHEAD 2

#ifdef FEW_X86
// prefetch_l2 asks for the cache line at address p into L2. The address is
// an integer: past the end of the weights it fetches a line for nothing
// (prefetches never fault), and a pointer there would be undefined.
ALWAYS_INLINE void prefetch_l2(uintptr_t p) { _mm_prefetch((const char *)p, _MM_HINT_T1); }
#endif

// store_tile writes a tile's sums, s[r·stride + j] for row r and weight
// row j, into c as alpha·s + beta·c, not reading c when beta is 0.
ALWAYS_INLINE void store_tile(const float *s, int stride, int mr, int nr, float alpha, float beta,
	float *c, size_t ldc) {
	for (int r = 0; r < mr; r++) {
		float *row = c + r * ldc;
		for (int j = 0; j < nr; j++) {
			float v = alpha * s[r * stride + j];
			if (beta == 0) row[j] = v;
			else if (beta == 1) row[j] += v;
			else row[j] = v + beta * row[j];
		}
	}
}

#ifdef FEW_X86

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")

// sums_avx512 sets s[i] to the sum of acc[i]'s lanes, i < 16: 30 shuffles
// and 15 additions, half the shuffles of reducing each vector alone (and
// shuffles share a port with the FMAs). Lanes 4l..4l+3 of t[i] hold
// acc[2i] and acc[2i+1] summed over half their block l; block l of u[i]
// holds acc[4i..4i+3] summed over their block l; then blocks are summed.
ALWAYS_INLINE void sums_avx512(const __m512 acc[16], float s[16]) {
	__m512 t[8], u[4];
	for (int i = 0; i < 8; i++)
		t[i] = _mm512_add_ps(_mm512_unpacklo_ps(acc[2 * i], acc[2 * i + 1]),
			_mm512_unpackhi_ps(acc[2 * i], acc[2 * i + 1]));
	for (int i = 0; i < 4; i++) {
		__m512d a = _mm512_castps_pd(t[2 * i]), b = _mm512_castps_pd(t[2 * i + 1]);
		u[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)),
			_mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
	}
	__m512 x0 = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)),
		_mm512_shuffle_f32x4(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
	__m512 x1 = _mm512_add_ps(_mm512_shuffle_f32x4(u[2], u[3], _MM_SHUFFLE(2, 0, 2, 0)),
		_mm512_shuffle_f32x4(u[2], u[3], _MM_SHUFFLE(3, 1, 3, 1)));
	_mm512_storeu_ps(s, _mm512_add_ps(_mm512_shuffle_f32x4(x0, x1, _MM_SHUFFLE(2, 0, 2, 0)),
				  _mm512_shuffle_f32x4(x0, x1, _MM_SHUFFLE(3, 1, 3, 1))));
}

// 4 rows by 4 weight rows: 16 of the 32 registers accumulate, 8 loads feed
// 16 FMAs. On one core here (BenchmarkMatMulT's 16-row shapes) 4×5 and 4×6
// measured no faster, 3×4 7% slower, 2×8 20-30% and 4×3 40% slower.
#define NAME(f) f##_avx512
#define VEC __m512
#define VLEN 16
#define MR 4
#define NR 4
#define V_ZERO() _mm512_setzero_ps()
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_LOAD_PART(p, n) _mm512_maskz_loadu_ps((__mmask16)((1u << (n)) - 1), p)
#define V_FMA(a, b, acc) _mm512_fmadd_ps(a, b, acc)
#define V_SUMS(acc, s) sums_avx512(acc, s)
#include "fewrows_kernels.h"
#undef NAME
#undef VEC
#undef VLEN
#undef MR
#undef NR
#undef V_ZERO
#undef V_LOAD
#undef V_LOAD_PART
#undef V_FMA
#undef V_SUMS

#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")

// sums8_avx2 sets s[i] to the sum of acc[i]'s lanes, i < 8, as
// sums_avx512 does for 16.
ALWAYS_INLINE void sums8_avx2(const __m256 acc[8], float s[8]) {
	__m256 t[4], u[2];
	for (int i = 0; i < 4; i++)
		t[i] = _mm256_add_ps(_mm256_unpacklo_ps(acc[2 * i], acc[2 * i + 1]),
			_mm256_unpackhi_ps(acc[2 * i], acc[2 * i + 1]));
	for (int i = 0; i < 2; i++) {
		__m256d a = _mm256_castps_pd(t[2 * i]), b = _mm256_castps_pd(t[2 * i + 1]);
		u[i] = _mm256_add_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(a, b)),
			_mm256_castpd_ps(_mm256_unpackhi_pd(a, b)));
	}
	_mm256_storeu_ps(s, _mm256_add_ps(_mm256_permute2f128_ps(u[0], u[1], 0x20),
				  _mm256_permute2f128_ps(u[0], u[1], 0x31)));
}

// sums_avx2 sets s[i] to the sum of acc[i]'s lanes, i < n, 8 at a time.
ALWAYS_INLINE void sums_avx2(const __m256 *acc, int n, float *s) {
	for (int g = 0; g < n; g += 8) {
		__m256 v[8];
		for (int i = 0; i < 8; i++) v[i] = g + i < n ? acc[g + i] : _mm256_setzero_ps();
		float t[8];
		sums8_avx2(v, t);
		for (int i = 0; i < 8 && g + i < n; i++) s[g + i] = t[i];
	}
}

// part_avx2 loads n < 8 floats; VMASKPS reads nothing past them.
ALWAYS_INLINE __m256 part_avx2(const float *p, size_t n) {
	__m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
	return _mm256_maskload_ps(p, m);
}

// 4 rows by 3 weight rows: 12 of the 16 registers accumulate, 3 hold
// weights, 1 an activation row. On one core here 2 rows by 4 (8
// accumulators, too few to hide the FMA latency) and 3 by 4 (17 registers)
// ran 25% slower. Against OpenBLAS's AVX2 kernels (OPENBLAS_CORETYPE=Haswell,
// as on an AVX2 CPU): 1.4× at 16×768×3072 on one core, and a 16-token
// query in half the time.
#define NAME(f) f##_avx2
#define VEC __m256
#define VLEN 8
#define MR 4
#define NR 3
#define V_ZERO() _mm256_setzero_ps()
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_LOAD_PART(p, n) part_avx2(p, n)
#define V_FMA(a, b, acc) _mm256_fmadd_ps(a, b, acc)
#define V_SUMS(acc, s) sums_avx2(acc, MR * NR, s)
#include "fewrows_kernels.h"
#undef NAME
#undef VEC
#undef VLEN
#undef MR
#undef NR
#undef V_ZERO
#undef V_LOAD
#undef V_LOAD_PART
#undef V_FMA
#undef V_SUMS

#pragma GCC pop_options
#endif

void tensor_gemm_few_rows(int isa, size_t m, size_t n, size_t k, float alpha,
	const float *a, size_t lda, const float *w, size_t ldw, float beta, float *c, size_t ldc) {
#ifdef FEW_X86
	switch (isa) {
	case TENSOR_ISA_AVX512: gemm_few_rows_avx512(m, n, k, alpha, a, lda, w, ldw, beta, c, ldc); return;
	case TENSOR_ISA_AVX2: gemm_few_rows_avx2(m, n, k, alpha, a, lda, w, ldw, beta, c, ldc); return;
	}
#endif
	(void)isa, (void)m, (void)n, (void)k, (void)alpha, (void)a, (void)lda;
	(void)w, (void)ldw, (void)beta, (void)c, (void)ldc;
}

// tensor_few_rows_isa is the widest level the CPU runs the kernel at.
int tensor_few_rows_isa(void) {
#ifdef FEW_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f")) return TENSOR_ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return TENSOR_ISA_AVX2;
#endif
	return TENSOR_ISA_BASE;
}
