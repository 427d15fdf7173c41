package search

import (
	"container/list"
	"sync"
)

// defaultQueryCache is how many query vectors an Engine remembers. A query
// vector is dim float32s (3 KB for SPECTER2), so the default costs about
// 3 MB; it saves the encoder's forward pass, the bulk of a search's time,
// for queries typed again: as-you-type prefixes, back and forward, shared
// links, popular topics during a conference.
const defaultQueryCache = 1024

// vectorCache is a least-recently-used map from query text to its unit
// vector. Vectors handed out are shared: callers must not change them.
type vectorCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List // of *cacheEntry, most recent first
	items map[string]*list.Element
}

type cacheEntry struct {
	text string
	vec  []float32
}

func newVectorCache(max int) *vectorCache {
	return &vectorCache{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *vectorCache) get(text string) ([]float32, bool) {
	if c == nil || c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[text]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*cacheEntry).vec, true
}

func (c *vectorCache) put(text string, vec []float32) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[text]; ok {
		el.Value.(*cacheEntry).vec = vec
		c.ll.MoveToFront(el)
		return
	}
	c.items[text] = c.ll.PushFront(&cacheEntry{text: text, vec: vec})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).text)
	}
}
