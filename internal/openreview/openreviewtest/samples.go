package openreviewtest

import (
	"embed"
	"encoding/json"
	"fmt"
)

// The recorded responses (see testdata/samples/README.md for provenance).
// Their notes are served as seed data with their recorded ids.
//
//go:embed testdata/samples/*.json
var samplesFS embed.FS

// sample is one recorded exchange.
type sample struct {
	Request struct {
		URL string `json:"url"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		JSON    map[string]any    `json:"json"`
	} `json:"response"`
}

func loadSample(name string) (sample, error) {
	var s sample
	b, err := samplesFS.ReadFile("testdata/samples/" + name)
	if err != nil {
		return s, fmt.Errorf("read sample %s: %w", name, err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("parse sample %s: %w", name, err)
	}
	return s, nil
}

// sampleNotes returns the notes of a recorded /notes response.
func sampleNotes(name string) ([]map[string]any, error) {
	s, err := loadSample(name)
	if err != nil {
		return nil, err
	}
	raw, _ := s.Response.JSON["notes"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("sample %s: note is %T, not an object", name, r)
		}
		out = append(out, m)
	}
	return out, nil
}

// noteFromJSON turns a recorded v1 or v2 note into a stored note.
func noteFromJSON(venueID string, m map[string]any) *note {
	n := &note{
		host: 1, venue: venueID,
		id: str(m["id"]), forum: str(m["forum"]), replyto: str(m["replyto"]), original: str(m["original"]),
		number: int(num(m["number"])),
		cdate:  num(m["cdate"]), mdate: num(m["mdate"]), tcdate: num(m["tcdate"]), tmdate: num(m["tmdate"]),
		pdate: num(m["pdate"]), odate: num(m["odate"]),
		domain: str(m["domain"]), license: str(m["license"]),
		readers: strs(m["readers"]), writers: strs(m["writers"]), signatures: strs(m["signatures"]),
		nonreaders: strs(m["nonreaders"]),
		content:    map[string]any{},
	}
	_, hasMdate := m["mdate"]
	n.v1NoMdate = !hasMdate
	if inv, ok := m["invitation"].(string); ok {
		n.invitations = []string{inv}
	}
	if v, ok := m["version"].(float64); ok && v == 2 {
		n.host = 2
		n.invitations = strs(m["invitations"])
	}
	c, _ := m["content"].(map[string]any)
	for k, v := range c {
		if n.host == 2 {
			w, _ := v.(map[string]any)
			v = w["value"]
		}
		if l, ok := v.([]any); ok && allStrings(l) {
			v = strs(l)
		}
		n.content[k] = v
	}
	return n
}

// expectedFromContent reads a recorded submission's facts; the outcome is
// known from the recording (venue string or decision reply).
func expectedFromContent(n *note, v *venue, o outcome) *Expected {
	c := n.content
	e := &Expected{
		ID: n.id, Title: str(c["title"]), Status: string(o.status), Presentation: string(o.presentation),
		Authors: strs(c["authors"]), Keywords: strs(c["keywords"]), Year: v.info.Year,
		VenueID: v.info.ID, APIVersion: n.host, Number: n.number, Abstract: str(c["abstract"]),
		Venue: str(c["venue"]), TMDate: n.tmdate,
	}
	for _, k := range []string{"TLDR", "TL;DR", "one-sentence_summary"} {
		if t := str(c[k]); t != "" {
			e.TLDR = t
		}
	}
	return e
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func strs(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func allStrings(l []any) bool {
	for _, x := range l {
		if _, ok := x.(string); !ok {
			return false
		}
	}
	return true
}
