package tokenizer

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// refUnicode is testdata/unicode.txt: what each normalizer step of the
// reference does to every code point, how its pre-tokenizer classes it, and
// which are word characters to its single_word matching.
type refUnicode struct {
	clean, cjk, pre map[rune]string // op by code point
	word            map[rune]bool
	strip, lower    map[rune][]rune // output by code point
	hangul          [2]rune         // strip range decomposed algorithmically
}

func readUnicode(t *testing.T) refUnicode {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "unicode.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := refUnicode{clean: map[rune]string{}, cjk: map[rune]string{}, pre: map[rune]string{}, word: map[rune]bool{},
		strip: map[rune][]rune{}, lower: map[rune][]rune{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		first, last := hexRune(t, fs[1]), hexRune(t, fs[2])
		switch fs[0] {
		case "clean", "cjk", "pre":
			m := map[string]map[rune]string{"clean": u.clean, "cjk": u.cjk, "pre": u.pre}[fs[0]]
			for r := first; r <= last; r++ {
				m[r] = fs[3]
			}
		case "word":
			for r := first; r <= last; r++ {
				u.word[r] = true
			}
		case "strip", "lower":
			m := u.strip
			if fs[0] == "lower" {
				m = u.lower
			}
			if fs[3] == "hangul" {
				u.hangul = [2]rune{first, last}
				continue
			}
			expandRef(t, m, first, last, fs[3:])
		default:
			t.Fatalf("unicode.txt: unknown step in %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

func expandRef(t *testing.T, m map[rune][]rune, first, last rune, op []string) {
	t.Helper()
	switch op[0] {
	case "del":
		for r := first; r <= last; r++ {
			m[r] = []rune{}
		}
	case "seq":
		var seq []rune
		for _, h := range op[1:] {
			seq = append(seq, hexRune(t, h))
		}
		m[first] = seq
	case "delta":
		d, err1 := strconv.Atoi(op[1])
		s, err2 := strconv.Atoi(op[2])
		if err1 != nil || err2 != nil || s <= 0 {
			t.Fatalf("unicode.txt: bad delta %v", op)
		}
		for r := first; r <= last; r += rune(s) {
			m[r] = []rune{r + rune(d)}
		}
	default:
		t.Fatalf("unicode.txt: unknown op %v", op)
	}
}

func hexRune(t *testing.T, s string) rune {
	t.Helper()
	v, err := strconv.ParseInt(s, 16, 32)
	if err != nil {
		t.Fatalf("unicode.txt: bad code point %q", s)
	}
	return rune(v)
}

// TestUnicodeTables runs every Unicode scalar value through each normalizer
// step and the pre-tokenizer's classes, and compares with the reference.
func TestUnicodeTables(t *testing.T) {
	if testing.Short() {
		t.Skip("1.1 million code points")
	}
	u := readUnicode(t)
	steps := []struct {
		name string
		n    normalizer
		want func(r rune) []rune
	}{
		{"clean", normalizer{clean: true}, func(r rune) []rune {
			switch u.clean[r] {
			case "del":
				return nil
			case "sp":
				return []rune{' '}
			}
			return []rune{r}
		}},
		{"cjk", normalizer{cjk: true}, func(r rune) []rune {
			if u.cjk[r] == "pad" {
				return []rune{' ', r, ' '}
			}
			return []rune{r}
		}},
		{"strip", normalizer{strip: true}, func(r rune) []rune {
			if r >= u.hangul[0] && r <= u.hangul[1] {
				return []rune(string(hangulNFD(r)))
			}
			return refOr(u.strip, r)
		}},
		{"lower", normalizer{lower: true}, func(r rune) []rune { return refOr(u.lower, r) }},
	}
	var buf []byte
	var tmp normScratch
	fails := 0
	for r := rune(0); r <= unicode.MaxRune && fails < 20; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		for _, st := range steps {
			buf = st.n.appendNormalized(buf[:0], s, &tmp)
			if want := st.want(r); !equalRunes(buf, want) {
				got := []rune(string(buf))
				t.Errorf("%s(U+%04X) = %U, reference %U", st.name, r, got, want)
				fails++
			}
		}
		got := ""
		if isSpace(r) {
			got = "ws"
		}
		if isPunct(r) {
			got += "punct"
		}
		if want := u.pre[r]; got != want {
			t.Errorf("pre-tokenizer class of U+%04X = %q, reference %q", r, got, want)
			fails++
		}
		if got, want := isWord(r), u.word[r]; got != want {
			t.Errorf("isWord(U+%04X) = %v, reference %v", r, got, want)
			fails++
		}
	}
}

func equalRunes(b []byte, want []rune) bool {
	for _, r := range want {
		c, n := utf8.DecodeRune(b)
		if n == 0 || c != r {
			return false
		}
		b = b[n:]
	}
	return len(b) == 0
}

func refOr(m map[rune][]rune, r rune) []rune {
	if v, ok := m[r]; ok {
		return v
	}
	return []rune{r}
}

// hangulNFD is the Unicode algorithm for decomposing a Hangul syllable.
func hangulNFD(r rune) []rune {
	s := r - 0xAC00
	out := []rune{0x1100 + s/588, 0x1161 + (s%588)/28}
	if t := s % 28; t != 0 {
		out = append(out, 0x11A7+t)
	}
	return out
}

// TestStripReorders checks that accents are dropped after canonical
// reordering over the whole text, not character by character.
func TestStripReorders(t *testing.T) {
	n := normalizer{strip: true}
	var tmp normScratch
	// U+1D16D (ccc 226) before U+1D165 (ccc 216): NFD swaps them; neither is
	// a nonspacing mark, so both stay, in canonical order.
	got := string(n.appendNormalized(nil, "x\U0001D16D\U0001D165", &tmp))
	if want := "x\U0001D165\U0001D16D"; got != want {
		t.Errorf("strip = %+q, want %+q", got, want)
	}
	// U+11938 decomposes in Unicode 13, which the reference predates.
	got = string(n.appendNormalized(nil, "a\U00011938e\u0301\U00011938", &tmp))
	if want := "a\U00011938e\U00011938"; got != want {
		t.Errorf("strip = %+q, want %+q", got, want)
	}
}
