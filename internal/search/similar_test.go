package search

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

func TestPaperID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc123XY", "abc123XY"},
		{" abc123XY\n", "abc123XY"},
		{"https://openreview.net/forum?id=abc123XY", "abc123XY"},
		{"https://openreview.net/forum?id=abc123XY&noteId=zzz999", "abc123XY"},
		{"https://openreview.net/pdf?id=abc123XY", "abc123XY"},
		{"http://www.openreview.net/forum/?noteId=zzz&id=abc123XY#discussion", "abc123XY"},
		{"openreview.net/forum?id=abc123XY", "abc123XY"},
	}
	for _, tt := range tests {
		if got, err := PaperID(tt.in); err != nil || got != tt.want {
			t.Errorf("PaperID(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "  ", "https://example.com/forum?id=abc", "https://openreview.net/group?id=ICLR.cc", "https://openreview.net/forum", "https://openreview.net/forum?id="} {
		if got, err := PaperID(bad); !errors.Is(err, paper.ErrInvalid) {
			t.Errorf("PaperID(%q) = %q, %v; want paper.ErrInvalid", bad, got, err)
		}
	}
}

func TestSimilar(t *testing.T) {
	papers := corpus(80, 13)
	st := openStore(t, papers...)
	enc := newFake()
	embedAll(t, st, enc)
	e := openEngine(t, st, enc)
	ix := e.idx.Load()
	target := papers[17]
	r := int(ix.byID[target.ID])
	q, _ := normalize(ix.vector(r))
	f := store.Filter{Venues: []string{"ICLR"}}
	mask, err := e.rows(t.Context(), ix, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, in string
		f        store.Filter
		mask     []bool
	}{
		{"id", target.ID, store.Filter{}, nil},
		{"forum URL", "https://openreview.net/forum?id=" + target.ID + "&noteId=reply1", store.Filter{}, nil},
		{"pdf URL, filtered", "https://openreview.net/pdf?id=" + target.ID, f, mask},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Similar(t.Context(), tt.in, 10, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, row := range bruteTopK(ix, q, tt.mask, r, 10) {
				want = append(want, ix.ids[row])
			}
			if diff := cmp.Diff(want, resultIDs(got)); diff != "" {
				t.Errorf("similar papers (-brute force +engine):\n%s", diff)
			}
			if slices.Contains(resultIDs(got), target.ID) {
				t.Error("the paper itself is among its similar papers")
			}
		})
	}
}

func TestSimilarErrors(t *testing.T) {
	papers := corpus(20, 14)
	st := openStore(t, papers...)
	enc := newFake()
	embedAll(t, st, enc)
	late := paper.Paper{ID: "late1", Forum: "late1", VenueID: "TMLR", Venue: "TMLR", Title: "Added after indexing", Status: paper.StatusUnderReview}
	commitPapers(t, st, late)
	e := openEngine(t, st, enc)

	_, err := e.Similar(t.Context(), "nosuchpaper", 5, store.Filter{})
	if !errors.Is(err, paper.ErrNotFound) || !strings.Contains(err.Error(), "nosuchpaper") {
		t.Errorf("unknown id: %v; want paper.ErrNotFound naming the id", err)
	}
	_, err = e.Similar(t.Context(), "https://openreview.net/forum?id="+late.ID, 5, store.Filter{})
	if !errors.Is(err, ErrNotEmbedded) || !strings.Contains(err.Error(), late.ID) || !strings.Contains(err.Error(), "openreview-finder index") {
		t.Errorf("paper without a vector: %v; want ErrNotEmbedded naming the paper and the index command", err)
	}

	bare := openEngine(t, openStore(t, papers...), enc)
	if _, err := bare.Similar(t.Context(), papers[0].ID, 5, store.Filter{}); !errors.Is(err, ErrNoVectors) {
		t.Errorf("index without vectors: %v; want ErrNoVectors", err)
	}
}

func TestSimilarText(t *testing.T) {
	papers := corpus(60, 15)
	st := openStore(t, papers...)
	enc := newFake()
	embedAll(t, st, enc)
	e := openEngine(t, st, enc)
	p := papers[42]
	got, err := e.SimilarText(t.Context(), p.Title, p.Abstract, 3, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Paper.ID != p.ID || got[0].Score < 0.999 {
		t.Errorf("similar to paper %s's own text: %v (first score %v); want it first with similarity 1", p.ID, resultIDs(got), got[0].Score)
	}
	if _, err := e.SimilarText(t.Context(), " ", "", 3, store.Filter{}); !errors.Is(err, paper.ErrInvalid) {
		t.Errorf("no title or abstract: %v, want paper.ErrInvalid", err)
	}
	noPaper, err := Open(t.Context(), st, Options{Query: enc, Model: testModel, PaperText: testPaperText})
	if err != nil {
		t.Fatal(err)
	}
	_, err = noPaper.SimilarText(t.Context(), p.Title, p.Abstract, 3, store.Filter{})
	if !errors.Is(err, ErrNoModel) || !strings.Contains(err.Error(), "paper model is not loaded") {
		t.Errorf("without a paper encoder: %v; want ErrNoModel saying the paper model is not loaded", err)
	}
	other, err := Open(t.Context(), st, Options{Paper: enc, Model: store.Model{Name: "other", Dim: testDim, Encoding: Encoding}, PaperText: testPaperText})
	if err != nil {
		t.Fatal(err)
	}
	var mm *store.ModelMismatchError
	if _, err := other.SimilarText(t.Context(), p.Title, p.Abstract, 3, store.Filter{}); !errors.As(err, &mm) {
		t.Errorf("paper encoder of another model: %v, want a *store.ModelMismatchError", err)
	}
}
