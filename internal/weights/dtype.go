package weights

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// dtype is an element type as stored on disk, always little-endian.
type dtype int

const (
	f32 dtype = iota + 1
	f16
	bf16
	f64
	i64
	i32
	i16
	i8
	u8
	boolean
)

var dtypeNames = map[dtype]string{
	f32: "float32", f16: "float16", bf16: "bfloat16", f64: "float64", i64: "int64",
	i32: "int32", i16: "int16", i8: "int8", u8: "uint8", boolean: "bool",
}

func (d dtype) String() string { return dtypeNames[d] }

// size is the number of bytes of one element.
func (d dtype) size() int64 {
	switch d {
	case f64, i64:
		return 8
	case f32, i32:
		return 4
	case f16, bf16, i16:
		return 2
	default:
		return 1
	}
}

// chunkBytes bounds the scratch buffer used while converting a storage, so a
// large tensor is read straight into its float32 destination without a second
// full-size copy of its bytes.
const chunkBytes = 1 << 20

// converter reads elements into float32 through one reusable scratch buffer,
// which grows with the tensors read, up to chunkBytes.
type converter struct{ buf []byte }

// read fills dst with len(dst) elements of type d read from r at off.
func (c *converter) read(dst []float32, r io.ReaderAt, off int64, d dtype) error {
	es := d.size()
	per := int(chunkBytes / es)
	if need := min(len(dst), per) * int(es); need > len(c.buf) {
		c.buf = make([]byte, min(max(need, 2*len(c.buf)), chunkBytes))
	}
	for done := 0; done < len(dst); {
		n := min(len(dst)-done, per)
		b := c.buf[:n*int(es)]
		if _, err := r.ReadAt(b, off); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return formatError("data truncated at offset %d", off)
			}
			return fmt.Errorf("read tensor data at offset %d: %w", off, err)
		}
		decode(dst[done:done+n], b, d)
		done += n
		off += int64(len(b))
	}
	return nil
}

// decode converts the little-endian elements in b to float32.
func decode(dst []float32, b []byte, d dtype) {
	switch d {
	case f32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case f16:
		for i := range dst {
			dst[i] = halfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case bf16:
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	case f64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case i64:
		for i := range dst {
			dst[i] = float32(int64(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case i32:
		for i := range dst {
			dst[i] = float32(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
	case i16:
		for i := range dst {
			dst[i] = float32(int16(binary.LittleEndian.Uint16(b[2*i:])))
		}
	case i8:
		for i := range dst {
			dst[i] = float32(int8(b[i]))
		}
	case u8:
		for i := range dst {
			dst[i] = float32(b[i])
		}
	case boolean:
		for i := range dst {
			if b[i] != 0 {
				dst[i] = 1
			} else {
				dst[i] = 0
			}
		}
	}
}

// halfToFloat converts an IEEE 754 binary16 value to float32 exactly.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN, payload kept
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0: // zero or subnormal: mant × 2⁻²⁴, exact in float32
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// mulCheck returns a×b for non-negative a and b, and false when it overflows.
func mulCheck(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	if a == 0 || b == 0 {
		return 0, true
	}
	if a > math.MaxInt64/b {
		return 0, false
	}
	return a * b, true
}

// numel returns the number of elements of shape, and false when that
// overflows. A zero dimension makes the tensor empty whatever the others are.
func numel(shape []int64) (int64, bool) {
	if slices.Contains(shape, 0) {
		return 0, true
	}
	n := int64(1)
	for _, d := range shape {
		var ok bool
		if n, ok = mulCheck(n, d); !ok {
			return 0, false
		}
	}
	return n, true
}
