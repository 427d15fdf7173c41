package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// modelVersion changes whenever the files written below change.
const modelVersion = 1

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
	specter2Vocab                           = 31090
	adapterReduction                        = 16
	adapterName                             = "[QRY]"
)

func modelDir(cache string) string   { return filepath.Join(cache, "bert-base-go") }
func adapterDir(cache string) string { return filepath.Join(modelDir(cache), "adapter-query") }

func modelCached(cache string) bool {
	data, err := os.ReadFile(filepath.Join(modelDir(cache), "build.json"))
	var stamp struct{ Version int }
	return err == nil && json.Unmarshal(data, &stamp) == nil && stamp.Version == modelVersion
}

// writeModel writes a BERT-base of SPECTER2's exact shape with random
// weights (BERT's initialisation: N(0, 0.02), LayerNorms at identity) and a
// random query adapter shaped like SPECTER2's, in the files our loaders read.
// The tokenizer is tiny-bin's vocabulary, plus the benchmark's words so that
// queries split into as few pieces as they do with SPECTER2's scientific
// vocabulary, padded to SPECTER2's 31090 entries so the embedding table has
// its real size.
func writeModel(cache, testdata string, words []string) error {
	dir, adir := modelDir(cache), adapterDir(cache)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove stale model: %w", err)
	}
	if err := os.MkdirAll(adir, 0o755); err != nil {
		return fmt.Errorf("create model dir: %w", err)
	}
	tiny := filepath.Join(testdata, "tiny-bin")
	vocab, err := benchVocab(filepath.Join(tiny, "vocab.txt"), words)
	if err != nil {
		return err
	}
	if err := writeTokenizer(dir, tiny, vocab); err != nil {
		return err
	}
	cfg := map[string]any{"vocab_size": len(vocab)}
	for k, v := range specter2Config {
		cfg[k] = v
	}
	if err := writeJSON(filepath.Join(dir, "config.json"), cfg); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(corpusSeed, 6))
	if err := writeSafetensors(filepath.Join(dir, "model.safetensors"), bertTensors(len(vocab)), rng); err != nil {
		return err
	}
	if err := writeAdapterConfig(filepath.Join(testdata, "tiny-bin-adapter-query", "adapter_config.json"), filepath.Join(adir, "adapter_config.json")); err != nil {
		return err
	}
	if err := writeSafetensors(filepath.Join(adir, "adapter.safetensors"), adapterTensors(), rng); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "build.json"), map[string]int{"version": modelVersion})
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
	for i := 0; len(vocab) < specter2Vocab; i++ {
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
// adapter-transformers 3.x format SPECTER2's adapters use) to BERT-base.
func writeAdapterConfig(from, to string) error {
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
	c["name"] = adapterName
	return writeJSON(to, c)
}

// tensorSpec is one tensor to write: its name, shape and initial values.
type tensorSpec struct {
	name  string
	shape []int
	std   float64 // N(0, std) when > 0, else every value is fill
	fill  float32
}

func normal(name string, shape ...int) tensorSpec {
	return tensorSpec{name: name, shape: shape, std: 0.02}
}
func constant(name string, v float32, n int) tensorSpec {
	return tensorSpec{name: name, shape: []int{n}, fill: v}
}

// bertTensors are a BertModel's tensors, named as BertModel saves them
// (no "bert." prefix, as in specter2_base).
func bertTensors(vocab int) []tensorSpec {
	ts := []tensorSpec{
		normal("embeddings.word_embeddings.weight", vocab, hidden),
		normal("embeddings.position_embeddings.weight", positions, hidden),
		normal("embeddings.token_type_embeddings.weight", 2, hidden),
	}
	ts = append(ts, layerNorm("embeddings.LayerNorm")...)
	for i := range layers {
		p := fmt.Sprintf("encoder.layer.%d.", i)
		for _, l := range []struct {
			name    string
			in, out int
		}{
			{"attention.self.query", hidden, hidden}, {"attention.self.key", hidden, hidden},
			{"attention.self.value", hidden, hidden}, {"attention.output.dense", hidden, hidden},
			{"intermediate.dense", hidden, intermediate}, {"output.dense", intermediate, hidden},
		} {
			ts = append(ts, linear(p+l.name, l.in, l.out)...)
			if l.name == "attention.output.dense" {
				ts = append(ts, layerNorm(p+"attention.output.LayerNorm")...)
			}
		}
		ts = append(ts, layerNorm(p+"output.LayerNorm")...)
	}
	return append(ts, linear("pooler.dense", hidden, hidden)...)
}

// adapterTensors are a reduction-16 output adapter in every layer, named as
// BertAdapterModel saves them (SPECTER2's pytorch_adapter.bin).
func adapterTensors() []tensorSpec {
	var ts []tensorSpec
	r := hidden / adapterReduction
	for i := range layers {
		p := fmt.Sprintf("bert.encoder.layer.%d.output.adapters.%s.", i, adapterName)
		ts = append(ts, linear(p+"adapter_down.0", hidden, r)...)
		ts = append(ts, linear(p+"adapter_up", r, hidden)...)
	}
	return ts
}

func linear(name string, in, out int) []tensorSpec {
	return []tensorSpec{normal(name+".weight", out, in), constant(name+".bias", 0, out)}
}

func layerNorm(name string) []tensorSpec {
	return []tensorSpec{constant(name+".weight", 1, hidden), constant(name+".bias", 0, hidden)}
}

// writeSafetensors writes float32 tensors in the safetensors format: an
// 8-byte little-endian header length, a JSON header of dtype, shape and
// byte range per tensor (padded with spaces to 8 bytes), then the data.
// The file appears under its name only once complete.
func writeSafetensors(path string, ts []tensorSpec, rng *rand.Rand) error {
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var off int64
	for _, t := range ts {
		n := int64(4 * product(t.shape))
		header[t.name] = map[string]any{"dtype": "F32", "shape": t.shape, "data_offsets": []int64{off, off + n}}
		off += n
	}
	hdr, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("encode safetensors header: %w", err)
	}
	hdr = append(hdr, []byte(strings.Repeat(" ", (8-len(hdr)%8)%8))...)
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))))
	w.Write(hdr)
	buf := make([]byte, 0, 4<<16)
	for _, t := range ts {
		for left := product(t.shape); left > 0; {
			k := min(left, 1<<16)
			buf = buf[:0]
			for range k {
				x := t.fill
				if t.std > 0 {
					x = float32(rng.NormFloat64() * t.std)
				}
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			}
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			left -= k
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(path+".tmp", path)
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
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
