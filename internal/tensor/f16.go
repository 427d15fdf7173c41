package tensor

import (
	"fmt"
	"math"
	"sync"
)

// Float16 (IEEE 754 binary16) is how the search index keeps its vectors:
// half the bytes of float32, so a scan over every vector reads half the
// memory. A half has 1 sign bit, 5 exponent bits (bias 15) and 10 mantissa
// bits: normals from 2⁻¹⁴ to 65504, subnormals down to 2⁻²⁴, three or four
// significant digits, ample for cosine similarities.

// f16Kernel is one implementation of DotF16: in a cgo build C at each
// instruction-set level the CPU runs, then Go (f16Kernels lists them, for
// tests and benchmarks). It takes checked arguments.
type f16Kernel struct {
	name string
	dot  func(rows []uint16, dim int, q, out []float32)
}

// DotF16 sets out[i] to the dot product of row i of the len(out)×dim
// row-major float16 matrix rows with q: Σⱼ F16ToF32(rows[i·dim+j])·q[j].
// Sums are float32, in an order that depends on the instruction set (see
// f16_test.go for the error bound). It runs on the calling goroutine; to
// use several cores, split the rows.
//
// It panics unless len(q) == dim and len(rows) == len(out)·dim.
func DotF16(rows []uint16, dim int, q, out []float32) {
	if dim < 0 || len(q) != dim || len(rows) != len(out)*dim {
		panic(fmt.Sprintf("tensor: DotF16: %d halves, dim %d, query %d, %d outputs", len(rows), dim, len(q), len(out)))
	}
	dotF16(rows, dim, q, out)
}

// dotF16Go is DotF16 in Go. Go does not vectorise, so it goes four elements
// at a time into four sums, which the CPU overlaps, and converts through a
// table: about twice as fast as F16ToF32's branches inlined (100k×768
// scan: 55 ms against 128).
func dotF16Go(rows []uint16, dim int, q, out []float32) {
	q = q[:dim]
	t := f16Table()
	for i := range out {
		h := rows[i*dim : (i+1)*dim]
		var s0, s1, s2, s3 float32
		j := 0
		for ; j+4 <= dim; j += 4 {
			v, w := (*[4]uint16)(h[j:]), (*[4]float32)(q[j:])
			s0 += t[v[0]] * w[0]
			s1 += t[v[1]] * w[1]
			s2 += t[v[2]] * w[2]
			s3 += t[v[3]] * w[3]
		}
		for ; j < dim; j++ {
			s0 += t[h[j]] * q[j]
		}
		out[i] = (s0 + s1) + (s2 + s3)
	}
}

// f16Table maps every half to its float32 value (256 KB), built on first
// use so that programs that never scan do not pay for it.
var f16Table = sync.OnceValue(func() *[1 << 16]float32 {
	t := new([1 << 16]float32)
	for i := range t {
		t[i] = F16ToF32(uint16(i))
	}
	return t
})

// F16ToF32 returns the float32 value of the half with bits h. Every half is
// a float32 exactly; NaNs keep their sign and payload.
func F16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	em := uint32(h & 0x7fff)
	switch {
	case em >= 0x7c00: // ±Inf, NaN: all-ones exponent, mantissa widened
		return math.Float32frombits(sign | 0x7f800000 | (em&0x3ff)<<13)
	case em >= 0x0400: // normal: move the exponent from bias 15 to 127
		return math.Float32frombits(sign | (em<<13 + (127-15)<<23))
	default: // zero or subnormal: em·2⁻²⁴, exact in float32
		return math.Float32frombits(sign | math.Float32bits(float32(em)*0x1p-24))
	}
}

// F32ToF16 returns the half nearest to f, ties to even (the IEEE default,
// as numpy's astype(float16) and PyTorch's .half()). Values from 65520 up
// round to Inf, those of magnitude at most 2⁻²⁵ to zero (keeping the sign);
// a NaN stays a NaN (quiet, with the sign and the top of the payload).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	b &= 0x7fffffff
	switch {
	case b > 0x7f800000: // NaN: set the quiet bit, so a payload lost below bit 13 cannot make it Inf
		return sign | 0x7e00 | uint16(b>>13)&0x1ff
	case b >= 0x477ff000: // ≥ 65520 (halfway between 65504 and 2¹⁶), Inf
		return sign | 0x7c00
	case b >= 0x38800000: // ≥ 2⁻¹⁴: normal half
		r := b - (127-15)<<23 // exponent rebiased; bits 13 up are the half
		// Round the 13 dropped bits to nearest, ties to even; a carry out
		// of the mantissa moves up the exponent, as it should.
		r += 0xfff + (r>>13)&1
		return sign | uint16(r>>13)
	case b > 0x33000000: // (2⁻²⁵, 2⁻¹⁴): subnormal half m·2⁻²⁴
		// f = mant·2^(e-150), so m = mant·2^(e-126) rounded: shift right
		// by 126 - e, from 14 (e = 112) to 24 (e = 102).
		mant := b&0x7fffff | 0x800000
		shift := 126 - b>>23
		m := mant >> shift
		rem, half := mant&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > half || rem == half && m&1 == 1 {
			m++ // may reach 0x400, the smallest normal: still right
		}
		return sign | uint16(m)
	default: // ≤ 2⁻²⁵ rounds to zero (2⁻²⁵ itself is a tie, to the even 0)
		return sign
	}
}

// EncodeF16 sets dst[i] = F32ToF16(src[i]). It panics unless the lengths
// are equal.
func EncodeF16(dst []uint16, src []float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("tensor: EncodeF16: lengths %d and %d", len(dst), len(src)))
	}
	for i, v := range src {
		dst[i] = F32ToF16(v)
	}
}

// DecodeF16 sets dst[i] = F16ToF32(src[i]). It panics unless the lengths
// are equal.
func DecodeF16(dst []float32, src []uint16) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("tensor: DecodeF16: lengths %d and %d", len(dst), len(src)))
	}
	for i, h := range src {
		dst[i] = F16ToF32(h)
	}
}
