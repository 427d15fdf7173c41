package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// f16Value is the value of the half h, from its fields in float64: an
// independent reading of the format for the tests. NaN for every NaN.
func f16Value(h uint16) float64 {
	sign, exp, mant := 1.0, int(h>>10)&0x1f, float64(h&0x3ff)
	if h&0x8000 != 0 {
		sign = -1
	}
	switch exp {
	case 0x1f:
		if mant != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	case 0:
		return sign * math.Ldexp(mant, -24)
	default:
		return sign * math.Ldexp(1+mant/1024, exp-15)
	}
}

// f16Ref is F32ToF16 for non-NaN f, computed in float64: scale |f| to units
// of the half quantum at its magnitude, round to even there, and assemble
// the fields.
func f16Ref(f float32) uint16 {
	a := math.Abs(float64(f))
	var sign uint16
	if math.Signbit(float64(f)) {
		sign = 0x8000
	}
	if a >= 65520 {
		return sign | 0x7c00
	}
	if a < 0x1p-14 {
		// Subnormal quantum 2⁻²⁴; rounding up to 1024·2⁻²⁴ gives 0x400,
		// the smallest normal, as it should.
		return sign | uint16(math.RoundToEven(a*0x1p24))
	}
	_, e := math.Frexp(a)                      // a = frac·2^e, frac in [0.5, 1)
	m := math.RoundToEven(math.Ldexp(a, 11-e)) // 11 significant bits
	if m == 2048 {
		m, e = 1024, e+1
	}
	return sign | uint16(e-1+15)<<10 | uint16(m-1024)
}

func isF16NaN(h uint16) bool { return h&0x7c00 == 0x7c00 && h&0x3ff != 0 }

func TestF16ToF32AllHalves(t *testing.T) {
	bad := 0
	for i := range 1 << 16 {
		h := uint16(i)
		f := F16ToF32(h)
		want := f16Value(h)
		if isF16NaN(h) {
			// A NaN keeps its sign and payload; F32ToF16 returns it quiet.
			wantBits := uint32(h&0x8000)<<16 | 0x7f800000 | uint32(h&0x3ff)<<13
			if b := math.Float32bits(f); b != wantBits {
				t.Errorf("F16ToF32(%#04x) = %#08x, want %#08x", h, b, wantBits)
			}
			if back := F32ToF16(f); back != h|0x200 {
				t.Errorf("F32ToF16(F16ToF32(%#04x)) = %#04x, want %#04x", h, back, h|0x200)
			}
			continue
		}
		if float64(f) != want || math.Signbit(float64(f)) != math.Signbit(want) {
			if bad++; bad <= 5 {
				t.Errorf("F16ToF32(%#04x) = %v, want %v", h, f, want)
			}
		}
		if back := F32ToF16(f); back != h {
			if bad++; bad <= 5 {
				t.Errorf("F32ToF16(F16ToF32(%#04x)) = %#04x, want it back", h, back)
			}
		}
	}
}

// TestF32ToF16Ties checks every tie between neighbouring halves, and the
// floats just either side of it, where rounding mistakes show.
func TestF32ToF16Ties(t *testing.T) {
	bad := 0
	for h := uint16(0); h < 0x7c00; h++ {
		mid := float32((f16Value(h) + f16Value(h+1)) / 2) // 12 bits: exact
		for _, f := range []float32{mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9)} {
			for _, v := range []float32{f, -f} {
				if got, want := F32ToF16(v), f16Ref(v); got != want {
					if bad++; bad <= 5 {
						t.Errorf("F32ToF16(%v) = %#04x, want %#04x", v, got, want)
					}
				}
			}
		}
	}
}

func TestF32ToF16(t *testing.T) {
	tests := []struct {
		name string
		f    float32
		want uint16
	}{
		{"zero", 0, 0},
		{"negative zero", float32(math.Copysign(0, -1)), 0x8000},
		{"one", 1, 0x3c00},
		{"tie to even down", 1 + 0x1p-11, 0x3c00},
		{"tie to even up", 1 + 3*0x1p-11, 0x3c02},
		{"max half", 65504, 0x7bff},
		{"below 65520", 65519.996, 0x7bff},
		{"65520 to Inf", 65520, 0x7c00},
		{"-65520 to -Inf", -65520, 0xfc00},
		{"float32 max", math.MaxFloat32, 0x7c00},
		{"Inf", float32(math.Inf(1)), 0x7c00},
		{"-Inf", float32(math.Inf(-1)), 0xfc00},
		{"smallest normal", 0x1p-14, 0x0400},
		{"largest subnormal tie rounds up to normal", 0x1p-14 - 0x1p-25, 0x0400},
		{"largest subnormal", 1023 * 0x1p-24, 0x03ff},
		{"smallest subnormal", 0x1p-24, 0x0001},
		{"2^-25 tie to zero", 0x1p-25, 0x0000},
		{"-2^-25 tie to negative zero", -0x1p-25, 0x8000},
		{"above 2^-25", math.Nextafter32(0x1p-25, 1), 0x0001},
		{"below 2^-25", math.Nextafter32(0x1p-25, 0), 0x0000},
		{"3·2^-25 tie to even 2", 3 * 0x1p-25, 0x0002},
		{"float32 subnormal", math.SmallestNonzeroFloat32, 0x0000},
		{"0.1", 0.1, 0x2e66},
		{"-2", -2, 0xc000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := F32ToF16(tt.f); got != tt.want {
				t.Errorf("F32ToF16(%v) = %#04x, want %#04x", tt.f, got, tt.want)
			}
			if got := f16Ref(tt.f); got != tt.want {
				t.Errorf("f16Ref(%v) = %#04x, want %#04x (the reference is wrong)", tt.f, got, tt.want)
			}
		})
	}
}

func TestF32ToF16NaN(t *testing.T) {
	for _, bits := range []uint32{0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0x7fffffff, 0xff800001} {
		h := F32ToF16(math.Float32frombits(bits))
		if !isF16NaN(h) || h&0x8000 != uint16(bits>>16)&0x8000 {
			t.Errorf("F32ToF16(%#08x) = %#04x, want a NaN of the same sign", bits, h)
		}
	}
}

func TestF32ToF16Random(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 16))
	bad := 0
	check := func(f float32) {
		if got, want := F32ToF16(f), f16Ref(f); got != want && !(f != f && isF16NaN(got)) {
			if bad++; bad <= 5 {
				t.Errorf("F32ToF16(%v) = %#04x, want %#04x", f, got, want)
			}
		}
	}
	for range 1 << 20 {
		check(math.Float32frombits(r.Uint32())) // every exponent alike
		check(float32(r.NormFloat64()))         // embedding-like values
		check(float32(math.Ldexp(r.Float64(), -r.IntN(30))))
	}
}

func FuzzF32ToF16(f *testing.F) {
	for _, v := range []float32{0, 1, 65504, 65520, 0x1p-24, 0x1p-25, 3 * 0x1p-25, 0x1p-14 - 0x1p-25} {
		f.Add(math.Float32bits(v))
	}
	f.Fuzz(func(t *testing.T, bits uint32) {
		v := math.Float32frombits(bits)
		got := F32ToF16(v)
		if v != v {
			if !isF16NaN(got) {
				t.Errorf("F32ToF16(NaN %#08x) = %#04x, not a NaN", bits, got)
			}
			return
		}
		if want := f16Ref(v); got != want {
			t.Errorf("F32ToF16(%v) = %#04x, want %#04x", v, got, want)
		}
	})
}

func TestEncodeDecodeF16(t *testing.T) {
	src := []float32{0, 1, -2.5, 65504, 1e9, 0x1p-24, 0.1}
	h := make([]uint16, len(src))
	EncodeF16(h, src)
	if diff := cmp.Diff([]uint16{0, 0x3c00, 0xc100, 0x7bff, 0x7c00, 0x0001, 0x2e66}, h); diff != "" {
		t.Errorf("EncodeF16 (-want +got):\n%s", diff)
	}
	got := make([]float32, len(h))
	DecodeF16(got, h)
	if diff := cmp.Diff([]float32{0, 1, -2.5, 65504, float32(math.Inf(1)), 0x1p-24, 0.099975586}, got); diff != "" {
		t.Errorf("DecodeF16 (-want +got):\n%s", diff)
	}
	for name, fn := range map[string]func(){
		"EncodeF16": func() { EncodeF16(make([]uint16, 2), make([]float32, 3)) },
		"DecodeF16": func() { DecodeF16(make([]float32, 3), make([]uint16, 2)) },
	} {
		if !panics(fn) {
			t.Errorf("%s with unequal lengths did not panic", name)
		}
	}
}

func panics(fn func()) (p bool) {
	defer func() { p = recover() != nil }()
	fn()
	return false
}

// testF16Kernels are the kernels of the build (C at each level this CPU
// runs, then Go) and DotF16, which picks one by size.
func testF16Kernels() []f16Kernel {
	return append(slices.Clone(f16Kernels), f16Kernel{"exported", DotF16})
}

var f16Dims = []int{1, 7, 15, 16, 17, 31, 33, 64, 100, 768, 769}

// randF16 returns n halves of values uniform in [-1, 1).
func randF16(r *rand.Rand, n int) []uint16 {
	h := make([]uint16, n)
	for i := range h {
		h[i] = F32ToF16(float32(2*r.Float64() - 1))
	}
	return h
}

// TestDotF16 compares each kernel with a float64 dot product of the same
// halves. Conversion is exact, so the error is the float32 summation's.
// Each product is rounded at most once (exact inside an FMA) and then
// passes through at most k = dim/4 + 8 float32 additions: a chain of about
// dim/(4·lanes) in one accumulator lane (dim/4 plus a tail of 3 for the Go
// kernel), the tail step, two to add the four accumulators and at
// most four to add the lanes. So (Higham, Accuracy and Stability of
// Numerical Algorithms, §3.1) |got - exact| ≤ γ_k·Σ|hⱼ·qⱼ| with
// γ_k = k·u/(1 - k·u), u = 2⁻²⁴. TestDotF16Exact catches what this loose
// bound could miss.
func TestDotF16(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, ks := range testF16Kernels() {
		t.Run(ks.name, func(t *testing.T) {
			for _, dim := range f16Dims {
				for _, n := range []int{1, 3, 10} {
					rows, q := randF16(r, n*dim), randSlice(r, dim)
					out := make([]float32, n)
					ks.dot(rows, dim, q, out)
					k := float64(dim/4 + 8)
					gamma := k * 0x1p-24 / (1 - k*0x1p-24)
					for i := range n {
						var want, abs float64
						for j := range dim {
							p := f16Value(rows[i*dim+j]) * float64(q[j])
							want += p
							abs += math.Abs(p)
						}
						if d := math.Abs(float64(out[i]) - want); !(d <= gamma*abs) {
							t.Errorf("dim %d, %d rows: out[%d] = %v, want %v ± %.3g", dim, n, i, out[i], want, gamma*abs)
						}
					}
				}
			}
		})
	}
}

// TestDotF16Exact uses small integers, whose products and sums are exact in
// float32 in any order: a lost, repeated or misplaced element shows.
func TestDotF16Exact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, ks := range testF16Kernels() {
		t.Run(ks.name, func(t *testing.T) {
			for _, dim := range append(f16Dims, 0) {
				n := 5
				rows, q := make([]uint16, n*dim), make([]float32, dim)
				want := make([]float32, n)
				for j := range q {
					q[j] = float32(r.IntN(9) - 4)
				}
				for i := range n {
					for j := range dim {
						v := r.IntN(17) - 8
						rows[i*dim+j] = F32ToF16(float32(v))
						want[i] += float32(v) * q[j]
					}
				}
				got := make([]float32, n)
				for i := range got {
					got[i] = nan32 // every output must be written
				}
				ks.dot(rows, dim, q, got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("dim %d (-want +got):\n%s", dim, diff)
				}
			}
		})
	}
}

// TestDotF16Specials puts Inf and NaN in every row but the first: they
// must reach their own rows only (a vector tail reads on into the next
// rows), and spread there as IEEE arithmetic says.
func TestDotF16Specials(t *testing.T) {
	const inf, nan = 0x7c00, 0x7e00
	for _, ks := range testF16Kernels() {
		t.Run(ks.name, func(t *testing.T) {
			for _, dim := range f16Dims {
				n := 4
				rows, q := make([]uint16, n*dim), make([]float32, dim)
				for j := range dim {
					q[j] = 1
					rows[j] = 0x3c00 // 1
					rows[dim+j], rows[2*dim+j], rows[3*dim+j] = nan, inf, inf|0x8000
				}
				rows[3*dim] = inf // +Inf - Inf
				if dim == 1 {
					rows[3*dim] = inf | 0x8000
				}
				out := make([]float32, n)
				ks.dot(rows, dim, q, out)
				want := []float32{float32(dim), nan32, inf32, nan32}
				if dim == 1 {
					want[3] = -inf32
				}
				if diff := cmp.Diff(want, out, cmp.Comparer(sameFloat)); diff != "" {
					t.Errorf("dim %d (-want +got):\n%s", dim, diff)
				}
			}
		})
	}
}

func TestDotF16Shapes(t *testing.T) {
	tests := []struct {
		rows, dim, q, out int
	}{
		{rows: 10, dim: 5, q: 5, out: 3},
		{rows: 10, dim: 5, q: 4, out: 2},
		{rows: 0, dim: -1, q: 0, out: 0},
		{rows: 1, dim: 0, q: 0, out: 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d/%d/%d", tt.rows, tt.dim, tt.q, tt.out), func(t *testing.T) {
			fn := func() {
				DotF16(make([]uint16, tt.rows), tt.dim, make([]float32, tt.q), make([]float32, tt.out))
			}
			if !panics(fn) {
				t.Errorf("DotF16(%d halves, dim %d, query %d, %d outputs) did not panic", tt.rows, tt.dim, tt.q, tt.out)
			}
		})
	}
	out := []float32{nan32, nan32}
	DotF16(nil, 0, nil, out)
	if diff := cmp.Diff([]float32{0, 0}, out); diff != "" {
		t.Errorf("DotF16 with dim 0 (-want +got):\n%s", diff)
	}
	DotF16(nil, 4, make([]float32, 4), nil) // no rows: no panic
}
