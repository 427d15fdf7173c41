package main

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/tokenizer"
	"github.com/openreview-finder/openreview-finder/internal/weights"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

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
	g := synth.NewGen(corpusSeed)
	vocab, err := benchVocab(filepath.Join("..", "..", "testdata", "models", "tiny-bin", "vocab.txt"), g.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	if len(vocab) != specter2Vocab {
		t.Errorf("vocabulary has %d entries, want %d", len(vocab), specter2Vocab)
	}
	dir := t.TempDir()
	if err := writeTokenizer(dir, filepath.Join("..", "..", "testdata", "models", "tiny-bin"), vocab); err != nil {
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

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarise(ds)
	want := latency{N: 100, P50: 50, P90: 90, P99: 99, Mean: 50.5, Max: 100}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summarise (-want +got):\n%s", diff)
	}
}

func TestQuerySetsDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, set := range querySets(3, 50) {
		if len(set) != 50 {
			t.Errorf("set of %d queries, want 50", len(set))
		}
		for _, q := range set {
			if seen[q] {
				t.Errorf("query %q in two sets", q)
			}
			seen[q] = true
			if n := len(strings.Fields(q)); n < 3 || n > 10 {
				t.Errorf("query %q has %d words, want 3 to 10", q, n)
			}
		}
	}
}
