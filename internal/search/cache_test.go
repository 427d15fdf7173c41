package search

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestVectorCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newVectorCache(2)
	c.put("a", []float32{1})
	c.put("b", []float32{2})
	if _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("c", []float32{3}) // evicts b
	for text, want := range map[string]bool{"a": true, "b": false, "c": true} {
		if _, ok := c.get(text); ok != want {
			t.Errorf("get(%q) found %v, want %v", text, ok, want)
		}
	}
	c.put("a", []float32{9})
	if v, _ := c.get("a"); v[0] != 9 {
		t.Errorf("put on an existing key kept %v", v)
	}
	var off *vectorCache
	off.put("x", []float32{1})
	if _, ok := off.get("x"); ok {
		t.Error("a nil cache returned a vector")
	}
}

// TestQueryCacheSavesTheEncoder checks that a repeated query is embedded
// once, and that turning the cache off embeds it every time.
func TestQueryCacheSavesTheEncoder(t *testing.T) {
	for _, tc := range []struct {
		cache int
		want  int
	}{{0, 1}, {-1, 3}} {
		t.Run(fmt.Sprint(tc.cache), func(t *testing.T) {
			st := openStore(t, corpus(20, 3)...)
			enc := newFake()
			embedAll(t, st, enc)
			e, err := Open(t.Context(), st, Options{Model: testModel, Query: enc, PaperText: testPaperText, QueryCache: tc.cache, ResultCache: -1})
			if err != nil {
				t.Fatal(err)
			}
			before := count(enc.embedded(), "graph networks")
			for range 3 {
				if _, err := e.Search(t.Context(), Request{Text: "graph networks", Mode: ModeSemantic}); err != nil {
					t.Fatal(err)
				}
			}
			if got := count(enc.embedded(), "graph networks") - before; got != tc.want {
				t.Errorf("query embedded %d times, want %d", got, tc.want)
			}
		})
	}
}

func count(texts []string, text string) int {
	n := 0
	for _, t := range texts {
		if t == text {
			n++
		}
	}
	return n
}

// TestResultCache checks that a repeated search is answered from memory,
// and not after the vectors are reloaded or the answer grew old.
func TestResultCache(t *testing.T) {
	st := openStore(t, corpus(30, 3)...)
	enc := newFake()
	embedAll(t, st, enc)
	e, err := Open(t.Context(), st, Options{Model: testModel, Query: enc, PaperText: testPaperText, QueryCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1e9, 0)
	e.answers.now = func() time.Time { return now }
	req := Request{Text: "graph networks", Limit: 5}
	search := func() Response {
		t.Helper()
		resp, err := e.Search(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	first := search()
	embeds := func() int { return count(enc.embedded(), req.Text) }
	search()
	if n := embeds(); n != 1 {
		t.Errorf("a repeated search embedded its query %d times, want 1 (answered from the cache)", n)
	}
	req.Limit = 6 // another request: not the cached answer
	if got := search(); len(got.Results) != 6 {
		t.Errorf("limit 6 answered %d results", len(got.Results))
	}
	req.Limit = 5
	now = now.Add(resultTTL + time.Second)
	if again := search(); embeds() != 3 || !slices.Equal(resultIDs(again.Results), resultIDs(first.Results)) {
		t.Errorf("after the TTL: %d embeddings (want 3), results %v vs %v", embeds(), resultIDs(again.Results), resultIDs(first.Results))
	}
	if err := e.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	search()
	if n := embeds(); n != 4 {
		t.Errorf("after Reload the search was not run again: %d embeddings, want 4", n)
	}
}
