package openreview

import (
	"net/url"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// VenueInfo is a venue as resolved from its OpenReview group: which API it
// lives on and how its submissions are listed and named per status.
type VenueInfo struct {
	paper.Venue

	// SubmissionInvitation is the v2 submission invitation
	// ("<venue>/-/Submission"); empty for v1 venues.
	SubmissionInvitation string

	// StatusVenueIDs maps each status to the v2 content.venueid value that
	// marks it ("ICLR.cc/2025/Conference/Rejected_Submission"). Empty for v1.
	StatusVenueIDs map[paper.Status]string

	// V1Invitations are the v1 listing invitations, e.g.
	// "ICLR.cc/2020/Conference/-/Blind_Submission" and its Withdrawn and
	// Desk_Rejected siblings. Empty for v2.
	V1Invitations []string
}

// Listing is one stream of submission notes to page through: the query
// parameters that select it, without any paging parameters (limit, offset,
// after, sort, count), which the caller adds.
type Listing struct {
	Name       string     // short stable name, used in cache paths and logs ("accepted", "blind", "withdrawn")
	APIVersion int        // 1 or 2: which host to ask
	Params     url.Values // e.g. content.venueid=..., or invitation=...&details=directReplies
	// Status, when set, is the status every note of this listing has
	// (v1 Withdrawn_Submission listings, say); empty when each note's own
	// fields decide.
	Status paper.Status
}
