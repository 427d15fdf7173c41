package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Count is the number of papers of one venue with one status and
// presentation.
type Count struct {
	VenueID, Venue string
	Year           int
	Status         paper.Status
	Presentation   paper.Presentation
	Papers         int
}

// Stats counts the stored papers per venue, status and presentation, ordered
// by venue label and id, then status in paper.Statuses order, then
// presentation (oral, spotlight, poster, none).
func (s *Store) Stats(ctx context.Context) ([]Count, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT venue_id, venue, year, status, presentation, count(*)
		FROM papers GROUP BY venue_id, venue, year, status, presentation`)
	if err != nil {
		return nil, fmt.Errorf("count papers per venue: %w", err)
	}
	defer rows.Close()
	var counts []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.VenueID, &c.Venue, &c.Year, &c.Status, &c.Presentation, &c.Papers); err != nil {
			return nil, fmt.Errorf("count papers per venue: %w", err)
		}
		counts = append(counts, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count papers per venue: %w", err)
	}
	slices.SortFunc(counts, func(a, b Count) int {
		return cmp.Or(
			cmp.Compare(a.Venue, b.Venue),
			cmp.Compare(a.VenueID, b.VenueID),
			cmp.Compare(a.Year, b.Year),
			cmp.Compare(rank(paper.Statuses, a.Status), rank(paper.Statuses, b.Status)),
			cmp.Compare(a.Status, b.Status),
			cmp.Compare(rank(presentations, a.Presentation), rank(presentations, b.Presentation)),
			cmp.Compare(a.Presentation, b.Presentation),
		)
	})
	return counts, nil
}

var presentations = []paper.Presentation{paper.PresentationOral, paper.PresentationSpotlight, paper.PresentationPoster}

// rank is v's position in order; values not listed sort after all listed.
func rank[T comparable](order []T, v T) int {
	if i := slices.Index(order, v); i >= 0 {
		return i
	}
	return len(order)
}
