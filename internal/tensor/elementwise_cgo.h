// Element-wise kernels in C for the cgo build: elementwise_cgo.c defines
// them, elementwise_cgo.go calls them. Each takes the instruction-set level
// to run (TENSOR_ISA_*), at most tensor_isa(), so that tests can run every
// level this CPU has. Lengths are element counts; callers have checked them.

#ifndef TENSOR_ELEMENTWISE_CGO_H
#define TENSOR_ELEMENTWISE_CGO_H

#include <stddef.h>

enum {
	TENSOR_ISA_BASE = 0,   // what the compiler targets by default (x86-64: SSE2)
	TENSOR_ISA_AVX2 = 1,   // AVX2 + FMA, 256-bit vectors
	TENSOR_ISA_AVX512 = 2, // AVX-512 F/VL/BW/DQ + FMA, 512-bit vectors
};

int tensor_isa(void);

void tensor_gelu(int isa, float *x, size_t n);
void tensor_softmax_rows(int isa, float *x, size_t rows, size_t cols);
void tensor_layer_norm(int isa, float *x, size_t rows, size_t cols,
	const float *gamma, const float *beta, double eps);
void tensor_add(int isa, float *dst, const float *src, size_t n);
void tensor_add_bias(int isa, float *x, const float *bias, size_t rows, size_t cols);
void tensor_scale(int isa, float *x, size_t n, float s);
void tensor_relu(int isa, float *x, size_t n);

#endif
