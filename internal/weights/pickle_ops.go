package weights

import (
	"bytes"
	"fmt"
)

// stepBuild executes the opcodes that build containers, name globals, call
// allowed callables and resolve persistent ids.
func (u *unpickler) stepBuild(op byte) error {
	switch op {
	case 'c': // GLOBAL
		return u.global()
	case 0x93: // STACK_GLOBAL
		return u.stackGlobal()
	case 't': // TUPLE
		items, err := u.popMark()
		if err == nil {
			u.push(pyTuple(items))
		}
		return err
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		return u.tupleN(int(op-0x85) + 1)
	case 'l', 0x91: // LIST, FROZENSET
		items, err := u.popMark()
		if err == nil {
			u.push(&pyList{items: items})
		}
		return err
	case 'd': // DICT
		items, err := u.popMark()
		if err != nil {
			return err
		}
		d := &pyDict{}
		u.push(d)
		return setItems(d, items)
	case 's', 'u': // SETITEM, SETITEMS
		return u.setItems(op == 's')
	case 'a', 'e', 0x90: // APPEND, APPENDS, ADDITEMS
		return u.appends(op == 'a')
	case 'R', 0x81: // REDUCE, NEWOBJ
		return u.reduce()
	case 'b': // BUILD: object state (OrderedDict's _metadata) is not needed
		if _, err := u.pop(); err != nil {
			return err
		}
		_, err := u.top()
		return err
	case 'Q': // BINPERSID
		pid, err := u.pop()
		if err != nil {
			return err
		}
		v, err := u.res.persistent(pid)
		if err == nil {
			u.push(v)
		}
		return err
	}
	return fmt.Errorf("unsupported pickle opcode")
}

func (u *unpickler) global() error {
	module, err := u.readLine()
	if err != nil {
		return err
	}
	name, err := u.readLine()
	if err != nil {
		return err
	}
	v, err := u.res.global(module, name)
	if err == nil {
		u.push(v)
	}
	return err
}

func (u *unpickler) stackGlobal() error {
	nameV, err := u.pop()
	if err != nil {
		return err
	}
	moduleV, err := u.pop()
	if err != nil {
		return err
	}
	module, ok1 := moduleV.(string)
	name, ok2 := nameV.(string)
	if !ok1 || !ok2 {
		return fmt.Errorf("STACK_GLOBAL needs two strings, got %T and %T", moduleV, nameV)
	}
	v, err := u.res.global(module, name)
	if err == nil {
		u.push(v)
	}
	return err
}

// readLine reads inline text up to a newline (GLOBAL's operands).
func (u *unpickler) readLine() (string, error) {
	i := bytes.IndexByte(u.data[u.pos:], '\n')
	if i < 0 {
		return "", fmt.Errorf("truncated: no newline after GLOBAL operand")
	}
	s := string(u.data[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) tupleN(n int) error {
	t := make(pyTuple, n)
	for i := n - 1; i >= 0; i-- {
		v, err := u.pop()
		if err != nil {
			return err
		}
		t[i] = v
	}
	u.push(t)
	return nil
}

// setItems pops the key/value pairs (one pair for SETITEM, all since the mark
// for SETITEMS) into the dict below them.
func (u *unpickler) setItems(one bool) error {
	var items []any
	if one {
		v, err := u.pop()
		if err != nil {
			return err
		}
		k, err := u.pop()
		if err != nil {
			return err
		}
		items = []any{k, v}
	} else {
		var err error
		if items, err = u.popMark(); err != nil {
			return err
		}
	}
	target, err := u.top()
	if err != nil {
		return err
	}
	d, ok := target.(*pyDict)
	if !ok {
		return fmt.Errorf("SETITEM on %T, want a dict", target)
	}
	return setItems(d, items)
}

func setItems(d *pyDict, items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of items (%d) for a dict", len(items))
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// appends pops one value (APPEND) or all values since the mark (APPENDS,
// ADDITEMS) onto the list below them.
func (u *unpickler) appends(one bool) error {
	var items []any
	if one {
		v, err := u.pop()
		if err != nil {
			return err
		}
		items = []any{v}
	} else {
		var err error
		if items, err = u.popMark(); err != nil {
			return err
		}
	}
	target, err := u.top()
	if err != nil {
		return err
	}
	l, ok := target.(*pyList)
	if !ok {
		return fmt.Errorf("APPEND on %T, want a list", target)
	}
	l.items = append(l.items, items...)
	return nil
}

// reduce applies the callable below the argument tuple through the resolver.
func (u *unpickler) reduce() error {
	argsV, err := u.pop()
	if err != nil {
		return err
	}
	fn, err := u.pop()
	if err != nil {
		return err
	}
	args, ok := argsV.(pyTuple)
	if !ok {
		return fmt.Errorf("call arguments are %T, want a tuple", argsV)
	}
	v, err := u.res.call(fn, args)
	if err == nil {
		u.push(v)
	}
	return err
}
