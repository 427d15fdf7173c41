package openreviewtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// v1Style picks which legacy ICLR year a v1 venue imitates (§5.2).
type v1Style int

const (
	style2017 v1Style = iota // one lower-case submission invitation; status in content.venue; authors one string
	style2020                // Blind/Withdrawn/Desk_Rejected; status only in Paper<N>/-/Decision replies
	style2022                // status in content.venue; venueid bare on all; withdrawn venue ""
)

// inviteToWorkshop marks the ICLR 2017 outcome "Invite to Workshop": a
// rejection from the main conference, so its Expected presentation is "".
const inviteToWorkshop paper.Presentation = "workshop"

// confV1 describes one API v1 venue-year.
type confV1 struct {
	info  paper.Venue
	style v1Style
	sched schedule
}

// invitation is the listing invitation a submission with this outcome is in.
func (c *confV1) invitation(o outcome) string {
	if c.style == style2017 {
		return c.info.ID + "/-/submission"
	}
	switch o.status {
	case paper.StatusWithdrawn:
		return c.info.ID + "/-/Withdrawn_Submission"
	case paper.StatusDeskRejected:
		return c.info.ID + "/-/Desk_Rejected_Submission"
	}
	return c.info.ID + "/-/Blind_Submission"
}

// venueString is content.venue for 2017 and 2022 notes ("" for 2020, which
// has none, and for 2022 withdrawn and desk-rejected notes).
func (c *confV1) venueString(o outcome) (string, bool) {
	short := fmt.Sprintf("ICLR %d", c.info.Year)
	words := map[paper.Presentation]string{paper.PresentationOral: "Oral", paper.PresentationSpotlight: "Spotlight", paper.PresentationPoster: "Poster"}
	switch c.style {
	case style2017:
		switch {
		case o.status == paper.StatusAccepted:
			return short + " " + words[o.presentation], true
		case o.presentation == inviteToWorkshop:
			return short + " Invite to Workshop", true
		}
		return "Submitted to " + short, true
	case style2022:
		switch o.status {
		case paper.StatusAccepted:
			return short + " " + words[o.presentation], true
		case paper.StatusRejected:
			return short + " Submitted", true
		}
		return "", true
	}
	return "", false
}

// decision is the text of the decision reply, if the year has them.
func (c *confV1) decision(o outcome) (string, bool) {
	if c.style == style2017 || (o.status != paper.StatusAccepted && o.status != paper.StatusRejected) {
		return "", false
	}
	if o.status == paper.StatusRejected {
		return "Reject", true
	}
	word := map[paper.Presentation]string{paper.PresentationOral: "Oral", paper.PresentationSpotlight: "Spotlight", paper.PresentationPoster: "Poster"}[o.presentation]
	if c.style == style2020 && o.presentation == paper.PresentationOral {
		word = "Talk"
	}
	return "Accept (" + word + ")", true
}

// submission shapes a draft into a v1 submission note and its replies.
func (c *confV1) submission(g *gen, number int, o outcome, cdate int64, d draft) []*note {
	id := g.idFor(d)
	venueStr, hasVenue := c.venueString(o)
	n := &note{
		host: 1, venue: c.info.ID, id: id, forum: id, number: number,
		cdate: cdate, tcdate: cdate, invitations: []string{c.invitation(o)},
		readers: []string{"everyone"}, nonreaders: []string{},
		writers: []string{c.info.ID}, signatures: []string{c.info.ID},
		content:   c.content(d, o, id, venueStr, hasVenue, g.text.r.IntN(5) != 0),
		v1NoMdate: c.style == style2020,
	}
	n.expected = d.expected(c.info, o, number, venueStr, true)
	n.expected.ID = id
	if o.presentation == inviteToWorkshop {
		n.expected.Presentation = ""
	}
	switch c.style {
	case style2017:
		n.signatures = []string{d.ids()[0]}
		n.writers = n.signatures
	case style2020, style2022:
		n.original = g.newID()
		n.odate = cdate + g.between(100, 1000) // 2020: public on submission
		if c.style == style2022 {
			n.odate = c.sched.open
			n.tcdate = cdate + g.between(0, 5*86_400_000)
		}
	}
	if o.status == paper.StatusAccepted && c.style != style2017 {
		n.pdate = c.sched.decision + g.between(0, 60_000)
	}
	n.tmdate = g.between(c.sched.decision, c.sched.lastMod)
	n.expected.TMDate = n.tmdate
	out := []*note{n}
	if text, ok := c.decision(o); ok {
		out = append(out, c.reply(g, n, "Decision", map[string]any{
			"decision": text, "title": "Paper Decision",
			"comment": "The committee discussed this submission at length; the decision reflects the reviews and the author response.",
		}))
	}
	if c.style != style2017 && g.text.r.IntN(5) == 0 {
		out = append(out, c.reply(g, n, "Public_Comment", map[string]any{
			"title": "Question about the experimental setup", "comment": "Could the authors clarify how the baselines were tuned?",
		}))
	}
	return out
}

// content builds the bare v1 content. ICLR 2017 authors come as one
// "A and B" string, mostly bare (flat) and sometimes in a one-element list.
func (c *confV1) content(d draft, o outcome, id, venueStr string, hasVenue, flat bool) map[string]any {
	m := map[string]any{"authorids": d.ids(), "authors": d.names(), "paperhash": paperhash(d.firstLast(), d.title)}
	setNonEmpty(m, "title", d.title)
	setNonEmpty(m, "abstract", d.abstract)
	setNonEmpty(m, "pdf", d.pdf)
	if d.keywords != nil {
		m["keywords"] = d.keywords
	}
	if hasVenue {
		m["venue"] = venueStr
		m["venueid"] = c.info.ID
	}
	kind := bibRejected
	if o.status == paper.StatusAccepted {
		kind = bibAccepted
	}
	booktitle := fmt.Sprintf("International Conference on Learning Representations (%d)", c.info.Year)
	switch c.style {
	case style2017:
		setNonEmpty(m, "TL;DR", d.tldr)
		m["conflicts"] = []string{d.authors[0].inst[1]}
		if flat {
			m["authors"] = strings.Join(d.names(), " and ")
		} else {
			m["authors"] = []string{strings.Join(d.names(), " and ")}
		}
		return m
	case style2020:
		setNonEmpty(m, "TL;DR", d.tldr)
		m["original_pdf"] = "/attachment/" + strings.TrimSuffix(strings.TrimPrefix(d.pdf, "/pdf/"), ".pdf") + ".pdf"
		m["code"] = ""
	case style2022:
		setNonEmpty(m, "one-sentence_summary", d.tldr)
		for _, k := range []string{"code_of_ethics", "submission_guidelines", "resubmission", "student_author", "serve_as_reviewer"} {
			m[k] = ""
		}
		if o.status == paper.StatusWithdrawn || o.status == paper.StatusDeskRejected {
			m["venueid"] = ""
		}
	}
	m["_bibtex"] = bibtex(kind, d.firstLast(), c.info.Year, d.title, d.names(), booktitle, id, "")
	return m
}

// reply is a note in a submission's forum (decision, comment).
func (c *confV1) reply(g *gen, sub *note, kind string, content map[string]any) *note {
	at := c.sched.decision - g.between(60_000, 3_600_000)
	sig := c.info.ID + "/Program_Chairs"
	r := &note{
		host: 1, venue: c.info.ID, id: g.newID(), forum: sub.id, replyto: sub.id, number: 1,
		cdate: at, tcdate: at, tmdate: at + g.between(0, 3_600_000),
		invitations: []string{fmt.Sprintf("%s/Paper%d/-/%s", c.info.ID, sub.number, kind)},
		readers:     []string{"everyone"}, nonreaders: []string{},
		writers: []string{sig}, signatures: []string{sig}, content: content,
		v1NoMdate: c.style == style2020 && kind == "Decision",
	}
	if kind == "Public_Comment" {
		p := g.text.authors()[0]
		sig := fmt.Sprintf("~%s_%s1", p.first, p.last)
		r.number = 2
		r.cdate = c.sched.lastMod - g.between(0, 86_400_000)
		r.tcdate, r.tmdate = r.cdate, r.cdate
		r.signatures, r.writers = []string{sig}, []string{c.info.ID, sig}
	}
	return r
}

// seedV1 fills a v1 venue with n generated submissions from the mix.
func seedV1(st *store, g *gen, c *confV1, n int, mix []share) {
	v := st.byVenue[c.info.ID]
	outs := quota(g.text.r, max(n-len(v.subs), 0), mix)
	span := c.sched.submitTo - c.sched.submitFrom
	for i, o := range outs {
		num := v.next
		v.next++
		cdate := c.sched.submitFrom + span*int64(i)/int64(len(outs)) + g.between(0, 60_000)
		st.add(c.submission(g, num, o, cdate, g.draft())...)
	}
}

// yearOf is the UTC year of an epoch-ms time.
func yearOf(ms int64) int { return time.UnixMilli(ms).UTC().Year() }
