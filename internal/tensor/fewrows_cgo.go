//go:build cgo

package tensor

/*
#cgo noescape tensor_gemm_few_rows
#cgo nocallback tensor_gemm_few_rows

#include "fewrows_cgo.h"
*/
import "C"

// isaBase is the instruction-set level the few-row kernel lacks.
const isaBase = C.TENSOR_ISA_BASE

// fewRowsISA is the widest level the few-row kernel runs at on this CPU;
// isaBase means it does not, and OpenBLAS computes those products.
var fewRowsISA = int(C.tensor_few_rows_isa())

// gemmFewRowsC computes c = alpha·a·wᵀ + beta·c with the C kernel at level
// isa (above base). The operands are checked and non-empty.
func gemmFewRowsC(isa int, alpha float32, a, w Mat, beta float32, c Mat) {
	C.tensor_gemm_few_rows(C.int(isa), C.size_t(c.Rows), C.size_t(c.Cols), C.size_t(a.Cols), C.float(alpha),
		ptr(a.Data), C.size_t(a.Stride), ptr(w.Data), C.size_t(w.Stride), C.float(beta), ptr(c.Data), C.size_t(c.Stride))
}
