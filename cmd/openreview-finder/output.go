package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/openreview-finder/openreview-finder/internal/export"
	"github.com/openreview-finder/openreview-finder/internal/search"
)

var formats = []string{"table", export.FormatJSON, export.FormatCSV, export.FormatBibTeX}

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
	if format == "table" {
		return writeTable(w, hits)
	}
	return export.Write(w, format, hits)
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
