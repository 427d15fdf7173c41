package openreviewtest

import (
	"fmt"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// schedule holds a venue's key dates (epoch ms).
type schedule struct {
	submitFrom, submitTo int64 // cdate range of submissions
	open                 int64 // odate: submissions made public
	decision             int64 // decision replies; pdate of accepted notes
	lastMod              int64 // latest tmdate drawn for seed notes
}

// confV2 describes one API v2 conference venue-year.
type confV2 struct {
	info       paper.Venue
	short      string                        // "ICLR 2025": prefix of venue strings
	accepted   map[paper.Presentation]string // venue string per presentation
	decisions  map[paper.Presentation]string // decision reply text per presentation
	unified    bool                          // authors as objects, no authorids (ICML 2026)
	iclrFields bool                          // ICLR's check-box fields
	license    string
	sched      schedule
}

// submission shapes a draft into a v2 submission note and its decision reply.
func (c *confV2) submission(g *gen, number int, o outcome, cdate int64, d draft) []*note {
	id := g.idFor(d)
	vid, venueStr := c.venueFor(o)
	prefix := fmt.Sprintf("%s/Submission%d", c.info.ID, number)
	shown := o.status != paper.StatusUnderReview // double-blind until decided
	n := &note{
		host: 2, venue: c.info.ID, id: id, forum: id, number: number,
		cdate: cdate, tcdate: cdate, odate: c.sched.open,
		domain: c.info.ID, license: c.license,
		readers:    []string{"everyone"},
		writers:    []string{c.info.ID, prefix + "/Authors"},
		signatures: []string{prefix + "/Authors"},
		invitations: []string{
			c.info.ID + "/-/Submission", c.info.ID + "/-/Post_Submission", prefix + "/-/Revision",
		},
		content:  c.content(d, o, vid, venueStr, id, shown),
		expected: d.expected(c.info, o, number, venueStr, shown),
	}
	n.expected.ID = id
	switch o.status {
	case paper.StatusAccepted:
		n.pdate = c.sched.decision + g.between(0, 3_600_000)
		n.invitations = append(n.invitations, c.info.ID+"/-/Edit", prefix+"/-/Camera_Ready_Revision")
	case paper.StatusRejected:
		n.invitations = append(n.invitations, prefix+"/-/Rebuttal_Revision", c.info.ID+"/-/Edit")
	case paper.StatusWithdrawn:
		n.invitations = append(n.invitations, c.info.ID+"/-/Withdrawn_Submission", c.info.ID+"/-/Edit")
	case paper.StatusDeskRejected:
		n.invitations = append(n.invitations, c.info.ID+"/-/Desk_Rejected_Submission", c.info.ID+"/-/Edit")
	}
	n.tmdate = g.between(max(cdate, c.sched.open), c.sched.lastMod)
	if o.status == paper.StatusAccepted || o.status == paper.StatusRejected {
		n.tmdate = g.between(c.sched.decision, c.sched.lastMod)
	}
	n.mdate = n.tmdate
	n.expected.TMDate = n.tmdate
	out := []*note{n}
	if text, ok := c.decisionText(o); ok {
		out = append(out, c.decisionReply(g, n, prefix, text))
	}
	return out
}

// venueFor returns the venueid and venue string of an outcome (§5.1).
func (c *confV2) venueFor(o outcome) (string, string) {
	id := c.info.ID
	switch o.status {
	case paper.StatusAccepted:
		return id, c.accepted[o.presentation]
	case paper.StatusRejected:
		return id + "/Rejected_Submission", "Submitted to " + c.short
	case paper.StatusWithdrawn:
		return id + "/Withdrawn_Submission", c.short + " Conference Withdrawn Submission"
	case paper.StatusDeskRejected:
		return id + "/Desk_Rejected_Submission", c.short + " Conference Desk Rejected Submission"
	}
	return id + "/Submission", c.short + " Conference Submission"
}

func (c *confV2) content(d draft, o outcome, vid, venueStr, id string, shown bool) map[string]any {
	m := map[string]any{"venue": venueStr, "venueid": vid}
	setNonEmpty(m, "title", d.title)
	setNonEmpty(m, "abstract", d.abstract)
	setNonEmpty(m, "TLDR", d.tldr)
	setNonEmpty(m, "supplementary_material", d.supplementary)
	if d.keywords != nil {
		m["keywords"] = d.keywords
	}
	if o.status != paper.StatusDeskRejected {
		setNonEmpty(m, "pdf", d.pdf)
	}
	if !c.unified {
		setNonEmpty(m, "primary_area", d.primaryArea)
	}
	authors := []string{"Anonymous"}
	last := "anonymous"
	if shown {
		authors, last = d.names(), d.firstLast()
		if c.unified {
			m["authors"] = unifiedAuthors(d.authors)
		} else {
			m["authors"] = d.names()
			m["authorids"] = d.ids()
		}
	}
	if c.iclrFields {
		m["code_of_ethics"] = "I acknowledge that I and all co-authors of this work have read and commit to adhering to the ICLR Code of Ethics."
		m["submission_guidelines"] = "I certify that this submission complies with the submission instructions as described on the author guide."
		m["anonymous_url"] = "I certify that there is no URL (e.g., github page) that could be used to find authors’ identity."
		m["no_acknowledgement_section"] = "I certify that there is no acknowledgement section in this submission for double blind review."
	}
	kind := map[paper.Status]bibtexKind{paper.StatusAccepted: bibAccepted, paper.StatusUnderReview: bibUnderReview}[o.status]
	if o.status != paper.StatusAccepted && o.status != paper.StatusUnderReview {
		kind = bibRejected
	}
	m["_bibtex"] = bibtex(kind, last, c.info.Year, d.title, authors, c.info.Title, id, "")
	m["paperhash"] = paperhash(last, d.title)
	return m
}

func unifiedAuthors(ps []person) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		a := map[string]any{
			"fullname":     p.name(),
			"institutions": []any{map[string]any{"name": p.inst[0], "domain": p.inst[1], "country": p.inst[2]}},
		}
		if p.id != "" && p.id[0] == '~' {
			a["username"] = p.id
		}
		out[i] = a
	}
	return out
}

func setNonEmpty(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func (c *confV2) decisionText(o outcome) (string, bool) {
	switch o.status {
	case paper.StatusAccepted:
		return c.decisions[o.presentation], true
	case paper.StatusRejected:
		return "Reject", true
	}
	return "", false
}

// decisionReply is the program chairs' decision note in a submission's forum.
func (c *confV2) decisionReply(g *gen, sub *note, prefix, decision string) *note {
	at := c.sched.decision - g.between(3_600_000, 86_400_000)
	pcs := c.info.ID + "/Program_Chairs"
	return &note{
		host: 2, venue: c.info.ID, id: g.newID(), forum: sub.id, replyto: sub.id, number: 1,
		cdate: at, tcdate: at, mdate: at, tmdate: at, odate: at, domain: c.info.ID,
		invitations: []string{prefix + "/-/Decision", c.info.ID + "/-/Edit"},
		readers:     []string{"everyone"}, writers: []string{pcs}, signatures: []string{pcs},
		content: map[string]any{
			"title": "Paper Decision", "decision": decision,
			"comment": "The reviewers reached a consensus after the discussion period; see the meta-review for details.",
		},
	}
}

// seedConf fills a v2 conference with n generated submissions drawn from
// the mix, after the fixed ones already in it.
func seedConf(st *store, g *gen, c *confV2, n int, mix []share) {
	v := st.byVenue[c.info.ID]
	fixed := len(v.subs)
	outs := quota(g.text.r, max(n-fixed, 0), mix)
	span := c.sched.submitTo - c.sched.submitFrom
	for i, o := range outs {
		num := v.next
		v.next++
		cdate := c.sched.submitFrom + span*int64(i)/int64(len(outs)) + g.between(0, 60_000)
		st.add(c.submission(g, num, o, cdate, g.draft())...)
	}
}

// TMLR ---------------------------------------------------------------------

// tmlrStatus maps an outcome to TMLR's venueid and venue string (§5.3).
func tmlrStatus(o outcome) (string, string) {
	switch o.status {
	case paper.StatusAccepted:
		return "TMLR", "Accepted by TMLR"
	case paper.StatusRejected:
		return "TMLR/Rejected", "Rejected by TMLR"
	case paper.StatusWithdrawn:
		return "TMLR/Withdrawn_Submission", "Withdrawn by Authors"
	case paper.StatusDeskRejected:
		return "TMLR/Desk_Rejected", "Desk rejected by TMLR"
	}
	return "TMLR/Under_Review", "Under review for TMLR"
}

var certifications = []string{"Featured Certification", "Reproducibility Certification", "Survey Certification", "Expert Certification"}

// tmlrSubmission shapes a draft into a TMLR note. TMLR is rolling: the
// note's dates fall within one calendar year, which is its Year.
func tmlrSubmission(g *gen, info paper.Venue, number int, o outcome, cdate int64, d draft) []*note {
	d.tldr = "" // TMLR's form has no TL;DR field
	id := g.idFor(d)
	vid, venueStr := tmlrStatus(o)
	prefix := fmt.Sprintf("TMLR/Paper%d", number)
	shown := o.status != paper.StatusUnderReview
	m := map[string]any{"venue": venueStr, "venueid": vid, "pdf": d.pdf,
		"competing_interests": "None", "human_subjects_reporting": "Not applicable"}
	setNonEmpty(m, "title", d.title)
	setNonEmpty(m, "abstract", d.abstract)
	setNonEmpty(m, "supplementary_material", d.supplementary)
	authors, last := []string{"Anonymous"}, "anonymous"
	if shown {
		authors, last = d.names(), d.firstLast()
		m["authors"], m["authorids"] = d.names(), d.ids()
	}
	if d.keywords != nil {
		m["keywords"] = d.keywords
	}
	year := yearOf(cdate)
	bibNote := map[paper.Status]string{paper.StatusRejected: "Rejected", paper.StatusWithdrawn: "Withdrawn", paper.StatusUnderReview: "Under review", paper.StatusDeskRejected: "Rejected"}[o.status]
	m["_bibtex"] = bibtex(bibJournal, last, year, d.title, authors, "", id, bibNote)
	m["paperhash"] = paperhash(last, d.title)
	n := &note{
		host: 2, venue: "TMLR", id: id, forum: id, number: number,
		cdate: cdate, tcdate: cdate, odate: cdate + 86_400_000, domain: "TMLR", license: "CC BY 4.0",
		readers: []string{"everyone"}, writers: []string{"TMLR", prefix + "/Authors"}, signatures: []string{prefix + "/Authors"},
		invitations: []string{"TMLR/-/Submission", prefix + "/-/Revision", "TMLR/-/Edit"},
		content:     m,
		expected:    d.expected(info, o, number, venueStr, shown),
	}
	r := g.text.r
	switch o.status {
	case paper.StatusAccepted:
		n.pdate = cdate + int64(60+r.IntN(40))*86_400_000
		n.invitations = append(n.invitations, prefix+"/-/Camera_Ready_Revision")
		if r.IntN(3) == 0 {
			m["certifications"] = []string{certifications[r.IntN(len(certifications))]}
		}
	case paper.StatusWithdrawn:
		n.invitations = append(n.invitations, prefix+"/-/Withdrawal")
	case paper.StatusDeskRejected:
		n.invitations = append(n.invitations, prefix+"/-/Desk_Rejection")
	}
	n.tmdate = max(n.pdate, n.odate) + g.between(0, 20*86_400_000)
	n.mdate = n.tmdate
	n.expected.ID, n.expected.Year, n.expected.TMDate = id, year, n.tmdate
	return []*note{n}
}

func seedTMLR(st *store, g *gen, info paper.Venue, n int) {
	v := st.byVenue[info.ID]
	mix := []share{{acc(""), 18}, {rejected, 5}, {withdrawn, 3}, {deskRejected, 2}, {underReview, 2}}
	for _, o := range quota(g.text.r, max(n-len(v.subs), 0), mix) {
		y := 2023 + g.text.r.IntN(3)
		cdate := g.between(day(y, 1, 5, 0), day(y, 8, 31, 0))
		num := v.next
		v.next++
		st.add(tmlrSubmission(g, info, num, o, cdate, g.draft())...)
	}
}
