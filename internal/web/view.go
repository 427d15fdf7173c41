package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/export"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
)

// page is what the layout template renders.
type page struct {
	Title    string
	Progress []progressView
	Form     *formView    // the search page
	Results  *resultsView // the search page and its fragment
	Paper    *paperView   // the paper page
	Error    *errorView   // the error page
}

type errorView struct {
	Status  int
	Message string
}

// States of the results area.
const (
	stateHome    = "home"    // nothing asked yet
	stateLoading = "loading" // no Searcher yet
	stateEmpty   = "empty"   // the index holds no papers
	stateResults = "results"
	stateNone    = "none" // a search that found nothing
	stateError   = "error"
)

// resultsView is the #results area: what the search found or why not.
type resultsView struct {
	State     string
	Message   string // the error, for stateError
	Notice    string // why semantic search is off
	Mode      string // the mode used
	Count     int
	Cards     []card
	Exports   []exportLink
	Source    *card // the paper of a "more like this" list
	Papers    int   // in the index
	Venues    int
	Title     string // the document's title, for the script to set
	ResetHref string
}

// CountText says how many results there are, for #count.
func (v *resultsView) CountText() string {
	switch {
	case v.State != stateResults && v.State != stateNone:
		return ""
	case v.Count == 0:
		return "No papers match."
	case v.Source != nil:
		return plural(v.Count, "paper", "papers") + " like this one"
	}
	return plural(v.Count, "paper", "papers")
}

// card is one paper in a list.
type card struct {
	P          paper.Paper
	Rank       int
	Label      string // status badge: oral, poster, rejected, …
	Score      string
	BibTeX     string
	PaperHref  string
	SimilarURL string
	Explain    *search.Explanation
}

func newCard(r search.Result, rank int) card {
	p := r.Paper
	return card{
		P: p, Rank: rank, Label: p.Label(), Score: formatScore(r.Score), BibTeX: export.BibTeX(p),
		PaperHref: "/paper/" + url.PathEscape(p.ID), SimilarURL: similarURL(p.ID),
		Explain: r.Explain,
	}
}

func newCards(rs []search.Result) []card {
	out := make([]card, len(rs))
	for i, r := range rs {
		out[i] = newCard(r, i+1)
	}
	return out
}

// AuthorURL searches for papers by an author.
func (card) AuthorURL(name string) string { return "/?" + url.Values{"author": {name}}.Encode() }

// KeywordURL searches for papers with a keyword.
func (card) KeywordURL(k string) string { return "/?" + url.Values{"keyword": {k}}.Encode() }

// formatScore shows BM25 scores (several units) with two decimals, and
// cosines and fused scores (below one, close together) with four.
func formatScore(s float64) string {
	if s >= 1 || s <= -1 {
		return strconv.FormatFloat(s, 'f', 2, 64)
	}
	return strconv.FormatFloat(s, 'f', 4, 64)
}

type exportLink struct{ Format, Label, URL string }

func exportLinks(p params) []exportLink {
	labels := map[string]string{export.FormatCSV: "CSV", export.FormatJSON: "JSON", export.FormatBibTeX: "BibTeX"}
	out := make([]exportLink, 0, len(export.Formats))
	for _, f := range export.Formats {
		out = append(out, exportLink{Format: f, Label: labels[f], URL: p.exportURL(f)})
	}
	return out
}

// formView fills the search form from the query string as typed, so even
// input that was refused shows what was typed.
type formView struct {
	Q, N, Author, Keyword string
	MaxN, Default         int
	Explain               bool
	Modes                 []option
	Venues                []option
	Years                 []option
	Chips                 []chip
}

type option struct {
	Value, Label string
	Selected     bool
}

type chip struct {
	Value   string
	Count   int
	Checked bool
}

func newForm(v url.Values, f *facets) *formView {
	fv := &formView{
		Q: v.Get("q"), N: v.Get("n"), MaxN: pageMaxN, Default: defaultN,
		Author: strings.Join(v["author"], "; "), Keyword: strings.Join(v["keyword"], "; "),
	}
	if fv.N == "" {
		fv.N = strconv.Itoa(defaultN)
	}
	fv.Explain, _ = boolParam(v, "explain")
	mode, _ := search.ParseMode(v.Get("mode"))
	for _, m := range []search.Mode{search.ModeHybrid, search.ModeSemantic, search.ModeKeyword} {
		fv.Modes = append(fv.Modes, option{Value: string(m), Label: string(m), Selected: m == mode})
	}
	var venues, years []option
	for _, c := range f.Venues {
		if c.Papers > 0 {
			venues = append(venues, option{Value: c.ID, Label: fmt.Sprintf("%s (%d)", c.Label, c.Papers)})
		}
	}
	for _, y := range f.Years {
		years = append(years, option{Value: strconv.Itoa(y.Year), Label: fmt.Sprintf("%d (%d)", y.Year, y.Papers)})
	}
	fv.Venues = selectOptions(venues, v["venue"])
	fv.Years = selectOptions(years, v["year"])
	checked := map[string]bool{}
	for _, s := range v["status"] {
		if st, pres, err := paper.ParseStatus(s); err == nil {
			checked[chipOf(st, pres)] = true
		}
	}
	for _, c := range chips {
		fv.Chips = append(fv.Chips, chip{Value: c, Count: f.Chips[c], Checked: checked[c]})
	}
	return fv
}

// selectOptions marks the chosen options; a chosen value the index does
// not list (a series typed into the URL: venue=ICLR) becomes an option of
// its own, so submitting the form again keeps it.
func selectOptions(opts []option, chosen []string) []option {
	for _, c := range chosen {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		i := slices.IndexFunc(opts, func(o option) bool { return o.Value == c })
		if i < 0 {
			opts = append(opts, option{Value: c, Label: c})
			i = len(opts) - 1
		}
		opts[i].Selected = true
	}
	return opts
}

// progressView is one background task in the banner.
type progressView struct {
	Phase, Message string
	Done, Total    int
	Percent        int // 0–100; -1 unknown
	ETA            string
	etaSeconds     int
}

func newProgress(tasks []Progress, now time.Time) []progressView {
	out := make([]progressView, 0, len(tasks))
	for _, t := range tasks {
		v := progressView{Phase: t.Phase, Message: t.Message, Done: t.Done, Total: t.Total, Percent: -1}
		if t.Total > 0 {
			v.Percent = min(100, max(0, t.Done*100/t.Total))
		}
		if left, ok := eta(t, now); ok {
			v.etaSeconds = int(left.Round(time.Second) / time.Second)
			v.ETA = formatETA(left)
		}
		out = append(out, v)
	}
	return out
}

// eta estimates the time left at the rate so far.
func eta(t Progress, now time.Time) (time.Duration, bool) {
	elapsed := now.Sub(t.Started)
	if t.Total <= 0 || t.Done <= 0 || t.Done >= t.Total || t.Started.IsZero() || elapsed <= 0 {
		return 0, false
	}
	return time.Duration(float64(elapsed) * float64(t.Total-t.Done) / float64(t.Done)), true
}

func formatETA(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute left"
	case d < time.Hour:
		return fmt.Sprintf("about %s left", plural(int(d.Round(time.Minute)/time.Minute), "minute", "minutes"))
	}
	h := int(d / time.Hour)
	return fmt.Sprintf("about %d h %02d min left", h, int((d-time.Duration(h)*time.Hour)/time.Minute))
}

// plural is "1 paper", "2 papers".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
