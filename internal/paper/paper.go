// Package paper holds the domain types shared by every part of openreview-finder:
// papers, venues, their review status, and the sentinel errors callers test for.
// It imports nothing of ours, so every other package can depend on it.
package paper

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors that cross package boundaries. Wrap them with context;
// check them with errors.Is.
var (
	// ErrNotFound means a paper, venue or other record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAuth means the upstream service refused our credentials or
	// demanded a login (including OpenReview's anti-bot challenge).
	ErrAuth = errors.New("authentication required")
	// ErrInvalid marks bad input from a user: flags, queries, files.
	ErrInvalid = errors.New("invalid input")
)

// Status is where a submission stands in its venue's review process.
type Status string

// The statuses a paper can have. Accepted papers may also carry a
// Presentation (oral, spotlight, poster).
const (
	StatusAccepted     Status = "accepted"
	StatusRejected     Status = "rejected"
	StatusWithdrawn    Status = "withdrawn"
	StatusDeskRejected Status = "desk-rejected"
	StatusUnderReview  Status = "under-review"
)

// Statuses lists every status in a stable display order.
var Statuses = []Status{StatusAccepted, StatusRejected, StatusWithdrawn, StatusDeskRejected, StatusUnderReview}

// Presentation is the kind of slot an accepted paper was given.
type Presentation string

// Known presentations. The empty Presentation means unknown or not accepted.
const (
	PresentationOral      Presentation = "oral"
	PresentationSpotlight Presentation = "spotlight"
	PresentationPoster    Presentation = "poster"
)

// ParseStatus reads a status as a user types it: any case, with "-", "_"
// or " " between words ("desk_rejected", "Under Review"). The presentations
// "oral", "spotlight" and "poster" are accepted too and mean an accepted
// paper with that presentation.
func ParseStatus(s string) (Status, Presentation, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer("_", "-", " ", "-").Replace(k)
	switch k {
	case "accepted", "accept":
		return StatusAccepted, "", nil
	case "oral":
		return StatusAccepted, PresentationOral, nil
	case "spotlight":
		return StatusAccepted, PresentationSpotlight, nil
	case "poster":
		return StatusAccepted, PresentationPoster, nil
	case "rejected", "reject":
		return StatusRejected, "", nil
	case "withdrawn":
		return StatusWithdrawn, "", nil
	case "desk-rejected", "deskrejected":
		return StatusDeskRejected, "", nil
	case "under-review", "underreview", "submitted", "active":
		return StatusUnderReview, "", nil
	}
	return "", "", fmt.Errorf("%w: unknown status %q (want accepted, oral, spotlight, poster, rejected, withdrawn, desk-rejected or under-review)", ErrInvalid, s)
}

// Label is the status as a person reads it on a badge: the presentation for
// accepted papers where known ("oral"), else the status ("accepted").
func (p *Paper) Label() string {
	if p.Status == StatusAccepted && p.Presentation != "" {
		return string(p.Presentation)
	}
	return string(p.Status)
}

// Paper is one OpenReview submission, normalised from API v1 or v2.
type Paper struct {
	ID     string // note id
	Forum  string // forum id; equals ID for submissions
	Number int    // paper number within the venue, 0 if unknown

	VenueID    string // venue group id, e.g. "ICLR.cc/2025/Conference"
	Venue      string // short label, e.g. "ICLR 2025"
	VenueRaw   string // the note's own venue string, e.g. "ICLR 2025 Oral"
	Year       int
	APIVersion int // 1 or 2: which OpenReview API the note came from

	Status       Status
	Presentation Presentation

	Title       string
	Abstract    string
	TLDR        string
	Authors     []string
	AuthorIDs   []string // profile ids ("~Jane_Doe1") or e-mails, parallel to Authors where known
	Keywords    []string
	PrimaryArea string

	ForumURL string
	PDFURL   string
	BibTeX   string

	Created   time.Time // cdate
	Modified  time.Time // tmdate (or mdate): drives incremental re-crawls
	Published time.Time // pdate, else odate, else cdate

	// Incomplete is set when the note lacked a title or an abstract. Such
	// papers are kept, so nothing silently disappears, but flagged.
	Incomplete bool
}

// Venue is an OpenReview venue (a conference-year or a journal) as the
// crawler resolved it.
type Venue struct {
	ID         string // group id, e.g. "ICLR.cc/2025/Conference"
	Label      string // short name, e.g. "ICLR 2025"
	Title      string // full name, when the group gives one
	Year       int    // 0 for rolling journals such as TMLR
	APIVersion int    // 1 or 2
}
