package embedding

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/bert"
	"github.com/openreview-finder/openreview-finder/internal/weights"
)

// copyDir copies a fixture model directory so a test can break it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestBadModelFiles(t *testing.T) {
	base := filepath.Join(fixtures, "tiny-bin")
	tests := []struct {
		name   string
		damage func(dir string) error
		want   string
		is     error
	}{
		{"no config", func(d string) error { return os.Remove(filepath.Join(d, "config.json")) }, "no config.json", ErrNoModel},
		{"config not JSON", func(d string) error { return os.WriteFile(filepath.Join(d, "config.json"), []byte("{nope"), 0o644) }, "not valid JSON", bert.ErrModel},
		{"not bert", func(d string) error {
			return rewrite(d, "config.json", `"model_type": "bert"`, `"model_type": "gpt2"`)
		}, "is not bert", bert.ErrModel},
		{"tanh gelu", func(d string) error {
			return rewrite(d, "config.json", `"hidden_act": "gelu"`, `"hidden_act": "gelu_new"`)
		}, "hidden_act", bert.ErrModel},
		{"heads do not divide", func(d string) error {
			return rewrite(d, "config.json", `"num_attention_heads": 2`, `"num_attention_heads": 3`)
		}, "not a multiple", bert.ErrModel},
		{"wrong hidden size", func(d string) error {
			return rewrite(d, "config.json", `"hidden_size": 32`, `"hidden_size": 64`)
		}, "has shape", bert.ErrModel},
		{"more layers than weights", func(d string) error {
			return rewrite(d, "config.json", `"num_hidden_layers": 2`, `"num_hidden_layers": 3`)
		}, "encoder.layer.2.", bert.ErrModel},
		{"no weights", func(d string) error { return os.Remove(filepath.Join(d, "pytorch_model.bin")) }, "has none of", ErrNoModel},
		{"truncated weights", func(d string) error { return os.Truncate(filepath.Join(d, "pytorch_model.bin"), 1000) }, "", weights.ErrFormat},
		{"garbage weights", func(d string) error {
			return os.WriteFile(filepath.Join(d, "pytorch_model.bin"), []byte("not a checkpoint at all"), 0o644)
		}, "", weights.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, base)
			if err := tt.damage(dir); err != nil {
				t.Fatal(err)
			}
			_, _, err := LoadModel(dir)
			checkErr(t, err, tt.is, tt.want)
		})
	}
}

func TestBadAdapterFiles(t *testing.T) {
	_, m, err := LoadModel(filepath.Join(fixtures, "tiny-bin"))
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(fixtures, "tiny-bin-adapter-proximity")
	tests := []struct {
		name   string
		damage func(dir string) error
		want   string
		is     error
	}{
		{"no config", func(d string) error { return os.Remove(filepath.Join(d, "adapter_config.json")) }, "no adapter_config.json", ErrNoModel},
		{"parallel adapter", func(d string) error {
			return rewrite(d, "adapter_config.json", `"is_parallel": false`, `"is_parallel": true`)
		}, "unsupported adapter", bert.ErrModel},
		{"gelu adapter", func(d string) error {
			return rewrite(d, "adapter_config.json", `"non_linearity": "relu"`, `"non_linearity": "tanh"`)
		}, "non_linearity", bert.ErrModel},
		{"other hidden size", func(d string) error {
			return rewrite(d, "adapter_config.json", `"hidden_size": 32`, `"hidden_size": 768`)
		}, "hidden size 768", bert.ErrModel},
		{"base weights as adapter", func(d string) error {
			data, err := os.ReadFile(filepath.Join(fixtures, "tiny-bin", "pytorch_model.bin"))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(d, "pytorch_adapter.bin"), data, 0o644)
		}, "no adapter weights", bert.ErrModel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, base)
			if err := tt.damage(dir); err != nil {
				t.Fatal(err)
			}
			_, err := LoadAdapter(dir, m)
			checkErr(t, err, tt.is, tt.want)
		})
	}
	// An adapter for a bigger model does not fit this one.
	_, big, err := LoadModel(filepath.Join(fixtures, "tiny-pretrain"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadAdapter(base, big)
	checkErr(t, err, bert.ErrModel, "")
}

func rewrite(dir, file, old, new string) error {
	p := filepath.Join(dir, file)
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	s := string(data)
	if !strings.Contains(s, old) {
		return errors.New(file + " does not contain " + old)
	}
	return os.WriteFile(p, []byte(strings.Replace(s, old, new, 1)), 0o644)
}

func checkErr(t *testing.T, err, is error, want string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, is) {
		t.Errorf("error %q does not wrap %v", err, is)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not mention %q", err, want)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}
}

func TestRegistrySharesModels(t *testing.T) {
	var reg Registry
	dir := filepath.Join(fixtures, "tiny-bin")
	paper, err := reg.Encoder(dir, filepath.Join(fixtures, "tiny-bin-adapter-proximity"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	query, err := reg.Encoder(dir, filepath.Join(fixtures, "tiny-bin-adapter-query"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if paper.model != query.model || paper.tok != query.tok {
		t.Error("two encoders over one base model hold two copies of it")
	}
	if paper.adapter == query.adapter {
		t.Error("different adapters were shared")
	}
	v1, err := paper.Embed(t.Context(), []string{"graph neural networks"})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := query.Embed(t.Context(), []string{"graph neural networks"})
	if err != nil {
		t.Fatal(err)
	}
	if _, diff := closeness(v1[0], v2[0]); diff < 1e-3 {
		t.Error("the proximity and query adapters gave the same vector")
	}
}

func TestNormalize(t *testing.T) {
	var reg Registry
	enc, err := reg.Encoder(filepath.Join(fixtures, "tiny-bin"), "", Options{Normalize: true})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := enc.Embed(t.Context(), []string{"a", "attention is all you need", ""})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Errorf("vector %d has squared norm %g, want 1", i, s)
		}
	}
}

func TestDefaultPooling(t *testing.T) {
	if got := DefaultPooling(filepath.Join(fixtures, "tiny-safetensors")); got != PoolMean {
		t.Errorf("sentence-transformers dir: pooling %q, want mean", got)
	}
	if got := DefaultPooling(filepath.Join(fixtures, "tiny-bin")); got != PoolCLS {
		t.Errorf("plain BERT dir: pooling %q, want cls", got)
	}
}
