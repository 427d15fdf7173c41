package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
)

// Write writes hs in format (FormatJSON, FormatCSV or FormatBibTeX).
func Write(w io.Writer, format string, hs []search.Result) error {
	switch format {
	case FormatJSON:
		return WriteJSON(w, hs)
	case FormatCSV:
		return WriteCSV(w, hs)
	case FormatBibTeX:
		return WriteBibTeX(w, hs)
	}
	return fmt.Errorf("%w: unknown export format %q (want %s)", paper.ErrInvalid, format, strings.Join(Formats, ", "))
}

// WriteJSON writes hs as an indented JSON array of Result, without the
// BibTeX (the bibtex format has it) and with <, > and & left as they are,
// so titles read as typed.
func WriteJSON(w io.Writer, hs []search.Result) error {
	out := FromSearchAll(hs)
	for i := range out {
		out[i].BibTeX = ""
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// csvHeader names the CSV columns; lists (authors, keywords) are joined
// with "; ".
var csvHeader = []string{"rank", "score", "id", "title", "authors", "venue", "venue_id", "year", "status", "presentation", "keywords", "forum_url", "pdf_url", "abstract"}

// WriteCSV writes hs as CSV with a header row, one row per result.
func WriteCSV(w io.Writer, hs []search.Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for i, h := range hs {
		r := FromSearch(h)
		rec := []string{strconv.Itoa(i + 1), strconv.FormatFloat(r.Score, 'f', -1, 64), r.ID, r.Title,
			strings.Join(r.Authors, "; "), r.Venue, r.VenueID, strconv.Itoa(r.Year), r.Status, r.Presentation,
			strings.Join(r.Keywords, "; "), r.ForumURL, r.PDFURL, r.Abstract}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// WriteBibTeX writes the BibTeX entry of every result, separated by blank
// lines.
func WriteBibTeX(w io.Writer, hs []search.Result) error {
	for i, h := range hs {
		sep := "\n"
		if i == 0 {
			sep = ""
		}
		if _, err := io.WriteString(w, sep+BibTeX(h.Paper)+"\n"); err != nil {
			return fmt.Errorf("write bibtex: %w", err)
		}
	}
	return nil
}

// BibTeX is p's citation: the entry OpenReview gives, trimmed, or, for a
// paper without one (older API v1 notes), a @misc entry built from its
// title, authors, year and forum URL.
func BibTeX(p paper.Paper) string {
	if b := strings.TrimSpace(p.BibTeX); b != "" {
		return b
	}
	var b strings.Builder
	fmt.Fprintf(&b, "@misc{\n%s,\ntitle={%s},\nauthor={%s}", citeKey(p), bibValue(p.Title), bibValue(strings.Join(p.Authors, " and ")))
	if p.Year > 0 {
		fmt.Fprintf(&b, ",\nyear={%d}", p.Year)
	}
	if p.Venue != "" {
		fmt.Fprintf(&b, ",\nnote={%s}", bibValue(p.Venue))
	}
	if p.ForumURL != "" {
		fmt.Fprintf(&b, ",\nurl={%s}", bibValue(p.ForumURL))
	}
	b.WriteString("\n}")
	return b.String()
}

// citeKey builds a key the way OpenReview does: the first author's last
// name, the year and the title's first word, lower-cased ASCII letters
// ("kowalski2025polynet"); the paper id when there is no author.
func citeKey(p paper.Paper) string {
	var last, first string
	if len(p.Authors) > 0 {
		f := strings.Fields(p.Authors[0])
		if len(f) > 0 {
			last = asciiLetters(f[len(f)-1])
		}
	}
	if f := strings.Fields(p.Title); len(f) > 0 {
		first = asciiLetters(f[0])
	}
	if last == "" {
		return "openreview" + asciiLetters(p.ID)
	}
	year := ""
	if p.Year > 0 {
		year = strconv.Itoa(p.Year)
	}
	return last + year + first
}

// asciiLetters keeps the ASCII letters and digits of s, accents dropped
// and lower-cased ("Müller" → "muller").
func asciiLetters(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// bibValue makes s safe inside a braced BibTeX field: on one line, and
// without braces when they do not balance (they would end the field).
func bibValue(s string) string {
	depth := 0
	for _, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
		}
		if depth < 0 {
			break
		}
	}
	if depth != 0 {
		s = strings.NewReplacer("{", "", "}", "").Replace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}
