package openreview

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/ from the current output")

// Venues the recorded samples belong to, as ResolveVenue would give them.
var (
	nvIclr2024 = VenueInfo{
		Venue: paper.Venue{ID: "ICLR.cc/2024/Conference", Label: "ICLR 2024",
			Title: "The Twelfth International Conference on Learning Representations", Year: 2024, APIVersion: 2},
		SubmissionInvitation: "ICLR.cc/2024/Conference/-/Submission",
		StatusVenueIDs: map[paper.Status]string{
			paper.StatusAccepted:     "ICLR.cc/2024/Conference",
			paper.StatusUnderReview:  "ICLR.cc/2024/Conference/Submission",
			paper.StatusRejected:     "ICLR.cc/2024/Conference/Rejected_Submission",
			paper.StatusWithdrawn:    "ICLR.cc/2024/Conference/Withdrawn_Submission",
			paper.StatusDeskRejected: "ICLR.cc/2024/Conference/Desk_Rejected_Submission",
		},
	}
	nvIclr2022 = VenueInfo{
		Venue: paper.Venue{ID: "ICLR.cc/2022/Conference", Label: "ICLR 2022",
			Title: "The Tenth International Conference on Learning Representations", Year: 2022, APIVersion: 1},
		V1Invitations: []string{"ICLR.cc/2022/Conference/-/Blind_Submission"},
	}
	nvIclr2020 = VenueInfo{
		Venue: paper.Venue{ID: "ICLR.cc/2020/Conference", Label: "ICLR 2020",
			Title: "Eighth International Conference on Learning Representations", Year: 2020, APIVersion: 1},
		V1Invitations: []string{"ICLR.cc/2020/Conference/-/Blind_Submission"},
	}
)

// sampleResult is what a golden file holds for one recorded body.
type sampleResult struct {
	Count    int
	HasCount bool
	Papers   []paper.Paper
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "notes", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestSamples parses every recorded body and compares the normalised
// papers with the golden files, field by field.
func TestSamples(t *testing.T) {
	tests := []struct {
		name    string
		venue   VenueInfo
		listing Listing
		forum   string // set for forum listings: normalise only the submission
	}{
		{"v2-iclr2024-notes-accepted", nvIclr2024, Listing{Name: "accepted", APIVersion: 2}, ""},
		{"v2-iclr2024-notes-withdrawn", nvIclr2024, Listing{Name: "withdrawn", APIVersion: 2}, ""},
		{"v1-iclr2022-notes-blind-listing", nvIclr2022, Listing{Name: "blind", APIVersion: 1}, ""},
		{"v1-iclr2020-forum-with-decision", nvIclr2020, Listing{Name: "forum", APIVersion: 1}, "ryxyCeHtPB"},
		{"v1-iclr2020-blind-directreplies", nvIclr2020, Listing{Name: "blind", APIVersion: 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := ParseNotes(readSample(t, tt.name))
			if err != nil {
				t.Fatalf("ParseNotes: %v", err)
			}
			got := sampleResult{Count: page.Count, HasCount: page.HasCount}
			notes := page.Notes
			if tt.forum != "" {
				sub, ok := ForumSubmission(page.Notes, tt.forum)
				if !ok {
					t.Fatalf("ForumSubmission(%q) found no submission", tt.forum)
				}
				notes = []Note{sub}
			}
			for _, n := range notes {
				got.Papers = append(got.Papers, Normalize(n, tt.venue, tt.listing))
			}
			golden := filepath.Join("testdata", "notes", tt.name+".golden.json")
			if *update {
				b, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var want sampleResult
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatalf("golden %s: %v", golden, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Normalize mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseNotesSamples checks what ParseNotes itself reads from the
// recorded bodies, independently of the golden files.
func TestParseNotesSamples(t *testing.T) {
	type noteSummary struct {
		ID, Forum, ReplyTo, Invitation string
		Number, APIVersion, Replies    int
		TMDate, PDate                  int64
		Title                          any
	}
	tests := []struct {
		name     string
		count    int
		hasCount bool
		want     []noteSummary
	}{
		{"v2-iclr2024-notes-accepted", 0, false, []noteSummary{
			{"rhgIgTSSxW", "rhgIgTSSxW", "", "ICLR.cc/2024/Conference/-/Submission", 9502, 2, 0, 1713672174575, 1705411064826, "Synthetic title text 1."},
		}},
		{"v2-iclr2024-notes-withdrawn", 0, false, []noteSummary{
			{"fMX07g3prp", "fMX07g3prp", "", "ICLR.cc/2024/Conference/-/Submission", 9483, 2, 0, 1711385433208, 0, "Synthetic title text 1."},
		}},
		{"v1-iclr2022-notes-blind-listing", 2617, true, []noteSummary{
			{"g1SzIRLQXMM", "g1SzIRLQXMM", "", "ICLR.cc/2022/Conference/-/Blind_Submission", 4724, 1, 0, 1676330441883, 1643407560000, "Synthetic title text 1."},
		}},
		{"v1-iclr2020-forum-with-decision", 10, true, []noteSummary{
			{"u4lGEyBWi5n", "ryxyCeHtPB", "ryxyCeHtPB", "ICLR.cc/2020/Conference/Paper2594/-/Public_Comment", 2, 1, 0, 1685031935608, 0, "Synthetic title text 1."},
			{"EE4Ml5hZtI", "ryxyCeHtPB", "ryxyCeHtPB", "ICLR.cc/2020/Conference/Paper2594/-/Decision", 1, 1, 0, 1576800882379, 0, "Synthetic title text 6."},
			{"ryxyCeHtPB", "ryxyCeHtPB", "", "ICLR.cc/2020/Conference/-/Blind_Submission", 2594, 1, 0, 1683306602738, 1576800882416, "Synthetic title text 13."},
		}},
		{"v1-iclr2020-blind-directreplies", 2213, true, []noteSummary{
			{"ryxyCeHtPB", "ryxyCeHtPB", "", "ICLR.cc/2020/Conference/-/Blind_Submission", 2594, 1, 2, 1683306602738, 1576800882416, "Synthetic title text 13."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := ParseNotes(readSample(t, tt.name))
			if err != nil {
				t.Fatalf("ParseNotes: %v", err)
			}
			if page.Count != tt.count || page.HasCount != tt.hasCount {
				t.Errorf("count = %d, %v; want %d, %v", page.Count, page.HasCount, tt.count, tt.hasCount)
			}
			var got []noteSummary
			for _, n := range page.Notes {
				got = append(got, noteSummary{n.ID, n.Forum, n.ReplyTo, n.Invitation, n.Number, n.APIVersion,
					len(n.Replies), n.TMDate, n.PDate, n.Content["title"]})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("notes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseNotesDirectReplies checks that details.directReplies become
// Replies, and that the decision inline there decides the status exactly
// as the separate decision note of a forum listing does.
func TestParseNotesDirectReplies(t *testing.T) {
	page, err := ParseNotes(readSample(t, "v1-iclr2020-blind-directreplies"))
	if err != nil {
		t.Fatal(err)
	}
	sub := page.Notes[0]
	var invs []string
	for _, r := range sub.Replies {
		invs = append(invs, r.Invitation)
	}
	wantInvs := []string{"ICLR.cc/2020/Conference/Paper2594/-/Decision", "ICLR.cc/2020/Conference/Paper2594/-/Public_Comment"}
	if diff := cmp.Diff(wantInvs, invs); diff != "" {
		t.Fatalf("reply invitations (-want +got):\n%s", diff)
	}
	if d := sub.Replies[0].Content["decision"]; d != "Accept (Poster)" {
		t.Errorf("decision reply content = %v, want Accept (Poster)", d)
	}
	inline := Normalize(sub, nvIclr2020, Listing{})
	forumPage, err := ParseNotes(readSample(t, "v1-iclr2020-forum-with-decision"))
	if err != nil {
		t.Fatal(err)
	}
	fsub, _ := ForumSubmission(forumPage.Notes, "ryxyCeHtPB")
	fromForum := Normalize(fsub, nvIclr2020, Listing{})
	for _, p := range []paper.Paper{inline, fromForum} {
		if p.Status != paper.StatusAccepted || p.Presentation != paper.PresentationPoster {
			t.Errorf("status = %s/%s, want accepted/poster", p.Status, p.Presentation)
		}
	}
	// Without its replies the same note has no evidence at all.
	sub.Replies = nil
	if got := Normalize(sub, nvIclr2020, Listing{}).Status; got != paper.StatusUnderReview {
		t.Errorf("status without replies = %s, want under-review", got)
	}
}

func TestForumSubmission(t *testing.T) {
	notes := []Note{
		{ID: "c1", Forum: "F", ReplyTo: "c0"}, // reply to a reply: not direct
		{ID: "d1", Forum: "F", ReplyTo: "F"},
		{ID: "F", Forum: "F", Replies: []Note{{ID: "d1", Forum: "F", ReplyTo: "F"}}},
		{ID: "c0", Forum: "F", ReplyTo: "F"},
	}
	sub, ok := ForumSubmission(notes, "F")
	if !ok {
		t.Fatal("no submission found")
	}
	var ids []string
	for _, r := range sub.Replies {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"d1", "c0"}, ids); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	if _, ok := ForumSubmission(notes, "missing"); ok {
		t.Error("ForumSubmission found a submission for a forum not in the listing")
	}
}

func TestParseNotesErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", "empty body"},
		{"blank", " \n\t", "empty body"},
		{"not JSON", "hello", "not valid JSON"},
		{"HTML challenge", "<!DOCTYPE html><html><head><title>Verifying your browser | OpenReview</title></head><body></body></html>", "HTML page"},
		{"truncated", `{"notes":[{"id":"abc","content":{"title":"x"`, "unexpected end of JSON input"},
		{"trailing garbage", `{"notes":[]} x`, "not valid JSON"},
		{"array", `[{"id":"x"}]`, "got an array, want an object"},
		{"string", `"notes"`, "got a string, want an object"},
		{"no notes", `{"groups":[]}`, "no notes field"},
		{"notes number", `{"notes": 5}`, "notes: got a number, want an array"},
		{"notes null", `{"notes": null}`, "notes: got null, want an array"},
		{"notes object", `{"notes": {}}`, "notes: got an object, want an array"},
		{"note not object", `{"notes": [1]}`, "note 0: got a number, want an object"},
		{"count string", `{"notes": [], "count": "7"}`, `count: got a string "7"`},
		{"count negative", `{"notes": [], "count": -1}`, "count: got a number -1"},
		{"count fraction", `{"notes": [], "count": 1.5}`, "count: got a number 1.5"},
		{"id number", `{"notes": [{"id": 12}]}`, "note 0: id: got a number 12, want a string"},
		{"date string", `{"notes": [{"id":"a","cdate": "yesterday"}]}`, `note 0 (id "a"): cdate: got a string "yesterday", want a whole number`},
		{"date huge", `{"notes": [{"id":"a","tmdate": 1e400}]}`, "tmdate: got a number 1e400, want a whole number"},
		{"date too big for int64", `{"notes": [{"tmdate": 9223372036854775808}]}`, "tmdate: got a number"},
		{"number fraction", `{"notes": [{"number": 2.5}]}`, "number: got a number 2.5"},
		{"invitations string", `{"notes": [{"invitations": "a/-/B"}]}`, "invitations: got a string"},
		{"invitations item", `{"notes": [{"invitations": ["a", 3]}]}`, "invitations[1]: got a number 3, want a string"},
		{"content array", `{"notes": [{"content": []}]}`, "content: got an array, want an object"},
		{"details string", `{"notes": [{"details": "x"}]}`, "details: got a string"},
		{"replies object", `{"notes": [{"details": {"directReplies": {}}}]}`, "details.directReplies: got an object, want an array"},
		{"bad reply", `{"notes": [{"id":"s","details": {"directReplies": [{"id":"r","replyto": 4}]}}]}`, `note 0 (id "s"): details.directReplies[0]: replyto: got a number 4`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := ParseNotes([]byte(tt.body))
			if err == nil {
				t.Fatalf("ParseNotes(%q) = %+v, want an error", tt.body, page)
			}
			if !errors.Is(err, ErrMalformedNotes) {
				t.Errorf("error %q does not wrap ErrMalformedNotes", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if len(err.Error()) > 160 {
				t.Errorf("error is %d bytes long, want a short one: %q", len(err.Error()), err)
			}
		})
	}
}

func TestParseNotesShapes(t *testing.T) {
	tests := []struct {
		name string
		body string
		want NotesPage
	}{
		{"empty list", `{"notes": []}`, NotesPage{Notes: []Note{}}},
		{"count zero", `{"notes": [], "count": 0}`, NotesPage{Notes: []Note{}, HasCount: true}},
		{"count null", `{"notes": [], "count": null}`, NotesPage{Notes: []Note{}}},
		{"BOM and whitespace", "\xef\xbb\xbf\n {\"notes\": []}\n", NotesPage{Notes: []Note{}}},
		{"nulls everywhere", `{"notes": [{"id": "a", "forum": null, "replyto": null, "number": null, "cdate": null,
			"mdate": null, "invitation": null, "invitations": null, "content": null, "details": null}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 1}}}},
		{"v1 plain", `{"notes": [{"id": "a", "invitation": "V/-/Blind_Submission", "content": {"title": "T", "n": 3}}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 1, Invitation: "V/-/Blind_Submission",
				Content: map[string]any{"title": "T", "n": json.Number("3")}}}}},
		{"version 2 only", `{"notes": [{"id": "a", "version": 2, "content": {}}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 2, Content: map[string]any{}}}}},
		{"wrapped only", `{"notes": [{"id": "a", "content": {"title": {"value": "T"}}}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 2, Content: map[string]any{"title": "T"}}}}},
		{"invitations only", `{"notes": [{"id": "a", "invitations": ["V/-/Submission", "V/-/Edit"]}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 2, Invitation: "V/-/Submission", Invitations: []string{"V/-/Submission", "V/-/Edit"}}}}},
		{"readers wrapper kept and hidden dropped", `{"notes": [{"id": "a", "version": 2, "content": {
			"authors": {"value": ["A"], "readers": ["V"]}, "authorids": {"readers": ["V"]},
			"meta": {"value": 1, "other": 2}, "venue": {"value": null}}}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 2, Content: map[string]any{
				"authors": []any{"A"}, "meta": map[string]any{"value": json.Number("1"), "other": json.Number("2")}, "venue": nil}}}}},
		{"integral float dates", `{"notes": [{"id": "a", "cdate": 1.6e12, "tmdate": 1695558732991.0, "number": 7}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 1, CDate: 1600000000000, TMDate: 1695558732991, Number: 7}}}},
		{"huge content number", `{"notes": [{"id": "a", "content": {"x": 1e400}}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 1, Content: map[string]any{"x": json.Number("1e400")}}}}},
		{"details without replies", `{"notes": [{"id": "a", "details": {"replyCount": 4}}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 1}}}},
		{"v2 direct replies", `{"notes": [{"id": "a", "version": 2, "details": {"directReplies": [
			{"id": "r", "replyto": "a", "invitations": ["V/Submission1/-/Decision"], "content": {"decision": {"value": "Accept (Oral)"}}}]}}]}`,
			NotesPage{Notes: []Note{{ID: "a", APIVersion: 2, Replies: []Note{{ID: "r", ReplyTo: "a", APIVersion: 2,
				Invitation: "V/Submission1/-/Decision", Invitations: []string{"V/Submission1/-/Decision"},
				Content: map[string]any{"decision": "Accept (Oral)"}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNotes([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseNotes: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseNotes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseNotesReplyDepth checks that nested replies stop at
// maxReplyDepth instead of recursing without bound.
func TestParseNotesReplyDepth(t *testing.T) {
	body := `{"id": "leaf"}`
	for range maxReplyDepth + 3 {
		body = `{"id": "n", "details": {"directReplies": [` + body + `]}}`
	}
	page, err := ParseNotes([]byte(`{"notes": [` + body + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	depth := 0
	for n := page.Notes[0]; len(n.Replies) > 0; n = n.Replies[0] {
		depth++
	}
	if depth != maxReplyDepth {
		t.Errorf("replies followed %d levels deep, want %d", depth, maxReplyDepth)
	}
}

func TestModified(t *testing.T) {
	tests := []struct {
		name string
		note Note
		want int64
	}{
		{"tmdate wins", Note{TMDate: 4, MDate: 3, TCDate: 2, CDate: 1}, 4},
		{"mdate next", Note{MDate: 3, TCDate: 2, CDate: 1}, 3},
		{"tcdate next", Note{TCDate: 2, CDate: 1}, 2},
		{"cdate last", Note{CDate: 1, PDate: 9}, 1},
		{"none", Note{PDate: 9, ODate: 8}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.note.Modified(); got != tt.want {
				t.Errorf("Modified() = %d, want %d", got, tt.want)
			}
		})
	}
}
