//go:build !cgo

package tensor

// Without cgo the pure-Go kernels are the only ones.

var elemKernels = []kernels{goKernels}

func gelu(x []float32) { geluGo(x) }

func softmaxRows(x []float32, rows, cols int) { softmaxRowsGo(x, rows, cols) }

func layerNorm(x []float32, rows, cols int, gamma, beta []float32, eps float32) {
	layerNormGo(x, rows, cols, gamma, beta, eps)
}

func addInPlace(dst, src []float32) { addGo(dst, src) }

func addBias(x, bias []float32, rows, cols int) { addBiasGo(x, bias, rows, cols) }

func scale(x []float32, s float32) { scaleGo(x, s) }

func relu(x []float32) { reluGo(x) }
