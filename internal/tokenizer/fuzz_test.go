package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzEncode(f *testing.F) {
	for _, s := range []string{"", "Hello, world!", "title[SEP]abstract", "[sep] [SEP [CLS]]", "Café 中文 😀 ∑",
		"a\u0000b\u200b\uFEFFc\u0301", strings.Repeat("a", 101), "x<eq>y ony GPUs Über", "\xff\xfe[SEP]\xc3"} {
		f.Add(s)
	}
	toks := map[string]*Tokenizer{}
	for _, v := range []string{"uncased", "raw", "added", "short_left"} {
		toks[v] = mustLoad(f, filepath.Join("testdata", v))
	}
	f.Fuzz(func(t *testing.T, text string) {
		for name, tok := range toks {
			ids := tok.Encode(text)
			if len(ids) < 2 || len(ids) > tok.MaxLength() {
				t.Fatalf("%s: %d ids, want 2..%d", name, len(ids), tok.MaxLength())
			}
			cls, _ := tok.ID("[CLS]")
			sep, _ := tok.ID("[SEP]")
			if ids[0] != cls || ids[len(ids)-1] != sep {
				t.Fatalf("%s: encoding %v is not [CLS] ... [SEP]", name, ids)
			}
			for _, id := range ids {
				if id < 0 || id >= tok.VocabSize() {
					t.Fatalf("%s: id %d outside 0..%d", name, id, tok.VocabSize()-1)
				}
			}
			pieces := tok.Tokens(text)
			if n := len(ids) - 2; n < tok.MaxLength()-2 && n != len(pieces) {
				t.Fatalf("%s: Encode has %d pieces untruncated, Tokens %d", name, n, len(pieces))
			}
		}
	})
}

// FuzzLoad feeds arbitrary tokenizer.json bytes to the parser: it must
// return an error or a working tokenizer, never panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimalJSON))
	f.Add([]byte(`{"model": {"vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}, "pre_tokenizer": {"type": "BertPreTokenizer"}}`))
	f.Add([]byte(`{"model": {"type": "WordPiece", "vocab": {"[UNK]": 16777215}, "unk_token": "[UNK]"}}`))
	for _, v := range []string{"added", "short_left", "bert_processing"} {
		data, err := os.ReadFile(filepath.Join("testdata", v, "tokenizer.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseTokenizerJSON(data)
		if err != nil {
			return
		}
		tok, err := build(s)
		if err != nil {
			return
		}
		for _, id := range tok.Encode("Hello [SEP] wörld 中文, ony <eq> GPU") {
			if id < 0 || id >= tok.VocabSize() {
				t.Fatalf("id %d outside 0..%d", id, tok.VocabSize()-1)
			}
		}
	})
}

// FuzzLoadVocab feeds arbitrary vocab.txt and tokenizer_config.json bytes.
func FuzzLoadVocab(f *testing.F) {
	f.Add([]byte("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n"), []byte(`{"do_lower_case": false, "model_max_length": 1e30}`))
	f.Add([]byte("[UNK]\r\n\r\n[CLS]\r[SEP]"), []byte(`{"never_split": ["[X]"], "added_tokens_decoder": {"9": {"content": "new", "normalized": true}}}`))
	f.Fuzz(func(t *testing.T, vocab, cfg []byte) {
		words, err := parseVocabTxt(vocab)
		if err != nil {
			return
		}
		c := defaultConfig()
		if c.apply(cfg) != nil {
			return
		}
		tok, err := FromVocab(words, c.options())
		if err != nil {
			return
		}
		for _, id := range tok.Encode("Hello [SEP] wörld [X] new") {
			if id < 0 || id >= tok.VocabSize() {
				t.Fatalf("id %d outside 0..%d", id, tok.VocabSize()-1)
			}
		}
	})
}
