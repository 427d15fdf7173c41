package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestClosedLoop(t *testing.T) {
	qs := []string{"a", "b", "c"}
	seen := make(chan string, 1000)
	tm, err := closedLoop(t.Context(), 4, 0, qs, func(_ context.Context, q string) error {
		seen <- q
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// With no time to run, the loop still makes exactly minSearches
	// searches: the clients share one counter.
	if tm.Searches != minSearches || len(seen) != minSearches {
		t.Errorf("%d searches timed, %d run; want %d", tm.Searches, len(seen), minSearches)
	}
}

func TestClosedLoopError(t *testing.T) {
	boom := errors.New("boom")
	_, err := closedLoop(t.Context(), 2, time.Second, []string{"a"}, func(context.Context, string) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("closedLoop error = %v, want %v", err, boom)
	}
}

func TestGivenVectors(t *testing.T) {
	qs, given := newQueries(20)
	if len(qs) != 20 || len(given) != 20 {
		t.Fatalf("%d queries, %d vectors; want 20 of each", len(qs), len(given))
	}
	vs, err := given.Embed(t.Context(), qs[:2])
	if err != nil || len(vs) != 2 || len(vs[0]) != dim {
		t.Fatalf("Embed: %d vectors, %v", len(vs), err)
	}
	if _, err := given.Embed(t.Context(), []string{"not made"}); err == nil {
		t.Error("Embed of an unknown query succeeded; want an error")
	}
}
