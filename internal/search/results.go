package search

import (
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// defaultResultCache is how many search responses an Engine remembers, and
// resultTTL how long one stays good. During a conference the same searches
// come again and again (shared links, popular topics, back and forward);
// serving them from memory frees the cores for new ones. A response is
// dropped when the vectors are reloaded and after resultTTL, which bounds
// how stale the keyword side can be while a crawl writes new papers.
const (
	defaultResultCache = 512
	resultTTL          = 30 * time.Second
)

type resultCache struct {
	mu    sync.Mutex
	max   int
	items map[string]cachedResponse
	order []string // insertion order, oldest first, for eviction
	now   func() time.Time
}

type cachedResponse struct {
	ix   *index // the vectors it was computed on
	at   time.Time
	resp Response
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, items: map[string]cachedResponse{}, now: time.Now}
}

// key identifies a request after its mode is resolved; ok is false for
// requests that cannot be keyed, which are never cached.
func resultKey(req Request, mode Mode) (string, bool) {
	b, err := json.Marshal(struct {
		T string
		M Mode
		L int
		F any
		E bool
	}{req.Text, mode, clampLimit(req.Limit), req.Filter, req.Explain})
	return string(b), err == nil
}

func (c *resultCache) get(key string, ix *index) (Response, bool) {
	if c == nil {
		return Response{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.items[key]
	if !ok || r.ix != ix || c.now().Sub(r.at) > resultTTL {
		return Response{}, false
	}
	resp := r.resp
	resp.Results = slices.Clone(resp.Results) // callers may reorder their slice
	return resp, true
}

func (c *resultCache) put(key string, ix *index, resp Response) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; !ok {
		c.order = append(c.order, key)
	}
	resp.Results = slices.Clone(resp.Results)
	c.items[key] = cachedResponse{ix: ix, at: c.now(), resp: resp}
	for len(c.order) > c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
}
