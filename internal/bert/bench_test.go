package bert

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/weights"
)

// specter2Config is allenai/specter2_base's shape.
var specter2Config = Config{
	ModelType: "bert", VocabSize: 31090, HiddenSize: 768, NumLayers: 12, NumHeads: 12,
	IntermediateSize: 3072, MaxPositions: 512, TypeVocabSize: 2, LayerNormEps: 1e-12, HiddenAct: "gelu",
}

// randomTensors returns BertModel weights and a proximity-style adapter of
// cfg's shape with random values.
func randomTensors(cfg Config, bottleneck int) map[string]*weights.Tensor {
	r := rand.New(rand.NewPCG(1, 2))
	ts := map[string]*weights.Tensor{}
	add := func(name string, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(r.NormFloat64() * 0.02)
		}
		ts[name] = &weights.Tensor{Name: name, Shape: shape, Data: data}
	}
	h, in := cfg.HiddenSize, cfg.IntermediateSize
	add("embeddings.word_embeddings.weight", cfg.VocabSize, h)
	add("embeddings.position_embeddings.weight", cfg.MaxPositions, h)
	add("embeddings.token_type_embeddings.weight", cfg.TypeVocabSize, h)
	add("embeddings.LayerNorm.weight", h)
	add("embeddings.LayerNorm.bias", h)
	for i := range cfg.NumLayers {
		p := fmt.Sprintf("encoder.layer.%d.", i)
		for _, l := range []struct {
			name    string
			in, out int
		}{
			{"attention.self.query", h, h}, {"attention.self.key", h, h}, {"attention.self.value", h, h},
			{"attention.output.dense", h, h}, {"intermediate.dense", h, in}, {"output.dense", in, h},
		} {
			add(p+l.name+".weight", l.out, l.in)
			add(p+l.name+".bias", l.out)
		}
		for _, n := range []string{"attention.output.LayerNorm", "output.LayerNorm"} {
			add(p+n+".weight", h)
			add(p+n+".bias", h)
		}
		a := fmt.Sprintf("bert.encoder.layer.%d.output.adapters.[PRX].", i)
		add(a+"adapter_down.0.weight", bottleneck, h)
		add(a+"adapter_down.0.bias", bottleneck)
		add(a+"adapter_up.weight", h, bottleneck)
		add(a+"adapter_up.bias", h)
	}
	return ts
}

var benchModel = sync.OnceValues(func() (*Model, *Adapter) {
	ts := randomTensors(specter2Config, 48)
	m, err := New(specter2Config, ts)
	if err != nil {
		panic(err)
	}
	a, err := NewAdapter(m, AdapterConfig{Config: bottleneckCfg{OutputAdapter: true, OriginalLNBefore: true, OriginalLNAfter: true}}, ts)
	if err != nil {
		panic(err)
	}
	return m, a
})

func randomSeqs(n, length int) [][]int {
	r := rand.New(rand.NewPCG(3, 4))
	seqs := make([][]int, n)
	for i := range seqs {
		s := make([]int, length)
		for j := range s {
			s[j] = 105 + r.IntN(30000)
		}
		s[0], s[length-1] = 102, 103
		seqs[i] = s
	}
	return seqs
}

// BenchmarkQuery16 is one 16-token query through SPECTER2-sized BERT with
// its adapter: the latency a search pays to embed its query.
func BenchmarkQuery16(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 440 MB model")
	}
	m, a := benchModel()
	seqs := randomSeqs(1, 16)
	var ws Workspace
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Forward(&ws, seqs, a); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/query")
}

// BenchmarkBatch8x300 is a batch of eight 300-token papers, about an
// abstract's length.
func BenchmarkBatch8x300(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 440 MB model")
	}
	m, a := benchModel()
	seqs := randomSeqs(8, 300)
	var ws Workspace
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Forward(&ws, seqs, a); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(8*b.N)/b.Elapsed().Seconds(), "docs/s")
}
