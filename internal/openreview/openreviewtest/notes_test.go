package openreviewtest

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const iclr25 = "ICLR.cc/2025/Conference"

// allStatuses is content.venueid for every status of ICLR 2025.
var allStatuses = strings.Join([]string{iclr25, iclr25 + "/Submission", iclr25 + "/Rejected_Submission",
	iclr25 + "/Withdrawn_Submission", iclr25 + "/Desk_Rejected_Submission"}, ",")

func expectedIDs(s *Server, venue string) []string {
	var ids []string
	for _, e := range s.Notes(venue) {
		ids = append(ids, e.ID)
	}
	return ids
}

func noteIDs(ns []map[string]any) []string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n["id"].(string)
	}
	return ids
}

func TestPagingAfterCursor(t *testing.T) {
	s := NewTB(t, Options{})
	tok := s.IssueToken()
	want := expectedIDs(s, iclr25)
	if len(want) != 2500 {
		t.Fatalf("%d expected notes, want the default scale 2500", len(want))
	}
	for _, q := range []url.Values{
		{"content.venueid": {allStatuses}, "count": {"true"}},
		{"invitation": {iclr25 + "/-/Submission"}, "domain": {iclr25}},
	} {
		var sizes []int
		var got []string
		after := ""
		for {
			page := url.Values{"sort": {"id"}, "limit": {"1000"}}
			for k, v := range q {
				page[k] = v
			}
			if after != "" {
				page.Set("after", after)
			}
			r := get(t, s.URL+"/notes?"+page.Encode(), tok)
			m := r.object(t)
			if c, ok := m["count"]; q.Has("count") && after == "" && c != float64(2500) {
				t.Errorf("first page count = %v (present %v), want 2500", c, ok)
			}
			ns := r.notes(t)
			sizes = append(sizes, len(ns))
			if len(ns) == 0 {
				break
			}
			got = append(got, noteIDs(ns)...)
			after = ns[len(ns)-1]["id"].(string)
		}
		if diff := cmp.Diff([]int{1000, 1000, 500, 0}, sizes); diff != "" {
			t.Errorf("page sizes (-want +got):\n%s", diff)
		}
		if !slices.IsSorted(got) {
			t.Error("sort=id pages are not in ascending id order")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ids seen (-want +got):\n%s", diff)
		}
	}
}

func TestPagingOffset(t *testing.T) {
	s := NewTB(t, Options{Scale: 1200})
	tok := s.IssueToken()
	var got []string
	var numbers []float64
	for offset := 0; ; offset += 500 {
		q := url.Values{"content.venueid": {allStatuses}, "sort": {"number:asc"}, "limit": {"500"}, "offset": {strconv.Itoa(offset)}}
		r := get(t, s.URL+"/notes?"+q.Encode(), tok)
		if c := r.object(t)["count"]; c != float64(1200) {
			t.Fatalf("offset %d: count = %v, want 1200", offset, c)
		}
		ns := r.notes(t)
		if len(ns) == 0 {
			break
		}
		for _, n := range ns {
			got = append(got, n["id"].(string))
			numbers = append(numbers, n["number"].(float64))
		}
	}
	if !slices.IsSorted(numbers) || len(slices.Compact(slices.Clone(numbers))) != len(numbers) {
		t.Error("numbers are not strictly ascending")
	}
	slices.Sort(got)
	if diff := cmp.Diff(expectedIDs(s, iclr25), got); diff != "" {
		t.Errorf("ids seen (-want +got):\n%s", diff)
	}
}

func TestCountPresence(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	tests := []struct {
		name, base, query string
		want              bool
	}{
		{"v2 plain", s.URL, "content.venueid=TMLR", false},
		{"v2 offset", s.URL, "content.venueid=TMLR&offset=0", true},
		{"v2 count=true", s.URL, "content.venueid=TMLR&count=true", true},
		{"v2 count=false with offset", s.URL, "content.venueid=TMLR&count=false&offset=0", false},
		{"v2 after", s.URL, "content.venueid=TMLR&sort=id&after=A", false},
		{"v1 plain", s.V1URL, "invitation=ICLR.cc/2017/conference/-/submission", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := get(t, tt.base+"/notes?"+tt.query, tok).object(t)
			if _, got := m["count"]; got != tt.want {
				t.Errorf("count present = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLimitOver1000(t *testing.T) {
	s := small(t, Options{})
	for _, base := range []string{s.URL, s.V1URL} {
		r := get(t, base+"/notes?content.venueid=TMLR&limit=1001", s.IssueToken())
		m := r.object(t)
		msg := regexp.MustCompile(`^limit must be <= 1000 \((\d{4}-\d\d-\d\d-\d+)\)$`).FindStringSubmatch(m["message"].(string))
		if r.status != 400 || msg == nil {
			t.Fatalf("%s: %d %s", base, r.status, r.body)
		}
		want := map[string]any{
			"name": "ValidationError", "message": m["message"], "status": float64(400),
			"details": map[string]any{"path": "limit", "comparison": "<=", "limit": float64(1000), "invalidValue": float64(1001), "reqId": msg[1]},
		}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Errorf("400 body (-want +got):\n%s", diff)
		}
	}
}

func TestBadParams(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	for _, q := range []string{"limit=ten", "offset=-1", "number=x", "mintcdate=soon", "sort=title", "sort=id:up"} {
		r := get(t, s.URL+"/notes?"+q, tok)
		if m := r.object(t); r.status != 400 || m["name"] != "ValidationError" {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
}

func TestWrongHost(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	r := get(t, s.V1URL+"/notes?content.venueid="+url.QueryEscape(iclr25), tok)
	if diff := cmp.Diff(map[string]any{"notes": []any{}, "count": float64(0)}, r.object(t)); diff != "" {
		t.Errorf("v2 venue on v1 (-want +got):\n%s", diff)
	}
	r = get(t, s.URL+"/notes?invitation="+url.QueryEscape("ICLR.cc/2022/Conference/-/Blind_Submission"), tok)
	if diff := cmp.Diff(map[string]any{"notes": []any{}}, r.object(t)); diff != "" {
		t.Errorf("v1 invitation on v2 (-want +got):\n%s", diff)
	}
	r = get(t, s.URL+"/notes?id=g1SzIRLQXMM", tok)
	m := r.object(t)
	if r.status != 404 || m["name"] != "NotFoundError" || !strings.HasPrefix(m["message"].(string), "The Note g1SzIRLQXMM was not found (") {
		t.Errorf("v1 id on v2: %d %s", r.status, r.body)
	}
	if r := get(t, s.V1URL+"/notes?id=g1SzIRLQXMM", tok); r.status != 200 || len(r.notes(t)) != 1 {
		t.Errorf("v1 id on v1: %d %.200s", r.status, r.body)
	}
}

func TestV1Invitations(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	r := get(t, s.V1URL+"/notes?invitation="+url.QueryEscape("ICLR.cc/2020/Conference/Paper.*/-/Decision"), tok)
	if m := r.object(t); r.status != 400 || !strings.HasPrefix(m["message"].(string), "invitation must be a prefix regex") {
		t.Errorf("regex invitation: %d %s", r.status, r.body)
	}
	count := func(inv string) float64 {
		return get(t, s.V1URL+"/notes?limit=0&invitation="+url.QueryEscape(inv), tok).object(t)["count"].(float64)
	}
	blind, wd, desk := count("ICLR.cc/2020/Conference/-/Blind_Submission"), count("ICLR.cc/2020/Conference/-/Withdrawn_Submission"), count("ICLR.cc/2020/Conference/-/Desk_Rejected_Submission")
	if blind == 0 || wd == 0 || desk == 0 || blind+wd+desk != 60 {
		t.Errorf("blind %v + withdrawn %v + desk %v, want 60 in all", blind, wd, desk)
	}
	if all := count("ICLR.cc/2020/Conference/-/.*"); all != 60 {
		t.Errorf("prefix regex count = %v, want 60", all)
	}
	if c := get(t, s.V1URL+"/notes?content.venueid=ICLR.cc/2022/Conference", tok).object(t)["count"]; c != count("ICLR.cc/2022/Conference/-/Blind_Submission") {
		t.Errorf("ICLR 2022 venueid matches %v notes, want every blind note (venueid lies)", c)
	}
	if c := get(t, s.V1URL+"/notes?content.venueid=ICLR.cc/2020/Conference", tok).object(t)["count"]; c != float64(0) {
		t.Errorf("ICLR 2020 venueid matches %v notes, want 0 (not populated)", c)
	}
}

func TestNoteFilters(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	forum := get(t, s.V1URL+"/notes?forum=ryxyCeHtPB", tok).notes(t)
	if diff := cmp.Diff([]string{"u4lGEyBWi5n", "EE4Ml5hZtI", "ryxyCeHtPB"}, noteIDs(forum)); diff != "" {
		t.Errorf("forum listing, newest first like the recording (-want +got):\n%s", diff)
	}
	tests := []struct {
		name, base, query string
		want              []string
	}{
		{"id", s.URL, "id=JoseMuller", []string{"JoseMuller"}},
		{"number", s.URL, "domain=ICLR.cc/2024/Conference&number=9502&invitation=ICLR.cc/2024/Conference/-/Submission", []string{"rhgIgTSSxW"}},
		{"content.title", s.URL, "content.title=" + url.QueryEscape("Holographic Attention: Phase Encoding for Efficient Long-Context Transformers"), []string{"JoseMuller"}},
		{"content list member", s.URL, "content.authorids=" + url.QueryEscape("~José_Müller1"), []string{"JoseMuller"}},
		{"paperhash", s.V1URL, "paperhash=synthetic|synthetic_title_15", []string{"g1SzIRLQXMM"}},
		{"replyto", s.V1URL, "replyto=ryxyCeHtPB&sort=id", []string{"EE4Ml5hZtI", "u4lGEyBWi5n"}},
		{"venueid alternatives", s.URL, "content.venueid=TMLR/Under_Review,TMLR/Withdrawn_Submission&select=id&sort=id", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := noteIDs(get(t, tt.base+"/notes?"+tt.query, tok).notes(t))
			if tt.want == nil {
				if len(got) != 5 {
					t.Errorf("got %d notes, want 2 under review + 3 withdrawn", len(got))
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMinTCDate(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	all := listAll(t, s.URL, tok, url.Values{"content.venueid": {"NeurIPS.cc/2024/Conference"}})
	var cut float64
	for _, n := range all {
		cut = max(cut, n["tcdate"].(float64))
	}
	got := get(t, s.URL+"/notes?content.venueid=NeurIPS.cc/2024/Conference&mintcdate="+strconv.FormatInt(int64(cut), 10), tok).notes(t)
	if len(got) != 1 || got[0]["tcdate"].(float64) != cut {
		t.Errorf("mintcdate=%v gave %d notes, want the newest only", cut, len(got))
	}
}

func TestSelectAndDetails(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	n := get(t, s.URL+"/notes?id=JoseMuller&select=id,content.venueid", tok).notes(t)[0]
	want := map[string]any{"id": "JoseMuller", "content": map[string]any{"venueid": map[string]any{"value": iclr25}}}
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("selected note (-want +got):\n%s", diff)
	}
	n = get(t, s.URL+"/notes?id=JoseMuller&details=directReplies,replyCount", tok).notes(t)[0]
	d := n["details"].(map[string]any)
	replies := d["directReplies"].([]any)
	if len(replies) != 1 || d["replyCount"] != float64(1) {
		t.Fatalf("details = %v", d)
	}
	dec := replies[0].(map[string]any)
	if value(dec["content"].(map[string]any), "decision") != "Accept (Poster)" ||
		!slices.Contains(strs(dec["invitations"]), iclr25+"/Submission3/-/Decision") {
		t.Errorf("decision reply = %v", dec)
	}
	v1 := get(t, s.V1URL+"/notes?id=ryxyCeHtPB&details=directReplies&select=id", tok).notes(t)[0]
	if got := len(v1["details"].(map[string]any)["directReplies"].([]any)); got != 2 {
		t.Errorf("v1 sample has %d direct replies, want 2 (decision, comment)", got)
	}
}

func TestSortOrders(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	for _, tt := range []struct{ sort, field string }{
		{"number:desc", "number"}, {"tmdate:desc", "tmdate"}, {"cdate:asc", "cdate"}, {"tmdate:asc", "tmdate"},
	} {
		ns := get(t, s.URL+"/notes?invitation=ICLR.cc/2024/Conference/-/Submission&sort="+tt.sort, tok).notes(t)
		var vals []float64
		for _, n := range ns {
			vals = append(vals, n[tt.field].(float64))
		}
		if strings.HasSuffix(tt.sort, "desc") {
			slices.Reverse(vals)
		}
		if len(vals) != 40 || !slices.IsSorted(vals) {
			t.Errorf("sort=%s: %d notes, %s not ordered", tt.sort, len(vals), tt.field)
		}
	}
	// after= follows a non-id order too.
	first := get(t, s.URL+"/notes?invitation=ICLR.cc/2024/Conference/-/Submission&sort=number:desc&limit=10", tok).notes(t)
	next := get(t, s.URL+"/notes?invitation=ICLR.cc/2024/Conference/-/Submission&sort=number:desc&limit=10&after="+first[9]["id"].(string), tok).notes(t)
	both := get(t, s.URL+"/notes?invitation=ICLR.cc/2024/Conference/-/Submission&sort=number:desc&limit=20", tok).notes(t)
	if diff := cmp.Diff(noteIDs(both), append(noteIDs(first), noteIDs(next)...)); diff != "" {
		t.Errorf("after with number:desc (-want +got):\n%s", diff)
	}
}
