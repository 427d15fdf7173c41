package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Load reads a tokenizer from a model directory laid out as on the Hugging
// Face Hub, the way transformers' AutoTokenizer reads it: tokenizer.json if
// present, else vocab.txt, with the optional tokenizer_config.json and
// special_tokens_map.json. Next to a tokenizer.json, tokenizer_config.json's
// do_lower_case, strip_accents and tokenize_chinese_chars override its
// normalizer, as BertTokenizerFast does (the files agree in practice).
// MaxLength is 512, or less where the files say so (tokenizer.json's
// truncation, tokenizer_config.json's model_max_length).
//
// Errors about the files' content wrap ErrFormat; a directory with neither
// tokenizer.json nor vocab.txt gives an error wrapping ErrFormat and
// fs.ErrNotExist.
func Load(dir string) (*Tokenizer, error) {
	cfg, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "tokenizer.json")
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return loadVocab(dir, cfg)
	case err != nil:
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	s, err := parseTokenizerJSON(data)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w: %v", path, ErrFormat, err)
	}
	if cfg.maxLength > 0 {
		s.opts.MaxLength = min(s.opts.MaxLength, cfg.maxLength)
	}
	cfg.overrideNormalizer(&s)
	t, err := build(s)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", path, err)
	}
	return t, nil
}

func loadVocab(dir string, cfg config) (*Tokenizer, error) {
	path := filepath.Join(dir, "vocab.txt")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load tokenizer from %s: %w: neither tokenizer.json nor vocab.txt is there (%w)", dir, ErrFormat, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	vocab, err := parseVocabTxt(data)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w: %v", path, ErrFormat, err)
	}
	t, err := FromVocab(vocab, cfg.options())
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", path, err)
	}
	return t, nil
}

// parseVocabTxt splits vocab.txt into tokens, one a line, id = line number
// from 0. Lines end as Python's text mode reads them (\n, \r\n or \r) and an
// empty line is a token (SciBERT's vocabulary has one).
func parseVocabTxt(data []byte) ([]string, error) {
	if len(data) == 0 {
		return nil, errors.New("vocab.txt is empty")
	}
	if !utf8.Valid(data) {
		line := 1 + strings.Count(string(data[:invalidAt(data)]), "\n")
		return nil, fmt.Errorf("vocab.txt is not UTF-8 (line %d)", line)
	}
	s := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n"), nil
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// config is what tokenizer_config.json and special_tokens_map.json say.
type config struct {
	found          bool   // tokenizer_config.json exists
	class          string // its tokenizer_class
	lower, cjk     bool
	strip          *bool // nil: follows lower
	neverSplit     []string
	maxLength      int // 0: not given
	unk, cls, sep  AddedToken
	pad, mask      AddedToken
	extra, decoder []AddedToken
}

type configJSON struct {
	TokenizerClass          string               `json:"tokenizer_class"`
	DoLowerCase             *bool                `json:"do_lower_case"`
	StripAccents            *bool                `json:"strip_accents"`
	TokenizeChineseChars    *bool                `json:"tokenize_chinese_chars"`
	NeverSplit              []string             `json:"never_split"`
	ModelMaxLength          json.Number          `json:"model_max_length"`
	UnkToken                *tokenJSON           `json:"unk_token"`
	ClsToken                *tokenJSON           `json:"cls_token"`
	SepToken                *tokenJSON           `json:"sep_token"`
	PadToken                *tokenJSON           `json:"pad_token"`
	MaskToken               *tokenJSON           `json:"mask_token"`
	AdditionalSpecialTokens []tokenJSON          `json:"additional_special_tokens"`
	AddedTokensDecoder      map[string]addedJSON `json:"added_tokens_decoder"`
}

// tokenJSON is a special token written as "[SEP]" or as an AddedToken
// object {"content": "[SEP]", "lstrip": false, ...}.
type tokenJSON struct{ AddedToken }

func (t *tokenJSON) UnmarshalJSON(b []byte) error {
	t.AddedToken = AddedToken{Special: true}
	if err := json.Unmarshal(b, &t.Content); err == nil {
		return nil
	}
	var a addedJSON
	if err := json.Unmarshal(b, &a); err != nil {
		return errors.New("a special token must be a string or an object with content")
	}
	a.Special = true
	tok, err := a.token()
	t.AddedToken = tok
	return err
}

// readConfig reads the optional tokenizer_config.json, then the optional
// special_tokens_map.json, whose tokens take precedence as in transformers.
func readConfig(dir string) (config, error) {
	c := defaultConfig()
	for _, name := range []string{"tokenizer_config.json", "special_tokens_map.json"} {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return c, fmt.Errorf("load tokenizer: %w", err)
		}
		if err := c.apply(data); err != nil {
			return c, fmt.Errorf("load tokenizer %s: %w: %v", path, ErrFormat, err)
		}
		c.found = c.found || name == "tokenizer_config.json"
	}
	return c, nil
}

func defaultConfig() config {
	return config{lower: true, cjk: true,
		unk: AddedToken{Content: "[UNK]", Special: true}, cls: AddedToken{Content: "[CLS]", Special: true},
		sep: AddedToken{Content: "[SEP]", Special: true}, pad: AddedToken{Content: "[PAD]", Special: true},
		mask: AddedToken{Content: "[MASK]", Special: true}}
}

// apply reads one configuration file over c.
func (c *config) apply(data []byte) error {
	var j configJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	if j.TokenizerClass != "" {
		c.class = j.TokenizerClass
	}
	c.lower = boolOr(j.DoLowerCase, c.lower)
	c.cjk = boolOr(j.TokenizeChineseChars, c.cjk)
	if j.StripAccents != nil {
		c.strip = j.StripAccents
	}
	if j.NeverSplit != nil {
		c.neverSplit = j.NeverSplit
	}
	if j.ModelMaxLength != "" {
		f, err := strconv.ParseFloat(string(j.ModelMaxLength), 64)
		if err != nil || f < 1 || math.IsNaN(f) {
			return fmt.Errorf("model_max_length %s is not a positive number", j.ModelMaxLength)
		}
		// Configs write "no limit" as 1e30; BERT stops at 512 anyway.
		c.maxLength = int(min(f, DefaultMaxLength))
	}
	for _, p := range []struct {
		dst *AddedToken
		src *tokenJSON
	}{{&c.unk, j.UnkToken}, {&c.cls, j.ClsToken}, {&c.sep, j.SepToken}, {&c.pad, j.PadToken}, {&c.mask, j.MaskToken}} {
		if p.src != nil {
			*p.dst = p.src.AddedToken
		}
	}
	if j.AdditionalSpecialTokens != nil {
		c.extra = c.extra[:0]
		for _, t := range j.AdditionalSpecialTokens {
			c.extra = append(c.extra, t.AddedToken)
		}
	}
	return c.applyDecoder(j.AddedTokensDecoder)
}

// applyDecoder reads added_tokens_decoder, {"id": token}, in id order as
// transformers adds them.
func (c *config) applyDecoder(dec map[string]addedJSON) error {
	if dec == nil {
		return nil
	}
	type entry struct {
		id  int
		tok AddedToken
	}
	var es []entry
	for k, a := range dec {
		id, err := strconv.Atoi(k)
		if err != nil || id < 0 {
			return fmt.Errorf("added_tokens_decoder key %q is not a token id", k)
		}
		tok, err := a.token()
		if err != nil {
			return fmt.Errorf("added_tokens_decoder %s: %v", k, err)
		}
		es = append(es, entry{id, tok})
	}
	slices.SortFunc(es, func(a, b entry) int { return a.id - b.id })
	c.decoder = c.decoder[:0]
	for _, e := range es {
		c.decoder = append(c.decoder, e.tok)
	}
	return nil
}

func (c config) options() Options {
	strip := c.lower
	if c.strip != nil {
		strip = *c.strip
	}
	added := slices.Concat(c.decoder, []AddedToken{c.unk, c.sep, c.pad, c.cls, c.mask}, c.extra)
	return Options{
		CleanText: true, HandleCJK: c.cjk, StripAccents: strip, Lowercase: c.lower,
		MaxLength: c.maxLength,
		UnkToken:  c.unk.Content, ClsToken: c.cls.Content, SepToken: c.sep.Content,
		AddedTokens: added,
		NeverSplit:  c.neverSplit,
	}
}

// overrideNormalizer applies what transformers' BertTokenizerFast does with
// a tokenizer.json: do_lower_case, strip_accents and tokenize_chinese_chars
// from tokenizer_config.json (or their defaults, true, null and true) replace
// the BertNormalizer's settings. The tokenizers library alone ignores the
// config; AutoTokenizer, which the Python reference uses, does not.
func (c config) overrideNormalizer(s *spec) {
	if !c.found || !s.bertNormalizer || (c.class != "" && c.class != "BertTokenizer" && c.class != "BertTokenizerFast") {
		return
	}
	s.opts.Lowercase = c.lower
	s.opts.StripAccents = c.lower
	if c.strip != nil {
		s.opts.StripAccents = *c.strip
	}
	s.opts.HandleCJK = c.cjk
}
