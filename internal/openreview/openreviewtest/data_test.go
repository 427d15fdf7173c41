package openreviewtest

import (
	"bytes"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// listings returns the /notes queries that list every submission of a venue.
func listings(v paper.Venue) []url.Values {
	switch {
	case v.ID == "ICLR.cc/2017/conference":
		return []url.Values{{"invitation": {v.ID + "/-/submission"}}}
	case v.APIVersion == 1:
		return []url.Values{{"invitation": {v.ID + "/-/.*"}}}
	}
	return []url.Values{{"invitation": {v.ID + "/-/Submission"}}}
}

// TestExpectedMatchesJSON derives every submission's facts from the served
// JSON with the reference's rules, independently of the seeding code, and
// compares them with Server.Notes.
func TestExpectedMatchesJSON(t *testing.T) {
	s := NewTB(t, Options{Scale: 300, Seed: 7})
	tok := s.IssueToken()
	for _, v := range s.Venues() {
		t.Run(v.ID, func(t *testing.T) {
			base := s.URL
			if v.APIVersion == 1 {
				base = s.V1URL
			}
			var got []Expected
			for _, q := range listings(v) {
				q.Set("details", "directReplies")
				for _, n := range listAll(t, base, tok, q) {
					got = append(got, normalise(t, v, n))
				}
			}
			slices.SortFunc(got, func(a, b Expected) int { return strings.Compare(a.ID, b.ID) })
			want := s.Notes(v.ID)
			if len(want) == 0 {
				t.Fatal("no expected notes")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Notes() vs facts read from the JSON (-want +got):\n%s", diff)
			}
		})
	}
}

// normalise reads one note the way a correct client should (§4, §5).
func normalise(t *testing.T, v paper.Venue, n map[string]any) Expected {
	t.Helper()
	c := n["content"].(map[string]any)
	field := func(k string) any {
		if v.APIVersion == 2 {
			return value(c, k)
		}
		return c[k]
	}
	e := Expected{
		ID: n["id"].(string), Title: str(field("title")), Abstract: str(field("abstract")),
		Keywords: strs(field("keywords")), Venue: str(field("venue")), VenueID: v.ID, APIVersion: v.APIVersion,
		Number: int(n["number"].(float64)), TMDate: int64(n["tmdate"].(float64)), Year: v.Year,
	}
	for _, k := range []string{"TLDR", "TL;DR", "one-sentence_summary"} {
		if s := str(field(k)); s != "" {
			e.TLDR = s
		}
	}
	switch a := field("authors").(type) {
	case string:
		e.Authors = strings.Split(a, " and ")
	case []any:
		for _, x := range a {
			switch x := x.(type) {
			case string:
				e.Authors = append(e.Authors, strings.Split(x, " and ")...)
			case map[string]any:
				e.Authors = append(e.Authors, x["fullname"].(string))
			}
		}
	}
	st, pres := statusOf(t, v, n, field)
	e.Status, e.Presentation = string(st), string(pres)
	if v.Year == 0 {
		for _, k := range []string{"pdate", "odate", "cdate"} {
			if ms, ok := n[k].(float64); ok {
				e.Year = time.UnixMilli(int64(ms)).UTC().Year()
				break
			}
		}
	}
	return e
}

func statusOf(t *testing.T, v paper.Venue, n map[string]any, field func(string) any) (paper.Status, paper.Presentation) {
	venueStr := str(field("venue"))
	if v.APIVersion == 2 {
		vid := str(field("venueid"))
		m := map[string]paper.Status{
			v.ID: paper.StatusAccepted, v.ID + "/Submission": paper.StatusUnderReview, v.ID + "/Rejected_Submission": paper.StatusRejected,
			v.ID + "/Withdrawn_Submission": paper.StatusWithdrawn, v.ID + "/Desk_Rejected_Submission": paper.StatusDeskRejected,
			"TMLR/Rejected": paper.StatusRejected, "TMLR/Desk_Rejected": paper.StatusDeskRejected, "TMLR/Under_Review": paper.StatusUnderReview,
		}
		st, ok := m[vid]
		if !ok {
			t.Fatalf("note %s: unknown venueid %q", n["id"], vid)
		}
		if st == paper.StatusAccepted {
			return st, words(venueStr)
		}
		return st, ""
	}
	inv := n["invitation"].(string)
	switch {
	case strings.HasSuffix(inv, "/-/Withdrawn_Submission"):
		return paper.StatusWithdrawn, ""
	case strings.HasSuffix(inv, "/-/Desk_Rejected_Submission"):
		return paper.StatusDeskRejected, ""
	case v.Year == 2020:
		return decisionOf(t, n)
	case strings.HasPrefix(venueStr, "Submitted to"), strings.HasSuffix(venueStr, " Submitted"), strings.Contains(venueStr, "Workshop"):
		return paper.StatusRejected, ""
	}
	return paper.StatusAccepted, words(venueStr)
}

// decisionOf reads an ICLR 2020 decision reply ("Accept (Talk)" is an oral).
func decisionOf(t *testing.T, n map[string]any) (paper.Status, paper.Presentation) {
	for _, r := range n["details"].(map[string]any)["directReplies"].([]any) {
		r := r.(map[string]any)
		if !strings.HasSuffix(r["invitation"].(string), "/-/Decision") {
			continue
		}
		d := r["content"].(map[string]any)["decision"].(string)
		if !strings.HasPrefix(d, "Accept") {
			return paper.StatusRejected, ""
		}
		return paper.StatusAccepted, words(strings.ReplaceAll(d, "Talk", "Oral"))
	}
	t.Fatalf("note %s has no decision reply", n["id"])
	return "", ""
}

func words(s string) paper.Presentation {
	l := strings.ToLower(s)
	for _, p := range []paper.Presentation{paper.PresentationOral, paper.PresentationSpotlight, paper.PresentationPoster} {
		if strings.Contains(l, string(p)) {
			return p
		}
	}
	return ""
}

func TestDeterminism(t *testing.T) {
	a := NewTB(t, Options{Scale: 200, Seed: 1})
	b := NewTB(t, Options{Scale: 200, Seed: 1})
	c := NewTB(t, Options{Scale: 200, Seed: 2})
	for _, v := range a.Venues() {
		if diff := cmp.Diff(a.Notes(v.ID), b.Notes(v.ID)); diff != "" {
			t.Errorf("%s differs for the same seed (-a +b):\n%s", v.ID, diff)
		}
	}
	page := "/notes?invitation=ICLR.cc/2025/Conference/-/Submission&sort=number:asc&details=directReplies&limit=50"
	ra, rb := get(t, a.URL+page, a.IssueToken()), get(t, b.URL+page, b.IssueToken())
	if !bytes.Equal(ra.body, rb.body) {
		t.Error("the same page differs between two fakes with one seed")
	}
	if rc := get(t, c.URL+page, c.IssueToken()); bytes.Equal(ra.body, rc.body) {
		t.Error("seeds 1 and 2 gave the same page")
	}
	// The big venue's size does not change the other venues.
	big := NewTB(t, Options{Scale: 400, Seed: 1})
	if diff := cmp.Diff(a.Notes("TMLR"), big.Notes("TMLR")); diff != "" {
		t.Errorf("TMLR depends on Scale (-scale200 +scale400):\n%s", diff)
	}
}

// fixedIDs are the notes the package doc lists, whose text is hand-made or
// recorded.
var fixedIDs = map[string]bool{
	"UnIc0de-25": true, "LaTeX-Html": true, "JoseMuller": true, "NoAbstract": true, "NoTitle025": true,
	"AbsPdfUrl1": true, "DeskRejct1": true, "NoKeyword1": true, "UnderRevw1": true, "rhgIgTSSxW": true,
	"fMX07g3prp": true, "g1SzIRLQXMM": true, "ryxyCeHtPB": true, "TmlrCert01": true, "Iclr17AndX": true,
}

func TestGeneratedText(t *testing.T) {
	s := small(t, Options{Scale: 500, Seed: 3})
	ids := map[string]bool{}
	holographic := 0
	for _, v := range s.Venues() {
		for _, e := range s.Notes(v.ID) {
			if ids[e.ID] || (len(e.ID) != 10 && e.ID != "g1SzIRLQXMM" && e.ID != "rhgIgTSSxW") {
				t.Errorf("id %q duplicated or malformed", e.ID)
			}
			ids[e.ID] = true
			if strings.Contains(strings.ToLower(e.Title+" "+e.Abstract), "holographic") {
				holographic++
			}
			if fixedIDs[e.ID] {
				continue
			}
			if n := len(strings.Fields(e.Title)); e.Title != "" && (n < 6 || n > 14) {
				t.Errorf("%s: title has %d words: %q", e.ID, n, e.Title)
			}
			if n := len(strings.Fields(e.Abstract)); e.Abstract != "" && (n < 120 || n > 250) {
				t.Errorf("%s: abstract has %d words", e.ID, n)
			}
		}
	}
	if holographic != 1 {
		t.Errorf("%d notes mention holographic, want only the fixed one", holographic)
	}
}

func TestFixedNotes(t *testing.T) {
	s := small(t, Options{Seed: 99})
	tok := s.IssueToken()
	r := get(t, s.URL+"/notes?id=UnIc0de-25,LaTeX-Html&id=LaTeX-Html", tok)
	if r.status != 404 {
		t.Errorf("comma list in id= found something: %d", r.status)
	}
	for id, want := range map[string][]string{
		"UnIc0de-25": {"图神经网络", "∀ε>0", "🚀", "Zoë Faßbender"},
		"LaTeX-Html": {`<script>alert(\"x\")</script>`, `$\\alpha$`, " & <b>Tight</b>"},
		"JoseMuller": {"José Müller", "~José_Müller1"},
	} {
		body := string(get(t, s.URL+"/notes?id="+id, tok).body)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body lacks %q (unescaped)", id, w)
			}
		}
	}
	byID := map[string]Expected{}
	for _, e := range s.Notes(iclr25) {
		byID[e.ID] = e
	}
	checks := map[string]func(Expected) bool{
		"JoseMuller": func(e Expected) bool {
			return e.Abstract == HolographicAbstract && e.Status == "accepted" && e.Presentation == "poster" && e.Authors[0] == "José Müller"
		},
		"NoAbstract": func(e Expected) bool { return e.Abstract == "" && e.Title != "" },
		"NoTitle025": func(e Expected) bool { return e.Title == "" && e.Status == "withdrawn" },
		"NoKeyword1": func(e Expected) bool { return e.Keywords == nil && e.TLDR != "" },
		"UnderRevw1": func(e Expected) bool { return e.Authors == nil && e.Status == "under-review" },
		"DeskRejct1": func(e Expected) bool { return e.Status == "desk-rejected" },
	}
	for id, ok := range checks {
		if !ok(byID[id]) {
			t.Errorf("fixed note %s: %+v", id, byID[id])
		}
	}
	cert := get(t, s.URL+"/notes?id=TmlrCert01", tok).notes(t)[0]
	if got := value(cert["content"].(map[string]any), "certifications"); !cmp.Equal(got, []any{"Featured Certification", "Survey Certification"}) {
		t.Errorf("TmlrCert01 certifications = %v", got)
	}
	n := get(t, s.URL+"/notes?id=AbsPdfUrl1", tok).notes(t)[0]
	if got := value(n["content"].(map[string]any), "pdf"); got != "https://arxiv.org/pdf/2410.01234v2" {
		t.Errorf("AbsPdfUrl1 pdf = %v", got)
	}
	d := get(t, s.URL+"/notes?id=DeskRejct1", tok).notes(t)[0]
	if _, ok := d["content"].(map[string]any)["pdf"]; ok {
		t.Error("desk-rejected note has a pdf")
	}
}

func TestTouchAndAddSubmission(t *testing.T) {
	clk := newClock(time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC))
	s := small(t, Options{Now: clk.Now})
	tok := s.IssueToken()
	newest := func(venueQuery string) map[string]any {
		return get(t, s.URL+"/notes?"+venueQuery+"&sort=tmdate:desc&limit=1", tok).notes(t)[0]
	}
	s.Touch("rhgIgTSSxW", "A Revised Title")
	n := newest("content.venueid=ICLR.cc/2024/Conference")
	if n["id"] != "rhgIgTSSxW" || n["tmdate"] != float64(clk.Now().UnixMilli()) || value(n["content"].(map[string]any), "title") != "A Revised Title" {
		t.Errorf("after Touch, newest = %v %v", n["id"], n["tmdate"])
	}
	clk.advance(time.Minute)
	id := s.AddSubmission("NeurIPS.cc/2024/Conference")
	n = newest("content.venueid=NeurIPS.cc/2024/Conference")
	c := n["content"].(map[string]any)
	if n["id"] != id || n["cdate"] != float64(clk.Now().UnixMilli()) || value(c, "venue") != "NeurIPS 2024 poster" || n["number"] != float64(61) {
		t.Errorf("after AddSubmission, newest = %v", n)
	}
	since := get(t, s.URL+"/notes?domain=NeurIPS.cc/2024/Conference&mintcdate="+strconv.FormatInt(clk.Now().UnixMilli(), 10), tok).notes(t)
	if len(since) != 2 { // the submission and its decision reply
		t.Errorf("mintcdate finds %d notes, want 2", len(since))
	}
	v1id := s.AddNote("ICLR.cc/2020/Conference", paper.StatusAccepted, paper.PresentationOral)
	replies := get(t, s.V1URL+"/notes?forum="+v1id, tok).notes(t)
	var decision string
	for _, r := range replies {
		if d, ok := r["content"].(map[string]any)["decision"].(string); ok {
			decision = d
		}
	}
	if decision != "Accept (Talk)" {
		t.Errorf("added ICLR 2020 oral has decision %q", decision)
	}
	found := 0
	for _, e := range s.Notes("ICLR.cc/2020/Conference") {
		if e.ID == v1id && e.Status == "accepted" && e.Presentation == "oral" && e.Title != "" {
			found++
		}
	}
	if found != 1 || len(s.Notes("NeurIPS.cc/2024/Conference")) != 61 {
		t.Errorf("Notes() does not show the added notes")
	}
}
