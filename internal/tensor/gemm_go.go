package tensor

import "sync"

// The pure-Go product: op(b) is packed into panels of goNR columns, stored
// depth-major, so the micro-kernel reads both operands sequentially and the
// panel (goKC·goNR·4 = 8 KiB) stays in L1 while rows of a stream past it.
//
// The micro-kernel computes one row of a against one panel: 8 accumulators.
// Go's compiler keeps scalars in X0–X14 and does not vectorise, and wider
// tiles (4×4, 3×4, 2×4) measured no faster than 1×8 under GOAMD64=v1: they
// spill accumulators. Expect 3–5 GFLOP/s per core; this path is the
// CGO_ENABLED=0 fallback, OpenBLAS is the fast one.
const (
	goNR = 8   // columns per packed panel
	goKC = 256 // depth of a packed block
	goNC = 512 // columns of a packed block: goKC·goNC·4 = 512 KiB, in L2
)

type packBuf struct{ b []float32 }

var packBufs = sync.Pool{New: func() any { return &packBuf{b: make([]float32, goKC*goNC)} }}

// goGemm is the gemmFunc of the pure-Go backend.
func goGemm(transB bool, alpha float32, a, b Mat, beta float32, c Mat) {
	buf := packBufs.Get().(*packBuf)
	defer packBufs.Put(buf)
	n, k := c.Cols, a.Cols
	for jc := 0; jc < n; jc += goNC {
		nb := min(goNC, n-jc)
		for pc := 0; pc < k; pc += goKC {
			kb := min(goKC, k-pc)
			packB(buf.b, b, transB, pc, jc, kb, nb)
			bt := beta
			if pc > 0 {
				bt = 1 // later depth blocks accumulate onto the first
			}
			goBlock(buf.b, a, c, pc, jc, kb, nb, alpha, bt)
		}
	}
}

// goBlock multiplies rows of a (columns pc..pc+kb) by the packed block and
// stores into c's columns jc..jc+nb.
func goBlock(packed []float32, a, c Mat, pc, jc, kb, nb int, alpha, beta float32) {
	for jp := 0; jp < nb; jp += goNR {
		panel := packed[jp*kb : (jp+goNR)*kb]
		cols := min(goNR, nb-jp)
		for i := range c.Rows {
			arow := a.Data[i*a.Stride+pc : i*a.Stride+pc+kb]
			var acc [goNR]float32
			dot8(arow, panel, &acc)
			crow := c.Data[i*c.Stride+jc+jp : i*c.Stride+jc+jp+cols]
			storeTile(crow, &acc, alpha, beta)
		}
	}
}

// storeTile writes c = alpha·acc + beta·c, not reading c when beta is 0.
func storeTile(c []float32, acc *[goNR]float32, alpha, beta float32) {
	switch beta {
	case 0:
		for j := range c {
			c[j] = alpha * acc[j]
		}
	case 1:
		for j := range c {
			c[j] += alpha * acc[j]
		}
	default:
		for j := range c {
			c[j] = alpha*acc[j] + beta*c[j]
		}
	}
}

// dot8 adds a·panel to acc, where panel holds len(a) groups of goNR values.
func dot8(a, panel []float32, acc *[goNR]float32) {
	panel = panel[:len(a)*goNR]
	var c0, c1, c2, c3, c4, c5, c6, c7 float32
	for i, x := range a {
		p := (*[goNR]float32)(panel[i*goNR:])
		c0 += x * p[0]
		c1 += x * p[1]
		c2 += x * p[2]
		c3 += x * p[3]
		c4 += x * p[4]
		c5 += x * p[5]
		c6 += x * p[6]
		c7 += x * p[7]
	}
	*acc = [goNR]float32{c0, c1, c2, c3, c4, c5, c6, c7}
}

// packB copies op(b)[pc:pc+kb, jc:jc+nb] into dst as panels of goNR
// columns, each depth-major (kb groups of goNR), zero-padding the last.
func packB(dst []float32, b Mat, transB bool, pc, jc, kb, nb int) {
	for jp := 0; jp < nb; jp += goNR {
		panel := dst[jp*kb : (jp+goNR)*kb]
		cols := min(goNR, nb-jp)
		if cols < goNR {
			clear(panel)
		}
		if transB {
			// op(b) column j is row j of b: contiguous along depth.
			for j := range cols {
				row := b.Data[(jc+jp+j)*b.Stride+pc:]
				row = row[:kb]
				for p, v := range row {
					panel[p*goNR+j] = v
				}
			}
			continue
		}
		for p := range kb {
			off := (pc+p)*b.Stride + jc + jp
			copy(panel[p*goNR:p*goNR+cols], b.Data[off:off+cols])
		}
	}
}
