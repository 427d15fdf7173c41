package tokenizer

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustLoad(t testing.TB, dir string) *Tokenizer {
	t.Helper()
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestIDsAreLineNumbers guards against skipping the empty vocabulary line,
// which would shift every later id.
func TestIDsAreLineNumbers(t *testing.T) {
	vocabDir := t.TempDir()
	copyFile(t, filepath.Join("testdata", "vocab.txt"), filepath.Join(vocabDir, "vocab.txt"))
	for name, dir := range map[string]string{"tokenizer.json": filepath.Join("testdata", "uncased"), "vocab.txt": vocabDir} {
		t.Run(name, func(t *testing.T) {
			tok := mustLoad(t, dir)
			for token, want := range map[string]int{"[PAD]": 0, "[UNK]": 6, "[CLS]": 7, "[SEP]": 8, "": 475, "after": 478, "end": 480} {
				if got, ok := tok.ID(token); !ok || got != want {
					t.Errorf("ID(%q) = %d, %v; want %d", token, got, ok, want)
				}
			}
			if _, ok := tok.ID("nope"); ok {
				t.Error(`ID("nope") found`)
			}
			if got := tok.VocabSize(); got != 481 {
				t.Errorf("VocabSize = %d, want 481", got)
			}
		})
	}
}

func TestAddedTokenIDs(t *testing.T) {
	tok := mustLoad(t, filepath.Join("testdata", "added"))
	for token, want := range map[string]int{"ony": 333, "GPU": 481, "<eq>": 482, "Über": 483, "[NEW]": 484} {
		if got, ok := tok.ID(token); !ok || got != want {
			t.Errorf("ID(%q) = %d, %v; want %d", token, got, ok, want)
		}
	}
	if got := tok.VocabSize(); got != 485 {
		t.Errorf("VocabSize = %d, want 485", got)
	}
	if diff := cmp.Diff([]string{"[NEW]", "GPU", "s", "<eq>", "x"}, tok.Tokens("[NEW]GPUs <eq> x")); diff != "" {
		t.Errorf("Tokens mismatch (-want +got):\n%s", diff)
	}
}

func TestMaxLength(t *testing.T) {
	shortVocab := t.TempDir()
	copyFile(t, filepath.Join("testdata", "vocab.txt"), filepath.Join(shortVocab, "vocab.txt"))
	copyFile(t, filepath.Join("testdata", "short", "tokenizer_config.json"), filepath.Join(shortVocab, "tokenizer_config.json"))
	// uncased/tokenizer_config.json says 1e30 (no limit): BERT still stops at 512.
	uncasedVocab := t.TempDir()
	copyFile(t, filepath.Join("testdata", "vocab.txt"), filepath.Join(uncasedVocab, "vocab.txt"))
	copyFile(t, filepath.Join("testdata", "uncased", "tokenizer_config.json"), filepath.Join(uncasedVocab, "tokenizer_config.json"))
	withConfig := writeFiles(t, map[string]string{"tokenizer.json": minimalJSON, "tokenizer_config.json": `{"model_max_length": 5}`})
	tests := []struct {
		name string
		dir  string
		want int
	}{
		{"tokenizer.json", filepath.Join("testdata", "uncased"), 512},
		{"tokenizer.json truncation", filepath.Join("testdata", "short"), 16},
		{"tokenizer.json with config", withConfig, 5},
		{"vocab.txt 1e30", uncasedVocab, 512},
		{"vocab.txt", shortVocab, 16},
	}
	long := strings.Repeat("a ", 1000)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := mustLoad(t, tc.dir)
			if got := tok.MaxLength(); got != tc.want {
				t.Errorf("MaxLength = %d, want %d", got, tc.want)
			}
			checkEncoding(t, tok, tok.Encode(long))
			if got := len(tok.Encode(long)); got != tc.want {
				t.Errorf("len(Encode(long)) = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestWithMaxLength(t *testing.T) {
	tok := mustLoad(t, filepath.Join("testdata", "uncased"))
	short, err := tok.WithMaxLength(4)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{7, 140, 8, 8}, short.Encode("the[SEP]the the")); diff != "" {
		t.Errorf("Encode mismatch (-want +got):\n%s", diff)
	}
	if tok.MaxLength() != 512 || short.MaxLength() != 4 {
		t.Errorf("MaxLength = %d and %d, want 512 and 4", tok.MaxLength(), short.MaxLength())
	}
	if _, err := tok.WithMaxLength(1); err == nil {
		t.Error("WithMaxLength(1) succeeded")
	}
	two, err := tok.WithMaxLength(2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{7, 8}, two.Encode("the the")); diff != "" {
		t.Errorf("Encode mismatch (-want +got):\n%s", diff)
	}
}

func TestFromVocab(t *testing.T) {
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s", "!", "Hello"}
	tests := []struct {
		name string
		opts Options
		text string
		want []int
	}{
		{"defaults", DefaultOptions(), "Héllo worlds![MASK]", []int{2, 5, 6, 7, 8, 4, 3}},
		{"cased", Options{CleanText: true}, "Hello hello HELLO", []int{2, 9, 5, 1, 3}},
		{"never split", Options{CleanText: true, Lowercase: true, NeverSplit: []string{"Hello", "[X]"}},
			"Hello hello [X] Hello!", []int{2, 9, 5, 1, 5, 8, 3}},
		{"custom added", Options{Lowercase: true, AddedTokens: []AddedToken{{Content: "[SEP]", Special: true}, {Content: "world", Normalized: true}, {Content: "[CLS]"}}},
			"WORLDs [MASK]", []int{2, 6, 1, 1, 1, 1, 3}},
		{"invalid UTF-8 is U+FFFD", DefaultOptions(), "hel\xfflo", []int{2, 5, 3}},
		{"invalid UTF-8 kept", Options{}, "hel\xfflo", []int{2, 1, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := FromVocab(vocab, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := tok.Encode(tc.text)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Encode(%q) mismatch (-want +got):\n%s", tc.text, diff)
			}
			checkEncoding(t, tok, got)
		})
	}
}

func TestEncodeBatch(t *testing.T) {
	tok := mustLoad(t, filepath.Join("testdata", "uncased"))
	texts := []string{"", "hello world", strings.Repeat("model ", 600), "中文[SEP]x"}
	want := make([][]int, len(texts))
	for i, s := range texts {
		want[i] = tok.Encode(s)
	}
	if diff := cmp.Diff(want, tok.EncodeBatch(texts)); diff != "" {
		t.Errorf("EncodeBatch mismatch (-want +got):\n%s", diff)
	}
}

// TestConcurrentEncode shares one tokenizer between goroutines (run with
// -race): the scratch buffers must not leak between calls.
func TestConcurrentEncode(t *testing.T) {
	tok := mustLoad(t, filepath.Join("testdata", "added"))
	goldens := readGoldens(t, filepath.Join("testdata", "golden.jsonl"))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, g := range goldens {
				if got := tok.Encode(g.Text); !cmp.Equal(got, g.IDs["added"]) {
					t.Errorf("%s: concurrent Encode differs from the reference", g.Name)
				}
			}
		})
	}
	wg.Wait()
}

// checkEncoding checks what every encoding must satisfy.
func checkEncoding(t *testing.T, tok *Tokenizer, ids []int) {
	t.Helper()
	if len(ids) < 2 || len(ids) > tok.MaxLength() {
		t.Fatalf("encoding of length %d, want 2..%d", len(ids), tok.MaxLength())
	}
	if cls, _ := tok.ID("[CLS]"); ids[0] != cls {
		t.Errorf("encoding starts with %d, want [CLS] %d", ids[0], cls)
	}
	if sep, _ := tok.ID("[SEP]"); ids[len(ids)-1] != sep {
		t.Errorf("encoding ends with %d, want [SEP] %d", ids[len(ids)-1], sep)
	}
	for _, id := range ids {
		if id < 0 || id >= tok.VocabSize() {
			t.Fatalf("id %d outside 0..%d", id, tok.VocabSize()-1)
		}
	}
}

// TestLongTextChunks checks that encoding a long text in chunks (to stop at
// 512 tokens) gives the first pieces of the whole text's tokens.
func TestLongTextChunks(t *testing.T) {
	goldens := readGoldens(t, filepath.Join("testdata", "golden.jsonl"))
	var b strings.Builder
	for i := 0; b.Len() < 3*chunkSize; i++ {
		b.WriteString(goldens[i%len(goldens)].Text)
		b.WriteString([]string{" ", "\n", "\u0301 ", "\t\u4e2d "}[i%4])
	}
	text := b.String()
	for _, v := range []string{"uncased", "raw", "keep_accents"} {
		tok := mustLoad(t, filepath.Join("testdata", v))
		for _, n := range []int{512, 600, 2000} {
			tn, err := tok.WithMaxLength(n)
			if err != nil {
				t.Fatal(err)
			}
			pieces := tok.Tokens(text)
			if len(pieces) < n {
				t.Fatalf("%s: only %d pieces, want more than %d", v, len(pieces), n)
			}
			ids := tn.Encode(text)
			want := make([]string, 0, n)
			want = append(want, "[CLS]")
			want = append(want, pieces[:n-2]...)
			want = append(want, "[SEP]")
			gotTokens := make([]string, len(ids))
			for i, id := range ids {
				gotTokens[i] = tok.tokens[id]
			}
			if diff := cmp.Diff(want, gotTokens); diff != "" {
				t.Errorf("%s, max %d: chunked Encode differs from Tokens (-want +got):\n%s", v, n, diff)
			}
		}
	}
}
