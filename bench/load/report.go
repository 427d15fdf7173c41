package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"text/tabwriter"

	"github.com/openreview-finder/openreview-finder/internal/tensor"

	"github.com/openreview-finder/openreview-finder/bench/internal/machine"
)

// report is everything one run measures.
type report struct {
	Papers      int        `json:"papers"`
	Vectors     int        `json:"vectors"`
	Clients     int        `json:"clients"`
	MaxSearches int        `json:"max_searches"` // 0: web's default (2)
	DurationS   float64    `json:"duration_s"`
	WarmupS     float64    `json:"warmup_s"`
	ThinkMS     float64    `json:"think_ms"` // mean pause between a client's requests; 0: closed loop
	GOMAXPROCS  int        `json:"gomaxprocs"`
	Backend     string     `json:"backend"`
	OpenMS      float64    `json:"open_ms"`
	Page        pageWeight `json:"first_load"`
	Mixes       []result   `json:"mixes"`
}

func measure(ctx context.Context, c config, log io.Writer) (*report, error) {
	fmt.Fprintf(log, "opening the %d-paper index and the query encoder ...\n", c.n)
	s, err := start(ctx, c)
	if err != nil {
		return nil, err
	}
	defer s.close()
	rep := &report{
		Papers: c.n, Vectors: s.vectors, Clients: c.clients, MaxSearches: c.maxSearches,
		DurationS: c.duration.Seconds(), WarmupS: c.warmup.Seconds(), ThinkMS: ms(c.think),
		GOMAXPROCS: runtime.GOMAXPROCS(0), Backend: tensor.BackendInfo(), OpenMS: s.openMS,
	}
	if rep.Page, err = weighPage(ctx, s.http.URL); err != nil {
		return nil, fmt.Errorf("weigh the search page: %w", err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.clients}}
	defer hc.CloseIdleConnections()
	qs := newQueries()
	for _, m := range mixes {
		if !slices.Contains(c.mixes, m.name) {
			continue
		}
		if err := machine.WaitIdle(ctx, c.waitIdle, log); err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "mix %s: %d clients, %v warm-up, %v timed ...\n", m.name, c.clients, c.warmup, c.duration)
		r, err := drive(ctx, c, hc, s.http.URL, m, qs)
		if err != nil {
			return nil, fmt.Errorf("mix %s: %w", m.name, err)
		}
		rep.Mixes = append(rep.Mixes, r)
	}
	return rep, s.close()
}

func printReport(w io.Writer, r *report) {
	fmt.Fprintf(w, "GET /api/search, %d papers (%d vectors), %d closed-loop clients, max searches %s, %.0f s per mix after %.0f s warm-up\n",
		r.Papers, r.Vectors, r.Clients, maxSearches(r.MaxSearches), r.DurationS, r.WarmupS)
	if r.ThinkMS > 0 {
		fmt.Fprintf(w, "each client pauses %.0f ms on average (exponential) between requests\n", r.ThinkMS)
	}
	fmt.Fprintf(w, "GOMAXPROCS %d, %s; index + encoder open in %.0f ms\n", r.GOMAXPROCS, r.Backend, r.OpenMS)
	fmt.Fprintln(w, "target (issue 5): p50 ≤ 50 ms, p99 ≤ 150 ms at 8 clients")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mix\trequests\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\t503s\tfallbacks\tothers busy\tload1\ttarget\t")
	for _, m := range r.Mixes {
		goal := "misses"
		if m.MeetsGoal {
			goal = "meets"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%.2f\t%.2f→%.2f\t%s\t\n",
			m.Mix, m.Requests, m.Throughput, m.Latency.P50, m.Latency.P90, m.Latency.P99, m.Latency.Max,
			m.Errors, m.Busy503, m.Fallbacks, m.Latency.Others, m.LoadBefore, m.LoadAfter, goal)
	}
	tw.Flush()
	for _, m := range r.Mixes {
		fmt.Fprintf(w, "  %s: %s\n", m.Mix, m.About)
		if m.FirstError != "" {
			fmt.Fprintf(w, "    first error: %s\n", m.FirstError)
		}
		if m.Fallback != "" {
			fmt.Fprintf(w, "    first answer in another mode: %s\n", m.Fallback)
		}
		if m.Empty > 0 {
			fmt.Fprintf(w, "    %d answers listed no papers\n", m.Empty)
		}
		if m.Repeats > 0 {
			fmt.Fprintf(w, "    %d queries were repeats: the distinct list ran out\n", m.Repeats)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "search page, first load (bodies, no headers):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tplain bytes\tgzip bytes\t")
	for _, f := range r.Page.Files {
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", f.Path, f.Plain, f.Gzip)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t\n", r.Page.Plain, r.Page.Gzip)
	tw.Flush()
}

func maxSearches(n int) string {
	if n <= 0 {
		return "2 (default)"
	}
	return fmt.Sprint(n)
}
