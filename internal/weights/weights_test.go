package weights

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// want is a tensor as expected.json describes it: shape and the float32 bit
// pattern of every element, computed by torch.
type want struct {
	Shape []int    `json:"shape"`
	Bits  []uint32 `json:"bits"`
}

func loadExpected(t *testing.T) map[string]map[string]want {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]map[string]want
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	return exp
}

func describe(t *testing.T, tensors map[string]*Tensor) map[string]want {
	t.Helper()
	got := make(map[string]want, len(tensors))
	for name, tt := range tensors {
		if tt.Name != name {
			t.Errorf("tensor under key %q is named %q", name, tt.Name)
		}
		n := 1
		for _, d := range tt.Shape {
			n *= d
		}
		if n != len(tt.Data) {
			t.Errorf("tensor %q: shape %v but %d elements", name, tt.Shape, len(tt.Data))
		}
		w := want{Shape: tt.Shape, Bits: make([]uint32, len(tt.Data))}
		for i, v := range tt.Data {
			w.Bits[i] = math.Float32bits(v)
		}
		got[name] = w
	}
	return got
}

// TestFixtures compares every tensor of the files written by torch (gen.py)
// with the values torch computed, bit for bit.
func TestFixtures(t *testing.T) {
	exp := loadExpected(t)
	if len(exp) < 6 {
		t.Fatalf("expected.json covers %d files, want at least 6", len(exp))
	}
	for file, wantTensors := range exp {
		t.Run(file, func(t *testing.T) {
			got, err := Load(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantTensors, describe(t, got)); diff != "" {
				t.Errorf("tensors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReaders checks that ReadTorch and ReadSafetensors read from any
// io.ReaderAt, and refuse each other's files.
func TestReaders(t *testing.T) {
	exp := loadExpected(t)
	tests := []struct {
		file    string
		read    func(*bytes.Reader, int64) (map[string]*Tensor, error)
		wantErr bool
	}{
		{"torch_module.bin", readTorch, false},
		{"model.safetensors", readSafetensors, false},
		{"torch_module.bin", readSafetensors, true},
		{"model.safetensors", readTorch, true},
	}
	for _, tc := range tests {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := tc.read(bytes.NewReader(b), int64(len(b)))
		if tc.wantErr {
			if !errors.Is(err, ErrFormat) {
				t.Errorf("%s: err = %v, want ErrFormat", tc.file, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if diff := cmp.Diff(exp[tc.file], describe(t, got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.file, diff)
		}
	}
}

func readTorch(r *bytes.Reader, n int64) (map[string]*Tensor, error) { return ReadTorch(r, n) }
func readSafetensors(r *bytes.Reader, n int64) (map[string]*Tensor, error) {
	return ReadSafetensors(r, n)
}

// TestTiedWeightsShareData checks that identical views of one storage share
// memory while different views of it do not.
func TestTiedWeightsShareData(t *testing.T) {
	mod, err := Load(filepath.Join("testdata", "torch_module.bin"))
	if err != nil {
		t.Fatal(err)
	}
	mixed, err := Load(filepath.Join("testdata", "torch_mixed.bin"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		a, b  *Tensor
		share bool
	}{
		{mod["embed.weight"], mod["decoder.weight"], true},
		{mixed["tied_a"], mixed["tied_b"], true},
		{mixed["base"], mixed["base_rows"], false},
		{mixed["base"], mixed["base_t"], false},
	}
	for _, tc := range tests {
		if got := &tc.a.Data[0] == &tc.b.Data[0]; got != tc.share {
			t.Errorf("%s and %s share data: %v, want %v", tc.a.Name, tc.b.Name, got, tc.share)
		}
	}
}

func TestLoadRefusesLegacyFormat(t *testing.T) {
	path := filepath.Join("testdata", "legacy.bin")
	_, err := Load(path)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "legacy") || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(legacy.bin) = %v, want an ErrFormat naming the file and the legacy format", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTorch(bytes.NewReader(b), int64(len(b))); !errors.Is(err, errLegacy) {
		t.Errorf("ReadTorch(legacy) = %v, want %v", err, errLegacy)
	}
}

// TestEvilCheckpointDoesNotRun loads a checkpoint that, under torch.load,
// runs os.system("touch PWNED") (gen.py checks that it does).
func TestEvilCheckpointDoesNotRun(t *testing.T) {
	evil, err := filepath.Abs(filepath.Join("testdata", "evil.bin"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	_, err = Load(evil)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "posix.system") {
		t.Errorf("Load(evil.bin) = %v, want an ErrFormat naming posix.system", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans several lines: %q", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "PWNED")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("payload ran: PWNED exists (stat err %v)", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name       string
		content    []byte
		wantFormat bool
	}{
		{"empty", nil, true},
		{"text", []byte("hello, this is not a model\n"), true},
		{"tiny", []byte("PK"), true},
		{"zip magic only", []byte("PK\x03\x04 and then nothing"), true},
		{"safetensors length too large", append(binary8(1000), []byte("{}")...), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if got := errors.Is(err, ErrFormat); got != tc.wantFormat || err == nil {
				t.Errorf("Load = %v, want ErrFormat %v", err, tc.wantFormat)
			}
			if err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil || errors.Is(err, ErrFormat) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a not-exist error that is not ErrFormat", err)
	}
}

func binary8(n uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
	return b
}

// TestGoWrittenCheckpoint round-trips tensors through the Go checkpoint writer
// used by the benchmark and hostile-input tests, so those build valid files.
func TestGoWrittenCheckpoint(t *testing.T) {
	in := []goTensor{
		{"a.weight", []int64{2, 3}, []float32{1, 2, 3, 4, 5, 6}},
		{"a.bias", []int64{3}, []float32{-1, 0, 1}},
		{"scale", []int64{}, []float32{0.5}},
	}
	b := checkpoint(t, in)
	got, err := ReadTorch(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Tensor{
		"a.weight": {Name: "a.weight", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		"a.bias":   {Name: "a.bias", Shape: []int{3}, Data: []float32{-1, 0, 1}},
		"scale":    {Name: "scale", Shape: []int{}, Data: []float32{0.5}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tensors (-want +got):\n%s", diff)
	}
}

func TestHalfToFloat(t *testing.T) {
	tests := []struct {
		half uint16
		want uint32
	}{
		{0x0000, 0x00000000},
		{0x8000, 0x80000000}, // -0
		{0x3c00, 0x3f800000}, // 1
		{0x0001, 0x33800000}, // 2^-24, smallest subnormal
		{0x83ff, 0xb87fc000}, // largest negative subnormal
		{0x0400, 0x38800000}, // 2^-14, smallest normal
		{0x7bff, 0x477fe000}, // 65504
		{0x7c00, 0x7f800000}, // +inf
		{0xfc00, 0xff800000}, // -inf
		{0x7e01, 0x7fc02000}, // NaN, payload kept
	}
	for _, tc := range tests {
		if got := math.Float32bits(halfToFloat(tc.half)); got != tc.want {
			t.Errorf("halfToFloat(%#04x) = %#08x, want %#08x", tc.half, got, tc.want)
		}
	}
}
