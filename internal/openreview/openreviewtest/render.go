package openreviewtest

import (
	"cmp"
	"slices"
)

// render turns a note into its API JSON, with the requested details.
func (s *Server) render(n *note, details []string) map[string]any {
	var m map[string]any
	if n.host == 2 {
		m = n.jsonV2()
	} else {
		m = n.jsonV1()
	}
	if details == nil {
		return m
	}
	d := map[string]any{}
	replies := s.st.replies[n.id]
	for _, k := range details {
		switch k {
		case "directReplies":
			sorted := slices.Clone(replies)
			slices.SortFunc(sorted, func(a, b *note) int { return cmp.Compare(a.tcdate, b.tcdate) })
			list := make([]any, len(sorted))
			for i, r := range sorted {
				list[i] = s.render(r, nil)
			}
			d["directReplies"] = list
		case "replyCount", "directReplyCount":
			d[k] = len(replies)
		case "original":
			d[k] = nil // the hidden original is not readable
		}
	}
	m["details"] = d
	return m
}

// jsonV2 renders the shape of the recorded v2 notes: every content value
// wrapped in {"value": …}, an invitations list, domain and "version": 2.
func (n *note) jsonV2() map[string]any {
	m := map[string]any{
		"id": n.id, "forum": n.forum, "number": n.number, "content": wrap(n.content),
		"cdate": n.cdate, "mdate": n.mdate, "tcdate": n.tcdate, "tmdate": n.tmdate,
		"invitations": n.invitations, "domain": n.domain,
		"readers": n.readers, "writers": n.writers, "signatures": n.signatures,
		"version": 2,
	}
	setIf(m, "replyto", n.replyto, n.replyto != "")
	setIf(m, "pdate", n.pdate, n.pdate != 0)
	setIf(m, "odate", n.odate, n.odate != 0)
	setIf(m, "license", n.license, n.license != "")
	setIf(m, "nonreaders", n.nonreaders, n.nonreaders != nil)
	return m
}

// jsonV1 renders the shape of the recorded v1 notes: bare content values,
// one "invitation", explicit nulls for original, replyto, ddate, tddate and
// (unless the year's recordings omit it) mdate.
func (n *note) jsonV1() map[string]any {
	m := map[string]any{
		"id": n.id, "original": nullIf(n.original, n.original == ""), "number": n.number,
		"cdate": n.cdate, "ddate": nil, "tcdate": n.tcdate, "tmdate": n.tmdate, "tddate": nil,
		"forum": n.forum, "replyto": nullIf(n.replyto, n.replyto == ""), "invitation": n.invitations[0],
		"content": n.content, "signatures": n.signatures, "readers": n.readers,
		"nonreaders": nonNil(n.nonreaders), "writers": n.writers,
	}
	setIf(m, "mdate", nullIf(n.mdate, n.mdate == 0), !n.v1NoMdate)
	setIf(m, "pdate", n.pdate, n.pdate != 0)
	setIf(m, "odate", n.odate, n.odate != 0)
	return m
}

func setIf(m map[string]any, k string, v any, ok bool) {
	if ok {
		m[k] = v
	}
}

func nullIf(v any, null bool) any {
	if null {
		return nil
	}
	return v
}
