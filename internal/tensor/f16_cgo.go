//go:build cgo

package tensor

/*
#cgo noescape tensor_dot_f16
#cgo nocallback tensor_dot_f16

#include "f16_cgo.h"
*/
import "C"

import "unsafe"

// f16ISA is the widest instruction set DotF16's C kernel runs on this CPU.
var f16ISA = int(C.tensor_f16_isa())

// f16Kernels lists the C kernels at every level this CPU runs, widest
// first, then the Go one.
var f16Kernels = func() []f16Kernel {
	var ks []f16Kernel
	for isa := f16ISA; isa >= 0; isa-- {
		ks = append(ks, f16Kernel{"c-" + isaNames[isa], func(rows []uint16, dim int, q, out []float32) {
			dotF16C(isa, rows, dim, q, out)
		}})
	}
	return append(ks, f16Kernel{"go", dotF16Go})
}()

// minCF16 is the smallest product (halves) worth a cgo call (about 55 ns):
// below it the Go kernel is faster, at 64 halves they are even, at 128 the
// C one is 1.5× faster (BenchmarkDotF16Small).
const minCF16 = 64

func dotF16(rows []uint16, dim int, q, out []float32) {
	if len(rows) < minCF16 {
		dotF16Go(rows, dim, q, out)
		return
	}
	dotF16C(f16ISA, rows, dim, q, out)
}

func dotF16C(isa int, rows []uint16, dim int, q, out []float32) {
	if len(out) == 0 {
		return
	}
	if dim == 0 {
		clear(out) // an empty sum; the C kernel needs a row to read
		return
	}
	C.tensor_dot_f16(C.int(isa), (*C.uint16_t)(unsafe.Pointer(unsafe.SliceData(rows))), C.size_t(len(out)),
		C.size_t(dim), ptr(q), ptr(out))
}
