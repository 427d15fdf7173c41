package weights

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Parsers of untrusted files must never panic, and must allocate memory in
// proportion to the input rather than to sizes the input declares. The
// measured worst case is about 120 bytes per input byte, for pickles made
// entirely of one-byte container opcodes; real checkpoints stay near 1× (their
// tensors) plus a few times their small data.pkl.

// allocLimit is the most a parser may allocate for an input of n bytes.
func allocLimit(n int) uint64 { return 256*uint64(n) + 1<<20 }

// checkAlloc runs f and fails if it allocates more than allocLimit(n).
func checkAlloc(t *testing.T, n int, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > allocLimit(n) {
		t.Fatalf("allocated %d bytes for %d bytes of input (limit %d)", got, n, allocLimit(n))
	}
}

// checkTensors verifies the invariants every returned tensor must satisfy.
func checkTensors(t *testing.T, tensors map[string]*Tensor, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("error does not wrap ErrFormat: %v", err)
		}
		return
	}
	for name, tt := range tensors {
		n := 1
		for _, d := range tt.Shape {
			n *= d
		}
		if tt.Name != name || n != len(tt.Data) {
			t.Fatalf("tensor %q (named %q): shape %v with %d elements", name, tt.Name, tt.Shape, len(tt.Data))
		}
	}
}

func addFixtures(f *testing.F, pattern string) {
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures match %s (%v)", pattern, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzReadTorch(f *testing.F) {
	addFixtures(f, "*.bin")
	f.Add(checkpoint(f, []goTensor{{"w", []int64{2, 2}, []float32{1, 2, 3, 4}}}))
	f.Add(archiveWith(f, stateDict([]tensorSpec{{"v", "FloatStorage", "0", 4, 1, []int64{3, 2}, []int64{0, 2}}}), storage0))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAlloc(t, len(b), func() {
			tensors, err := ReadTorch(bytes.NewReader(b), int64(len(b)))
			checkTensors(t, tensors, err)
		})
	})
}

func FuzzUnpickle(f *testing.F) {
	for _, name := range []string{"torch_mixed", "torch_proto4", "torch_wrapped", "evil"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".bin"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(pickleOf(f, b))
	}
	f.Add([]byte("\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03."))
	f.Add([]byte("\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x8f(K\x01\x90."))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAlloc(t, len(b), func() {
			v, err := unpickle(b, testResolver(len(b)))
			if err == nil {
				_, _ = collect(v, len(b))
			}
		})
	})
}

func FuzzReadSafetensors(f *testing.F) {
	addFixtures(f, "*.safetensors")
	f.Add(stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[],"data_offsets":[8,10]}}`, f32bytes(3)))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAlloc(t, len(b), func() {
			tensors, err := ReadSafetensors(bytes.NewReader(b), int64(len(b)))
			checkTensors(t, tensors, err)
		})
	})
}

// pickleOf extracts data.pkl from a torch checkpoint.
func pickleOf(tb testing.TB, checkpoint []byte) []byte {
	tb.Helper()
	a, err := zipArchive(checkpoint)
	if err != nil {
		tb.Fatal(err)
	}
	pkl, err := a.readPickle()
	if err != nil {
		tb.Fatal(err)
	}
	return pkl
}

func zipArchive(b []byte) (*archive, error) {
	r := bytes.NewReader(b)
	zr, err := zip.NewReader(r, int64(len(b)))
	if err != nil {
		return nil, err
	}
	return indexArchive(r, zr, int64(len(b)))
}
