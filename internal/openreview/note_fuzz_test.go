package openreview

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// FuzzParseNotes feeds ParseNotes arbitrary bodies. It must never panic;
// a body it accepts must be valid JSON, and every note of it must survive
// Normalize under v1 and v2 venues with a coherent result.
func FuzzParseNotes(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "notes", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, ".golden.json") {
			continue
		}
		body, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	deep := strings.Repeat(`{"details":{"directReplies":[`, 50) + "{}" + strings.Repeat("]}}", 50)
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"notes":null}`, `{"notes":5}`, `{"notes":[null]}`, `{"notes":[{}]}`,
		`{"notes":[{"content":null}]}`,
		`{"notes":[{"id":"a","content":{"title":5,"abstract":["x"],"authors":{"value":7},"authorids":"x/Authors",
			"keywords":{"value":{"a":1}},"pdf":{"value":12},"venueid":{"value":[]},"venue":true,"_bibtex":"@{"}}]}`,
		`{"notes":[{"id":"a","version":2,"content":{"authors":{"value":[{"fullname":3},{"username":"~"},null,[1]]}}}]}`,
		`{"notes":[{"id":"a","cdate":1e400,"number":99999999999999999999}]}`,
		`{"notes":[{"id":"a","cdate":-9223372036854775808,"tmdate":9223372036854775807,"pdate":-1}]}`,
		`{"notes":[{"id":"a","content":{"x":1e999999,"y":-0,"z":0.0000000000000001}}],"count":1e3}`,
		`{"notes":[` + deep + `]}`,
		`{"notes":[{"id":"a","details":{"directReplies":[{"invitation":"x/Decision","content":{"decision":{"value":"Accept (Oral)"}}}]}}]}`,
		`{"notes":[{"id":"a","content":{"title":"}{","authors":"and , and ; Jr. and","TL;DR":"\u0000"}}]}`,
		`<!DOCTYPE html><html><title>Verifying your browser | OpenReview</title></html>`,
		`{"notes":[{"id":"a"}`,
	} {
		f.Add([]byte(s))
	}
	venues := []VenueInfo{nvIclr2024, nvIclr2020, nvTmlrVenue, {}}
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := ParseNotes(body)
		if err != nil {
			if !errors.Is(err, ErrMalformedNotes) {
				t.Fatalf("error %q does not wrap ErrMalformedNotes", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("ParseNotes accepted invalid JSON %q", body)
		}
		if page.Count < 0 || (!page.HasCount && page.Count != 0) {
			t.Fatalf("count %d, HasCount %v", page.Count, page.HasCount)
		}
		for _, n := range page.Notes {
			if n.APIVersion != 1 && n.APIVersion != 2 {
				t.Fatalf("APIVersion %d", n.APIVersion)
			}
			for _, v := range venues {
				for _, l := range []Listing{{}, {Status: paper.StatusWithdrawn}} {
					checkPaper(t, n, Normalize(n, v, l), l)
				}
			}
		}
		if len(page.Notes) > 0 {
			ForumSubmission(page.Notes, page.Notes[0].ID)
		}
	})
}

// checkPaper asserts what holds for every normalised paper.
func checkPaper(t *testing.T, n Note, p paper.Paper, l Listing) {
	t.Helper()
	if !slices.Contains(paper.Statuses, p.Status) {
		t.Fatalf("status %q is not a known status", p.Status)
	}
	if l.Status != "" && p.Status != l.Status {
		t.Fatalf("status %q, but the listing says %q", p.Status, l.Status)
	}
	if p.Presentation != "" && p.Status != paper.StatusAccepted {
		t.Fatalf("presentation %q on a %s paper", p.Presentation, p.Status)
	}
	if p.ID != n.ID || (n.ID != "" && p.Forum == "") {
		t.Fatalf("id %q forum %q from note %q", p.ID, p.Forum, n.ID)
	}
	if !strings.HasPrefix(p.BibTeX, "@") || !strings.Contains(p.BibTeX, "{") {
		t.Fatalf("bibtex %q", p.BibTeX)
	}
	if p.Incomplete != (p.Title == "" || p.Abstract == "") {
		t.Fatalf("Incomplete %v with title %q abstract %q", p.Incomplete, p.Title, p.Abstract)
	}
	if p.PDFURL != "" && !strings.HasPrefix(p.PDFURL, "http") {
		t.Fatalf("pdf url %q", p.PDFURL)
	}
	if len(p.AuthorIDs) > 0 && len(p.Authors) > 0 && len(p.AuthorIDs) != len(p.Authors) && n.Content["authorids"] == nil {
		t.Fatalf("unified authors gave %d names but %d ids", len(p.Authors), len(p.AuthorIDs))
	}
}
