package openreview

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// recorded is a recorded exchange from testdata: the answer's headers and
// JSON body.
type recorded struct {
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		JSON    json.RawMessage   `json:"json"`
	} `json:"response"`
}

func loadRecorded(t *testing.T, name string) recorded {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var r recorded
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// groupsAPI answers GET /groups?id= from a table of id -> answer; unknown
// ids get OpenReview's 404.
func groupsAPI(t *testing.T, groups map[string]recorded) *fakeAPI {
	return &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path != "/groups" {
			t.Errorf("unexpected request %s", r.URL)
		}
		id := r.URL.Query().Get("id")
		g, ok := groups[id]
		if !ok {
			writeJSON(w, 404, `{"name":"NotFoundError","message":"The Group `+id+` was not found (2026-09-27-1)","status":404}`)
			return
		}
		for k, v := range g.Response.Headers {
			w.Header().Set(k, v)
		}
		writeJSON(w, g.Response.Status, string(g.Response.JSON))
	}}
}

// answer is a synthetic 200 answer with this JSON body.
func answer(body string) recorded {
	var r recorded
	r.Response.Status = 200
	r.Response.JSON = json.RawMessage(body)
	return r
}

// group is a synthetic /groups answer holding one group.
func group(g string) recorded { return answer(`{"groups":[` + g + `],"count":1}`) }

// newGroupsFixture serves groups on the v2 host; the v1 host fails any
// request, since groups must always come from v2.
func newGroupsFixture(t *testing.T, groups map[string]recorded) *fixture {
	v1 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request to the v1 host: %s", r.URL)
		w.WriteHeader(500)
	}))
	t.Cleanup(v1.Close)
	return newFixture(t, groupsAPI(t, groups), Config{V1BaseURL: v1.URL})
}

var (
	resolvedICLR2025 = VenueInfo{
		Venue: paper.Venue{
			ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Year: 2025, APIVersion: 2,
			Title: "The Thirteenth International Conference on Learning Representations",
		},
		SubmissionInvitation: "ICLR.cc/2025/Conference/-/Submission",
		StatusVenueIDs: map[paper.Status]string{
			paper.StatusAccepted:     "ICLR.cc/2025/Conference",
			paper.StatusUnderReview:  "ICLR.cc/2025/Conference/Submission",
			paper.StatusRejected:     "ICLR.cc/2025/Conference/Rejected_Submission",
			paper.StatusWithdrawn:    "ICLR.cc/2025/Conference/Withdrawn_Submission",
			paper.StatusDeskRejected: "ICLR.cc/2025/Conference/Desk_Rejected_Submission",
		},
	}
	resolvedICLR2020 = VenueInfo{
		Venue: paper.Venue{ID: "ICLR.cc/2020/Conference", Label: "ICLR 2020", Year: 2020, APIVersion: 1},
		V1Invitations: []string{
			"ICLR.cc/2020/Conference/-/Blind_Submission",
			"ICLR.cc/2020/Conference/-/Withdrawn_Submission",
			"ICLR.cc/2020/Conference/-/Desk_Rejected_Submission",
		},
	}
	resolvedICLR2017 = VenueInfo{
		Venue:         paper.Venue{ID: "ICLR.cc/2017/conference", Label: "ICLR 2017", Year: 2017, APIVersion: 1},
		V1Invitations: []string{"ICLR.cc/2017/conference/-/submission"},
	}
	resolvedTMLR = VenueInfo{
		Venue:                paper.Venue{ID: "TMLR", Label: "TMLR", Title: "Transactions on Machine Learning Research", APIVersion: 2},
		SubmissionInvitation: "TMLR/-/Submission",
		StatusVenueIDs: map[paper.Status]string{
			paper.StatusAccepted:     "TMLR",
			paper.StatusUnderReview:  "TMLR/Under_Review",
			paper.StatusRejected:     "TMLR/Rejected",
			paper.StatusWithdrawn:    "TMLR/Withdrawn_Submission",
			paper.StatusDeskRejected: "TMLR/Desk_Rejected",
		},
	}
	// A v2 track whose group lacks a subtitle and most status keys.
	resolvedNeurIPSDB = VenueInfo{
		Venue:                paper.Venue{ID: "NeurIPS.cc/2024/Datasets_and_Benchmarks_Track", Label: "NeurIPS 2024 Datasets and Benchmarks Track", Year: 2024, APIVersion: 2},
		SubmissionInvitation: "NeurIPS.cc/2024/Datasets_and_Benchmarks_Track/-/Submission",
		StatusVenueIDs: map[paper.Status]string{
			paper.StatusAccepted:     "NeurIPS.cc/2024/Datasets_and_Benchmarks_Track",
			paper.StatusUnderReview:  "NeurIPS.cc/2024/Datasets_and_Benchmarks_Track/Submission",
			paper.StatusRejected:     "NeurIPS.cc/2024/Datasets_and_Benchmarks_Track/Rejected_Submission",
			paper.StatusWithdrawn:    "NeurIPS.cc/2024/Datasets_and_Benchmarks_Track/Withdrawn",
			paper.StatusDeskRejected: "NeurIPS.cc/2024/Datasets_and_Benchmarks_Track/Desk_Rejected_Submission",
		},
	}
)

func TestResolveVenue(t *testing.T) {
	groups := map[string]recorded{
		"ICLR.cc/2025/Conference": loadRecorded(t, "v2-iclr2025-group-conference.json"),
		"ICLR.cc/2020/Conference": group(`{"id":"ICLR.cc/2020/Conference","domain":null,"content":null,"web":"// legacy webfield"}`),
		"ICLR.cc/2017/conference": group(`{"id":"ICLR.cc/2017/conference","content":null}`),
		"TMLR": group(`{"id":"TMLR","domain":"TMLR","content":{"title":{"value":"Transactions on Machine Learning Research"},` +
			`"submission_name":{"value":"Submission"},"website":{"value":"https://jmlr.org/tmlr"}}}`),
		"NeurIPS.cc/2024/Datasets_and_Benchmarks_Track": group(`{"id":"NeurIPS.cc/2024/Datasets_and_Benchmarks_Track",` +
			`"domain":"NeurIPS.cc/2024/Datasets_and_Benchmarks_Track","content":{"withdrawn_venue_id":{"value":"NeurIPS.cc/2024/Datasets_and_Benchmarks_Track/Withdrawn"},"subtitle":{"value":""}}}`),
		"ICLR.cc":                           group(`{"id":"ICLR.cc","domain":"OpenReview.net","content":{}}`),
		"ICLR.cc/2025/Conference/Reviewers": group(`{"id":"ICLR.cc/2025/Conference/Reviewers","domain":"ICLR.cc/2025/Conference","content":{}}`),
		"Empty/2024/Conference":             answer(`{"groups":[],"count":0}`),
	}
	for _, tc := range []struct {
		id       string
		want     VenueInfo
		wantIs   error
		wantText string
	}{
		{id: "ICLR.cc/2025/Conference", want: resolvedICLR2025},
		{id: "ICLR.cc/2020/Conference", want: resolvedICLR2020},
		{id: "ICLR.cc/2017/conference", want: resolvedICLR2017},
		{id: "TMLR", want: resolvedTMLR},
		{id: "NeurIPS.cc/2024/Datasets_and_Benchmarks_Track", want: resolvedNeurIPSDB},
		{id: "ICLR.cc", wantIs: paper.ErrInvalid, wantText: "ICLR.cc is not a venue"},
		{id: "ICLR.cc/2025/Conference/Reviewers", wantIs: paper.ErrInvalid, wantText: "ICLR.cc/2025/Conference/Reviewers is not a venue but a group inside venue ICLR.cc/2025/Conference"},
		{id: "ICLR.cc/2015/Conference", wantIs: paper.ErrNotFound, wantText: "venue ICLR.cc/2015/Conference not found on OpenReview"},
		{id: "Empty/2024/Conference", wantIs: paper.ErrNotFound, wantText: "venue Empty/2024/Conference not found on OpenReview"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			f := newGroupsFixture(t, groups)
			got, err := f.client.ResolveVenue(t.Context(), tc.id)
			if tc.wantIs != nil {
				if !errors.Is(err, tc.wantIs) || !strings.HasPrefix(err.Error(), tc.wantText) {
					t.Fatalf("ResolveVenue: got %v, want %v starting %q", err, tc.wantIs, tc.wantText)
				}
				noSecrets(t, "error", err.Error())
				return
			}
			if err != nil {
				t.Fatalf("ResolveVenue: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("VenueInfo (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"/groups?id=" + url.QueryEscape(tc.id)}, f.api.paths); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeriveLabel(t *testing.T) {
	for _, tc := range []struct {
		id        string
		wantLabel string
		wantYear  int
	}{
		{"ICLR.cc/2025/Conference", "ICLR 2025", 2025},
		{"NeurIPS.cc/2024/Datasets_and_Benchmarks_Track", "NeurIPS 2024 Datasets and Benchmarks Track", 2024},
		{"NeurIPS.cc/2023/Track/Datasets_and_Benchmarks", "NeurIPS 2023 Track Datasets and Benchmarks", 2023},
		{"ICML.cc/2025/Position_Paper_Track", "ICML 2025 Position Paper Track", 2025},
		{"ICLR.cc/2017/conference", "ICLR 2017", 2017},
		{"ICLR.cc/2014/workshop", "ICLR 2014 workshop", 2014},
		{"ICLR.cc/2024/Workshop/ME-FoMo", "ICLR 2024 Workshop ME-FoMo", 2024},
		{"TMLR", "TMLR", 0},
		{"thecvf.com/ECCV/2024/Workshop/Name_2024", "thecvf.com 2024 ECCV Workshop Name 2024", 2024},
		{"", "", 0},
	} {
		t.Run(tc.id, func(t *testing.T) {
			if got := deriveLabel(tc.id); got != tc.wantLabel {
				t.Errorf("deriveLabel(%q) = %q, want %q", tc.id, got, tc.wantLabel)
			}
			if got := yearOf(tc.id); got != tc.wantYear {
				t.Errorf("yearOf(%q) = %d, want %d", tc.id, got, tc.wantYear)
			}
		})
	}
}

func TestListings(t *testing.T) {
	v1Params := func(inv string) url.Values {
		return url.Values{"invitation": {inv}, "details": {"directReplies"}}
	}
	blind2020 := Listing{Name: "blind", APIVersion: 1, Params: v1Params("ICLR.cc/2020/Conference/-/Blind_Submission")}
	for _, tc := range []struct {
		name  string
		venue VenueInfo
		all   bool
		want  []Listing
	}{
		{"v2 accepted", resolvedICLR2025, false, []Listing{{
			Name: "accepted", APIVersion: 2,
			Params: url.Values{"content.venueid": {"ICLR.cc/2025/Conference"}, "domain": {"ICLR.cc/2025/Conference"}},
		}}},
		{"v2 all", resolvedICLR2025, true, []Listing{{
			Name: "all", APIVersion: 2,
			Params: url.Values{
				"content.venueid": {"ICLR.cc/2025/Conference,ICLR.cc/2025/Conference/Submission,ICLR.cc/2025/Conference/Rejected_Submission," +
					"ICLR.cc/2025/Conference/Withdrawn_Submission,ICLR.cc/2025/Conference/Desk_Rejected_Submission"},
				"domain": {"ICLR.cc/2025/Conference"},
			},
		}}},
		{"journal accepted", resolvedTMLR, false, []Listing{{
			Name: "accepted", APIVersion: 2, Params: url.Values{"content.venueid": {"TMLR"}},
		}}},
		{"journal all", resolvedTMLR, true, []Listing{{
			Name: "all", APIVersion: 2,
			Params: url.Values{"content.venueid": {"TMLR,TMLR/Under_Review,TMLR/Rejected,TMLR/Withdrawn_Submission,TMLR/Desk_Rejected"}},
		}}},
		{"v1 accepted", resolvedICLR2020, false, []Listing{blind2020}},
		{"v1 all", resolvedICLR2020, true, []Listing{
			blind2020,
			{Name: "withdrawn", APIVersion: 1, Status: paper.StatusWithdrawn, Params: v1Params("ICLR.cc/2020/Conference/-/Withdrawn_Submission")},
			{Name: "desk-rejected", APIVersion: 1, Status: paper.StatusDeskRejected, Params: v1Params("ICLR.cc/2020/Conference/-/Desk_Rejected_Submission")},
		}},
		{"v1 lower-case style", resolvedICLR2017, true, []Listing{
			{Name: "submission", APIVersion: 1, Params: v1Params("ICLR.cc/2017/conference/-/submission")},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.venue.Listings(tc.all)); diff != "" {
				t.Errorf("Listings(%v) (-want +got):\n%s", tc.all, diff)
			}
		})
	}
}

func TestListingsParamsAreFresh(t *testing.T) {
	a := resolvedICLR2025.Listings(false)
	a[0].Params.Set("limit", "1000")
	if b := resolvedICLR2025.Listings(false); b[0].Params.Has("limit") {
		t.Errorf("Listings shares Params between calls: %v", b[0].Params)
	}
}

func TestVenueIDs(t *testing.T) {
	groups := map[string]recorded{
		"venues": group(`{"id":"venues","domain":null,"members":["ICLR.cc/2025/Conference","ICLR.cc/2017/conference","TMLR"]}`),
	}
	f := newGroupsFixture(t, groups)
	got, err := f.client.VenueIDs(t.Context())
	if err != nil {
		t.Fatalf("VenueIDs: %v", err)
	}
	if diff := cmp.Diff([]string{"ICLR.cc/2025/Conference", "ICLR.cc/2017/conference", "TMLR"}, got); diff != "" {
		t.Errorf("VenueIDs (-want +got):\n%s", diff)
	}
}

func TestGroupRaw(t *testing.T) {
	rec := loadRecorded(t, "v2-iclr2025-group-conference.json")
	f := newGroupsFixture(t, map[string]recorded{"ICLR.cc/2025/Conference": rec})
	raw, err := f.client.Group(t.Context(), "ICLR.cc/2025/Conference")
	if err != nil {
		t.Fatalf("Group: %v", err)
	}
	var page struct{ Groups []json.RawMessage }
	if err := json.Unmarshal(rec.Response.JSON, &page); err != nil {
		t.Fatal(err)
	}
	if string(raw) != string(page.Groups[0]) {
		t.Errorf("Group returned %s, want the recorded group verbatim", raw)
	}
	if _, err := f.client.Group(t.Context(), "Nope"); !errors.Is(err, paper.ErrNotFound) {
		t.Errorf("Group(unknown): got %v, want paper.ErrNotFound", err)
	}
}
