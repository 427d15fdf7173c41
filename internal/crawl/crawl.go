// Package crawl copies the submissions of OpenReview venues into a store.
//
// Each venue is read as one or more listings (see openreview.Listing), paged
// with sort=id and an after cursor. Every raw page is cached on disk before it
// is parsed, and the papers of a page are committed together with the cursor
// that follows them in one store transaction, so a crawl stopped at any moment
// (Ctrl-C, kill -9) resumes at the first page not yet committed and re-uses
// pages already fetched. Once a listing has been read completely, a re-run
// asks only for notes modified since the newest modification it has seen.
package crawl

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/openreview"
	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Source is what the crawler needs of an OpenReview client.
type Source interface {
	ResolveVenue(ctx context.Context, id string) (openreview.VenueInfo, error)
	Get(ctx context.Context, version int, path string, q url.Values) ([]byte, error)
}

// Sink is what the crawler needs of a store. Commit must write the papers
// and the checkpoint atomically.
type Sink interface {
	SaveVenue(ctx context.Context, v paper.Venue) error
	Commit(ctx context.Context, key string, papers []paper.Paper, checkpoint []byte) error
	Checkpoint(ctx context.Context, key string) ([]byte, error)
}

// Options configure a Crawler. The zero value of each field is a usable default.
type Options struct {
	// CacheDir holds raw API pages; empty disables the cache.
	CacheDir string
	// PageSize is the notes per request; at most 1000 (the API's cap).
	PageSize int
	// All crawls every status (rejected, withdrawn, ...), not only accepted papers.
	All bool
	// Refresh forgets that listings were complete and reads them in full again.
	Refresh bool
	// Logger receives one line per page at Debug and per listing at Info.
	Logger *slog.Logger
	// Progress, when set, is called after every committed page.
	Progress func(Progress)
}

// Progress describes a crawl in flight.
type Progress struct {
	Venue   string // label, e.g. "ICLR 2025"
	Listing string
	Phase   string    // "full" or "update", "done" on a listing's last page
	Pages   int       // pages committed in this pass
	Papers  int       // papers committed in this pass
	Resumed int       // of Papers, those committed by an earlier, interrupted run
	Total   int       // papers the server reported for the listing, 0 if unknown
	Started time.Time // when this run began reading the listing
}

// Result sums up one venue's crawl.
type Result struct {
	Venue     paper.Venue
	Papers    int // papers written (new or changed) in this run
	Pages     int // pages read, from the network or the cache
	Requests  int // pages fetched from the network
	CacheHits int
	Updated   bool // true when every listing was an incremental update
}

// Crawler copies venues from a Source into a Sink.
type Crawler struct {
	src  Source
	sink Sink
	opts Options
	log  *slog.Logger
}

// New returns a Crawler. It does no I/O.
func New(src Source, sink Sink, opts Options) *Crawler {
	if opts.PageSize <= 0 || opts.PageSize > 1000 {
		opts.PageSize = 1000
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Crawler{src: src, sink: sink, opts: opts, log: log}
}

// Venue crawls one venue: resolves it, saves it, then reads each of its
// listings to the end (or just their changes, when read before).
func (c *Crawler) Venue(ctx context.Context, id string) (Result, error) {
	info, err := c.src.ResolveVenue(ctx, id)
	if err != nil {
		return Result{}, fmt.Errorf("resolve venue %q: %w", id, err)
	}
	if err := c.sink.SaveVenue(ctx, info.Venue); err != nil {
		return Result{}, fmt.Errorf("save venue %q: %w", id, err)
	}
	res := Result{Venue: info.Venue, Updated: true}
	for _, l := range info.Listings(c.opts.All) {
		lr, err := c.listing(ctx, info, l)
		res.Papers += lr.papers
		res.Pages += lr.pages
		res.Requests += lr.requests
		res.CacheHits += lr.cacheHits
		res.Updated = res.Updated && lr.updated
		if err != nil {
			return res, fmt.Errorf("crawl %s listing %s: %w", id, l.Name, err)
		}
	}
	c.log.Info("venue crawled", "venue", info.ID, "label", info.Label, "api", info.APIVersion,
		"papers", res.Papers, "pages", res.Pages, "requests", res.Requests, "cache_hits", res.CacheHits)
	return res, nil
}

// checkpoint is the crawler's own record of where a listing stands. The
// store keeps it as opaque bytes, written in the same transaction as the
// papers it accounts for.
type checkpoint struct {
	Gen       int    `json:"gen"`                 // pass number; names the cache folder of the pass
	Phase     string `json:"phase,omitempty"`     // "full" or "update" while a pass is under way; "" between passes
	Complete  bool   `json:"complete,omitempty"`  // a full pass has finished at least once
	After     string `json:"after,omitempty"`     // full pass: the last committed note id
	Offset    int    `json:"offset,omitempty"`    // update pass: notes already read
	Pages     int    `json:"pages,omitempty"`     // pages committed in this pass
	Papers    int    `json:"papers,omitempty"`    // papers committed in this pass
	Total     int    `json:"total,omitempty"`     // count reported by the server, if any
	Watermark int64  `json:"watermark,omitempty"` // newest modification (ms) of a completed pass
	PassMax   int64  `json:"pass_max,omitempty"`  // newest modification seen in this pass
}

func (c *Crawler) loadCheckpoint(ctx context.Context, key string) (checkpoint, error) {
	var cp checkpoint
	data, err := c.sink.Checkpoint(ctx, key)
	if err != nil || data == nil {
		return cp, err
	}
	if err := json.Unmarshal(data, &cp); err != nil {
		// A checkpoint we cannot read only costs a full pass; the papers
		// already stored stay.
		c.log.Warn("unreadable crawl checkpoint; starting the listing again", "key", key, "err", err)
		return checkpoint{}, nil
	}
	return cp, nil
}

func listingKey(venueID, listing string) string {
	return "openreview/" + venueID + "/" + listing
}
