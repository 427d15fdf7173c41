package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/search"
)

var formats = []string{"table", "json", "csv", "bibtex"}

// outputFormat picks the format: the flag if given, else the output file's
// extension (.json, .csv, .bib), else a table.
func outputFormat(flagValue, output string) (string, error) {
	if flagValue != "" {
		for _, f := range formats {
			if strings.EqualFold(flagValue, f) {
				return f, nil
			}
		}
		return "", usageError(fmt.Sprintf("--format must be one of %s, not %q", strings.Join(formats, ", "), flagValue))
	}
	switch strings.ToLower(filepath.Ext(output)) {
	case ".json":
		return "json", nil
	case ".csv":
		return "csv", nil
	case ".bib", ".bibtex":
		return "bibtex", nil
	}
	return "table", nil
}

func writeResults(w io.Writer, format string, hits []search.Result) error {
	switch format {
	case "json":
		return writeJSON(w, hits)
	case "csv":
		return writeCSV(w, hits)
	case "bibtex":
		return writeBibTeX(w, hits)
	}
	return writeTable(w, hits)
}

// result is one search result as JSON and CSV show it.
type result struct {
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
	Published    string   `json:"published,omitempty"`
	Explain      *explain `json:"explain,omitempty"`
}

// explain is why a result ranks where it does (--explain).
type explain struct {
	KeywordRank  int      `json:"keyword_rank,omitempty"`
	KeywordScore float64  `json:"keyword_score,omitempty"`
	SemanticRank int      `json:"semantic_rank,omitempty"`
	Similarity   float64  `json:"similarity,omitempty"`
	Matched      []string `json:"matched_terms"`
	TitleMatch   bool     `json:"title_match,omitempty"`
}

func toResult(h search.Result) result {
	p := h.Paper
	r := result{
		ID: p.ID, Title: p.Title, Authors: nonNil(p.Authors), Abstract: p.Abstract, TLDR: p.TLDR,
		Keywords: nonNil(p.Keywords), PrimaryArea: p.PrimaryArea, Venue: p.Venue, VenueID: p.VenueID,
		Year: p.Year, Status: string(p.Status), Presentation: string(p.Presentation),
		Score: roundScore(h.Score), ForumURL: p.ForumURL, PDFURL: p.PDFURL,
	}
	if !p.Published.IsZero() {
		r.Published = p.Published.UTC().Format(time.DateOnly)
	}
	if x := h.Explain; x != nil {
		r.Explain = &explain{KeywordRank: x.KeywordRank, KeywordScore: roundScore(x.KeywordScore),
			SemanticRank: x.SemanticRank, Similarity: roundScore(x.Similarity), Matched: nonNil(x.Matched),
			TitleMatch: x.TitleMatch}
	}
	return r
}

func writeJSON(w io.Writer, hits []search.Result) error {
	out := make([]result, 0, len(hits))
	for _, h := range hits {
		out = append(out, toResult(h))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

var csvHeader = []string{"rank", "score", "id", "title", "authors", "venue", "venue_id", "year", "status", "presentation", "keywords", "forum_url", "pdf_url", "abstract"}

func writeCSV(w io.Writer, hits []search.Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for i, h := range hits {
		r := toResult(h)
		rec := []string{strconv.Itoa(i + 1), strconv.FormatFloat(r.Score, 'f', -1, 64), r.ID, r.Title,
			strings.Join(r.Authors, "; "), r.Venue, r.VenueID, strconv.Itoa(r.Year), r.Status, r.Presentation,
			strings.Join(r.Keywords, "; "), r.ForumURL, r.PDFURL, r.Abstract}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeBibTeX(w io.Writer, hits []search.Result) error {
	for i, h := range hits {
		if i > 0 {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(w, strings.TrimSpace(h.Paper.BibTeX)+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func writeTable(w io.Writer, hits []search.Result) error {
	if len(hits) == 0 {
		_, err := fmt.Fprintln(w, "No papers match.")
		return err
	}
	explained := hits[0].Explain != nil
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "#\tSCORE\tSTATUS\tVENUE\tTITLE\tAUTHORS\tID"
	if explained {
		head += "\tKW#\tSEM#\tSIM\tMATCHED"
	}
	fmt.Fprintln(tw, head)
	for i, h := range hits {
		p := h.Paper
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s", i+1, fmtScore(h.Score), p.Label(), p.Venue,
			clip(oneLine(p.Title), 70), clip(authorsShort(p.Authors), 40), p.ID)
		if x := h.Explain; explained && x != nil {
			fmt.Fprintf(tw, "\t%s\t%s\t%s\t%s", rank(x.KeywordRank), rank(x.SemanticRank), similarity(x),
				clip(orDash(strings.Join(x.Matched, " ")), 40))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// fmtScore shows BM25 scores (several units) with two decimals, and
// cosines and fused scores (below one, close together) with four.
func fmtScore(s float64) string {
	if s >= 1 || s <= -1 {
		return strconv.FormatFloat(s, 'f', 2, 64)
	}
	return strconv.FormatFloat(s, 'f', 4, 64)
}

// rank shows a leg's rank, or "-" when the paper was not in that leg.
func rank(r int) string {
	if r <= 0 {
		return "-"
	}
	return strconv.Itoa(r)
}

func similarity(x *search.Explanation) string {
	if x.SemanticRank <= 0 {
		return "-"
	}
	return strconv.FormatFloat(x.Similarity, 'f', 3, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func authorsShort(a []string) string {
	switch len(a) {
	case 0:
		return "-"
	case 1, 2:
		return strings.Join(a, ", ")
	}
	return a[0] + ", " + a[1] + " et al."
}

// clip shortens s to at most n characters (not bytes), marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func roundScore(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 4, 64), 64)
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
