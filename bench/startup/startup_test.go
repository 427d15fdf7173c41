package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

func TestParseVmHWM(t *testing.T) {
	for _, tc := range []struct {
		name, status string
		want         float64
		err          bool
	}{
		{name: "kB", status: "Name:\tx\nVmPeak:\t  999 kB\nVmHWM:\t  524288 kB\nVmRSS:\t 1 kB\n", want: 512},
		{name: "missing", status: "Name:\tx\nVmRSS:\t 1 kB\n", err: true},
		{name: "other unit", status: "VmHWM:\t 12 MB\n", err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseVmHWM(tc.status)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("parseVmHWM = %v, %v; want %v, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestSummarise(t *testing.T) {
	ss := []sample{
		{Kind: "cold", SemanticS: 9, HealthzS: 0.01, Others: 0.5},
		{Kind: "cold", SemanticS: 7, HealthzS: 0.03, Others: 0},
		{Kind: "cold", SemanticS: 8, HealthzS: 0.02, Others: 0.25},
		{Kind: "cold", SemanticS: 20, HealthzS: 0.02, Others: 0.125},
	}
	if diff := cmp.Diff(sample{Kind: "cold", SemanticS: 8.5, HealthzS: 0.02, Others: 0.1875}, summarise(ss, median)); diff != "" {
		t.Errorf("median (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sample{Kind: "cold", SemanticS: 20, HealthzS: 0.03, Others: 0.5}, summarise(ss, maxOf)); diff != "" {
		t.Errorf("max (-want +got):\n%s", diff)
	}
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3 values = %v, want 2", got)
	}
}

func TestReportMet(t *testing.T) {
	for _, tc := range []struct {
		name string
		sem  []float64
		want bool
	}{
		{name: "within", sem: []float64{12, 59.9}, want: true},
		{name: "one over", sem: []float64{12, 60.1}, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &report{}
			for i, s := range tc.sem {
				r.add(sample{Kind: kindCold, Run: i + 1, SemanticS: s})
			}
			r.finish()
			if r.Met != tc.want {
				t.Errorf("Met = %v, want %v", r.Met, tc.want)
			}
		})
	}
}

func TestPhases(t *testing.T) {
	p := &process{lines: []line{
		{100 * time.Millisecond, "listening on http://127.0.0.1:7860"},
		{2 * time.Second, "index snapshot: pulling bench/orf-index (12000 papers, 12000 vectors, 70.1 MB, created 2026-01-01 00:00 UTC)"},
		{3 * time.Second, "index snapshot: 70.1 MB pulled and verified in 1.2 s"},
		{4 * time.Second, "semantic search on: 12000 vectors"},
		{5 * time.Second, "ready: 12000 papers, 12000 vectors, semantic search on"},
	}}
	var got sample
	if err := phases(p, &got); err != nil {
		t.Fatal(err)
	}
	want := sample{SnapshotS: 3, PullS: 1.2, ModelS: 4, ReadyS: 5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}

	p.lines = p.lines[:1]
	p.lines = append(p.lines, line{time.Second, "no index snapshot (x; y): starting with an empty index"}, line{2 * time.Second, "ready: 0 papers, 0 vectors, semantic search off: no vectors"})
	if err := phases(p, &got); err == nil || !strings.Contains(err.Error(), "did not come from the Hub snapshot") {
		t.Errorf("phases without a snapshot: %v, want the snapshot missed", err)
	}
}

func TestICLR2025(t *testing.T) {
	g := synth.NewGen(corpusSeed)
	next := 0
	papers := iclr2025(g, &next, 500)
	presentations := map[paper.Presentation]int{}
	for _, p := range papers {
		if p.VenueID != venueID || p.Year != 2025 || p.Status != paper.StatusAccepted {
			t.Fatalf("paper %s: %s %d %s; want accepted at %s", p.ID, p.VenueID, p.Year, p.Status, venueID)
		}
		presentations[p.Presentation]++
	}
	for _, pr := range []paper.Presentation{paper.PresentationOral, paper.PresentationSpotlight, paper.PresentationPoster} {
		if presentations[pr] == 0 {
			t.Errorf("no %s among %d papers: %v", pr, len(papers), presentations)
		}
	}
	if next <= len(papers) {
		t.Errorf("drew %d synthetic papers for %d: the others should be left out", next, len(papers))
	}
}

func TestKeywordQuery(t *testing.T) {
	got := keywordQuery("Sparse Attention: of Diffusion Transformers for Graphs")
	if want := "sparse attention diffusion"; got != want {
		t.Errorf("keywordQuery = %q, want %q", got, want)
	}
}

func TestHubCacheDir(t *testing.T) {
	got := hubCacheDir([]string{"PATH=/bin", "HOME=/h"})
	if want := filepath.Join("/h", ".cache", "huggingface", "hub"); got != want {
		t.Errorf("hubCacheDir = %q, want %q", got, want)
	}
}
