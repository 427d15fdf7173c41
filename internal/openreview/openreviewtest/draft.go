package openreviewtest

import (
	"fmt"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// draft is the text of one submission before it is shaped into a v1 or v2
// note. Empty fields are left out of the note.
type draft struct {
	id                    string // a fixed note's id; "" draws a new one
	title, abstract, tldr string
	keywords              []string
	authors               []person
	pdf                   string // "/pdf/<sha>.pdf" or an absolute URL; "" for none
	supplementary         string
	primaryArea           string
}

// draft draws a new submission's text. A few notes get the odd fields real
// listings have: no abstract, no title, no keywords, an absolute pdf URL.
func (g *gen) draft() draft {
	t := g.text.topic()
	d := draft{
		title:       g.text.title(t),
		abstract:    g.text.abstract(t),
		keywords:    g.text.keywords(),
		authors:     g.text.authors(),
		pdf:         "/pdf/" + g.text.hex40() + ".pdf",
		primaryArea: g.text.pick(primaryAreas),
	}
	r := g.text.r
	if r.IntN(2) == 0 {
		d.tldr = g.text.tldr(t)
	}
	if r.IntN(3) == 0 {
		d.supplementary = "/attachment/" + g.text.hex40() + ".zip"
	}
	if r.IntN(20) == 0 {
		d.keywords = nil
	}
	if r.IntN(250) == 0 {
		d.abstract = ""
	}
	if r.IntN(400) == 0 {
		d.title = ""
	}
	if r.IntN(100) == 0 {
		d.pdf = fmt.Sprintf("https://arxiv.org/pdf/24%02d.%05d", 1+r.IntN(12), r.IntN(100000))
	}
	return d
}

func (d draft) names() []string {
	out := make([]string, len(d.authors))
	for i, p := range d.authors {
		out[i] = p.name()
	}
	return out
}

func (d draft) ids() []string {
	out := make([]string, len(d.authors))
	for i, p := range d.authors {
		out[i] = p.id
	}
	return out
}

func (d draft) firstLast() string {
	if len(d.authors) == 0 {
		return "anonymous"
	}
	return d.authors[0].last
}

// expected is the ground truth for a note made from this draft.
func (d draft) expected(v paper.Venue, o outcome, number int, venueString string, authorsShown bool) *Expected {
	e := &Expected{
		Title: d.title, Status: string(o.status), Presentation: string(o.presentation),
		Keywords: d.keywords, Year: v.Year, VenueID: v.ID, APIVersion: v.APIVersion,
		Number: number, Abstract: d.abstract, TLDR: d.tldr, Venue: venueString,
	}
	if authorsShown {
		e.Authors = d.names()
	}
	return e
}

// idFor returns the draft's fixed id, or a new one.
func (g *gen) idFor(d draft) string {
	if d.id == "" {
		return g.newID()
	}
	g.ids[d.id] = true
	return d.id
}

// day is one calendar day in UTC as epoch ms, plus h hours.
func day(y int, m time.Month, d, h int) int64 {
	return time.Date(y, m, d, h, 0, 0, 0, time.UTC).UnixMilli()
}

// between draws a time in [a, b).
func (g *gen) between(a, b int64) int64 {
	if b <= a {
		return a
	}
	return a + g.text.r.Int64N(b-a)
}
