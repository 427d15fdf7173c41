package search

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// Values random filters draw from: every way of naming a venue, in several
// cases, and values that match nothing (the Kelvin sign folds to "k" in
// Unicode but not in SQLite's NOCASE).
var (
	filterVenues = []string{
		"ICLR.cc/2024/Conference", "iclr.cc/2025/CONFERENCE", " ICLR 2024 ", "iclr", "NEURIPS", "NeurIPS 2024",
		"TMLR", "tmlr", "Kelvin 2023", "kelvin", "\u212Aelvin 2023", "ICLR.cc", "ICLR 202", "nope",
	}
	filterYears    = []int{0, 2023, 2024, 2025, 1999}
	filterStatuses = []store.StatusFilter{
		{Status: paper.StatusAccepted}, {Status: paper.StatusAccepted, Presentation: paper.PresentationOral},
		{Presentation: paper.PresentationSpotlight}, {Status: paper.StatusRejected}, {Status: paper.StatusUnderReview},
		{Status: paper.StatusWithdrawn, Presentation: paper.PresentationPoster}, {Status: paper.StatusDeskRejected},
	}
	filterAuthors  = []string{"hinton", "Jose Muller", "~Author_21", "jane", "Nobody Atall", "lovelace"}
	filterKeywords = []string{"graph", "language", "reward", "nothing here"}
)

func pick[T any](rng *rand.Rand, from []T, most int) []T {
	var out []T
	for range rng.IntN(most + 1) {
		out = append(out, from[rng.IntN(len(from))])
	}
	return out
}

func randomFilter(rng *rand.Rand) store.Filter {
	f := store.Filter{
		Venues:   pick(rng, filterVenues, 2),
		Years:    pick(rng, filterYears, 2),
		Statuses: pick(rng, filterStatuses, 2),
	}
	if rng.IntN(3) == 0 {
		f.Authors = pick(rng, filterAuthors, 2)
	}
	if rng.IntN(4) == 0 {
		f.Keywords = pick(rng, filterKeywords, 1)
	}
	return f
}

// maskIDs lists the ids of the rows mask passes, in row order.
func maskIDs(ix *index, mask []bool) []string {
	out := []string{}
	for r, id := range ix.ids {
		if mask == nil || mask[r] {
			out = append(out, id)
		}
	}
	return out
}

// TestFilterMatchesStore checks that filters decided in memory (venue,
// year, status) combined with FilterIDs (authors, keywords) pass exactly
// the papers the store's own SQL passes.
func TestFilterMatchesStore(t *testing.T) {
	papers := corpus(400, 1)
	st := openStore(t, papers...)
	embedAll(t, st, newFake())
	e := openEngine(t, st, newFake())
	ix := e.idx.Load()
	if ix.Len() != len(papers) {
		t.Fatalf("engine holds %d vectors, want %d", ix.Len(), len(papers))
	}
	rng := rand.New(rand.NewPCG(4, 4))
	filters := []store.Filter{
		{},
		{Venues: []string{"nope"}},
		{Years: []int{2025}, Venues: []string{"TMLR"}}, // both exist, never together
		{Authors: []string{"Nobody Atall"}},
	}
	for range 300 {
		filters = append(filters, randomFilter(rng))
	}
	empty := 0
	for i, f := range filters {
		want, err := st.FilterIDs(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		mask, err := e.rows(t.Context(), ix, f)
		if err != nil {
			t.Fatalf("filter %d %+v: %v", i, f, err)
		}
		got := maskIDs(ix, mask)
		slices.Sort(got)
		if diff := cmp.Diff(append([]string{}, want...), got); diff != "" {
			t.Errorf("filter %d %+v passes other papers than the store's (-store +memory):\n%s", i, f, diff)
		}
		if len(want) == 0 {
			empty++
		}
	}
	// The random filters must exercise both outcomes to mean anything.
	if empty == 0 || empty == len(filters) {
		t.Errorf("%d of %d filters match nothing; want some but not all", empty, len(filters))
	}
}

// TestFilteredSearchIsExact runs each mode with filters and checks every
// result passes, and that a filter matching nothing returns nothing.
func TestFilteredSearchIsExact(t *testing.T) {
	st := openStore(t, corpus(200, 2)...)
	embedAll(t, st, newFake())
	e := openEngine(t, st, newFake())
	filters := []store.Filter{
		{Venues: []string{"iclr"}, Years: []int{2024}},
		{Statuses: []store.StatusFilter{{Status: paper.StatusAccepted, Presentation: paper.PresentationOral}}},
		{Authors: []string{"hinton"}, Venues: []string{"NeurIPS 2024", "TMLR"}},
		{Venues: []string{"nope"}},
		{Keywords: []string{"nothing here"}},
	}
	for _, mode := range []Mode{ModeKeyword, ModeSemantic, ModeHybrid} {
		for i, f := range filters {
			t.Run(fmt.Sprintf("%s/%d", mode, i), func(t *testing.T) {
				pass, err := st.FilterIDs(t.Context(), f)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := e.Search(t.Context(), Request{Text: "graph neural attention", Mode: mode, Limit: 1000, Filter: f})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range resp.Results {
					if !slices.Contains(pass, r.Paper.ID) {
						t.Errorf("result %s does not pass the filter", r.Paper.ID)
					}
				}
				if len(pass) == 0 && len(resp.Results) > 0 {
					t.Errorf("a filter matching nothing returned %d results", len(resp.Results))
				}
				if mode == ModeSemantic && len(resp.Results) != len(pass) {
					t.Errorf("semantic search returned %d results, want every one of the %d passing papers", len(resp.Results), len(pass))
				}
			})
		}
	}
}

func TestFilterInvalid(t *testing.T) {
	st := openStore(t, corpus(20, 3)...)
	embedAll(t, st, newFake())
	e := openEngine(t, st, newFake())
	tests := []struct {
		name string
		f    store.Filter
	}{
		{"blank venue", store.Filter{Venues: []string{" "}}},
		{"empty status", store.Filter{Statuses: []store.StatusFilter{{}}}},
		{"blank author", store.Filter{Authors: []string{"  "}}},
		{"keyword without letters", store.Filter{Keywords: []string{"--"}}},
	}
	for _, tt := range tests {
		for _, mode := range []Mode{ModeKeyword, ModeSemantic, ModeHybrid} {
			_, err := e.Search(t.Context(), Request{Text: "graph", Mode: mode, Filter: tt.f})
			if !errors.Is(err, paper.ErrInvalid) {
				t.Errorf("%s, %s mode: error %v, want one wrapping paper.ErrInvalid", tt.name, mode, err)
			}
		}
	}
}
