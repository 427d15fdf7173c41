//go:build cgo

// The element-wise kernels of the cgo build. They evaluate the same float64
// approximations as the Go code (erf64 in gelu.go, exp64 in softmax.go; the
// coefficients are copied from there) in GCC's generic vectors, which
// elementwise_kernels.h writes once for any width. This file compiles it
// once per instruction set under a target pragma, never with -march for
// the whole file, and tensor_isa picks the widest set the CPU runs: the
// binary stays portable to any x86-64. Elsewhere (arm64), and with
// compilers other than GCC, only the base set exists.
//
// Results may differ from the Go code's in the last float32 bit: FMA rounds
// once where Go on amd64 rounds twice.

#include <stdint.h>
#include <string.h>

#include "elementwise_cgo.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TENSOR_X86 1
#endif

// erf64's rational approximation (gelu.go).
#define ERF_ZMAX 4.35
#define ERF_P0 1.1283791744262264
#define ERF_P1 0.18488823155401765
#define ERF_P2 0.054390303211342757
#define ERF_P3 0.0038514602377147252
#define ERF_P4 0.00038435345906062197
#define ERF_P5 4.8198151529119656e-06
#define ERF_P6 (-1.3880922287828233e-08)
#define ERF_Q1 0.49718642129850044
#define ERF_Q2 0.11393011485129456
#define ERF_Q3 0.015482771221880779
#define ERF_Q4 0.0013142820532666935
#define ERF_Q5 6.4385644468368253e-05
#define INV_SQRT2 0.70710678118654752440

// exp64's polynomial and range reduction (softmax.go).
#define EXP_C0 1.0000000005744927
#define EXP_C1 1.000000038069125
#define EXP_C2 0.4999999203287343
#define EXP_C3 0.16666413438560523
#define EXP_C4 0.041668196102934187
#define EXP_C5 0.008375308526209508
#define EXP_C6 0.001384009572223204
#define LOG2E 1.4426950408889634
#define LN2 0.6931471805599453
#define ROUND_MAGIC 6755399441055744.0 // 1.5·2⁵²
#define EXP_LO (-110.0)

#ifdef TENSOR_X86
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")
#define LANES 8
#define NAME(f) f##_avx512
#include "elementwise_kernels.h"
#undef LANES
#undef NAME
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define LANES 4
#define NAME(f) f##_avx2
#include "elementwise_kernels.h"
#undef LANES
#undef NAME
#pragma GCC pop_options
#endif

// The base set: SSE2 on x86-64, NEON on arm64, 16-byte vectors.
#define LANES 2
#define NAME(f) f##_base
#include "elementwise_kernels.h"
#undef LANES
#undef NAME

// The parameters of each kernel after isa, and their names.
#define PARAMS_gelu float *x, size_t n
#define ARGS_gelu x, n
#define PARAMS_softmax_rows float *x, size_t rows, size_t cols
#define ARGS_softmax_rows x, rows, cols
#define PARAMS_layer_norm float *x, size_t rows, size_t cols, const float *gamma, const float *beta, double eps
#define ARGS_layer_norm x, rows, cols, gamma, beta, eps
#define PARAMS_add float *dst, const float *src, size_t n
#define ARGS_add dst, src, n
#define PARAMS_add_bias float *x, const float *bias, size_t rows, size_t cols
#define ARGS_add_bias x, bias, rows, cols
#define PARAMS_scale float *x, size_t n, float s
#define ARGS_scale x, n, s
#define PARAMS_relu float *x, size_t n
#define ARGS_relu x, n

// KERNEL defines tensor_<name>(isa, ...), which runs <name> of that set.
#ifdef TENSOR_X86
#define KERNEL(name)                                               \
	void tensor_##name(int isa, PARAMS_##name) {                     \
		switch (isa) {                                           \
		case TENSOR_ISA_AVX512: name##_avx512(ARGS_##name); break; \
		case TENSOR_ISA_AVX2: name##_avx2(ARGS_##name); break;     \
		default: name##_base(ARGS_##name);                       \
		}                                                        \
	}
#else
#define KERNEL(name) \
	void tensor_##name(int isa, PARAMS_##name) { (void)isa; name##_base(ARGS_##name); }
#endif

KERNEL(gelu)
KERNEL(softmax_rows)
KERNEL(layer_norm)
KERNEL(add)
KERNEL(add_bias)
KERNEL(scale)
KERNEL(relu)

int tensor_isa(void) {
#ifdef TENSOR_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return TENSOR_ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return TENSOR_ISA_AVX2;
#endif
	return TENSOR_ISA_BASE;
}
