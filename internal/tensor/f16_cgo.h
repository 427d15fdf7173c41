// The float16 dot kernel in C for the cgo build: f16_cgo.c defines it,
// f16_cgo.go calls it. Levels are elementwise_cgo.h's TENSOR_ISA_*, but
// tensor_f16_isa picks its own (the AVX2 level also needs F16C), so a
// level here may differ from tensor_isa()'s.

#ifndef TENSOR_F16_CGO_H
#define TENSOR_F16_CGO_H

#include <stddef.h>
#include <stdint.h>

#include "elementwise_cgo.h"

int tensor_f16_isa(void);

// out[i] = Σ_j half(rows[i·dim + j])·q[j] for i < n; dim > 0.
void tensor_dot_f16(int isa, const uint16_t *rows, size_t n, size_t dim, const float *q, float *out);

#endif
