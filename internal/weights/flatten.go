package weights

import (
	"fmt"
	"strconv"
)

// namedRef is a tensor view found in the unpickled structure, with its name.
type namedRef struct {
	name string
	ref  *tensorRef
}

// maxDepth bounds the nesting of containers walked to find tensors.
const maxDepth = 32

// collect names every tensor in the unpickled value by its dotted path. A
// top-level dict with a "state_dict" dict (as training frameworks save) is
// narrowed to that entry. The walk is bounded in depth, visits and name bytes
// in proportion to the pickle's size, since memo references can make a small
// pickle describe an exponentially large tree.
func collect(root any, pickleSize int) ([]namedRef, error) {
	if d, ok := root.(*pyDict); ok {
		if sd, ok := d.vals["state_dict"].(*pyDict); ok {
			root = sd
		}
	}
	w := &walker{
		seen:      make(map[string]bool),
		visits:    pickleSize + 16,
		nameBytes: 16*pickleSize + 4096,
	}
	if err := w.walk("", root, 0); err != nil {
		return nil, err
	}
	return w.out, nil
}

type walker struct {
	out       []namedRef
	seen      map[string]bool
	visits    int // left
	nameBytes int // left
}

func (w *walker) walk(name string, v any, depth int) error {
	if w.visits--; w.visits < 0 {
		return fmt.Errorf("structure too large for the file")
	}
	if depth > maxDepth {
		return fmt.Errorf("containers nested deeper than %d at %.200q", maxDepth, name)
	}
	switch v := v.(type) {
	case *tensorRef:
		if w.seen[name] {
			return fmt.Errorf("two tensors named %.200q", name)
		}
		w.seen[name] = true
		w.out = append(w.out, namedRef{name, v})
	case *pyDict:
		for _, k := range v.keys {
			if err := w.child(name, keyName(k), v.vals[k], depth); err != nil {
				return err
			}
		}
	case *pyList:
		for i, item := range v.items {
			if err := w.child(name, strconv.Itoa(i), item, depth); err != nil {
				return err
			}
		}
	case pyTuple:
		for i, item := range v {
			if err := w.child(name, strconv.Itoa(i), item, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

// child walks v under the name parent.key, charging the name to the budget.
func (w *walker) child(parent, key string, v any, depth int) error {
	switch v.(type) {
	case *tensorRef, *pyDict, *pyList, pyTuple:
	default:
		return nil // scalars and strings carry no tensors
	}
	if w.nameBytes -= len(parent) + 1 + len(key); w.nameBytes < 0 {
		return fmt.Errorf("structure too large for the file")
	}
	name := key
	if parent != "" {
		name = parent + "." + key
	}
	return w.walk(name, v, depth+1)
}

func keyName(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case int64:
		return strconv.FormatInt(k, 10)
	case pyNone:
		return "None"
	}
	return fmt.Sprint(k)
}
