package bert

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/weights"
)

var tinyBin = filepath.Join("..", "..", "testdata", "models", "tiny-bin")

func loadTiny(t *testing.T) (*Model, *Adapter) {
	t.Helper()
	cfg, err := ReadConfig(filepath.Join(tinyBin, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := weights.Load(filepath.Join(tinyBin, "pytorch_model.bin"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, ts)
	if err != nil {
		t.Fatal(err)
	}
	dir := tinyBin + "-adapter-proximity"
	ac, err := ReadAdapterConfig(filepath.Join(dir, "adapter_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	ats, err := weights.Load(filepath.Join(dir, "pytorch_adapter.bin"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAdapter(m, ac, ats)
	if err != nil {
		t.Fatal(err)
	}
	return m, a
}

func TestAdapterNameDiscovered(t *testing.T) {
	_, a := loadTiny(t)
	if a.Name != "[PRX]" {
		t.Errorf("adapter name %q, want [PRX] from the weight keys", a.Name)
	}
}

func TestForwardRejectsBadInput(t *testing.T) {
	m, a := loadTiny(t)
	long := make([]int, m.Config().MaxPositions+1)
	for i := range long {
		long[i] = 110
	}
	tests := []struct {
		name string
		seqs [][]int
		want string
	}{
		{"empty sequence", [][]int{{102, 103}, {}}, "sequence 1 has 0 tokens"},
		{"too long", [][]int{long}, "513 tokens"},
		{"negative id", [][]int{{102, -1, 103}}, "token id -1"},
		{"id past vocab", [][]int{{102, m.Config().VocabSize, 103}}, "outside the vocabulary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ws Workspace
			_, err := m.Forward(&ws, tt.seqs, a)
			if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrModel mentioning %q", err, tt.want)
			}
		})
	}
}

func TestForwardShapes(t *testing.T) {
	m, a := loadTiny(t)
	var ws Workspace
	seqs := [][]int{{102, 110, 111, 103}, {102, 103}, {102, 120, 121, 122, 123, 103}}
	out, err := m.Forward(&ws, seqs, a)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range seqs {
		if len(out[i]) != len(s)*m.Config().HiddenSize {
			t.Errorf("sequence %d: %d values, want %d", i, len(out[i]), len(s)*m.Config().HiddenSize)
		}
	}
	// The same workspace serves a batch of another size.
	if _, err := m.Forward(&ws, seqs[:1], nil); err != nil {
		t.Fatal(err)
	}
}

func TestReadConfigRejects(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{`, "not valid JSON"},
		{"gpt2", `{"model_type": "gpt2"}`, "is not bert"},
		{"relative positions", `{"model_type": "bert", "position_embedding_type": "relative_key", "hidden_act": "gelu"}`, "position_embedding_type"},
		{"zero layers", `{"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 0, "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 8}`, "num_hidden_layers"},
		{"huge", `{"vocab_size": 99999999999, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 8}`, "vocab_size"},
		{"heads", `{"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 3, "intermediate_size": 16, "max_position_embeddings": 8}`, "multiple"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(p, []byte(tt.json), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadConfig(p)
			if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrModel mentioning %q", err, tt.want)
			}
		})
	}
}
