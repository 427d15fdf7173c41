//go:build cgo

// The float16 dot kernel of the cgo build (DotF16), once per instruction
// set: AVX-512F and AVX2 with F16C and FMA in intrinsics under target
// pragmas (never -march for the file, so the binary runs on any x86-64;
// tensor_f16_isa picks the level at start-up), and generic vectors for the
// base set (SSE2, NEON on arm64, and every set with compilers other than
// GCC).
//
// A scan over the search index reads 1.5 KB a row (768 halves) and does
// little with it: the vector kernels are bound by memory bandwidth, so they
// keep four accumulators, enough to hide the FMA latency, and no more.

#include <string.h>

#include "f16_cgo.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define F16_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

// The base set converts halves in GCC's generic vectors (SSE2; NEON on
// arm64), which clang compiles too: faster than Go's table lookups (2× in
// cache, 1.7× on the 100k-row scan), where a scalar loop with F16ToF32's
// branches was slower than them (90 ms a scan against 55).
typedef uint16_t f16_vh __attribute__((vector_size(16))); // 8 halves
typedef uint32_t f16_vu __attribute__((vector_size(16)));
typedef int32_t f16_vi __attribute__((vector_size(16)));
typedef float f16_vf __attribute__((vector_size(16)));

// Zero-extending four halves to 32 bits is interleaving them with zeros
// (one punpcklwd; __builtin_convertvector made five instructions of it).
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define F16_LO 8, 0, 9, 1, 10, 2, 11, 3
#define F16_HI 12, 4, 13, 5, 14, 6, 15, 7
#else
#define F16_LO 0, 8, 1, 9, 2, 10, 3, 11
#define F16_HI 4, 12, 5, 13, 6, 14, 7, 15
#endif

// f16x4_base is F16ToF32 (f16.go) of four halves, zero-extended. A half's
// exponent and mantissa, moved to float32's place, read as a float32 2¹¹²
// too small (the biases are 15 and 127), subnormals included, so one
// multiplication rebiases them exactly. Exponent 31 (Inf, NaN) becomes
// 2¹⁶·1.m, whose exponent is then set to float32's 255, mantissa intact.
static inline f16_vf f16x4_base(f16_vu u) {
	f16_vu em = (u & 0x7fff) << 13;
	f16_vu bits = (f16_vu)((f16_vf)em * 0x1p112f);
	bits |= (f16_vu)((f16_vi)em >= 0x0f800000) & 0x7f800000;
	return (f16_vf)(bits | (u & 0x8000) << 16);
}

// f16x8_base multiplies the eight halves at h by the eight floats at q and
// adds the products to a0 (the first four) and a1.
static inline void f16x8_base(const uint16_t *h, const float *q, f16_vf *a0, f16_vf *a1) {
	f16_vh v, zero = {0};
	f16_vf q0, q1;
	memcpy(&v, h, sizeof v);
	memcpy(&q0, q, sizeof q0);
	memcpy(&q1, q + 4, sizeof q1);
	*a0 += f16x4_base((f16_vu)__builtin_shufflevector(v, zero, F16_LO)) * q0;
	*a1 += f16x4_base((f16_vu)__builtin_shufflevector(v, zero, F16_HI)) * q1;
}

static void dot_f16_base(const uint16_t *rows, size_t n, size_t dim, const float *q, float *out) {
	for (size_t i = 0; i < n; i++) {
		const uint16_t *h = rows + i * dim;
		f16_vf a0 = {0}, a1 = {0};
		size_t j = 0;
		for (; j + 8 <= dim; j += 8) f16x8_base(h + j, q + j, &a0, &a1);
		if (j < dim) { // through zeroed buffers: the lanes past the row add 0·0
			uint16_t th[8] = {0};
			float tq[8] = {0};
			memcpy(th, h + j, (dim - j) * sizeof *h);
			memcpy(tq, q + j, (dim - j) * sizeof *q);
			f16x8_base(th, tq, &a0, &a1);
		}
		f16_vf s = a0 + a1;
		out[i] = (s[0] + s[1]) + (s[2] + s[3]);
	}
}

#ifdef F16_X86
// prefetch_ahead asks for the cache line PREFETCH bytes past p: the rows
// stream from memory, and the hardware prefetchers alone left the AVX-512
// scan about 10% slower (BenchmarkDotF16, noisy; 1 and 3 KB ahead did
// alike). Past the end of rows it fetches a line for nothing: prefetches
// never fault. The address is computed as an integer, since a pointer that
// far past an array would be undefined behaviour.
#define PREFETCH 1024
static inline void prefetch_ahead(const uint16_t *p) {
	__builtin_prefetch((const void *)((uintptr_t)p + PREFETCH));
}

// The tails (dim not a multiple of the vector) load a whole vector of
// halves from the row's tail when that stays inside rows (end), which it
// does for every row but the last ones, and zero the lanes past the row;
// otherwise they copy the tail into a zeroed buffer first. Both give the
// same result. The zeroing must come before the multiplication: the next
// row's halves may be Inf or NaN, and Inf·0 is NaN.

#pragma GCC push_options
#pragma GCC target("avx512f")

static inline __m512 f16x16_avx512(const uint16_t *h) {
	return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)h));
}

static inline float dot_row_avx512(const uint16_t *h, size_t dim, const float *q, const uint16_t *end) {
	__m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	size_t j = 0;
	for (; j + 64 <= dim; j += 64) {
		prefetch_ahead(h + j);
		prefetch_ahead(h + j + 32);
		a0 = _mm512_fmadd_ps(f16x16_avx512(h + j), _mm512_loadu_ps(q + j), a0);
		a1 = _mm512_fmadd_ps(f16x16_avx512(h + j + 16), _mm512_loadu_ps(q + j + 16), a1);
		a2 = _mm512_fmadd_ps(f16x16_avx512(h + j + 32), _mm512_loadu_ps(q + j + 32), a2);
		a3 = _mm512_fmadd_ps(f16x16_avx512(h + j + 48), _mm512_loadu_ps(q + j + 48), a3);
	}
	if (j + 16 <= dim) {
		a0 = _mm512_fmadd_ps(f16x16_avx512(h + j), _mm512_loadu_ps(q + j), a0);
		j += 16;
	}
	if (j + 16 <= dim) {
		a1 = _mm512_fmadd_ps(f16x16_avx512(h + j), _mm512_loadu_ps(q + j), a1);
		j += 16;
	}
	if (j + 16 <= dim) {
		a2 = _mm512_fmadd_ps(f16x16_avx512(h + j), _mm512_loadu_ps(q + j), a2);
		j += 16;
	}
	if (j < dim) {
		__mmask16 m = (__mmask16)((1u << (dim - j)) - 1);
		__m256i raw;
		if ((size_t)(end - (h + j)) >= 16) {
			raw = _mm256_loadu_si256((const __m256i *)(h + j));
		} else {
			uint16_t t[16] = {0};
			memcpy(t, h + j, (dim - j) * sizeof *h);
			raw = _mm256_loadu_si256((const __m256i *)t);
		}
		a3 = _mm512_fmadd_ps(_mm512_maskz_cvtph_ps(m, raw), _mm512_maskz_loadu_ps(m, q + j), a3);
	}
	return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

static void dot_f16_avx512(const uint16_t *rows, size_t n, size_t dim, const float *q, float *out) {
	const uint16_t *end = rows + n * dim;
	for (size_t i = 0; i < n; i++) out[i] = dot_row_avx512(rows + i * dim, dim, q, end);
}

#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

static inline __m256 f16x8_avx2(const uint16_t *h) {
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h));
}

static inline float hsum_avx2(__m256 v) {
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

static inline float dot_row_avx2(const uint16_t *h, size_t dim, const float *q, const uint16_t *end) {
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	size_t j = 0;
	for (; j + 32 <= dim; j += 32) {
		prefetch_ahead(h + j);
		a0 = _mm256_fmadd_ps(f16x8_avx2(h + j), _mm256_loadu_ps(q + j), a0);
		a1 = _mm256_fmadd_ps(f16x8_avx2(h + j + 8), _mm256_loadu_ps(q + j + 8), a1);
		a2 = _mm256_fmadd_ps(f16x8_avx2(h + j + 16), _mm256_loadu_ps(q + j + 16), a2);
		a3 = _mm256_fmadd_ps(f16x8_avx2(h + j + 24), _mm256_loadu_ps(q + j + 24), a3);
	}
	if (j + 8 <= dim) {
		a0 = _mm256_fmadd_ps(f16x8_avx2(h + j), _mm256_loadu_ps(q + j), a0);
		j += 8;
	}
	if (j + 8 <= dim) {
		a1 = _mm256_fmadd_ps(f16x8_avx2(h + j), _mm256_loadu_ps(q + j), a1);
		j += 8;
	}
	if (j + 8 <= dim) {
		a2 = _mm256_fmadd_ps(f16x8_avx2(h + j), _mm256_loadu_ps(q + j), a2);
		j += 8;
	}
	if (j < dim) {
		__m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(dim - j)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
		__m256 v;
		if ((size_t)(end - (h + j)) >= 8) {
			v = _mm256_and_ps(f16x8_avx2(h + j), _mm256_castsi256_ps(m));
		} else {
			uint16_t t[8] = {0};
			memcpy(t, h + j, (dim - j) * sizeof *h);
			v = f16x8_avx2(t);
		}
		a3 = _mm256_fmadd_ps(v, _mm256_maskload_ps(q + j, m), a3);
	}
	return hsum_avx2(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

static void dot_f16_avx2(const uint16_t *rows, size_t n, size_t dim, const float *q, float *out) {
	const uint16_t *end = rows + n * dim;
	for (size_t i = 0; i < n; i++) out[i] = dot_row_avx2(rows + i * dim, dim, q, end);
}

#pragma GCC pop_options
#endif

void tensor_dot_f16(int isa, const uint16_t *rows, size_t n, size_t dim, const float *q, float *out) {
#ifdef F16_X86
	switch (isa) {
	case TENSOR_ISA_AVX512: dot_f16_avx512(rows, n, dim, q, out); return;
	case TENSOR_ISA_AVX2: dot_f16_avx2(rows, n, dim, q, out); return;
	}
#endif
	(void)isa;
	dot_f16_base(rows, n, dim, q, out);
}

// tensor_f16_isa is the widest level the CPU runs DotF16 at. AVX-512F has
// its own half conversion (VCVTPH2PS on zmm); the 256-bit one is F16C's,
// which AVX2 does not imply, so cpuid is asked. __builtin_cpu_supports
// also checks that the OS saves the vector registers.
int tensor_f16_isa(void) {
#ifdef F16_X86
	unsigned a, b, c, d;
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f")) return TENSOR_ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
	    __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C))
		return TENSOR_ISA_AVX2;
#endif
	return TENSOR_ISA_BASE;
}
