package search

import (
	"fmt"
	"testing"
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
			e, err := Open(t.Context(), st, Options{Model: testModel, Query: enc, PaperText: testPaperText, QueryCache: tc.cache})
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
