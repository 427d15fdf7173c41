//go:build !cgo

package tensor

// Without cgo the Go kernel is the only one.

var f16Kernels = []f16Kernel{{"go", dotF16Go}}

func dotF16(rows []uint16, dim int, q, out []float32) { dotF16Go(rows, dim, q, out) }
