package bert

import (
	"fmt"
	"math"

	"github.com/openreview-finder/openreview-finder/internal/tensor"
)

// Workspace holds the buffers of a forward pass, so a steady stream of
// batches allocates nothing. A Workspace is not safe for concurrent use.
type Workspace struct {
	x, x1, qkv, ctx, tmp, inter []float32
	hidden, down                []float32
	jobs                        []attnJob
	scores                      chan []float32 // attention score buffers, one per parallel chunk
	scoreSize                   int
	out                         [][]float32
}

func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// Forward runs the encoder over a batch of token id sequences (each with
// its [CLS] and [SEP]) and returns each sequence's last hidden states,
// [len(seq) × hidden] row-major. The sequences are not padded: the dense
// layers run over all their tokens at once and attention runs per sequence,
// so a batch of mixed lengths wastes no work. The returned slices point into
// ws and stay valid until its next use. a may be nil (the base model).
func (m *Model) Forward(ws *Workspace, seqs [][]int, a *Adapter) ([][]float32, error) {
	total := 0
	for i, s := range seqs {
		if len(s) == 0 || len(s) > m.cfg.MaxPositions {
			return nil, fmt.Errorf("%w: sequence %d has %d tokens; want 1 to %d", ErrModel, i, len(s), m.cfg.MaxPositions)
		}
		for _, id := range s {
			if id < 0 || id >= m.cfg.VocabSize {
				return nil, fmt.Errorf("%w: token id %d is outside the vocabulary (%d)", ErrModel, id, m.cfg.VocabSize)
			}
		}
		total += len(s)
	}
	if a != nil && len(a.byLayer) != len(m.layers) {
		return nil, fmt.Errorf("%w: adapter built for another model", ErrModel)
	}
	m.alloc(ws, total)
	m.embed(ws, seqs)
	for i := range m.layers {
		var b *bottleneck
		var scale float32
		if a != nil {
			b, scale = a.byLayer[i], a.scale
		}
		m.layer(ws, &m.layers[i], seqs, total, b, scale)
	}
	ws.out = ws.out[:0]
	h, off := m.cfg.HiddenSize, 0
	for _, s := range seqs {
		ws.out = append(ws.out, ws.x[off*h:(off+len(s))*h])
		off += len(s)
	}
	return ws.out, nil
}

func (m *Model) alloc(ws *Workspace, total int) {
	h, in := m.cfg.HiddenSize, m.cfg.IntermediateSize
	ws.x = grow(ws.x, total*h)
	ws.x1 = grow(ws.x1, total*h)
	ws.qkv = grow(ws.qkv, total*3*h)
	ws.ctx = grow(ws.ctx, total*h)
	ws.tmp = grow(ws.tmp, total*h)
	ws.hidden = grow(ws.hidden, total*h)
	ws.inter = grow(ws.inter, total*in)
}

// embed writes word + token type 0 + position embeddings, then LayerNorm.
func (m *Model) embed(ws *Workspace, seqs [][]int) {
	h := m.cfg.HiddenSize
	typ := m.typeEmb[:h]
	row := 0
	for _, s := range seqs {
		for p, id := range s {
			dst := ws.x[row*h : (row+1)*h]
			word := m.wordEmb[id*h : (id+1)*h]
			pos := m.posEmb[p*h : (p+1)*h]
			for j := range dst {
				// PyTorch's order: (word + type) + position.
				dst[j] = (word[j] + typ[j]) + pos[j]
			}
			row++
		}
	}
	rows := len(ws.x) / h
	tensor.LayerNorm(ws.x, rows, h, m.embNorm.g, m.embNorm.b, float32(m.cfg.LayerNormEps))
}

// layer runs one encoder layer in place on ws.x.
func (m *Model) layer(ws *Workspace, l *layer, seqs [][]int, total int, b *bottleneck, scale float32) {
	h, eps := m.cfg.HiddenSize, float32(m.cfg.LayerNormEps)
	dense(ws.qkv, ws.x, l.qkv, total)
	m.attention(ws, seqs)
	// Attention output: x1 = LN(ctx·Woᵀ + bo + x).
	dense(ws.x1, ws.ctx, l.attnOut, total)
	tensor.AddInPlace(ws.x1, ws.x)
	layerNorm(ws.x1, total, h, l.attnNorm, eps)
	// Feed-forward: hidden = GELU(x1·W1ᵀ + b1)·W2ᵀ + b2.
	dense(ws.inter, ws.x1, l.inter, total)
	rowsParallel(ws.inter, total, l.inter.out, tensor.GELU)
	dense(ws.hidden, ws.inter, l.out, total)
	if b == nil {
		// x = LN(hidden + x1)
		copy(ws.x, ws.hidden)
		tensor.AddInPlace(ws.x, ws.x1)
		layerNorm(ws.x, total, h, l.outNorm, eps)
		return
	}
	m.adapter(ws, l, b, total, scale)
}

// adapter is the seq_bn output adapter (specter2-model.md §3.3):
// y = LN(h + x1); u = up(relu(down(y))) * scale; x = LN((u + h) + x1),
// with the layer's own output LayerNorm used both times.
func (m *Model) adapter(ws *Workspace, l *layer, b *bottleneck, total int, scale float32) {
	h, eps := m.cfg.HiddenSize, float32(m.cfg.LayerNormEps)
	copy(ws.tmp, ws.hidden)
	tensor.AddInPlace(ws.tmp, ws.x1)
	layerNorm(ws.tmp, total, h, l.outNorm, eps)
	ws.down = grow(ws.down, total*b.down.out)
	dense(ws.down, ws.tmp, b.down, total)
	tensor.ReLU(ws.down)
	dense(ws.x, ws.down, b.up, total)
	if scale != 1 {
		tensor.Scale(ws.x, scale)
	}
	tensor.AddInPlace(ws.x, ws.hidden)
	tensor.AddInPlace(ws.x, ws.x1)
	layerNorm(ws.x, total, h, l.outNorm, eps)
}

// rowsParallel applies f to x, a rows×cols matrix, in row blocks spread
// over the threads: the element-wise kernels are single-threaded.
func rowsParallel(x []float32, rows, cols int, f func([]float32)) {
	tensor.Parallel(rows, func(lo, hi int) { f(x[lo*cols : hi*cols]) })
}

// layerNorm normalises each row of x in place, in parallel row blocks.
func layerNorm(x []float32, rows, cols int, n norm, eps float32) {
	tensor.Parallel(rows, func(lo, hi int) {
		tensor.LayerNorm(x[lo*cols:hi*cols], hi-lo, cols, n.g, n.b, eps)
	})
}

// dense computes dst[rows × out] = src[rows × in]·wᵀ + b.
func dense(dst, src []float32, l linear, rows int) {
	tensor.MatMulTBias(dst[:rows*l.out], src[:rows*l.in], l.w, l.b, rows, l.in, l.out)
}

// attention computes ws.ctx from ws.qkv: softmax(Q·Kᵀ/√d)·V for every
// sequence and head, the (sequence, head) pairs spread over the threads.
// Sequences are not padded, so no mask is needed: it equals the
// reference's additive float32-min mask, whose exp is exactly 0. Heads are
// strided views into the packed projections, so nothing is copied.
func (m *Model) attention(ws *Workspace, seqs [][]int) {
	h, nh := m.cfg.HiddenSize, m.cfg.NumHeads
	dh := h / nh
	scale := float32(1 / math.Sqrt(float64(dh)))
	ws.jobs = ws.jobs[:0]
	off, maxLen := 0, 0
	for _, s := range seqs {
		for hd := range nh {
			ws.jobs = append(ws.jobs, attnJob{off: off, n: len(s), head: hd})
		}
		off += len(s)
		maxLen = max(maxLen, len(s))
	}
	total := off
	qkv := tensor.NewMat(ws.qkv[:total*3*h], total, 3*h)
	ctx := tensor.NewMat(ws.ctx[:total*h], total, h)
	scratch := ws.scratch(maxLen * maxLen)
	tensor.Parallel(len(ws.jobs), func(lo, hi int) {
		buf := <-scratch
		defer func() { scratch <- buf }()
		for _, j := range ws.jobs[lo:hi] {
			q := qkv.Sub(j.off, j.head*dh, j.n, dh)
			k := qkv.Sub(j.off, h+j.head*dh, j.n, dh)
			v := qkv.Sub(j.off, 2*h+j.head*dh, j.n, dh)
			scores := tensor.NewMat(buf[:j.n*j.n], j.n, j.n)
			tensor.GemmT(scores, scale, q, k, 0)
			tensor.SoftmaxRows(scores.Data, j.n, j.n)
			tensor.Gemm(ctx.Sub(j.off, j.head*dh, j.n, dh), 1, scores, v, 0)
		}
	})
}

// attnJob is one sequence's one head.
type attnJob struct{ off, n, head int }

// scratch returns a pool of score buffers of at least size floats, one
// for each chunk tensor.Parallel may run at once.
func (ws *Workspace) scratch(size int) chan []float32 {
	chunks := 4 * tensor.Threads() // tensor.Parallel runs at most this many ranges
	if ws.scores == nil || cap(ws.scores) < chunks || ws.scoreSize < size {
		ws.scores = make(chan []float32, chunks)
		for range chunks {
			ws.scores <- make([]float32, size)
		}
		ws.scoreSize = size
	}
	return ws.scores
}
