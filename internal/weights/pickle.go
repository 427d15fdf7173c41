package weights

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// The unpickler below is a stack machine for the subset of pickle protocols 2-5
// that torch.save emits. It builds plain Go values only; globals are resolved
// through a resolver that allow-lists what may appear, and REDUCE calls only
// what the resolver implements. Every length is checked against the bytes left,
// so memory use is bounded by a small multiple of the pickle's size.

// Python values as the unpickler represents them.
type (
	pyNone   struct{}
	pyTuple  []any
	pyList   struct{ items []any }
	pyGlobal struct{ module, name string }
	// pyDict keeps insertion order, as OrderedDict and Python 3.7+ dicts do.
	pyDict struct {
		keys []any
		vals map[any]any
	}
)

func (d *pyDict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, float64, pyNone:
	default:
		return fmt.Errorf("unsupported dict key type %T", k)
	}
	if d.vals == nil {
		d.vals = make(map[any]any)
	}
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
	return nil
}

// resolver gives meaning to the parts of a pickle that name outside things.
type resolver interface {
	// global returns the value a GLOBAL or STACK_GLOBAL opcode pushes, or an
	// error when the name is not allowed.
	global(module, name string) (any, error)
	// call applies a callable produced by global to args (REDUCE, NEWOBJ).
	call(fn any, args pyTuple) (any, error)
	// persistent resolves a persistent id (BINPERSID).
	persistent(pid any) (any, error)
}

// maxMemo bounds memo indices so a hostile LONG_BINPUT cannot grow the memo
// beyond what the input could fill.
const maxMemo = 1 << 24

type unpickler struct {
	data  []byte
	pos   int
	stack []any
	marks []int
	memo  map[uint32]any
	res   resolver
}

// unpickle runs the pickle in data and returns the value left by STOP.
func unpickle(data []byte, res resolver) (any, error) {
	u := &unpickler{data: data, memo: make(map[uint32]any), res: res}
	for {
		at := u.pos
		if at >= len(u.data) {
			return nil, fmt.Errorf("pickle ends at offset %d without STOP", at)
		}
		op := u.data[at]
		u.pos++
		if op == '.' { // STOP
			if len(u.stack) != 1 || len(u.marks) != 0 {
				return nil, fmt.Errorf("pickle offset %d: STOP with %d values on the stack", at, len(u.stack))
			}
			return u.stack[0], nil
		}
		if err := u.step(op); err != nil {
			return nil, fmt.Errorf("pickle offset %d (opcode 0x%02x): %w", at, op, err)
		}
	}
}

// step executes one opcode (op already consumed).
func (u *unpickler) step(op byte) error {
	switch op {
	case 0x80: // PROTO
		_, err := u.read(1)
		return err
	case 0x95: // FRAME: a length hint only
		_, err := u.read(8)
		return err
	case '(': // MARK
		u.marks = append(u.marks, len(u.stack))
	case '0': // POP
		_, err := u.pop()
		return err
	case '1': // POP_MARK
		_, err := u.popMark()
		return err
	case '2': // DUP
		v, err := u.top()
		if err == nil {
			u.push(v)
		}
		return err
	case '}': // EMPTY_DICT
		u.push(&pyDict{})
	case ']', 0x8f: // EMPTY_LIST, EMPTY_SET (sets are kept as lists)
		u.push(&pyList{})
	case ')': // EMPTY_TUPLE
		u.push(pyTuple{})
	case 'N':
		u.push(pyNone{})
	case 0x88: // NEWTRUE
		u.push(true)
	case 0x89: // NEWFALSE
		u.push(false)
	default:
		return u.stepData(op)
	}
	return nil
}

// stepData executes opcodes that carry inline data.
func (u *unpickler) stepData(op byte) error {
	switch op {
	case 'X', 'T', 'B': // BINUNICODE, BINSTRING, BINBYTES
		return u.pushBytes(op, 4)
	case 0x8c, 'U', 'C': // SHORT_BINUNICODE, SHORT_BINSTRING, SHORT_BINBYTES
		return u.pushBytes(op, 1)
	case 0x8d, 0x8e: // BINUNICODE8, BINBYTES8
		return u.pushBytes(op, 8)
	case 'K': // BININT1
		b, err := u.read(1)
		if err == nil {
			u.push(int64(b[0]))
		}
		return err
	case 'M': // BININT2
		b, err := u.read(2)
		if err == nil {
			u.push(int64(binary.LittleEndian.Uint16(b)))
		}
		return err
	case 'J': // BININT
		b, err := u.read(4)
		if err == nil {
			u.push(int64(int32(binary.LittleEndian.Uint32(b))))
		}
		return err
	case 0x8a: // LONG1
		return u.pushLong(1)
	case 0x8b: // LONG4
		return u.pushLong(4)
	case 'G': // BINFLOAT, big-endian
		b, err := u.read(8)
		if err == nil {
			u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
		}
		return err
	default:
		return u.stepMemo(op)
	}
}

// stepMemo executes the memo opcodes.
func (u *unpickler) stepMemo(op byte) error {
	switch op {
	case 'q': // BINPUT
		b, err := u.read(1)
		if err != nil {
			return err
		}
		return u.put(uint32(b[0]))
	case 'r': // LONG_BINPUT
		b, err := u.read(4)
		if err != nil {
			return err
		}
		return u.put(binary.LittleEndian.Uint32(b))
	case 0x94: // MEMOIZE
		return u.put(uint32(len(u.memo)))
	case 'h': // BINGET
		b, err := u.read(1)
		if err != nil {
			return err
		}
		return u.get(uint32(b[0]))
	case 'j': // LONG_BINGET
		b, err := u.read(4)
		if err != nil {
			return err
		}
		return u.get(binary.LittleEndian.Uint32(b))
	default:
		return u.stepBuild(op)
	}
}

func (u *unpickler) put(i uint32) error {
	if i >= maxMemo {
		return fmt.Errorf("memo index %d too large", i)
	}
	v, err := u.top()
	if err == nil {
		u.memo[i] = v
	}
	return err
}

func (u *unpickler) get(i uint32) error {
	v, ok := u.memo[i]
	if !ok {
		return fmt.Errorf("memo index %d not set", i)
	}
	u.push(v)
	return nil
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	v, err := u.top()
	if err == nil {
		u.stack = u.stack[:len(u.stack)-1]
	}
	return v, err
}

// top returns the top of the stack; values below the innermost mark are out of
// reach, as in CPython.
func (u *unpickler) top() (any, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack) <= floor {
		return nil, fmt.Errorf("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark removes and returns the values pushed since the innermost MARK.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

// read consumes n bytes of inline data.
func (u *unpickler) read(n int) ([]byte, error) {
	if n < 0 || n > len(u.data)-u.pos {
		return nil, fmt.Errorf("truncated: %d bytes wanted, %d left", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

// readLen reads a little-endian length of width bytes and checks that as
// many bytes are left, before anything is allocated for them.
func (u *unpickler) readLen(width int) (int, error) {
	b, err := u.read(width)
	if err != nil {
		return 0, err
	}
	var n uint64
	switch width {
	case 1:
		n = uint64(b[0])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(b))
	default:
		n = binary.LittleEndian.Uint64(b)
	}
	if n > uint64(len(u.data)-u.pos) {
		return 0, fmt.Errorf("length %d exceeds the %d bytes left", n, len(u.data)-u.pos)
	}
	return int(n), nil
}

// pushBytes reads a length-prefixed string; bytes opcodes push []byte,
// the others a string.
func (u *unpickler) pushBytes(op byte, width int) error {
	n, err := u.readLen(width)
	if err != nil {
		return err
	}
	b, _ := u.read(n)
	switch op {
	case 'B', 'C', 0x8e:
		u.push(bytes.Clone(b))
	default:
		u.push(string(b))
	}
	return nil
}

// pushLong reads a two's-complement little-endian integer; only values that
// fit in int64 are accepted.
func (u *unpickler) pushLong(width int) error {
	n, err := u.readLen(width)
	if err != nil {
		return err
	}
	if n > 8 {
		return fmt.Errorf("integer of %d bytes does not fit in 64 bits", n)
	}
	b, _ := u.read(n)
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if n > 0 && n < 8 && b[n-1]&0x80 != 0 { // sign-extend
		v |= ^uint64(0) << (8 * n)
	}
	u.push(int64(v))
	return nil
}
