package openreviewtest

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorded returns the notes of a recorded sample, keyed by id.
func recorded(t *testing.T, file string) map[string]map[string]any {
	t.Helper()
	ns, err := sampleNotes(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, n := range ns {
		out[n["id"].(string)] = n
	}
	return out
}

// TestRecordedNotesServedAsRecorded fetches each recorded note from the fake
// and compares it with the recording, key sets first, then values.
func TestRecordedNotesServedAsRecorded(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	for _, tt := range []struct{ file, base string }{
		{"v2-iclr2024-notes-accepted.json", s.URL},
		{"v2-iclr2024-notes-withdrawn.json", s.URL},
		{"v1-iclr2022-notes-blind-listing.json", s.V1URL},
		{"v1-iclr2020-forum-with-decision.json", s.V1URL},
	} {
		for id, want := range recorded(t, tt.file) {
			got := get(t, tt.base+"/notes?id="+url.QueryEscape(id), tok).notes(t)[0]
			if diff := cmp.Diff(keys(want), keys(got)); diff != "" {
				t.Errorf("%s %s: top-level keys (-recorded +fake):\n%s", tt.file, id, diff)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %s: note (-recorded +fake):\n%s", tt.file, id, diff)
			}
		}
	}
}

// TestGeneratedShapesMatchRecordings compares the key sets of generated notes
// with the recorded note of the same kind.
func TestGeneratedShapesMatchRecordings(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	v2acc := recorded(t, "v2-iclr2024-notes-accepted.json")["rhgIgTSSxW"]
	v2wd := recorded(t, "v2-iclr2024-notes-withdrawn.json")["fMX07g3prp"]
	v1blind := recorded(t, "v1-iclr2022-notes-blind-listing.json")["g1SzIRLQXMM"]
	forum := recorded(t, "v1-iclr2020-forum-with-decision.json")
	// firstGenerated is the first listed note that is not a recording.
	firstGenerated := func(base, query string) map[string]any {
		t.Helper()
		for _, n := range get(t, base+"/notes?"+query, tok).notes(t) {
			if !fixedIDs[n["id"].(string)] {
				return n
			}
		}
		t.Fatalf("no generated note for %s", query)
		return nil
	}
	plus := func(m map[string]any, extra ...string) []string {
		return slices.Sorted(slices.Values(append(keys(m), extra...)))
	}
	tests := []struct {
		name string
		want []string
		got  map[string]any
	}{
		{"v2 accepted", keys(v2acc), firstGenerated(s.URL, "content.venueid=ICLR.cc/2024/Conference")},
		{"v2 withdrawn", keys(v2wd), firstGenerated(s.URL, "content.venueid=ICLR.cc/2024/Conference/Withdrawn_Submission")},
		{"v2 accepted with license", plus(v2acc, "license"), firstGenerated(s.URL, "content.venueid=ICLR.cc/2025/Conference")},
		{"v2 unified authors", plus(v2acc, "license"), firstGenerated(s.URL, "content.venueid=ICML.cc/2026/Conference")},
		{"v1 2022 accepted", keys(v1blind), firstGenerated(s.V1URL, "content.venue="+url.QueryEscape("ICLR 2022 Poster"))},
		{"v1 2020 submission", keys(forum["ryxyCeHtPB"]), acceptedICLR2020(t, s, tok)},
		{"v1 2020 decision", keys(forum["EE4Ml5hZtI"]), decisionReply(t, s, tok, acceptedICLR2020(t, s, tok)["id"].(string))},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, keys(tt.got)); diff != "" {
			t.Errorf("%s: keys of %s (-recorded +fake):\n%s", tt.name, tt.got["id"], diff)
		}
	}
}

// acceptedICLR2020 finds a generated accepted ICLR 2020 blind submission.
func acceptedICLR2020(t *testing.T, s *Server, tok string) map[string]any {
	t.Helper()
	for _, e := range s.Notes("ICLR.cc/2020/Conference") {
		if e.Status == "accepted" && !fixedIDs[e.ID] {
			return get(t, s.V1URL+"/notes?id="+e.ID, tok).notes(t)[0]
		}
	}
	t.Fatal("no generated accepted ICLR 2020 note")
	return nil
}

// decisionReply finds the decision in a v1 forum.
func decisionReply(t *testing.T, s *Server, tok, forum string) map[string]any {
	t.Helper()
	for _, n := range get(t, s.V1URL+"/notes?forum="+forum, tok).notes(t) {
		if strings.HasSuffix(n["invitation"].(string), "/-/Decision") {
			return n
		}
	}
	t.Fatalf("forum %s has no decision", forum)
	return nil
}

func TestGroupShapeMatchesRecording(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	smp, err := loadSample("v2-iclr2025-group-conference.json")
	if err != nil {
		t.Fatal(err)
	}
	rec := smp.Response.JSON["groups"].([]any)[0].(map[string]any)
	fetch := func(id string) map[string]any {
		return get(t, s.URL+"/groups?id="+url.QueryEscape(id), tok).object(t)["groups"].([]any)[0].(map[string]any)
	}
	got := fetch("ICLR.cc/2025/Conference")
	// The recording was trimmed of web, members and invitations.
	gotKeys := slices.DeleteFunc(keys(got), func(k string) bool { return k == "members" })
	if diff := cmp.Diff(keys(rec), gotKeys); diff != "" {
		t.Errorf("ICLR 2025 group keys (-recorded +fake):\n%s", diff)
	}
	if diff := cmp.Diff(rec["content"], got["content"]); diff != "" {
		t.Errorf("ICLR 2025 group content (-recorded +fake):\n%s", diff)
	}
	for _, id := range []string{"ICLR.cc/2024/Conference", "NeurIPS.cc/2024/Conference", "ICML.cc/2026/Conference"} {
		g := fetch(id)
		if diff := cmp.Diff(keys(got), keys(g)); diff != "" {
			t.Errorf("%s keys (-ICLR 2025 +%s):\n%s", id, id, diff)
		}
		if diff := cmp.Diff(keys(rec["content"].(map[string]any)), keys(g["content"].(map[string]any))); diff != "" {
			t.Errorf("%s content keys (-recorded +fake):\n%s", id, diff)
		}
	}
}

func TestHeadersMatchRecording(t *testing.T) {
	s := small(t, Options{})
	smp, err := loadSample("v2-iclr2024-notes-accepted.json")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(smp.Request.URL)
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, s.URL+"/notes?"+u.RawQuery, s.IssueToken())
	for k := range smp.Response.Headers {
		if r.header.Get(k) == "" {
			t.Errorf("header %s missing", k)
		}
	}
	if diff := cmp.Diff(keys(smp.Response.JSON), keys(r.object(t))); diff != "" {
		t.Errorf("response keys for %s (-recorded +fake):\n%s", u.RawQuery, diff)
	}
	if !strings.HasPrefix(smp.Request.URL, "https://api2.openreview.net/notes?") {
		t.Errorf("sample URL %s", smp.Request.URL)
	}
}
