package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkAPISearch measures the handler's own cost around a search
// (parsing, the queue, JSON encoding, headers) with the fake searcher,
// which answers from memory.
func BenchmarkAPISearch(b *testing.B) {
	for _, bc := range []struct{ name, target, encoding string }{
		{"json", "/api/search?q=graph+neural&n=20&status=accepted&venue=ICLR", ""},
		{"json-gzip", "/api/search?q=graph+neural&n=20&status=accepted&venue=ICLR", "gzip"},
		{"page", "/?q=graph+neural&n=20", ""},
		{"fragment", "/?q=graph+neural&n=20&partial=1", ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, x := newTestServer(b)
			x.papers = longPapers(20)
			r := httptest.NewRequest(http.MethodGet, bc.target, nil)
			if bc.encoding != "" {
				r.Header.Set("Accept-Encoding", bc.encoding)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
