package openreviewtest

import (
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Gate is how the fake refuses an unauthenticated /notes or /groups request.
type Gate int

const (
	// GateHTML answers 200 text/html with the "Verifying your browser |
	// OpenReview" challenge page, as api2 and api1 did live (2026-09).
	GateHTML Gate = iota
	// GateJSON answers 403 {"name":"ChallengeRequiredError",…}.
	GateJSON
)

// Options configures a fake server. The zero value is ready to use.
type Options struct {
	Users  map[string]string // id → password; default {"test@example.org": "secret"}
	Tokens []string          // extra pre-issued tokens, valid on both hosts, never expiring
	// MFAUsers log in only as far as {"mfaPending": true, …}: the fake has
	// no /mfa endpoints, so clients must fail clearly (or use a token).
	MFAUsers []string
	Seed     int64 // deterministic data; the same seed gives the same notes
	// Scale is the number of submissions of ICLR.cc/2025/Conference,
	// including the fixed ones; default 2500 (more than two pages of 1000).
	Scale int
	Gate  Gate
	// RateLimit is the number of /notes requests a token may make per
	// window on one host before 429; 0 means unlimited.
	RateLimit  int
	RateWindow time.Duration    // default 1h
	Now        func() time.Time // clock; default time.Now
	Logger     *slog.Logger     // per-request Debug records; default discards
}

// Request is one request the fake answered, in arrival order.
type Request struct {
	Host       string // "v2" or "v1"
	Method     string
	Path       string
	Query      url.Values
	Authorized bool      // carried a valid, unexpired bearer token
	Status     int       // 0 when the connection was reset
	Fault      FaultKind // the injected fault that answered it, if any
}

// Server is a running fake: a v2 host at URL and a v1 host at V1URL.
type Server struct {
	URL   string // API v2 base URL (api2.openreview.net)
	V1URL string // API v1 base URL (api.openreview.net)

	v2, v1 *httptest.Server
	opts   Options
	log    *slog.Logger

	mu      sync.Mutex
	st      *store
	tokens  map[string]*token
	faults  []*Fault
	reqs    []Request
	logins  int
	seq     int
	budgets map[budgetKey]*budget
}

// New starts a fake on two loopback ports. It panics if the seed data cannot
// be built (a bug in this package), like httptest.NewServer does on failure.
func New(opts Options) *Server {
	s, err := newServer(opts)
	if err != nil {
		panic(err)
	}
	s.v2 = httptest.NewServer(hostHandler{s, 2})
	s.v1 = httptest.NewServer(hostHandler{s, 1})
	s.URL, s.V1URL = s.v2.URL, s.v1.URL
	return s
}

// NewTB starts a fake that is closed when the test ends.
func NewTB(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := New(opts)
	tb.Cleanup(s.Close)
	return s
}

// Listen starts a fake on the given addresses ("127.0.0.1:3001"), for the
// openreview-fake command.
func Listen(opts Options, v2Addr, v1Addr string) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	l2, err := net.Listen("tcp", v2Addr)
	if err != nil {
		return nil, fmt.Errorf("listen v2 on %s: %w", v2Addr, err)
	}
	l1, err := net.Listen("tcp", v1Addr)
	if err != nil {
		l2.Close()
		return nil, fmt.Errorf("listen v1 on %s: %w", v1Addr, err)
	}
	s.v2 = &httptest.Server{Listener: l2, Config: &http.Server{Handler: hostHandler{s, 2}}}
	s.v1 = &httptest.Server{Listener: l1, Config: &http.Server{Handler: hostHandler{s, 1}}}
	s.v2.Start()
	s.v1.Start()
	s.URL, s.V1URL = s.v2.URL, s.v1.URL
	return s, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.Users == nil {
		opts.Users = map[string]string{"test@example.org": "secret"}
	}
	if opts.Scale <= 0 {
		opts.Scale = 2500
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st, err := buildStore(opts.Seed, opts.Scale)
	if err != nil {
		return nil, fmt.Errorf("seed fake openreview: %w", err)
	}
	s := &Server{opts: opts, log: log, st: st, tokens: map[string]*token{}, budgets: map[budgetKey]*budget{}}
	for _, t := range opts.Tokens {
		s.tokens[t] = &token{user: s.defaultUser()}
	}
	return s, nil
}

// Close shuts both hosts down.
func (s *Server) Close() {
	s.v2.Close()
	s.v1.Close()
}

// hostHandler serves one of the two hosts.
type hostHandler struct {
	s    *Server
	host int
}

func (h hostHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.s.serve(w, r, h.host) }

func hostName(host int) string { return fmt.Sprintf("v%d", host) }

// serve answers one request and records it. One lock serialises requests:
// the fake favours simple, exact bookkeeping over throughput.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, host int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	reqID := fmt.Sprintf("%s-%d", s.opts.Now().UTC().Format("2006-01-02"), 8520000+s.seq)
	_, authState := s.auth(r)
	entry := Request{
		Host: hostName(host), Method: r.Method, Path: r.URL.Path,
		Query: r.URL.Query(), Authorized: authState == authValid,
	}
	if f := s.takeFault(host, r.URL.Path); f != nil {
		entry.Fault = f.Kind
		entry.Status = s.applyFault(w, r, host, reqID, f)
	} else {
		entry.Status = s.route(w, r, host, reqID)
	}
	s.reqs = append(s.reqs, entry)
	s.log.Debug("request", "host", entry.Host, "method", r.Method, "url", r.URL.String(),
		"status", entry.Status, "fault", entry.Fault.String())
}

// route dispatches a request that no fault intercepted.
func (s *Server) route(w http.ResponseWriter, r *http.Request, host int, reqID string) int {
	switch {
	case r.URL.Path == "/login" && r.Method == http.MethodPost:
		return s.handleLogin(w, r, reqID)
	case (r.URL.Path == "/notes" || r.URL.Path == "/groups") && r.Method == http.MethodGet:
	default:
		return s.writeError(w, http.StatusNotFound, "NotFoundError", "Cannot "+r.Method+" "+r.URL.Path, reqID, nil)
	}
	tok, state := s.auth(r)
	switch state {
	case authNone:
		return s.writeGate(w, reqID)
	case authExpired:
		return s.writeTokenExpired(w)
	}
	if r.URL.Path == "/groups" {
		s.spend(w, host, "groups", tok)
		return s.handleGroups(w, r, reqID)
	}
	if refused := s.spend(w, host, "notes", tok); refused != nil {
		return s.writeRateLimit(w, reqID, refused.limit, refused.used, refused.reset, 0)
	}
	return s.handleNotes(w, r, host, reqID)
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.reqs)
	for i := range out {
		out[i].Query = maps.Clone(out[i].Query)
	}
	return out
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Logins is the number of successful POST /login calls on either host.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Notes returns the ground truth for every submission of a venue, sorted by
// id; nil for an unknown venue.
func (s *Server) Notes(venueID string) []Expected {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.expectedFor(venueID)
}

// Venues lists the seeded venues as a correct client resolves them, in the
// order of the "venues" group. Labels of v1 venues come from their ids, as
// v1 groups carry no content; TMLR has Year 0.
func (s *Server) Venues() []paper.Venue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]paper.Venue, len(s.st.venues))
	for i, v := range s.st.venues {
		out[i] = v.info
	}
	return out
}

// Touch gives a note a new title and sets its tmdate and mdate to Now, as an
// author's revision does. It panics on an unknown id (a bug in the test).
func (s *Server) Touch(id, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.st.touch(id, title, s.opts.Now()); err != nil {
		panic(err)
	}
}

// AddSubmission adds an accepted poster (the accepted presentation ICML
// 2026 and TMLR have, otherwise) to a venue, so accepted-only listings see
// it too, dated Now, with a new id and the next paper number. It returns
// the id and panics on an unknown venue.
func (s *Server) AddSubmission(venueID string) string {
	return s.AddNote(venueID, paper.StatusAccepted, paper.PresentationPoster)
}

// AddNote is AddSubmission with a chosen outcome. A presentation the venue
// does not use (ICML 2026 has only spotlight and "regular", TMLR none) falls
// back to the venue's plain acceptance; elsewhere an accepted note without
// a presentation becomes a poster.
func (s *Server) AddNote(venueID string, status paper.Status, pres paper.Presentation) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case status != paper.StatusAccepted, venueID == "TMLR":
		pres = ""
	case venueID == "ICML.cc/2026/Conference":
		if pres != paper.PresentationSpotlight {
			pres = ""
		}
	case pres == "":
		pres = paper.PresentationPoster
	}
	id, err := s.st.addSubmission(venueID, outcome{status, pres}, s.opts.Now())
	if err != nil {
		panic(err)
	}
	return id
}
