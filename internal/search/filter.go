package search

import (
	"context"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/store"
)

// rows returns which rows pass f: nil when f is empty (every row). Venue,
// year and status are decided here, with the store's semantics (see
// store.Filter); author and keyword filters, which need the folded text,
// are asked of the store with FilterIDs. Either way a row passes exactly
// when the store's Search would keep its paper.
func (e *Engine) rows(ctx context.Context, ix *index, f store.Filter) ([]bool, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Empty() {
		return nil, nil
	}
	venueOK := make([]bool, len(ix.venues))
	for i, v := range ix.venues {
		venueOK[i] = matchVenue(f.Venues, v)
	}
	classOK := make([]bool, len(ix.classes))
	for i, c := range ix.classes {
		classOK[i] = matchClass(f.Statuses, c)
	}
	years := make(map[int]bool, len(f.Years))
	for _, y := range f.Years {
		years[y] = true
	}
	mask := make([]bool, ix.Len())
	for i := range mask {
		mask[i] = venueOK[ix.venue[i]] && classOK[ix.class[i]] && (len(f.Years) == 0 || years[int(ix.year[i])])
	}
	if len(f.Authors)+len(f.Keywords) == 0 {
		return mask, nil
	}
	ids, err := e.st.FilterIDs(ctx, store.Filter{Authors: f.Authors, Keywords: f.Keywords})
	if err != nil {
		return nil, err
	}
	both := make([]bool, len(mask))
	for _, id := range ids {
		if r, ok := ix.byID[id]; ok {
			both[r] = mask[r]
		}
	}
	return both, nil
}

// matchVenue reports whether one of the filter's venues names v: its id,
// its label or its series (the label's first word), ignoring ASCII case as
// SQLite's NOCASE does. No venues matches every venue.
func matchVenue(want []string, v venue) bool {
	if len(want) == 0 {
		return true
	}
	series, _, _ := strings.Cut(v.label, " ")
	for _, w := range want {
		w = strings.TrimSpace(w)
		if asciiEqualFold(v.id, w) || asciiEqualFold(v.label, w) || asciiEqualFold(series, w) {
			return true
		}
	}
	return false
}

// matchClass reports whether one of the filter's statuses matches c; an
// empty status or presentation in the filter matches any.
func matchClass(want []store.StatusFilter, c class) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if (w.Status == "" || w.Status == c.status) && (w.Presentation == "" || w.Presentation == c.presentation) {
			return true
		}
	}
	return false
}

// asciiEqualFold compares as SQLite's NOCASE collation: only A-Z fold.
// strings.EqualFold folds all of Unicode ("K" matches the Kelvin sign),
// which the store does not.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
