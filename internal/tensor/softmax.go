package tensor

import (
	"fmt"
	"math"
)

// exp64 coefficients: e^r ≈ Σ expCi·rⁱ on |r| ≤ ln2/2, a near-minimax fit
// (Lawson-reweighted least squares, testdata/fitexp.py) with relative error
// 2.0e-9, 30× below float32's half-ulp. Range reduction x = k·ln2 + r is done
// in float64, where k·ln2 is exact enough for |k| ≤ 160.
const (
	expC0 = 1.0000000005744927
	expC1 = 1.000000038069125
	expC2 = 0.4999999203287343
	expC3 = 0.16666413438560523
	expC4 = 0.041668196102934187
	expC5 = 0.008375308526209508
	expC6 = 0.001384009572223204

	log2e = 1.4426950408889634
	ln2   = 0.6931471805599453
	// Adding 1.5·2⁵² rounds to an integer k and leaves it in the low bits
	// of the float64 (whose low 12 bits are otherwise 0), so
	// (bits + 1023) << 52 is the float64 2ᵏ.
	roundMagic = 0x1.8p52
	// Outside [expLo, expHi] the float32 result is 0 or +Inf anyway.
	expLo = -110
	expHi = 89
)

// exp64 returns eˣ with relative error below 3e-9 wherever the result is a
// normal float32, 0 below expLo, a value above MaxFloat32 above expHi, and
// NaN for NaN. It is small enough to be inlined into the loops below.
func exp64(x float64) float64 {
	x = min(max(x, expLo), expHi)
	t := x*log2e + roundMagic
	k := t - roundMagic
	r := x - k*ln2
	p := expC0 + r*(expC1+r*(expC2+r*(expC3+r*(expC4+r*(expC5+r*expC6)))))
	return p * math.Float64frombits((math.Float64bits(t)+1023)<<52)
}

// Softmax replaces row by its softmax: exp(x - max) / Σ exp(x - max). Sums
// are kept in float64, so the result is within ~2 ulp of the exact one.
// Like PyTorch, a row holding NaN or +Inf, or only -Inf, becomes NaN.
func Softmax(row []float32) { softmaxRows(row, 1, len(row)) }

// SoftmaxRows applies Softmax to each row of the rows×cols matrix x.
func SoftmaxRows(x []float32, rows, cols int) {
	checkLen("SoftmaxRows", len(x), rows, cols)
	softmaxRows(x, rows, cols)
}

// softmaxGo is Softmax in Go.
func softmaxGo(row []float32) {
	if len(row) == 0 {
		return
	}
	mx := float64(maxOf(row))
	i, s0 := softmaxExpVec(row, mx)
	var s1, s2, s3 float64
	for ; i+4 <= len(row); i += 4 {
		v := (*[4]float32)(row[i:])
		e0 := exp64(float64(v[0]) - mx)
		e1 := exp64(float64(v[1]) - mx)
		e2 := exp64(float64(v[2]) - mx)
		e3 := exp64(float64(v[3]) - mx)
		v[0], v[1], v[2], v[3] = float32(e0), float32(e1), float32(e2), float32(e3)
		s0 += e0
		s1 += e1
		s2 += e2
		s3 += e3
	}
	for ; i < len(row); i++ {
		e := exp64(float64(row[i]) - mx)
		row[i] = float32(e)
		s0 += e
	}
	inv := 1 / (s0 + s1 + s2 + s3)
	for i := scaleVec(row, inv); i < len(row); i++ {
		row[i] = float32(float64(row[i]) * inv)
	}
}

func softmaxRowsGo(x []float32, rows, cols int) {
	for r := range rows {
		softmaxGo(x[r*cols : (r+1)*cols])
	}
}

// maxOf returns the largest element of a non-empty x, NaN if x holds one.
func maxOf(x []float32) float32 {
	m, i, ok := maxVec(x)
	if !ok || i == 0 {
		m, i = x[0], 0
	}
	m0, m1, m2, m3 := m, m, m, m
	for ; i+4 <= len(x); i += 4 {
		v := (*[4]float32)(x[i:])
		m0 = max(m0, v[0])
		m1 = max(m1, v[1])
		m2 = max(m2, v[2])
		m3 = max(m3, v[3])
	}
	for ; i < len(x); i++ {
		m0 = max(m0, x[i])
	}
	return max(m0, m1, m2, m3)
}

// checkLen panics unless a rows×cols matrix fits in n elements.
func checkLen(op string, n, rows, cols int) {
	if rows < 0 || cols < 0 || n < rows*cols {
		panic(fmt.Sprintf("tensor: %s: %d×%d matrix needs %d elements, have %d", op, rows, cols, rows*cols, n))
	}
}
