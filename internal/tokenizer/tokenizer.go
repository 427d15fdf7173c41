// Package tokenizer is BERT's tokenizer in Go: the special-token split, the
// BERT normalizer (control characters, CJK spacing, accents, case), the BERT
// pre-tokenizer (whitespace and punctuation) and WordPiece, with truncation
// and [CLS]/[SEP] around the pieces.
//
// It gives the same ids as Hugging Face's tokenizers library (the reference
// for tokenizer.json, which transformers' AutoTokenizer uses) for BERT
// tokenizer.json files, and as AutoTokenizer for a vocab.txt with its
// tokenizer_config.json. Character classes come from that library, not from
// package unicode: it uses older Unicode tables for punctuation, control and
// accent characters, and the difference shows on real text (new emoji
// modifiers, rare scripts). testdata/unicode.txt records them and tables.go is
// generated from it.
package tokenizer

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// ErrFormat marks tokenizer files that cannot be used: missing, malformed,
// or describing a tokenizer other than BERT's. Load and FromVocab wrap it in
// every error that is not an I/O failure.
var ErrFormat = errors.New("malformed tokenizer files")

// DefaultMaxLength is the longest encoding, [CLS] and [SEP] included, unless
// the files ask for less: BERT's position embeddings stop there.
const DefaultMaxLength = 512

// Options configures a tokenizer built from a vocabulary; Load fills them in
// from the files. The zero value of a number or string field means the
// default given; DefaultOptions turns every normalizer step on.
type Options struct {
	// The normalizer steps, in the order they run: remove control
	// characters and map whitespace to spaces; put spaces around CJK
	// ideographs; drop accents (NFD, then nonspacing marks); lowercase.
	CleanText, HandleCJK, StripAccents, Lowercase bool
	// MaxLength bounds Encode's output, specials included. 0 means 512.
	MaxLength int
	// UnkToken, ClsToken and SepToken default to "[UNK]", "[CLS]" and "[SEP]".
	UnkToken, ClsToken, SepToken string
	// ContinuingSubwordPrefix marks pieces inside a word; "" means "##".
	ContinuingSubwordPrefix string
	// MaxInputCharsPerWord: longer words become [UNK]. 0 means 100.
	MaxInputCharsPerWord int
	// AddedTokens are split out of the text before normalization; their ids
	// are assigned in this order as Hugging Face does (the vocabulary's id,
	// else the next free one past it). nil means "[PAD]", UnkToken,
	// ClsToken, SepToken and "[MASK]" as special tokens; an empty slice, none.
	AddedTokens []AddedToken
	// NeverSplit lists words kept whole, as (slow) BertTokenizer's
	// never_split: a whitespace-separated word of the raw text equal to one
	// of them maps straight to its id (or [UNK]) without normalization.
	NeverSplit []string
}

// DefaultOptions are those of an uncased BERT (bert-base-uncased, SciBERT,
// SPECTER2): every normalizer step on, 512 tokens.
func DefaultOptions() Options {
	return Options{CleanText: true, HandleCJK: true, StripAccents: true, Lowercase: true}
}

// Tokenizer turns text into BERT token ids. It is immutable and safe for
// concurrent use; make one with Load or FromVocab.
type Tokenizer struct {
	norm       normalizer
	wp         *wordPiece
	raw        *addedMatcher // added tokens matched in the raw text
	normalized *addedMatcher // added tokens matched in the normalized text
	neverSplit map[string]bool
	prefix     []int // template ids before the pieces ([CLS])
	suffix     []int // and after them ([SEP])
	maxLen     int
	truncLeft  bool
	ids        map[string]int // added tokens, then the vocabulary
	tokens     map[int]string
	size       int // one more than the largest id
}

type scratch struct {
	norm, piece  []byte
	ns           normScratch
	spans, inner []span
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// putScratch returns sc to the pool unless a huge text made it huge.
func putScratch(sc *scratch) {
	if cap(sc.norm) <= 1<<20 && cap(sc.ns.stage) <= 1<<20 && cap(sc.ns.nfd) <= 1<<20 {
		scratchPool.Put(sc)
	}
}

// Encode returns the ids of text as the model takes them: [CLS], the word
// pieces, [SEP], truncated to MaxLength by dropping pieces from the end.
// Special tokens written in the text ("title[SEP]abstract") are split out
// first and map straight to their ids.
func (t *Tokenizer) Encode(text string) []int {
	room := t.maxLen - len(t.prefix) - len(t.suffix)
	limit := len(t.prefix) + room
	if t.truncLeft {
		limit = -1
	}
	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	ids := make([]int, 0, min(t.maxLen, len(t.prefix)+len(text)+len(t.suffix))) // a piece has a byte at least
	ids = append(ids, t.prefix...)
	ids = t.appendPieces(ids, text, limit, sc)
	if pieces := ids[len(t.prefix):]; len(pieces) > room {
		if t.truncLeft {
			copy(pieces, pieces[len(pieces)-room:])
		}
		ids = ids[:len(t.prefix)+room]
	}
	return append(ids, t.suffix...)
}

// EncodeBatch encodes each text in turn.
func (t *Tokenizer) EncodeBatch(texts []string) [][]int {
	out := make([][]int, len(texts))
	for i, s := range texts {
		out[i] = t.Encode(s)
	}
	return out
}

// Tokens returns the tokens of text without [CLS]/[SEP] around them and
// without truncation: word pieces ("##" marks the inside of a word) and the
// special tokens written in the text.
func (t *Tokenizer) Tokens(text string) []string {
	sc := scratchPool.Get().(*scratch)
	defer putScratch(sc)
	ids := t.appendPieces(nil, text, -1, sc)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.tokens[id]
	}
	return out
}

// MaxLength is the longest encoding Encode returns, specials included.
func (t *Tokenizer) MaxLength() int { return t.maxLen }

// WithMaxLength returns a tokenizer that truncates to n tokens instead,
// sharing everything else with t. n must leave room for [CLS] and [SEP].
func (t *Tokenizer) WithMaxLength(n int) (*Tokenizer, error) {
	if n < len(t.prefix)+len(t.suffix) {
		return nil, fmt.Errorf("set tokenizer max length %d: it leaves no room for the %d special tokens", n, len(t.prefix)+len(t.suffix))
	}
	c := *t
	c.maxLen = n
	return &c, nil
}

// ID returns the id of a token (an added token or a vocabulary entry).
func (t *Tokenizer) ID(token string) (int, bool) {
	id, ok := t.ids[token]
	return id, ok
}

// VocabSize is one more than the largest id Encode can return.
func (t *Tokenizer) VocabSize() int { return t.size }

// appendPieces appends the ids of text without template or truncation,
// stopping once ids has limit entries (limit < 0: no limit).
func (t *Tokenizer) appendPieces(ids []int, text string, limit int, sc *scratch) []int {
	if t.raw == nil {
		return t.appendText(ids, text, limit, sc)
	}
	sc.spans = t.raw.split(text, sc.spans[:0])
	for _, sp := range sc.spans {
		if limit >= 0 && len(ids) >= limit {
			break
		}
		if sp.id >= 0 {
			ids = append(ids, sp.id)
			continue
		}
		ids = t.appendText(ids, text[sp.start:sp.end], limit, sc)
	}
	return ids
}

// appendText appends the ids of text holding no raw added token.
func (t *Tokenizer) appendText(ids []int, text string, limit int, sc *scratch) []int {
	if t.neverSplit == nil {
		return t.appendNormalized(ids, text, limit, sc)
	}
	// Words to keep whole are whitespace-separated words of the raw text.
	start := 0 // of the text not yet tokenized
	for i := 0; i < len(text); {
		j := i
		for j < len(text) && !isSpaceAt(text, j) {
			_, n := utf8.DecodeRuneInString(text[j:])
			j += n
		}
		if w := text[i:j]; w != "" && t.neverSplit[w] {
			ids = t.appendNormalized(ids, text[start:i], limit, sc)
			id, ok := t.ids[w]
			if !ok {
				id = t.wp.unk
			}
			ids = append(ids, id)
			start = j
		}
		for j < len(text) && isSpaceAt(text, j) {
			_, n := utf8.DecodeRuneInString(text[j:])
			j += n
		}
		i = j
	}
	return t.appendNormalized(ids, text[start:], limit, sc)
}

func isSpaceAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isSpace(r)
}

// chunkSize is how much text appendNormalized normalizes at a time when a
// limit may stop it early.
const chunkSize = 4096

// appendNormalized normalizes text and appends the ids of its words. With a
// limit, a long text goes in chunks cut after whitespace, so that a long
// document costs no more than its first 512 tokens. Whitespace never joins a
// word, nor a character to the marks after it, so the cuts change nothing.
func (t *Tokenizer) appendNormalized(ids []int, text string, limit int, sc *scratch) []int {
	for limit >= 0 && t.normalized == nil && len(text) > chunkSize {
		cut := len(text)
		if i := strings.IndexAny(text[chunkSize:], " \t\n\r"); i >= 0 {
			cut = chunkSize + i + 1
		}
		ids = t.appendChunk(ids, text[:cut], limit, sc)
		text = text[cut:]
		if len(ids) >= limit {
			return ids
		}
	}
	return t.appendChunk(ids, text, limit, sc)
}

func (t *Tokenizer) appendChunk(ids []int, text string, limit int, sc *scratch) []int {
	if text == "" {
		return ids
	}
	sc.norm = t.norm.appendNormalized(sc.norm[:0], text, &sc.ns)
	if t.normalized == nil {
		return t.wp.appendWords(ids, sc.norm, limit, sc)
	}
	normed := string(sc.norm)
	sc.inner = t.normalized.split(normed, sc.inner[:0])
	for _, sp := range sc.inner {
		if limit >= 0 && len(ids) >= limit {
			break
		}
		if sp.id >= 0 {
			ids = append(ids, sp.id)
			continue
		}
		ids = t.wp.appendWords(ids, []byte(normed[sp.start:sp.end]), limit, sc)
	}
	return ids
}
