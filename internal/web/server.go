package web

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// Searcher runs searches; *search.Engine satisfies it.
type Searcher interface {
	Search(ctx context.Context, req search.Request) (search.Response, error)
	Similar(ctx context.Context, idOrURL string, limit int, f store.Filter) ([]search.Result, error)
	// Semantic is nil when semantic search works, else why it is off.
	Semantic() error
	// Len is the number of vectors held.
	Len() int
}

// Catalog lists what the index holds; *store.Store satisfies it.
type Catalog interface {
	Paper(ctx context.Context, id string) (paper.Paper, error)
	Venues(ctx context.Context) ([]paper.Venue, error)
	Stats(ctx context.Context) ([]store.Count, error)
}

// Progress is one background task (downloading the model, crawling,
// embedding), for the page's banner and /api/status.
type Progress struct {
	Phase   string // "model", "crawl", "embed"
	Message string // one line a person reads: "Downloading allenai/specter2_base: 210 of 440 MB"
	Done    int
	Total   int // 0: unknown
	Started time.Time
}

// Config configures a Server. Only Catalog is required.
type Config struct {
	Catalog Catalog
	Logger  *slog.Logger
	// Progress returns the running background tasks; nil or empty: none.
	Progress func() []Progress
	// MaxSearches is how many searches run at once (they embed the query,
	// which takes memory and CPU); others queue. Default 2.
	MaxSearches int
	// QueueTimeout is how long a queued search waits before giving up with
	// 503 Service Unavailable. Default 10s.
	QueueTimeout time.Duration
	// RequestTimeout bounds each request. Default 15s.
	RequestTimeout time.Duration
	// FrameAncestors are the origins allowed to frame the page (CSP
	// frame-ancestors, besides the page's own). Default
	// https://huggingface.co and https://*.hf.space.
	FrameAncestors []string
}

// Defaults of Config's zero fields.
const (
	DefaultMaxSearches    = 2
	DefaultQueueTimeout   = 10 * time.Second
	DefaultRequestTimeout = 15 * time.Second
)

// DefaultFrameAncestors let the page run inside a Hugging Face Space.
var DefaultFrameAncestors = []string{"https://huggingface.co", "https://*.hf.space"}

// Server is the web page and JSON API. It is an http.Handler.
type Server struct {
	cfg      Config
	log      *slog.Logger
	searcher atomic.Pointer[searcherBox]
	queue    *queue
	stats    statsCache
	mux      *http.ServeMux
	csp      string
	tmpl     *template.Template
	assets   *assets
	now      func() time.Time // tests fix the clock
}

// searcherBox lets an interface value live in an atomic.Pointer.
type searcherBox struct{ s Searcher }

// New returns a server over cfg. Until SetSearcher is called, pages say
// the index is opening and searches answer 503.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxSearches <= 0 {
		cfg.MaxSearches = DefaultMaxSearches
	}
	if cfg.QueueTimeout <= 0 {
		cfg.QueueTimeout = DefaultQueueTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if len(cfg.FrameAncestors) == 0 {
		cfg.FrameAncestors = DefaultFrameAncestors
	}
	s := &Server{
		cfg:    cfg,
		log:    cfg.Logger,
		queue:  newQueue(cfg.MaxSearches, cfg.QueueTimeout),
		csp:    contentSecurityPolicy(cfg.FrameAncestors),
		assets: loadAssets(),
		now:    time.Now,
	}
	s.stats.ttl = statsTTL
	s.tmpl = parseTemplates(s.assets)
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.handle(rt.handle))
	}
	return s
}

// SetSearcher makes searches run on x; nil goes back to "opening". It may
// be called at any time, from any goroutine (when the index reloads).
func (s *Server) SetSearcher(x Searcher) {
	if x == nil {
		s.searcher.Store(nil)
		return
	}
	s.searcher.Store(&searcherBox{x})
}

// current returns the searcher, or nil while the index is opening.
func (s *Server) current() Searcher {
	if b := s.searcher.Load(); b != nil {
		return b.s
	}
	return nil
}

// route is one pattern the server serves.
type route struct {
	pattern string // http.ServeMux pattern
	handle  func(http.ResponseWriter, *http.Request) error
}

// routes lists every route; the OpenAPI test checks each is documented.
func (s *Server) routes() []route {
	return []route{
		{"GET /{$}", s.searchPage},
		{"GET /paper/{id}", s.paperPage},
		{"GET /static/{name}", s.static},
		{"GET /api/search", s.apiSearch},
		{"GET /api/paper/{id}", s.apiPaper},
		{"GET /api/similar/{id}", s.apiSimilar},
		{"GET /api/venues", s.apiVenues},
		{"GET /api/status", s.apiStatus},
		{"GET /api/openapi.json", s.apiOpenAPI},
		{"GET /healthz", s.healthz},
		{"GET /readyz", s.readyz},
		{"GET /", s.notFound},
	}
}

// Request limits.
const (
	maxQueryString = 4 << 10 // bytes of the raw query string
)

// ServeHTTP sets the security headers, enforces the method, size and time
// limits, recovers from panics, and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	defer s.recoverPanic(w, r)
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		h.Set("Allow", "GET, HEAD")
		s.fail(w, r, &httpError{status: http.StatusMethodNotAllowed, msg: "Only GET and HEAD requests are served."})
		return
	case len(r.URL.RawQuery) > maxQueryString:
		s.fail(w, r, &httpError{status: http.StatusRequestURITooLong, msg: "The query string is too long: keep it under 4 KB."})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	s.mux.ServeHTTP(w, r.WithContext(ctx))
}

// recoverPanic turns a handler's panic into a logged 500.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
	s.fail(w, r, &httpError{status: http.StatusInternalServerError, msg: msgInternal})
}

// handle adapts a handler that returns an error.
func (s *Server) handle(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// contentSecurityPolicy allows only the page's own scripts, styles and
// connections, and framing by the page itself and ancestors.
func contentSecurityPolicy(ancestors []string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors 'self' " + strings.Join(ancestors, " ")
}
