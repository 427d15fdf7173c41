package openreview

import (
	"encoding/json"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// v2Conference is a v2 conference venue as ResolveVenue gives it.
func v2Conference(id, label string, year int) VenueInfo {
	return VenueInfo{
		Venue: paper.Venue{ID: id, Label: label, Year: year, APIVersion: 2},
		StatusVenueIDs: map[paper.Status]string{
			paper.StatusAccepted:     id,
			paper.StatusUnderReview:  id + "/Submission",
			paper.StatusRejected:     id + "/Rejected_Submission",
			paper.StatusWithdrawn:    id + "/Withdrawn_Submission",
			paper.StatusDeskRejected: id + "/Desk_Rejected_Submission",
		},
	}
}

// v1VenueInfo builds a v1 venue; v1 venues carry no per-status venue ids.
func v1VenueInfo(id, label string, year int) VenueInfo {
	return VenueInfo{Venue: paper.Venue{ID: id, Label: label, Year: year, APIVersion: 1}}
}

var (
	nvTmlrVenue = VenueInfo{
		Venue: paper.Venue{ID: "TMLR", Label: "TMLR", Title: "Transactions on Machine Learning Research", APIVersion: 2},
		StatusVenueIDs: map[paper.Status]string{
			paper.StatusAccepted: "TMLR", paper.StatusUnderReview: "TMLR/Under_Review", paper.StatusRejected: "TMLR/Rejected",
			paper.StatusWithdrawn: "TMLR/Withdrawn_Submission", paper.StatusDeskRejected: "TMLR/Desk_Rejected",
		},
	}
	nvIclr2025    = v2Conference("ICLR.cc/2025/Conference", "ICLR 2025", 2025)
	nvNeurips2024 = v2Conference("NeurIPS.cc/2024/Conference", "NeurIPS 2024", 2024)
	nvNeuripsDB   = v2Conference("NeurIPS.cc/2024/Datasets_and_Benchmarks_Track", "NeurIPS 2024 D&B", 2024)
	nvIcml2023    = v2Conference("ICML.cc/2023/Conference", "ICML 2023", 2023)
	nvIcml2025    = v2Conference("ICML.cc/2025/Conference", "ICML 2025", 2025)
	nvIcml2026    = v2Conference("ICML.cc/2026/Conference", "ICML 2026", 2026)
	// A venue whose group names its ids differently from the defaults.
	nvOddNames = VenueInfo{
		Venue:          paper.Venue{ID: "Odd.org/2025/Conference", Label: "Odd 2025", Year: 2025, APIVersion: 2},
		StatusVenueIDs: map[paper.Status]string{paper.StatusRejected: "Odd.org/2025/Conference/Not_Accepted"},
	}
	// Without per-status ids only the suffix rules can decide.
	nvBare2024 = VenueInfo{Venue: paper.Venue{ID: "ICLR.cc/2024/Conference", Label: "ICLR 2024", Year: 2024, APIVersion: 2}}

	nvIclr2013    = v1VenueInfo("ICLR.cc/2013/conference", "ICLR 2013", 2013)
	nvIclr2017    = v1VenueInfo("ICLR.cc/2017/conference", "ICLR 2017", 2017)
	nvIclr2018    = v1VenueInfo("ICLR.cc/2018/Conference", "ICLR 2018", 2018)
	nvIclr2019    = v1VenueInfo("ICLR.cc/2019/Conference", "ICLR 2019", 2019)
	nvIclr2021    = v1VenueInfo("ICLR.cc/2021/Conference", "ICLR 2021", 2021)
	nvIclr2023    = v1VenueInfo("ICLR.cc/2023/Conference", "ICLR 2023", 2023)
	nvNeurips2021 = v1VenueInfo("NeurIPS.cc/2021/Conference", "NeurIPS 2021", 2021)
	nvNeurips2022 = v1VenueInfo("NeurIPS.cc/2022/Conference", "NeurIPS 2022", 2022)
)

// replySpec is a decision-like replySpec: its invitation and content.
type replySpec struct {
	inv     string
	content map[string]string
}

// statusNote builds a note of the given API version with string content
// and replies under details.directReplies, parsed from JSON.
func statusNote(t *testing.T, version int, content map[string]string, replies ...replySpec) Note {
	t.Helper()
	wrap := func(c map[string]string) map[string]any {
		out := map[string]any{}
		for k, v := range c {
			if version == 2 {
				out[k] = map[string]any{"value": v}
			} else {
				out[k] = v
			}
		}
		return out
	}
	note := map[string]any{"id": "S", "forum": "S", "content": wrap(content)}
	if version == 2 {
		note["version"] = 2
		note["invitations"] = []string{"X/-/Submission"}
	}
	var rs []any
	for i, r := range replies {
		rn := map[string]any{"id": "R" + string(rune('a'+i)), "forum": "S", "replyto": "S", "content": wrap(r.content)}
		if version == 2 {
			rn["version"], rn["invitations"] = 2, []string{r.inv, "X/-/Edit"}
		} else {
			rn["invitation"] = r.inv
		}
		rs = append(rs, rn)
	}
	if rs != nil {
		note["details"] = map[string]any{"directReplies": rs}
	}
	b, err := json.Marshal(note)
	if err != nil {
		t.Fatal(err)
	}
	return parseOne(t, string(b))
}

type statusCase struct {
	name     string
	version  int
	venue    VenueInfo
	listing  paper.Status // Listing.Status
	content  map[string]string
	replies  []replySpec
	want     paper.Status
	wantPres paper.Presentation
}

func runStatusCases(t *testing.T, tests []statusCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := statusNote(t, tt.version, tt.content, tt.replies...)
			p := Normalize(n, tt.venue, Listing{Name: "x", APIVersion: tt.version, Status: tt.listing})
			if p.Status != tt.want || p.Presentation != tt.wantPres {
				t.Errorf("status = %q/%q, want %q/%q", p.Status, p.Presentation, tt.want, tt.wantPres)
			}
		})
	}
}

func venueContent(venueid, venue string) map[string]string {
	return map[string]string{"venueid": venueid, "venue": venue}
}

func TestStatusV2(t *testing.T) {
	const (
		acc = paper.StatusAccepted
		rej = paper.StatusRejected
		wd  = paper.StatusWithdrawn
		dr  = paper.StatusDeskRejected
		ur  = paper.StatusUnderReview
	)
	runStatusCases(t, []statusCase{
		{"ICLR oral", 2, nvIclr2025, "", venueContent("ICLR.cc/2025/Conference", "ICLR 2025 Oral"), nil, acc, paper.PresentationOral},
		{"ICLR spotlight", 2, nvIclr2025, "", venueContent("ICLR.cc/2025/Conference", "ICLR 2025 Spotlight"), nil, acc, paper.PresentationSpotlight},
		{"ICLR lower-case poster", 2, nvIclr2024, "", venueContent("ICLR.cc/2024/Conference", "ICLR 2024 poster"), nil, acc, paper.PresentationPoster},
		{"ICLR rejected", 2, nvIclr2025, "", venueContent("ICLR.cc/2025/Conference/Rejected_Submission", "Submitted to ICLR 2025"), nil, rej, ""},
		{"ICLR withdrawn", 2, nvIclr2024, "", venueContent("ICLR.cc/2024/Conference/Withdrawn_Submission", "ICLR 2024 Conference Withdrawn Submission"), nil, wd, ""},
		{"ICLR desk rejected", 2, nvIclr2024, "", venueContent("ICLR.cc/2024/Conference/Desk_Rejected_Submission", "ICLR 2024 Conference Desk Rejected Submission"), nil, dr, ""},
		{"ICLR under review", 2, nvIclr2025, "", venueContent("ICLR.cc/2025/Conference/Submission", "ICLR 2025 Conference Submission"), nil, ur, ""},
		{"venue string does not override venueid", 2, nvIclr2025, "", venueContent("ICLR.cc/2025/Conference/Rejected_Submission", "ICLR 2025 Oral"), nil, rej, ""},
		{"group-named id", 2, nvOddNames, "", venueContent("Odd.org/2025/Conference/Not_Accepted", ""), nil, rej, ""},
		{"suffix rejected", 2, nvBare2024, "", venueContent("ICLR.cc/2024/Conference/Rejected_Submission", ""), nil, rej, ""},
		{"suffix withdrawn", 2, nvBare2024, "", venueContent("ICLR.cc/2024/Conference/Withdrawn_Submission", ""), nil, wd, ""},
		{"suffix desk rejected", 2, nvBare2024, "", venueContent("ICLR.cc/2024/Conference/Desk_Rejected_Submission", ""), nil, dr, ""},
		{"suffix submission", 2, nvBare2024, "", venueContent("ICLR.cc/2024/Conference/Submission", ""), nil, ur, ""},
		{"bare id accepted", 2, nvBare2024, "", venueContent("ICLR.cc/2024/Conference", "ICLR 2024 Oral"), nil, acc, paper.PresentationOral},
		{"own process stage", 2, nvBare2024, "", venueContent("ICLR.cc/2024/Conference/Some_Stage", ""), nil, ur, ""},
		{"listing wins", 2, nvIclr2024, wd, venueContent("ICLR.cc/2024/Conference", "ICLR 2024 poster"), nil, wd, ""},
		{"listing accepted keeps presentation", 2, nvIclr2024, acc, venueContent("ICLR.cc/2024/Conference", "ICLR 2024 spotlight"), nil, acc, paper.PresentationSpotlight},

		{"TMLR accepted", 2, nvTmlrVenue, "", venueContent("TMLR", "Accepted by TMLR"), nil, acc, ""},
		{"TMLR rejected", 2, nvTmlrVenue, "", venueContent("TMLR/Rejected", "Rejected by TMLR"), nil, rej, ""},
		{"TMLR desk rejected", 2, nvTmlrVenue, "", venueContent("TMLR/Desk_Rejected", "Desk rejected by TMLR"), nil, dr, ""},
		{"TMLR withdrawn", 2, nvTmlrVenue, "", venueContent("TMLR/Withdrawn_Submission", "Withdrawn by Authors"), nil, wd, ""},
		{"TMLR retracted", 2, nvTmlrVenue, "", venueContent("TMLR/Retracted_Acceptance", "Retracted by Authors"), nil, wd, ""},
		{"TMLR under review", 2, nvTmlrVenue, "", venueContent("TMLR/Under_Review", "Under review for TMLR"), nil, ur, ""},
		{"TMLR submitted", 2, nvTmlrVenue, "", venueContent("TMLR/Submitted", "Submitted to TMLR"), nil, ur, ""},
		{"TMLR decision pending", 2, nvTmlrVenue, "", venueContent("TMLR/Decision_Pending", "Decision pending for TMLR"), nil, ur, ""},
		{"TMLR assigning AE", 2, nvTmlrVenue, "", venueContent("TMLR/Assigning_AE", ""), nil, ur, ""},

		{"NeurIPS spotlight", 2, nvNeurips2024, "", venueContent("NeurIPS.cc/2024/Conference", "NeurIPS 2024 spotlight"), nil, acc, paper.PresentationSpotlight},
		{"NeurIPS oral", 2, nvNeurips2024, "", venueContent("NeurIPS.cc/2024/Conference", "NeurIPS 2024 oral"), nil, acc, paper.PresentationOral},
		{"NeurIPS opt-in rejected", 2, nvNeurips2024, "", venueContent("NeurIPS.cc/2024/Conference/Rejected_Submission", "Submitted to NeurIPS 2024"), nil, rej, ""},
		{"NeurIPS D&B oral", 2, nvNeuripsDB, "", venueContent("NeurIPS.cc/2024/Datasets_and_Benchmarks_Track", "NeurIPS 2024 Track Datasets and Benchmarks Oral"), nil, acc, paper.PresentationOral},
		{"ICML OralPoster", 2, nvIcml2023, "", venueContent("ICML.cc/2023/Conference", "ICML 2023 OralPoster"), nil, acc, paper.PresentationOral},
		{"ICML spotlightposter", 2, nvIcml2025, "", venueContent("ICML.cc/2025/Conference", "ICML 2025 spotlightposter"), nil, acc, paper.PresentationSpotlight},
		{"ICML regular", 2, nvIcml2026, "", venueContent("ICML.cc/2026/Conference", "ICML 2026 regular"), nil, acc, ""},

		{"no venueid, decision replySpec", 2, nvIclr2025, "", nil, []replySpec{{"ICLR.cc/2025/Conference/Submission5/-/Decision", map[string]string{"decision": "Accept (Poster)"}}}, acc, paper.PresentationPoster},
		{"no venueid, reject replySpec", 2, nvIclr2025, "", nil, []replySpec{{"ICLR.cc/2025/Conference/Submission5/-/Decision", map[string]string{"decision": "Reject"}}}, rej, ""},
		{"no venueid, no evidence", 2, nvIclr2025, "", map[string]string{"title": "T"}, nil, ur, ""},
		{"foreign venueid, venue string", 2, nvIclr2025, "", venueContent("Elsewhere/2025/Workshop/X", "Submitted to ICLR 2025"), nil, rej, ""},
	})
}

func TestStatusV1(t *testing.T) {
	const (
		acc = paper.StatusAccepted
		rej = paper.StatusRejected
		wd  = paper.StatusWithdrawn
		dr  = paper.StatusDeskRejected
		ur  = paper.StatusUnderReview
	)
	dec := func(inv, key, value string) []replySpec { return []replySpec{{inv, map[string]string{key: value}}} }
	const (
		acc2018  = "ICLR.cc/2018/Conference/-/Acceptance_Decision"
		meta2019 = "ICLR.cc/2019/Conference/-/Paper12/Meta_Review"
		dec2020  = "ICLR.cc/2020/Conference/Paper12/-/Decision"
		dec2021  = "ICLR.cc/2021/Conference/Paper12/-/Decision"
	)
	runStatusCases(t, []statusCase{
		{"2013 oral", 1, nvIclr2013, "", map[string]string{"decision": "conferenceOral-iclr2013-conference"}, nil, acc, paper.PresentationOral},
		{"2013 poster", 1, nvIclr2013, "", map[string]string{"decision": "conferencePoster-iclr2013-conference"}, nil, acc, paper.PresentationPoster},
		{"2013 reject", 1, nvIclr2013, "", map[string]string{"decision": "reject"}, nil, rej, ""},
		{"2013 workshop only", 1, nvIclr2013, "", map[string]string{"decision": "conferencePoster-iclr2013-workshop"}, nil, rej, ""},
		{"2013 no decision", 1, nvIclr2013, "", map[string]string{"title": "T"}, nil, ur, ""},

		{"2017 oral", 1, nvIclr2017, "", venueContent("ICLR.cc/2017/conference", "ICLR 2017 Oral"), nil, acc, paper.PresentationOral},
		{"2017 poster", 1, nvIclr2017, "", venueContent("ICLR.cc/2017/conference", "ICLR 2017 Poster"), nil, acc, paper.PresentationPoster},
		{"2017 invite to workshop", 1, nvIclr2017, "", venueContent("ICLR.cc/2017/conference", "ICLR 2017 Invite to Workshop"), nil, rej, ""},
		{"2017 submitted, bare venueid is no evidence", 1, nvIclr2017, "", venueContent("ICLR.cc/2017/conference", "Submitted to ICLR 2017"), nil, rej, ""},

		{"2018 oral", 1, nvIclr2018, "", nil, dec(acc2018, "decision", "Accept (Oral)"), acc, paper.PresentationOral},
		{"2018 poster", 1, nvIclr2018, "", nil, dec(acc2018, "decision", "Accept (Poster)"), acc, paper.PresentationPoster},
		{"2018 invite to workshop", 1, nvIclr2018, "", nil, dec(acc2018, "decision", "Invite to Workshop Track"), rej, ""},
		{"2018 reject", 1, nvIclr2018, "", nil, dec(acc2018, "decision", "Reject"), rej, ""},
		{"2018 withdrawn listing", 1, nvIclr2018, wd, nil, nil, wd, ""},

		{"2019 meta-review accept", 1, nvIclr2019, "", nil, dec(meta2019, "recommendation", "Accept (Poster)"), acc, paper.PresentationPoster},
		{"2019 meta-review reject", 1, nvIclr2019, "", nil, dec(meta2019, "recommendation", "Reject"), rej, ""},
		{"decision outranks meta-review", 1, nvIclr2019, "", nil, []replySpec{
			{meta2019, map[string]string{"recommendation": "Accept (Oral)"}},
			{"ICLR.cc/2019/Conference/-/Paper12/Decision", map[string]string{"decision": "Reject"}},
		}, rej, ""},
		{"comments are no evidence", 1, nvIclr2019, "", nil, dec("ICLR.cc/2019/Conference/-/Paper12/Official_Comment", "decision", "Accept"), ur, ""},

		{"2020 talk", 1, nvIclr2020, "", nil, dec(dec2020, "decision", "Accept (Talk)"), acc, paper.PresentationOral},
		{"2020 spotlight", 1, nvIclr2020, "", nil, dec(dec2020, "decision", "Accept (Spotlight)"), acc, paper.PresentationSpotlight},
		{"2020 reject", 1, nvIclr2020, "", nil, dec(dec2020, "decision", "Reject"), rej, ""},
		{"2020 desk rejected listing", 1, nvIclr2020, dr, nil, nil, dr, ""},

		{"2021 accepted venue", 1, nvIclr2021, "", venueContent("ICLR.cc/2021/Conference", "ICLR 2021 Spotlight"), nil, acc, paper.PresentationSpotlight},
		{"2021 rejected by decision", 1, nvIclr2021, "", nil, dec(dec2021, "decision", "Reject"), rej, ""},
		{"2021 withdrawn twin with poster venue", 1, nvIclr2021, wd, venueContent("ICLR.cc/2021/Conference", "ICLR 2021 Poster"), nil, wd, ""},

		{"2022 oral", 1, nvIclr2022, "", venueContent("ICLR.cc/2022/Conference", "ICLR 2022 Oral"), nil, acc, paper.PresentationOral},
		{"2022 submitted with bare venueid", 1, nvIclr2022, "", venueContent("ICLR.cc/2022/Conference", "ICLR 2022 Submitted"), nil, rej, ""},
		{"venueid alone is no evidence", 1, nvIclr2022, "", venueContent("ICLR.cc/2022/Conference", ""), nil, ur, ""},

		{"2023 notable top 5%", 1, nvIclr2023, "", venueContent("ICLR.cc/2023/Conference", "ICLR 2023 notable top 5%"), nil, acc, paper.PresentationOral},
		{"2023 notable top 25%", 1, nvIclr2023, "", venueContent("ICLR.cc/2023/Conference", "ICLR 2023 notable top 25%"), nil, acc, paper.PresentationSpotlight},
		{"2023 poster", 1, nvIclr2023, "", venueContent("ICLR.cc/2023/Conference", "ICLR 2023 poster"), nil, acc, paper.PresentationPoster},
		{"2023 submitted to", 1, nvIclr2023, "", venueContent("ICLR.cc/2023/Conference", "Submitted to ICLR 2023"), nil, rej, ""},
		{"2023 withdrawn, empty venue", 1, nvIclr2023, wd, venueContent("", ""), nil, wd, ""},

		{"NeurIPS 2021 oral", 1, nvNeurips2021, "", venueContent("NeurIPS.cc/2021/Conference", "NeurIPS 2021 Oral"), nil, acc, paper.PresentationOral},
		{"NeurIPS 2021 submitted", 1, nvNeurips2021, "", venueContent("NeurIPS.cc/2021/Conference", "NeurIPS 2021 Submitted"), nil, rej, ""},
		{"NeurIPS 2022 accept", 1, nvNeurips2022, "", venueContent("NeurIPS.cc/2022/Conference", "NeurIPS 2022 Accept"), nil, acc, ""},
		{"no evidence", 1, nvNeurips2022, "", map[string]string{"title": "T"}, nil, ur, ""},
	})
}

func TestPresentation(t *testing.T) {
	tests := []struct {
		in   string
		want paper.Presentation
	}{
		{"ICLR 2025 Oral", paper.PresentationOral},
		{"NeurIPS 2024 oral", paper.PresentationOral},
		{"Accept (Talk)", paper.PresentationOral},
		{"ICLR 2023 notable top 5%", paper.PresentationOral},
		{"ICML 2023 OralPoster", paper.PresentationOral},
		{"conferenceOral-iclr2013-conference", paper.PresentationOral},
		{"ICLR 2025 Spotlight", paper.PresentationSpotlight},
		{"ICLR 2023 notable top 25%", paper.PresentationSpotlight},
		{"ICML 2025 spotlightposter", paper.PresentationSpotlight},
		{"Accept (Spotlight)", paper.PresentationSpotlight},
		{"ICLR 2024 poster", paper.PresentationPoster},
		{"Accept (Poster)", paper.PresentationPoster},
		{"conferencePoster-iclr2013-conference", paper.PresentationPoster},
		{"ICML 2026 regular", ""},
		{"Accepted by TMLR", ""},
		{"NeurIPS 2022 Accept", ""},
		{"Workshop on Moral Machines", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := presentationOf(tt.in); got != tt.want {
				t.Errorf("presentationOf(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	// The first text that names a presentation wins.
	if got := presentationOf("ICML 2026 regular", "Accept (Oral)"); got != paper.PresentationOral {
		t.Errorf("presentationOf falls back to %q, want oral", got)
	}
}
