package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/crawl"
)

// progress shows a crawl in flight: one line rewritten in place on a
// terminal, one log record per page elsewhere.
type progress struct {
	w      io.Writer
	tty    bool
	log    *slog.Logger
	active bool
}

func (p *progress) update(pr crawl.Progress) {
	rate, eta := speed(pr)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", progressLine(pr, rate, eta))
		p.active = true
		return
	}
	attrs := []any{"venue", pr.Venue, "listing", pr.Listing, "phase", pr.Phase,
		"pages", pr.Pages, "papers", pr.Papers, "papers_per_s", round1(rate)}
	if pr.Total > 0 {
		attrs = append(attrs, "total", pr.Total, "eta", eta.String())
	}
	p.log.Info("crawl progress", attrs...)
}

// finish ends the progress line so the next output starts on its own line.
func (p *progress) finish() {
	if p.active {
		fmt.Fprintln(p.w)
		p.active = false
	}
}

func progressLine(pr crawl.Progress, rate float64, eta time.Duration) string {
	s := fmt.Sprintf("%s [%s, %s] page %d: %d", pr.Venue, pr.Listing, pr.Phase, pr.Pages, pr.Papers)
	if pr.Total > 0 {
		s += fmt.Sprintf(" of %d", pr.Total)
	}
	s += fmt.Sprintf(" papers, %.0f papers/s", rate)
	if pr.Total > 0 && pr.Phase == "full" {
		s += ", ETA " + eta.String()
	}
	return s
}

// speed is the rate of this run (papers committed by an interrupted run
// before it do not count) and the time left at that rate.
func speed(pr crawl.Progress) (float64, time.Duration) {
	elapsed := time.Since(pr.Started).Seconds()
	done := pr.Papers - pr.Resumed
	if elapsed <= 0 || done <= 0 {
		return 0, 0
	}
	rate := float64(done) / elapsed
	left := max(pr.Total-pr.Papers, 0)
	return rate, time.Duration(float64(left) / rate * float64(time.Second)).Round(time.Second)
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }
