package tensor

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Mat is a row-major view of a float32 matrix: element (i, j) is
// Data[i*Stride+j]. A view of some columns of a wider matrix, such as one
// attention head inside the packed [tokens, hidden] projection, has Stride
// larger than Cols; Sub makes one.
type Mat struct {
	Data       []float32
	Rows, Cols int
	Stride     int
}

// NewMat views data as a dense rows×cols matrix.
func NewMat(data []float32, rows, cols int) Mat {
	m := Mat{Data: data, Rows: rows, Cols: cols, Stride: max(cols, 1)}
	m.check("NewMat")
	return m
}

// Sub views the rows×cols block whose top-left element is (row, col).
func (m Mat) Sub(row, col, rows, cols int) Mat {
	if row < 0 || col < 0 || rows < 0 || cols < 0 || row+rows > m.Rows || col+cols > m.Cols {
		panic(fmt.Sprintf("tensor: Sub(%d, %d, %d, %d) of a %d×%d matrix", row, col, rows, cols, m.Rows, m.Cols))
	}
	if rows == 0 || cols == 0 {
		return Mat{Rows: rows, Cols: cols, Stride: m.Stride}
	}
	start := row*m.Stride + col
	end := (row+rows-1)*m.Stride + col + cols
	return Mat{Data: m.Data[start:end:end], Rows: rows, Cols: cols, Stride: m.Stride}
}

// Row returns row i as a slice of length Cols.
func (m Mat) Row(i int) []float32 { return m.Data[i*m.Stride : i*m.Stride+m.Cols] }

// check panics unless every element of m lies inside Data.
func (m Mat) check(op string) {
	if m.Rows < 0 || m.Cols < 0 || m.Stride < m.Cols || m.Stride < 1 {
		panic(fmt.Sprintf("tensor: %s: bad shape %d×%d stride %d", op, m.Rows, m.Cols, m.Stride))
	}
	if m.Rows > 0 && m.Cols > 0 && len(m.Data) < (m.Rows-1)*m.Stride+m.Cols {
		panic(fmt.Sprintf("tensor: %s: %d×%d matrix with stride %d needs %d elements, have %d",
			op, m.Rows, m.Cols, m.Stride, (m.Rows-1)*m.Stride+m.Cols, len(m.Data)))
	}
}

// gemmFunc computes c = alpha·a·op(b) + beta·c with op(b) = bᵀ when transB,
// on one goroutine. Shapes are checked and non-empty (c.Rows, c.Cols, a.Cols
// > 0); beta == 0 means c is written without being read.
type gemmFunc func(transB bool, alpha float32, a, b Mat, beta float32, c Mat)

// MatMulT computes dst = a·bᵀ, where a is m×k, b is n×k and dst is m×n, all
// dense row-major. This is a Linear layer with PyTorch's [out, in] weight
// layout. The work is spread over Threads() threads (see SetBLASThreads).
func MatMulT(dst, a, b []float32, m, k, n int) {
	gemmThreads(true, NewMat(a, m, k), NewMat(b, n, k), 0, NewMat(dst, m, n))
}

// MatMulTBias computes dst = a·wᵀ + bias (bias added to every row), where a
// is m×k, w is n×k, bias has length n and dst is m×n.
func MatMulTBias(dst, a, w, bias []float32, m, k, n int) {
	c := NewMat(dst, m, n)
	if len(bias) < n {
		panic(fmt.Sprintf("tensor: MatMulTBias: bias has %d elements, need %d", len(bias), n))
	}
	for i := range m {
		copy(c.Row(i), bias[:n])
	}
	gemmThreads(true, NewMat(a, m, k), NewMat(w, n, k), 1, c)
}

// MatMul computes dst = a·b, where a is m×k, b is k×n and dst is m×n, all
// dense row-major. The work is spread over Threads() threads (see
// SetBLASThreads).
func MatMul(dst, a, b []float32, m, k, n int) {
	gemmThreads(false, NewMat(a, m, k), NewMat(b, k, n), 0, NewMat(dst, m, n))
}

// GemmT computes c = alpha·a·bᵀ + beta·c on the calling goroutine, for
// strided views: a is M×K, b is N×K, c is M×N. With beta == 0, c is only
// written (NaNs in it do not leak through). For attention, a and b are one
// head's columns of Q and K, and alpha is 1/√d. c must not overlap a or b.
func GemmT(c Mat, alpha float32, a, b Mat, beta float32) {
	gemmChecked(defaultGemm, true, alpha, a, b, beta, c)
}

// Gemm computes c = alpha·a·b + beta·c on the calling goroutine, for strided
// views: a is M×K, b is K×N, c is M×N (attention: probabilities times one
// head's columns of V, into that head's columns of the context). c must not
// overlap a or b.
func Gemm(c Mat, alpha float32, a, b Mat, beta float32) {
	gemmChecked(defaultGemm, false, alpha, a, b, beta, c)
}

// checkGemm panics unless the operands fit together and their data.
func checkGemm(transB bool, a, b, c Mat) {
	a.check("gemm a")
	b.check("gemm b")
	c.check("gemm c")
	bk, bn := b.Rows, b.Cols
	if transB {
		bk, bn = b.Cols, b.Rows
	}
	if a.Rows != c.Rows || a.Cols != bk || bn != c.Cols {
		op := "a·b"
		if transB {
			op = "a·bᵀ"
		}
		panic(fmt.Sprintf("tensor: %s with a %d×%d, b %d×%d into c %d×%d",
			op, a.Rows, a.Cols, b.Rows, b.Cols, c.Rows, c.Cols))
	}
}

// gemmChecked runs one product on the calling goroutine, handling the empty
// cases that BLAS would reject.
func gemmChecked(impl gemmFunc, transB bool, alpha float32, a, b Mat, beta float32, c Mat) {
	checkGemm(transB, a, b, c)
	if c.Rows == 0 || c.Cols == 0 {
		return
	}
	if a.Cols == 0 || alpha == 0 {
		for i := range c.Rows {
			row := c.Row(i)
			if beta == 0 {
				clear(row)
			} else {
				Scale(row, beta)
			}
		}
		return
	}
	impl(transB, alpha, a, b, beta, c)
}

// splitAlways is !SetBLASThreads.
var splitAlways atomic.Bool

// SetBLASThreads chooses how MatMulT, MatMulTBias and MatMul spread a large
// product (from about 2.7e8 multiply-adds: a BERT-base dense layer over a
// few hundred tokens or more) over Threads() threads in the cgo build. On
// (the default), it is one OpenBLAS call on OpenBLAS's own threads, unless
// another OpenBLAS call is running at that moment; off, it is split over
// goroutines that each run single-threaded OpenBLAS on a block, as smaller
// products always are. The pure-Go build always splits.
func SetBLASThreads(on bool) { splitAlways.Store(!on) }

// gemmThreads computes c = a·op(b) + beta·c for the exported products, on
// OpenBLAS's threads or split over goroutines (see SetBLASThreads).
func gemmThreads(transB bool, a, b Mat, beta float32, c Mat) {
	checkGemm(transB, a, b, c)
	if t := Threads(); t > 1 && !splitAlways.Load() && blasThreadsPay(c.Rows, c.Cols, a.Cols) &&
		blasThreaded(t, transB, 1, a, b, beta, c) {
		return
	}
	gemmParallel(defaultGemm, transB, 1, a, b, beta, c)
}

// Below this many multiply-adds a product is not worth splitting: the
// hand-off costs a few microseconds.
const minParallelMACs = 1 << 18

// gemmParallel splits c into column blocks (or row blocks when it is tall)
// and runs them over Threads() goroutines. Splitting columns keeps each
// goroutine streaming only its share of the weights.
func gemmParallel(impl gemmFunc, transB bool, alpha float32, a, b Mat, beta float32, c Mat) {
	checkGemm(transB, a, b, c)
	t := Threads()
	if t <= 1 || c.Rows*c.Cols*a.Cols < minParallelMACs || c.Rows == 0 || c.Cols == 0 || a.Cols == 0 {
		gemmChecked(impl, transB, alpha, a, b, beta, c)
		return
	}
	g := gemmTasks.Get().(*gemmTask)
	*g = gemmTask{impl: impl, transB: transB, alpha: alpha, beta: beta, a: a, b: b, c: c, cols: c.Cols >= c.Rows}
	n := c.Rows
	if g.cols {
		n = c.Cols
	}
	// 2 blocks per thread balance a busy core; 32 keeps blocks
	// aligned to the kernels' register tiles.
	forChunks(g, n, 32, 2*t, t)
	*g = gemmTask{}
	gemmTasks.Put(g)
}

var gemmTasks = sync.Pool{New: func() any { return new(gemmTask) }}

type gemmTask struct {
	impl        gemmFunc
	transB      bool
	alpha, beta float32
	a, b, c     Mat
	cols        bool // split c's columns (else its rows)
}

func (g *gemmTask) run(lo, hi int) {
	a, b, c := g.a, g.b, g.c
	if g.cols {
		c = c.Sub(0, lo, c.Rows, hi-lo)
		if g.transB {
			b = b.Sub(lo, 0, hi-lo, b.Cols)
		} else {
			b = b.Sub(0, lo, b.Rows, hi-lo)
		}
	} else {
		a = a.Sub(lo, 0, hi-lo, a.Cols)
		c = c.Sub(lo, 0, hi-lo, c.Cols)
	}
	g.impl(g.transB, g.alpha, a, b, g.beta, c)
}

// backend is a product engine available in this build; tests and
// benchmarks run every one.
type backend struct {
	name string
	gemm gemmFunc
	// maxRows, when not 0, says the backend differs from the one before it
	// only in products of at most this many rows: benchmarks skip others.
	maxRows int
}
