package openreviewtest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// buildGroups makes the group tree: host and venues lists, root
// organisations, year containers and the venue groups.
func buildGroups(st *store, v2 []*confV2, tmlr paper.Venue, v1 []*confV1) ([]group, error) {
	const created = 1577836800000 // 2020-01-01
	var venueIDs, roots []string
	for _, v := range st.venues {
		venueIDs = append(venueIDs, v.info.ID)
		if root, _, _ := strings.Cut(v.info.ID, "/"); !slices.Contains(roots, root) {
			roots = append(roots, root)
		}
	}
	gs := []group{
		{id: "host", members: roots, cdate: created, tmdate: created},
		{id: "venues", members: venueIDs, cdate: created, tmdate: created},
		{id: "active_venues", members: []string{v2[3].info.ID, tmlr.ID}, cdate: created, tmdate: created},
	}
	for _, r := range roots {
		if r != tmlr.ID {
			gs = append(gs, group{id: r, web: "// " + r + " home page", cdate: created, tmdate: created})
		}
	}
	for _, c := range v2 {
		gs = append(gs, container(c.info, "OpenReview.net", map[string]any{}))
		gs = append(gs, confGroup(c))
	}
	gs = append(gs, group{
		id: tmlr.ID, domain: tmlr.ID, host: tmlr.ID, cdate: 1649808000000, tmdate: 1748894759251,
		content: wrap(map[string]any{
			"title": tmlr.Title, "subtitle": "TMLR", "website": "https://jmlr.org/tmlr",
			"contact": "tmlr@jmlr.org",
		}),
	})
	for _, c := range v1 {
		gs = append(gs, container(c.info, "", nil))
		gs = append(gs, group{
			id: c.info.ID, parent: parentOf(c.info.ID), cdate: c.sched.submitFrom - 90*86_400_000, tmdate: c.sched.lastMod,
			web: fmt.Sprintf("// legacy webfield of %s\nvar CONFERENCE_ID = '%s';", c.info.ID, c.info.ID),
		})
	}
	g, err := iclr2025Group()
	if err != nil {
		return nil, err
	}
	for i := range gs {
		if gs[i].id == g.id {
			gs[i] = g
		}
	}
	return gs, nil
}

func parentOf(id string) string {
	i := strings.LastIndexByte(id, '/')
	if i < 0 {
		return ""
	}
	return id[:i]
}

// container is a year group such as ICLR.cc/2025: not a venue.
func container(v paper.Venue, domain string, content map[string]any) group {
	id := parentOf(v.ID)
	root, _, _ := strings.Cut(id, "/")
	return group{id: id, parent: root, domain: domain, content: content,
		cdate: day(v.Year-1, 6, 1, 0), tmdate: day(v.Year-1, 6, 1, 0)}
}

// confGroup is a v2 conference's venue group, keyed as in the recorded
// ICLR 2025 group. NeurIPS and ICML keep rejected papers private.
func confGroup(c *confV2) group {
	id := c.info.ID
	public := strings.HasPrefix(id, "ICLR")
	var options []string
	for _, p := range []paper.Presentation{paper.PresentationOral, paper.PresentationSpotlight, paper.PresentationPoster, ""} {
		if d, ok := c.decisions[p]; ok {
			options = append(options, d)
		}
	}
	content := map[string]any{
		"submission_id": id + "/-/Submission", "submission_name": "Submission",
		"submission_venue_id": id + "/Submission", "withdrawn_venue_id": id + "/Withdrawn_Submission",
		"desk_rejected_venue_id": id + "/Desk_Rejected_Submission", "rejected_venue_id": id + "/Rejected_Submission",
		"public_submissions": public, "public_withdrawn_submissions": public, "public_desk_rejected_submissions": public,
		"title": c.info.Title, "subtitle": c.short,
		"website":                     "https://" + strings.ToLower(strings.TrimSuffix(parentOf(parentOf(id)), ".cc")) + ".cc",
		"start_date":                  time.UnixMilli(c.sched.decision + 90*86_400_000).UTC().Format("Jan 02 2006"),
		"withdrawn_submission_id":     id + "/-/Withdrawn_Submission",
		"desk_rejected_submission_id": id + "/-/Desk_Rejected_Submission",
		"decision_name":               "Decision", "decision_field_name": "decision",
		"accept_decision_options": options,
	}
	root, _, _ := strings.Cut(id, "/")
	return group{
		id: id, domain: id, parent: parentOf(id), host: root, content: wrap(content),
		cdate: c.sched.submitFrom - 90*86_400_000, tmdate: c.sched.lastMod,
		signers: []string{"~Program_Chair1"},
	}
}

// iclr2025Group is the recorded ICLR 2025 venue group.
func iclr2025Group() (group, error) {
	s, err := loadSample("v2-iclr2025-group-conference.json")
	if err != nil {
		return group{}, err
	}
	gs, _ := s.Response.JSON["groups"].([]any)
	if len(gs) != 1 {
		return group{}, fmt.Errorf("iclr 2025 group sample: %d groups", len(gs))
	}
	m, _ := gs[0].(map[string]any)
	content, _ := m["content"].(map[string]any)
	return group{
		id: str(m["id"]), domain: str(m["domain"]), parent: str(m["parent"]), host: str(m["host"]),
		content: content, cdate: num(m["cdate"]), tmdate: num(m["tmdate"]), signers: strs(m["signatures"]),
	}, nil
}
