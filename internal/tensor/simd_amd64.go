//go:build goexperiment.simd && amd64

package tensor

import (
	"math"
	"simd/archsimd"
)

// AVX-512 versions of the transcendental loops, built only with
// GOEXPERIMENT=simd (Go's experimental simd/archsimd, outside the Go 1
// promise) and used only on CPUs with AVX-512. They evaluate the same
// float64 approximations as exp64 and erf64, eight lanes at a time, so the
// accuracy (and the tests) are those of the scalar code; results may differ
// from it in the last float32 bit, where FMA rounds once instead of twice.
// The default build does not compile this file.
//
// Each loop ends with ClearAVXUpperBits (VZEROUPPER): Go 1.26 does not emit
// it, and the scalar SSE code that follows would otherwise run with false
// dependencies on the dirty upper halves, several times slower.

var hasAVX512 = archsimd.X86.AVX512()

// geluVec applies GELU to the longest prefix of x that is a multiple of 8
// and returns its length.
func geluVec(x []float32) int {
	if !hasAVX512 {
		return 0
	}
	var (
		half   = archsimd.BroadcastFloat64x8(0.5)
		one    = archsimd.BroadcastFloat64x8(1)
		negOne = archsimd.BroadcastFloat64x8(-1)
		zmax   = archsimd.BroadcastFloat64x8(erfZMax)
		zmin   = archsimd.BroadcastFloat64x8(-erfZMax)
		isq2   = archsimd.BroadcastFloat64x8(invSqrt2)
	)
	n := len(x) &^ 7
	for i := 0; i < n; i += 8 {
		a := archsimd.LoadFloat32x8Slice(x[i : i+8]).ConvertToFloat64()
		z := a.Mul(isq2)
		zc := z.Max(zmin).Min(zmax)
		s := zc.Mul(zc)
		p := archsimd.BroadcastFloat64x8(erfP6)
		p = p.MulAdd(s, archsimd.BroadcastFloat64x8(erfP5))
		p = p.MulAdd(s, archsimd.BroadcastFloat64x8(erfP4))
		p = p.MulAdd(s, archsimd.BroadcastFloat64x8(erfP3))
		p = p.MulAdd(s, archsimd.BroadcastFloat64x8(erfP2))
		p = p.MulAdd(s, archsimd.BroadcastFloat64x8(erfP1))
		p = p.MulAdd(s, archsimd.BroadcastFloat64x8(erfP0))
		q := archsimd.BroadcastFloat64x8(erfQ5)
		q = q.MulAdd(s, archsimd.BroadcastFloat64x8(erfQ4))
		q = q.MulAdd(s, archsimd.BroadcastFloat64x8(erfQ3))
		q = q.MulAdd(s, archsimd.BroadcastFloat64x8(erfQ2))
		q = q.MulAdd(s, archsimd.BroadcastFloat64x8(erfQ1))
		q = q.MulAdd(s, one)
		// 1/q from the 14-bit VRCP14PD estimate and two Newton steps
		// (error 2⁻⁵⁶ before rounding): VDIVPD would be the bottleneck.
		e := zc.Mul(p).Div(q)
		e = one.Merge(e, z.Greater(zmax))
		e = negOne.Merge(e, z.Less(zmin))
		half.Mul(a).Mul(one.Add(e)).ConvertToFloat32().StoreSlice(x[i : i+8])
	}
	archsimd.ClearAVXUpperBits()
	return n
}

// softmaxExpVec replaces the longest prefix of row that is a multiple of 8
// by exp(x - mx), returning its length and the sum of the exponentials. It
// leaves rows whose maximum is not finite (NaN, ±Inf anywhere) to the
// scalar code, which makes them NaN as PyTorch does.
func softmaxExpVec(row []float32, mx float64) (int, float64) {
	if !hasAVX512 || math.IsInf(mx, 0) || math.IsNaN(mx) {
		return 0, 0
	}
	var (
		m     = archsimd.BroadcastFloat64x8(mx)
		lo    = archsimd.BroadcastFloat64x8(expLo)
		l2e   = archsimd.BroadcastFloat64x8(log2e)
		negL2 = archsimd.BroadcastFloat64x8(-ln2)
		sum   archsimd.Float64x8
	)
	n := len(row) &^ 7
	for i := 0; i < n; i += 8 {
		// x - mx ≤ 0, so only the lower clamp matters.
		d := archsimd.LoadFloat32x8Slice(row[i : i+8]).ConvertToFloat64().Sub(m).Max(lo)
		k := d.Mul(l2e).RoundToEvenScaled(0)
		r := k.MulAdd(negL2, d)
		p := archsimd.BroadcastFloat64x8(expC6)
		p = p.MulAdd(r, archsimd.BroadcastFloat64x8(expC5))
		p = p.MulAdd(r, archsimd.BroadcastFloat64x8(expC4))
		p = p.MulAdd(r, archsimd.BroadcastFloat64x8(expC3))
		p = p.MulAdd(r, archsimd.BroadcastFloat64x8(expC2))
		p = p.MulAdd(r, archsimd.BroadcastFloat64x8(expC1))
		p = p.MulAdd(r, archsimd.BroadcastFloat64x8(expC0))
		e := p.Scale(k)
		sum = sum.Add(e)
		e.ConvertToFloat32().StoreSlice(row[i : i+8])
	}
	var lanes [8]float64
	sum.Store(&lanes)
	archsimd.ClearAVXUpperBits()
	return n, lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7]
}

// scaleVec sets row[i] = float32(float64(row[i])·s) on the longest prefix
// that is a multiple of 8 and returns its length.
func scaleVec(row []float32, s float64) int {
	if !hasAVX512 {
		return 0
	}
	f := archsimd.BroadcastFloat64x8(s)
	n := len(row) &^ 7
	for i := 0; i < n; i += 8 {
		archsimd.LoadFloat32x8Slice(row[i : i+8]).ConvertToFloat64().Mul(f).ConvertToFloat32().StoreSlice(row[i : i+8])
	}
	archsimd.ClearAVXUpperBits()
	return n
}

// maxVec returns the largest element of the longest prefix of x that is a
// multiple of 16, and that prefix's length; ok is false when the prefix holds
// a NaN or an infinity (VMAXPS would drop NaNs), and the caller must then
// look again the scalar way.
func maxVec(x []float32) (m float32, n int, ok bool) {
	n = len(x) &^ 15
	if !hasAVX512 || n == 0 {
		return 0, 0, true
	}
	acc := archsimd.LoadFloat32x16Slice(x[:16])
	var finite archsimd.Float32x16 // stays 0 unless x - x meets NaN or ±Inf
	for i := 0; i < n; i += 16 {
		v := archsimd.LoadFloat32x16Slice(x[i : i+16])
		acc = acc.Max(v)
		finite = finite.Add(v.Sub(v))
	}
	var lanes, fin [16]float32
	acc.Store(&lanes)
	finite.Store(&fin)
	archsimd.ClearAVXUpperBits()
	m = lanes[0]
	for i := range lanes {
		m = max(m, lanes[i])
		if fin[i] != 0 {
			return 0, 0, false
		}
	}
	return m, n, true
}
