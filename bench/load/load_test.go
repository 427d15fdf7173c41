package main

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/web"
)

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	want := latency{N: 100, P50: 50, P90: 90, P99: 99, Mean: 50.5, Max: 100}
	if diff := cmp.Diff(want, summarise(ds)); diff != "" {
		t.Errorf("summarise (-want +got):\n%s", diff)
	}
}

// TestWeighPage serves the real page over an empty index: the page must
// link its stylesheet, icon and script, and gzip must shrink the total.
func TestWeighPage(t *testing.T) {
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(web.New(web.Config{Catalog: st}))
	defer srv.Close()
	pw, err := weighPage(t.Context(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range pw.Files {
		kinds = append(kinds, f.Path[strings.LastIndex(f.Path, ".")+1:])
	}
	if diff := cmp.Diff([]string{"/", "css", "svg", "js"}, kinds); diff != "" {
		t.Errorf("files weighed (-want +got):\n%s", diff)
	}
	if pw.Gzip <= 0 || pw.Gzip >= pw.Plain {
		t.Errorf("first load: %d bytes plain, %d gzip; want gzip smaller and not zero", pw.Plain, pw.Gzip)
	}
}

func TestAnswerChecks(t *testing.T) {
	tests := []struct {
		name, body     string
		hybrid, noHits bool
	}{
		{"indented", "{\n  \"mode\": \"hybrid\",\n  \"count\": 20,", true, false},
		{"compact", `{"mode":"hybrid","count":0,"results":[]}`, true, true},
		{"fallback", `{"mode": "keyword", "count": 3,`, false, false},
		{"ten", `{"mode": "hybrid", "count": 10,`, true, false},
	}
	want := modeAnswer("hybrid")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := want.MatchString(tt.body); got != tt.hybrid {
				t.Errorf("hybrid answer: %v, want %v", got, tt.hybrid)
			}
			if got := noResults.MatchString(tt.body); got != tt.noHits {
				t.Errorf("no results: %v, want %v", got, tt.noHits)
			}
		})
	}
}
