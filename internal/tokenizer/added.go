package tokenizer

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// AddedToken is a token found in the text before the model sees it and mapped
// straight to its id, as Hugging Face's AddedVocabulary does: the special
// tokens ([CLS], [SEP], [PAD], [UNK], [MASK]) and any others a model adds.
type AddedToken struct {
	Content string
	// Special tokens are the template and control tokens.
	Special bool
	// Normalized tokens match the normalized text (their content normalized
	// the same way); the others match the raw text, case-sensitively.
	Normalized bool
	// LStrip and RStrip make a match swallow the whitespace on its left or
	// right; SingleWord ignores matches inside a word.
	LStrip, RStrip, SingleWord bool
}

// span is a piece of a text: an added token (id >= 0) or text to tokenize.
type span struct{ start, end, id int }

type addedPattern struct {
	text string
	id   int
	tok  AddedToken
}

// addedMatcher finds added tokens leftmost-longest, as the reference's
// Aho-Corasick automaton does; there are few, so a first-byte index is enough.
type addedMatcher struct {
	pats    []addedPattern
	byFirst [256][]int // pattern indices, longest first
}

func newAddedMatcher(pats []addedPattern) *addedMatcher {
	m := &addedMatcher{}
	for _, p := range pats {
		if p.text == "" || slices.ContainsFunc(m.pats, func(q addedPattern) bool { return q.text == p.text }) {
			continue // the reference ignores empty tokens; the first of equal patterns wins
		}
		m.pats = append(m.pats, p)
		i := len(m.pats) - 1
		m.byFirst[p.text[0]] = append(m.byFirst[p.text[0]], i)
	}
	if len(m.pats) == 0 {
		return nil
	}
	for b := range m.byFirst {
		slices.SortStableFunc(m.byFirst[b], func(x, y int) int { return len(m.pats[y].text) - len(m.pats[x].text) })
	}
	return m
}

// longest returns the longest pattern that starts at s[i:], or nil.
func (m *addedMatcher) longest(s string, i int) *addedPattern {
	for _, k := range m.byFirst[s[i]] {
		p := &m.pats[k]
		if len(s)-i >= len(p.text) && s[i:i+len(p.text)] == p.text {
			return p
		}
	}
	return nil
}

// split appends to dst the pieces of s: added tokens and the text between.
func (m *addedMatcher) split(s string, dst []span) []span {
	done := 0 // end of the last piece appended
	for i := 0; i < len(s); {
		p := m.longest(s, i)
		if p == nil {
			i++
			continue
		}
		start, stop := i, i+len(p.text)
		// Matches do not overlap: the search resumes after this one even
		// when it is discarded.
		i = stop
		if p.tok.SingleWord && (endsWithWord(s[:start]) || startsWithWord(s[stop:])) {
			continue
		}
		if p.tok.LStrip {
			start = max(trailingSpaceStart(s[:start]), done)
		}
		if p.tok.RStrip {
			stop += leadingSpaceLen(s[stop:])
		}
		start = max(start, done)
		if done < start {
			dst = append(dst, span{done, start, -1})
		}
		dst = append(dst, span{start, stop, p.id})
		done = stop
	}
	if done < len(s) {
		dst = append(dst, span{done, len(s), -1})
	}
	return dst
}

// isWord reports whether r is a regular-expression word character (\w) as
// the reference's regex library sees it: alphabetic, a mark, a decimal digit,
// a connector or a join control, from its (newer than Go's) Unicode tables.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	return unicode.Is(wordTable, r)
}

func endsWithWord(s string) bool {
	r, n := utf8.DecodeLastRuneInString(s)
	return n > 0 && isWord(r)
}

func startsWithWord(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n > 0 && isWord(r)
}

func trailingSpaceStart(s string) int {
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return len(s)
}

func leadingSpaceLen(s string) int {
	for i, r := range s {
		if !unicode.IsSpace(r) {
			return i
		}
	}
	return len(s)
}
