package crawl_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/crawl"
	"github.com/openreview-finder/openreview-finder/internal/openreview"
	"github.com/openreview-finder/openreview-finder/internal/openreview/openreviewtest"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

const iclr2025 = "ICLR.cc/2025/Conference"

// env is one fake OpenReview server, one client and one store.
type env struct {
	srv    *openreviewtest.Server
	client *openreview.Client
	store  *store.Store
	cache  string
	sleeps []time.Duration
}

func newEnv(t *testing.T, opts openreviewtest.Options) *env {
	t.Helper()
	e := &env{srv: openreviewtest.NewTB(t, opts), cache: filepath.Join(t.TempDir(), "cache")}
	e.client = newClient(t, e)
	e.store = openStore(t)
	return e
}

// newClient returns a client of e's server that records its waits instead
// of sleeping.
func newClient(tb testing.TB, e *env) *openreview.Client {
	tb.Helper()
	client, err := openreview.New(openreview.Config{
		BaseURL: e.srv.URL, V1BaseURL: e.srv.V1URL,
		Username: "test@example.org", Password: "secret",
		MinInterval: -1,
		Sleep: func(_ context.Context, d time.Duration) error {
			e.sleeps = append(e.sleeps, d)
			return nil
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return client
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "index.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func (e *env) crawler(sink crawl.Sink, all bool) *crawl.Crawler {
	return crawl.New(e.client, sink, crawl.Options{CacheDir: e.cache, All: all})
}

// stored is what a store holds for a venue, as comparable facts.
type fact struct {
	ID, Title, Status, Presentation string
}

func storedFacts(t *testing.T, st *store.Store, venueID string) []fact {
	t.Helper()
	papers, err := st.VenuePapers(t.Context(), venueID)
	if err != nil {
		t.Fatalf("list %s: %v", venueID, err)
	}
	var out []fact
	for _, p := range papers {
		out = append(out, fact{p.ID, p.Title, string(p.Status), string(p.Presentation)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func expectedFacts(srv *openreviewtest.Server, venueID string, keep func(openreviewtest.Expected) bool) []fact {
	var out []fact
	for _, x := range srv.Notes(venueID) {
		if keep == nil || keep(x) {
			out = append(out, fact{x.ID, x.Title, x.Status, x.Presentation})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func accepted(x openreviewtest.Expected) bool { return x.Status == string(paper.StatusAccepted) }

func TestCrawlVenues(t *testing.T) {
	e := newEnv(t, openreviewtest.Options{Seed: 1, Scale: 2300})
	tests := []struct {
		venue string
		all   bool
		keep  func(openreviewtest.Expected) bool
	}{
		{iclr2025, true, nil},
		{"ICLR.cc/2024/Conference", false, accepted},
		{"NeurIPS.cc/2024/Conference", true, nil},
		{"ICML.cc/2026/Conference", true, nil},
		{"TMLR", true, nil},
		{"ICLR.cc/2020/Conference", true, nil},
		{"ICLR.cc/2022/Conference", true, nil},
		{"ICLR.cc/2017/conference", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.venue, func(t *testing.T) {
			res, err := e.crawler(e.store, tt.all).Venue(t.Context(), tt.venue)
			if err != nil {
				t.Fatalf("crawl: %v", err)
			}
			want := expectedFacts(e.srv, tt.venue, tt.keep)
			if len(want) == 0 {
				t.Fatalf("fake server has no papers for %s", tt.venue)
			}
			if diff := cmp.Diff(want, storedFacts(t, e.store, tt.venue)); diff != "" {
				t.Errorf("stored papers differ from the server's (-want +got):\n%s", diff)
			}
			if res.Papers != len(want) {
				t.Errorf("Result.Papers = %d, want %d", res.Papers, len(want))
			}
		})
	}
}

// failingSink fails the commit with the given number (1-based), as a crash
// between fetching a page and committing it would.
type failingSink struct {
	*store.Store
	failAt, commits int
}

var errCrash = errors.New("simulated crash")

func (s *failingSink) Commit(ctx context.Context, key string, papers []paper.Paper, cp []byte) error {
	s.commits++
	if s.commits == s.failAt {
		return errCrash
	}
	return s.Store.Commit(ctx, key, papers, cp)
}

func TestResumeAfterCrash(t *testing.T) {
	e := newEnv(t, openreviewtest.Options{Seed: 2, Scale: 2500})
	sink := &failingSink{Store: e.store, failAt: 2}
	c := crawl.New(e.client, sink, crawl.Options{CacheDir: e.cache, All: true, PageSize: 1000})
	if _, err := c.Venue(t.Context(), iclr2025); !errors.Is(err, errCrash) {
		t.Fatalf("first run: err = %v, want the simulated crash", err)
	}
	if got := len(storedFacts(t, e.store, iclr2025)); got != 1000 {
		t.Fatalf("after the crash the store holds %d papers, want the 1000 of the committed first page", got)
	}

	e.srv.ResetLog()
	res, err := c.Venue(t.Context(), iclr2025)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	// Page 1 was committed, page 2 fetched and cached but not committed:
	// the re-run reads page 2 from the cache and fetches only page 3.
	if res.CacheHits != 1 || res.Requests != 1 {
		t.Errorf("resume read %d pages from cache and %d from the network, want 1 and 1", res.CacheHits, res.Requests)
	}
	for _, r := range e.srv.Requests() {
		if r.Path == "/notes" && r.Query.Get("after") == "" {
			t.Errorf("resume asked for the first page again: %v", r.Query)
		}
	}

	// The result equals an uninterrupted crawl's.
	fresh := newEnv(t, openreviewtest.Options{Seed: 2, Scale: 2500})
	if _, err := fresh.crawler(fresh.store, true).Venue(t.Context(), iclr2025); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(storedFacts(t, fresh.store, iclr2025), storedFacts(t, e.store, iclr2025)); diff != "" {
		t.Errorf("resumed crawl differs from an uninterrupted one (-want +got):\n%s", diff)
	}
}

func TestResumeAfterCancel(t *testing.T) {
	e := newEnv(t, openreviewtest.Options{Seed: 3, Scale: 2500})
	ctx, cancel := context.WithCancel(t.Context())
	c := crawl.New(e.client, e.store, crawl.Options{CacheDir: e.cache, All: true, Progress: func(p crawl.Progress) {
		if p.Pages == 1 {
			cancel() // Ctrl-C right after the first page was committed
		}
	}})
	if _, err := c.Venue(ctx, iclr2025); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	res, err := e.crawler(e.store, true).Venue(t.Context(), iclr2025)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if res.Pages != 2 {
		t.Errorf("resume read %d pages, want the 2 not yet committed", res.Pages)
	}
	if diff := cmp.Diff(expectedFacts(e.srv, iclr2025, nil), storedFacts(t, e.store, iclr2025)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestIncrementalUpdate(t *testing.T) {
	e := newEnv(t, openreviewtest.Options{Seed: 4, Scale: 2100})
	if _, err := e.crawler(e.store, true).Venue(t.Context(), iclr2025); err != nil {
		t.Fatal(err)
	}
	notes := e.srv.Notes(iclr2025)
	touched := notes[len(notes)/2].ID
	e.srv.Touch(touched, "A retitled paper about sparse autoencoders")
	added := e.srv.AddSubmission(iclr2025)

	e.srv.ResetLog()
	res, err := e.crawler(e.store, true).Venue(t.Context(), iclr2025)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Updated || res.Requests != 1 {
		t.Errorf("update: Updated=%v Requests=%d, want an incremental update in one request", res.Updated, res.Requests)
	}
	if res.Papers > 3 {
		t.Errorf("update wrote %d papers, want only the changed ones (2, plus at most the watermark note)", res.Papers)
	}
	got, err := e.store.Paper(t.Context(), touched)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "A retitled paper about sparse autoencoders" {
		t.Errorf("touched paper title = %q, want the new one", got.Title)
	}
	if _, err := e.store.Paper(t.Context(), added); err != nil {
		t.Errorf("added paper not stored: %v", err)
	}
	if diff := cmp.Diff(expectedFacts(e.srv, iclr2025, nil), storedFacts(t, e.store, iclr2025)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, r := range e.srv.Requests() {
		if r.Path == "/notes" && r.Query.Get("sort") != "tmdate:desc" {
			t.Errorf("update request %v does not ask for recent modifications", r.Query)
		}
	}
}

func TestCrawlThroughFaults(t *testing.T) {
	e := newEnv(t, openreviewtest.Options{Seed: 5, Scale: 2500})
	e.srv.Inject(openreviewtest.Fault{Path: "/notes", Kind: openreviewtest.FaultRateLimit, Reset: 90 * time.Second, After: 1})
	e.srv.Inject(openreviewtest.Fault{Path: "/notes", Kind: openreviewtest.FaultServerError, Status: 503, Times: 2})
	e.srv.Inject(openreviewtest.Fault{Path: "/notes", Kind: openreviewtest.FaultExpireToken, After: 2})
	e.srv.Inject(openreviewtest.Fault{Path: "/notes", Kind: openreviewtest.FaultTruncated})
	if _, err := e.crawler(e.store, true).Venue(t.Context(), iclr2025); err != nil {
		t.Fatalf("crawl through faults: %v", err)
	}
	if diff := cmp.Diff(expectedFacts(e.srv, iclr2025, nil), storedFacts(t, e.store, iclr2025)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if e.srv.Logins() != 2 {
		t.Errorf("logins = %d, want 2 (the expired token renewed once)", e.srv.Logins())
	}
	if !slices.ContainsFunc(e.sleeps, func(d time.Duration) bool { return d >= 80*time.Second }) {
		t.Errorf("no wait of about 90s for the rate limit among %v", e.sleeps)
	}
}

func TestChallengeStopsWithoutLosingPapers(t *testing.T) {
	e := newEnv(t, openreviewtest.Options{Seed: 6, Scale: 2100})
	if _, err := e.crawler(e.store, false).Venue(t.Context(), "ICLR.cc/2024/Conference"); err != nil {
		t.Fatal(err)
	}
	before := storedFacts(t, e.store, "ICLR.cc/2024/Conference")
	e.srv.Inject(openreviewtest.Fault{Path: "/notes", Kind: openreviewtest.FaultChallenge, Times: 100})
	_, err := e.crawler(e.store, true).Venue(t.Context(), iclr2025)
	if !errors.Is(err, paper.ErrAuth) {
		t.Fatalf("err = %v, want one wrapping paper.ErrAuth", err)
	}
	if got := storedFacts(t, e.store, iclr2025); len(got) != 0 {
		t.Errorf("a challenge page was stored as %d papers", len(got))
	}
	if diff := cmp.Diff(before, storedFacts(t, e.store, "ICLR.cc/2024/Conference")); diff != "" {
		t.Errorf("papers stored earlier changed (-want +got):\n%s", diff)
	}
}

func TestUnknownVenue(t *testing.T) {
	e := newEnv(t, openreviewtest.Options{Seed: 7, Scale: 100})
	_, err := e.crawler(e.store, false).Venue(t.Context(), "NoSuch.cc/2031/Conference")
	if !errors.Is(err, paper.ErrNotFound) {
		t.Fatalf("err = %v, want one wrapping paper.ErrNotFound", err)
	}
}
