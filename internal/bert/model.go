package bert

import (
	"fmt"
	"slices"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/weights"
)

// linear is a PyTorch nn.Linear: w is [out, in] row-major, y = x·wᵀ + b.
type linear struct {
	w, b    []float32
	in, out int
}

// norm is a LayerNorm's scale and shift.
type norm struct{ g, b []float32 }

type layer struct {
	qkv      linear // query, key and value fused into one [3H, H] matrix: one matmul instead of three
	attnOut  linear
	attnNorm norm
	inter    linear
	out      linear
	outNorm  norm
}

// Model is a loaded BERT encoder. It is read-only after New and safe for
// concurrent use; each caller brings its own Workspace.
type Model struct {
	cfg     Config
	wordEmb []float32 // [vocab, H]
	posEmb  []float32 // [positions, H]
	typeEmb []float32 // row 0 only is used: token_type_ids are all zero
	embNorm norm
	layers  []layer
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// tensors looks weights up by their BertModel names, tolerating the
// prefixes and old names that real checkpoints carry.
type tensors struct {
	ts     map[string]*weights.Tensor
	prefix string
}

// prefixes are tried in order: BertModel saves no prefix; BertForPreTraining
// and BertAdapterModel save "bert."; some exports use "model.".
var prefixes = []string{"", "bert.", "model."}

func newTensors(ts map[string]*weights.Tensor) (*tensors, error) {
	for _, p := range prefixes {
		if _, ok := ts[p+"embeddings.word_embeddings.weight"]; ok {
			return &tensors{ts: ts, prefix: p}, nil
		}
	}
	return nil, fmt.Errorf("%w: no embeddings.word_embeddings.weight tensor (is this a BERT checkpoint?)", ErrModel)
}

// get returns the named tensor's data after checking its shape. LayerNorm
// weight and bias may also be stored under the TF-era names gamma and beta.
func (t *tensors) get(name string, shape ...int) ([]float32, error) {
	x, ok := t.ts[t.prefix+name]
	if !ok {
		alt := strings.NewReplacer("LayerNorm.weight", "LayerNorm.gamma", "LayerNorm.bias", "LayerNorm.beta").Replace(name)
		x, ok = t.ts[t.prefix+alt]
	}
	if !ok {
		return nil, fmt.Errorf("%w: tensor %s is missing", ErrModel, t.prefix+name)
	}
	if !slices.Equal(x.Shape, shape) {
		return nil, fmt.Errorf("%w: tensor %s has shape %v, want %v", ErrModel, t.prefix+name, x.Shape, shape)
	}
	if len(x.Data) != product(shape) {
		return nil, fmt.Errorf("%w: tensor %s holds %d values, want %d", ErrModel, t.prefix+name, len(x.Data), product(shape))
	}
	return x.Data, nil
}

func (t *tensors) linear(name string, in, out int) (linear, error) {
	w, err := t.get(name+".weight", out, in)
	if err != nil {
		return linear{}, err
	}
	b, err := t.get(name+".bias", out)
	if err != nil {
		return linear{}, err
	}
	return linear{w: w, b: b, in: in, out: out}, nil
}

func (t *tensors) norm(name string, n int) (norm, error) {
	g, err := t.get(name+".weight", n)
	if err != nil {
		return norm{}, err
	}
	b, err := t.get(name+".bias", n)
	if err != nil {
		return norm{}, err
	}
	return norm{g: g, b: b}, nil
}

// New builds the encoder from a checkpoint's tensors. Tensors it does not
// use (the pooler, position_ids, MLM heads) are ignored.
func New(cfg Config, ts map[string]*weights.Tensor) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t, err := newTensors(ts)
	if err != nil {
		return nil, err
	}
	h := cfg.HiddenSize
	m := &Model{cfg: cfg}
	if m.wordEmb, err = t.get("embeddings.word_embeddings.weight", cfg.VocabSize, h); err != nil {
		return nil, err
	}
	if m.posEmb, err = t.get("embeddings.position_embeddings.weight", cfg.MaxPositions, h); err != nil {
		return nil, err
	}
	if m.typeEmb, err = t.get("embeddings.token_type_embeddings.weight", cfg.TypeVocabSize, h); err != nil {
		return nil, err
	}
	if m.embNorm, err = t.norm("embeddings.LayerNorm", h); err != nil {
		return nil, err
	}
	for i := range cfg.NumLayers {
		l, err := newLayer(t, fmt.Sprintf("encoder.layer.%d.", i), cfg)
		if err != nil {
			return nil, err
		}
		m.layers = append(m.layers, l)
	}
	return m, nil
}

func newLayer(t *tensors, p string, cfg Config) (layer, error) {
	h, in := cfg.HiddenSize, cfg.IntermediateSize
	var l layer
	var q, k, v linear
	var err error
	for _, x := range []struct {
		dst      *linear
		name     string
		in, outN int
	}{
		{&q, "attention.self.query", h, h}, {&k, "attention.self.key", h, h}, {&v, "attention.self.value", h, h},
		{&l.attnOut, "attention.output.dense", h, h}, {&l.inter, "intermediate.dense", h, in}, {&l.out, "output.dense", in, h},
	} {
		if *x.dst, err = t.linear(p+x.name, x.in, x.outN); err != nil {
			return layer{}, err
		}
	}
	if l.attnNorm, err = t.norm(p+"attention.output.LayerNorm", h); err != nil {
		return layer{}, err
	}
	if l.outNorm, err = t.norm(p+"output.LayerNorm", h); err != nil {
		return layer{}, err
	}
	l.qkv = linear{
		w:  concat(q.w, k.w, v.w),
		b:  concat(q.b, k.b, v.b),
		in: h, out: 3 * h,
	}
	return l, nil
}

func concat(parts ...[]float32) []float32 {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]float32, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
