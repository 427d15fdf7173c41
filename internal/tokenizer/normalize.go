package tokenizer

import (
	"bytes"
	"sort"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

//go:generate go run gen_tables.go

// caseRun maps lo, lo+stride, ... hi to itself plus delta.
type caseRun struct {
	lo, hi rune
	stride int32
	delta  int32
}

// ASCII classes, precomputed from the tables so the common case is one load.
const (
	classControl uint8 = 1 << iota
	classSpace
	classPunct
)

var asciiClass = func() (c [utf8.RuneSelf]uint8) {
	for r := range rune(utf8.RuneSelf) {
		if unicode.Is(controlTable, r) {
			c[r] |= classControl
		}
		if unicode.Is(spaceTable, r) {
			c[r] |= classSpace
		}
		if unicode.Is(punctTable, r) {
			c[r] |= classPunct
		}
	}
	return c
}()

func isControl(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&classControl != 0
	}
	return unicode.Is(controlTable, r)
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&classSpace != 0
	}
	return unicode.Is(spaceTable, r)
}

func isPunct(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&classPunct != 0
	}
	return unicode.Is(punctTable, r)
}

func isCJK(r rune) bool { return r >= 0x3400 && unicode.Is(cjkTable, r) }

func isMark(r rune) bool { return r >= 0x300 && unicode.Is(markTable, r) }

// appendLower appends the lowercase form of r: per character, without
// context (no final sigma), as the reference does.
func appendLower(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	i := sort.Search(len(lowerRuns), func(i int) bool { return lowerRuns[i].hi >= r })
	if i < len(lowerRuns) {
		if c := lowerRuns[i]; c.lo <= r && (r-c.lo)%c.stride == 0 {
			return utf8.AppendRune(dst, r+c.delta)
		}
	}
	if s, ok := lowerSpecial[r]; ok {
		return append(dst, s...)
	}
	return utf8.AppendRune(dst, r)
}

// normalizer is BERT's normalizer: clean_text, handle_chinese_chars,
// strip_accents and lowercase, applied in that order.
type normalizer struct {
	clean, cjk, strip, lower bool
}

// normScratch holds the normalizer's intermediate text, reused between calls.
type normScratch struct {
	stage, nfd, chunk []byte
}

// appendNormalized appends the normalized form of s to dst. Bytes that are
// not UTF-8 read as U+FFFD.
func (n normalizer) appendNormalized(dst []byte, s string, ns *normScratch) []byte {
	if isASCII(s) {
		return n.appendASCII(dst, s)
	}
	stage := ns.stage[:0]
	for _, r := range s {
		if n.clean {
			if isControl(r) {
				continue
			}
			if isSpace(r) {
				r = ' '
			}
		}
		if n.cjk && isCJK(r) {
			stage = append(stage, ' ')
			stage = utf8.AppendRune(stage, r)
			stage = append(stage, ' ')
			continue
		}
		stage = utf8.AppendRune(stage, r)
	}
	ns.stage = stage
	if n.strip {
		ns.nfd = appendNFD(ns.nfd[:0], stage, &ns.chunk)
		return n.appendStripped(dst, ns.nfd)
	}
	if !n.lower {
		return append(dst, stage...)
	}
	for i := 0; i < len(stage); {
		r, size := utf8.DecodeRune(stage[i:])
		dst = appendLower(dst, r)
		i += size
	}
	return dst
}

// appendStripped appends b without nonspacing marks, lowercased if asked.
func (n normalizer) appendStripped(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		i += size
		switch {
		case isMark(r):
		case n.lower:
			dst = appendLower(dst, r)
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

func (n normalizer) appendASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if n.clean {
			if asciiClass[c]&classControl != 0 {
				continue
			}
			if asciiClass[c]&classSpace != 0 {
				c = ' '
			}
		}
		if n.lower && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendNFD appends the canonical decomposition of b to dst, leaving whole
// the characters the reference's older tables do not decompose. x/text
// normalizes the end of its output buffer again when the input starts with a
// combining mark, so each part goes through chunk, a buffer of its own.
func appendNFD(dst, b []byte, chunk *[]byte) []byte {
	for len(b) > 0 {
		i, size := indexNoDecompose(b)
		if i < 0 {
			i = len(b)
		}
		// These characters are starters, so splitting at them does not
		// change the canonical ordering on either side.
		*chunk = norm.NFD.Append((*chunk)[:0], b[:i]...)
		dst = append(dst, *chunk...)
		dst = append(dst, b[i:i+size]...)
		b = b[i+size:]
	}
	return dst
}

var noDecomposeUTF8 = func() (out [][]byte) {
	for _, r := range noDecompose {
		out = append(out, utf8.AppendRune(nil, r))
	}
	return out
}()

// indexNoDecompose returns the offset and length of the first character of b
// in noDecompose, or -1.
func indexNoDecompose(b []byte) (int, int) {
	best, size := -1, 0
	for _, enc := range noDecomposeUTF8 {
		if i := bytes.Index(b, enc); i >= 0 && (best < 0 || i < best) {
			best, size = i, len(enc)
		}
	}
	return best, size
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
