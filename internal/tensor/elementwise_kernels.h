// The element-wise kernels for one instruction set. elementwise_cgo.c
// includes this file once per set, with the target set and with LANES
// (doubles per vector register: 8 for AVX-512, 4 for AVX2, 2 for SSE2 and
// NEON) and NAME(f) (f with the set's suffix) defined. Each vector type is
// one register wide: GCC lowers wider generic vectors piecewise, but their
// comparisons one lane at a time, through scalar code.
//
// Tails shorter than a vector go through a LANES-element buffer, so the
// arithmetic, and the result, of an element does not depend on where it
// sits.

#define VD NAME(vd)   // LANES doubles
#define VI NAME(vi)   // LANES int64: comparison masks
#define VU NAME(vu)   // LANES uint64: exponent bits
#define VF NAME(vf)   // LANES floats
#define VFR NAME(vfr) // 2·LANES floats, a register's worth
#define VIR NAME(vir) // 2·LANES int32: their masks

typedef double VD __attribute__((vector_size(LANES * 8)));
typedef int64_t VI __attribute__((vector_size(LANES * 8)));
typedef uint64_t VU __attribute__((vector_size(LANES * 8)));
typedef float VF __attribute__((vector_size(LANES * 4)));
typedef float VFR __attribute__((vector_size(LANES * 8)));
typedef int32_t VIR __attribute__((vector_size(LANES * 8)));

static inline VD NAME(load)(const float *p) {
	VF v;
	memcpy(&v, p, sizeof v);
	return __builtin_convertvector(v, VD);
}

static inline void NAME(store)(float *p, VD v) {
	VF f = __builtin_convertvector(v, VF);
	memcpy(p, &f, sizeof f);
}

// blend is m ? a : b lane by lane (m from a comparison: all ones or zero).
static inline VD NAME(blend)(VI m, VD a, VD b) {
	return (VD)((m & (VI)a) | (~m & (VI)b));
}

static inline double NAME(hsum)(VD v) {
	double s = 0;
	for (int i = 0; i < LANES; i++) s += v[i];
	return s;
}

// gelu_v is x·½·(1 + erf(x/√2)) with erf64, lane by lane.
static inline VD NAME(gelu_v)(VD a) {
	VD zero = {0};
	VD z = a * INV_SQRT2;
	VI hi = z > ERF_ZMAX, lo = z < -ERF_ZMAX;
	VD zc = NAME(blend)(hi, zero + ERF_ZMAX, NAME(blend)(lo, zero - ERF_ZMAX, z));
	VD s = zc * zc;
	VD p = ((((((ERF_P6 * s + ERF_P5) * s + ERF_P4) * s + ERF_P3) * s + ERF_P2) * s + ERF_P1) * s + ERF_P0);
	VD q = (((((ERF_Q5 * s + ERF_Q4) * s + ERF_Q3) * s + ERF_Q2) * s + ERF_Q1) * s + 1);
	// Exactly ±1 outside, as erf64: GELU of a large negative x is 0.
	VD e = NAME(blend)(hi, zero + 1, NAME(blend)(lo, zero - 1, zc * p / q));
	return 0.5 * a * (1 + e);
}

static void NAME(gelu)(float *x, size_t n) {
	size_t i = 0;
	for (; i + LANES <= n; i += LANES) NAME(store)(x + i, NAME(gelu_v)(NAME(load)(x + i)));
	if (i < n) {
		float t[LANES] = {0};
		memcpy(t, x + i, (n - i) * sizeof *x);
		NAME(store)(t, NAME(gelu_v)(NAME(load)(t)));
		memcpy(x + i, t, (n - i) * sizeof *x);
	}
}

// exp_v is exp64 for d in [EXP_LO, 0]: e^r·2ᵏ with d = k·ln2 + r.
static inline VD NAME(exp_v)(VD d) {
	VD t = d * LOG2E + ROUND_MAGIC; // k in the low bits
	VD k = t - ROUND_MAGIC;
	VD r = d - k * LN2;
	VD p = ((((((EXP_C6 * r + EXP_C5) * r + EXP_C4) * r + EXP_C3) * r + EXP_C2) * r + EXP_C1) * r + EXP_C0);
	return p * (VD)(((VU)t + 1023) << 52);
}

// softmax_exp replaces LANES elements by exp(x - m), clamped as exp64, and
// returns the exponentials.
static inline VD NAME(softmax_exp)(float *p, double m) {
	VD zero = {0};
	VD d = NAME(load)(p) - m;
	d = NAME(blend)(d < EXP_LO, zero + EXP_LO, d); // -Inf too
	VD e = NAME(exp_v)(d);
	NAME(store)(p, e);
	return e;
}

// row_max returns the largest element of a non-empty x, ignoring NaNs
// (their exponentials make the row NaN anyway).
static inline float NAME(row_max)(const float *x, size_t n) {
	enum { W = 2 * LANES };
	size_t i = 0;
	float mx = x[0];
	if (n >= W) {
		VFR m;
		memcpy(&m, x, sizeof m);
		for (; i + W <= n; i += W) {
			VFR v;
			memcpy(&v, x + i, sizeof v);
			VIR gt = v > m;
			m = (VFR)((gt & (VIR)v) | (~gt & (VIR)m));
		}
		for (int j = 0; j < W; j++) mx = m[j] > mx ? m[j] : mx;
	}
	for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
	return mx;
}

// softmax_row is Softmax. As in the Go code, a NaN, a +Inf (Inf - Inf) or
// a row of only -Inf (-Inf + Inf) makes an exponential NaN, hence the sum
// and the whole row: PyTorch's behaviour.
static inline void NAME(softmax_row)(float *x, size_t n) {
	float mx = NAME(row_max)(x, n);
	double m = mx;
	VD acc = {0};
	size_t i = 0;
	for (; i + LANES <= n; i += LANES) acc += NAME(softmax_exp)(x + i, m);
	double sum = NAME(hsum)(acc);
	size_t rest = n - i;
	if (rest > 0) {
		float t[LANES];
		for (int j = 0; j < LANES; j++) t[j] = mx;
		memcpy(t, x + i, rest * sizeof *x);
		VD e = NAME(softmax_exp)(t, m);
		memcpy(x + i, t, rest * sizeof *x);
		for (size_t j = 0; j < rest; j++) sum += e[j];
	}
	double inv = 1 / sum;
	for (i = 0; i + LANES <= n; i += LANES) NAME(store)(x + i, NAME(load)(x + i) * inv);
	if (rest > 0) {
		float t[LANES] = {0};
		memcpy(t, x + i, rest * sizeof *x);
		NAME(store)(t, NAME(load)(t) * inv);
		memcpy(x + i, t, rest * sizeof *x);
	}
}

static void NAME(softmax_rows)(float *x, size_t rows, size_t cols) {
	for (size_t r = 0; r < rows; r++) NAME(softmax_row)(x + r * cols, cols);
}

// layer_norm_row is LayerNorm of one row: two passes in double, as the Go
// code, so that a large mean does not cancel the spread.
static inline void NAME(layer_norm_row)(float *x, size_t n, const float *gamma, const float *beta, double eps) {
	size_t i, vec = n - n % LANES;
	VD acc = {0};
	for (i = 0; i < vec; i += LANES) acc += NAME(load)(x + i);
	double sum = NAME(hsum)(acc);
	for (; i < n; i++) sum += x[i];
	double mean = sum / (double)n;
	acc = (VD){0};
	for (i = 0; i < vec; i += LANES) {
		VD d = NAME(load)(x + i) - mean;
		acc += d * d;
	}
	double ss = NAME(hsum)(acc);
	for (; i < n; i++) ss += ((double)x[i] - mean) * ((double)x[i] - mean);
	double rstd = 1 / __builtin_sqrt(ss / (double)n + eps);
	for (i = 0; i < vec; i += LANES)
		NAME(store)(x + i, (NAME(load)(x + i) - mean) * rstd * NAME(load)(gamma + i) + NAME(load)(beta + i));
	if (i < n) {
		float t[LANES] = {0}, g[LANES] = {0}, b[LANES] = {0};
		size_t bytes = (n - i) * sizeof *x;
		memcpy(t, x + i, bytes);
		memcpy(g, gamma + i, bytes);
		memcpy(b, beta + i, bytes);
		NAME(store)(t, (NAME(load)(t) - mean) * rstd * NAME(load)(g) + NAME(load)(b));
		memcpy(x + i, t, bytes);
	}
}

static void NAME(layer_norm)(float *x, size_t rows, size_t cols, const float *gamma, const float *beta, double eps) {
	for (size_t r = 0; r < rows; r++) NAME(layer_norm_row)(x + r * cols, cols, gamma, beta, eps);
}

// The simple loops below are left to the auto-vectoriser; their results
// are bit for bit those of the Go code.

static void NAME(add)(float *dst, const float *src, size_t n) {
	for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

static void NAME(add_bias)(float *x, const float *bias, size_t rows, size_t cols) {
	for (size_t r = 0; r < rows; r++) NAME(add)(x + r * cols, bias, cols);
}

static void NAME(scale)(float *x, size_t n, float s) {
	for (size_t i = 0; i < n; i++) x[i] *= s;
}

static void NAME(relu)(float *x, size_t n) {
	for (size_t i = 0; i < n; i++) x[i] = x[i] < 0 ? 0 : x[i];
}

#undef VD
#undef VI
#undef VU
#undef VF
#undef VFR
#undef VIR
