package openreview

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// tmlrJournal is the journal name OpenReview's BibTeX gives TMLR papers.
const tmlrJournal = "Transactions on Machine Learning Research"

// bibTeX returns the note's own _bibtex when it is BibTeX, else one built
// the way OpenReview builds it (reference §8). Recorded samples show that
// _bibtex may hold other text (a scrubbed e-mail address), hence the check.
func bibTeX(raw any, p *paper.Paper, v VenueInfo) string {
	if s := strings.TrimSpace(contentText(raw)); strings.HasPrefix(s, "@") && strings.Contains(s, "{") {
		return s
	}
	return generateBibTeX(p, v)
}

// generateBibTeX writes an entry like OpenReview's tools.generate_bibtex:
// @inproceedings for accepted conference papers, booktitle "Submitted to …"
// with note "under review" for papers under review, @misc for rejected
// and withdrawn ones, and @article for TMLR.
func generateBibTeX(p *paper.Paper, v VenueInfo) string {
	year := p.Year
	if year == 0 && !p.Published.IsZero() {
		year = p.Published.Year() // rolling journals have no venue year
	}
	author := "Anonymous"
	if len(p.Authors) > 0 {
		author = strings.Join(p.Authors, " and ")
	}
	venueName := v.Title
	if venueName == "" {
		venueName = v.Label
	}
	kind := "misc"
	fields := [][2]string{{"title", p.Title}, {"author", author}}
	switch {
	case v.ID == "TMLR":
		kind = "article"
		fields = append(fields, [2]string{"journal", tmlrJournal})
	case p.Status == paper.StatusAccepted:
		kind = "inproceedings"
		fields = append(fields, [2]string{"booktitle", venueName})
	case p.Status == paper.StatusUnderReview:
		kind = "inproceedings"
		fields = append(fields, [2]string{"booktitle", "Submitted to " + venueName})
	}
	if year != 0 {
		fields = append(fields, [2]string{"year", strconv.Itoa(year)})
	}
	if p.Forum != "" {
		fields = append(fields, [2]string{"url", p.ForumURL})
	}
	if note := bibNote(p.Status, v.ID == "TMLR"); note != "" {
		fields = append(fields, [2]string{"note", note})
	}
	lines := []string{"@" + kind + "{", bibKey(p, year) + ","}
	for i, f := range fields {
		line := f[0] + "={" + bibField(f[1]) + "}"
		if i < len(fields)-1 {
			line += ","
		}
		lines = append(lines, line)
	}
	return strings.Join(append(lines, "}"), "\n")
}

// bibNote is the note field: journals say where a non-accepted paper
// stands; conferences only mark papers under review.
func bibNote(s paper.Status, journal bool) string {
	switch {
	case s == paper.StatusAccepted:
		return ""
	case !journal && s == paper.StatusUnderReview:
		return "under review"
	case !journal:
		return ""
	case s == paper.StatusUnderReview:
		return "Under review"
	case s == paper.StatusWithdrawn:
		return "Withdrawn"
	}
	return "Rejected"
}

// bibKey is the first author's last name, the year and the first word of
// the title, lower-cased and folded to ASCII: "smith2025learning".
func bibKey(p *paper.Paper, year int) string {
	last := "anonymous"
	if len(p.Authors) > 0 {
		last = lastName(p.Authors[0])
	}
	key := last
	if year != 0 {
		key += strconv.Itoa(year)
	}
	for _, w := range strings.Fields(p.Title) {
		if f := asciiFold(w); f != "" {
			key += f
			break
		}
	}
	if key == "" {
		key = "openreview" + asciiFold(p.ID)
	}
	return key
}

// lastName picks the family name from "First Last" or "Last, First",
// folded to ASCII; names with no ASCII letters give "".
func lastName(name string) string {
	if before, _, ok := strings.Cut(name, ","); ok && strings.TrimSpace(before) != "" {
		name = before
	}
	words := strings.Fields(name)
	for i := len(words) - 1; i >= 0; i-- {
		if f := asciiFold(words[i]); f != "" {
			return f
		}
	}
	return ""
}

// foldSpecial covers the Latin letters that do not decompose into an ASCII
// base letter and a combining mark.
var foldSpecial = map[rune]string{'ß': "ss", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'đ': "d", 'Đ': "d", 'ð': "d", 'þ': "th", 'ı': "i"}

// asciiFold lower-cases s, strips accents and keeps only a-z and 0-9.
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if rep, ok := foldSpecial[r]; ok {
			b.WriteString(rep)
			continue
		}
		r = unicode.ToLower(r)
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bibField makes a value safe inside braces: one line, and no brace that
// would close the field early or leave it open.
func bibField(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	out := []byte(s)
	var open []int // positions in out of '{' not yet closed
	keep := make([]bool, len(out))
	for i, c := range out {
		keep[i] = true
		switch c {
		case '{':
			open = append(open, i)
		case '}':
			if len(open) == 0 {
				keep[i] = false
			} else {
				open = open[:len(open)-1]
			}
		}
	}
	for _, i := range open {
		keep[i] = false
	}
	var b strings.Builder
	for i, c := range out {
		if keep[i] {
			b.WriteByte(c)
		}
	}
	return strings.TrimRight(b.String(), `\`)
}
