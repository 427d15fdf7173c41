// Package tensor holds the float32 kernels the BERT encoder spends its time
// in: matrix products and the element-wise steps between them (softmax,
// GELU, LayerNorm, bias, residual adds).
//
// Matrices are row-major []float32. Linear-layer weights keep PyTorch's
// [out, in] layout, so a layer is MatMulT or MatMulTBias (dst = a·wᵀ + b).
// Attention works on strided views (Mat, Mat.Sub) of the projections, so
// heads are never copied: GemmT for Q·Kᵀ (alpha = 1/√d), SoftmaxRows, Gemm
// for P·V into the head's columns of the context.
//
// # Backends
//
// Built with cgo (the default where a C compiler is present), products go to
// OpenBLAS's cblas_sgemm (-lopenblas; Debian: apt-get install
// libopenblas-dev): about 100 GFLOP/s per core here. Built with
// CGO_ENABLED=0 they run a cache-blocked pure-Go kernel, correct but about
// 30× slower (Go does not vectorise). Backend and BackendInfo say which.
//
// OpenBLAS 0.3.21 picks its kernels from the CPU model and falls back to SSE3
// ones for models it does not know (this machine's Xeon, model 0xCF, gets
// "Prescott", 5× slower). Package init re-selects the best set the CPU
// supports (AVX-512: SkylakeX) unless OPENBLAS_CORETYPE is set, which is
// honoured as the user's choice. BLASCore names the set in use; log it.
//
// The element-wise kernels are plain Go; Softmax and GELU use float64
// polynomial and rational approximations of exp and erf whose errors are far
// below float32 resolution (softmax.go, gelu.go). Built with
// GOEXPERIMENT=simd on an AVX-512 CPU, the same approximations run eight
// lanes at a time (simd_amd64.go): GELU about 10× and Softmax about 7×
// faster. The default build does not use the experiment.
//
// # Threads
//
// OpenBLAS is pinned to one thread: its own pool spins on a core after each
// call, stealing it from the goroutines doing the element-wise work, and it
// gains nothing over splitting in Go. Instead MatMulT, MatMulTBias and
// MatMul split their output across Threads() goroutines (SetThreads, default
// GOMAXPROCS). Every other function runs on the calling goroutine; Parallel
// spreads a loop of them (attention heads, rows of an element-wise step)
// over the same workers. Calls may be nested and made from many goroutines
// at once: a call never waits for a busy worker, it does the work itself.
//
// # Errors
//
// Kernels panic when a slice is shorter than its dimensions require, as
// indexing would; shapes are the caller's invariants, not runtime input.
// Hot functions do not allocate.
//
// # Testing
//
// Tests compare every kernel with float64 references. A cgo build tests the
// OpenBLAS and the pure-Go products; run both builds:
//
//	go test ./internal/tensor/
//	CGO_ENABLED=0 go test ./internal/tensor/
//	GOEXPERIMENT=simd go test ./internal/tensor/   # the optional vector loops
package tensor
