package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/openreview-finder/openreview-finder/internal/export"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// Limits on one search's parameters.
const (
	maxQ        = 500 // characters of q
	maxValues   = 20  // values of one filter
	maxValueLen = 200 // characters of one filter value
	defaultN    = 20
	pageMaxN    = 100 // results on the page
	apiMaxN     = store.MaxLimit
	maxIDLen    = 200
)

// params is one search as its query string says it. The page, the
// results fragment and /api/search read the same parameters.
type params struct {
	Q        string
	Mode     search.Mode
	N        int
	Venues   []string
	Years    []int
	Statuses []string // chip values: "accepted", "oral", …, "under-review"
	Authors  []string // each must match (AND)
	Keywords []string // each must match (AND)
	Explain  bool
	Similar  string // a paper id: "more like this"
	Partial  bool   // the page's #results fragment only
	Format   string // /api/search export: json, csv or bibtex; "" for the API's JSON
}

// empty reports whether p asks for nothing: no words, filter or paper.
func (p params) empty() bool {
	return strings.TrimSpace(p.Q) == "" && p.Similar == "" && p.filter().Empty()
}

// filter is the store filter p selects.
func (p params) filter() store.Filter {
	f := store.Filter{Venues: p.Venues, Years: p.Years, Authors: p.Authors, Keywords: p.Keywords}
	for _, c := range p.Statuses {
		st, pres, _ := paper.ParseStatus(c) // checked by parseParams
		f.Statuses = append(f.Statuses, store.StatusFilter{Status: st, Presentation: pres})
	}
	return f
}

// query parses a request's query string. Unlike URL.Query it refuses a
// malformed one (a bad escape, a raw ";") instead of silently dropping
// parameters, so a filter is never lost without a word.
func query(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return v, invalid("The query string is malformed: escape special characters such as %% and ; (%%25, %%3B).")
	}
	return v, nil
}

// parseParams reads and checks a query string; n may be at most maxN.
// Errors are one sentence for the user (status 400).
func parseParams(v url.Values, maxN int) (params, error) {
	p := params{N: defaultN}
	var err error
	// First, so even a refused search answers with the fragment asked for.
	if p.Partial, err = boolParam(v, "partial"); err != nil {
		return p, err
	}
	if p.Q, err = text(v, "q", maxQ); err != nil {
		return p, err
	}
	if p.Mode, err = search.ParseMode(v.Get("mode")); err != nil {
		return p, invalid("Unknown search mode %q: choose hybrid, semantic or keyword.", clipped(v.Get("mode")))
	}
	if s := strings.TrimSpace(v.Get("n")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxN {
			return p, invalid("The number of results (n) must be a whole number from 1 to %d, not %q.", maxN, clipped(s))
		}
		p.N = n
	}
	if p.Venues, err = list(v, "venue", false); err != nil {
		return p, err
	}
	if p.Years, err = years(v); err != nil {
		return p, err
	}
	if p.Statuses, err = statuses(v); err != nil {
		return p, err
	}
	if p.Authors, err = list(v, "author", true); err != nil {
		return p, err
	}
	if p.Keywords, err = list(v, "keyword", true); err != nil {
		return p, err
	}
	if p.Explain, err = boolParam(v, "explain"); err != nil {
		return p, err
	}
	if p.Similar, err = text(v, "similar", maxIDLen); err != nil {
		return p, err
	}
	if f := v.Get("format"); f != "" {
		if p.Format, err = export.ParseFormat(f); err != nil {
			return p, invalid("Unknown export format %q: choose csv, json or bibtex.", clipped(f))
		}
	}
	return p, nil
}

// text is one parameter, trimmed, at most limit characters long.
func text(v url.Values, name string, limit int) (string, error) {
	vs := v[name]
	if len(vs) > 1 {
		return "", invalid("Give %s once, not %d times.", name, len(vs))
	}
	s := strings.TrimSpace(v.Get(name))
	if n := utf8.RuneCountInString(s); n > limit {
		return "", invalid("The %s is too long: %d characters, at most %d.", label(name), n, limit)
	}
	if strings.ContainsFunc(s, unicode.IsControl) && name != "q" {
		return "", invalid("The %s holds control characters.", label(name))
	}
	return s, nil
}

// label names a parameter in messages.
func label(name string) string {
	switch name {
	case "q":
		return "query (q)"
	case "similar":
		return "paper id (similar)"
	}
	return name
}

// list reads a repeatable filter. With split, each value may hold several
// separated by ";" (one text box, "hinton; lecun"). Blank values are
// dropped.
func list(v url.Values, name string, split bool) ([]string, error) {
	var out []string
	for _, raw := range v[name] {
		parts := []string{raw}
		if split {
			parts = strings.Split(raw, ";")
		}
		for _, s := range parts {
			s = strings.TrimSpace(s)
			switch {
			case s == "":
				continue
			case utf8.RuneCountInString(s) > maxValueLen:
				return nil, invalid("A %s filter is too long: at most %d characters.", name, maxValueLen)
			case strings.ContainsFunc(s, unicode.IsControl):
				return nil, invalid("A %s filter holds control characters.", name)
			}
			out = append(out, s)
		}
	}
	if len(out) > maxValues {
		return nil, invalid("Too many %s filters: %d, at most %d.", name, len(out), maxValues)
	}
	return out, nil
}

func years(v url.Values) ([]int, error) {
	raw, err := list(v, "year", false)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, s := range raw {
		y, err := strconv.Atoi(s)
		if err != nil || y < 1900 || y > 2200 {
			return nil, invalid("A year must be a year such as 2025, not %q.", clipped(s))
		}
		out = append(out, y)
	}
	return out, nil
}

// chips are the status filter's values, in display order.
var chips = []string{"accepted", "oral", "spotlight", "poster", "rejected", "withdrawn", "desk-rejected", "under-review"}

// statuses reads the status filter as chip values.
func statuses(v url.Values) ([]string, error) {
	raw, err := list(v, "status", false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range raw {
		st, pres, err := paper.ParseStatus(s)
		if err != nil {
			return nil, invalid("Unknown status %q: choose %s.", clipped(s), strings.Join(chips, ", "))
		}
		out = append(out, chipOf(st, pres))
	}
	return out, nil
}

// chipOf is the chip value of a status and presentation.
func chipOf(st paper.Status, pres paper.Presentation) string {
	if st == paper.StatusAccepted && pres != "" {
		return string(pres)
	}
	return string(st)
}

// boolParam reads a checkbox-like parameter: 1, true or on; 0, false, off or
// empty.
func boolParam(v url.Values, name string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v.Get(name))) {
	case "", "0", "false", "off", "no":
		return false, nil
	case "1", "true", "on", "yes":
		return true, nil
	}
	return false, invalid("%s must be 1 or 0, not %q.", name, clipped(v.Get(name)))
}

// clipped shortens user input quoted in an error message.
func clipped(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return s
}

// values is p's canonical query string, without partial and format;
// defaults are left out, so URLs stay short and shareable.
func (p params) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", p.Q)
	if p.Mode != search.ModeHybrid && p.Mode != "" {
		v.Set("mode", string(p.Mode))
	}
	if p.N != defaultN && p.N > 0 {
		v.Set("n", strconv.Itoa(p.N))
	}
	v["venue"] = p.Venues
	for _, y := range p.Years {
		v.Add("year", strconv.Itoa(y))
	}
	v["status"] = p.Statuses
	set("author", strings.Join(p.Authors, "; "))
	set("keyword", strings.Join(p.Keywords, "; "))
	if p.Explain {
		v.Set("explain", "1")
	}
	set("similar", p.Similar)
	for k, vs := range v {
		if len(vs) == 0 {
			delete(v, k)
		}
	}
	return v
}

// exportURL is the /api/search URL that downloads p's results.
func (p params) exportURL(format string) string {
	v := p.values()
	v.Set("format", format)
	return "/api/search?" + v.Encode()
}
