package weights

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testResolver is the torch resolver over storages whose records are all
// large enough, for unpickling pickles on their own.
func testResolver(size int) *torchResolver {
	return &torchResolver{
		recordSize: func(string) (int64, bool) { return int64(size), true },
		maxElems:   int64(2 * size),
		storages:   make(map[string]*storageRef),
	}
}

var pyCmp = cmp.AllowUnexported(pyDict{}, pyList{}, tensorRef{}, storageRef{})

func dict(kv ...any) *pyDict {
	d := &pyDict{}
	for i := 0; i < len(kv); i += 2 {
		if err := d.set(kv[i], kv[i+1]); err != nil {
			panic(err)
		}
	}
	return d
}

func TestUnpickleValues(t *testing.T) {
	tests := []struct {
		name string
		pkl  string
		want any
	}{
		{"none", "\x80\x02N.", pyNone{}},
		{"bools", "\x80\x02\x88\x89\x86.", pyTuple{true, false}},
		{"ints", "\x80\x02K\xffM\xff\xffJ\xfe\xff\xff\xff\x87.", pyTuple{int64(255), int64(65535), int64(-2)}},
		{"long1", "\x80\x02\x8a\x01\xff\x8a\x00\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f\x87.", pyTuple{int64(-1), int64(0), int64(1<<63 - 1)}},
		{"long4", "\x80\x02\x8b\x02\x00\x00\x00\x00\x01.", int64(256)},
		{"binfloat", "\x80\x02G\x3f\xf8\x00\x00\x00\x00\x00\x00.", 1.5},
		{"strings", "\x80\x02X\x02\x00\x00\x00h\xc3\x8c\x01aU\x01b\x87.", pyTuple{"h\u00c3"[:2], "a", "b"}},
		{"bytes", "\x80\x03C\x02abB\x01\x00\x00\x00c\x86.", pyTuple{[]byte("ab"), []byte("c")}},
		{"protocol 2 bytes", "\x80\x02c_codecs\nencode\nq\x00X\x02\x00\x00\x00abq\x01X\x06\x00\x00\x00latin1q\x02\x86q\x03Rq\x04.", []byte("ab")},
		{"protocol 2 set", "\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03.", &pyList{items: []any{int64(1), int64(2)}}},
		{"list ops", "\x80\x02]K\x01a(K\x02K\x03e.", &pyList{items: []any{int64(1), int64(2), int64(3)}}},
		{"mark list and dict", "\x80\x02(K\x01l(X\x01\x00\x00\x00kK\x02d\x86.", pyTuple{&pyList{items: []any{int64(1)}}, dict("k", int64(2))}},
		{"dict order and overwrite", "\x80\x02}(X\x01\x00\x00\x00bK\x01X\x01\x00\x00\x00aK\x02X\x01\x00\x00\x00bK\x03u.", dict("b", int64(3), "a", int64(2))},
		{"memo", "\x80\x02K\x07q\x03r\x00\x01\x00\x00\x940h\x03j\x00\x01\x00\x00h\x02\x87.", pyTuple{int64(7), int64(7), int64(7)}},
		{"dup pop pop_mark", "\x80\x02K\x012K\x020(K\x03K\x041\x86.", pyTuple{int64(1), int64(1)}},
		{"frame", "\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00K\x01.", int64(1)},
		{"empty set and additems", "\x80\x04\x8f(K\x01\x90.", &pyList{items: []any{int64(1)}}},
		{"ordered dict build", "\x80\x02ccollections\nOrderedDict\n)R}X\x01\x00\x00\x00xK\x01sb.", dict()},
		{"torch.Size", "\x80\x02ctorch\nSize\nK\x02K\x03\x86\x85R.", pyTuple{int64(2), int64(3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unpickle([]byte(tc.pkl), testResolver(100))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, pyCmp); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnpickleTensor(t *testing.T) {
	pkl := (&pk{}).op(0x80, 2).global("torch._utils", "_rebuild_parameter").op('(').
		tensor(tensorSpec{"", "HalfStorage", "k", 12, 2, []int64{2, 3}, []int64{1, 3}}).op(0x88).orderedDict().op('t', 'R', '.').b
	got, err := unpickle(pkl, testResolver(100))
	if err != nil {
		t.Fatal(err)
	}
	want := &tensorRef{
		storage: &storageRef{key: "k", dtype: f16, numel: 12},
		offset:  2, shape: []int{2, 3}, stride: []int64{1, 3}, numel: 6, last: 2 + 1 + 6,
	}
	if diff := cmp.Diff(want, got, pyCmp); diff != "" {
		t.Errorf("tensor (-want +got):\n%s", diff)
	}
}

func TestUnpickleErrors(t *testing.T) {
	tests := []struct{ name, pkl, want string }{
		{"no stop", "\x80\x02K\x01", "without STOP"},
		{"two values at stop", "\x80\x02K\x01K\x02.", "2 values"},
		{"stop with open mark", "\x80\x02(K\x01.", "STOP"},
		{"underflow", "\x80\x02\x85.", "underflow"},
		{"pop below mark", "\x80\x02K\x01(0.", "underflow"},
		{"tuple without mark", "\x80\x02K\x01t.", "no MARK"},
		{"truncated int", "\x80\x02J\x01\x00", "truncated"},
		{"string longer than data", "\x80\x02X\xff\xff\xff\x7fab.", "exceeds"},
		{"string8 longer than data", "\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xffab.", "exceeds"},
		{"long too wide", "\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.", "64 bits"},
		{"memo get unset", "\x80\x02h\x05.", "not set"},
		{"memo index huge", "\x80\x02K\x01r\xff\xff\xff\xff.", "too large"},
		{"global without newline", "\x80\x02cos", "newline"},
		{"stack global of ints", "\x80\x04K\x01K\x02\x93.", "two strings"},
		{"setitem on list", "\x80\x02]K\x01K\x02s.", "want a dict"},
		{"append on dict", "\x80\x02}K\x01a.", "want a list"},
		{"odd dict items", "\x80\x02(K\x01d.", "odd number"},
		{"unhashable key", "\x80\x02}]K\x01s.", "key type"},
		{"reduce with non-tuple", "\x80\x02ccollections\nOrderedDict\nK\x01R.", "want a tuple"},
		{"call a non-callable", "\x80\x02K\x01)R.", "cannot call"},
		{"call a storage class", "\x80\x02ctorch\nFloatStorage\n)R.", "cannot call"},
		{"ordered dict with args", "\x80\x02ccollections\nOrderedDict\n]\x85R.", "arguments"},
		{"bad persistent id", "\x80\x02X\x03\x00\x00\x00abcQ.", "persistent id"},
		{"unknown opcode", "\x80\x02I1\n.", "unsupported pickle opcode"},
		{"forbidden global", "\x80\x02cnt\nsystem\n.", "not allowed"},
		{"codecs with other encoding", "\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00utf-8\x86R.", "latin1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unpickle([]byte(tc.pkl), testResolver(100))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("unpickle = %v, %v; want an error containing %q", got, err, tc.want)
			}
		})
	}
}

// TestUnpickleTruncated runs every prefix of a real data.pkl: each must fail
// cleanly.
func TestUnpickleTruncated(t *testing.T) {
	pkl := stateDict([]tensorSpec{float4("a"), {"b", "BFloat16Storage", "1", 6, 0, []int64{2, 3}, []int64{3, 1}}})
	if _, err := unpickle(pkl, testResolver(100)); err != nil {
		t.Fatal(err)
	}
	for n := range len(pkl) {
		if _, err := unpickle(pkl[:n], testResolver(100)); err == nil {
			t.Fatalf("prefix of %d bytes unpickled without error", n)
		}
	}
}
