package openreview

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// webBase is the OpenReview web site that forum and PDF links point to.
const webBase = "https://openreview.net"

// Normalize turns a submission note into a paper of venue v, read from
// listing l. It never fails: a note lacking a title or an abstract is kept
// with Incomplete set, so nothing silently disappears from the index.
func Normalize(n Note, v VenueInfo, l Listing) paper.Paper {
	c := n.Content
	p := paper.Paper{
		ID:          n.ID,
		Forum:       n.Forum,
		Number:      n.Number,
		VenueID:     v.ID,
		Venue:       v.Label,
		VenueRaw:    contentText(c["venue"]),
		Year:        v.Year,
		APIVersion:  n.APIVersion,
		Title:       strings.TrimSpace(contentText(c["title"])),
		Abstract:    strings.TrimSpace(contentText(c["abstract"])),
		TLDR:        tldr(c),
		Keywords:    keywords(c["keywords"]),
		PrimaryArea: strings.TrimSpace(contentText(c["primary_area"])),
		Created:     msTime(firstNonZero(n.CDate, n.TCDate)),
		Modified:    msTime(n.Modified()),
		Published:   msTime(firstNonZero(n.PDate, n.ODate, n.CDate)),
	}
	if p.Forum == "" {
		p.Forum = n.ID
	}
	if p.APIVersion == 0 {
		p.APIVersion = v.APIVersion
	}
	p.Authors, p.AuthorIDs = authors(c)
	p.ForumURL = webBase + "/forum?id=" + url.QueryEscape(p.Forum)
	p.PDFURL = pdfURL(c, n.ID)
	p.Status, p.Presentation = noteStatus(n, p.APIVersion, v, l)
	p.BibTeX = bibTeX(c["_bibtex"], &p, v)
	p.Incomplete = p.Title == "" || p.Abstract == ""
	return p
}

// contentText returns a content value as a string: strings as they are, numbers
// as written; anything else is treated as missing.
func contentText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	}
	return ""
}

func firstNonZero(ts ...int64) int64 {
	for _, t := range ts {
		if t != 0 {
			return t
		}
	}
	return 0
}

// msTime converts epoch milliseconds to UTC; 0 means unknown and gives the
// zero time.
func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// tldrPreference orders the spellings of the one-line summary field seen
// across venues (v2 "TLDR", v1 "TL;DR", ICLR 2022 "one-sentence_summary");
// any other key that folds to one of these is tried after them.
var tldrPreference = []string{"TLDR", "TL;DR", "tldr", "one-sentence_summary"}

func tldr(c map[string]any) string {
	var keys []string
	for k := range c {
		if f := foldKey(k); f == "tldr" || f == "onesentencesummary" {
			keys = append(keys, k)
		}
	}
	rank := func(k string) int {
		if i := slices.Index(tldrPreference, k); i >= 0 {
			return i
		}
		return len(tldrPreference)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		if s := strings.TrimSpace(contentText(c[k])); s != "" {
			return s
		}
	}
	return ""
}

// foldKey lower-cases a content key and keeps only its letters and digits,
// so "TL;DR:", "tl_dr" and "TLDR" compare equal.
func foldKey(k string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(k) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// keywords reads a list of strings or one comma- or semicolon-separated
// string.
func keywords(v any) []string {
	var raw []string
	switch t := v.(type) {
	case string:
		raw = strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == ';' })
	case []any:
		for _, it := range t {
			raw = append(raw, contentText(it))
		}
	}
	var out []string
	for _, k := range raw {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// pdfURL links the note's PDF. A note without a pdf field (desk-rejected,
// some withdrawn ones) gets no link rather than one that would 404.
func pdfURL(c map[string]any, id string) string {
	v := strings.TrimSpace(contentText(c["pdf"]))
	switch {
	case v == "":
		return ""
	case strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//"):
		return webBase + v
	case strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			return v
		}
	}
	// Present but unusable (a bare file name, a mangled value): the stable
	// per-note address still serves the PDF.
	return webBase + "/pdf?id=" + url.QueryEscape(id)
}

// authors reads the author names and profile ids in any of the shapes
// seen: []string, one "A, B and C" string (ICLR 2017), or the unified
// schema's []{"fullname", "username", ...} (then ids come from username).
// Anonymous placeholders are dropped.
func authors(c map[string]any) (names, ids []string) {
	switch t := c["authors"].(type) {
	case string:
		names = splitAuthorString(t)
	case []any:
		unified := false
		for _, it := range t {
			switch a := it.(type) {
			case map[string]any:
				unified = true
				name, id := unifiedAuthor(a)
				names, ids = append(names, name), append(ids, id)
			default:
				names, ids = append(names, strings.TrimSpace(contentText(a))), append(ids, "")
			}
		}
		if !unified {
			ids = nil
		}
	}
	if ids == nil {
		ids = authorIDs(c["authorids"])
	}
	return dropPlaceholders(names, ids)
}

func unifiedAuthor(a map[string]any) (name, id string) {
	name = strings.TrimSpace(contentText(a["fullname"]))
	if name == "" {
		name = strings.TrimSpace(contentText(a["name"]))
	}
	id = strings.TrimSpace(contentText(a["username"]))
	if name == "" && strings.HasPrefix(id, "~") {
		name = prettyID(id)
	}
	return name, id
}

// prettyID turns a profile id into a name: "~Jane_Q_Doe1" → "Jane Q Doe".
func prettyID(id string) string {
	s := strings.TrimRight(strings.TrimPrefix(id, "~"), "0123456789")
	return strings.TrimSpace(strings.ReplaceAll(s, "_", " "))
}

func authorIDs(v any) []string {
	var ids []string
	switch t := v.(type) {
	case string:
		for _, s := range strings.Split(t, ",") {
			ids = append(ids, strings.TrimSpace(s))
		}
	case []any:
		for _, it := range t {
			ids = append(ids, strings.TrimSpace(contentText(it)))
		}
	}
	return ids
}

// andSplit matches the "and" (or "&") between two author names, also right
// after a comma ("A, B, and C").
var andSplit = regexp.MustCompile(`(?i)(?:^|\s+)(?:and|&)\s+`)

// nameSuffixes are comma-separated parts that continue the previous name
// ("John Smith, Jr.") instead of starting a new one.
var nameSuffixes = map[string]bool{"jr": true, "jr.": true, "sr": true, "sr.": true, "ii": true, "iii": true, "iv": true, "phd": true, "ph.d.": true}

// splitAuthorString splits "A and B", "A, B and C" or "A, B, and C".
func splitAuthorString(s string) []string {
	var names []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		for _, name := range andSplit.Split(part, -1) {
			name = strings.Join(strings.Fields(name), " ")
			switch {
			case name == "":
			case nameSuffixes[strings.ToLower(name)] && len(names) > 0:
				names[len(names)-1] += " " + name
			default:
				names = append(names, name)
			}
		}
	}
	return names
}

// dropPlaceholders removes anonymous stand-ins: the name "Anonymous" and
// group ids such as "ICLR.cc/2022/Conference/Paper4724/Authors". Names and
// ids are filtered together when they line up one to one.
func dropPlaceholders(names, ids []string) ([]string, []string) {
	var outN, outI []string
	if len(names) == len(ids) {
		for i := range names {
			if isAnonymousName(names[i]) || isPlaceholderID(ids[i]) || (names[i] == "" && ids[i] == "") {
				continue
			}
			outN, outI = append(outN, names[i]), append(outI, ids[i])
		}
	} else {
		for _, n := range names {
			if n != "" && !isAnonymousName(n) {
				outN = append(outN, n)
			}
		}
		for _, id := range ids {
			if id != "" && !isPlaceholderID(id) {
				outI = append(outI, id)
			}
		}
	}
	if !slices.ContainsFunc(outI, func(s string) bool { return s != "" }) {
		outI = nil
	}
	return outN, outI
}

func isAnonymousName(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "anonymous", "anonymous author", "anonymous authors":
		return true
	}
	return false
}

func isPlaceholderID(id string) bool {
	return !strings.HasPrefix(id, "~") && strings.Contains(id, "/") && strings.HasSuffix(id, "/Authors")
}
