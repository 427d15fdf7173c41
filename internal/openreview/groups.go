package openreview

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// groupsPage is the body of GET /groups.
type groupsPage struct {
	Groups []json.RawMessage `json:"groups"`
}

// Group returns the group with this id as OpenReview sends it. Groups
// are shared by both APIs, so it always asks the v2 host. A missing group
// is an error wrapping paper.ErrNotFound.
func (c *Client) Group(ctx context.Context, id string) (json.RawMessage, error) {
	body, err := c.Get(ctx, 2, "/groups", url.Values{"id": {id}})
	if err != nil {
		return nil, fmt.Errorf("group %q: %w", id, err)
	}
	var p groupsPage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("group %q: read answer: %w", id, err)
	}
	if len(p.Groups) == 0 {
		return nil, fmt.Errorf("group %q: %w", id, paper.ErrNotFound)
	}
	return p.Groups[0], nil
}

// VenueIDs returns the id of every venue OpenReview has hosted: the
// members of the "venues" group (a few thousand).
func (c *Client) VenueIDs(ctx context.Context) ([]string, error) {
	raw, err := c.Group(ctx, "venues")
	if err != nil {
		return nil, fmt.Errorf("list venues: %w", err)
	}
	var g struct {
		Members []string `json:"members"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("list venues: read group: %w", err)
	}
	return g.Members, nil
}
