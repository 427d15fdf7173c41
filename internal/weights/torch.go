package weights

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ReadTorch reads the tensors of a torch.save checkpoint in the zip format
// (torch ≥ 1.6): <root>/data.pkl describes the tensors and <root>/data/<key>
// holds each storage's raw little-endian bytes. Tensors nested in dicts, lists
// or tuples are named by their dotted path; a top-level "state_dict" entry, when
// present, is read alone. Values other than tensors (counters, strings) are
// skipped. Views are copied to row-major order, and every element type is
// converted to float32.
func ReadTorch(r io.ReaderAt, size int64) (map[string]*Tensor, error) {
	head := make([]byte, len(legacyMagic))
	if n, _ := r.ReadAt(head, 0); detect(head[:n], size) == formatLegacyTorch {
		return nil, errLegacy
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, formatError("torch checkpoint is not a readable zip archive: %v", err)
	}
	a, err := indexArchive(r, zr, size)
	if err != nil {
		return nil, err
	}
	pkl, err := a.readPickle()
	if err != nil {
		return nil, err
	}
	res := &torchResolver{
		recordSize: a.recordSize,
		maxElems:   a.budget,
		storages:   make(map[string]*storageRef),
	}
	root, err := unpickle(pkl, res)
	if err != nil {
		return nil, formatError("torch checkpoint %s: %v", a.pickle.Name, err)
	}
	refs, err := collect(root, len(pkl))
	if err != nil {
		return nil, formatError("torch checkpoint %s: %v", a.pickle.Name, err)
	}
	return a.materialize(refs)
}

// record is the location of an uncompressed zip entry's bytes in the file.
type record struct{ off, size int64 }

type archive struct {
	r       io.ReaderAt
	conv    converter
	size    int64
	pickle  *zip.File
	records map[string]record // storages by key
	// budget bounds the float32 elements produced, in proportion to the file
	// size, so hostile views of a small storage cannot exhaust memory.
	budget int64
}

// maxPickle bounds data.pkl; a BERT-base state dict's is about 50 KB.
const maxPickle = 256 << 20

// indexArchive finds the root folder, its data.pkl and its storage records.
func indexArchive(r io.ReaderAt, zr *zip.Reader, size int64) (*archive, error) {
	a := &archive{r: r, size: size, records: make(map[string]record), budget: 2 * size}
	names := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		if _, dup := names[f.Name]; dup {
			return nil, formatError("torch checkpoint has two records named %.200q", f.Name)
		}
		names[f.Name] = f
		if _, rest, _ := strings.Cut(f.Name, "/"); rest == "data.pkl" || f.Name == "data.pkl" {
			if a.pickle != nil {
				return nil, formatError("torch checkpoint has two data.pkl records (%.200q and %.200q)", a.pickle.Name, f.Name)
			}
			a.pickle = f
		}
	}
	if a.pickle == nil {
		return nil, formatError("torch checkpoint has no data.pkl record (not a torch.save zip archive?)")
	}
	prefix := strings.TrimSuffix(a.pickle.Name, "data.pkl")
	if err := checkByteOrder(names[prefix+"byteorder"]); err != nil {
		return nil, err
	}
	for name, f := range names {
		key, ok := strings.CutPrefix(name, prefix+"data/")
		if !ok || key == "" || strings.Contains(key, "/") {
			continue
		}
		rec, err := storedRecord(f, size)
		if err != nil {
			return nil, err
		}
		a.records[key] = rec
	}
	return a, nil
}

// storedRecord locates the bytes of an uncompressed entry and checks that they
// lie within the file.
func storedRecord(f *zip.File, size int64) (record, error) {
	if f.Method != zip.Store || f.CompressedSize64 != f.UncompressedSize64 {
		return record{}, formatError("torch record %.200q is compressed; torch writes storages uncompressed", f.Name)
	}
	off, err := f.DataOffset()
	if err != nil {
		return record{}, formatError("torch record %.200q: %v", f.Name, err)
	}
	n := f.UncompressedSize64
	if off < 0 || off > size || n > uint64(size-off) {
		return record{}, formatError("torch record %.200q (%d bytes at offset %d) lies outside the %d-byte file", f.Name, n, off, size)
	}
	return record{off: off, size: int64(n)}, nil
}

// checkByteOrder refuses big-endian checkpoints (the byteorder record is
// absent in files from older torch, which wrote little-endian only).
func checkByteOrder(f *zip.File) error {
	if f == nil {
		return nil
	}
	b, err := readEntry(f, 16)
	if err != nil {
		return err
	}
	if order := string(bytes.TrimSpace(b)); order != "little" {
		return formatError("torch checkpoint byte order is %.20q; only little-endian is supported", order)
	}
	return nil
}

func (a *archive) readPickle() ([]byte, error) {
	limit := int64(maxPickle)
	if a.pickle.Method != zip.Store {
		// A compressed data.pkl (never written by torch) may not expand
		// beyond a small multiple of the file.
		limit = min(limit, 16*a.size)
	}
	return readEntry(a.pickle, limit)
}

// readEntry reads a whole zip entry of at most limit bytes, checking its CRC.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, formatError("torch record %.200q is too large (%d bytes)", f.Name, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, formatError("torch record %.200q: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, formatError("torch record %.200q: %v", f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, formatError("torch record %.200q is larger than %d bytes", f.Name, limit)
	}
	return b, nil
}

func (a *archive) recordSize(key string) (int64, bool) {
	rec, ok := a.records[key]
	return rec.size, ok
}

// materialize reads every tensor view into its own row-major float32 slice;
// identical views (tied weights) share one slice.
func (a *archive) materialize(refs []namedRef) (map[string]*Tensor, error) {
	out := make(map[string]*Tensor, len(refs))
	type viewKey struct {
		storage       string
		offset        int64
		shape, stride string
	}
	shared := make(map[viewKey][]float32)
	var total int64
	for _, nr := range refs {
		ref := nr.ref
		view := viewKey{ref.storage.key, ref.offset, fmt.Sprint(ref.shape), fmt.Sprint(ref.stride)}
		data, ok := shared[view]
		if !ok {
			if total += ref.numel; total > a.budget {
				return nil, formatError("torch checkpoint: tensors add up to more elements than the file can hold (at %q)", nr.name)
			}
			data = make([]float32, ref.numel)
			if err := a.readView(data, ref); err != nil {
				return nil, fmt.Errorf("tensor %q: %w", nr.name, err)
			}
			shared[view] = data
		}
		out[nr.name] = &Tensor{Name: nr.name, Shape: slices.Clone(ref.shape), Data: data}
	}
	return out, nil
}

// readView fills dst with the elements of ref in row-major order.
func (a *archive) readView(dst []float32, ref *tensorRef) error {
	if ref.numel == 0 {
		return nil
	}
	rec := a.records[ref.storage.key]
	d := ref.storage.dtype
	off := rec.off + ref.offset*d.size()
	if contiguous(ref.shape, ref.stride) {
		return a.conv.read(dst, a.r, off, d)
	}
	span := make([]float32, ref.last-ref.offset+1)
	if err := a.conv.read(span, a.r, off, d); err != nil {
		return err
	}
	gather(dst, span, ref.shape, ref.stride)
	return nil
}

// contiguous reports whether stride is the row-major stride of shape
// (dimensions of size 1 may carry any stride).
func contiguous(shape []int, stride []int64) bool {
	want := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && stride[i] != want {
			return false
		}
		want *= int64(shape[i])
	}
	return true
}

// gather copies the strided view of src (starting at src[0]) into dst in
// row-major order.
func gather(dst, src []float32, shape []int, stride []int64) {
	idx := make([]int, len(shape))
	var off int64
	for i := range dst {
		dst[i] = src[off]
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			off += stride[d]
			if idx[d] < shape[d] {
				break
			}
			off -= int64(shape[d]) * stride[d]
			idx[d] = 0
		}
	}
}
