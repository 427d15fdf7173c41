package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The element-wise tests run every kernel set of the build (elemKernels: C
// at each instruction-set level this CPU has, then Go) and the exported
// functions, which pick one by length.

var exportedKernels = kernels{
	name: "exported", gelu: GELU, softmaxRows: SoftmaxRows, layerNorm: LayerNorm,
	add: AddInPlace, addBias: AddBias, scale: Scale, relu: ReLU,
}

func testKernels() []kernels { return append(slices.Clone(elemKernels), exportedKernels) }

var (
	inf32 = float32(math.Inf(1))
	nan32 = float32(math.NaN())
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

// checkGELU checks got = GELU(in) element by element: within 1 ulp plus
// erf64's 1.3e-9·|x|, NaN where the reference is NaN.
func checkGELU(t *testing.T, in, got []float32) {
	t.Helper()
	bad := 0
	for i, v := range in {
		// Both give NaN for -Inf (-Inf·0), as PyTorch does.
		want, g := geluRef(float64(v)), float64(got[i])
		tol := ulp32(want) + 1.3e-9*math.Abs(float64(v))
		if g == want || math.IsNaN(g) && math.IsNaN(want) {
			continue
		}
		if !(math.Abs(g-want) <= tol) {
			if bad++; bad <= 5 {
				t.Errorf("GELU(%v) = %v, want %v ± %.3g", v, g, want, tol)
			}
		}
	}
}

func TestGELU(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var in []float32
	for v := -12.0; v <= 12; v += 1.0 / 512 {
		in = append(in, float32(v))
	}
	in = append(in, randSlice(r, 1001)...) // odd length: the unrolled loop's tail
	in = append(in, 0, inf32, -inf32, 1e20, -1e20, 1e-30, nan32, -1e-45, 5.5, -5.5)
	for _, ks := range testKernels() {
		t.Run(ks.name, func(t *testing.T) {
			x := slices.Clone(in)
			ks.gelu(x)
			checkGELU(t, in, x)
			// Every length up to two vectors, specials in the tails.
			short := []float32{-inf32, 0.5, nan32, -3, 3, inf32, -0.1, 7, 1e-30, -20, 2, -2, 0, 4.9, -4.9, 1, -1}
			for n := 1; n <= len(short); n++ {
				x := slices.Clone(short[:n])
				ks.gelu(x)
				checkGELU(t, short[:n], x)
			}
			ks.gelu(nil) // no panic
		})
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
	for _, ks := range testKernels() {
		t.Run(ks.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(9, 10))
			for _, n := range []int{1, 2, 7, 8, 9, 13, 16, 64, 65, 300, 768} {
				for _, spread := range []float64{0.1, 5, 40} {
					x := make([]float32, n)
					for i := range x {
						x[i] = float32(r.NormFloat64() * spread)
					}
					if n > 3 {
						x[1] = -10000 // additive attention mask
						x[2] = -inf32
						x[n-1] = -inf32 // in the tail
					}
					want := softmaxRef(x)
					ks.softmaxRows(x, 1, n)
					checkSoftmax(t, fmt.Sprintf("n=%d spread=%v", n, spread), x, want)
				}
			}
			ks.softmaxRows(nil, 0, 0) // no panic
		})
	}
}

func checkSoftmax(t *testing.T, name string, got []float32, want []float64) {
	t.Helper()
	var sum float64
	for i, w := range want {
		g := float64(got[i])
		sum += g
		// 1e-6 relative, and float32 underflow below 1e-38.
		if d := math.Abs(g - w); d > 1e-6*w+1e-38 {
			t.Errorf("%s: softmax[%d] = %v, want %v (rel %.3g)", name, i, g, w, d/w)
		}
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Errorf("%s: sum %v, want 1", name, sum)
	}
}

// TestSoftmaxSpecial checks rows with NaN and infinities (NaN anywhere, or
// +Inf, or only -Inf, make the whole row NaN, as in PyTorch) and rows of
// one element, each row on its own.
func TestSoftmaxSpecial(t *testing.T) {
	nanRow := func(n int) []float32 {
		r := make([]float32, n)
		for i := range r {
			r[i] = nan32
		}
		return r
	}
	withAt := func(n, i int, v float32) []float32 {
		r := make([]float32, n)
		for j := range r {
			r[j] = float32(j % 5)
		}
		r[i] = v
		return r
	}
	tests := []struct {
		name string
		in   []float32
		want []float32
	}{
		{"one", []float32{3}, []float32{1}},
		{"one -1e30", []float32{-1e30}, []float32{1}},
		{"one NaN", []float32{nan32}, nanRow(1)},
		{"one +Inf", []float32{inf32}, nanRow(1)},
		{"one -Inf", []float32{-inf32}, nanRow(1)},
		{"all -Inf", []float32{-inf32, -inf32, -inf32, -inf32, -inf32, -inf32, -inf32, -inf32, -inf32}, nanRow(9)},
		{"+Inf", []float32{1, inf32, 2}, nanRow(3)},
		{"+Inf in vector", withAt(20, 3, inf32), nanRow(20)},
		{"NaN in vector", withAt(20, 5, nan32), nanRow(20)},
		{"NaN in tail", withAt(20, 18, nan32), nanRow(20)},
		{"NaN first", withAt(20, 0, nan32), nanRow(20)},
		{"-Inf", []float32{0, -inf32, 0}, []float32{0.5, 0, 0.5}},
		{"huge spread", []float32{-3e38, 3e38}, []float32{0, 1}},
	}
	for _, ks := range testKernels() {
		for _, tt := range tests {
			t.Run(ks.name+"/"+tt.name, func(t *testing.T) {
				// The row between two rows of zeros, which must not change.
				n := len(tt.in)
				x := make([]float32, 3*n)
				copy(x[n:], tt.in)
				ks.softmaxRows(x, 3, n)
				uniform := make([]float32, n)
				for i := range uniform {
					uniform[i] = 1 / float32(n)
				}
				opt := cmp.Comparer(func(a, b float32) bool { return a == b || a != a && b != b })
				if diff := cmp.Diff(uniform, x[:n], opt); diff != "" {
					t.Errorf("row before (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.want, x[n:2*n], opt); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(uniform, x[2*n:], opt); diff != "" {
					t.Errorf("row after (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestSoftmaxRows(t *testing.T) {
	for _, ks := range testKernels() {
		t.Run(ks.name, func(t *testing.T) {
			x := []float32{0, 0, 1, 1, 5, 5}
			ks.softmaxRows(x, 3, 2)
			if diff := cmp.Diff([]float32{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, x); diff != "" {
				t.Errorf("SoftmaxRows (-want +got):\n%s", diff)
			}
			ones := []float32{-5, 0, 7, 1e30, -inf32}
			ks.softmaxRows(ones, 5, 1)
			if diff := cmp.Diff([]float32{1, 1, 1, 1}, ones[:4]); diff != "" {
				t.Errorf("rows of one (-want +got):\n%s", diff)
			}
			if !math.IsNaN(float64(ones[4])) {
				t.Errorf("row of one -Inf: %v, want NaN", ones[4])
			}
		})
	}
	Softmax(nil) // no panic
	one := []float32{42}
	Softmax(one)
	if one[0] != 1 {
		t.Errorf("Softmax([42]) = %v, want [1]", one)
	}
}

func TestLayerNorm(t *testing.T) {
	for _, ks := range testKernels() {
		t.Run(ks.name, func(t *testing.T) { testLayerNorm(t, ks) })
	}
}

func testLayerNorm(t *testing.T, ks kernels) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		rows, cols  int
		mean, scale float64
	}{{1, 1, 0, 1}, {3, 1, 5, 1}, {7, 13, 0, 1}, {5, 8, 1, 2}, {33, 64, 3, 0.5}, {4, 768, 100, 0.01}, {2, 5, 0, 0}} {
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
		ks.layerNorm(x, tc.rows, tc.cols, gamma, beta, eps)
		for i, w := range want {
			if d := math.Abs(float64(x[i]) - w); d > ulp32(w)+1e-9 {
				t.Errorf("%dx%d mean %v: y[%d] = %v, want %v", tc.rows, tc.cols, tc.mean, i, x[i], w)
			}
		}
	}
	// A NaN or an infinity spoils its own row only.
	for _, bad := range []float32{nan32, inf32} {
		const cols = 11
		x := make([]float32, 3*cols)
		for i := range x {
			x[i] = float32(i % 4)
		}
		x[cols+9] = bad
		gamma, beta := make([]float32, cols), make([]float32, cols)
		for i := range gamma {
			gamma[i] = 1
		}
		ks.layerNorm(x, 3, cols, gamma, beta, 1e-5)
		for i, v := range x {
			if isNaN := math.IsNaN(float64(v)); isNaN != (i/cols == 1) {
				t.Errorf("%v in row 1: y[%d] = %v", bad, i, v)
			}
		}
	}
	ks.layerNorm(nil, 0, 5, make([]float32, 5), make([]float32, 5), 1e-5) // no panic
}

func TestElementwise(t *testing.T) {
	tests := []struct {
		name string
		fn   func(ks kernels, x []float32)
		in   []float32
		want []float32
	}{
		{"AddInPlace", func(ks kernels, x []float32) { ks.add(x, []float32{1, 2, 3, 4, 5, 6, 7}) },
			[]float32{1, 1, 1, 1, 1, 1, 1}, []float32{2, 3, 4, 5, 6, 7, 8}},
		{"AddBias", func(ks kernels, x []float32) { ks.addBias(x, []float32{10, 20, 30}, 2, 3) },
			[]float32{1, 2, 3, 4, 5, 6}, []float32{11, 22, 33, 14, 25, 36}},
		{"ReLU", func(ks kernels, x []float32) { ks.relu(x) }, []float32{-1, 0, 2, -0.5, 3}, []float32{0, 0, 2, 0, 3}},
		{"Scale", func(ks kernels, x []float32) { ks.scale(x, -2) }, []float32{1, 2, 3, 4, 5}, []float32{-2, -4, -6, -8, -10}},
		{"empty", func(ks kernels, x []float32) {
			ks.add(x, nil)
			ks.relu(x)
			ks.scale(x, 2)
			ks.gelu(x)
			ks.addBias(x, nil, 0, 0)
		}, []float32{}, []float32{}},
	}
	for _, ks := range testKernels() {
		for _, tt := range tests {
			t.Run(ks.name+"/"+tt.name, func(t *testing.T) {
				x := append([]float32{}, tt.in...)
				tt.fn(ks, x)
				if diff := cmp.Diff(tt.want, x); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestElementwiseExact checks that the additions, Scale and ReLU give
// exactly the float32 result of each element's one operation, at lengths
// around every vector width and past the exported functions' switch to C,
// with NaN, infinities and signed zeros.
func TestElementwiseExact(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 1037} {
		x, y := randSlice(r, n), randSlice(r, n)
		for i, v := range []float32{nan32, inf32, -inf32, float32(math.Copysign(0, -1)), 0, 1e-45} {
			if i < n {
				x[(i*7)%n] = v
			}
		}
		const rows = 3
		xs, bias := randSlice(r, rows*n), randSlice(r, n)
		want := map[string][]float32{"add": slices.Clone(x), "scale": slices.Clone(x), "relu": slices.Clone(x), "addBias": slices.Clone(xs)}
		for i := range x {
			want["add"][i] = x[i] + y[i]
			want["scale"][i] = x[i] * -1.5
			if x[i] < 0 {
				want["relu"][i] = 0
			}
		}
		for i := range xs {
			want["addBias"][i] = xs[i] + bias[i%n]
		}
		for _, ks := range testKernels() {
			got := map[string][]float32{"add": slices.Clone(x), "scale": slices.Clone(x), "relu": slices.Clone(x), "addBias": slices.Clone(xs)}
			ks.add(got["add"], y)
			ks.scale(got["scale"], -1.5)
			ks.relu(got["relu"])
			ks.addBias(got["addBias"], bias, rows, n)
			for op, w := range want {
				if !slices.EqualFunc(w, got[op], sameFloat) {
					t.Errorf("%s/n=%d: %s differs:\n got %v\nwant %v", ks.name, n, op, got[op], w)
				}
			}
		}
	}
}

// sameFloat is bit equality, with any two NaNs equal.
func sameFloat(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
}
