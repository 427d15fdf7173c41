// The few-row product for one instruction set. fewrows_cgo.c includes this
// file once per set, under its target pragma, with these defined:
//
//	NAME(f)              f with the set's suffix
//	VEC, VLEN            the vector type and its floats
//	MR, NR               activation rows and weight rows per tile, at most 4
//	V_ZERO()             a zero vector
//	V_LOAD(p)            VLEN floats from p, unaligned
//	V_LOAD_PART(p, n)    n < VLEN floats from p, zeros after; reads nothing past p+n
//	V_FMA(a, b, acc)     a·b + acc, rounded once
//	V_SUMS(acc, s)       s[i] = the sum of acc[i]'s lanes, for i < MR·NR
//
// A tile is MR activation rows by NR weight rows: one accumulator for each
// pair, acc[r·NR + j] for row r and weight row j, summed horizontally at
// the end. The weights are taken a block of NR rows at a time, and a block
// in chunks of KC of depth: a chunk (NR·KC floats, 9-12 KiB) meets every
// tile of activation rows while it stays in L1, the activations' chunk
// coming from L2. Deeper products keep their accumulators between chunks
// in spill: without the chunks, 16×3072×768 ran 15% slower than 16×768×3072
// (its 48 KiB block fell out of L1); with them, 3-5%.

#define TILE_ARGS_DECL                                                                           \
	int mr, int nr, int first, int last, VEC *spill, uintptr_t pf, int pf0, int pf1, size_t p0, \
		size_t p1, float alpha, const float *a, size_t lda, const float *w, size_t ldw, float beta, \
		float *c, size_t ldc
#define TILE_ARGS first, last, spill, pf, pf0, pf1, p0, p1, alpha, a, lda, w, ldw, beta, c, ldc

// tile computes depth [p0, p1) of rows [0, mr) against weight rows
// [0, nr): from zero when first, else from spill; into c when last, else
// back into spill. It prefetches rows [pf0, pf1) of the block at pf, at
// the depth it reads itself. Inlined with constant mr and nr, so the
// accumulators live in registers and absent rows cost nothing.
ALWAYS_INLINE void NAME(tile)(TILE_ARGS_DECL) {
	VEC acc[MR * NR];
	for (int i = 0; i < MR * NR; i++)
		acc[i] = first || i >= mr * NR || i % NR >= nr ? V_ZERO() : spill[i];
	size_t p = p0;
	for (; p + VLEN <= p1; p += VLEN) {
		VEC wv[NR];
		for (int j = 0; j < nr; j++) {
			wv[j] = V_LOAD(w + j * ldw + p);
			if (j >= pf0 && j < pf1) prefetch_l2(pf + (j * ldw + p - p0) * sizeof(float));
		}
		for (int r = 0; r < mr; r++) {
			VEC av = V_LOAD(a + r * lda + p);
			for (int j = 0; j < nr; j++) acc[r * NR + j] = V_FMA(av, wv[j], acc[r * NR + j]);
		}
	}
	if (p < p1) { // the zeros past the tail add 0·0
		VEC wv[NR];
		for (int j = 0; j < nr; j++) wv[j] = V_LOAD_PART(w + j * ldw + p, p1 - p);
		for (int r = 0; r < mr; r++) {
			VEC av = V_LOAD_PART(a + r * lda + p, p1 - p);
			for (int j = 0; j < nr; j++) acc[r * NR + j] = V_FMA(av, wv[j], acc[r * NR + j]);
		}
	}
	if (!last) {
		for (int i = 0; i < mr * NR; i++) spill[i] = acc[i];
		return;
	}
	float s[MR * NR];
	V_SUMS(acc, s);
	store_tile(s, NR, mr, nr, alpha, beta, c, ldc);
}

// tile_any calls tile with constant shapes, one compiled body per shape,
// kept out of the driver's loops (a call is nothing next to a tile's work).
static __attribute__((noinline)) void NAME(tile_any)(TILE_ARGS_DECL) {
	switch (mr * 8 + nr) {
#define TILE_CASE(m, n) \
	case (m) * 8 + (n): NAME(tile)(m, n, TILE_ARGS); break;
#if NR > 3
#define TILE_ROW(m) TILE_CASE(m, 1) TILE_CASE(m, 2) TILE_CASE(m, 3) TILE_CASE(m, 4)
#else
#define TILE_ROW(m) TILE_CASE(m, 1) TILE_CASE(m, 2) TILE_CASE(m, 3)
#endif
		TILE_ROW(1)
		TILE_ROW(2)
#if MR > 2
		TILE_ROW(3)
#endif
#if MR > 3
		TILE_ROW(4)
#endif
#undef TILE_ROW
#undef TILE_CASE
	}
}

// gemm_few_rows takes up to FEW_MAX_ROWS rows at a time (its spill is
// sized for them) and streams the weights once per group of rows, block by
// block, chunk by chunk. While a chunk meets the tiles of rows (the passes
// over it), the chunk PF_AHEAD on is prefetched into L2, its rows shared
// out among the passes.
static void NAME(gemm_few_rows)(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
	const float *w, size_t ldw, float beta, float *c, size_t ldc) {
	VEC spill[(FEW_MAX_ROWS + MR - 1) / MR][MR * NR];
	size_t chunks = (k + KC - 1) / KC, units = (n + NR - 1) / NR * chunks;
	for (size_t i0 = 0; i0 < m; i0 += FEW_MAX_ROWS) {
		size_t rows = m - i0 < FEW_MAX_ROWS ? m - i0 : FEW_MAX_ROWS;
		size_t passes = (rows + MR - 1) / MR;
		for (size_t u = 0; u < units; u++) {
			size_t j = u / chunks * NR, ch = u % chunks;
			size_t p0 = ch * KC, p1 = p0 + KC < k ? p0 + KC : k;
			int nr = n - j < NR ? (int)(n - j) : NR;
			// The chunk to prefetch, and how many of its rows exist.
			size_t t = u + PF_AHEAD, tj = t / chunks * NR;
			uintptr_t pf = (uintptr_t)w + ((tj * ldw) + t % chunks * KC) * sizeof(float);
			int tnr = t >= units ? 0 : n - tj < NR ? (int)(n - tj) : NR;
			for (size_t q = 0; q < passes; q++) {
				size_t i = i0 + q * MR;
				int mr = rows - q * MR < MR ? (int)(rows - q * MR) : MR;
				int pf0 = (int)(q * tnr / passes), pf1 = (int)((q + 1) * tnr / passes);
				NAME(tile_any)(mr, nr, ch == 0, ch == chunks - 1, spill[q], pf, pf0, pf1, p0, p1, alpha,
					a + i * lda, lda, w + j * ldw, ldw, beta, c + i * ldc + j, ldc);
			}
		}
	}
}

#undef TILE_ARGS_DECL
#undef TILE_ARGS
