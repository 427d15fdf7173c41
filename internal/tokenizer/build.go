package tokenizer

import (
	"fmt"
	"slices"
)

// maxID bounds token ids, so a hostile file cannot make us allocate a huge
// id table; real vocabularies are far smaller.
const maxID = 1 << 24

// spec is what the loaders read: a vocabulary, options, and for
// tokenizer.json the template and truncation side it names.
type spec struct {
	vocab          map[string]int
	opts           Options
	template       *template // nil: ClsToken A SepToken
	truncLeft      bool
	bertNormalizer bool // tokenizer.json has a BertNormalizer
}

// template lists the ids of the tokens around the sequence.
type template struct {
	prefix, suffix []int
}

// FromVocab builds a tokenizer from a WordPiece vocabulary (token i has id i,
// as in vocab.txt) and options. Duplicate tokens are an error.
func FromVocab(vocab []string, opts Options) (*Tokenizer, error) {
	if len(vocab) == 0 {
		return nil, fmt.Errorf("build tokenizer: %w: empty vocabulary", ErrFormat)
	}
	if len(vocab) > maxID {
		return nil, fmt.Errorf("build tokenizer: %w: %d tokens is more than %d", ErrFormat, len(vocab), maxID)
	}
	m := make(map[string]int, len(vocab))
	for i, tok := range vocab {
		if j, dup := m[tok]; dup {
			return nil, fmt.Errorf("build tokenizer: %w: token %q appears twice in the vocabulary (ids %d and %d)", ErrFormat, tok, j, i)
		}
		m[tok] = i
	}
	return build(spec{vocab: m, opts: opts})
}

func build(s spec) (*Tokenizer, error) {
	o := withDefaults(s.opts)
	if len(s.vocab) == 0 {
		return nil, fmt.Errorf("build tokenizer: %w: empty vocabulary", ErrFormat)
	}
	unk, ok := s.vocab[o.UnkToken]
	if !ok {
		return nil, fmt.Errorf("build tokenizer: %w: unknown token %q is not in the vocabulary", ErrFormat, o.UnkToken)
	}
	t := &Tokenizer{
		norm: normalizer{clean: o.CleanText, cjk: o.HandleCJK, strip: o.StripAccents, lower: o.Lowercase},
		wp:   newWordPiece(s.vocab, unk, o.ContinuingSubwordPrefix, o.MaxInputCharsPerWord),
		ids:  make(map[string]int, len(s.vocab)+len(o.AddedTokens)),
	}
	size := 0
	for tok, id := range s.vocab {
		if id < 0 || id >= maxID {
			return nil, fmt.Errorf("build tokenizer: %w: token %q has id %d, outside 0..%d", ErrFormat, tok, id, maxID-1)
		}
		t.ids[tok] = id
		size = max(size, id+1)
	}
	added, size := assignIDs(o.AddedTokens, s.vocab, size)
	t.size = size
	t.tokens = tokenTable(s.vocab)
	for _, p := range added {
		t.ids[p.tok.Content] = p.id
		t.tokens[p.id] = p.tok.Content
	}
	t.setMatchers(added)
	if err := t.setTemplate(s, o); err != nil {
		return nil, err
	}
	if err := t.setMaxLength(o.MaxLength); err != nil {
		return nil, err
	}
	t.truncLeft = s.truncLeft
	if len(o.NeverSplit) > 0 {
		t.neverSplit = make(map[string]bool, len(o.NeverSplit))
		for _, w := range o.NeverSplit {
			t.neverSplit[w] = true
		}
	}
	return t, nil
}

func withDefaults(o Options) Options {
	if o.UnkToken == "" {
		o.UnkToken = "[UNK]"
	}
	if o.ClsToken == "" {
		o.ClsToken = "[CLS]"
	}
	if o.SepToken == "" {
		o.SepToken = "[SEP]"
	}
	if o.ContinuingSubwordPrefix == "" {
		o.ContinuingSubwordPrefix = "##"
	}
	if o.MaxInputCharsPerWord <= 0 {
		o.MaxInputCharsPerWord = 100
	}
	if o.AddedTokens == nil {
		for _, tok := range []string{"[PAD]", o.UnkToken, o.ClsToken, o.SepToken, "[MASK]"} {
			o.AddedTokens = append(o.AddedTokens, AddedToken{Content: tok, Special: true})
		}
	}
	return o
}

// assignIDs gives each added token its id as Hugging Face's AddedVocabulary
// does: a token already known keeps its id; a new one takes the vocabulary
// size (the number of entries), or one past the largest added id beyond it.
// It returns the tokens, special ones first as the reference matches them,
// and the id table size.
func assignIDs(toks []AddedToken, vocab map[string]int, size int) ([]addedPattern, int) {
	var out []addedPattern
	byContent := map[string]int{} // index in out
	next := -1
	for _, tok := range toks {
		if tok.Content == "" {
			continue
		}
		if i, ok := byContent[tok.Content]; ok {
			tok.Special = tok.Special || out[i].tok.Special
			out[i].tok = tok // the latest options win, the id stays
			continue
		}
		id, ok := vocab[tok.Content]
		if !ok {
			if next < 0 {
				next = len(vocab)
			}
			id = next
		}
		if id >= len(vocab) {
			next = max(next, id+1)
		}
		byContent[tok.Content] = len(out)
		out = append(out, addedPattern{id: id, tok: tok})
		size = max(size, id+1)
	}
	slices.SortStableFunc(out, func(a, b addedPattern) int {
		return boolRank(b.tok.Special) - boolRank(a.tok.Special)
	})
	return out, size
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tokenTable maps ids to tokens. Several tokens may share an id in a
// tokenizer.json; it keeps the smallest so the table does not depend on map
// order. A map, not a slice: ids may be sparse.
func tokenTable(vocab map[string]int) map[int]string {
	m := make(map[int]string, len(vocab))
	for tok, id := range vocab {
		if old, ok := m[id]; !ok || tok < old {
			m[id] = tok
		}
	}
	return m
}

// setMatchers builds the matchers of raw and normalized added tokens.
func (t *Tokenizer) setMatchers(added []addedPattern) {
	var raw, normed []addedPattern
	sc := new(scratch)
	for _, p := range added {
		if !p.tok.Normalized {
			p.text = p.tok.Content
			raw = append(raw, p)
			continue
		}
		p.text = string(t.norm.appendNormalized(nil, p.tok.Content, &sc.ns))
		normed = append(normed, p)
	}
	t.raw = newAddedMatcher(raw)
	t.normalized = newAddedMatcher(normed)
}

func (t *Tokenizer) setTemplate(s spec, o Options) error {
	if s.template != nil {
		for _, id := range slices.Concat(s.template.prefix, s.template.suffix) {
			if _, ok := t.tokens[id]; !ok {
				return fmt.Errorf("build tokenizer: %w: post-processor token id %d is not in the vocabulary", ErrFormat, id)
			}
		}
		t.prefix, t.suffix = s.template.prefix, s.template.suffix
		return nil
	}
	cls, ok := t.ids[o.ClsToken]
	if !ok {
		return fmt.Errorf("build tokenizer: %w: %q is not in the vocabulary", ErrFormat, o.ClsToken)
	}
	sep, ok := t.ids[o.SepToken]
	if !ok {
		return fmt.Errorf("build tokenizer: %w: %q is not in the vocabulary", ErrFormat, o.SepToken)
	}
	t.prefix, t.suffix = []int{cls}, []int{sep}
	return nil
}

func (t *Tokenizer) setMaxLength(n int) error {
	if n == 0 {
		n = DefaultMaxLength
	}
	if n < len(t.prefix)+len(t.suffix) {
		return fmt.Errorf("build tokenizer: %w: max length %d leaves no room for the %d special tokens", ErrFormat, n, len(t.prefix)+len(t.suffix))
	}
	t.maxLen = n
	return nil
}
