package weights

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// benchTensors is about 47 MB of float32 weights shaped like 4 BERT layers.
func benchTensors() []goTensor {
	var ts []goTensor
	for i := range 4 {
		for k, shape := range [][]int64{{768, 768}, {768}, {3072, 768}} {
			n := 1
			for _, d := range shape {
				n *= int(d)
			}
			data := make([]float32, n)
			for j := range data {
				data[j] = float32(j%1000) / 1000
			}
			ts = append(ts, goTensor{fmt.Sprintf("layer.%d.w%d", i, k), shape, data})
		}
	}
	return ts
}

func BenchmarkLoadTorch(b *testing.B) {
	path := filepath.Join(b.TempDir(), "pytorch_model.bin")
	if err := os.WriteFile(path, checkpoint(b, benchTensors()), 0o644); err != nil {
		b.Fatal(err)
	}
	benchLoad(b, path)
}

func BenchmarkLoadSafetensors(b *testing.B) {
	path := filepath.Join(b.TempDir(), "model.safetensors")
	if err := os.WriteFile(path, safetensorsFile(benchTensors()), 0o644); err != nil {
		b.Fatal(err)
	}
	benchLoad(b, path)
}

// benchLoad reports MB/s of the file read (SetBytes) and checks the result.
func benchLoad(b *testing.B, path string) {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		ts, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		if len(ts) != 12 {
			b.Fatalf("%d tensors, want 12", len(ts))
		}
	}
}

// safetensorsFile writes F32 tensors in the safetensors format.
func safetensorsFile(ts []goTensor) []byte {
	header := "{"
	var buf []byte
	for i, t := range ts {
		if i > 0 {
			header += ","
		}
		shape, _ := json.Marshal(t.shape)
		header += fmt.Sprintf(`%q:{"dtype":"F32","shape":%s,"data_offsets":[%d,%d]}`,
			t.name, shape, len(buf), len(buf)+4*len(t.data))
		for _, v := range t.data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	return stFile(header+"}", buf)
}
