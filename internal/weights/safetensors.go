package weights

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// maxHeader is the largest safetensors JSON header accepted, as in the
// reference implementation.
const maxHeader = 100_000_000

var safetensorsDtypes = map[string]dtype{
	"F32": f32, "F16": f16, "BF16": bf16, "F64": f64, "I64": i64, "I32": i32,
	"I16": i16, "I8": i8, "U8": u8, "BOOL": boolean,
}

// stEntry is one tensor's header entry.
type stEntry struct {
	Dtype       string  `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// stTensor is a validated header entry.
type stTensor struct {
	name       string
	dtype      dtype
	shape      []int
	begin, end int64 // within the byte buffer
}

// ReadSafetensors reads the tensors of a .safetensors file: an 8-byte
// little-endian header length N, N bytes of JSON describing each tensor's
// dtype, shape and byte range, then the byte buffer. Ranges are checked to lie
// in the file, not to overlap and to match their shape and dtype.
func ReadSafetensors(r io.ReaderAt, size int64) (map[string]*Tensor, error) {
	var lenBuf [8]byte
	if size < 8 {
		return nil, formatError("safetensors file of %d bytes has no header", size)
	}
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, formatError("safetensors file truncated")
		}
		return nil, fmt.Errorf("read safetensors header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > uint64(size-8) || n > maxHeader {
		return nil, formatError("safetensors header length %d does not fit the %d-byte file", n, size)
	}
	if n < 2 {
		return nil, formatError("safetensors header length %d is too short for a JSON object", n)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, formatError("safetensors header truncated")
		}
		return nil, fmt.Errorf("read safetensors header: %w", err)
	}
	bufLen := size - 8 - int64(n)
	entries, err := parseHeader(header, bufLen)
	if err != nil {
		return nil, formatError("safetensors header: %v", err)
	}
	out := make(map[string]*Tensor, len(entries))
	var conv converter
	for _, e := range entries {
		t := &Tensor{Name: e.name, Shape: e.shape, Data: make([]float32, (e.end-e.begin)/e.dtype.size())}
		if err := conv.read(t.Data, r, 8+int64(n)+e.begin, e.dtype); err != nil {
			return nil, fmt.Errorf("safetensors tensor %q: %w", e.name, err)
		}
		out[e.name] = t
	}
	return out, nil
}

// parseHeader decodes and validates the JSON header against a byte buffer of
// bufLen bytes. Keys are read one by one so duplicates are caught.
func parseHeader(header []byte, bufLen int64) ([]stTensor, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []stTensor
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		name, _ := tok.(string)
		if seen[name] {
			return nil, fmt.Errorf("duplicate key %.200q", name)
		}
		seen[name] = true
		if name == "__metadata__" {
			var meta map[string]string
			if err := dec.Decode(&meta); err != nil {
				return nil, fmt.Errorf("__metadata__ is not a map of strings: %v", err)
			}
			continue
		}
		var e stEntry
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("tensor %.200q: %v", name, err)
		}
		t, err := e.validate(name, bufLen)
		if err != nil {
			return nil, fmt.Errorf("tensor %.200q: %v", name, err)
		}
		out = append(out, t)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trailing data after the JSON object")
	}
	return out, checkOverlap(out)
}

// validate checks an entry's dtype, shape and offsets.
func (e stEntry) validate(name string, bufLen int64) (stTensor, error) {
	d, ok := safetensorsDtypes[e.Dtype]
	if !ok {
		return stTensor{}, fmt.Errorf("unsupported dtype %.20q", e.Dtype)
	}
	if e.Shape == nil || len(e.Shape) > maxDims {
		return stTensor{}, fmt.Errorf("missing shape or more than %d dimensions", maxDims)
	}
	if len(e.DataOffsets) != 2 {
		return stTensor{}, fmt.Errorf("data_offsets is not [begin, end]")
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > bufLen {
		return stTensor{}, fmt.Errorf("data_offsets [%d, %d] outside the %d-byte buffer", begin, end, bufLen)
	}
	shape := make([]int, len(e.Shape))
	for i, n := range e.Shape {
		if n < 0 {
			return stTensor{}, fmt.Errorf("negative dimension in shape %v", e.Shape)
		}
		shape[i] = int(n)
	}
	if nbytes, ok := byteSize(e.Shape, d); !ok || nbytes != end-begin {
		return stTensor{}, fmt.Errorf("shape %v of %s needs a different size than its %d bytes", e.Shape, e.Dtype, end-begin)
	}
	return stTensor{name: name, dtype: d, shape: shape, begin: begin, end: end}, nil
}

// checkOverlap refuses byte ranges that overlap (empty tensors excepted).
func checkOverlap(ts []stTensor) error {
	sorted := slices.Clone(ts)
	slices.SortFunc(sorted, func(a, b stTensor) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	var prev *stTensor
	for i := range sorted {
		t := &sorted[i]
		if t.begin == t.end {
			continue
		}
		if prev != nil && t.begin < prev.end {
			return fmt.Errorf("tensors %.200q and %.200q overlap", prev.name, t.name)
		}
		prev = t
	}
	return nil
}

// byteSize returns the bytes of a tensor of the given shape and dtype, and
// false when that overflows.
func byteSize(shape []int64, d dtype) (int64, bool) {
	n, ok := numel(shape)
	if !ok {
		return 0, false
	}
	return mulCheck(n, d.size())
}
