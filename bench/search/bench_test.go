package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarise(ds)
	want := latency{N: 100, P50: 50, P90: 90, P99: 99, Mean: 50.5, Max: 100}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summarise (-want +got):\n%s", diff)
	}
}

func TestQuerySetsDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, set := range querySets(3, 50) {
		if len(set) != 50 {
			t.Errorf("set of %d queries, want 50", len(set))
		}
		for _, q := range set {
			if seen[q] {
				t.Errorf("query %q in two sets", q)
			}
			seen[q] = true
			if n := len(strings.Fields(q)); n < 3 || n > 10 {
				t.Errorf("query %q has %d words, want 3 to 10", q, n)
			}
		}
	}
}
