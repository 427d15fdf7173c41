package openreviewtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzNotesQuery sends arbitrary query strings to /notes and /groups on
// both hosts: the fake must answer 200, 400 or 404 with a JSON body, never
// panic or answer something else.
func FuzzNotesQuery(f *testing.F) {
	for _, seed := range []string{
		"content.venueid=ICLR.cc/2025/Conference&limit=1000&offset=0&count=true",
		"invitation=ICLR.cc/2020/Conference/Paper.*/-/Decision",
		"sort=tmdate:desc&after=JoseMuller&select=id,content.title&details=directReplies",
		"id=nope", "limit=1001", "limit=-3&offset=x", "sort=number:sideways", "stream=true&mintcdate=0",
		"id=venues&select=members", "prefix=ICLR&limit=1&offset=99",
	} {
		f.Add(seed)
	}
	s, err := newServer(Options{Scale: 30})
	if err != nil {
		f.Fatal(err)
	}
	tok := s.IssueToken()
	f.Fuzz(func(t *testing.T, raw string) {
		for _, host := range []int{1, 2} {
			for _, path := range []string{"/notes", "/groups"} {
				req := httptest.NewRequest(http.MethodGet, "http://fake"+path, nil)
				req.URL.RawQuery = raw
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				hostHandler{s, host}.ServeHTTP(rec, req)
				if c := rec.Code; c != 200 && c != 400 && c != 404 {
					t.Fatalf("v%d %s?%s: status %d", host, path, raw, c)
				}
				var body map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatalf("v%d %s?%s: body not JSON: %v", host, path, raw, err)
				}
			}
		}
	})
}

// FuzzLogin sends arbitrary bodies to /login.
func FuzzLogin(f *testing.F) {
	for _, seed := range []string{`{"id":"test@example.org","password":"secret"}`, `{"id":1}`, `[]`, `{"expiresIn":-5,"id":"a","password":"b"}`, ``} {
		f.Add(seed)
	}
	s, err := newServer(Options{Scale: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		hostHandler{s, 2}.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "http://fake/login", strings.NewReader(body)))
		if rec.Code != 200 && rec.Code != 400 {
			t.Fatalf("login %q: status %d", body, rec.Code)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("login %q: body not JSON", body)
		}
	})
}
