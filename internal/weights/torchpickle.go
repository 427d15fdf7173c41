package weights

import (
	"fmt"
	"strings"
)

// The meaning of torch's data.pkl: which globals may appear and what calling
// them builds. Anything not listed here is refused, never imported or run.

// storageClass is a torch.<Type>Storage global.
type storageClass struct{ dtype dtype }

var storageClasses = map[string]dtype{
	"FloatStorage": f32, "HalfStorage": f16, "BFloat16Storage": bf16, "DoubleStorage": f64,
	"LongStorage": i64, "IntStorage": i32, "ShortStorage": i16, "CharStorage": i8,
	"ByteStorage": u8, "BoolStorage": boolean,
}

// allowedCallables are the globals that REDUCE may apply, by "module.name".
var allowedCallables = map[string]bool{
	"collections.OrderedDict":         true,
	"torch._utils._rebuild_tensor_v2": true,
	"torch._utils._rebuild_tensor":    true,
	"torch._utils._rebuild_parameter": true,
	"torch.Size":                      true,
	"builtins.set":                    true,
	"builtins.frozenset":              true,
	"_codecs.encode":                  true, // how protocol 2 pickles bytes
}

// storageRef is a storage named by a persistent id: its bytes are the record
// data/<key> of the archive.
type storageRef struct {
	key   string
	dtype dtype
	numel int64
}

// tensorRef is a tensor view of a storage as _rebuild_tensor_v2 describes it.
type tensorRef struct {
	storage *storageRef
	offset  int64
	shape   []int
	stride  []int64
	numel   int64
	// last is the largest storage index the view touches (valid if numel > 0).
	last int64
}

// maxDims bounds tensor rank; torch itself allows at most 64 dimensions.
const maxDims = 64

// torchResolver resolves globals and persistent ids for one archive.
type torchResolver struct {
	// recordSize returns the byte size of record data/<key>, or false if absent.
	recordSize func(key string) (int64, bool)
	// maxElems bounds the elements of any single tensor.
	maxElems int64
	storages map[string]*storageRef
}

func (t *torchResolver) global(module, name string) (any, error) {
	if module == "__builtin__" { // protocol 2 writes Python 2 module names
		module = "builtins"
	}
	if module == "torch" {
		if d, ok := storageClasses[name]; ok {
			return storageClass{d}, nil
		}
	}
	if allowedCallables[module+"."+name] {
		return pyGlobal{module, name}, nil
	}
	return nil, fmt.Errorf("global %.100q is not allowed (only tensors and plain containers can be loaded; the file may contain code)", module+"."+name)
}

func (t *torchResolver) call(fn any, args pyTuple) (any, error) {
	g, ok := fn.(pyGlobal)
	if !ok {
		return nil, fmt.Errorf("cannot call a %T", fn)
	}
	switch g.module + "." + g.name {
	case "collections.OrderedDict":
		if len(args) != 0 {
			return nil, fmt.Errorf("OrderedDict with %d arguments", len(args))
		}
		return &pyDict{}, nil
	case "torch._utils._rebuild_tensor_v2":
		if len(args) != 6 && len(args) != 7 {
			return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments, want 6 or 7", len(args))
		}
		return t.tensor(args[:4])
	case "torch._utils._rebuild_tensor":
		if len(args) != 4 {
			return nil, fmt.Errorf("_rebuild_tensor with %d arguments, want 4", len(args))
		}
		return t.tensor(args)
	case "torch._utils._rebuild_parameter":
		if len(args) != 3 {
			return nil, fmt.Errorf("_rebuild_parameter with %d arguments, want 3", len(args))
		}
		if _, ok := args[0].(*tensorRef); !ok {
			return nil, fmt.Errorf("_rebuild_parameter of a %T, want a tensor", args[0])
		}
		return args[0], nil
	}
	return callBuiltin(g, args)
}

// callBuiltin applies the allowed non-torch-specific callables.
func callBuiltin(g pyGlobal, args pyTuple) (any, error) {
	switch g.module + "." + g.name {
	case "torch.Size":
		if len(args) == 1 {
			if t, ok := args[0].(pyTuple); ok {
				return t, nil
			}
		}
		return nil, fmt.Errorf("torch.Size wants one tuple")
	case "builtins.set", "builtins.frozenset":
		if len(args) == 0 {
			return &pyList{}, nil
		}
		if l, ok := args[0].(*pyList); ok && len(args) == 1 {
			return &pyList{items: append([]any(nil), l.items...)}, nil
		}
		return nil, fmt.Errorf("%s wants one list", g.name)
	case "_codecs.encode":
		if len(args) == 2 {
			s, ok1 := args[0].(string)
			enc, ok2 := args[1].(string)
			if ok1 && ok2 && (enc == "latin1" || enc == "latin-1") {
				return latin1(s)
			}
		}
		return nil, fmt.Errorf("_codecs.encode wants (str, 'latin1')")
	}
	return nil, fmt.Errorf("cannot call %s.%s", g.module, g.name)
}

func latin1(s string) ([]byte, error) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, fmt.Errorf("_codecs.encode: %U is not latin-1", r)
		}
		b = append(b, byte(r))
	}
	return b, nil
}

// persistent resolves ('storage', torch.XStorage, key, location, numel).
func (t *torchResolver) persistent(pid any) (any, error) {
	tup, ok := pid.(pyTuple)
	if !ok || len(tup) != 5 || tup[0] != "storage" {
		return nil, fmt.Errorf("persistent id is not a ('storage', type, key, location, numel) tuple")
	}
	cls, ok1 := tup[1].(storageClass)
	key, ok2 := tup[2].(string)
	_, ok3 := tup[3].(string)
	numel, ok4 := tup[4].(int64)
	if !ok1 || !ok2 || !ok3 || !ok4 || numel < 0 {
		return nil, fmt.Errorf("malformed storage persistent id")
	}
	if key == "" || strings.ContainsAny(key, "/\\") {
		return nil, fmt.Errorf("storage key %.100q is not a plain name", key)
	}
	if s, ok := t.storages[key]; ok {
		if s.dtype != cls.dtype || s.numel != numel {
			return nil, fmt.Errorf("storage %q declared twice with different types or sizes", key)
		}
		return s, nil
	}
	size, ok := t.recordSize(key)
	if !ok {
		return nil, fmt.Errorf("storage %q has no record data/%s", key, key)
	}
	if need, ok := mulCheck(numel, cls.dtype.size()); !ok || need > size {
		return nil, fmt.Errorf("storage %q: %d %s elements do not fit its %d-byte record", key, numel, cls.dtype, size)
	}
	s := &storageRef{key: key, dtype: cls.dtype, numel: numel}
	t.storages[key] = s
	return s, nil
}

// tensor checks a (storage, offset, size, stride) description against its
// storage and returns the view.
func (t *torchResolver) tensor(args pyTuple) (*tensorRef, error) {
	s, ok := args[0].(*storageRef)
	if !ok {
		return nil, fmt.Errorf("tensor storage is a %T, want a storage", args[0])
	}
	offset, ok := args[1].(int64)
	if !ok || offset < 0 || offset > s.numel {
		return nil, fmt.Errorf("tensor storage offset %v is not an integer within its storage of %d elements", args[1], s.numel)
	}
	size, ok1 := args[2].(pyTuple)
	stride, ok2 := args[3].(pyTuple)
	if !ok1 || !ok2 || len(size) != len(stride) || len(size) > maxDims {
		return nil, fmt.Errorf("tensor size and stride are not tuples of one length up to %d", maxDims)
	}
	r := &tensorRef{storage: s, offset: offset}
	if err := r.setView(size, stride, t.maxElems); err != nil {
		return nil, err
	}
	return r, nil
}

// setView sets the shape and strides and checks that the view stays within
// the storage and has at most maxElems elements.
func (r *tensorRef) setView(size, stride pyTuple, maxElems int64) error {
	s := r.storage
	r.shape, r.stride, r.last = make([]int, len(size)), make([]int64, len(size)), r.offset
	dims := make([]int64, len(size))
	for i := range size {
		n, ok1 := size[i].(int64)
		st, ok2 := stride[i].(int64)
		if !ok1 || !ok2 || n < 0 || st < 0 {
			return fmt.Errorf("tensor dimension %d: size %v stride %v", i, size[i], stride[i])
		}
		dims[i] = n
		r.shape[i], r.stride[i] = int(n), st
		if n > 1 {
			// Saturate at the storage size: past it the view is invalid
			// (unless it is empty), and the sum cannot overflow.
			span, ok := mulCheck(n-1, st)
			if !ok || span > s.numel {
				span = s.numel
			}
			r.last = min(r.last+span, s.numel)
		}
	}
	var ok bool
	if r.numel, ok = numel(dims); !ok || r.numel > maxElems {
		return fmt.Errorf("tensor of shape %v is too large for this file", r.shape)
	}
	if r.numel > 0 && r.last >= s.numel {
		return fmt.Errorf("tensor view (offset %d, shape %v, stride %v) reaches past its storage of %d elements", r.offset, r.shape, r.stride, s.numel)
	}
	return nil
}
