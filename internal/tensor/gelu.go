package tensor

// erf(z) ≈ z·P(z²)/Q(z²) for |z| ≤ erfZMax, with P of degree 6 and Q of
// degree 5 (Q(0) = 1): a near-minimax rational fit (Lawson-reweighted
// linearised least squares, testdata/fiterf.py). Evaluated in float64, its
// largest absolute error is 2.4e-9 on [0, erfZMax]; beyond, erf64 returns ±1
// and the error is at most 1 - erf(4.35) = 7.7e-10. TestErf checks math.Erf on a dense
// grid.
const (
	erfZMax = 4.35

	erfP0 = 1.1283791744262264 // 2/√π
	erfP1 = 0.18488823155401765
	erfP2 = 0.054390303211342757
	erfP3 = 0.0038514602377147252
	erfP4 = 0.00038435345906062197
	erfP5 = 4.8198151529119656e-06
	erfP6 = -1.3880922287828233e-08

	erfQ1 = 0.49718642129850044
	erfQ2 = 0.11393011485129456
	erfQ3 = 0.015482771221880779
	erfQ4 = 0.0013142820532666935
	erfQ5 = 6.4385644468368253e-05

	invSqrt2 = 0.70710678118654752440
)

// erf64 is erf with absolute error below 2.5e-9 (see above), small enough
// to be inlined.
func erf64(z float64) float64 {
	// Exactly ±1 outside, so that GELU of a large negative x is 0, not
	// x times a residue. Typical activations make these branches predictable.
	if z > erfZMax {
		return 1
	}
	if z < -erfZMax {
		return -1
	}
	s := z * z
	p := erfP0 + s*(erfP1+s*(erfP2+s*(erfP3+s*(erfP4+s*(erfP5+s*erfP6)))))
	q := 1 + s*(erfQ1+s*(erfQ2+s*(erfQ3+s*(erfQ4+s*erfQ5))))
	return z * p / q
}

// GELU applies the exact (erf) GELU in place: x·½·(1 + erf(x/√2)), as
// PyTorch's nn.GELU() and BERT's "gelu" activation. The result is within
// about 1 ulp of float32, plus 1.3e-9·|x| absolute; GELU(-Inf) is NaN, as in
// PyTorch.
func GELU(x []float32) { gelu(x) }

// geluGo is GELU in Go.
func geluGo(x []float32) {
	i := geluVec(x)
	for ; i+4 <= len(x); i += 4 {
		v := (*[4]float32)(x[i:])
		a0, a1, a2, a3 := float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3])
		v[0] = float32(0.5 * a0 * (1 + erf64(a0*invSqrt2)))
		v[1] = float32(0.5 * a1 * (1 + erf64(a1*invSqrt2)))
		v[2] = float32(0.5 * a2 * (1 + erf64(a2*invSqrt2)))
		v[3] = float32(0.5 * a3 * (1 + erf64(a3*invSqrt2)))
	}
	for ; i < len(x); i++ {
		a := float64(x[i])
		x[i] = float32(0.5 * a * (1 + erf64(a*invSqrt2)))
	}
}
