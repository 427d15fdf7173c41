package weights

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

// Writers for torch checkpoints and pickles, so tests can build valid files
// of any size and hostile variants of them without Python.

// pk assembles a pickle opcode by opcode.
type pk struct{ b []byte }

func (p *pk) op(ops ...byte) *pk { p.b = append(p.b, ops...); return p }

func (p *pk) str(s string) *pk {
	p.b = append(p.b, 'X')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	p.b = append(p.b, s...)
	return p
}

func (p *pk) int(n int64) *pk {
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		p.b = append(p.b, 'J')
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(int32(n)))
		return p
	}
	p.b = append(p.b, 0x8a, 8)
	p.b = binary.LittleEndian.AppendUint64(p.b, uint64(n))
	return p
}

func (p *pk) global(module, name string) *pk {
	p.b = append(p.b, 'c')
	p.b = append(p.b, module+"\n"+name+"\n"...)
	return p
}

// ints writes a tuple of integers (MARK ... TUPLE).
func (p *pk) ints(ns []int64) *pk {
	p.op('(')
	for _, n := range ns {
		p.int(n)
	}
	return p.op('t')
}

// orderedDict pushes an empty collections.OrderedDict.
func (p *pk) orderedDict() *pk {
	return p.global("collections", "OrderedDict").op(')', 'R')
}

// tensorSpec describes one _rebuild_tensor_v2 call.
type tensorSpec struct {
	name    string
	storage string // storage class, e.g. "FloatStorage"
	key     string
	numel   int64 // storage elements as the persistent id declares them
	offset  int64
	shape   []int64
	stride  []int64
}

// tensor pushes a _rebuild_tensor_v2 call for s.
func (p *pk) tensor(s tensorSpec) *pk {
	p.global("torch._utils", "_rebuild_tensor_v2").op('(')
	p.op('(').str("storage").global("torch", s.storage).str(s.key).str("cpu").int(s.numel).op('t', 'Q')
	p.int(s.offset).ints(s.shape).ints(s.stride).op(0x89).orderedDict()
	return p.op('t', 'R')
}

// stateDict returns the pickle of an OrderedDict of the given tensors.
func stateDict(specs []tensorSpec) []byte {
	p := (&pk{}).op(0x80, 2).orderedDict().op('(')
	for _, s := range specs {
		p.str(s.name).tensor(s)
	}
	return p.op('u', '.').b
}

// zipEntry is one record of a test archive.
type zipEntry struct {
	name    string
	data    []byte
	deflate bool
}

func writeZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Store}
		if e.deflate {
			h.Method = zip.Deflate
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// goTensor is a float32 tensor to write into a test checkpoint.
type goTensor struct {
	name  string
	shape []int64
	data  []float32
}

// checkpoint writes tensors as torch.save would: one float32 storage each,
// contiguous, under the root folder "archive".
func checkpoint(t testing.TB, tensors []goTensor) []byte {
	t.Helper()
	var specs []tensorSpec
	entries := []zipEntry{{name: "archive/data.pkl"}}
	for i, g := range tensors {
		key := fmt.Sprint(i)
		stride := make([]int64, len(g.shape))
		n := int64(1)
		for d := len(g.shape) - 1; d >= 0; d-- {
			stride[d] = n
			n *= g.shape[d]
		}
		specs = append(specs, tensorSpec{g.name, "FloatStorage", key, int64(len(g.data)), 0, g.shape, stride})
		raw := make([]byte, 0, 4*len(g.data))
		for _, v := range g.data {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
		entries = append(entries, zipEntry{name: "archive/data/" + key, data: raw})
	}
	entries[0].data = stateDict(specs)
	entries = append(entries, zipEntry{name: "archive/byteorder", data: []byte("little")}, zipEntry{name: "archive/version", data: []byte("3\n")})
	return writeZip(t, entries)
}

// f32bytes returns n little-endian float32 values 0, 1, 2, ...
func f32bytes(n int) []byte {
	b := make([]byte, 0, 4*n)
	for i := range n {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(i)))
	}
	return b
}
