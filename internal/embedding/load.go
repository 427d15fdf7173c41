package embedding

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/openreview-finder/openreview-finder/internal/bert"
	"github.com/openreview-finder/openreview-finder/internal/tokenizer"
	"github.com/openreview-finder/openreview-finder/internal/weights"
)

// Weight file names, in order of preference: safetensors needs no
// unpickling and maps straight to tensors.
var (
	modelFiles   = []string{"model.safetensors", "pytorch_model.bin"}
	adapterFiles = []string{"adapter.safetensors", "pytorch_adapter.bin"}
)

func firstExisting(dir string, names []string) (string, error) {
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%w: %s has none of %v", ErrNoModel, dir, names)
}

// LoadModel loads a BERT model and its tokenizer from a directory laid out
// like a Hub repo (config.json, weights, tokenizer files).
func LoadModel(dir string) (*tokenizer.Tokenizer, *bert.Model, error) {
	cfg, err := bert.ReadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("%w: %s has no config.json", ErrNoModel, dir)
		}
		return nil, nil, err
	}
	path, err := firstExisting(dir, modelFiles)
	if err != nil {
		return nil, nil, err
	}
	ts, err := weights.Load(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load model weights: %w", err)
	}
	m, err := bert.New(cfg, ts)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("load tokenizer: %w", err)
	}
	return tok, m, nil
}

// LoadAdapter loads a bottleneck adapter for m from a directory holding
// adapter_config.json and its weights.
func LoadAdapter(dir string, m *bert.Model) (*bert.Adapter, error) {
	ac, err := bert.ReadAdapterConfig(filepath.Join(dir, "adapter_config.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s has no adapter_config.json", ErrNoModel, dir)
		}
		return nil, err
	}
	path, err := firstExisting(dir, adapterFiles)
	if err != nil {
		return nil, err
	}
	ts, err := weights.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load adapter weights: %w", err)
	}
	a, err := bert.NewAdapter(m, ac, ts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// DefaultPooling is the pooling a model directory asks for: mean for a
// sentence-transformers model whose pooling module averages tokens, CLS
// otherwise (SPECTER2).
func DefaultPooling(dir string) Pooling {
	data, err := os.ReadFile(filepath.Join(dir, "1_Pooling", "config.json"))
	if err != nil {
		return PoolCLS
	}
	var c struct {
		Mean bool `json:"pooling_mode_mean_tokens"`
		CLS  bool `json:"pooling_mode_cls_token"`
	}
	if json.Unmarshal(data, &c) == nil && c.Mean && !c.CLS {
		return PoolMean
	}
	return PoolCLS
}

// Registry loads each model and adapter once and shares it: a paper
// encoder and a query encoder over the same base model hold one copy of
// its weights.
type Registry struct {
	mu       sync.Mutex
	models   map[string]*loadedModel
	adapters map[[2]string]*bert.Adapter
}

type loadedModel struct {
	tok   *tokenizer.Tokenizer
	model *bert.Model
}

// Encoder returns an encoder for the model in modelDir with the adapter in
// adapterDir ("" for none), loading what is not loaded yet.
func (r *Registry) Encoder(modelDir, adapterDir string, opts Options) (*Encoder, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.models == nil {
		r.models = map[string]*loadedModel{}
		r.adapters = map[[2]string]*bert.Adapter{}
	}
	lm := r.models[modelDir]
	if lm == nil {
		tok, m, err := LoadModel(modelDir)
		if err != nil {
			return nil, err
		}
		lm = &loadedModel{tok: tok, model: m}
		r.models[modelDir] = lm
	}
	var a *bert.Adapter
	if adapterDir != "" {
		key := [2]string{modelDir, adapterDir}
		if a = r.adapters[key]; a == nil {
			var err error
			if a, err = LoadAdapter(adapterDir, lm.model); err != nil {
				return nil, err
			}
			r.adapters[key] = a
		}
	}
	return New(lm.tok, lm.model, a, opts), nil
}
