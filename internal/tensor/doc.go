// Package tensor holds the float32 kernels the BERT encoder spends its time
// in: matrix products and the element-wise steps between them (softmax,
// GELU, LayerNorm, bias, residual adds); and the float16 dot product that
// semantic search scans its vectors with.
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
// Products of 2 to 48 rows against a transposed matrix (MatMulT and
// MatMulTBias over a short query's tokens, GemmT) skip OpenBLAS in the cgo
// build for a kernel of ours in C (fewrows_cgo.c): such a product is bound
// by streaming the weights, and the kernel reads each weight once, where
// it lies, prefetching ahead, while OpenBLAS packs them into panels first.
// It is written for AVX-512F and for AVX2+FMA, picked at start-up as the
// element-wise sets are (below); without AVX2, OpenBLAS computes these
// products. Here (2 cores sharing memory bandwidth with other machines,
// measured back to back) it made BenchmarkMatMulT's 16-row products
// 1.35-1.45× faster, and took a query through BERT-base (internal/bert's
// BenchmarkQuery16 measures one) from 45-47 ms to 31-34 at 16 tokens and
// from 43-46 ms to 15 at 6.
//
// OpenBLAS 0.3.21 picks its kernels from the CPU model and falls back to SSE3
// ones for models it does not know (this machine's Xeon, model 0xCF, gets
// "Prescott", 5× slower). Package init re-selects the best set the CPU
// supports (AVX-512: SkylakeX) unless OPENBLAS_CORETYPE is set, which is
// honoured as the user's choice. BLASCore names the set in use; log it.
//
// The element-wise steps (GELU, Softmax, LayerNorm, the additions, Scale,
// ReLU) evaluate float64 polynomial and rational approximations of exp and
// erf whose errors are far below float32 resolution (softmax.go, gelu.go).
// Built with cgo, they run in C (elementwise_cgo.c): the same arithmetic in
// GCC's generic vectors, compiled for AVX-512, AVX2+FMA and the base
// instruction set (SSE2; NEON on arm64; compilers other than GCC build the
// base set only), of which package init picks the widest the CPU runs.
// Nothing is compiled with -march, so the binary runs on any x86-64. Here
// (AVX-512) GELU and Softmax run 550-900 M elements/s on one core, 8-12×
// the Go loops, LayerNorm 3-4× and the additions 3-6× (BenchmarkGELU and
// the others list every set); inputs of a few elements stay in Go, where a
// cgo call (about 55 ns) would cost more. BackendInfo names the set in use.
// Built with CGO_ENABLED=0 the Go loops run; with GOEXPERIMENT=simd on an
// AVX-512 CPU, GELU and Softmax run eight lanes at a time there
// (simd_amd64.go), about 10× and 7× faster. The default build does not use
// the experiment.
//
// # Float16
//
// The search index keeps its vectors as IEEE float16 (F32ToF16 and
// F16ToF32, EncodeF16 and DecodeF16 for slices: round to nearest even,
// subnormals, Inf and NaN as the standard says), half the memory of
// float32. DotF16 scores a query against a matrix of them; built with cgo
// it runs in C (f16_cgo.c) with the CPU's half conversion, AVX-512F or
// AVX2+F16C+FMA, picked at start-up as the element-wise sets are (a base
// set in generic vectors elsewhere). It is bound by memory bandwidth:
// a scan of 100,000 rows of 768 (154 MB) takes about 13 ms on one core
// here and 8 on two, 1.6× faster than sgemv over float32 rows; the Go loop
// of a CGO_ENABLED=0 build takes 54 ms (BenchmarkDotF16).
//
// # Threads
//
// MatMulT, MatMulTBias and MatMul use Threads() threads (SetThreads,
// default GOMAXPROCS). A large product (from 2.7e8 multiply-adds: a dense
// layer over a few hundred tokens or more) is one OpenBLAS call on that many
// of OpenBLAS's own threads, 5-30% faster here than splitting it; smaller
// ones are split into column blocks (or row blocks when tall) over
// goroutines, each running single-threaded OpenBLAS, which is faster for
// them. SetBLASThreads(false) splits every product. One product at a time
// uses OpenBLAS's threads: a product started meanwhile on another goroutine
// is split instead, and OpenBLAS calls wait while one runs, so the cores are
// not oversubscribed. After a product OpenBLAS's threads spin for about
// 0.1 s; Parallel and split products stop them first, so that they do not
// take a core from the goroutines.
//
// Every other function runs on the calling goroutine; Parallel spreads a
// loop of them (attention heads, rows of an element-wise step) over the
// same workers. Calls may be nested and made from many goroutines at once:
// a call never waits for a busy worker, it does the work itself.
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
// OpenBLAS and the pure-Go products, and the few-row, element-wise and
// DotF16 kernels in C at every instruction set the CPU runs as well as the
// Go ones; run both builds:
//
//	go test ./internal/tensor/
//	CGO_ENABLED=0 go test ./internal/tensor/
//	GOEXPERIMENT=simd go test ./internal/tensor/   # the optional vector loops
package tensor
