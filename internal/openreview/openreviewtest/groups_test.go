package openreviewtest

import (
	"net/url"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGroups(t *testing.T) {
	s := small(t, Options{})
	tok := s.IssueToken()
	allVenues := []string{
		"ICLR.cc/2025/Conference", "ICLR.cc/2024/Conference", "NeurIPS.cc/2024/Conference", "ICML.cc/2026/Conference",
		"TMLR", "ICLR.cc/2020/Conference", "ICLR.cc/2022/Conference", "ICLR.cc/2017/conference",
	}
	tests := []struct {
		name  string
		query string
		check func(t *testing.T, gs []map[string]any, count float64)
	}{
		{"venues", "id=venues", func(t *testing.T, gs []map[string]any, count float64) {
			if diff := cmp.Diff(allVenues, strs(gs[0]["members"])); diff != "" {
				t.Errorf("venues members (-want +got):\n%s", diff)
			}
		}},
		{"host", "id=host", func(t *testing.T, gs []map[string]any, count float64) {
			if diff := cmp.Diff([]string{"ICLR.cc", "NeurIPS.cc", "ICML.cc", "TMLR"}, strs(gs[0]["members"])); diff != "" {
				t.Errorf("host members (-want +got):\n%s", diff)
			}
		}},
		{"v2 venue", "id=NeurIPS.cc/2024/Conference", func(t *testing.T, gs []map[string]any, count float64) {
			g := gs[0]
			c := g["content"].(map[string]any)
			if g["domain"] != g["id"] || value(c, "submission_venue_id") != "NeurIPS.cc/2024/Conference/Submission" ||
				value(c, "subtitle") != "NeurIPS 2024" || value(c, "public_submissions") != false {
				t.Errorf("group = %v", g)
			}
		}},
		{"recorded iclr 2025", "id=ICLR.cc/2025/Conference", func(t *testing.T, gs []map[string]any, count float64) {
			c := gs[0]["content"].(map[string]any)
			if value(c, "rejected_venue_id") != "ICLR.cc/2025/Conference/Rejected_Submission" || value(c, "subtitle") != "ICLR 2025" || gs[0]["host"] != "ICLR.cc" {
				t.Errorf("group = %v", gs[0])
			}
		}},
		{"v1 venue", "id=ICLR.cc/2020/Conference", func(t *testing.T, gs []map[string]any, count float64) {
			if v, ok := gs[0]["domain"]; !ok || v != nil {
				t.Errorf("domain = %v, want null", v)
			}
			if v, ok := gs[0]["content"]; !ok || v != nil {
				t.Errorf("content = %v, want null", v)
			}
		}},
		{"container", "id=ICLR.cc/2025", func(t *testing.T, gs []map[string]any, count float64) {
			c, ok := gs[0]["content"].(map[string]any)
			if gs[0]["domain"] != "OpenReview.net" || !ok || len(c) != 0 {
				t.Errorf("container = %v", gs[0])
			}
		}},
		{"tmlr", "id=TMLR", func(t *testing.T, gs []map[string]any, count float64) {
			c := gs[0]["content"].(map[string]any)
			_, hasSub := c["submission_venue_id"]
			if gs[0]["domain"] != "TMLR" || value(c, "subtitle") != "TMLR" || value(c, "title") == nil || hasSub {
				t.Errorf("tmlr = %v", gs[0])
			}
		}},
		{"parent", "parent=ICLR.cc", func(t *testing.T, gs []map[string]any, count float64) {
			want := []string{"ICLR.cc/2017", "ICLR.cc/2020", "ICLR.cc/2022", "ICLR.cc/2024", "ICLR.cc/2025"}
			if diff := cmp.Diff(want, sortedIDs(gs)); diff != "" || count != 5 {
				t.Errorf("children (-want +got), count %v:\n%s", count, diff)
			}
		}},
		{"prefix paged", "prefix=ICLR.cc/202&limit=2&offset=1", func(t *testing.T, gs []map[string]any, count float64) {
			if len(gs) != 2 || count != 8 {
				t.Errorf("got %d groups, count %v; want 2 of 8", len(gs), count)
			}
		}},
		{"member", "member=TMLR", func(t *testing.T, gs []map[string]any, count float64) {
			if diff := cmp.Diff([]string{"active_venues", "host", "venues"}, sortedIDs(gs)); diff != "" {
				t.Errorf("groups with member TMLR (-want +got):\n%s", diff)
			}
		}},
		{"select", "id=venues&select=id,members", func(t *testing.T, gs []map[string]any, count float64) {
			if diff := cmp.Diff([]string{"id", "members"}, keys(gs[0])); diff != "" {
				t.Errorf("selected keys (-want +got):\n%s", diff)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s.URL+"/groups?"+tt.query, tok)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			m := r.object(t)
			var gs []map[string]any
			for _, g := range m["groups"].([]any) {
				gs = append(gs, g.(map[string]any))
			}
			if len(gs) == 0 {
				t.Fatal("no groups")
			}
			tt.check(t, gs, m["count"].(float64))
		})
	}
}

func TestGroupNotFound(t *testing.T) {
	s := small(t, Options{})
	for _, base := range []string{s.URL, s.V1URL} {
		r := get(t, base+"/groups?id="+url.QueryEscape("ICLR.cc/2017/Conference"), s.IssueToken())
		m := r.object(t)
		re := regexp.MustCompile(`^The Group ICLR\.cc/2017/Conference was not found \(\S+\)$`)
		if r.status != 404 || m["name"] != "NotFoundError" || !re.MatchString(m["message"].(string)) {
			t.Errorf("%s: %d %s", base, r.status, r.body)
		}
	}
}

func value(content map[string]any, k string) any {
	w, _ := content[k].(map[string]any)
	return w["value"]
}

func sortedIDs(gs []map[string]any) []string {
	var ids []string
	for _, g := range gs {
		ids = append(ids, g["id"].(string))
	}
	slices.Sort(ids)
	return ids
}
