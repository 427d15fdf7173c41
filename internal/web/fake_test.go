package web

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden/")

// The real types satisfy the interfaces the server reads through.
var (
	_ Searcher = (*search.Engine)(nil)
	_ Catalog  = (*store.Store)(nil)
)

// fixedNow is the clock of every test server.
var fixedNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// payload is text that would run or break the page if a field were not
// escaped: markup, a closing textarea, template braces, LaTeX, right-to-
// left text and emoji.
const payload = `<script>alert("t")</script></textarea>{{.}} $\frac{a}{b}$ مرحبا 🎉`

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 10, 0, 0, 0, time.UTC) }

// testPapers is the fakes' index: every status and presentation, and one
// paper whose every field is hostile.
var testPapers = []paper.Paper{
	{
		ID: "p1", Forum: "p1", Number: 12, VenueID: "ICLR.cc/2025/Conference", Venue: "ICLR 2025", VenueRaw: "ICLR 2025 Oral",
		Year: 2025, Status: paper.StatusAccepted, Presentation: paper.PresentationOral,
		Title: "Graph Neural Networks for Molecules", Abstract: "We learn $\\mathcal{O}(n)$ graph kernels.\nSecond paragraph.",
		TLDR: "Fast graph kernels.", Authors: []string{"Ada Lovelace", "Alan Turing"}, AuthorIDs: []string{"~Ada_Lovelace1", "alan@example.org"},
		Keywords: []string{"graph neural networks", "chemistry"}, PrimaryArea: "learning on graphs",
		ForumURL: "https://openreview.net/forum?id=p1", PDFURL: "https://openreview.net/pdf?id=p1",
		BibTeX:  "@inproceedings{\nlovelace2025graph,\ntitle={Graph Neural Networks for Molecules},\nauthor={Ada Lovelace and Alan Turing},\nyear={2025}\n}",
		Created: day(2024, 9, 27), Modified: day(2025, 2, 1), Published: day(2025, 1, 22),
	},
	{
		ID: "p2", Forum: "p2", Number: 40, VenueID: "ICLR.cc/2025/Conference", Venue: "ICLR 2025", Year: 2025,
		Status: paper.StatusAccepted, Presentation: paper.PresentationSpotlight,
		Title: "Diffusion Models on Graphs", Abstract: "Denoising diffusion for graph generation.",
		Authors: []string{"Grace Hopper"}, Keywords: []string{"diffusion"},
		ForumURL: "https://openreview.net/forum?id=p2", PDFURL: "https://openreview.net/pdf?id=p2",
		Published: day(2025, 1, 22),
	},
	{
		ID: "p3", Forum: "p3", VenueID: "ICLR.cc/2025/Conference", Venue: "ICLR 2025", Year: 2025,
		Status: paper.StatusAccepted, Presentation: paper.PresentationPoster,
		Title: "Neural Scaling of Language Models", Abstract: "Scaling laws.", Authors: []string{"Alan Turing"},
		ForumURL: "https://openreview.net/forum?id=p3", PDFURL: "https://openreview.net/pdf?id=p3",
	},
	{
		ID: "p4", Forum: "p4", VenueID: "NeurIPS.cc/2024/Conference", Venue: "NeurIPS 2024", Year: 2024,
		Status: paper.StatusRejected, Title: "A Rejected Graph Paper", Abstract: "Graphs, again.",
		Authors: []string{"José Müller"}, ForumURL: "https://openreview.net/forum?id=p4",
	},
	{
		ID: "p5", Forum: "p5", VenueID: "TMLR", Venue: "TMLR", Year: 2024, Status: paper.StatusUnderReview,
		Title: "Reinforcement Learning Under Review", Abstract: "Policies.", Authors: []string{"Yann LeCun"},
		ForumURL: "https://openreview.net/forum?id=p5", PDFURL: "https://openreview.net/pdf?id=p5",
	},
	{
		ID: "xss", Forum: "xss", VenueID: "NeurIPS.cc/2024/Conference", Venue: "NeurIPS 2024", Year: 2024,
		Status: paper.StatusWithdrawn, Title: payload, Abstract: payload + "\n<img src=x onerror=alert(1)>",
		TLDR: payload, Authors: []string{"<b>Mallory</b>", payload}, Keywords: []string{"</textarea>", payload},
		PrimaryArea: payload, ForumURL: "javascript:alert(1)", PDFURL: `https://openreview.net/pdf?id="><script>`,
		BibTeX: "@misc{x, title={" + payload + "}}",
	},
}

// fakeCatalog serves papers from memory, as the store would.
type fakeCatalog struct {
	papers []paper.Paper
	venues []paper.Venue
	err    error // returned by every call when set
}

func newCatalog(papers []paper.Paper) *fakeCatalog {
	c := &fakeCatalog{papers: papers}
	for _, p := range papers {
		if !slices.ContainsFunc(c.venues, func(v paper.Venue) bool { return v.ID == p.VenueID }) {
			c.venues = append(c.venues, paper.Venue{ID: p.VenueID, Label: p.Venue, Year: p.Year})
		}
	}
	return c
}

func (c *fakeCatalog) Paper(ctx context.Context, id string) (paper.Paper, error) {
	if c.err != nil {
		return paper.Paper{}, c.err
	}
	for _, p := range c.papers {
		if p.ID == id {
			return p, nil
		}
	}
	return paper.Paper{}, fmt.Errorf("paper %q: %w", id, paper.ErrNotFound)
}

func (c *fakeCatalog) Venues(ctx context.Context) ([]paper.Venue, error) { return c.venues, c.err }

func (c *fakeCatalog) Stats(ctx context.Context) ([]store.Count, error) {
	if c.err != nil {
		return nil, c.err
	}
	var out []store.Count
	for _, p := range c.papers {
		i := slices.IndexFunc(out, func(x store.Count) bool {
			return x.VenueID == p.VenueID && x.Status == p.Status && x.Presentation == p.Presentation
		})
		if i < 0 {
			out = append(out, store.Count{VenueID: p.VenueID, Venue: p.Venue, Year: p.Year, Status: p.Status, Presentation: p.Presentation})
			i = len(out) - 1
		}
		out[i].Papers++
	}
	return out, nil
}

// fakeSearcher ranks papers by how many query words their title and
// abstract hold, filters like the store, and can block, fail or panic.
type fakeSearcher struct {
	papers   []paper.Paper
	semantic error // Semantic()'s answer

	mu      sync.Mutex
	reqs    []search.Request
	block   chan struct{} // when set, searches wait for it to close or ctx to end
	entered chan struct{} // when set, receives once per search that started
	panics  bool
}

func newSearcher() *fakeSearcher { return &fakeSearcher{papers: testPapers} }

func (f *fakeSearcher) Semantic() error { return f.semantic }
func (f *fakeSearcher) Len() int        { return len(f.papers) - 1 }

func (f *fakeSearcher) wait(ctx context.Context) error {
	f.mu.Lock()
	block, entered, panics := f.block, f.entered, f.panics
	f.mu.Unlock()
	if panics {
		panic("fake searcher panics")
	}
	if entered != nil {
		entered <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (f *fakeSearcher) Search(ctx context.Context, req search.Request) (search.Response, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	if err := f.wait(ctx); err != nil {
		return search.Response{}, err
	}
	words := strings.Fields(strings.ToLower(req.Text))
	var out []search.Result
	for _, p := range f.papers {
		text := strings.ToLower(p.Title + " " + p.Abstract)
		var matched []string
		for _, w := range words {
			if strings.Contains(text, w) {
				matched = append(matched, w)
			}
		}
		if (len(words) > 0 && len(matched) == 0) || !passes(p, req.Filter) {
			continue
		}
		r := search.Result{Paper: p, Score: float64(len(matched)) + 1/float64(2+p.Number)}
		if req.Explain {
			r.Explain = &search.Explanation{KeywordScore: r.Score, Matched: matched, SemanticRank: 2, Similarity: 0.5}
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b search.Result) int { return cmp.Compare(b.Score, a.Score) })
	out = out[:min(len(out), cmp.Or(req.Limit, store.DefaultLimit))]
	for i := range out {
		if out[i].Explain != nil {
			out[i].Explain.KeywordRank = i + 1
		}
	}
	return search.Response{Results: out, Mode: cmp.Or(req.Mode, search.ModeHybrid)}, nil
}

func (f *fakeSearcher) Similar(ctx context.Context, id string, limit int, flt store.Filter) ([]search.Result, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(f.papers, func(p paper.Paper) bool { return p.ID == id }) {
		return nil, fmt.Errorf("papers similar to %s: no paper %q in the index: %w", id, id, paper.ErrNotFound)
	}
	if f.semantic != nil {
		return nil, fmt.Errorf("papers similar to %s: %w", id, f.semantic)
	}
	var out []search.Result
	for _, p := range f.papers {
		if p.ID != id && passes(p, flt) && len(out) < limit {
			out = append(out, search.Result{Paper: p, Score: 0.9 - 0.1*float64(len(out))})
		}
	}
	return out, nil
}

// passes applies the parts of a store filter the tests use.
func passes(p paper.Paper, f store.Filter) bool {
	ok := func(n int, match func(i int) bool) bool {
		if n == 0 {
			return true
		}
		for i := range n {
			if match(i) {
				return true
			}
		}
		return false
	}
	return ok(len(f.Venues), func(i int) bool {
		series, _, _ := strings.Cut(p.Venue, " ")
		return strings.EqualFold(f.Venues[i], p.VenueID) || strings.EqualFold(f.Venues[i], p.Venue) || strings.EqualFold(f.Venues[i], series)
	}) && ok(len(f.Years), func(i int) bool { return f.Years[i] == p.Year }) &&
		ok(len(f.Statuses), func(i int) bool {
			s := f.Statuses[i]
			return s.Status == p.Status && (s.Presentation == "" || s.Presentation == p.Presentation)
		}) && ok(len(f.Authors), func(i int) bool {
		return slices.ContainsFunc(p.Authors, func(a string) bool { return strings.Contains(strings.ToLower(a), strings.ToLower(f.Authors[i])) })
	})
}

// newTestServer is a server over the test papers with the fake searcher
// set; opts adjust the config first.
func newTestServer(t testing.TB, opts ...func(*Config)) (*Server, *fakeSearcher) {
	t.Helper()
	cfg := Config{Catalog: newCatalog(testPapers)}
	for _, o := range opts {
		o(&cfg)
	}
	s := New(cfg)
	s.now = func() time.Time { return fixedNow }
	x := newSearcher()
	s.SetSearcher(x)
	return s, x
}

// get serves one GET request.
func get(h http.Handler, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w
}
