package openreview

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// parseOne parses a single note given as JSON, the way it arrives from the
// API, so that Normalize tests exercise real shapes.
func parseOne(t *testing.T, note string) Note {
	t.Helper()
	page, err := ParseNotes([]byte(`{"notes": [` + note + `]}`))
	if err != nil {
		t.Fatalf("ParseNotes: %v", err)
	}
	return page.Notes[0]
}

// v1Note builds a v1 note with the given content.
func v1Note(t *testing.T, content map[string]any) Note {
	t.Helper()
	c, err := json.Marshal(content)
	if err != nil {
		t.Fatal(err)
	}
	return parseOne(t, `{"id": "N1", "forum": "N1", "number": 1, "invitation": "ICLR.cc/2022/Conference/-/Blind_Submission", "content": `+string(c)+`}`)
}

// v2Note builds a v2 note whose content values are wrapped in {"value": X}.
func v2Note(t *testing.T, content map[string]any) Note {
	t.Helper()
	wrapped := make(map[string]any, len(content))
	for k, v := range content {
		wrapped[k] = map[string]any{"value": v}
	}
	c, err := json.Marshal(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	return parseOne(t, `{"id": "N2", "forum": "N2", "number": 2, "version": 2, "invitations": ["ICLR.cc/2024/Conference/-/Submission"], "content": `+string(c)+`}`)
}

func TestNormalizeAuthors(t *testing.T) {
	tests := []struct {
		name      string
		content   map[string]any
		wantNames []string
		wantIDs   []string
	}{
		{"list with ids", map[string]any{"authors": []string{"Ada Lovelace", "Alan Turing"}, "authorids": []string{"~Ada_Lovelace1", "alan@example.org"}},
			[]string{"Ada Lovelace", "Alan Turing"}, []string{"~Ada_Lovelace1", "alan@example.org"}},
		{"list without ids", map[string]any{"authors": []string{" Ada Lovelace "}}, []string{"Ada Lovelace"}, nil},
		{"ICLR 2017 one string, two", map[string]any{"authors": "Ada Lovelace and Alan Turing"}, []string{"Ada Lovelace", "Alan Turing"}, nil},
		{"one string, three", map[string]any{"authors": "Ada Lovelace, Alan Turing and Grace Hopper"}, []string{"Ada Lovelace", "Alan Turing", "Grace Hopper"}, nil},
		{"one string, Oxford comma", map[string]any{"authors": "Ada Lovelace, Alan Turing, and Grace Hopper"}, []string{"Ada Lovelace", "Alan Turing", "Grace Hopper"}, nil},
		{"one string, names containing and", map[string]any{"authors": "Sandra Anderson and Andy Band"}, []string{"Sandra Anderson", "Andy Band"}, nil},
		{"one string, suffix", map[string]any{"authors": "John Smith, Jr. and Jane Doe"}, []string{"John Smith Jr.", "Jane Doe"}, nil},
		{"one string, ampersand and newline", map[string]any{"authors": "Ada Lovelace &\nAlan  Turing"}, []string{"Ada Lovelace", "Alan Turing"}, nil},
		{"one string ids", map[string]any{"authors": "A B, C D", "authorids": "~A_B1, c@d.org"}, []string{"A B", "C D"}, []string{"~A_B1", "c@d.org"}},
		{"unified authors", map[string]any{"authors": []any{
			map[string]any{"fullname": "Ada Lovelace", "username": "~Ada_Lovelace1", "institutions": []any{map[string]any{"name": "X"}}},
			map[string]any{"fullname": "Alan Turing"},
			map[string]any{"username": "~Grace_Brewster_Hopper2"},
		}, "authorids": []string{"~Ignored1"}},
			[]string{"Ada Lovelace", "Alan Turing", "Grace Brewster Hopper"}, []string{"~Ada_Lovelace1", "", "~Grace_Brewster_Hopper2"}},
		{"unified authors without usernames", map[string]any{"authors": []any{map[string]any{"fullname": "Ada Lovelace"}}},
			[]string{"Ada Lovelace"}, nil},
		{"anonymous placeholder", map[string]any{"authors": []string{"Anonymous"}, "authorids": []string{"ICLR.cc/2022/Conference/Paper4724/Authors"}}, nil, nil},
		{"anonymous v2 placeholder", map[string]any{"authors": []string{"Anonymous"}, "authorids": []string{"ICLR.cc/2024/Conference/Submission9502/Authors"}}, nil, nil},
		{"placeholder id only", map[string]any{"authorids": []string{"ICLR.cc/2022/Conference/Paper1/Authors"}}, nil, nil},
		{"hidden authors", map[string]any{}, nil, nil},
		{"wrong types", map[string]any{"authors": 5, "authorids": map[string]any{"a": 1}}, nil, nil},
		{"non-string items", map[string]any{"authors": []any{"Ada Lovelace", 7, nil, true}},
			[]string{"Ada Lovelace", "7"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []Note{v1Note(t, tt.content), v2Note(t, tt.content)} {
				p := Normalize(n, nvIclr2022, Listing{})
				if diff := cmp.Diff(tt.wantNames, p.Authors); diff != "" {
					t.Errorf("v%d Authors (-want +got):\n%s", n.APIVersion, diff)
				}
				if diff := cmp.Diff(tt.wantIDs, p.AuthorIDs); diff != "" {
					t.Errorf("v%d AuthorIDs (-want +got):\n%s", n.APIVersion, diff)
				}
			}
		})
	}
}

func TestNormalizeTLDR(t *testing.T) {
	tests := []struct {
		name    string
		content map[string]any
		want    string
	}{
		{"v2 TLDR", map[string]any{"TLDR": "short"}, "short"},
		{"v1 TL;DR", map[string]any{"TL;DR": " short "}, "short"},
		{"lower tldr", map[string]any{"tldr": "short"}, "short"},
		{"ICLR 2022 one-sentence summary", map[string]any{"one-sentence_summary": "short"}, "short"},
		{"TL;DR with colon", map[string]any{"TL;DR:": "short"}, "short"},
		{"tl_dr", map[string]any{"Tl_Dr": "short"}, "short"},
		{"TLDR preferred over one-sentence summary", map[string]any{"one-sentence_summary": "b", "TLDR": "a"}, "a"},
		{"empty TLDR falls through", map[string]any{"TLDR": " ", "TL;DR": "b"}, "b"},
		{"unrelated key", map[string]any{"summary": "no"}, ""},
		{"not a string", map[string]any{"TLDR": []string{"x"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []Note{v1Note(t, tt.content), v2Note(t, tt.content)} {
				if got := Normalize(n, nvIclr2022, Listing{}).TLDR; got != tt.want {
					t.Errorf("v%d TLDR = %q, want %q", n.APIVersion, got, tt.want)
				}
			}
		})
	}
}

func TestNormalizeKeywords(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  []string
	}{
		{"list", []string{"graphs", " vision "}, []string{"graphs", "vision"}},
		{"list with empties", []any{"graphs", "", "  ", 3}, []string{"graphs", "3"}},
		{"comma string", "graphs, vision,, robustness ", []string{"graphs", "vision", "robustness"}},
		{"semicolon string", "graphs; vision", []string{"graphs", "vision"}},
		{"empty string", "", nil},
		{"number", 5, nil},
		{"absent", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := map[string]any{}
			if tt.value != nil {
				c["keywords"] = tt.value
			}
			for _, n := range []Note{v1Note(t, c), v2Note(t, c)} {
				if diff := cmp.Diff(tt.want, Normalize(n, nvIclr2022, Listing{}).Keywords); diff != "" {
					t.Errorf("v%d Keywords (-want +got):\n%s", n.APIVersion, diff)
				}
			}
		})
	}
}

func TestNormalizePDFURL(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  string
	}{
		{"hex path", "/pdf/178e173a880d7872c0a79d88e005426c20501329.pdf", "https://openreview.net/pdf/178e173a880d7872c0a79d88e005426c20501329.pdf"},
		{"absolute https", "https://arxiv.org/pdf/2401.00001.pdf", "https://arxiv.org/pdf/2401.00001.pdf"},
		{"absolute http", "http://example.org/p.pdf", "http://example.org/p.pdf"},
		{"missing (desk rejected)", nil, ""},
		{"empty", "", ""},
		{"bare name", "paper.pdf", "https://openreview.net/pdf?id=N1"},
		{"protocol-relative", "//evil.example/p.pdf", "https://openreview.net/pdf?id=N1"},
		{"http without host", "http://", "https://openreview.net/pdf?id=N1"},
		{"not a string", 12, "https://openreview.net/pdf?id=N1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := map[string]any{}
			if tt.value != nil {
				c["pdf"] = tt.value
			}
			if got := Normalize(v1Note(t, c), nvIclr2022, Listing{}).PDFURL; got != tt.want {
				t.Errorf("PDFURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalizeIncomplete(t *testing.T) {
	tests := []struct {
		name    string
		content map[string]any
		want    bool
	}{
		{"complete", map[string]any{"title": "T", "abstract": "A"}, false},
		{"no title", map[string]any{"abstract": "A"}, true},
		{"blank title", map[string]any{"title": "  \n", "abstract": "A"}, true},
		{"no abstract", map[string]any{"title": "T"}, true},
		{"title not a string", map[string]any{"title": []string{"T"}, "abstract": "A"}, true},
		{"nothing", map[string]any{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []Note{v1Note(t, tt.content), v2Note(t, tt.content)} {
				p := Normalize(n, nvIclr2022, Listing{})
				if p.Incomplete != tt.want {
					t.Errorf("v%d Incomplete = %v, want %v", n.APIVersion, p.Incomplete, tt.want)
				}
				if p.ID == "" || p.BibTeX == "" {
					t.Errorf("v%d: incomplete paper lost its id or bibtex: %+v", n.APIVersion, p)
				}
			}
		})
	}
}

func TestNormalizeBasics(t *testing.T) {
	n := parseOne(t, `{"id": "abc", "number": 7, "tcdate": 1000, "tmdate": 5000, "odate": 3000,
		"content": {"title": "  A title \n", "abstract": " An abstract. ", "venue": "ICLR 2022 Oral ", "primary_area": " graphs "}}`)
	got := Normalize(n, nvIclr2022, Listing{})
	want := paper.Paper{
		ID: "abc", Forum: "abc", Number: 7,
		VenueID: "ICLR.cc/2022/Conference", Venue: "ICLR 2022", VenueRaw: "ICLR 2022 Oral ", Year: 2022, APIVersion: 1,
		Status: paper.StatusAccepted, Presentation: paper.PresentationOral,
		Title: "A title", Abstract: "An abstract.", PrimaryArea: "graphs",
		ForumURL:  "https://openreview.net/forum?id=abc",
		BibTeX:    "@inproceedings{\nanonymous2022a,\ntitle={A title},\nauthor={Anonymous},\nbooktitle={The Tenth International Conference on Learning Representations},\nyear={2022},\nurl={https://openreview.net/forum?id=abc}\n}",
		Created:   time.UnixMilli(1000).UTC(),
		Modified:  time.UnixMilli(5000).UTC(),
		Published: time.UnixMilli(3000).UTC(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Normalize mismatch (-want +got):\n%s", diff)
	}
	if got.Created.Location() != time.UTC {
		t.Errorf("Created is in %v, want UTC", got.Created.Location())
	}
}

func TestNormalizeDates(t *testing.T) {
	tests := []struct {
		name                         string
		note                         Note
		created, modified, published int64
	}{
		{"all", Note{CDate: 1, TCDate: 2, MDate: 3, TMDate: 4, PDate: 5, ODate: 6}, 1, 4, 5},
		{"no pdate", Note{CDate: 1, TCDate: 2, ODate: 6}, 1, 2, 6},
		{"only tcdate", Note{TCDate: 2}, 2, 2, 0},
		{"only cdate", Note{CDate: 1}, 1, 1, 1},
		{"none", Note{}, 0, 0, 0},
	}
	ms := func(v int64) time.Time {
		if v == 0 {
			return time.Time{}
		}
		return time.UnixMilli(v).UTC()
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Normalize(tt.note, nvIclr2022, Listing{})
			got := []time.Time{p.Created, p.Modified, p.Published}
			want := []time.Time{ms(tt.created), ms(tt.modified), ms(tt.published)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Created, Modified, Published (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNormalizeDefaults(t *testing.T) {
	// A hand-built note (no APIVersion) takes the venue's version; a reply's
	// forum is kept rather than replaced by its id.
	p := Normalize(Note{ID: "r", Forum: "f"}, nvIclr2024, Listing{})
	if p.APIVersion != 2 || p.Forum != "f" || p.ForumURL != "https://openreview.net/forum?id=f" {
		t.Errorf("got APIVersion %d, Forum %q, ForumURL %q; want 2, f, forum URL of f", p.APIVersion, p.Forum, p.ForumURL)
	}
	// Ids are query-escaped in URLs.
	p = Normalize(Note{ID: "a&b=c", Content: map[string]any{"pdf": "x"}}, nvIclr2022, Listing{})
	if p.ForumURL != "https://openreview.net/forum?id=a%26b%3Dc" || p.PDFURL != "https://openreview.net/pdf?id=a%26b%3Dc" {
		t.Errorf("ForumURL %q, PDFURL %q: id not escaped", p.ForumURL, p.PDFURL)
	}
}
