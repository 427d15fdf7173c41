package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "regenerate testdata from the reference tokenizer (needs node and npm tokenizers@0.23.2 on NODE_PATH)")

// golden is one line of testdata/golden.jsonl: a text, the reference's ids
// for it under each variant's tokenizer.json, and the uncased word pieces.
type golden struct {
	Name   string           `json:"name"`
	Text   string           `json:"text"`
	IDs    map[string][]int `json:"ids"`
	Tokens []string         `json:"tokens"`
}

// Variants with a tokenizer_config.json that makes transformers build the
// same tokenizer from vocab.txt.
var vocabVariants = []string{"uncased", "cased", "keep_accents", "cased_strip", "no_cjk", "short", "added"}

var jsonVariants = []string{"uncased", "cased", "keep_accents", "cased_strip", "no_cjk", "raw",
	"bert_processing", "short", "short_left", "added"}

func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		cmd := exec.Command("node", "gen.mjs")
		cmd.Dir = filepath.Join("testdata", "gen")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			println("regenerate goldens: " + err.Error())
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

func readGoldens(t *testing.T, path string) []golden {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []golden
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var g golden
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, g)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 60 {
		t.Fatalf("%s: only %d texts", path, len(out))
	}
	return out
}

func checkGoldens(t *testing.T, tok *Tokenizer, variant string, goldens []golden) {
	t.Helper()
	for _, g := range goldens {
		want, ok := g.IDs[variant]
		if !ok {
			t.Fatalf("%s: no reference ids for variant %s", g.Name, variant)
		}
		if diff := cmp.Diff(want, tok.Encode(g.Text)); diff != "" {
			t.Errorf("%s: Encode(%q) mismatch (-want +got):\n%s", g.Name, truncate(g.Text), diff)
		}
	}
}

func truncate(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

func TestGoldenTokenizerJSON(t *testing.T) {
	goldens := readGoldens(t, filepath.Join("testdata", "golden.jsonl"))
	for _, v := range jsonVariants {
		t.Run(v, func(t *testing.T) {
			tok, err := Load(filepath.Join("testdata", v))
			if err != nil {
				t.Fatal(err)
			}
			checkGoldens(t, tok, v, goldens)
		})
	}
}

func TestGoldenVocabTxt(t *testing.T) {
	goldens := readGoldens(t, filepath.Join("testdata", "golden.jsonl"))
	for _, v := range vocabVariants {
		t.Run(v, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join("testdata", "vocab.txt"), filepath.Join(dir, "vocab.txt"))
			for _, name := range []string{"tokenizer_config.json", "special_tokens_map.json"} {
				src := filepath.Join("testdata", v, name)
				if _, err := os.Stat(src); err == nil {
					copyFile(t, src, filepath.Join(dir, name))
				}
			}
			tok, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			checkGoldens(t, tok, v, goldens)
		})
	}
}

// TestGoldenConfigOverride puts the uncased tokenizer.json next to another
// variant's tokenizer_config.json: as in transformers, the config's case,
// accent and CJK settings win, so the ids are the other variant's.
func TestGoldenConfigOverride(t *testing.T) {
	goldens := readGoldens(t, filepath.Join("testdata", "golden.jsonl"))
	for _, v := range []string{"cased", "keep_accents", "cased_strip", "no_cjk"} {
		t.Run(v, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join("testdata", "uncased", "tokenizer.json"), filepath.Join(dir, "tokenizer.json"))
			copyFile(t, filepath.Join("testdata", v, "tokenizer_config.json"), filepath.Join(dir, "tokenizer_config.json"))
			checkGoldens(t, mustLoad(t, dir), v, goldens)
		})
	}
}

func TestGoldenTokens(t *testing.T) {
	goldens := readGoldens(t, filepath.Join("testdata", "golden.jsonl"))
	tok, err := Load(filepath.Join("testdata", "uncased"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goldens {
		want := g.Tokens
		if want == nil {
			want = []string{}
		}
		if diff := cmp.Diff(want, tok.Tokens(g.Text)); diff != "" {
			t.Errorf("%s: Tokens(%q) mismatch (-want +got):\n%s", g.Name, truncate(g.Text), diff)
		}
	}
}

// TestSharedFixtures checks the token ids the fixture generator recorded for
// the tiny models in testdata/models at the repository root.
func TestSharedFixtures(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "models")
	path := filepath.Join(root, "tokens.jsonl")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no shared token fixtures (%v): run scripts/fixtures/gen_tokens.mjs to create them", err)
	}
	checkSharedFixtures(t, root, path)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sharedRow is one line of testdata/models/tokens*.jsonl: ids truncated to
// 512 with their tokens, and the length before truncation.
type sharedRow struct {
	Text       string   `json:"text"`
	FullLength int      `json:"full_length"`
	IDs        []int    `json:"ids"`
	Tokens     []string `json:"tokens"`
}

func checkSharedFixtures(t *testing.T, root, tokensPath string) {
	data, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Cases []struct{ Model, Tokens string }
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	seen := map[string]bool{}
	for _, c := range manifest.Cases {
		if seen[c.Model] {
			continue
		}
		seen[c.Model] = true
		rows := readSharedRows(t, filepath.Join(root, c.Tokens))
		dir := filepath.Join(root, c.Model)
		vocabDir := t.TempDir()
		for _, name := range []string{"vocab.txt", "tokenizer_config.json", "special_tokens_map.json"} {
			copyFile(t, filepath.Join(dir, name), filepath.Join(vocabDir, name))
		}
		for _, d := range []struct{ name, dir string }{{c.Model + "/tokenizer.json", dir}, {c.Model + "/vocab.txt", vocabDir}} {
			t.Run(d.name, func(t *testing.T) {
				tok, err := Load(d.dir)
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range rows {
					checkSharedRow(t, tok, i, r)
				}
			})
		}
	}
}

func checkSharedRow(t *testing.T, tok *Tokenizer, i int, r sharedRow) {
	t.Helper()
	if diff := cmp.Diff(r.IDs, tok.Encode(r.Text)); diff != "" {
		t.Errorf("row %d: Encode(%q) mismatch (-want +got):\n%s", i, truncate(r.Text), diff)
	}
	pieces := tok.Tokens(r.Text)
	if got := len(pieces) + 2; got != r.FullLength {
		t.Errorf("row %d: %d tokens before truncation, want %d", i, got, r.FullLength)
	}
	if n := len(r.Tokens) - 2; n >= 0 && n <= len(pieces) {
		if diff := cmp.Diff(r.Tokens[1:n+1], pieces[:n]); diff != "" {
			t.Errorf("row %d: Tokens mismatch (-want +got):\n%s", i, diff)
		}
	}
}

func readSharedRows(t *testing.T, path string) []sharedRow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []sharedRow
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var r sharedRow
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no rows", path)
	}
	return rows
}
