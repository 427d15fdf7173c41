// Package export writes search results in the formats people take away:
// JSON, CSV and BibTeX. The command line and the web page share it, so a
// file exported from either is the same, and Result is the JSON object of
// one paper everywhere (the CLI's --format json, the web's /api/ routes).
package export

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
)

// The export formats.
const (
	FormatJSON   = "json"
	FormatCSV    = "csv"
	FormatBibTeX = "bibtex"
)

// Formats lists the export formats in the order a page offers them.
var Formats = []string{FormatCSV, FormatJSON, FormatBibTeX}

// Result is one paper with its score, as JSON shows it.
type Result struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Authors      []string `json:"authors"`
	Abstract     string   `json:"abstract"`
	TLDR         string   `json:"tldr,omitempty"`
	Keywords     []string `json:"keywords"`
	PrimaryArea  string   `json:"primary_area,omitempty"`
	Venue        string   `json:"venue"`
	VenueID      string   `json:"venue_id"`
	Year         int      `json:"year"`
	Status       string   `json:"status"`
	Presentation string   `json:"presentation,omitempty"`
	Score        float64  `json:"score"`
	ForumURL     string   `json:"forum_url"`
	PDFURL       string   `json:"pdf_url"`
	Published    string   `json:"published,omitempty"` // YYYY-MM-DD, UTC
	// BibTeX is the paper's citation (see BibTeX). WriteJSON leaves it
	// out: a JSON export lists papers, the bibtex format cites them.
	BibTeX  string   `json:"bibtex,omitempty"`
	Explain *Explain `json:"explain,omitempty"`
}

// Explain is why a result ranks where it does (search.Explanation).
type Explain struct {
	KeywordRank  int      `json:"keyword_rank,omitempty"`
	KeywordScore float64  `json:"keyword_score,omitempty"`
	SemanticRank int      `json:"semantic_rank,omitempty"`
	Similarity   float64  `json:"similarity,omitempty"`
	Matched      []string `json:"matched_terms"`
	TitleMatch   bool     `json:"title_match,omitempty"`
}

// FromSearch converts a search result. Scores are rounded to four
// decimals, which is all a reader can use and keeps files stable across
// float noise; nil lists become empty ones, so JSON shows [] not null.
func FromSearch(h search.Result) Result {
	p := h.Paper
	r := Result{
		ID: p.ID, Title: p.Title, Authors: nonNil(p.Authors), Abstract: p.Abstract, TLDR: p.TLDR,
		Keywords: nonNil(p.Keywords), PrimaryArea: p.PrimaryArea, Venue: p.Venue, VenueID: p.VenueID,
		Year: p.Year, Status: string(p.Status), Presentation: string(p.Presentation),
		Score: Round(h.Score), ForumURL: p.ForumURL, PDFURL: p.PDFURL, BibTeX: BibTeX(p),
	}
	if !p.Published.IsZero() {
		r.Published = p.Published.UTC().Format(time.DateOnly)
	}
	if x := h.Explain; x != nil {
		r.Explain = &Explain{KeywordRank: x.KeywordRank, KeywordScore: Round(x.KeywordScore),
			SemanticRank: x.SemanticRank, Similarity: Round(x.Similarity), Matched: nonNil(x.Matched),
			TitleMatch: x.TitleMatch}
	}
	return r
}

// FromSearchAll converts every result, in order; never nil.
func FromSearchAll(hs []search.Result) []Result {
	out := make([]Result, len(hs))
	for i, h := range hs {
		out[i] = FromSearch(h)
	}
	return out
}

// ContentType is the media type of a format's file, "" for an unknown
// format.
func ContentType(format string) string {
	switch format {
	case FormatJSON:
		return "application/json; charset=utf-8"
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatBibTeX:
		return "application/x-bibtex; charset=utf-8"
	}
	return ""
}

// Extension is the file name extension of a format, with its dot; "" for
// an unknown format.
func Extension(format string) string {
	switch format {
	case FormatJSON:
		return ".json"
	case FormatCSV:
		return ".csv"
	case FormatBibTeX:
		return ".bib"
	}
	return ""
}

// ParseFormat reads an export format in any case ("BibTeX"); anything
// else wraps paper.ErrInvalid.
func ParseFormat(s string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(s))
	if ContentType(f) == "" {
		return "", fmt.Errorf("%w: unknown export format %q (want %s)", paper.ErrInvalid, s, strings.Join(Formats, ", "))
	}
	return f, nil
}

// Round rounds a score to four decimals.
func Round(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 4, 64), 64)
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
