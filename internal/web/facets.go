package web

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// statsTTL is how long counts are reused. Counting groups every paper
// (tens of milliseconds at 100k); counts change only while a crawl runs,
// and the page may lag it by a few seconds.
const statsTTL = 5 * time.Second

// facets is what the index holds, for the filters and /api/venues.
type facets struct {
	Venues []venueCount
	Years  []yearCount // newest first
	Chips  map[string]int
	Papers int
}

type venueCount struct {
	ID, Label, Title string
	Year             int
	Papers           int
	Chips            map[string]int // papers per status chip value
}

type yearCount struct{ Year, Papers int }

// statsCache keeps the last facets for ttl.
type statsCache struct {
	ttl  time.Duration
	mu   sync.Mutex
	at   time.Time
	last *facets
}

// facets returns the catalog's counts, cached for a few seconds.
func (s *Server) facets(ctx context.Context) (*facets, error) {
	c := &s.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.now()
	if c.last != nil && now.Sub(c.at) < c.ttl && !now.Before(c.at) {
		return c.last, nil
	}
	f, err := loadFacets(ctx, s.cfg.Catalog)
	if err != nil {
		return nil, err
	}
	c.last, c.at = f, now
	return f, nil
}

// loadFacets counts papers per venue, year and status chip. Venues the
// catalog knows without papers are listed with none.
func loadFacets(ctx context.Context, cat Catalog) (*facets, error) {
	f := &facets{Chips: map[string]int{}}
	if cat == nil {
		return f, nil
	}
	counts, err := cat.Stats(ctx)
	if err != nil {
		return nil, fmt.Errorf("count papers: %w", err)
	}
	venues, err := cat.Venues(ctx)
	if err != nil {
		return nil, fmt.Errorf("list venues: %w", err)
	}
	byID := map[string]*venueCount{}
	add := func(id, label, title string, year int) *venueCount {
		v := byID[id]
		if v == nil {
			v = &venueCount{ID: id, Label: cmp.Or(label, id), Title: title, Year: year, Chips: map[string]int{}}
			byID[id] = v
		}
		return v
	}
	for _, v := range venues {
		add(v.ID, v.Label, v.Title, v.Year)
	}
	years := map[int]int{}
	for _, c := range counts {
		v := add(c.VenueID, c.Venue, "", c.Year)
		v.Papers += c.Papers
		f.Papers += c.Papers
		if c.Year > 0 {
			years[c.Year] += c.Papers
		}
		for _, chip := range chipsOf(c) {
			v.Chips[chip] += c.Papers
			f.Chips[chip] += c.Papers
		}
	}
	for _, v := range byID {
		f.Venues = append(f.Venues, *v)
	}
	slices.SortFunc(f.Venues, func(a, b venueCount) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)), cmp.Compare(a.ID, b.ID))
	})
	for y, n := range years {
		f.Years = append(f.Years, yearCount{y, n})
	}
	slices.SortFunc(f.Years, func(a, b yearCount) int { return cmp.Compare(b.Year, a.Year) })
	return f, nil
}

// chipsOf lists the status chips a count's papers fall under: their
// status, and for accepted papers with a presentation, that too.
func chipsOf(c store.Count) []string {
	if c.Status == paper.StatusAccepted && c.Presentation != "" {
		return []string{string(c.Status), string(c.Presentation)}
	}
	return []string{string(c.Status)}
}
