package openreview

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// noteStatus decides where a submission stands and, for accepted papers, how
// it was presented. The listing's own status wins (a v1 Withdrawn_Submission
// listing, say); otherwise API v2 notes are read by content.venueid and v1
// notes by decision replies and venue strings (reference §5).
func noteStatus(n Note, version int, v VenueInfo, l Listing) (paper.Status, paper.Presentation) {
	var s paper.Status
	switch {
	case l.Status != "":
		s = l.Status
	case version == 2:
		s = statusV2(n, v)
	default:
		s = statusV1(n)
	}
	if s != paper.StatusAccepted {
		return s, ""
	}
	return s, presentationOf(contentText(n.Content["venue"]), replyDecision(n.Replies), contentText(n.Content["decision"]))
}

// v2SuffixStatus maps the tail of a v2 content.venueid to a status, for
// venues whose group did not name its per-status ids. Conferences use
// "…/Rejected_Submission"; journals such as TMLR use "…/Rejected".
var v2SuffixStatus = []struct {
	suffix string
	status paper.Status
}{
	{"/Rejected_Submission", paper.StatusRejected},
	{"/Rejected", paper.StatusRejected},
	{"/Withdrawn_Submission", paper.StatusWithdrawn},
	// TMLR's "Retracted by Authors": the authors took an accepted paper back.
	{"/Retracted_Acceptance", paper.StatusWithdrawn},
	{"/Desk_Rejected_Submission", paper.StatusDeskRejected},
	{"/Desk_Rejected", paper.StatusDeskRejected},
	{"/Submission", paper.StatusUnderReview},
	{"/Under_Review", paper.StatusUnderReview},
	{"/Submitted", paper.StatusUnderReview},
	{"/Decision_Pending", paper.StatusUnderReview},
}

// statusV2 reads content.venueid, which v2 venues keep authoritative. A
// note without one (or with another venue's id) falls back to a decision
// reply and then to its venue string.
func statusV2(n Note, v VenueInfo) paper.Status {
	vid := strings.TrimSpace(contentText(n.Content["venueid"]))
	if vid != "" {
		for _, s := range paper.Statuses {
			if id := v.StatusVenueIDs[s]; id != "" && id == vid {
				return s
			}
		}
		for _, r := range v2SuffixStatus {
			if strings.HasSuffix(vid, r.suffix) {
				return r.status
			}
		}
		if vid == v.ID {
			return paper.StatusAccepted
		}
		if v.ID != "" && strings.HasPrefix(vid, v.ID+"/") {
			// A stage of the venue's own process ("TMLR/Assigning_AE").
			return paper.StatusUnderReview
		}
	}
	if s, ok := decisionStatus(replyDecision(n.Replies)); ok {
		return s
	}
	if s, ok := venueStringStatus(contentText(n.Content["venue"])); ok {
		return s
	}
	return paper.StatusUnderReview
}

// statusV1 reads the evidence v1 venue-years leave (reference §5.2): a
// decision reply (2018 Acceptance_Decision, 2019 Meta_Review, 2020+
// Decision), the venue string (2017, 2021-2023, NeurIPS), or ICLR 2013's
// content.decision. content.venueid is never evidence on v1: rejected
// papers carry the bare venue id too.
func statusV1(n Note) paper.Status {
	if s, ok := decisionStatus(replyDecision(n.Replies)); ok {
		return s
	}
	if s, ok := venueStringStatus(contentText(n.Content["venue"])); ok {
		return s
	}
	d := contentText(n.Content["decision"])
	if s, ok := iclr2013Status(d); ok {
		return s
	}
	if s, ok := decisionStatus(d); ok {
		return s
	}
	return paper.StatusUnderReview
}

// replyDecision returns the decision text among replies: a Decision or
// Acceptance_Decision note outranks a Meta_Review recommendation.
func replyDecision(replies []Note) string {
	best, bestRank := "", 0
	for _, r := range replies {
		rank := decisionRank(r)
		if rank <= bestRank {
			continue
		}
		d := strings.TrimSpace(contentText(r.Content["decision"]))
		if d == "" {
			d = strings.TrimSpace(contentText(r.Content["recommendation"]))
		}
		if d != "" {
			best, bestRank = d, rank
		}
	}
	return best
}

// decisionRank is 2 for a decision note, 1 for a meta-review, else 0.
func decisionRank(r Note) int {
	invs := r.Invitations
	if len(invs) == 0 {
		invs = []string{r.Invitation}
	}
	rank := 0
	for _, inv := range invs {
		switch {
		case strings.HasSuffix(inv, "/Decision"), strings.HasSuffix(inv, "/-/Acceptance_Decision"):
			return 2
		case strings.HasSuffix(inv, "Meta_Review"):
			rank = 1
		}
	}
	return rank
}

// decisionStatus classifies a decision or recommendation text.
func decisionStatus(d string) (paper.Status, bool) {
	l := strings.ToLower(d)
	switch {
	case l == "":
		return "", false
	case strings.Contains(l, "invite to workshop"):
		// ICLR 2017/2018: not accepted to the main conference.
		return paper.StatusRejected, true
	case strings.Contains(l, "reject"):
		return paper.StatusRejected, true
	case strings.Contains(l, "accept"):
		return paper.StatusAccepted, true
	}
	return "", false
}

// acceptedVenueWords mark an accepted paper's venue string ("ICLR 2022
// Spotlight", "ICLR 2023 notable top 5%", "NeurIPS 2022 Accept", "Accepted
// by TMLR").
var acceptedVenueWords = []string{"oral", "spotlight", "poster", "talk", "notable top 5%", "notable top 25%", "accept"}

// venueStringStatus classifies a content.venue string. Every v1 venue has
// decided, so "Submitted to ICLR 2023" and "ICLR 2022 Submitted" mean
// rejected.
func venueStringStatus(venue string) (paper.Status, bool) {
	l := strings.ToLower(strings.Join(strings.Fields(venue), " "))
	switch {
	case l == "":
		return "", false
	case strings.HasPrefix(l, "submitted to ") || strings.HasSuffix(l, " submitted"):
		return paper.StatusRejected, true
	case strings.Contains(l, "desk rejected"):
		return paper.StatusDeskRejected, true
	case strings.Contains(l, "withdrawn") || strings.Contains(l, "retracted"):
		return paper.StatusWithdrawn, true
	case strings.Contains(l, "invite to workshop"):
		// ICLR 2017: not accepted to the main conference.
		return paper.StatusRejected, true
	case strings.Contains(l, "reject"):
		return paper.StatusRejected, true
	}
	for _, w := range acceptedVenueWords {
		if containsWord(venue, w) {
			return paper.StatusAccepted, true
		}
	}
	return "", false
}

// iclr2013Status reads ICLR 2013's content.decision values:
// "conferenceOral-iclr2013-conference", "conferencePoster-iclr2013-conference",
// their "-workshop" variants and "reject".
func iclr2013Status(d string) (paper.Status, bool) {
	l := strings.ToLower(strings.TrimSpace(d))
	switch {
	case l == "reject":
		return paper.StatusRejected, true
	case !strings.HasPrefix(l, "conference"):
		return "", false
	case strings.HasSuffix(l, "-conference"):
		return paper.StatusAccepted, true
	case strings.HasSuffix(l, "-workshop"):
		// Accepted to the workshop track only: not accepted to the main
		// conference, as with later years' "Invite to Workshop".
		return paper.StatusRejected, true
	}
	return "", false
}

// presentationOf reads the first text that names a presentation. Oral and
// spotlight are checked before poster: ICML writes "OralPoster" and
// "spotlightposter".
func presentationOf(texts ...string) paper.Presentation {
	for _, l := range texts {
		switch {
		case containsWord(l, "oral"), containsWord(l, "talk"), containsWord(l, "notable top 5%"):
			return paper.PresentationOral
		case containsWord(l, "spotlight"), containsWord(l, "notable top 25%"):
			return paper.PresentationSpotlight
		case containsWord(l, "poster"):
			return paper.PresentationPoster
		}
	}
	return ""
}

// containsWord reports whether w (lower-case ASCII) occurs in s, ignoring
// case, at the start of a word: after a non-letter or at a camelCase hump.
// A word may run on into another ("OralPoster", "conferenceOral"), but
// "Moral" does not contain the word "oral".
func containsWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if !strings.EqualFold(s[i:i+len(w)], w) {
			continue
		}
		if i == 0 {
			return true
		}
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		first, _ := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(prev) || (unicode.IsLower(prev) && unicode.IsUpper(first)) {
			return true
		}
	}
	return false
}
