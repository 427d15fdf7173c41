package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// fullPaper sets every field of paper.Paper to a distinct value.
func fullPaper() paper.Paper {
	ms := func(v int64) time.Time { return time.UnixMilli(v).UTC() }
	return paper.Paper{
		ID: "xYz123", Forum: "forum9", Number: 4242,
		VenueID: "ICLR.cc/2025/Conference", Venue: "ICLR 2025", VenueRaw: "ICLR 2025 Oral", Year: 2025, APIVersion: 2,
		Status: paper.StatusAccepted, Presentation: paper.PresentationOral,
		Title:       "Contrastive Learning of Structured Worlds",
		Abstract:    "We study contrastive objectives.\nSecond line with émojis 🚀 and \"quotes\".",
		TLDR:        "Contrast works.",
		Authors:     []string{"Ada Lovelace", "José Müller", ""},
		AuthorIDs:   []string{"~Ada_Lovelace1", "", "jose@example.org"},
		Keywords:    []string{"contrastive learning", "world models"},
		PrimaryArea: "unsupervised learning",
		ForumURL:    "https://openreview.net/forum?id=xYz123",
		PDFURL:      "https://openreview.net/pdf?id=xYz123",
		BibTeX:      "@inproceedings{lovelace2025contrastive,\n  title={Contrastive Learning}\n}",
		Created:     ms(1727740800123), Modified: ms(1737740800456), Published: ms(1740000000789),
		Incomplete: true,
	}
}

func TestPaperRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		p    paper.Paper
	}{
		{"every field", fullPaper()},
		{"zero values", paper.Paper{ID: "bare"}},
		{"one empty list item", paper.Paper{ID: "empties", Authors: []string{""}, AuthorIDs: []string{""}, Keywords: []string{""}}},
		{"times before 1970 and far ahead", paper.Paper{ID: "times",
			Created: time.Date(1901, 2, 3, 4, 5, 6, 7e6, time.UTC), Published: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	s, _ := openTest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			commit(t, s, "", nil, tt.p)
			got, err := s.Paper(t.Context(), tt.p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.p, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTimesKeepMilliseconds(t *testing.T) {
	s, _ := openTest(t)
	in := time.Date(2025, 3, 4, 5, 6, 7, 891_234_567, time.FixedZone("X", 3600))
	commit(t, s, "", nil, paper.Paper{ID: "t", Modified: in})
	got, err := s.Paper(t.Context(), "t")
	if err != nil {
		t.Fatal(err)
	}
	if want := in.Truncate(time.Millisecond); !got.Modified.Equal(want) {
		t.Errorf("Modified = %v, want %v (stored to the millisecond)", got.Modified, want)
	}
}

func TestPaperNotFound(t *testing.T) {
	s, _ := openTest(t)
	_, err := s.Paper(t.Context(), "missing")
	if !errors.Is(err, paper.ErrNotFound) {
		t.Errorf("Paper(missing) = %v, want ErrNotFound", err)
	}
}

func TestUpsertReplaces(t *testing.T) {
	s, path := openTest(t)
	p := paper.Paper{ID: "p1", Title: "Graph neural networks", Abstract: "Message passing.", Keywords: []string{"graphs"}}
	commit(t, s, "", nil, p, paper.Paper{ID: "p2", Title: "Unrelated"})
	p.Title, p.Keywords = "Diffusion models", []string{"generative models"}
	commit(t, s, "", nil, p)
	commit(t, s, "", nil, p) // unchanged text: the update trigger skips the FTS

	got, err := s.Paper(t.Context(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("after upsert (-want +got):\n%s", diff)
	}
	if n, _ := s.Count(t.Context()); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
	for text, want := range map[string]int{"graph": 0, "neural": 0, "diffusion": 1, "generative": 1, "passing": 1} {
		hits, err := s.Search(t.Context(), Query{Text: text})
		if err != nil || len(hits) != want {
			t.Errorf("Search(%q) = %d hits, %v; want %d", text, len(hits), err, want)
		}
	}
	if hits, _ := s.Search(t.Context(), Query{Filter: Filter{Keywords: []string{"graphs"}}}); len(hits) != 0 {
		t.Errorf("old keyword still matches the filter: %d hits", len(hits))
	}
	// The FTS index must hold exactly one row per paper, with the new text.
	db := rawDB(t, path)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM papers_fts WHERE papers_fts MATCH '"graph" OR "neural"'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("stale FTS rows for old words: %d, %v", n, err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Error(err)
	}
}

var errInjected = errors.New("injected failure")

func TestCommitIsAtomic(t *testing.T) {
	batch := func() []paper.Paper {
		return []paper.Paper{{ID: "n1", Title: "new one"}, {ID: "n2", Title: "new two"}, {ID: "n3", Title: "new three"}, {ID: "n4"}}
	}
	tests := []struct {
		name   string
		papers func() []paper.Paper
		fault  func(cancel context.CancelFunc) func(i int) error
		want   error
	}{
		{"paper without id", func() []paper.Paper { b := batch(); b[2].ID = " "; return b }, nil, paper.ErrInvalid},
		{"injected error", batch, func(context.CancelFunc) func(int) error {
			return func(i int) error {
				if i == 2 {
					return errInjected
				}
				return nil
			}
		}, errInjected},
		{"context cancelled mid-batch", batch, func(cancel context.CancelFunc) func(int) error {
			return func(i int) error {
				if i == 2 {
					cancel()
				}
				return nil
			}
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			commit(t, s, "k", []byte("before"), paper.Paper{ID: "old", Title: "old one"})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.fault != nil {
				s.beforePaper = tt.fault(cancel)
			}
			// n1 replaces nothing; "old" is rewritten too, to see it roll back.
			err := s.Commit(ctx, "k", append(tt.papers(), paper.Paper{ID: "old", Title: "rewritten"}), []byte("after"))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Commit = %v, want %v", err, tt.want)
			}
			s.beforePaper = nil
			if n, err := s.Count(t.Context()); err != nil || n != 1 {
				t.Errorf("Count = %d, %v; want 1 (nothing of the failed batch)", n, err)
			}
			if _, err := s.Paper(t.Context(), "n1"); !errors.Is(err, paper.ErrNotFound) {
				t.Errorf("first paper of the failed batch: %v, want ErrNotFound", err)
			}
			if cp, _ := s.Checkpoint(t.Context(), "k"); string(cp) != "before" {
				t.Errorf("checkpoint = %q, want before", cp)
			}
			if hits, _ := s.Search(t.Context(), Query{Text: "new rewritten"}); len(hits) != 0 {
				t.Errorf("search finds %d papers of the failed batch", len(hits))
			}
			if err := s.Check(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestCheckpoint(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	get := func(key string) []byte {
		t.Helper()
		cp, err := s.Checkpoint(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	if cp := get("a"); cp != nil {
		t.Errorf("no checkpoint yet: got %q, want nil", cp)
	}
	commit(t, s, "a", []byte{0, 1, 2, 0xff})
	commit(t, s, "a", nil, paper.Paper{ID: "p"}) // nil: unchanged
	commit(t, s, "b", []byte{})
	if diff := cmp.Diff([]byte{0, 1, 2, 0xff}, get("a")); diff != "" {
		t.Errorf("checkpoint a (-want +got):\n%s", diff)
	}
	if cp := get("b"); cp == nil || len(cp) != 0 {
		t.Errorf("empty checkpoint b = %#v, want empty and non-nil", cp)
	}
	commit(t, s, "a", []byte("second"))
	if cp := get("a"); string(cp) != "second" {
		t.Errorf("checkpoint a = %q, want second", cp)
	}
	if err := s.Commit(ctx, "", nil, []byte("x")); !errors.Is(err, paper.ErrInvalid) {
		t.Errorf("checkpoint without key: %v, want ErrInvalid", err)
	}
}

func TestVenues(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	save := func(v paper.Venue) {
		t.Helper()
		if err := s.SaveVenue(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	save(paper.Venue{ID: "TMLR", Label: "TMLR", APIVersion: 2})
	save(paper.Venue{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025 (draft)", Year: 2025, APIVersion: 2})
	save(paper.Venue{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Title: "Thirteenth ICLR", Year: 2025, APIVersion: 2})
	save(paper.Venue{ID: "ICLR.cc/2020/Conference", Label: "ICLR 2020", Year: 2020, APIVersion: 1})
	got, err := s.Venues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []paper.Venue{
		{ID: "ICLR.cc/2020/Conference", Label: "ICLR 2020", Year: 2020, APIVersion: 1},
		{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Title: "Thirteenth ICLR", Year: 2025, APIVersion: 2},
		{ID: "TMLR", Label: "TMLR", APIVersion: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Venues (-want +got):\n%s", diff)
	}
	if err := s.SaveVenue(ctx, paper.Venue{Label: "no id"}); !errors.Is(err, paper.ErrInvalid) {
		t.Errorf("SaveVenue without id = %v, want ErrInvalid", err)
	}
}

func TestStats(t *testing.T) {
	s, _ := openTest(t)
	mk := func(id, venueID, venue string, year int, st paper.Status, pr paper.Presentation) paper.Paper {
		return paper.Paper{ID: id, VenueID: venueID, Venue: venue, Year: year, Status: st, Presentation: pr}
	}
	const iclr, neurips = "ICLR.cc/2025/Conference", "NeurIPS.cc/2024/Conference"
	commit(t, s, "", nil,
		mk("a", neurips, "NeurIPS 2024", 2024, paper.StatusRejected, ""),
		mk("b", iclr, "ICLR 2025", 2025, paper.StatusWithdrawn, ""),
		mk("c", iclr, "ICLR 2025", 2025, paper.StatusAccepted, paper.PresentationPoster),
		mk("d", iclr, "ICLR 2025", 2025, paper.StatusAccepted, paper.PresentationOral),
		mk("e", iclr, "ICLR 2025", 2025, paper.StatusAccepted, paper.PresentationPoster),
		mk("f", iclr, "ICLR 2025", 2025, paper.StatusRejected, ""),
		mk("g", neurips, "NeurIPS 2024", 2024, paper.StatusAccepted, ""),
	)
	got, err := s.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []Count{
		{iclr, "ICLR 2025", 2025, paper.StatusAccepted, paper.PresentationOral, 1},
		{iclr, "ICLR 2025", 2025, paper.StatusAccepted, paper.PresentationPoster, 2},
		{iclr, "ICLR 2025", 2025, paper.StatusRejected, "", 1},
		{iclr, "ICLR 2025", 2025, paper.StatusWithdrawn, "", 1},
		{neurips, "NeurIPS 2024", 2024, paper.StatusAccepted, "", 1},
		{neurips, "NeurIPS 2024", 2024, paper.StatusRejected, "", 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestVenuePapers(t *testing.T) {
	st, _ := openTest(t)
	var papers []paper.Paper
	for i := range 1500 {
		papers = append(papers, paper.Paper{ID: fmt.Sprintf("p%04d", i), Number: 1500 - i, VenueID: "V", Title: "t", Abstract: "a"})
	}
	papers = append(papers, paper.Paper{ID: "other", VenueID: "W", Title: "t", Abstract: "a"})
	if err := st.Commit(t.Context(), "k", papers, nil); err != nil {
		t.Fatal(err)
	}
	got, err := st.VenuePapers(t.Context(), "V")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1500 {
		t.Fatalf("got %d papers, want all 1500 of venue V (more than Search's limit)", len(got))
	}
	if got[0].Number != 1 || got[1499].Number != 1500 {
		t.Errorf("not in number order: first %d, last %d", got[0].Number, got[1499].Number)
	}
}

func TestPapers(t *testing.T) {
	s, _ := openTest(t)
	var ps []paper.Paper
	for i := range 1200 {
		ps = append(ps, paper.Paper{ID: fmt.Sprintf("p%04d", i), Number: i, Title: "t"})
	}
	commit(t, s, "", nil, ps...)
	tests := []struct {
		name string
		ids  []string
		want []string
	}{
		{"none", nil, nil},
		{"given order", []string{"p0002", "p0000", "p0001"}, []string{"p0002", "p0000", "p0001"}},
		{"unknown skipped", []string{"nope", "p0005", "", "p0004"}, []string{"p0005", "p0004"}},
		{"repeated", []string{"p0007", "p0007"}, []string{"p0007", "p0007"}},
		{"more than one batch", reversedIDs(1200, "x"), reversedIDs(1200, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Papers(t.Context(), tt.ids)
			if err != nil {
				t.Fatal(err)
			}
			gotIDs := make([]string, len(got))
			for i, p := range got {
				gotIDs[i] = p.ID
			}
			if diff := cmp.Diff(tt.want, gotIDs, cmpEmpty); diff != "" {
				t.Errorf("Papers (-want +got):\n%s", diff)
			}
		})
	}
	got, err := s.Papers(t.Context(), []string{"p0003"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Papers(p0003) = %v, %v", got, err)
	}
	if diff := cmp.Diff(ps[3], got[0]); diff != "" {
		t.Errorf("Papers reads a paper unlike Paper (-want +got):\n%s", diff)
	}
}

// reversedIDs lists the ids of TestPapers' papers from last to first, with
// an unknown id (when unknown is set) after every tenth.
func reversedIDs(n int, unknown string) []string {
	var out []string
	for i := n - 1; i >= 0; i-- {
		out = append(out, fmt.Sprintf("p%04d", i))
		if unknown != "" && i%10 == 0 {
			out = append(out, unknown+fmt.Sprint(i))
		}
	}
	return out
}
