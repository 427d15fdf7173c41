package openreview

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Note is one OpenReview note as either API version returns it, with v2's
// {"value": X} content wrappers already removed so that v1 and v2 notes read
// alike.
type Note struct {
	ID, Forum, ReplyTo string
	Number             int

	// Timestamps in epoch milliseconds; 0 when absent or null.
	CDate, MDate, TCDate, TMDate, PDate, ODate int64

	// APIVersion is 2 when the note has "version": 2, wrapped content
	// values or an "invitations" list; 1 otherwise.
	APIVersion int

	// Invitation is v1's "invitation", or for v2 the first of "invitations".
	Invitation  string
	Invitations []string

	// Content holds the unwrapped content values as decoded JSON: string,
	// json.Number, bool, []any, map[string]any or nil. v2 fields that carry
	// only readers (their value hidden from us) are left out.
	Content map[string]any

	// Replies are the notes of details.directReplies, when the listing
	// asked for them (v1 decisions are found there).
	Replies []Note
}

// NotesPage is one answer of GET /notes.
type NotesPage struct {
	Notes []Note
	// Count is the total number of notes matching the query, valid only
	// when HasCount is set: v2 omits it unless asked (reference §3.3).
	Count    int
	HasCount bool
}

// ErrMalformedNotes marks a /notes body that is not the JSON shape the API
// documents: not JSON at all (an HTML challenge page, a truncated body) or
// JSON of the wrong shape.
var ErrMalformedNotes = errors.New("malformed notes response")

// maxReplyDepth bounds how deeply details.directReplies are followed; only
// the first level carries decisions, and the bound keeps hostile input from
// driving deep recursion.
const maxReplyDepth = 3

// ParseNotes decodes a GET /notes body of either API version:
// {"notes": [...], "count": N}, where count may be missing. It never panics;
// every failure wraps ErrMalformedNotes with a short description of what
// was wrong.
func ParseNotes(body []byte) (NotesPage, error) {
	top, err := decodeObject(body)
	if err != nil {
		return NotesPage{}, malformed("%v", err)
	}
	rawNotes, ok := top["notes"]
	if !ok {
		return NotesPage{}, malformed("no notes field")
	}
	if k := jsonKind(rawNotes); k != "an array" {
		return NotesPage{}, malformed("notes: got %s, want an array", k)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(rawNotes, &items); err != nil {
		return NotesPage{}, malformed("notes: %v", err)
	}
	var page NotesPage
	if raw, ok := top["count"]; ok && jsonKind(raw) != "null" {
		n, err := wholeNumber(raw, math.MaxInt32)
		if err != nil || n < 0 {
			return NotesPage{}, malformed("count: got %s, want a non-negative whole number", describeJSON(raw))
		}
		page.Count, page.HasCount = int(n), true
	}
	page.Notes = make([]Note, 0, len(items))
	for i, raw := range items {
		n, err := parseNote(raw, 0)
		if err != nil {
			return NotesPage{}, malformed("note %d%s: %v", i, idSuffix(raw), err)
		}
		page.Notes = append(page.Notes, n)
	}
	return page, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedNotes, fmt.Sprintf(format, args...))
}

// decodeObject checks that body is one JSON object and returns its fields,
// explaining the usual ways a body goes wrong.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, errors.New("empty body")
	}
	if trimmed[0] == '<' {
		return nil, errors.New("got an HTML page, not JSON (a login or browser-check page?)")
	}
	if !json.Valid(trimmed) {
		var v any
		err := json.Unmarshal(trimmed, &v)
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("not valid JSON: %s at byte %d of %d", syn.Error(), syn.Offset, len(trimmed))
		}
		return nil, errors.New("not valid JSON")
	}
	if k := jsonKind(trimmed); k != "an object" {
		return nil, fmt.Errorf("got %s, want an object with a notes array", k)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	return m, nil
}

// parseNote decodes one note object. Structural fields must have their
// documented JSON type (null counts as absent); content is free-form.
func parseNote(raw json.RawMessage, depth int) (Note, error) {
	if k := jsonKind(raw); k != "an object" {
		return Note{}, fmt.Errorf("got %s, want an object", k)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return Note{}, fmt.Errorf("decode: %w", err)
	}
	var n Note
	f := noteFields{m: m}
	n.ID = f.str("id")
	n.Forum = f.str("forum")
	n.ReplyTo = f.str("replyto")
	n.Invitation = f.str("invitation")
	n.Number = int(f.num("number", math.MaxInt32))
	for _, d := range []struct {
		key string
		dst *int64
	}{{"cdate", &n.CDate}, {"mdate", &n.MDate}, {"tcdate", &n.TCDate}, {"tmdate", &n.TMDate}, {"pdate", &n.PDate}, {"odate", &n.ODate}} {
		*d.dst = f.num(d.key, math.MaxInt64)
	}
	version := f.num("version", math.MaxInt32)
	n.Invitations = f.strs("invitations")
	if f.err != nil {
		return Note{}, f.err
	}
	content, wrapped, err := parseContent(m["content"])
	if err != nil {
		return Note{}, fmt.Errorf("content: %w", err)
	}
	n.Content = content
	n.APIVersion = 1
	if version == 2 || wrapped || (m["invitations"] != nil && jsonKind(m["invitations"]) != "null") {
		n.APIVersion = 2
	}
	if n.Invitation == "" && len(n.Invitations) > 0 {
		n.Invitation = n.Invitations[0]
	}
	if n.Replies, err = parseReplies(m["details"], depth); err != nil {
		return Note{}, err
	}
	return n, nil
}

// noteFields reads typed values out of a decoded object, keeping the first
// error so that callers check once.
type noteFields struct {
	m   map[string]json.RawMessage
	err error
}

func (f *noteFields) present(key string) (json.RawMessage, bool) {
	raw, ok := f.m[key]
	if !ok || f.err != nil || jsonKind(raw) == "null" {
		return nil, false
	}
	return raw, true
}

func (f *noteFields) str(key string) string {
	raw, ok := f.present(key)
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		f.err = fmt.Errorf("%s: got %s, want a string", key, describeJSON(raw))
	}
	return s
}

func (f *noteFields) num(key string, limit int64) int64 {
	raw, ok := f.present(key)
	if !ok {
		return 0
	}
	n, err := wholeNumber(raw, limit)
	if err != nil {
		f.err = fmt.Errorf("%s: got %s, want a whole number", key, describeJSON(raw))
	}
	return n
}

func (f *noteFields) strs(key string) []string {
	raw, ok := f.present(key)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		f.err = fmt.Errorf("%s: got %s, want an array of strings", key, describeJSON(raw))
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		var s string
		if err := json.Unmarshal(it, &s); err != nil {
			f.err = fmt.Errorf("%s[%d]: got %s, want a string", key, i, describeJSON(it))
			return nil
		}
		out = append(out, s)
	}
	return out
}

// wrapperKeys are the keys a v2 content field object may hold besides its
// value (per-field visibility).
var wrapperKeys = map[string]bool{"value": true, "readers": true, "nonreaders": true, "writers": true, "signatures": true}

// parseContent decodes a content object and removes v2 wrappers. It
// reports whether any value was wrapped, which marks the note as v2.
func parseContent(raw json.RawMessage) (map[string]any, bool, error) {
	if raw == nil || jsonKind(raw) == "null" {
		return nil, false, nil
	}
	if k := jsonKind(raw); k != "an object" {
		return nil, false, fmt.Errorf("got %s, want an object", k)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep huge or precise numbers exact instead of failing or rounding
	var c map[string]any
	if err := dec.Decode(&c); err != nil {
		return nil, false, fmt.Errorf("decode: %w", err)
	}
	wrapped := false
	for k, v := range c {
		obj, ok := v.(map[string]any)
		if !ok || !isWrapper(obj) {
			continue
		}
		wrapped = true
		if val, ok := obj["value"]; ok {
			c[k] = val
		} else {
			delete(c, k) // readers only: the value is hidden from us
		}
	}
	return c, wrapped, nil
}

func isWrapper(obj map[string]any) bool {
	if len(obj) == 0 {
		return false
	}
	for k := range obj {
		if !wrapperKeys[k] {
			return false
		}
	}
	return true
}

// parseReplies reads details.directReplies. Other details are ignored.
func parseReplies(raw json.RawMessage, depth int) ([]Note, error) {
	if raw == nil || jsonKind(raw) == "null" {
		return nil, nil
	}
	if k := jsonKind(raw); k != "an object" {
		return nil, fmt.Errorf("details: got %s, want an object", k)
	}
	var details struct {
		DirectReplies json.RawMessage `json:"directReplies"`
	}
	if err := json.Unmarshal(raw, &details); err != nil {
		return nil, fmt.Errorf("details: %w", err)
	}
	dr := details.DirectReplies
	if dr == nil || jsonKind(dr) == "null" || depth >= maxReplyDepth {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(dr, &items); err != nil {
		return nil, fmt.Errorf("details.directReplies: got %s, want an array", describeJSON(dr))
	}
	replies := make([]Note, 0, len(items))
	for i, it := range items {
		r, err := parseNote(it, depth+1)
		if err != nil {
			return nil, fmt.Errorf("details.directReplies[%d]: %w", i, err)
		}
		replies = append(replies, r)
	}
	return replies, nil
}

// wholeNumber reads a JSON number that must be an integer within
// [-limit, limit]. Integral floats such as 1.7e12 are accepted.
func wholeNumber(raw json.RawMessage, limit int64) (int64, error) {
	if jsonKind(raw) != "a number" {
		return 0, errors.New("not a number")
	}
	s := string(bytes.TrimSpace(raw))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > limit || n < -limit {
			return 0, errors.New("out of range")
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > float64(limit) || math.Abs(f) >= 1<<63 {
		return 0, errors.New("not a whole number in range")
	}
	return int64(f), nil
}

// jsonKind names the type of a JSON value from its first byte, with an
// article, for error messages.
func jsonKind(raw []byte) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// describeJSON names a JSON value's type and, for short scalars, the value.
func describeJSON(raw []byte) string {
	k := jsonKind(raw)
	t := bytes.TrimSpace(raw)
	if k == "an object" || k == "an array" || len(t) > 24 || !utf8.Valid(t) {
		return k
	}
	return k + " " + string(t)
}

// idSuffix returns " (id X)" for a note whose id can be read, to point at
// the culprit in error messages.
func idSuffix(raw json.RawMessage) string {
	var probe struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return ""
	}
	if id, ok := probe.ID.(string); ok && id != "" && len(id) <= 40 {
		return fmt.Sprintf(" (id %q)", id)
	}
	return ""
}

// Modified is the note's last modification time in epoch ms: tmdate, else
// mdate, else tcdate, else cdate. The crawler keeps the newest one seen as
// its watermark for incremental re-crawls.
func (n Note) Modified() int64 {
	for _, t := range []int64{n.TMDate, n.MDate, n.TCDate, n.CDate} {
		if t != 0 {
			return t
		}
	}
	return 0
}

// ForumSubmission picks the submission out of a forum listing
// (GET /notes?forum=<id>), whose notes come in no particular order, and
// attaches the forum's direct replies (decision notes among them) to its
// Replies so that Normalize sees them. It reports false when the listing
// has no note whose id is the forum id.
func ForumSubmission(notes []Note, forum string) (Note, bool) {
	var sub Note
	found := false
	for _, n := range notes {
		if n.ID == forum {
			sub, found = n, true
			break
		}
	}
	if !found {
		return Note{}, false
	}
	seen := make(map[string]bool, len(sub.Replies))
	for _, r := range sub.Replies {
		seen[r.ID] = true
	}
	replies := append([]Note(nil), sub.Replies...)
	for _, n := range notes {
		if n.ID != forum && n.ReplyTo == forum && !seen[n.ID] {
			seen[n.ID] = true
			replies = append(replies, n)
		}
	}
	sub.Replies = replies
	return sub, true
}
