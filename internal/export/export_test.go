package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
)

var (
	withBib = paper.Paper{
		ID: "abc123", Title: `Attention <b>is</b> "all" you need, $\frac{a}{b}$`, Authors: []string{"Ada Lovelace", "Alan Turing"},
		Abstract: "Line one,\nline two.", TLDR: "Short.", Keywords: []string{"attention"}, PrimaryArea: "theory",
		VenueID: "ICLR.cc/2025/Conference", Venue: "ICLR 2025", Year: 2025, Status: paper.StatusAccepted,
		Presentation: paper.PresentationOral, ForumURL: "https://openreview.net/forum?id=abc123",
		PDFURL: "https://openreview.net/pdf?id=abc123", BibTeX: "\n@inproceedings{x,\ntitle={T}\n}\n\n",
		Published: time.Date(2025, 1, 22, 23, 30, 0, 0, time.FixedZone("x", -3600)),
	}
	noBib = paper.Paper{
		ID: "def-456", Title: "Über {broken braces", Authors: []string{"José Müller"}, Venue: "TMLR",
		VenueID: "TMLR", Status: paper.StatusUnderReview, ForumURL: "https://openreview.net/forum?id=def-456",
	}
	results = []search.Result{
		{Paper: withBib, Score: 0.123456789, Explain: &search.Explanation{KeywordRank: 2, KeywordScore: 5.55555, SemanticRank: 1, Similarity: 0.87654321, Matched: []string{"attention"}}},
		{Paper: noBib, Score: 3},
	}
)

func TestFromSearch(t *testing.T) {
	tests := []struct {
		name string
		in   search.Result
		want Result
	}{
		{"full", results[0], Result{
			ID: "abc123", Title: withBib.Title, Authors: withBib.Authors, Abstract: withBib.Abstract, TLDR: "Short.",
			Keywords: []string{"attention"}, PrimaryArea: "theory", Venue: "ICLR 2025", VenueID: "ICLR.cc/2025/Conference",
			Year: 2025, Status: "accepted", Presentation: "oral", Score: 0.1235, ForumURL: withBib.ForumURL,
			PDFURL: withBib.PDFURL, Published: "2025-01-23", BibTeX: "@inproceedings{x,\ntitle={T}\n}",
			Explain: &Explain{KeywordRank: 2, KeywordScore: 5.5556, SemanticRank: 1, Similarity: 0.8765, Matched: []string{"attention"}},
		}},
		{"empty lists are not nil", search.Result{Paper: paper.Paper{ID: "x", BibTeX: "@misc{x}"}, Explain: &search.Explanation{}}, Result{
			ID: "x", Authors: []string{}, Keywords: []string{}, BibTeX: "@misc{x}", Explain: &Explain{Matched: []string{}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, FromSearch(tt.in)); diff != "" {
				t.Errorf("FromSearch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBibTeX(t *testing.T) {
	tests := []struct {
		name string
		p    paper.Paper
		want string
	}{
		{"openreview's own, trimmed", withBib, "@inproceedings{x,\ntitle={T}\n}"},
		{"built, unbalanced braces dropped", noBib, "@misc{\nmulleruber,\ntitle={Über broken braces},\nauthor={José Müller},\nnote={TMLR},\nurl={https://openreview.net/forum?id=def-456}\n}"},
		{"built, no author", paper.Paper{ID: "Zz_9", Title: "A {B} c", Year: 2024}, "@misc{\nopenreviewzz9,\ntitle={A {B} c},\nauthor={},\nyear={2024}\n}"},
		{"closing brace first", paper.Paper{ID: "q", Title: "a } b {", Authors: []string{"Kim"}, Year: 2023}, "@misc{\nkim2023a,\ntitle={a b},\nauthor={Kim},\nyear={2023}\n}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, BibTeX(tt.p)); diff != "" {
				t.Errorf("BibTeX (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	tests := []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{FormatJSON, func(t *testing.T, out string) {
			var got []map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0]["title"] != withBib.Title || got[1]["id"] != "def-456" {
				t.Errorf("json = %v", got)
			}
			if _, ok := got[0]["bibtex"]; ok {
				t.Error("json export holds the bibtex; the bibtex format has it")
			}
			if !strings.Contains(out, `<b>is</b>`) {
				t.Error("json export escaped HTML characters")
			}
		}},
		{FormatCSV, func(t *testing.T, out string) {
			want := "rank,score,id,title,authors,venue,venue_id,year,status,presentation,keywords,forum_url,pdf_url,abstract\n" +
				`1,0.1235,abc123,"Attention <b>is</b> ""all"" you need, $\frac{a}{b}$",Ada Lovelace; Alan Turing,ICLR 2025,ICLR.cc/2025/Conference,2025,accepted,oral,attention,https://openreview.net/forum?id=abc123,https://openreview.net/pdf?id=abc123,"Line one,` + "\n" + `line two."` + "\n" +
				"2,3,def-456,Über {broken braces,José Müller,TMLR,TMLR,0,under-review,,,https://openreview.net/forum?id=def-456,,\n"
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("csv (-want +got):\n%s", diff)
			}
		}},
		{FormatBibTeX, func(t *testing.T, out string) {
			want := BibTeX(withBib) + "\n\n" + BibTeX(noBib) + "\n"
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("bibtex (-want +got):\n%s", diff)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tt.format, results); err != nil {
				t.Fatal(err)
			}
			tt.check(t, b.String())
			if ContentType(tt.format) == "" || Extension(tt.format) == "" {
				t.Errorf("format %s has no content type or extension", tt.format)
			}
		})
	}
	if err := Write(&bytes.Buffer{}, "xml", results); !errors.Is(err, paper.ErrInvalid) {
		t.Errorf("Write(xml) = %v, want ErrInvalid", err)
	}
}

func TestWriteEmpty(t *testing.T) {
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Write(&b, f, nil); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{FormatJSON: "[]\n", FormatCSV: strings.Join(csvHeader, ",") + "\n", FormatBibTeX: ""}[f]
		if b.String() != want {
			t.Errorf("%s of no results = %q, want %q", f, b.String(), want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"json", "json", true}, {" BibTeX ", "bibtex", true}, {"CSV", "csv", true}, {"xml", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if got != tt.want || (err == nil) != tt.ok || (err != nil && !errors.Is(err, paper.ErrInvalid)) {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if ContentType("xml") != "" || Extension("xml") != "" {
		t.Error("unknown format has a content type or extension")
	}
}
