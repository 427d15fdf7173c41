package crawl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/openreview"
	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Pass phases recorded in a checkpoint.
const (
	phaseFull   = "full"   // every note of the listing, by id
	phaseUpdate = "update" // notes modified since the watermark, newest first
)

type listingResult struct {
	papers, pages, requests, cacheHits int
	updated                            bool
}

// listing reads one listing from where its checkpoint says it stands to the
// end of the pass, committing page by page.
func (c *Crawler) listing(ctx context.Context, info openreview.VenueInfo, l openreview.Listing) (listingResult, error) {
	key := listingKey(info.ID, l.Name)
	cp, err := c.loadCheckpoint(ctx, key)
	if err != nil {
		return listingResult{}, fmt.Errorf("load checkpoint: %w", err)
	}
	if cp.Phase == "" {
		cp = c.startPass(cp)
	} else {
		c.log.Info("resuming interrupted crawl", "venue", info.ID, "listing", l.Name,
			"phase", cp.Phase, "pages_done", cp.Pages, "papers_done", cp.Papers)
	}
	res := listingResult{updated: cp.Phase == phaseUpdate}
	started, before := time.Now(), cp.Papers
	for {
		q := c.pageQuery(l, cp)
		path := c.cachePath(info.ID, l.Name, cp, q)
		page, cached, err := c.fetchPage(ctx, l.APIVersion, q, path)
		if err != nil {
			return res, fmt.Errorf("page %d: %w", cp.Pages+1, err)
		}
		if cached {
			res.cacheHits++
		} else {
			res.requests++
		}
		papers, done := c.collect(info, l, &cp, page)
		data, err := json.Marshal(cp)
		if err != nil {
			return res, fmt.Errorf("encode checkpoint: %w", err)
		}
		if err := c.sink.Commit(ctx, key, papers, data); err != nil {
			return res, fmt.Errorf("commit page %d: %w", cp.Pages, err)
		}
		res.pages++
		res.papers += len(papers)
		c.report(info, l, cp, started, before)
		if done {
			c.pruneCache(info.ID, l.Name, cp.Gen)
			return res, nil
		}
	}
}

// startPass begins a new pass: an update when a full pass has completed
// before (and no refresh was asked for), else a full read.
func (c *Crawler) startPass(prev checkpoint) checkpoint {
	cp := checkpoint{Gen: prev.Gen + 1, Complete: prev.Complete, Watermark: prev.Watermark, Phase: phaseFull}
	if prev.Complete && !c.opts.Refresh {
		cp.Phase = phaseUpdate
	}
	return cp
}

// pageQuery is the request for the next page of a pass.
func (c *Crawler) pageQuery(l openreview.Listing, cp checkpoint) url.Values {
	q := url.Values{}
	for k, v := range l.Params {
		q[k] = append([]string(nil), v...)
	}
	q.Set("limit", strconv.Itoa(c.opts.PageSize))
	switch cp.Phase {
	case phaseUpdate:
		// Offset paging over a modification-date sort; the after cursor is
		// only defined for sort=id.
		q.Set("sort", "tmdate:desc")
		q.Set("offset", strconv.Itoa(cp.Offset))
	default:
		q.Set("sort", "id")
		if cp.After != "" {
			q.Set("after", cp.After)
		} else {
			// count is returned by v2 only when asked for; it feeds the ETA.
			q.Set("count", "true")
		}
	}
	return q
}

// collect turns a page into papers and advances the checkpoint. It reports
// whether the pass is over.
func (c *Crawler) collect(info openreview.VenueInfo, l openreview.Listing, cp *checkpoint, page openreview.NotesPage) ([]paper.Paper, bool) {
	if cp.Pages == 0 && page.HasCount {
		cp.Total = page.Count
	}
	var papers []paper.Paper
	stop := false
	for _, n := range page.Notes {
		if n.Forum != "" && n.Forum != n.ID {
			continue // a reply, not a submission
		}
		mod := n.Modified()
		if cp.Phase == phaseUpdate && mod < cp.Watermark {
			stop = true // everything further down is older than what we hold
			continue
		}
		cp.PassMax = max(cp.PassMax, mod)
		papers = append(papers, openreview.Normalize(n, info, l))
	}
	if cp.Phase == phaseUpdate {
		cp.Offset += len(page.Notes)
	} else if len(page.Notes) > 0 {
		cp.After = page.Notes[len(page.Notes)-1].ID
	}
	cp.Pages++
	cp.Papers += len(papers)
	done := stop || len(page.Notes) < c.opts.PageSize
	if done {
		cp.Phase, cp.After, cp.Offset = "", "", 0
		cp.Complete = true
		cp.Watermark = max(cp.Watermark, cp.PassMax)
	}
	return papers, done
}

func (c *Crawler) report(info openreview.VenueInfo, l openreview.Listing, cp checkpoint, started time.Time, before int) {
	phase := cp.Phase
	if phase == "" {
		phase = "done"
	}
	c.log.Debug("page committed", "venue", info.ID, "listing", l.Name, "phase", phase,
		"pages", cp.Pages, "papers", cp.Papers, "total", cp.Total)
	if c.opts.Progress != nil {
		c.opts.Progress(Progress{Venue: info.Label, Listing: l.Name, Phase: phase,
			Pages: cp.Pages, Papers: cp.Papers, Total: cp.Total, Started: started, Resumed: before})
	}
}
