package openreview

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// pacer spaces requests to each host: at most one per interval, and none
// before a time the host told us its budget resets. Callers reserve a
// slot, then sleep until it; reservations never overlap, so concurrent
// callers queue up instead of bursting.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration        // zero or negative: no spacing
	next     map[string]time.Time // host -> earliest start of the next request
}

func newPacer(interval time.Duration) *pacer {
	return &pacer{interval: interval, next: make(map[string]time.Time)}
}

// reserve books the next slot for host and returns how long to wait
// from now until it.
func (p *pacer) reserve(host string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.next[host]
	if t.Before(now) {
		t = now
	}
	p.next[host] = t.Add(max(p.interval, 0))
	return t.Sub(now)
}

// holdUntil keeps host's next request from starting before until.
func (p *pacer) holdUntil(host string, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.next[host]) {
		p.next[host] = until
	}
}

// exhaustedFor reports, from a response's headers, how long until the
// host's request budget resets when the response says none is left
// ("ratelimit-remaining: 0" with "ratelimit-reset: <seconds>").
func exhaustedFor(h http.Header) (time.Duration, bool) {
	if strings.TrimSpace(h.Get("Ratelimit-Remaining")) != "0" {
		return 0, false
	}
	return parseSeconds(h.Get("Ratelimit-Reset"))
}
