// Package embedding turns texts into vectors with a BERT encoder: SPECTER2
// papers (title [SEP] abstract, proximity adapter) and queries (adhoc_query
// adapter), or any BERT checkpoint with CLS or mean pooling. It tokenises,
// batches by length so no work is spent on padding, runs the encoder and
// pools; one loaded model serves every caller.
package embedding

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/openreview-finder/openreview-finder/internal/bert"
	"github.com/openreview-finder/openreview-finder/internal/tokenizer"
)

// Pooling is how token vectors become one text vector.
type Pooling string

// The poolings: SPECTER2 uses the [CLS] vector; sentence-transformers
// models such as all-MiniLM-L6-v2 average the tokens.
const (
	PoolCLS  Pooling = "cls"
	PoolMean Pooling = "mean"
)

// ParsePooling reads a pooling name.
func ParsePooling(s string) (Pooling, error) {
	switch Pooling(s) {
	case PoolCLS, PoolMean:
		return Pooling(s), nil
	}
	return "", fmt.Errorf("pooling must be cls or mean, not %q", s)
}

// PaperText is SPECTER2's input for a paper: title, the [SEP] token,
// abstract, exactly as the model card's code builds it
// (title + tokenizer.sep_token + (abstract or "")). A paper without an
// abstract therefore ends in [SEP] [SEP], as it does in the Python tools.
func PaperText(title, abstract string) string {
	return title + "[SEP]" + abstract
}

// Options tune an Encoder.
type Options struct {
	Pooling   Pooling // default cls
	Normalize bool    // L2-normalise each vector (the reference returns raw vectors)
	// BatchTokens caps the tokens run through the encoder at once; it
	// bounds memory (about 12·hidden·4 bytes per token for BERT-base).
	BatchTokens int // default 4096
}

// Encoder embeds texts. It is safe for concurrent use.
type Encoder struct {
	tok     *tokenizer.Tokenizer
	model   *bert.Model
	adapter *bert.Adapter
	opts    Options
	pool    sync.Pool // *bert.Workspace
}

// New returns an Encoder over a loaded tokenizer, model and optional adapter.
func New(tok *tokenizer.Tokenizer, model *bert.Model, adapter *bert.Adapter, opts Options) *Encoder {
	if opts.Pooling == "" {
		opts.Pooling = PoolCLS
	}
	if opts.BatchTokens <= 0 {
		opts.BatchTokens = 4096
	}
	opts.BatchTokens = max(opts.BatchTokens, tok.MaxLength())
	return &Encoder{tok: tok, model: model, adapter: adapter, opts: opts}
}

// Dim is the length of the vectors.
func (e *Encoder) Dim() int { return e.model.Config().HiddenSize }

// Tokenizer returns the encoder's tokenizer.
func (e *Encoder) Tokenizer() *tokenizer.Tokenizer { return e.tok }

// Embed returns one vector per text, in input order.
func (e *Encoder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	ids := make([][]int, len(texts))
	for i, t := range texts {
		ids[i] = e.tok.Encode(t)
	}
	return e.EmbedIDs(ctx, ids)
}

// EmbedIDs embeds already tokenised texts (with [CLS] and [SEP]).
func (e *Encoder) EmbedIDs(ctx context.Context, ids [][]int) ([][]float32, error) {
	out := make([][]float32, len(ids))
	ws, _ := e.pool.Get().(*bert.Workspace)
	if ws == nil {
		ws = new(bert.Workspace)
	}
	defer e.pool.Put(ws)
	for _, batch := range e.batches(ids) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		seqs := make([][]int, len(batch))
		for j, i := range batch {
			seqs[j] = ids[i]
		}
		hidden, err := e.model.Forward(ws, seqs, e.adapter)
		if err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
		for j, i := range batch {
			out[i] = e.pool1(hidden[j])
		}
	}
	return out, nil
}

// batches groups text indexes, longest first, into batches under the token
// budget. Sorting by length keeps batches of similar sizes together.
func (e *Encoder) batches(ids [][]int) [][]int {
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(ids[b]) - len(ids[a]) })
	var out [][]int
	var cur []int
	tokens := 0
	for _, i := range order {
		if len(cur) > 0 && tokens+len(ids[i]) > e.opts.BatchTokens {
			out = append(out, cur)
			cur, tokens = nil, 0
		}
		cur = append(cur, i)
		tokens += len(ids[i])
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// pool1 pools one sequence's hidden states [n × dim] into a new vector.
func (e *Encoder) pool1(hidden []float32) []float32 {
	dim := e.Dim()
	v := make([]float32, dim)
	switch e.opts.Pooling {
	case PoolMean:
		n := len(hidden) / dim
		sum := make([]float64, dim)
		for r := range n {
			for j, x := range hidden[r*dim : (r+1)*dim] {
				sum[j] += float64(x)
			}
		}
		for j := range v {
			v[j] = float32(sum[j] / float64(n))
		}
	default:
		copy(v, hidden[:dim])
	}
	if e.opts.Normalize {
		normalize(v)
	}
	return v
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// ErrNoModel means no model files were found where they were looked for.
var ErrNoModel = errors.New("model not found")
