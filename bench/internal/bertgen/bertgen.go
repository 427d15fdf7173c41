// Package bertgen writes a BERT-base of SPECTER2's exact shape with random
// weights, and random adapters shaped like SPECTER2's, in the files the
// project's loaders read: benchmarks get the real model's cost (its bytes
// on disk and on the wire, its load time, its arithmetic) without Python,
// the network or the real weights.
package bertgen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Version changes whenever the files Write produces change, so callers
// that cache them know to write them again.
const Version = 1

// The names SPECTER2's adapters carry in their configs and tensor names.
const (
	QueryAdapter     = "[QRY]" // allenai/specter2_adhoc_query: search queries
	ProximityAdapter = "[PRX]" // allenai/specter2: papers
)

// specter2Config is allenai/specter2_base's config.json (see
// shared/reference/specter2-model.md §1.3); only vocab_size is ours.
var specter2Config = map[string]any{
	"_name_or_path":                "openreview-finder/bench-bert-base-random",
	"architectures":                []string{"BertModel"},
	"attention_probs_dropout_prob": 0.1,
	"hidden_act":                   "gelu",
	"hidden_dropout_prob":          0.1,
	"hidden_size":                  768,
	"initializer_range":            0.02,
	"intermediate_size":            3072,
	"layer_norm_eps":               1e-12,
	"max_position_embeddings":      512,
	"model_type":                   "bert",
	"num_attention_heads":          12,
	"num_hidden_layers":            12,
	"pad_token_id":                 0,
	"position_embedding_type":      "absolute",
	"torch_dtype":                  "float32",
	"type_vocab_size":              2,
}

const (
	hidden, intermediate, layers, positions = 768, 3072, 12, 512
	// Vocab is the size of SPECTER2's vocabulary, which the generated
	// one is padded to, so the embedding table has its real size.
	Vocab            = 31090
	adapterReduction = 16
)

// Adapter is one adapter to write.
type Adapter struct {
	Name string // QueryAdapter or ProximityAdapter
	Dir  string
}

// Spec says what Write writes.
type Spec struct {
	Dir string // the base model's files: config, weights, tokenizer
	// Testdata is the project's testdata/models folder: the tokenizer
	// settings of tiny-bin and the adapter config of tiny-bin-adapter-query
	// come from there.
	Testdata string
	Words    []string // added to the vocabulary as whole tokens
	Seed     uint64   // the same seed gives the same weights
	Adapters []Adapter
}

// Write writes the base model into s.Dir and each adapter into its Dir,
// replacing what was there. The weights follow BERT's initialisation
// (N(0, 0.02), LayerNorms at identity). The tokenizer is tiny-bin's
// vocabulary plus s.Words, so that queries made of those words split into
// as few pieces as they do with SPECTER2's scientific vocabulary, padded to
// SPECTER2's 31090 entries. An adapter is a reduction-16 output adapter in
// every layer, in the adapter-transformers format SPECTER2's use.
func Write(s Spec) error {
	dirs := []string{s.Dir}
	for _, a := range s.Adapters {
		dirs = append(dirs, a.Dir)
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("remove stale model %s: %w", d, err)
		}
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create model dir: %w", err)
		}
	}
	tiny := filepath.Join(s.Testdata, "tiny-bin")
	vocab, err := benchVocab(filepath.Join(tiny, "vocab.txt"), s.Words)
	if err != nil {
		return err
	}
	if err := writeTokenizer(s.Dir, tiny, vocab); err != nil {
		return err
	}
	cfg := map[string]any{"vocab_size": len(vocab)}
	for k, v := range specter2Config {
		cfg[k] = v
	}
	if err := writeJSON(filepath.Join(s.Dir, "config.json"), cfg); err != nil {
		return err
	}
	// One stream for every file, in order: the base model's weights, then
	// each adapter's.
	rng := rand.New(rand.NewPCG(s.Seed, 6))
	if err := writeSafetensors(filepath.Join(s.Dir, "model.safetensors"), bertTensors(len(vocab)), rng); err != nil {
		return err
	}
	queryConfig := filepath.Join(s.Testdata, "tiny-bin-adapter-query", "adapter_config.json")
	for _, a := range s.Adapters {
		if err := writeAdapterConfig(queryConfig, filepath.Join(a.Dir, "adapter_config.json"), a.Name); err != nil {
			return err
		}
		if err := writeSafetensors(filepath.Join(a.Dir, "adapter.safetensors"), adapterTensors(a.Name), rng); err != nil {
			return err
		}
	}
	return nil
}

func benchVocab(tinyVocab string, words []string) ([]string, error) {
	data, err := os.ReadFile(tinyVocab)
	if err != nil {
		return nil, fmt.Errorf("read tiny vocab (run from the repository root or set -testdata): %w", err)
	}
	vocab := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	seen := map[string]bool{}
	for _, w := range vocab {
		seen[w] = true
	}
	for _, w := range words {
		if w = strings.ToLower(w); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	for i := 0; len(vocab) < Vocab; i++ {
		if w := fmt.Sprintf("filler%d", i); !seen[w] {
			vocab = append(vocab, w)
		}
	}
	return vocab, nil
}

// writeTokenizer writes vocab with tiny-bin's tokenizer settings (BERT
// uncased), as vocab.txt files: no tokenizer.json, so the loader builds
// the tokenizer from vocab.txt.
func writeTokenizer(dir, tiny string, vocab []string) error {
	for _, name := range []string{"tokenizer_config.json", "special_tokens_map.json"} {
		if err := copyFile(filepath.Join(tiny, name), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte(strings.Join(vocab, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("write vocab: %w", err)
	}
	return nil
}

// writeAdapterConfig adapts the tiny query adapter's config (the
// adapter-transformers 3.x format SPECTER2's adapters use) to BERT-base
// and names it; SPECTER2's adapters differ in their names only.
func writeAdapterConfig(from, to, name string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("read tiny adapter config: %w", err)
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("parse %s: %w", from, err)
	}
	inner, ok := c["config"].(map[string]any)
	if !ok {
		return fmt.Errorf("%s has no config object", from)
	}
	inner["reduction_factor"] = adapterReduction
	c["hidden_size"] = hidden
	c["model_name"] = specter2Config["_name_or_path"]
	c["name"] = name
	return writeJSON(to, c)
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("read %s (run from the repository root or set -testdata): %w", from, err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", to, err)
	}
	return nil
}
