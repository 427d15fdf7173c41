package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

const (
	iclr25  = "ICLR.cc/2025/Conference"
	iclr24  = "ICLR.cc/2024/Conference"
	neurips = "NeurIPS.cc/2024/Conference"
)

// filterCorpus is small enough to know every answer by hand. Every paper
// mentions "learning" somewhere, so a text search can see all of them.
func filterCorpus() []paper.Paper {
	return []paper.Paper{
		{ID: "p1", Number: 2, VenueID: iclr25, Venue: "ICLR 2025", Year: 2025, Status: paper.StatusAccepted, Presentation: paper.PresentationOral,
			Title: "Graph transformers at scale", Abstract: "Learning on large graphs.",
			Authors: []string{"Geoffrey E. Hinton", "José Müller"}, AuthorIDs: []string{"~Geoffrey_Hinton1", "~Jose_Muller1"},
			Keywords: []string{"Graph Neural Networks", "self-supervised learning"}},
		{ID: "p2", Number: 1, VenueID: iclr25, Venue: "ICLR 2025", Year: 2025, Status: paper.StatusAccepted, Presentation: paper.PresentationPoster,
			Title: "Energy-based models", Abstract: "Learning energies.",
			Authors: []string{"Yann LeCun", "Jane Doe"}, AuthorIDs: []string{"~Yann_LeCun1", "~Jane_Doe1"},
			Keywords: []string{"representation learning"}},
		{ID: "p3", Number: 5, VenueID: iclr24, Venue: "ICLR 2024", Year: 2024, Status: paper.StatusRejected,
			Title: "Graph colouring", Abstract: "Learning to colour graphs.",
			Authors: []string{"Hinton Smith"}, Keywords: []string{"graph theory"}},
		{ID: "p4", Number: 9, VenueID: neurips, Venue: "NeurIPS 2024", Year: 2024, Status: paper.StatusAccepted, Presentation: paper.PresentationSpotlight,
			Title: "Neural scaling laws", Abstract: "Learning curves.",
			Authors: []string{"Jose Muller-Schmidt"}, Keywords: []string{"neural networks"}},
		{ID: "p5", Number: 3, VenueID: "TMLR", Venue: "TMLR", Year: 2024, Status: paper.StatusWithdrawn,
			Title: "Attention variants", Abstract: "Learning to attend.",
			Authors: []string{"Hintonia Q"}, AuthorIDs: []string{"~Hintonia_Q1"}, Keywords: []string{"graphs"}},
		{ID: "p6", Number: 7, VenueID: iclr25, Venue: "ICLR 2025", Year: 2025, Status: paper.StatusDeskRejected,
			Title: "A short note", Abstract: "Learning nothing.",
			Authors: []string{"Jane Doe"}, AuthorIDs: []string{"~Jane_Doe2"}},
	}
}

func corpusStore(t *testing.T) *Store {
	t.Helper()
	s, _ := openTest(t)
	commit(t, s, "", nil, filterCorpus()...)
	return s
}

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Paper.ID
	}
	return out
}

func sorted(xs []string) []string {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs
}

// accepted is the status filter most cases use.
var accepted = StatusFilter{Status: paper.StatusAccepted}

// filterCases give the ids of filterCorpus that pass each filter; Search
// and FilterIDs must both agree with them.
var filterCases = []struct {
	name string
	f    Filter
	want []string
}{
	{"venue id, any case", Filter{Venues: []string{"iclr.cc/2025/CONFERENCE"}}, []string{"p1", "p2", "p6"}},
	{"venue label", Filter{Venues: []string{"ICLR 2024"}}, []string{"p3"}},
	{"venue series", Filter{Venues: []string{"iclr"}}, []string{"p1", "p2", "p3", "p6"}},
	{"venue id prefix is not a venue", Filter{Venues: []string{"ICLR.cc"}}, nil},
	{"venue label prefix is not a venue", Filter{Venues: []string{"ICLR 202"}}, nil},
	{"venues OR", Filter{Venues: []string{"TMLR", " NeurIPS "}}, []string{"p4", "p5"}},
	{"year", Filter{Years: []int{2024}}, []string{"p3", "p4", "p5"}},
	{"years OR", Filter{Years: []int{2023, 2025}}, []string{"p1", "p2", "p6"}},
	{"status", Filter{Statuses: []StatusFilter{accepted}}, []string{"p1", "p2", "p4"}},
	{"presentation", Filter{Statuses: []StatusFilter{{paper.StatusAccepted, paper.PresentationOral}}}, []string{"p1"}},
	{"presentation without status", Filter{Statuses: []StatusFilter{{Presentation: paper.PresentationSpotlight}}}, []string{"p4"}},
	{"statuses OR", Filter{Statuses: []StatusFilter{{paper.StatusAccepted, paper.PresentationPoster}, {Status: paper.StatusRejected}}}, []string{"p2", "p3"}},
	{"author surname", Filter{Authors: []string{"hinton"}}, []string{"p1", "p3"}},
	{"author any case", Filter{Authors: []string{"HINTON"}}, []string{"p1", "p3"}},
	{"author word prefix does not match", Filter{Authors: []string{"hint"}}, nil},
	{"author words must be adjacent", Filter{Authors: []string{"geoffrey hinton"}}, nil},
	{"author with initial", Filter{Authors: []string{"Geoffrey E. Hinton"}}, []string{"p1"}},
	{"author accents folded", Filter{Authors: []string{"jose muller"}}, []string{"p1", "p4"}},
	{"author filter with accents", Filter{Authors: []string{"Müller"}}, []string{"p1", "p4"}},
	{"author sequence never spans two authors", Filter{Authors: []string{"hinton jose"}}, nil},
	{"authors AND", Filter{Authors: []string{"hinton", "jose"}}, []string{"p1"}},
	{"author id", Filter{Authors: []string{"~Jane_Doe1"}}, []string{"p2"}},
	{"author id any case", Filter{Authors: []string{"~JANE_DOE2"}}, []string{"p6"}},
	{"author id must be whole", Filter{Authors: []string{"~Hintonia_Q2"}}, nil},
	{"keyword word", Filter{Keywords: []string{"graph"}}, []string{"p1", "p3"}},
	{"keyword phrase", Filter{Keywords: []string{"Neural Networks"}}, []string{"p1", "p4"}},
	{"keyword punctuation folded", Filter{Keywords: []string{"self-supervised"}}, []string{"p1"}},
	{"keywords AND", Filter{Keywords: []string{"graph", "self supervised"}}, []string{"p1"}},
	{"fields AND", Filter{Venues: []string{"ICLR"}, Years: []int{2025}, Statuses: []StatusFilter{accepted}}, []string{"p1", "p2"}},
	{"everything at once", Filter{Venues: []string{"iclr"}, Authors: []string{"hinton"}, Keywords: []string{"graph"}, Years: []int{2024}}, []string{"p3"}},
	{"unknown venue", Filter{Venues: []string{"ICML"}}, nil},
}

func TestFilters(t *testing.T) {
	s := corpusStore(t)
	for _, tt := range filterCases {
		t.Run(tt.name, func(t *testing.T) {
			// Filter alone, and under a text every paper matches: the same set.
			for _, text := range []string{"", "learning"} {
				hits, err := s.Search(t.Context(), Query{Text: text, Filter: tt.f, Limit: 100})
				if err != nil {
					t.Fatalf("text %q: %v", text, err)
				}
				if diff := cmp.Diff(tt.want, sorted(ids(hits)), cmpEmpty); diff != "" {
					t.Errorf("text %q (-want +got):\n%s", text, diff)
				}
			}
		})
	}
}

var cmpEmpty = cmp.Transformer("nilIfEmpty", func(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	return xs
})

func TestFilterMatchingNothingHidesTextMatches(t *testing.T) {
	s := corpusStore(t)
	hits, err := s.Search(t.Context(), Query{Text: "graph", Filter: Filter{Venues: []string{"NeurIPS"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 0 {
		t.Errorf("got %v; want no hits: the NeurIPS paper does not mention graphs", ids(hits))
	}
	if hits, _ := s.Search(t.Context(), Query{Text: "graph"}); len(hits) == 0 {
		t.Error("the text alone matches nothing; the test proves nothing")
	}
}

func TestFilterOnlyOrder(t *testing.T) {
	s := corpusStore(t)
	hits, err := s.Search(t.Context(), Query{Filter: Filter{Venues: []string{"ICLR", "TMLR"}}})
	if err != nil {
		t.Fatal(err)
	}
	// By venue label, then paper number.
	if diff := cmp.Diff([]string{"p3", "p2", "p1", "p6", "p5"}, ids(hits)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	for _, h := range hits {
		if h.Score != 0 {
			t.Errorf("%s: score %v, want 0 without search words", h.Paper.ID, h.Score)
		}
	}
	hits, _ = s.Search(t.Context(), Query{Filter: Filter{Years: []int{2024, 2025}}, Limit: 2})
	if len(hits) != 2 {
		t.Errorf("Limit 2 gave %d hits", len(hits))
	}
}

func TestRanking(t *testing.T) {
	s, _ := openTest(t)
	commit(t, s, "", nil,
		paper.Paper{ID: "abstract-only", Title: "A study of generative models", Abstract: "We apply diffusion to images, diffusion again."},
		paper.Paper{ID: "title", Title: "Diffusion for proteins", Abstract: "We model proteins as point clouds."},
		paper.Paper{ID: "keyword", Title: "Protein design", Abstract: "Sequence models.", Keywords: []string{"diffusion"}},
		paper.Paper{ID: "none", Title: "Graph colouring", Abstract: "Nothing related."},
	)
	hits, err := s.Search(t.Context(), Query{Text: "diffusion"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"title", "keyword", "abstract-only"}, ids(hits)); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
	for i := 1; i < len(hits); i++ {
		if !(hits[i-1].Score > hits[i].Score) || hits[i].Score <= 0 {
			t.Errorf("scores not positive and strictly decreasing: %v then %v", hits[i-1].Score, hits[i].Score)
		}
	}
	// More of the query's words beat fewer.
	hits, err = s.Search(t.Context(), Query{Text: "protein diffusion point clouds"})
	if err != nil || len(hits) == 0 || hits[0].Paper.ID != "title" {
		t.Errorf("multi-word query: top hit of %v is not the paper matching most words (%v)", ids(hits), err)
	}
	// A quoted phrase matches only the words in that order.
	hits, err = s.Search(t.Context(), Query{Text: `"clouds point"`})
	if err != nil || len(hits) != 0 {
		t.Errorf(`"clouds point" = %v, %v; want no hits`, ids(hits), err)
	}
	hits, err = s.Search(t.Context(), Query{Text: `"point clouds"`})
	if err != nil || len(hits) != 1 {
		t.Errorf(`"point clouds" = %v, %v; want one hit`, ids(hits), err)
	}
}

func TestSearchInvalid(t *testing.T) {
	tests := []struct {
		name string
		q    Query
		msg  string
	}{
		{"nothing", Query{}, "empty query: give search words or a filter"},
		{"whitespace", Query{Text: " \t\n "}, "empty query: give search words or a filter"},
		{"punctuation only", Query{Text: `!!! -- "" ** ^`}, "query has no searchable words"},
		{"punctuation with a filter", Query{Text: "?", Filter: Filter{Years: []int{2025}}}, "query has no searchable words"},
		{"blank venue", Query{Filter: Filter{Venues: []string{" "}}}, "venue filter is blank"},
		{"blank author", Query{Filter: Filter{Authors: []string{""}}}, "author filter"},
		{"punctuation keyword", Query{Filter: Filter{Keywords: []string{"--"}}}, "keyword filter"},
		{"empty status", Query{Filter: Filter{Statuses: []StatusFilter{{}}}}, "status filter"},
	}
	s := corpusStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := s.Search(t.Context(), tt.q)
			if !errors.Is(err, paper.ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Search = %d hits, %v; want ErrInvalid saying %q", len(hits), err, tt.msg)
			}
		})
	}
}

func TestSearchLimit(t *testing.T) {
	s, _ := openTest(t)
	var ps []paper.Paper
	for i := range MaxLimit + 5 {
		ps = append(ps, paper.Paper{ID: fmt.Sprintf("p%04d", i), Title: "common word"})
	}
	commit(t, s, "", nil, ps...)
	for limit, want := range map[int]int{0: DefaultLimit, -3: DefaultLimit, 7: 7, MaxLimit + 1: MaxLimit} {
		hits, err := s.Search(t.Context(), Query{Text: "common", Limit: limit})
		if err != nil || len(hits) != want {
			t.Errorf("Limit %d: %d hits, %v; want %d", limit, len(hits), err, want)
		}
	}
}

// TestSearchFindsEveryScript checks the query builder against the FTS
// tokenizer: a paper is found by the words of its own title, whatever the
// script, accents or case.
func TestSearchFindsEveryScript(t *testing.T) {
	titles := map[string]string{
		"latin":      "Écoles normales supérieures",
		"decomposed": "e\u0301cole",
		"greek":      "Μηχανική μάθηση",
		"cyrillic":   "Машинное обучение й",
		"devanagari": "हिन्दी भाषा",
		"cjk":        "機械学習",
		"hangul":     "기계 학습",
		"ligature":   "ﬁnancial",
		"german":     "Straße",
		"digits":     "GPT-4o and x²",
	}
	s, _ := openTest(t)
	for id, title := range titles {
		commit(t, s, "", nil, paper.Paper{ID: id, Title: title})
	}
	for id, title := range titles {
		for _, text := range []string{title, strings.ToUpper(title), `"` + title + `"`} {
			hits, err := s.Search(t.Context(), Query{Text: text})
			if err != nil {
				t.Errorf("%s: Search(%q): %v", id, text, err)
				continue
			}
			if len(hits) == 0 || hits[0].Paper.ID != id {
				t.Errorf("%s: Search(%q) = %v, want %s first", id, text, ids(hits), id)
			}
		}
	}
	for text, id := range map[string]string{"ecoles": "latin", "ECOLE": "decomposed", "straße": "german"} {
		if hits, err := s.Search(t.Context(), Query{Text: text}); err != nil || len(hits) == 0 || hits[0].Paper.ID != id {
			t.Errorf("Search(%q) = %v, %v; want %s", text, ids(hits), err, id)
		}
	}
}

func TestFilterIDs(t *testing.T) {
	s := corpusStore(t)
	for _, tt := range filterCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.FilterIDs(t.Context(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			hits, err := s.Search(t.Context(), Query{Filter: tt.f, Limit: MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(sorted(ids(hits)), sorted(got), cmpEmpty); diff != "" {
				t.Errorf("FilterIDs differs from Search (-search +FilterIDs):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, sorted(got), cmpEmpty); diff != "" {
				t.Errorf("FilterIDs (-want +got):\n%s", diff)
			}
		})
	}
	got, err := s.FilterIDs(t.Context(), Filter{})
	if diff := cmp.Diff([]string{"p1", "p2", "p3", "p4", "p5", "p6"}, got); err != nil || diff != "" {
		t.Errorf("FilterIDs of the empty filter (-want +got), %v:\n%s", err, diff)
	}
	if _, err := s.FilterIDs(t.Context(), Filter{Venues: []string{" "}}); !errors.Is(err, paper.ErrInvalid) {
		t.Errorf("FilterIDs of a blank venue = %v, want ErrInvalid", err)
	}
}
