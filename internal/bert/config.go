// Package bert is a BERT encoder forward pass in float32, with the
// bottleneck adapters SPECTER2 uses, over weights read by package weights.
// It follows transformers' modeling_bert.py and the adapters library's
// seq_bn (Pfeiffer) forward pass; ../shared/reference/specter2-model.md
// §3-§4 lists the facts.
package bert

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// ErrModel marks a model directory or file that cannot be used: a bad
// config, a missing or misshapen tensor, an adapter that does not fit.
var ErrModel = errors.New("unusable model")

// Config is the part of a transformers config.json the encoder needs.
type Config struct {
	ModelType             string  `json:"model_type"`
	VocabSize             int     `json:"vocab_size"`
	HiddenSize            int     `json:"hidden_size"`
	NumLayers             int     `json:"num_hidden_layers"`
	NumHeads              int     `json:"num_attention_heads"`
	IntermediateSize      int     `json:"intermediate_size"`
	MaxPositions          int     `json:"max_position_embeddings"`
	TypeVocabSize         int     `json:"type_vocab_size"`
	LayerNormEps          float64 `json:"layer_norm_eps"`
	HiddenAct             string  `json:"hidden_act"`
	PositionEmbeddingType string  `json:"position_embedding_type"`
}

// ReadConfig reads and checks a config.json.
func ReadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read model config: %w", err)
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("%w: %s is not valid JSON: %v", ErrModel, path, err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// maxDim bounds every size in a config, so a hostile file cannot make us
// allocate absurd buffers before the weights are even checked.
const maxDim = 1 << 20

// Validate reports whether the config describes a BERT encoder this
// package runs.
func (c *Config) Validate() error {
	if c.ModelType != "" && c.ModelType != "bert" {
		return fmt.Errorf("%w: model_type %q is not bert", ErrModel, c.ModelType)
	}
	if c.HiddenAct == "" {
		c.HiddenAct = "gelu"
	}
	if c.HiddenAct != "gelu" {
		return fmt.Errorf("%w: hidden_act %q is not supported (want gelu)", ErrModel, c.HiddenAct)
	}
	if c.PositionEmbeddingType != "" && c.PositionEmbeddingType != "absolute" {
		return fmt.Errorf("%w: position_embedding_type %q is not supported (want absolute)", ErrModel, c.PositionEmbeddingType)
	}
	if c.TypeVocabSize == 0 {
		c.TypeVocabSize = 2
	}
	if c.LayerNormEps == 0 {
		c.LayerNormEps = 1e-12
	}
	for _, d := range []struct {
		name string
		v    int
	}{
		{"vocab_size", c.VocabSize}, {"hidden_size", c.HiddenSize}, {"num_hidden_layers", c.NumLayers},
		{"num_attention_heads", c.NumHeads}, {"intermediate_size", c.IntermediateSize},
		{"max_position_embeddings", c.MaxPositions}, {"type_vocab_size", c.TypeVocabSize},
	} {
		if d.v <= 0 || d.v > maxDim {
			return fmt.Errorf("%w: %s = %d is out of range", ErrModel, d.name, d.v)
		}
	}
	if c.NumLayers > 256 {
		return fmt.Errorf("%w: num_hidden_layers = %d is out of range", ErrModel, c.NumLayers)
	}
	if c.HiddenSize%c.NumHeads != 0 {
		return fmt.Errorf("%w: hidden_size %d is not a multiple of num_attention_heads %d", ErrModel, c.HiddenSize, c.NumHeads)
	}
	if c.LayerNormEps < 0 || c.LayerNormEps > 1 {
		return fmt.Errorf("%w: layer_norm_eps %g is out of range", ErrModel, c.LayerNormEps)
	}
	return nil
}
