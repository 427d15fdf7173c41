// The few-row product kernel in C for the cgo build: fewrows_cgo.c defines
// it, fewrows_cgo.go calls it. Levels are elementwise_cgo.h's TENSOR_ISA_*;
// there is no base level (tensor_few_rows_isa is then TENSOR_ISA_BASE and
// the caller keeps OpenBLAS).

#ifndef TENSOR_FEWROWS_CGO_H
#define TENSOR_FEWROWS_CGO_H

#include <stddef.h>

#include "elementwise_cgo.h"

int tensor_few_rows_isa(void);

// c[i·ldc + j] = alpha·Σ_p a[i·lda + p]·w[j·ldw + p] + beta·c[i·ldc + j]
// for i < m, j < n, p < k: c = alpha·a·wᵀ + beta·c, with a m×k and w n×k
// (a Linear layer's [out, in] weights). m, n, k > 0; with beta == 0, c is
// only written. isa is TENSOR_ISA_AVX512 or TENSOR_ISA_AVX2, at most
// tensor_few_rows_isa().
void tensor_gemm_few_rows(int isa, size_t m, size_t n, size_t k, float alpha,
	const float *a, size_t lda, const float *w, size_t ldw, float beta, float *c, size_t ldc);

#endif
