package store

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// TestCommonWordsLeftOut checks that a word held by most papers stops
// matching papers on its own once a rarer word is in the query, and that it
// still matches when nothing rarer is there.
func TestCommonWordsLeftOut(t *testing.T) {
	s, _ := openTest(t)
	var ps []paper.Paper
	for i := range minCommonPapers + 500 {
		p := paper.Paper{ID: fmt.Sprintf("p%05d", i), Forum: fmt.Sprintf("p%05d", i), Title: fmt.Sprintf("Paper %d on the topic", i),
			Abstract: "We study the problem.", Venue: "ICLR 2025", VenueID: "ICLR.cc/2025/Conference", Year: 2025, Status: paper.StatusAccepted}
		if i%1000 == 7 {
			p.Title = "Sparse attention for the long context"
		}
		ps = append(ps, p)
	}
	commit(t, s, "", nil, ps...)

	hits, err := s.Search(t.Context(), Query{Text: "the sparse attention", Limit: MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"p00007", "p01007", "p02007"}, sorted(ids(hits))); diff != "" {
		t.Errorf("\"the sparse attention\" matched papers by \"the\" alone (-want +got):\n%s", diff)
	}
	hits, err = s.Search(t.Context(), Query{Text: "the problem", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 5 {
		t.Errorf("a query of common words only found %d papers, want 5", len(hits))
	}
	// A phrase of common words is kept: together they may be rare.
	parts, err := s.dropCommon(t.Context(), [][]string{{"the"}, {"the", "topic"}, {"sparse"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"the", "topic"}, {"sparse"}}, parts); diff != "" {
		t.Errorf("dropCommon (-want +got):\n%s", diff)
	}
}
