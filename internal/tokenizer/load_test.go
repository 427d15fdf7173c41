package tokenizer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// minimalJSON is a valid BERT tokenizer.json; cases below break one part.
const minimalJSON = `{
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
  ],
  "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
  "pre_tokenizer": {"type": "BertPreTokenizer"},
  "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
  "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
    "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "##s": 5}}
}`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadMalformed(t *testing.T) {
	swap := func(old, new string) string {
		if !strings.Contains(minimalJSON, old) {
			t.Fatalf("minimalJSON has no %q", old)
		}
		return strings.Replace(minimalJSON, old, new, 1)
	}
	vocab := "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string // in the error message
	}{
		{"no files", nil, "neither tokenizer.json nor vocab.txt"},
		{"empty vocab.txt", map[string]string{"vocab.txt": ""}, "vocab.txt is empty"},
		{"duplicate token", map[string]string{"vocab.txt": vocab + "hello\n"}, `token "hello" appears twice in the vocabulary (ids 4 and 5)`},
		{"missing [UNK]", map[string]string{"vocab.txt": "[PAD]\n[CLS]\n[SEP]\n"}, `unknown token "[UNK]" is not in the vocabulary`},
		{"custom unk missing", map[string]string{"vocab.txt": vocab, "tokenizer_config.json": `{"unk_token": "<unk>"}`}, `unknown token "<unk>"`},
		{"not UTF-8", map[string]string{"vocab.txt": "[UNK]\n\xff\xfe\n"}, "not UTF-8 (line 2)"},
		{"bad config JSON", map[string]string{"vocab.txt": vocab, "tokenizer_config.json": `{"do_lower_case": `}, "tokenizer_config.json: malformed tokenizer files: invalid JSON"},
		{"config wrong type", map[string]string{"vocab.txt": vocab, "tokenizer_config.json": `{"do_lower_case": "yes"}`}, "do_lower_case"},
		{"negative max length", map[string]string{"vocab.txt": vocab, "tokenizer_config.json": `{"model_max_length": -1}`}, "model_max_length -1 is not a positive number"},
		{"bad special token", map[string]string{"vocab.txt": vocab, "special_tokens_map.json": `{"sep_token": 3}`}, "a special token must be a string or an object"},
		{"bad added_tokens_decoder", map[string]string{"vocab.txt": vocab, "tokenizer_config.json": `{"added_tokens_decoder": {"x": {"content": "a"}}}`}, `added_tokens_decoder key "x"`},
		{"empty tokenizer.json", map[string]string{"tokenizer.json": ""}, "invalid JSON"},
		{"bad JSON", map[string]string{"tokenizer.json": minimalJSON[:100]}, "invalid JSON"},
		{"BPE model", map[string]string{"tokenizer.json": swap(`"model": {"type": "WordPiece",`, `"model": {"type": "BPE",`)}, `model type "BPE" is not supported (want WordPiece)`},
		{"untyped BPE model", map[string]string{"tokenizer.json": swap(`"model": {"type": "WordPiece",`, `"model": {"merges": [],`)}, `model type "BPE" is not supported`},
		{"no model", map[string]string{"tokenizer.json": `{"version": "1.0"}`}, "no model"},
		{"no vocab", map[string]string{"tokenizer.json": swap(`"vocab": {`, `"vocab2": {`)}, "has no vocab"},
		{"vocab not object", map[string]string{"tokenizer.json": swap(`"vocab": {"[PAD]": 0,`, `"vocab": ["[PAD]"], "x": {`)}, "vocab is not a JSON object"},
		{"empty vocab", map[string]string{"tokenizer.json": swap(`"vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "##s": 5}`, `"vocab": {}`)}, "vocab is empty"},
		{"duplicate vocab key", map[string]string{"tokenizer.json": swap(`"##s": 5`, `"##s": 5, "hello": 6`)}, `token "hello" appears twice`},
		{"negative id", map[string]string{"tokenizer.json": swap(`"##s": 5`, `"##s": -5`)}, `id -5 of "##s" is not an integer`},
		{"fractional id", map[string]string{"tokenizer.json": swap(`"##s": 5`, `"##s": 5.5`)}, `id 5.5 of "##s"`},
		{"string id", map[string]string{"tokenizer.json": swap(`"##s": 5`, `"##s": "5"`)}, `id of "##s" is not a number`},
		{"unk not in vocab", map[string]string{"tokenizer.json": swap(`"unk_token": "[UNK]"`, `"unk_token": "<unk>"`)}, `unknown token "<unk>" is not in the vocabulary`},
		{"no unk token", map[string]string{"tokenizer.json": swap(`"unk_token": "[UNK]",`, ``)}, "no unk_token"},
		{"bad version", map[string]string{"tokenizer.json": swap(`"version": "1.0"`, `"version": "2.0"`)}, `unknown version "2.0"`},
		{"other normalizer", map[string]string{"tokenizer.json": swap(`"type": "BertNormalizer"`, `"type": "NFKC"`)}, `normalizer type "NFKC" is not supported`},
		{"no pre-tokenizer", map[string]string{"tokenizer.json": swap(`{"type": "BertPreTokenizer"}`, `null`)}, "no pre_tokenizer"},
		{"other pre-tokenizer", map[string]string{"tokenizer.json": swap(`"BertPreTokenizer"`, `"ByteLevel"`)}, `pre_tokenizer type "ByteLevel"`},
		{"other post-processor", map[string]string{"tokenizer.json": swap(`"type": "BertProcessing"`, `"type": "RobertaProcessing"`)}, `post_processor type "RobertaProcessing" is not supported`},
		{"post-processor id out of range", map[string]string{"tokenizer.json": swap(`["[SEP]", 3]`, `["[SEP]", 99]`)}, "post-processor token id 99"},
		{"bad BertProcessing", map[string]string{"tokenizer.json": swap(`["[SEP]", 3]`, `["[SEP]"]`)}, `post_processor sep: want ["token", id]`},
		{"added token without content", map[string]string{"tokenizer.json": swap(`"content": "[CLS]", `, ``)}, "an added token has no content"},
		{"zero truncation", map[string]string{"tokenizer.json": swap(`"truncation": null`, `"truncation": {"max_length": 0}`)}, "truncation max_length 0 is not positive"},
		{"truncation too short", map[string]string{"tokenizer.json": swap(`"truncation": null`, `"truncation": {"max_length": 1}`)}, "max length 1 leaves no room for the 2 special tokens"},
		{"bad max chars", map[string]string{"tokenizer.json": swap(`"max_input_chars_per_word": 100`, `"max_input_chars_per_word": 0`)}, "max_input_chars_per_word 0 is not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFiles(t, tc.files))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %q does not wrap ErrFormat", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line containing %q", msg, tc.want)
			}
		})
	}
}

func TestLoadMissingIsNotExist(t *testing.T) {
	_, err := Load(t.TempDir())
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrFormat) {
		t.Errorf("Load(empty dir) = %v, want ErrFormat and fs.ErrNotExist", err)
	}
}

func TestLoadMinimal(t *testing.T) {
	tok, err := Load(writeFiles(t, map[string]string{"tokenizer.json": minimalJSON}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2, 4, 4, 5, 4, 1, 3, 3}, tok.Encode("HELLO hellos héllo![SEP]")); diff != "" {
		t.Errorf("Encode mismatch (-want +got):\n%s", diff)
	}
}

// TestVocabTxtLines checks that ids are line numbers: an empty line is a
// token (as in SciBERT's vocabulary), and \r\n or \r end lines as in Python.
func TestVocabTxtLines(t *testing.T) {
	tests := []struct {
		name, vocab string
		want        []string
	}{
		{"lf", "a\n\nb\n", []string{"a", "", "b"}},
		{"no final newline", "a\nb", []string{"a", "b"}},
		{"crlf", "a\r\n\r\nb\r\n", []string{"a", "", "b"}},
		{"cr", "a\rb\r", []string{"a", "b"}},
		{"trailing spaces kept", "a \n b\n", []string{"a ", " b"}},
		{"one empty line", "\n", []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseVocabTxt([]byte(tc.vocab))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseVocabTxt(%q) mismatch (-want +got):\n%s", tc.vocab, diff)
			}
		})
	}
}
