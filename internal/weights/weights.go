// Package weights reads model tensors from PyTorch checkpoints (torch.save's zip
// format, as in pytorch_model.bin and pytorch_adapter.bin) and from .safetensors
// files, converting every tensor to row-major float32.
//
// Checkpoints are untrusted input: the pickle inside a torch checkpoint is read by
// a restricted unpickler that builds plain values and never executes anything. It
// knows a short allow-list of globals (OrderedDict, the torch tensor rebuild
// functions, the torch storage types) and rejects any other, so a file that
// names os.system or builtins.eval fails to load instead of running code. Sizes
// read from a file are never trusted: every shape, offset and length is checked
// against the file before memory is allocated for it.
package weights

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Tensor is one named tensor converted to float32, its elements in row-major
// order. A 0-d tensor has an empty Shape and one element. Tensors saved as
// identical views of one storage (tied weights) share their Data slice.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// ErrFormat is wrapped by every error about the content of a weights file.
var ErrFormat = errors.New("malformed weights file")

// formatError returns an error wrapping ErrFormat with a one-line description.
func formatError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// Load reads all tensors of the weights file at path. The format is detected
// from the content, not the name: a zip archive is read as a torch checkpoint,
// a file starting with a safetensors header as safetensors. Legacy (pre-zip)
// torch checkpoints are recognised and refused with an error saying so.
func Load(path string) (map[string]*Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load weights: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load weights: %w", err)
	}
	size := st.Size()
	var head [16]byte
	n, err := f.ReadAt(head[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("load weights %s: %w", path, err)
	}
	var tensors map[string]*Tensor
	switch detect(head[:n], size) {
	case formatTorch:
		tensors, err = ReadTorch(f, size)
	case formatSafetensors:
		tensors, err = ReadSafetensors(f, size)
	case formatLegacyTorch:
		err = errLegacy
	default:
		err = formatError("neither a torch zip checkpoint nor a safetensors file (%d bytes)", size)
	}
	if err != nil {
		return nil, fmt.Errorf("load weights %s: %w", path, err)
	}
	return tensors, nil
}

type fileFormat int

const (
	formatUnknown fileFormat = iota
	formatTorch
	formatSafetensors
	formatLegacyTorch
)

// legacyMagic is how torch's pre-1.6 serialisation starts: PROTO 2 and the
// pickled magic number 0x1950a86a20f9469cfc6c.
var legacyMagic = []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

var errLegacy = formatError("unsupported legacy torch format (saved by torch < 1.6 or with _use_new_zipfile_serialization=False); re-save it with a current torch.save or convert it to safetensors")

// detect tells the format of a file from its first bytes and its size.
func detect(head []byte, size int64) fileFormat {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return formatTorch
	case bytes.HasPrefix(head, legacyMagic):
		return formatLegacyTorch
	case len(head) > 8 && head[8] == '{':
		n := binary.LittleEndian.Uint64(head)
		if n <= uint64(size-8) {
			return formatSafetensors
		}
	}
	return formatUnknown
}
