package openreviewtest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Expected is the ground truth for one submission: the facts a correct
// client and normaliser must produce from the served JSON.
type Expected struct {
	ID    string
	Title string // "" when the note has no title
	// Status is "accepted", "rejected", "withdrawn", "desk-rejected" or
	// "under-review" (the values of paper.Status).
	Status string
	// Presentation is "oral", "spotlight", "poster" or "" (unknown or not
	// accepted). It is read from the venue string or decision: a word
	// oral/spotlight/poster, "Talk" meaning oral; anything else (ICML 2026's
	// "regular", TMLR) gives "".
	Presentation string
	Authors      []string // display names in order; nil when the API hides them
	Keywords     []string // nil when the note has none
	Year         int      // the venue's year; for TMLR the year of the note's dates

	// More facts, for tests that want them.
	VenueID    string // the venue group, e.g. "ICLR.cc/2025/Conference"
	APIVersion int    // 1 or 2
	Number     int
	Abstract   string // "" when absent
	TLDR       string // from TLDR, TL;DR or one-sentence_summary
	Venue      string // the raw venue string ("" where the note has none)
	TMDate     int64  // epoch ms
}

// note is one stored note of either API version. Content values are kept
// bare; the v2 renderer wraps them.
type note struct {
	host    int    // 1 or 2
	venue   string // venue group the note belongs to
	id      string
	forum   string
	replyto string
	number  int

	original string // v1: id of the hidden original ("" renders null)

	cdate, mdate, tcdate, tmdate, pdate, odate int64 // epoch ms; 0 = absent

	invitations []string // v2 list; v1 uses invitations[0] as "invitation"
	domain      string   // v2 only
	content     map[string]any

	readers, writers, signatures []string
	nonreaders                   []string // v1 always renders it; v2 only when set
	license                      string

	// v1NoMdate drops the "mdate" key entirely, as in the ICLR 2020
	// recordings; otherwise v1 notes render "mdate": null when unset.
	v1NoMdate bool

	expected *Expected // submissions only
}

// venue is one seeded venue: its group, its submissions, and how to make
// more of them.
type venue struct {
	info  paper.Venue
	subs  []*note // submissions in creation order
	build builder // makes a submission (and its replies) for AddSubmission
	// next is the number the next added submission gets.
	next int
}

// builder makes one submission with its replies for a wanted outcome.
type builder func(g *gen, number int, o outcome, cdate int64) []*note

// outcome is the decided fate of a submission.
type outcome struct {
	status       paper.Status
	presentation paper.Presentation
}

// gen is the seeded generator shared by the venue builders.
type gen struct {
	text textGen
	ids  map[string]bool
}

func newGen(seed int64, stream string) *gen {
	h := uint64(14695981039346656037)
	for i := range len(stream) {
		h = (h ^ uint64(stream[i])) * 1099511628211
	}
	return &gen{text: textGen{r: rand.New(rand.NewPCG(uint64(seed), h))}}
}

// newID draws a note id not used anywhere yet.
func (g *gen) newID() string {
	for {
		id := g.text.noteID()
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

// store holds every note of both hosts and every group.
type store struct {
	venues  []*venue
	byVenue map[string]*venue
	notes   map[int][]*note  // per host, in creation order
	byID    map[string]*note // both hosts; ids are unique across them
	replies map[string][]*note
	groups  []group
	ids     map[string]bool
	added   *gen // draws the notes AddSubmission makes
}

func (st *store) add(ns ...*note) {
	for _, n := range ns {
		st.ids[n.id] = true
		st.notes[n.host] = append(st.notes[n.host], n)
		st.byID[n.id] = n
		if n.replyto != "" {
			st.replies[n.replyto] = append(st.replies[n.replyto], n)
		}
		if n.expected != nil {
			st.byVenue[n.venue].subs = append(st.byVenue[n.venue].subs, n)
		}
	}
}

// expectedFor returns copies of a venue's ground truth, sorted by id.
func (st *store) expectedFor(venueID string) []Expected {
	v, ok := st.byVenue[venueID]
	if !ok {
		return nil
	}
	out := make([]Expected, 0, len(v.subs))
	for _, n := range v.subs {
		e := *n.expected
		e.Authors = slices.Clone(e.Authors)
		e.Keywords = slices.Clone(e.Keywords)
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Expected) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// touch retitles a note and bumps its modification dates.
func (st *store) touch(id, title string, now time.Time) error {
	n, ok := st.byID[id]
	if !ok {
		return fmt.Errorf("touch %q: no such note", id)
	}
	n.content["title"] = title
	n.tmdate = now.UnixMilli()
	n.mdate = n.tmdate
	if n.expected != nil {
		n.expected.Title = title
		n.expected.TMDate = n.tmdate
	}
	return nil
}

// addSubmission makes a new submission with the given outcome; every date
// it has (created, modified, published, opened) is now.
func (st *store) addSubmission(venueID string, o outcome, now time.Time) (string, error) {
	v, ok := st.byVenue[venueID]
	if !ok {
		return "", fmt.Errorf("add submission to %q: no such venue", venueID)
	}
	ms := now.UnixMilli()
	ns := v.build(st.added, v.next, o, ms)
	v.next++
	for _, n := range ns {
		n.cdate, n.tcdate, n.tmdate = ms, ms, ms
		for _, d := range []*int64{&n.mdate, &n.pdate, &n.odate} {
			if *d != 0 {
				*d = ms
			}
		}
		if n.expected != nil {
			n.expected.TMDate = ms
		}
	}
	st.add(ns...)
	return ns[0].id, nil
}

// quota spreads n items over outcomes by weight (largest remainder), then
// shuffles them, so small venues still get every outcome with weight.
func quota(r *rand.Rand, n int, shares []share) []outcome {
	total := 0.0
	for _, s := range shares {
		total += s.weight
	}
	out := make([]outcome, 0, n)
	type rem struct {
		i    int
		frac float64
	}
	rems := make([]rem, len(shares))
	for i, s := range shares {
		exact := float64(n) * s.weight / total
		k := int(exact)
		for range k {
			out = append(out, s.o)
		}
		rems[i] = rem{i, exact - float64(k)}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.frac, a.frac) })
	for i := 0; len(out) < n; i++ {
		out = append(out, shares[rems[i%len(rems)].i].o)
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// share is one outcome's weight in a venue's mix.
type share struct {
	o      outcome
	weight float64
}

func acc(p paper.Presentation) outcome { return outcome{paper.StatusAccepted, p} }

var (
	rejected     = outcome{status: paper.StatusRejected}
	withdrawn    = outcome{status: paper.StatusWithdrawn}
	deskRejected = outcome{status: paper.StatusDeskRejected}
	underReview  = outcome{status: paper.StatusUnderReview}
)
