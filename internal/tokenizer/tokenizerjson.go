package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The parts of a tokenizer.json (Hugging Face tokenizers' serialization)
// that a BERT tokenizer uses.
type fileJSON struct {
	Version       *string         `json:"version"`
	Truncation    *truncationJSON `json:"truncation"`
	AddedTokens   []addedJSON     `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Model         json.RawMessage `json:"model"`
}

type truncationJSON struct {
	MaxLength int    `json:"max_length"`
	Direction string `json:"direction"`
}

type addedJSON struct {
	Content    *string `json:"content"`
	SingleWord bool    `json:"single_word"`
	LStrip     bool    `json:"lstrip"`
	RStrip     bool    `json:"rstrip"`
	Normalized *bool   `json:"normalized"`
	Special    bool    `json:"special"`
}

func (a addedJSON) token() (AddedToken, error) {
	if a.Content == nil {
		return AddedToken{}, errors.New("an added token has no content")
	}
	t := AddedToken{Content: *a.Content, Special: a.Special, LStrip: a.LStrip, RStrip: a.RStrip, SingleWord: a.SingleWord}
	t.Normalized = !a.Special
	if a.Normalized != nil {
		t.Normalized = *a.Normalized
	}
	return t, nil
}

type typed struct {
	Type string `json:"type"`
}

type bertNormalizerJSON struct {
	CleanText          *bool `json:"clean_text"`
	HandleChineseChars *bool `json:"handle_chinese_chars"`
	StripAccents       *bool `json:"strip_accents"`
	Lowercase          *bool `json:"lowercase"`
}

type wordPieceJSON struct {
	Type                    string          `json:"type"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	MaxInputCharsPerWord    *int            `json:"max_input_chars_per_word"`
	Vocab                   json.RawMessage `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
}

// parseTokenizerJSON reads a tokenizer.json. Its errors say what is wrong
// in one line; the caller adds the path and ErrFormat.
func parseTokenizerJSON(data []byte) (spec, error) {
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return spec{}, fmt.Errorf("invalid JSON: %v", err)
	}
	if f.Version != nil && *f.Version != "1.0" {
		return spec{}, fmt.Errorf("unknown version %q (want \"1.0\")", *f.Version)
	}
	s := spec{opts: Options{AddedTokens: []AddedToken{}}}
	var err error
	if s.vocab, err = parseModel(f.Model, &s.opts); err != nil {
		return spec{}, err
	}
	if err := parseNormalizer(f.Normalizer, &s.opts); err != nil {
		return spec{}, err
	}
	s.bertNormalizer = !isNull(f.Normalizer)
	if err := checkPreTokenizer(f.PreTokenizer); err != nil {
		return spec{}, err
	}
	for _, a := range f.AddedTokens {
		t, err := a.token()
		if err != nil {
			return spec{}, err
		}
		s.opts.AddedTokens = append(s.opts.AddedTokens, t)
	}
	if s.template, err = parsePostProcessor(f.PostProcessor); err != nil {
		return spec{}, err
	}
	s.opts.MaxLength = DefaultMaxLength
	if tr := f.Truncation; tr != nil {
		switch {
		case tr.MaxLength <= 0:
			return spec{}, fmt.Errorf("truncation max_length %d is not positive", tr.MaxLength)
		case tr.Direction != "" && tr.Direction != "Right" && tr.Direction != "Left":
			return spec{}, fmt.Errorf("unknown truncation direction %q", tr.Direction)
		}
		s.opts.MaxLength = min(s.opts.MaxLength, tr.MaxLength)
		s.truncLeft = tr.Direction == "Left"
	}
	return s, nil
}

func parseModel(raw json.RawMessage, o *Options) (map[string]int, error) {
	if isNull(raw) {
		return nil, errors.New("no model")
	}
	var m wordPieceJSON
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("model: %v", err)
	}
	// Files written before tokenizers 0.11 carry no model type.
	if m.Type != "WordPiece" && (m.Type != "" || m.Merges != nil) {
		name := m.Type
		if name == "" {
			name = "BPE"
		}
		return nil, fmt.Errorf("model type %q is not supported (want WordPiece)", name)
	}
	if m.UnkToken == nil || *m.UnkToken == "" {
		return nil, errors.New("WordPiece model has no unk_token")
	}
	o.UnkToken = *m.UnkToken
	o.ContinuingSubwordPrefix = "##"
	if m.ContinuingSubwordPrefix != nil {
		o.ContinuingSubwordPrefix = *m.ContinuingSubwordPrefix
	}
	o.MaxInputCharsPerWord = 100
	if m.MaxInputCharsPerWord != nil {
		if *m.MaxInputCharsPerWord <= 0 {
			return nil, fmt.Errorf("max_input_chars_per_word %d is not positive", *m.MaxInputCharsPerWord)
		}
		o.MaxInputCharsPerWord = *m.MaxInputCharsPerWord
	}
	return parseVocabObject(m.Vocab)
}

// parseVocabObject reads {"token": id, ...}, rejecting repeated tokens,
// which a plain decode into a map would hide.
func parseVocabObject(raw json.RawMessage) (map[string]int, error) {
	if isNull(raw) {
		return nil, errors.New("WordPiece model has no vocab")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("vocab is not a JSON object")
	}
	vocab := map[string]int{}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("vocab: %v", err)
		}
		tok := key.(string) // object keys are strings
		val, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("vocab: %v", err)
		}
		num, ok := val.(json.Number)
		if !ok {
			return nil, fmt.Errorf("vocab: id of %q is not a number", tok)
		}
		id, err := strconv.Atoi(num.String())
		if err != nil || id < 0 || id >= maxID {
			return nil, fmt.Errorf("vocab: id %s of %q is not an integer in 0..%d", num, tok, maxID-1)
		}
		if _, dup := vocab[tok]; dup {
			return nil, fmt.Errorf("vocab: token %q appears twice", tok)
		}
		vocab[tok] = id
	}
	if len(vocab) == 0 {
		return nil, errors.New("vocab is empty")
	}
	return vocab, nil
}

func parseNormalizer(raw json.RawMessage, o *Options) error {
	if isNull(raw) {
		return nil // no normalizer: the text goes to the pre-tokenizer as it is
	}
	var t typed
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("normalizer: %v", err)
	}
	if t.Type != "BertNormalizer" {
		return fmt.Errorf("normalizer type %q is not supported (want BertNormalizer)", t.Type)
	}
	var n bertNormalizerJSON
	if err := json.Unmarshal(raw, &n); err != nil {
		return fmt.Errorf("normalizer: %v", err)
	}
	o.CleanText = boolOr(n.CleanText, true)
	o.HandleCJK = boolOr(n.HandleChineseChars, true)
	o.Lowercase = boolOr(n.Lowercase, true)
	o.StripAccents = boolOr(n.StripAccents, o.Lowercase) // null follows lowercase
	return nil
}

func checkPreTokenizer(raw json.RawMessage) error {
	var t typed
	if isNull(raw) {
		return errors.New("no pre_tokenizer (want BertPreTokenizer)")
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("pre_tokenizer: %v", err)
	}
	if t.Type != "BertPreTokenizer" {
		return fmt.Errorf("pre_tokenizer type %q is not supported (want BertPreTokenizer)", t.Type)
	}
	return nil
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

type templateJSON struct {
	Single        []map[string]templatePieceJSON `json:"single"`
	SpecialTokens map[string]struct {
		IDs []int `json:"ids"`
	} `json:"special_tokens"`
	Sep []json.RawMessage `json:"sep"` // BertProcessing: [token, id]
	Cls []json.RawMessage `json:"cls"`
}

type templatePieceJSON struct {
	ID string `json:"id"`
}

// parsePostProcessor reads the tokens put around a single sequence. A
// tokenizer without a post-processor adds none.
func parsePostProcessor(raw json.RawMessage) (*template, error) {
	if isNull(raw) {
		return &template{}, nil
	}
	var t typed
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("post_processor: %v", err)
	}
	var p templateJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("post_processor: %v", err)
	}
	switch t.Type {
	case "TemplateProcessing":
		return parseTemplate(p)
	case "BertProcessing":
		cls, err := processingID(p.Cls)
		if err != nil {
			return nil, fmt.Errorf("post_processor cls: %v", err)
		}
		sep, err := processingID(p.Sep)
		if err != nil {
			return nil, fmt.Errorf("post_processor sep: %v", err)
		}
		return &template{prefix: []int{cls}, suffix: []int{sep}}, nil
	}
	return nil, fmt.Errorf("post_processor type %q is not supported (want TemplateProcessing or BertProcessing)", t.Type)
}

func parseTemplate(p templateJSON) (*template, error) {
	t := &template{}
	seen := false
	for _, piece := range p.Single {
		if len(piece) != 1 {
			return nil, errors.New("post_processor: a template piece must be one SpecialToken or Sequence")
		}
		for kind, v := range piece {
			switch kind {
			case "Sequence":
				if v.ID != "A" || seen {
					return nil, fmt.Errorf("post_processor: the single template must hold sequence A once, not %q", v.ID)
				}
				seen = true
			case "SpecialToken":
				st, ok := p.SpecialTokens[v.ID]
				if !ok || len(st.IDs) == 0 {
					return nil, fmt.Errorf("post_processor: special token %q has no ids", v.ID)
				}
				if seen {
					t.suffix = append(t.suffix, st.IDs...)
				} else {
					t.prefix = append(t.prefix, st.IDs...)
				}
			default:
				return nil, fmt.Errorf("post_processor: unknown template piece %q", kind)
			}
		}
	}
	if !seen {
		return nil, errors.New("post_processor: the single template has no sequence A")
	}
	return t, nil
}

// processingID reads the id of BertProcessing's ["[SEP]", 102].
func processingID(pair []json.RawMessage) (int, error) {
	var id int
	if len(pair) != 2 || json.Unmarshal(pair[1], &id) != nil {
		return 0, errors.New(`want ["token", id]`)
	}
	return id, nil
}
