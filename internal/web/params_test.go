package web

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/search"
)

// TestParamsRoundTrip: the canonical query string of a search (links,
// exports) parses back to the same search, and leaves defaults out.
func TestParamsRoundTrip(t *testing.T) {
	tests := []struct{ in, canonical string }{
		{"q=graph", "q=graph"},
		{"q=graph&mode=hybrid&n=20&author=&keyword=&explain=0", "q=graph"},
		{"q=%20graph%20&mode=KEYWORD&n=5", "mode=keyword&n=5&q=graph"},
		{"venue=ICLR&venue=TMLR&year=2024&status=Oral&status=desk_rejected", "status=oral&status=desk-rejected&venue=ICLR&venue=TMLR&year=2024"},
		{"author=hinton%3B+lecun&author=bengio&keyword=gnn&explain=on", "author=hinton%3B+lecun%3B+bengio&explain=1&keyword=gnn"},
		{"similar=p1&n=3&partial=1&format=csv", "n=3&similar=p1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := url.ParseQuery(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			p, err := parseParams(v, apiMaxN)
			if err != nil {
				t.Fatal(err)
			}
			got := p.values().Encode()
			if got != tt.canonical {
				t.Errorf("canonical = %q, want %q", got, tt.canonical)
			}
			again, err := parseParams(p.values(), apiMaxN)
			if err != nil {
				t.Fatal(err)
			}
			p.Partial, p.Format = false, ""
			if diff := cmp.Diff(p, again); diff != "" {
				t.Errorf("round trip (-first +again):\n%s", diff)
			}
		})
	}
}

func TestParamsDefaults(t *testing.T) {
	p, err := parseParams(url.Values{}, pageMaxN)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(params{Mode: search.ModeHybrid, N: defaultN}, p); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if !p.empty() {
		t.Error("no parameters is not an empty search")
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false}, {"gzip", true}, {"deflate, gzip;q=1.0, *;q=0.5", true}, {"GZIP", true},
		{"gzip;q=0", false}, {"gzip; q=0.0", false}, {"br", false}, {"x-gzip", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.header != "" {
			r.Header.Set("Accept-Encoding", tt.header)
		}
		if got := acceptsGzip(r); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

// TestQueueContext: a search waiting for a slot gives up when its
// request ends, before the queue timeout.
func TestQueueContext(t *testing.T) {
	q := newQueue(1, time.Hour)
	release, err := q.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("acquire with an ended request = %v, want context.Canceled", err)
	}
	release()
	if release, err := q.acquire(ctx); err != nil {
		t.Errorf("a free slot was refused: %v", err)
	} else {
		release()
	}
}
