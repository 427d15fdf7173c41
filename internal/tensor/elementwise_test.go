package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ulp32 is the spacing of float32 values near x.
func ulp32(x float64) float64 {
	f := float32(math.Abs(x))
	return float64(math.Nextafter32(f, float32(math.Inf(1))) - f)
}

func TestExp64(t *testing.T) {
	worst := 0.0
	for x := -87.0; x <= 88.7; x += 1.0 / 4096 { // results in float32's normal range
		got, want := exp64(x), math.Exp(x)
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 3e-9 {
		t.Errorf("exp64 relative error %.3g, want ≤ 3e-9", worst)
	}
	t.Logf("exp64 max relative error on [-87, 88.7]: %.3g", worst)
	for _, tt := range []struct {
		x    float64
		want float32
	}{
		{0, 1}, {-200, 0}, {math.Inf(-1), 0}, {200, float32(math.Inf(1))}, {math.Inf(1), float32(math.Inf(1))},
		{-103.97, float32(math.Exp(-103.97))}, // float32 subnormal
	} {
		if got := float32(exp64(tt.x)); got != tt.want {
			t.Errorf("float32(exp64(%v)) = %v, want %v", tt.x, got, tt.want)
		}
	}
	if got := exp64(math.NaN()); !math.IsNaN(got) {
		t.Errorf("exp64(NaN) = %v, want NaN", got)
	}
}

func TestErf(t *testing.T) {
	worst, at := 0.0, 0.0
	for x := -8.0; x <= 8; x += 1.0 / 16384 {
		if d := math.Abs(erf64(x) - math.Erf(x)); d > worst {
			worst, at = d, x
		}
	}
	if worst > 2.5e-9 {
		t.Errorf("erf64 absolute error %.3g at %v, want ≤ 2.5e-9", worst, at)
	}
	t.Logf("erf64 max absolute error on [-8, 8]: %.3g at %v", worst, at)
	for _, x := range []float64{math.Inf(1), 1e30} {
		if got := erf64(x); math.Abs(got-1) > 1e-9 || erf64(-x) != -got {
			t.Errorf("erf64(±%v) = %v, %v; want ±1", x, got, erf64(-x))
		}
	}
}

func geluRef(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

func TestGELU(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var x []float32
	for v := -12.0; v <= 12; v += 1.0 / 512 {
		x = append(x, float32(v))
	}
	x = append(x, randSlice(r, 1001)...) // odd length: the unrolled loop's tail
	x = append(x, 0, float32(math.Inf(1)), float32(math.Inf(-1)), 1e20, -1e20, 1e-30, float32(math.NaN()))
	in := append([]float32(nil), x...)
	GELU(x)
	for i, v := range in {
		// Both give NaN for -Inf (-Inf·0), as PyTorch does.
		want, got := geluRef(float64(v)), float64(x[i])
		tol := ulp32(want) + 1.3e-9*math.Abs(float64(v))
		if got == want || math.IsNaN(got) && math.IsNaN(want) {
			continue
		}
		if !(math.Abs(got-want) <= tol) {
			t.Errorf("GELU(%v) = %v, want %v ± %.3g", v, got, want, tol)
		}
	}
}

func softmaxRef(x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	out := make([]float64, len(x))
	var s float64
	for i, v := range x {
		out[i] = math.Exp(float64(v) - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 2, 7, 13, 64, 65, 768} {
		for _, spread := range []float64{0.1, 5, 40} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.NormFloat64() * spread)
			}
			if n > 3 {
				x[1] = -10000 // additive attention mask
				x[2] = float32(math.Inf(-1))
			}
			want := softmaxRef(x)
			Softmax(x)
			var sum float64
			for i, w := range want {
				g := float64(x[i])
				sum += g
				// 1e-6 relative, and float32 underflow below 1e-38.
				if d := math.Abs(g - w); d > 1e-6*w+1e-38 {
					t.Errorf("n=%d spread=%v: softmax[%d] = %v, want %v (rel %.3g)", n, spread, i, g, w, d/w)
				}
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Errorf("n=%d spread=%v: sum %v, want 1", n, spread, sum)
			}
		}
	}
	nan := []float32{1, float32(math.NaN()), 2}
	Softmax(nan)
	for i, v := range nan {
		if !math.IsNaN(float64(v)) {
			t.Errorf("row with NaN: softmax[%d] = %v, want NaN", i, v)
		}
	}
	Softmax(nil) // no panic
}

func TestSoftmaxRows(t *testing.T) {
	x := []float32{0, 0, 1, 1, 5, 5}
	SoftmaxRows(x, 3, 2)
	if diff := cmp.Diff([]float32{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, x); diff != "" {
		t.Errorf("SoftmaxRows (-want +got):\n%s", diff)
	}
}

func TestLayerNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		rows, cols  int
		mean, scale float64
	}{{1, 1, 0, 1}, {7, 13, 0, 1}, {33, 64, 3, 0.5}, {4, 768, 100, 0.01}, {2, 5, 0, 0}} {
		n := tc.rows * tc.cols
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(tc.mean + tc.scale*r.NormFloat64())
		}
		gamma, beta := randSlice(r, tc.cols), randSlice(r, tc.cols)
		const eps = 1e-12
		want := make([]float64, n)
		for row := range tc.rows {
			xs := x[row*tc.cols : (row+1)*tc.cols]
			var m, v float64
			for _, e := range xs {
				m += float64(e)
			}
			m /= float64(tc.cols)
			for _, e := range xs {
				v += (float64(e) - m) * (float64(e) - m)
			}
			v /= float64(tc.cols) // biased, as PyTorch
			for i, e := range xs {
				want[row*tc.cols+i] = (float64(e)-m)/math.Sqrt(v+eps)*float64(gamma[i]) + float64(beta[i])
			}
		}
		LayerNorm(x, tc.rows, tc.cols, gamma, beta, eps)
		for i, w := range want {
			if d := math.Abs(float64(x[i]) - w); d > ulp32(w)+1e-9 {
				t.Errorf("%dx%d mean %v: y[%d] = %v, want %v", tc.rows, tc.cols, tc.mean, i, x[i], w)
			}
		}
	}
}

func TestElementwise(t *testing.T) {
	tests := []struct {
		name string
		fn   func(x []float32)
		in   []float32
		want []float32
	}{
		{"AddInPlace", func(x []float32) { AddInPlace(x, []float32{1, 2, 3, 4, 5, 6, 7}) },
			[]float32{1, 1, 1, 1, 1, 1, 1}, []float32{2, 3, 4, 5, 6, 7, 8}},
		{"AddBias", func(x []float32) { AddBias(x, []float32{10, 20, 30}, 2, 3) },
			[]float32{1, 2, 3, 4, 5, 6}, []float32{11, 22, 33, 14, 25, 36}},
		{"ReLU", ReLU, []float32{-1, 0, 2, -0.5, 3}, []float32{0, 0, 2, 0, 3}},
		{"Scale", func(x []float32) { Scale(x, -2) }, []float32{1, 2, 3, 4, 5}, []float32{-2, -4, -6, -8, -10}},
		{"empty", func(x []float32) { AddInPlace(x, nil); ReLU(x); Scale(x, 2); GELU(x) }, []float32{}, []float32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := append([]float32{}, tt.in...)
			tt.fn(x)
			if diff := cmp.Diff(tt.want, x); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
