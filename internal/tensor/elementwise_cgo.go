//go:build cgo

package tensor

/*
// -O3 for the auto-vectorised loops; -lm for sqrt.
#cgo CFLAGS: -O3
#cgo LDFLAGS: -lm
#cgo noescape tensor_gelu
#cgo nocallback tensor_gelu
#cgo noescape tensor_softmax_rows
#cgo nocallback tensor_softmax_rows
#cgo noescape tensor_layer_norm
#cgo nocallback tensor_layer_norm
#cgo noescape tensor_add
#cgo nocallback tensor_add
#cgo noescape tensor_add_bias
#cgo nocallback tensor_add_bias
#cgo noescape tensor_scale
#cgo nocallback tensor_scale
#cgo noescape tensor_relu
#cgo nocallback tensor_relu

#include "elementwise_cgo.h"
*/
import "C"

import "unsafe"

// cISA is the widest instruction set the C kernels run on this CPU.
var cISA = int(C.tensor_isa())

var isaNames = [...]string{C.TENSOR_ISA_BASE: "base", C.TENSOR_ISA_AVX2: "AVX2", C.TENSOR_ISA_AVX512: "AVX-512"}

// elemKernels lists the C kernels at every level this CPU runs, widest
// first, then the pure-Go ones.
var elemKernels = func() []kernels {
	var ks []kernels
	for isa := cISA; isa >= 0; isa-- {
		ks = append(ks, cKernels(isa))
	}
	return append(ks, goKernels)
}()

// A cgo call costs about 55 ns here (Go 1.26, noescape and nocallback).
// GELU and Softmax win it back within a few elements; the additions only
// from about 64 (BenchmarkAddInPlace). LayerNorm rows are long.
const (
	minCTranscendental = 8
	minCSimple         = 128
)

func gelu(x []float32) {
	if len(x) < minCTranscendental {
		geluGo(x)
		return
	}
	geluC(cISA, x)
}

func softmaxRows(x []float32, rows, cols int) {
	if rows*cols < minCTranscendental {
		softmaxRowsGo(x, rows, cols)
		return
	}
	softmaxRowsC(cISA, x, rows, cols)
}

func layerNorm(x []float32, rows, cols int, gamma, beta []float32, eps float32) {
	layerNormC(cISA, x, rows, cols, gamma, beta, eps)
}

func addInPlace(dst, src []float32) {
	if len(dst) < minCSimple {
		addGo(dst, src)
		return
	}
	addC(cISA, dst, src)
}

func addBias(x, bias []float32, rows, cols int) {
	if rows*cols < minCSimple {
		addBiasGo(x, bias, rows, cols)
		return
	}
	addBiasC(cISA, x, bias, rows, cols)
}

func scale(x []float32, s float32) {
	if len(x) < minCSimple {
		scaleGo(x, s)
		return
	}
	scaleC(cISA, x, s)
}

func relu(x []float32) {
	if len(x) < minCSimple {
		reluGo(x)
		return
	}
	reluC(cISA, x)
}

// cKernels is the set of C kernels at one instruction-set level.
func cKernels(isa int) kernels {
	return kernels{
		name:        "c-" + isaNames[isa],
		gelu:        func(x []float32) { geluC(isa, x) },
		softmaxRows: func(x []float32, rows, cols int) { softmaxRowsC(isa, x, rows, cols) },
		layerNorm: func(x []float32, rows, cols int, gamma, beta []float32, eps float32) {
			layerNormC(isa, x, rows, cols, gamma, beta, eps)
		},
		add:     func(dst, src []float32) { addC(isa, dst, src) },
		addBias: func(x, bias []float32, rows, cols int) { addBiasC(isa, x, bias, rows, cols) },
		scale:   func(x []float32, s float32) { scaleC(isa, x, s) },
		relu:    func(x []float32) { reluC(isa, x) },
	}
}

// The wrappers below take checked arguments, as the Go kernels do, and
// make no call for empty ones (&x[0] would not exist).

func ptr(x []float32) *C.float { return (*C.float)(unsafe.Pointer(unsafe.SliceData(x))) }

func geluC(isa int, x []float32) {
	if len(x) > 0 {
		C.tensor_gelu(C.int(isa), ptr(x), C.size_t(len(x)))
	}
}

func softmaxRowsC(isa int, x []float32, rows, cols int) {
	if rows > 0 && cols > 0 {
		C.tensor_softmax_rows(C.int(isa), ptr(x), C.size_t(rows), C.size_t(cols))
	}
}

func layerNormC(isa int, x []float32, rows, cols int, gamma, beta []float32, eps float32) {
	if rows > 0 && cols > 0 {
		C.tensor_layer_norm(C.int(isa), ptr(x), C.size_t(rows), C.size_t(cols), ptr(gamma), ptr(beta), C.double(eps))
	}
}

func addC(isa int, dst, src []float32) {
	if len(dst) > 0 {
		C.tensor_add(C.int(isa), ptr(dst), ptr(src), C.size_t(len(dst)))
	}
}

func addBiasC(isa int, x, bias []float32, rows, cols int) {
	if rows > 0 && cols > 0 {
		C.tensor_add_bias(C.int(isa), ptr(x), ptr(bias), C.size_t(rows), C.size_t(cols))
	}
}

func scaleC(isa int, x []float32, s float32) {
	if len(x) > 0 {
		C.tensor_scale(C.int(isa), ptr(x), C.size_t(len(x)), C.float(s))
	}
}

func reluC(isa int, x []float32) {
	if len(x) > 0 {
		C.tensor_relu(C.int(isa), ptr(x), C.size_t(len(x)))
	}
}
