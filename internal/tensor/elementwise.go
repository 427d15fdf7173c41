package tensor

import (
	"fmt"
	"math"
)

// kernels is one implementation of the element-wise steps: the Go one, and
// in a cgo build the C one at each instruction-set level the CPU runs
// (elemKernels lists them). The exported functions check their arguments
// and call the build's fastest (gelu, layerNorm, ... in elementwise_cgo.go
// and elementwise_nocgo.go); tests and benchmarks run every set.
type kernels struct {
	name        string
	gelu        func(x []float32)
	softmaxRows func(x []float32, rows, cols int)
	layerNorm   func(x []float32, rows, cols int, gamma, beta []float32, eps float32)
	add         func(dst, src []float32)
	addBias     func(x, bias []float32, rows, cols int)
	scale       func(x []float32, s float32)
	relu        func(x []float32)
}

var goKernels = kernels{
	name: "go", gelu: geluGo, softmaxRows: softmaxRowsGo, layerNorm: layerNormGo,
	add: addGo, addBias: addBiasGo, scale: scaleGo, relu: reluGo,
}

// The Go loops below go four elements at a time through *[4]float32 views:
// one bounds check per four elements, and four independent chains for the
// CPU to overlap (Go does not vectorise them).

// LayerNorm normalises each row of the rows×cols matrix x in place:
// (x - mean) / √(var + eps) · gamma + beta, with the biased variance, as
// PyTorch's nn.LayerNorm. Mean and variance are two-pass sums in float64,
// and each output is rounded to float32 once.
func LayerNorm(x []float32, rows, cols int, gamma, beta []float32, eps float32) {
	checkLen("LayerNorm", len(x), rows, cols)
	if len(gamma) < cols || len(beta) < cols {
		panic(fmt.Sprintf("tensor: LayerNorm: %d columns, gamma has %d, beta %d", cols, len(gamma), len(beta)))
	}
	layerNorm(x, rows, cols, gamma, beta, eps)
}

func layerNormGo(x []float32, rows, cols int, gamma, beta []float32, eps float32) {
	if cols == 0 {
		return
	}
	gamma, beta = gamma[:cols], beta[:cols]
	for r := range rows {
		row := x[r*cols : (r+1)*cols]
		mean := sum64(row) / float64(cols)
		variance := sumSqDev64(row, mean) / float64(cols)
		rstd := 1 / math.Sqrt(variance+float64(eps))
		// float64 here keeps rows with a large mean and a small spread
		// exact; it costs little next to the products around it.
		for i, v := range row {
			row[i] = float32((float64(v)-mean)*rstd*float64(gamma[i]) + float64(beta[i]))
		}
	}
}

func sum64(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := (*[4]float32)(x[i:])
		s0 += float64(v[0])
		s1 += float64(v[1])
		s2 += float64(v[2])
		s3 += float64(v[3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return s0 + s1 + s2 + s3
}

func sumSqDev64(x []float32, mean float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := (*[4]float32)(x[i:])
		d0, d1, d2, d3 := float64(v[0])-mean, float64(v[1])-mean, float64(v[2])-mean, float64(v[3])-mean
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - mean
		s0 += d * d
	}
	return s0 + s1 + s2 + s3
}

// AddInPlace adds src to dst element by element (a residual connection).
func AddInPlace(dst, src []float32) {
	if len(src) != len(dst) {
		panic(fmt.Sprintf("tensor: AddInPlace: lengths %d and %d", len(dst), len(src)))
	}
	addInPlace(dst, src)
}

func addGo(dst, src []float32) {
	src = src[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, s := (*[4]float32)(dst[i:]), (*[4]float32)(src[i:])
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// AddBias adds bias (length cols) to every row of the rows×cols matrix x.
func AddBias(x, bias []float32, rows, cols int) {
	checkLen("AddBias", len(x), rows, cols)
	if len(bias) < cols {
		panic(fmt.Sprintf("tensor: AddBias: %d columns, bias has %d", cols, len(bias)))
	}
	addBias(x, bias, rows, cols)
}

func addBiasGo(x, bias []float32, rows, cols int) {
	for r := range rows {
		addGo(x[r*cols:(r+1)*cols], bias[:cols])
	}
}

// ReLU replaces negative elements of x by 0 (NaN stays NaN).
func ReLU(x []float32) { relu(x) }

func reluGo(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// Scale multiplies every element of x by s.
func Scale(x []float32, s float32) { scale(x, s) }

func scaleGo(x []float32, s float32) {
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := (*[4]float32)(x[i:])
		v[0] *= s
		v[1] *= s
		v[2] *= s
		v[3] *= s
	}
	for ; i < len(x); i++ {
		x[i] *= s
	}
}
