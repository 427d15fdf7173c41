package openreviewtest

import (
	"net/http"
	"net/url"
	"slices"
)

// group is one OpenReview group. Content is stored already wrapped
// ({"key": {"value": …}}) as the API returns it; nil renders null.
type group struct {
	id      string
	domain  string // "" renders null (v1-era groups)
	content map[string]any
	parent  string
	host    string
	members []string
	web     string // legacy webfield script of v1 venue groups
	cdate   int64
	tmdate  int64
	signers []string // signatures
}

// json renders the group in the shape of the recorded ICLR 2025 group,
// plus the members (and web for v1 groups) that recording had trimmed.
func (g group) json() map[string]any {
	m := map[string]any{
		"id": g.id, "domain": nil, "content": nil,
		"readers": []string{"everyone"}, "nonreaders": []string{},
		"writers": []string{g.id}, "signatories": []string{g.id},
		"signatures": g.signers, "members": nonNil(g.members),
		"cdate": g.cdate, "tcdate": g.cdate, "mdate": g.tmdate, "tmdate": g.tmdate,
	}
	if g.signers == nil {
		m["signatures"] = []string{"~Super_User1"}
	}
	if g.domain != "" {
		m["domain"] = g.domain
	}
	if g.content != nil {
		m["content"] = g.content
	}
	if g.parent != "" {
		m["parent"] = g.parent
	}
	if g.host != "" {
		m["host"] = g.host
	}
	if g.web != "" {
		m["web"] = g.web
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// wrap turns bare content values into v2 {"value": …} fields.
func wrap(bare map[string]any) map[string]any {
	out := make(map[string]any, len(bare))
	for k, v := range bare {
		out[k] = map[string]any{"value": v}
	}
	return out
}

// handleGroups serves GET /groups: id (exact), parent, prefix, member,
// limit, offset, select. Groups are shared by both hosts.
func (s *Server) handleGroups(w http.ResponseWriter, r *http.Request, reqID string) int {
	q := r.URL.Query()
	limit, offset, verr := pageParams(q)
	if verr != nil {
		return s.writeAPIError(w, verr, reqID)
	}
	var out []group
	for _, g := range s.st.groups {
		if groupMatches(g, q) {
			out = append(out, g)
		}
	}
	if id := q.Get("id"); id != "" && len(out) == 0 {
		return s.writeError(w, http.StatusNotFound, "NotFoundError", "The Group "+id+" was not found", reqID,
			map[string]any{"path": "id", "value": id})
	}
	total := len(out)
	out = window(out, offset, limit)
	sel := selectFields(q.Get("select"))
	list := make([]any, len(out))
	for i, g := range out {
		list[i] = project(g.json(), sel)
	}
	return s.writeJSON(w, http.StatusOK, map[string]any{"groups": list, "count": total})
}

func groupMatches(g group, q url.Values) bool {
	if v := q.Get("id"); v != "" && g.id != v {
		return false
	}
	if v := q.Get("parent"); v != "" && g.parent != v {
		return false
	}
	if v := q.Get("prefix"); v != "" && (len(g.id) < len(v) || g.id[:len(v)] != v) {
		return false
	}
	if v := q.Get("member"); v != "" && !slices.Contains(g.members, v) {
		return false
	}
	return true
}

// window applies offset and limit to a slice.
func window[T any](s []T, offset, limit int) []T {
	if offset >= len(s) {
		return nil
	}
	s = s[offset:]
	if limit < len(s) {
		s = s[:limit]
	}
	return s
}
