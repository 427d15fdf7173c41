package openreviewtest

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// handleNotes serves GET /notes with the filters, ordering and paging of
// §3 and §11, over the notes of one host only: a v2 venue asked on the v1
// host (or the reverse) gets an empty list, as live.
func (s *Server) handleNotes(w http.ResponseWriter, r *http.Request, host int, reqID string) int {
	q := r.URL.Query()
	page, total, aerr := s.findNotes(q, host)
	if aerr != nil {
		return s.writeAPIError(w, aerr, reqID)
	}
	sel := selectFields(q.Get("select"))
	details := selectFields(q.Get("details"))
	if sel != nil && details != nil {
		sel = append(sel, "details")
	}
	list := make([]any, len(page))
	for i, n := range page {
		list[i] = project(s.render(n, details), sel)
	}
	body := map[string]any{"notes": list}
	if includeCount(host, q) {
		body["count"] = total
	}
	return s.writeJSON(w, http.StatusOK, body)
}

// findNotes returns one page of the host's notes that match the query, and
// how many match in all.
func (s *Server) findNotes(q url.Values, host int) ([]*note, int, *apiError) {
	limit, offset, aerr := pageParams(q)
	if aerr == nil {
		aerr = checkID(s.st, q, host)
	}
	var keep []func(*note) bool
	if aerr == nil {
		keep, aerr = noteFilters(q, host)
	}
	var order *noteOrder
	if aerr == nil {
		order, aerr = parseSort(q)
	}
	if aerr != nil {
		return nil, 0, aerr
	}
	var matched []*note
	for _, n := range s.st.notes[host] {
		if all(keep, n) {
			matched = append(matched, n)
		}
	}
	slices.SortStableFunc(matched, order.compare)
	total := len(matched)
	if after := q.Get("after"); after != "" {
		anchor := s.st.byID[after]
		if anchor == nil { // an unknown id still has its place in id order
			anchor = &note{id: after}
		}
		i, _ := slices.BinarySearchFunc(matched, anchor, func(n, a *note) int {
			if order.compare(n, a) <= 0 {
				return -1
			}
			return 1
		})
		matched = matched[i:]
	}
	if q.Get("stream") == "true" {
		return matched, total, nil
	}
	return window(matched, offset, limit), total, nil
}

// includeCount: v1 always reports count; v2 only when asked (count=true) or
// when an offset is sent (§3.3).
func includeCount(host int, q url.Values) bool {
	if host == 1 {
		return true
	}
	if c := q.Get("count"); c != "" {
		return c == "true"
	}
	return q.Has("offset")
}

func all(keep []func(*note) bool, n *note) bool {
	for _, k := range keep {
		if !k(n) {
			return false
		}
	}
	return true
}

// checkID answers 404 for an id= that this host does not have.
func checkID(st *store, q url.Values, host int) *apiError {
	id := q.Get("id")
	if id == "" {
		return nil
	}
	if n := st.byID[id]; n != nil && n.host == host {
		return nil
	}
	return &apiError{http.StatusNotFound, "NotFoundError", "The Note " + id + " was not found", map[string]any{"path": "id", "value": id}}
}

// noteFilters turns the query's filters into predicates.
func noteFilters(q url.Values, host int) ([]func(*note) bool, *apiError) {
	var keep []func(*note) bool
	eq := func(param string, field func(*note) string) {
		if v, ok := q[param]; ok {
			keep = append(keep, func(n *note) bool { return field(n) == v[0] })
		}
	}
	eq("id", func(n *note) string { return n.id })
	eq("forum", func(n *note) string { return n.forum })
	eq("replyto", func(n *note) string { return n.replyto })
	eq("domain", func(n *note) string { return n.domain })
	eq("paperhash", func(n *note) string { return str(n.content["paperhash"]) })
	if v := q.Get("signature"); v != "" {
		keep = append(keep, func(n *note) bool { return slices.Contains(n.signatures, v) })
	}
	for _, p := range []struct {
		param string
		field func(*note) int64
		cmp   func(a, b int64) bool
	}{
		{"number", func(n *note) int64 { return int64(n.number) }, func(a, b int64) bool { return a == b }},
		{"mintcdate", func(n *note) int64 { return n.tcdate }, func(a, b int64) bool { return a >= b }},
	} {
		raw, ok := q[p.param]
		if !ok {
			continue
		}
		want, err := strconv.ParseInt(raw[0], 10, 64)
		if err != nil {
			return nil, badRequest(p.param+" must be integer", map[string]any{"path": p.param, "type": "integer", "invalidValue": raw[0]})
		}
		keep = append(keep, func(n *note) bool { return p.cmp(p.field(n), want) })
	}
	if inv, ok := q["invitation"]; ok {
		f, err := invitationFilter(inv[0], host)
		if err != nil {
			return nil, err
		}
		keep = append(keep, f)
	}
	for param, vals := range q {
		field, ok := strings.CutPrefix(param, "content.")
		if !ok {
			continue
		}
		alts := []string{vals[0]}
		if field == "venueid" {
			alts = strings.Split(vals[0], ",")
		}
		keep = append(keep, func(n *note) bool { return contentMatches(n.content[field], alts) })
	}
	return keep, nil
}

// invitationFilter: v2 matches membership in invitations; v1 matches the
// invitation exactly, or by prefix for a trailing ".*". Any other ".*"
// is refused as on api1 (§3.2).
func invitationFilter(v string, host int) (func(*note) bool, *apiError) {
	if host == 2 {
		return func(n *note) bool { return slices.Contains(n.invitations, v) }, nil
	}
	if prefix, ok := strings.CutSuffix(v, ".*"); ok && !strings.Contains(prefix, ".*") {
		return func(n *note) bool { return strings.HasPrefix(n.invitations[0], prefix) }, nil
	}
	if strings.Contains(v, ".*") {
		return nil, badRequest("invitation must be a prefix regex", map[string]any{"path": "invitation", "value": v})
	}
	return func(n *note) bool { return n.invitations[0] == v }, nil
}

// contentMatches compares an unwrapped content value with wanted values: a
// string must equal one, a list must contain one.
func contentMatches(v any, alts []string) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return slices.Contains(alts, x)
	case []string:
		for _, s := range x {
			if slices.Contains(alts, s) {
				return true
			}
		}
		return false
	}
	return slices.Contains(alts, fmt.Sprint(v))
}

// noteOrder is a sort=field:dir ordering; ties are broken by id in the same
// direction, so every order is total and after= cursors are exact.
type noteOrder struct {
	key  func(*note) int64 // nil: order by id
	desc bool
}

func (o *noteOrder) compare(a, b *note) int {
	c := 0
	if o.key != nil {
		c = cmp.Compare(o.key(a), o.key(b))
	}
	if c == 0 {
		c = cmp.Compare(a.id, b.id)
	}
	if o.desc {
		return -c
	}
	return c
}

// parseSort reads sort=. Without one the fake lists newest first (tcdate
// descending), which is what the recorded forum listing shows; with after=
// and no sort it orders by id, the cursor's order.
func parseSort(q url.Values) (*noteOrder, *apiError) {
	raw := q.Get("sort")
	if raw == "" {
		if q.Get("after") != "" {
			return &noteOrder{}, nil
		}
		return &noteOrder{key: func(n *note) int64 { return n.tcdate }, desc: true}, nil
	}
	field, dir, _ := strings.Cut(raw, ":")
	o := &noteOrder{desc: dir == "desc"}
	if dir != "" && dir != "asc" && dir != "desc" {
		return nil, badRequest("sort direction must be asc or desc", map[string]any{"path": "sort", "value": raw})
	}
	keys := map[string]func(*note) int64{
		"number": func(n *note) int64 { return int64(n.number) },
		"cdate":  func(n *note) int64 { return n.cdate }, "tcdate": func(n *note) int64 { return n.tcdate },
		"mdate": func(n *note) int64 { return n.mdate }, "tmdate": func(n *note) int64 { return n.tmdate },
		"pdate": func(n *note) int64 { return n.pdate }, "odate": func(n *note) int64 { return n.odate },
	}
	if field != "id" {
		k, ok := keys[field]
		if !ok {
			return nil, badRequest("sort must be one of id, number, cdate, tcdate, mdate, tmdate, pdate, odate", map[string]any{"path": "sort", "value": raw})
		}
		o.key = k
	}
	return o, nil
}
