package store

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// trickyQueries feed both the golden file and the fuzzer's seed corpus.
var trickyQueries = []string{
	"graph neural networks",
	"  Graph   NEURAL\tnetworks\n",
	"graph graph GRAPH",
	"self-supervised learning",
	`"large language models" reasoning`,
	`"unclosed phrase at the end`,
	`""`,
	`"" graphs`,
	`a"b"c`,
	`"a" "a" a`,
	"graphs AND transformers OR NOT attention",
	"NEAR(graph transformer, 2)",
	"trans* ^first title:graph -negative +plus",
	"{title abstract}: diffusion",
	"C++ and C# and F#",
	"GPT-4o 3.14 x² ①",
	"naïve Bayes, Müller, ÉCOLE, e\u0301cole",
	"Straße ﬁnance ＡＢＣ",
	"Μηχανική μάθηση",
	"Машинное обучение й",
	"हिन्दी भाषा",
	"機械学習 と 深層学習",
	"기계 학습",
	"emoji 🚀🧠 rocket",
	"nul\x00byte",
	"bad utf8 \xff\xfe here",
	"apostrophe's don't",
	"'single quotes'",
	"!!! ... ???",
	"",
	"\u0301\u0308 marks only",
	strings.Repeat("w ", 70),
	strings.Repeat("long", 100),
}

func TestFTSQueryGolden(t *testing.T) {
	var b strings.Builder
	for _, in := range trickyQueries {
		q, err := ftsQuery(in)
		fmt.Fprintf(&b, "input: %+q\n", in)
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n\n", err)
			continue
		}
		fmt.Fprintf(&b, "query: %s\n\n", q)
	}
	const golden = "testdata/fts_queries.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("built queries (-want +got):\n%s\nrun go test -update if the change is intended", diff)
	}
}

func TestFTSQueryTermLimit(t *testing.T) {
	var words []string
	for i := range 200 {
		words = append(words, fmt.Sprintf("w%d", i))
	}
	q, err := ftsQuery(strings.Join(words, " ") + ` "the phrase"`)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(q, " OR ") + 1; n != maxTerms {
		t.Errorf("query has %d terms, want %d", n, maxTerms)
	}
	if !strings.HasSuffix(q, `"w63"`) {
		t.Errorf("query ends %q, want the first %d words kept", q[len(q)-10:], maxTerms)
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Geoffrey E. Hinton", "geoffrey e hinton"},
		{"José Müller", "jose muller"},
		{"  José\u00a0 Müller-Lüdenscheidt ", "jose muller ludenscheidt"},
		{"e\u0301cole", "ecole"},
		{"Straße", "strasse"},
		{"ﬁnance ＡＢＣ x²", "finance abc x2"},
		{"Ÿann LECUN", "yann lecun"},
		{"Łukasz Kaiser", "łukasz kaiser"},
		{"self-supervised_learning", "self supervised learning"},
		{"Μάθηση", "μαθηση"},
		{"हिन्दी", "हिनदी"},
		{"!!!", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzQuery checks that any text, alone or with a filter built from it,
// gives hits or an error that wraps paper.ErrInvalid: never a panic, never a
// raw SQLite error.
func FuzzQuery(f *testing.F) {
	for _, q := range trickyQueries {
		f.Add(q)
	}
	s, _ := openTest(f)
	if err := s.Commit(f.Context(), "", filterCorpus(), nil); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if q, err := ftsQuery(text); err != nil {
			if !errors.Is(err, paper.ErrInvalid) {
				t.Fatalf("ftsQuery(%q): %v does not wrap ErrInvalid", text, err)
			}
		} else if strings.Count(q, `"`)%2 != 0 {
			t.Fatalf("ftsQuery(%q) = %s: unbalanced quotes", text, q)
		}
		queries := []Query{
			{Text: text},
			{Text: text, Filter: Filter{Authors: []string{text}, Keywords: []string{"graph"}}},
			{Filter: Filter{Venues: []string{text}, Authors: []string{text}, Keywords: []string{text}}},
		}
		for _, q := range queries {
			if _, err := s.Search(t.Context(), q); err != nil && !errors.Is(err, paper.ErrInvalid) {
				t.Fatalf("Search(%+v): %v does not wrap ErrInvalid", q, err)
			}
		}
	})
}

func TestWords(t *testing.T) {
	got := Words("Self-Supervised  Méthodes, GPT-4o!")
	if diff := cmp.Diff([]string{"self", "supervised", "methodes", "gpt", "4o"}, got); diff != "" {
		t.Errorf("Words (-want +got):\n%s", diff)
	}
}
