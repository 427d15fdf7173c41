package web

import (
	"context"
	"fmt"
	"time"
)

// queue bounds the searches running at once. A search embeds its query,
// which costs memory and a core for tens of milliseconds; a burst of
// queries waits here instead of piling up inside the encoder.
type queue struct {
	slots chan struct{}
	wait  time.Duration // how long a search may wait for a slot
}

func newQueue(n int, wait time.Duration) *queue {
	return &queue{slots: make(chan struct{}, n), wait: wait}
}

// acquire takes a slot, waiting at most q.wait (errBusy) or until ctx ends.
// The caller must call the returned release.
func (q *queue) acquire(ctx context.Context) (release func(), err error) {
	select {
	case q.slots <- struct{}{}:
		return q.release, nil
	default:
	}
	t := time.NewTimer(q.wait)
	defer t.Stop()
	select {
	case q.slots <- struct{}{}:
		return q.release, nil
	case <-t.C:
		return nil, fmt.Errorf("wait %v for a search slot: %w", q.wait, errBusy)
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a search slot: %w", context.Cause(ctx))
	}
}

func (q *queue) release() { <-q.slots }
