package bertgen

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/tokenizer"
	"github.com/openreview-finder/openreview-finder/internal/weights"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

var testdata = filepath.Join("..", "..", "..", "testdata", "models")

func TestWriteSafetensorsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	specs := []tensorSpec{
		normal("a.weight", 3, 5),
		constant("a.bias", 0, 3),
		constant("norm.weight", 1, 7), // odd sizes: the header and offsets must still line up
	}
	if err := writeSafetensors(path, specs, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	ts, err := weights.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]int{}
	for name, x := range ts {
		got[name] = x.Shape
	}
	want := map[string][]int{"a.weight": {3, 5}, "a.bias": {3}, "norm.weight": {7}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tensors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float32{1, 1, 1, 1, 1, 1, 1}, ts["norm.weight"].Data); diff != "" {
		t.Errorf("norm.weight (-want +got):\n%s", diff)
	}
	var nonzero int
	for _, x := range ts["a.weight"].Data {
		if x != 0 {
			nonzero++
		}
	}
	if nonzero != 15 {
		t.Errorf("a.weight has %d nonzero values of 15; want random ones", nonzero)
	}
}

// TestBenchVocab checks that the query words are whole tokens, as most ML
// words are in SPECTER2's vocabulary, and that the vocabulary loads.
func TestBenchVocab(t *testing.T) {
	g := synth.NewGen(2024)
	vocab, err := benchVocab(filepath.Join(testdata, "tiny-bin", "vocab.txt"), g.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	if len(vocab) != Vocab {
		t.Errorf("vocabulary has %d entries, want %d", len(vocab), Vocab)
	}
	dir := t.TempDir()
	if err := writeTokenizer(dir, filepath.Join(testdata, "tiny-bin"), vocab); err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	g.Reseed(1)
	for range 20 {
		q := g.Query()
		if pieces, words := len(tok.Tokens(q)), len(strings.Fields(q)); pieces != words {
			t.Errorf("%q: %d word pieces for %d words", q, pieces, words)
		}
	}
}

// layerRE strips the layer number and the adapter's name from a tensor
// name, leaving its kind.
var layerRE = regexp.MustCompile(`layer\.\d+\.output\.adapters\.\[[A-Z]+\]\.`)

// TestProximityAdapterShape compares a generated proximity adapter with
// the tiny one made by adapter-transformers: the same config but for the
// sizes, and the same tensors in every layer, named alike.
func TestProximityAdapterShape(t *testing.T) {
	tiny := filepath.Join(testdata, "tiny-safetensors-adapter-proximity")
	path := filepath.Join(t.TempDir(), "adapter_config.json")
	if err := writeAdapterConfig(filepath.Join(testdata, "tiny-bin-adapter-query", "adapter_config.json"), path, ProximityAdapter); err != nil {
		t.Fatal(err)
	}
	got, want := readConfig(t, path), readConfig(t, filepath.Join(tiny, "adapter_config.json"))
	for _, c := range []map[string]any{got, want} {
		delete(c, "hidden_size")
		delete(c, "model_name")
		delete(c["config"].(map[string]any), "reduction_factor")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("adapter config but for sizes (-tiny +generated):\n%s", diff)
	}

	ts, err := weights.Load(filepath.Join(tiny, "adapter.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var tinyKinds, genKinds []string
	for name := range ts {
		if !strings.Contains(name, "."+ProximityAdapter+".") {
			t.Errorf("tiny tensor %s is not named after %s", name, ProximityAdapter)
		}
		tinyKinds = append(tinyKinds, layerRE.ReplaceAllString(name, "layer.N.output.adapters.A."))
	}
	for _, s := range adapterTensors(ProximityAdapter) {
		genKinds = append(genKinds, layerRE.ReplaceAllString(s.name, "layer.N.output.adapters.A."))
	}
	slices.Sort(tinyKinds)
	slices.Sort(genKinds)
	if diff := cmp.Diff(slices.Compact(tinyKinds), slices.Compact(genKinds)); diff != "" {
		t.Errorf("tensor kinds per layer (-tiny +generated):\n%s", diff)
	}
	if n := len(adapterTensors(ProximityAdapter)); n != 4*layers {
		t.Errorf("%d adapter tensors, want 4 in each of %d layers", n, layers)
	}
}

func readConfig(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}
