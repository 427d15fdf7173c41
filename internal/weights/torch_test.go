package weights

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// float4 is a valid tensor spec over a 4-element float32 storage "0".
func float4(name string) tensorSpec {
	return tensorSpec{name, "FloatStorage", "0", 4, 0, []int64{4}, []int64{1}}
}

// archiveWith wraps a data.pkl and storage records in a torch zip.
func archiveWith(t testing.TB, pkl []byte, records ...zipEntry) []byte {
	return writeZip(t, append([]zipEntry{{name: "archive/data.pkl", data: pkl}}, records...))
}

var storage0 = zipEntry{name: "archive/data/0", data: f32bytes(4)}

// TestCodeIsNeverRun feeds pickles that would run a shell command, evaluate
// code or import modules if a real unpickler ran them. Each must be refused
// by name, and the command's file must not appear.
func TestCodeIsNeverRun(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	cmd := "touch " + marker
	call := func(module, name string, args ...string) []byte {
		p := (&pk{}).op(0x80, 2).global(module, name).op('(')
		for _, a := range args {
			p.str(a)
		}
		return p.op('t', 'R', '.').b
	}
	stackGlobal := (&pk{}).op(0x80, 4).str("os").str("system").op(0x93).str(cmd).op(0x85, 'R', '.').b
	// A valid state dict whose second value is an eval() call.
	nested := (&pk{}).op(0x80, 2).orderedDict().op('(').str("w").tensor(float4("w")).
		str("x").global("builtins", "eval").str("__import__('os').system('"+cmd+"')").op(0x85, 'R').op('u', '.').b
	// subprocess.call([...]) through a list argument.
	subprocess := (&pk{}).op(0x80, 2).global("subprocess", "call").op(']', '(').str("touch").str(marker).op('e', 0x85, 'R', '.').b
	tests := []struct {
		name, global string
		pkl          []byte
	}{
		{"os.system", "os.system", call("os", "system", cmd)},
		{"posix.system", "posix.system", call("posix", "system", cmd)},
		{"builtins.eval", "builtins.eval", call("builtins", "eval", "__import__('os').system('"+cmd+"')")},
		{"__builtin__.exec", "builtins.exec", call("__builtin__", "exec", "import os; os.system('"+cmd+"')")},
		{"builtins.getattr", "builtins.getattr", call("builtins", "getattr", "x", "y")},
		{"builtins.__import__", "builtins.__import__", call("builtins", "__import__", "os")},
		{"subprocess.call", "subprocess.call", subprocess},
		{"STACK_GLOBAL os.system", "os.system", stackGlobal},
		{"eval inside a state dict", "builtins.eval", nested},
		{"other torch function", "torch._utils._rebuild_qtensor", call("torch._utils", "_rebuild_qtensor")},
		{"torch.load", "torch.load", call("torch", "load", "x")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := archiveWith(t, tc.pkl, storage0)
			_, err := ReadTorch(bytes.NewReader(b), int64(len(b)))
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.global) || !strings.Contains(err.Error(), "not allowed") {
				t.Errorf("ReadTorch = %v, want ErrFormat saying %s is not allowed", err, tc.global)
			}
			if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the payload ran: %s exists", marker)
			}
		})
	}
}

// TestHostileCheckpoints checks that malformed archives and tensor
// descriptions give an ErrFormat naming the problem, never a panic.
func TestHostileCheckpoints(t *testing.T) {
	valid := archiveWith(t, stateDict([]tensorSpec{float4("w")}), storage0)
	spec := func(edit func(*tensorSpec)) []byte {
		s := float4("w")
		edit(&s)
		return archiveWith(t, stateDict([]tensorSpec{s}), storage0)
	}
	// A chain of 30 dicts, each holding the next twice: 2^30 paths.
	dag := (&pk{}).op(0x80, 2, '}', '(').str("w").tensor(float4("w")).op('u')
	for range 30 {
		dag.op('q', 0, '0', '}', '(').str("a").op('h', 0).str("b").op('h', 0).op('u')
	}
	dag.op('.')
	deep := (&pk{}).op(0x80, 2)
	for range 40 {
		deep.op('}').str("d")
	}
	deep.tensor(float4("w"))
	for range 40 {
		deep.op('s')
	}
	deep.op('.')
	tests := []struct {
		name, file string
		want       string // in the error message
	}{
		{"not a zip", "not a zip file at all", "not a readable zip"},
		{"truncated zip", string(valid[:len(valid)/2]), "not a readable zip"},
		{"no data.pkl", string(writeZip(t, []zipEntry{storage0})), "no data.pkl"},
		{"two data.pkl", string(writeZip(t, []zipEntry{{name: "a/data.pkl"}, {name: "b/data.pkl"}})), "two data.pkl"},
		{"duplicate record", string(writeZip(t, []zipEntry{{name: "a/data.pkl"}, storage0, storage0})), "two records"},
		{"empty pickle", string(archiveWith(t, nil, storage0)), "without STOP"},
		{"unknown opcode", string(archiveWith(t, []byte("\x80\x02i__main__\nX\n."), storage0)), "unsupported pickle opcode"},
		{"big endian", string(writeZip(t, []zipEntry{{name: "a/data.pkl", data: []byte("}.")}, {name: "a/byteorder", data: []byte("big")}})), "byte order"},
		{"compressed storage", string(archiveWith(t, stateDict([]tensorSpec{float4("w")}), zipEntry{name: "archive/data/0", data: f32bytes(4), deflate: true})), "compressed"},
		{"missing storage record", string(archiveWith(t, stateDict([]tensorSpec{float4("w")}))), "no record"},
		{"storage shorter than numel", string(spec(func(s *tensorSpec) { s.numel = 5 })), "do not fit"},
		{"huge numel", string(spec(func(s *tensorSpec) { s.numel = 1 << 62 })), "do not fit"},
		{"view past storage", string(spec(func(s *tensorSpec) { s.shape = []int64{5} })), "reaches past"},
		{"offset past storage", string(spec(func(s *tensorSpec) { s.offset = 3; s.shape = []int64{2} })), "reaches past"},
		{"offset beyond storage", string(spec(func(s *tensorSpec) { s.offset = 1 << 40 })), "offset"},
		{"negative size", string(spec(func(s *tensorSpec) { s.shape = []int64{-1} })), "size -1"},
		{"negative stride", string(spec(func(s *tensorSpec) { s.shape = []int64{2}; s.stride = []int64{-1} })), "stride -1"},
		{"huge shape", string(spec(func(s *tensorSpec) { s.shape = []int64{1 << 40, 1 << 40}; s.stride = []int64{0, 0} })), "too large"},
		{"huge expansion", string(spec(func(s *tensorSpec) { s.shape = []int64{1 << 30}; s.stride = []int64{0} })), "too large"},
		{"huge stride", string(spec(func(s *tensorSpec) { s.shape = []int64{2, 2}; s.stride = []int64{1 << 62, 1 << 62} })), "reaches past"},
		{"rank mismatch", string(spec(func(s *tensorSpec) { s.stride = []int64{1, 1} })), "size and stride"},
		{"unknown storage type", string(spec(func(s *tensorSpec) { s.storage = "ComplexFloatStorage" })), "not allowed"},
		{"storage key with slash", string(spec(func(s *tensorSpec) { s.key = "../0" })), "not a plain name"},
		{"exponential structure", string(archiveWith(t, dag.b, storage0)), "too large"},
		{"deep nesting", string(archiveWith(t, deep.b, storage0)), "nested deeper"},
		{"duplicate names", string(archiveWith(t, (&pk{}).op(0x80, 2, '}', '(').str("a.b").tensor(float4("x")).
			str("a").op('}').str("b").tensor(float4("x")).op('s', 'u', '.').b, storage0)), "two tensors named"},
		{"legacy", string(legacyMagic) + "rest", "legacy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTorch(strings.NewReader(tc.file), int64(len(tc.file)))
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadTorch = %v, want ErrFormat containing %q", err, tc.want)
			}
		})
	}
}

// TestViewsOfDifferentStorages checks that views are told apart by storage:
// ("1", offset 23) and ("12", offset 3) must not be taken for one tied view.
func TestViewsOfDifferentStorages(t *testing.T) {
	b := archiveWith(t, stateDict([]tensorSpec{
		{"a", "FloatStorage", "1", 30, 23, []int64{2}, []int64{1}},
		{"b", "FloatStorage", "12", 10, 3, []int64{2}, []int64{1}},
	}), zipEntry{name: "archive/data/1", data: f32bytes(30)}, zipEntry{name: "archive/data/12", data: f32bytes(10)})
	got, err := ReadTorch(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]float32{"a": {23, 24}, "b": {3, 4}}, map[string][]float32{"a": got["a"].Data, "b": got["b"].Data}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestTruncatedCheckpoint cuts a real checkpoint at every length: each prefix
// must fail cleanly.
func TestTruncatedCheckpoint(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "torch_module.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		if _, err := ReadTorch(bytes.NewReader(b[:n]), int64(n)); !errors.Is(err, ErrFormat) {
			t.Fatalf("ReadTorch(first %d of %d bytes) = %v, want ErrFormat", n, len(b), err)
		}
	}
}

// TestConverter covers conversion across chunk boundaries, truncation
// (ErrFormat) and I/O errors (passed through, not ErrFormat).
func TestConverter(t *testing.T) {
	n := 3*chunkBytes/4 + 5 // three chunks, the last one partial
	src := f32bytes(n)
	got := make([]float32, n-1)
	if err := (&converter{}).read(got, bytes.NewReader(src), 4, f32); err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != float32(i+1) {
			t.Fatalf("element %d = %v, want %v", i, v, float32(i+1))
		}
	}
	if err := (&converter{}).read(make([]float32, n), bytes.NewReader(src), 4, f32); !errors.Is(err, ErrFormat) {
		t.Errorf("reading past the end: %v, want ErrFormat", err)
	}
	errIO := errors.New("disk on fire")
	err := (&converter{}).read(make([]float32, 2), failingReader{errIO}, 0, f32)
	if !errors.Is(err, errIO) || errors.Is(err, ErrFormat) {
		t.Errorf("I/O failure: %v, want it wrapped and not ErrFormat", err)
	}
}

type failingReader struct{ err error }

func (f failingReader) ReadAt([]byte, int64) (int, error) { return 0, f.err }
