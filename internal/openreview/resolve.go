package openreview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// venueGroup is the part of a group that tells a venue's API version and
// naming. v2 venue groups have domain == id and wrapped content values;
// v1 venue groups have null domain and content.
type venueGroup struct {
	Domain  *string                    `json:"domain"`
	Content map[string]json.RawMessage `json:"content"`
}

// The venue group content keys naming the v2 content.venueid of each status.
var statusKeys = []struct {
	status paper.Status
	key    string
}{
	{paper.StatusUnderReview, "submission_venue_id"},
	{paper.StatusRejected, "rejected_venue_id"},
	{paper.StatusWithdrawn, "withdrawn_venue_id"},
	{paper.StatusDeskRejected, "desk_rejected_venue_id"},
}

// ResolveVenue reads venue id's group and decides which API serves it, its
// label and year, and how its submissions are selected per status. An
// unknown id is an error wrapping paper.ErrNotFound; a group that is not a
// venue (an organisation, a container of workshops) one wrapping
// paper.ErrInvalid.
func (c *Client) ResolveVenue(ctx context.Context, id string) (VenueInfo, error) {
	raw, err := c.Group(ctx, id)
	if errors.Is(err, paper.ErrNotFound) {
		return VenueInfo{}, wrapMsg(fmt.Sprintf("venue %s not found on OpenReview (venue ids are case-sensitive, e.g. ICLR.cc/2025/Conference)", id), paper.ErrNotFound, err)
	}
	if err != nil {
		return VenueInfo{}, fmt.Errorf("resolve venue %s: %w", id, err)
	}
	return venueFromGroup(id, raw)
}

// venueFromGroup classifies a group answer; see ResolveVenue.
func venueFromGroup(id string, raw json.RawMessage) (VenueInfo, error) {
	var g venueGroup
	if err := json.Unmarshal(raw, &g); err != nil {
		return VenueInfo{}, fmt.Errorf("resolve venue %s: read group: %w", id, err)
	}
	domain := ""
	if g.Domain != nil {
		domain = *g.Domain
	}
	switch {
	case domain == "":
		return v1Venue(id), nil
	case domain == id:
		return v2Venue(id, g.Content), nil
	case strings.HasPrefix(id, domain+"/"):
		return VenueInfo{}, wrapMsg(fmt.Sprintf("%s is not a venue but a group inside venue %s", id, domain), paper.ErrInvalid)
	}
	return VenueInfo{}, wrapMsg(fmt.Sprintf("%s is not a venue (it holds no submissions of its own); name a venue such as ICLR.cc/2025/Conference", id), paper.ErrInvalid)
}

// v2Venue builds a v2 venue from its group content, falling back to
// OpenReview's default names for keys the group lacks. Journals (a group
// without any status key and without a year, as TMLR) use the journal
// naming: TMLR/Rejected, TMLR/Under_Review and so on.
func v2Venue(id string, content map[string]json.RawMessage) VenueInfo {
	v := VenueInfo{Venue: paper.Venue{
		ID:         id,
		Label:      contentString(content, "subtitle"),
		Title:      contentString(content, "title"),
		Year:       yearOf(id),
		APIVersion: 2,
	}}
	if v.Label == "" {
		v.Label = deriveLabel(id)
	}
	v.SubmissionInvitation = contentString(content, "submission_id")
	if v.SubmissionInvitation == "" {
		v.SubmissionInvitation = id + "/-/Submission"
	}
	defaults := conferenceVenueIDs(id, contentString(content, "submission_name"))
	if v.Year == 0 && !hasAnyKey(content) {
		defaults = journalVenueIDs(id)
	}
	v.StatusVenueIDs = map[paper.Status]string{paper.StatusAccepted: id}
	for _, sk := range statusKeys {
		s := contentString(content, sk.key)
		if s == "" {
			s = defaults[sk.status]
		}
		v.StatusVenueIDs[sk.status] = s
	}
	return v
}

func conferenceVenueIDs(id, submissionName string) map[paper.Status]string {
	if submissionName == "" {
		submissionName = "Submission"
	}
	return map[paper.Status]string{
		paper.StatusUnderReview:  id + "/" + submissionName,
		paper.StatusRejected:     id + "/Rejected_Submission",
		paper.StatusWithdrawn:    id + "/Withdrawn_Submission",
		paper.StatusDeskRejected: id + "/Desk_Rejected_Submission",
	}
}

func journalVenueIDs(id string) map[paper.Status]string {
	return map[paper.Status]string{
		paper.StatusUnderReview:  id + "/Under_Review",
		paper.StatusRejected:     id + "/Rejected",
		paper.StatusWithdrawn:    id + "/Withdrawn_Submission",
		paper.StatusDeskRejected: id + "/Desk_Rejected",
	}
}

func hasAnyKey(content map[string]json.RawMessage) bool {
	for _, sk := range statusKeys {
		if contentString(content, sk.key) != "" {
			return true
		}
	}
	return false
}

// contentString reads a string group content value, wrapped ({"value":
// "x"}) as v2 sends it or bare; anything else reads as "".
func contentString(content map[string]json.RawMessage, key string) string {
	raw, ok := content[key]
	if !ok {
		return ""
	}
	var wrapped struct {
		Value json.RawMessage `json:"value"`
	}
	if json.Unmarshal(raw, &wrapped) == nil && wrapped.Value != nil {
		raw = wrapped.Value
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// v1Venue builds a v1 venue. Its listings are invitations: the blind
// submissions with their withdrawn and desk-rejected siblings, or, for
// the early ICLR ids with lower-case "conference"/"workshop", the single
// "-/submission" invitation.
func v1Venue(id string) VenueInfo {
	v := VenueInfo{Venue: paper.Venue{ID: id, Label: deriveLabel(id), Year: yearOf(id), APIVersion: 1}}
	last := id[strings.LastIndex(id, "/")+1:]
	if last == "conference" || last == "workshop" {
		v.V1Invitations = []string{id + "/-/submission"}
		return v
	}
	v.V1Invitations = []string{
		id + "/-/Blind_Submission",
		id + "/-/Withdrawn_Submission",
		id + "/-/Desk_Rejected_Submission",
	}
	return v
}

// deriveLabel makes a short label from a venue id: the organisation
// without ".cc", the year, then the other path segments but "Conference",
// with "_" read as spaces ("NeurIPS.cc/2024/Datasets_and_Benchmarks_Track"
// -> "NeurIPS 2024 Datasets and Benchmarks Track").
func deriveLabel(id string) string {
	segs := strings.Split(id, "/")
	parts := []string{strings.TrimSuffix(segs[0], ".cc")}
	var year string
	var rest []string
	for _, s := range segs[1:] {
		switch {
		case year == "" && isYear(s):
			year = s
		case s == "" || strings.EqualFold(s, "Conference"):
		default:
			rest = append(rest, strings.ReplaceAll(s, "_", " "))
		}
	}
	if year != "" {
		parts = append(parts, year)
	}
	return strings.Join(append(parts, rest...), " ")
}

// yearOf is the first four-digit path segment of id, or 0.
func yearOf(id string) int {
	for s := range strings.SplitSeq(id, "/") {
		if isYear(s) {
			y, _ := strconv.Atoi(s)
			return y
		}
	}
	return 0
}

func isYear(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Listings returns the note streams to page through for this venue.
//
// v2: with all false, one "accepted" listing (content.venueid = the
// accepted venue id); with all true, one "all" listing whose
// content.venueid is the comma-joined venue ids of every status.
// Conference listings also filter on domain; rolling journals (no year,
// as TMLR) do not.
//
// v1: one listing per invitation, with details=directReplies so decision
// notes arrive inline: "blind" (or "submission"), and with all true also
// "withdrawn" and "desk-rejected", which carry their Status. A v1 venue's
// acceptance is decided per note, so all=false still lists every blind
// submission.
func (v VenueInfo) Listings(all bool) []Listing {
	if v.APIVersion == 1 {
		return v.v1Listings(all)
	}
	return v.v2Listings(all)
}

func (v VenueInfo) v2Listings(all bool) []Listing {
	params := func(venueIDs string) url.Values {
		p := url.Values{"content.venueid": {venueIDs}}
		if v.Year != 0 {
			p.Set("domain", v.ID)
		}
		return p
	}
	accepted := v.StatusVenueIDs[paper.StatusAccepted]
	if accepted == "" {
		accepted = v.ID
	}
	if !all {
		// No Listing.Status: each v2 note's own content.venueid is
		// authoritative and says the same when the filter holds.
		return []Listing{{Name: "accepted", APIVersion: 2, Params: params(accepted)}}
	}
	ids := []string{accepted}
	for _, st := range []paper.Status{paper.StatusUnderReview, paper.StatusRejected, paper.StatusWithdrawn, paper.StatusDeskRejected} {
		if s := v.StatusVenueIDs[st]; s != "" && !slices.Contains(ids, s) {
			ids = append(ids, s)
		}
	}
	return []Listing{{Name: "all", APIVersion: 2, Params: params(strings.Join(ids, ","))}}
}

func (v VenueInfo) v1Listings(all bool) []Listing {
	var ls []Listing
	for _, inv := range v.V1Invitations {
		name, status := v1ListingName(inv)
		if status != "" && !all {
			continue
		}
		ls = append(ls, Listing{
			Name:       name,
			APIVersion: 1,
			Params:     url.Values{"invitation": {inv}, "details": {"directReplies"}},
			Status:     status,
		})
	}
	return ls
}

// v1ListingName names a v1 listing after its invitation and gives the
// status all its notes share, if any.
func v1ListingName(invitation string) (string, paper.Status) {
	suffix := invitation
	if i := strings.LastIndex(invitation, "/-/"); i >= 0 {
		suffix = invitation[i+len("/-/"):]
	}
	switch suffix {
	case "Blind_Submission":
		return "blind", ""
	case "Withdrawn_Submission":
		return "withdrawn", paper.StatusWithdrawn
	case "Desk_Rejected_Submission":
		return "desk-rejected", paper.StatusDeskRejected
	}
	return strings.ToLower(strings.ReplaceAll(suffix, "_", "-")), ""
}
