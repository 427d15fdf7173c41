package store

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Fold reduces a name or keyword to the form exact filters compare:
// compatibility-decomposed (NFKD), combining marks dropped, case-folded
// ("Straße" → "strasse"), every run of characters other than letters and
// digits turned into one space, trimmed. "José  Müller-Lüdenscheidt" folds to
// "jose muller ludenscheidt".
func Fold(s string) string {
	// A Caser keeps state, so each call makes its own; it is cheap.
	s = norm.NFKD.String(cases.Fold().String(s))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me):
			// dropped: the accents of the letter before
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mc, r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// maxTerms bounds the words of one query, so a pasted page of text costs
// no more than a long query.
const maxTerms = 64

// ftsQuery turns what a user typed into an FTS5 MATCH expression. User text
// never reaches FTS5 syntax: each whitespace-separated chunk becomes one
// double-quoted string of its words ("self-supervised" → "self supervised",
// which FTS5 reads as a phrase), text between double quotes becomes one
// phrase, and the strings are joined with OR, so BM25 ranks papers matching
// more of them first. Operators (AND, NEAR, *, ^, column:) are plain words.
func ftsQuery(text string) (string, error) {
	parts, err := QueryParts(text)
	if err != nil {
		return "", err
	}
	return matchExpr(parts), nil
}

// QueryParts splits a query into its OR'ed parts, each the words of one
// chunk or phrase, without repeats and at most maxTerms words in all. A
// query without words is an error wrapping paper.ErrInvalid. Other
// keyword backends call it so that a query means the same everywhere.
func QueryParts(text string) ([][]string, error) {
	var parts [][]string
	seen := map[string]bool{}
	budget := maxTerms
	add := func(words []string) {
		if len(words) > budget {
			words = words[:budget]
		}
		key := strings.Join(words, " ")
		if len(words) == 0 || seen[key] {
			return
		}
		seen[key] = true
		budget -= len(words)
		parts = append(parts, words)
	}
	for i, chunk := range strings.Split(text, `"`) {
		if i%2 == 1 { // between quotes; an unclosed quote runs to the end
			add(words(chunk))
			continue
		}
		for _, f := range strings.FieldsFunc(chunk, unicode.IsSpace) {
			add(words(f))
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("query has no searchable words: %w", paper.ErrInvalid)
	}
	return parts, nil
}

func matchExpr(parts [][]string) string {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = `"` + strings.Join(p, " ") + `"`
	}
	return strings.Join(quoted, " OR ")
}

// Words splits text into the words the keyword index holds, folded as it
// folds them (lower-cased, Latin accents removed), so comparing the Words of
// a query with the Words of a paper's fields tells which query words the
// paper matched; the search package reports them as a result's matched
// terms.
func Words(text string) []string { return words(text) }

// words splits s into the words FTS5's unicode61 tokenizer would find,
// each folded the way "unicode61 remove_diacritics 2" folds (measured on
// SQLite 3.54): lower-cased, with the accents of Latin letters removed. Like
// the tokenizer it keeps other scripts' combining marks (Greek tonos,
// Devanagari vowel signs, Cyrillic breves) inside their word, and it applies
// no compatibility decomposition ("ﬁ" stays), so a folded word matches what
// the index holds. Where the two still differ, the quoted word is
// re-tokenized by FTS5 itself, so the worst case is a missed match, never an
// error.
func words(s string) []string {
	var out []string
	var w []rune // the word so far; it always starts with a letter or digit
	base := utf8.RuneError
	flush := func() {
		if len(w) > 0 {
			out = append(out, norm.NFC.String(string(w)))
		}
		w = w[:0]
	}
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.M, r):
			if len(w) > 0 && !unicode.Is(unicode.Latin, base) {
				w = append(w, r)
			}
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r):
			base = r
			w = append(w, unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}
