package bertgen

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
)

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

// adapterTensors are a reduction-16 output adapter called name in every
// layer, named as BertAdapterModel saves them (SPECTER2's
// pytorch_adapter.bin).
func adapterTensors(name string) []tensorSpec {
	var ts []tensorSpec
	r := hidden / adapterReduction
	for i := range layers {
		p := fmt.Sprintf("bert.encoder.layer.%d.output.adapters.%s.", i, name)
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
