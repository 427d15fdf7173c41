package weights

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stFile assembles a safetensors file from a header and a byte buffer.
func stFile(header string, buf []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), buf...)
}

func TestReadSafetensors(t *testing.T) {
	buf := append(f32bytes(3), 0x00, 0x3c, 0x80, 0x3f) // [0 1 2] f32, then 1.0 as F16 and BF16
	tests := []struct {
		name   string
		header string
		want   map[string]*Tensor
	}{
		{
			name:   "padded header, metadata, several dtypes",
			header: `{"__metadata__":{"format":"pt"},"h":{"dtype":"F16","shape":[1],"data_offsets":[12,14]},"v":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[],"data_offsets":[14,16]}}   `,
			want: map[string]*Tensor{
				"v": {Name: "v", Shape: []int{3}, Data: []float32{0, 1, 2}},
				"h": {Name: "h", Shape: []int{1}, Data: []float32{1}},
				"b": {Name: "b", Shape: []int{}, Data: []float32{1}},
			},
		},
		{
			name:   "empty tensors may share an offset",
			header: `{"e":{"dtype":"F32","shape":[0,5],"data_offsets":[4,4]},"f":{"dtype":"F32","shape":[5,0],"data_offsets":[4,4]},"v":{"dtype":"F32","shape":[1,1],"data_offsets":[4,8]}}`,
			want: map[string]*Tensor{
				"e": {Name: "e", Shape: []int{0, 5}, Data: []float32{}},
				"f": {Name: "f", Shape: []int{5, 0}, Data: []float32{}},
				"v": {Name: "v", Shape: []int{1, 1}, Data: []float32{1}},
			},
		},
		{name: "no tensors", header: `{}`, want: map[string]*Tensor{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := stFile(tc.header, buf)
			got, err := ReadSafetensors(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("tensors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHostileSafetensors(t *testing.T) {
	buf := f32bytes(4)
	entry := func(s string) string { return `{"t":` + s + `}` }
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "no header"},
		{"seven bytes", []byte("\x02\x00\x00\x00\x00\x00\x00"), "no header"},
		{"header length past the file", append(binary8(1<<20), "{}"...), "does not fit"},
		{"header length huge", append(binary8(1<<63), "{}"...), "does not fit"},
		{"not JSON", stFile("nope", buf), "not a JSON object"},
		{"JSON array", stFile("[]", buf), "not a JSON object"},
		{"trailing data", stFile(`{} {}`, buf), "trailing data"},
		{"unterminated", stFile(`{"t":{"dtype":"F32"`, buf), "tensor"},
		{"duplicate key", stFile(`{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, buf), "duplicate key"},
		{"unknown dtype", stFile(entry(`{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}`), buf), "unsupported dtype"},
		{"missing shape", stFile(entry(`{"dtype":"F32","data_offsets":[0,4]}`), buf), "missing shape"},
		{"offsets not a pair", stFile(entry(`{"dtype":"F32","shape":[1],"data_offsets":[0]}`), buf), "data_offsets"},
		{"negative offset", stFile(entry(`{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}`), buf), "outside"},
		{"end before begin", stFile(entry(`{"dtype":"F32","shape":[1],"data_offsets":[8,4]}`), buf), "outside"},
		{"end past buffer", stFile(entry(`{"dtype":"F32","shape":[5],"data_offsets":[0,20]}`), buf), "outside"},
		{"wrong dtype size", stFile(entry(`{"dtype":"F16","shape":[1],"data_offsets":[0,4]}`), buf), "different size"},
		{"shape overflow", stFile(entry(`{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}`), buf), "different size"},
		{"shape beyond int64", stFile(entry(`{"dtype":"F32","shape":[1e30],"data_offsets":[0,16]}`), buf), "tensor"},
		{"negative dimension", stFile(entry(`{"dtype":"F32","shape":[-1,-4],"data_offsets":[0,16]}`), buf), "negative dimension"},
		{"overlap", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, buf), "overlap"},
		{"same range twice", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, buf), "overlap"},
		{"metadata not strings", stFile(`{"__metadata__":{"n":1}}`, buf), "__metadata__"},
		{"entry not an object", stFile(entry(`3`), buf), "tensor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSafetensors(bytes.NewReader(tc.file), int64(len(tc.file)))
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadSafetensors = %v, want ErrFormat containing %q", err, tc.want)
			}
		})
	}
}

// TestTruncatedSafetensors cuts the fixture at every length.
func TestTruncatedSafetensors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		if _, err := ReadSafetensors(bytes.NewReader(b[:n]), int64(n)); !errors.Is(err, ErrFormat) {
			t.Fatalf("ReadSafetensors(first %d of %d bytes) = %v, want ErrFormat", n, len(b), err)
		}
	}
}
