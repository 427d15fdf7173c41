package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/web"
)

// site is the server under test: a real store and search engine over a
// small fixed corpus, behind the web handler.
type site struct {
	url     string
	papers  map[string]paper.Paper
	engine  *search.Engine
	partial atomic.Int64 // requests for the as-you-type fragment (partial=1)
}

// Venues, statuses and topics of the corpus: one paper for every
// combination, so every filter the tests apply has matches.
var (
	testVenues = []paper.Venue{
		{ID: "ICLR.cc/2024/Conference", Label: "ICLR 2024", Year: 2024},
		{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Year: 2025},
		{ID: "NeurIPS.cc/2024/Conference", Label: "NeurIPS 2024", Year: 2024},
	}
	testClasses = []struct {
		s paper.Status
		p paper.Presentation
	}{
		{paper.StatusAccepted, paper.PresentationOral}, {paper.StatusAccepted, paper.PresentationSpotlight},
		{paper.StatusAccepted, paper.PresentationPoster}, {paper.StatusRejected, ""},
		{paper.StatusWithdrawn, ""}, {paper.StatusUnderReview, ""},
	}
	testTopics = []string{
		"graph neural networks message passing over node features",
		"language model transformer attention prompt tokens",
		"reinforcement learning policy reward agent exploration",
		"diffusion image denoising generative sampling score",
		"privacy federated client differential noise secure aggregation",
	}
	testAuthors = []string{"Geoffrey E. Hinton", "José Müller", "Yann LeCun", "Ada Lovelace", "Grace Hopper"}
)

// hostileTitle holds markup and LaTeX that the page must show as text.
const hostileTitle = `Escaping <img src=x onerror="window.pwned=1"> & $\mathcal{O}(n^2)$ <b>attention</b>`

func corpus() []paper.Paper {
	var ps []paper.Paper
	for ti, topic := range testTopics {
		w := strings.Fields(topic)
		for vi, v := range testVenues {
			for ci, c := range testClasses {
				n := len(ps)
				p := paper.Paper{
					ID: fmt.Sprintf("p%03d", n), Number: n + 1, VenueID: v.ID, Venue: v.Label, Year: v.Year,
					Status: c.s, Presentation: c.p, APIVersion: 2,
					Title:    fmt.Sprintf("%s %s %s, part %d", strings.ToUpper(w[0][:1])+w[0][1:], w[1], w[2+ci%3], vi*6+ci+1),
					Abstract: fmt.Sprintf("We study %s. Results on %s %s and %s hold for $\\alpha > 0$.", topic, w[ci%len(w)], w[(ci+vi)%len(w)], w[3]),
					Authors:  []string{testAuthors[(ti+ci)%5], testAuthors[(ti+ci+1+vi)%5]},
					Keywords: []string{w[0], w[1]}, Modified: time.UnixMilli(1.7e12 + int64(n)),
				}
				p.Forum, p.ForumURL, p.PDFURL = p.ID, "https://openreview.net/forum?id="+p.ID, "https://openreview.net/pdf?id="+p.ID
				ps = append(ps, p)
			}
		}
	}
	x := ps[1]
	x.ID, x.Forum, x.Number, x.Title = "hostile", "hostile", len(ps)+1, hostileTitle
	return append(ps, x)
}

// fakeEmbedder is a deterministic encoder: each word adds ±1 to the
// coordinate its hash picks, so texts sharing words are similar.
type fakeEmbedder struct{}

const testDim = 16

func (fakeEmbedder) Dim() int { return testDim }

func (fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, text := range texts {
		v := make([]float32, testDim)
		v[0] = 0.1
		for _, w := range store.Words(text) {
			h := fnv.New64a()
			h.Write([]byte(w))
			x := h.Sum64()
			v[x%testDim] += float32(1 - 2*int(x>>32&1))
		}
		out[i] = v
	}
	return out, ctx.Err()
}

func paperText(title, abstract string) string { return title + " [SEP] " + abstract }

// newSite builds the index in a temporary directory and serves it.
func newSite(t *testing.T) *site {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ps := corpus()
	for _, v := range testVenues {
		if err := st.SaveVenue(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	model := store.Model{Name: "fake/base", Adapter: "fake/proximity", Dim: testDim, Encoding: search.Encoding}
	if err := st.Commit(ctx, "test", ps, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.SetEmbeddingModel(ctx, model, false); err != nil {
		t.Fatal(err)
	}
	if _, err := search.EmbedPapers(ctx, st, fakeEmbedder{}, search.EmbedOptions{Batch: 16, PaperText: paperText}); err != nil {
		t.Fatal(err)
	}
	e, err := search.Open(ctx, st, search.Options{Query: fakeEmbedder{}, Paper: fakeEmbedder{}, PaperText: paperText, Model: model})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{papers: map[string]paper.Paper{}, engine: e}
	for _, p := range ps {
		s.papers[p.ID] = p
	}
	srv := web.New(web.Config{Catalog: st, Logger: slog.New(slog.DiscardHandler)})
	srv.SetSearcher(e)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("partial") == "1" {
			s.partial.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

// chromePath finds a Chromium or Chrome binary, or skips the test.
func chromePath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium, chromium-browser or google-chrome on PATH: install Debian's chromium to run the browser tests")
	return ""
}

// tab is one page in a fresh browser context, and the errors its console
// reported: uncaught exceptions, console.error calls and browser log
// errors, which include Content-Security-Policy violations.
type tab struct {
	ctx   context.Context
	bctx  context.Context // the browser, to open more tabs
	site  *site
	shots string

	mu   sync.Mutex
	errs []string
}

func openTab(t *testing.T, bctx context.Context, s *site, shots string) *tab {
	t.Helper()
	p := &tab{bctx: bctx, site: s, shots: shots}
	ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	t.Cleanup(cancel)
	p.ctx, cancel = chromedp.NewContext(ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	t.Cleanup(cancel)
	// A light scheme and a laptop's viewport, whatever the machine's
	// preference and window, so screenshots are the same everywhere. The
	// first call opens the tab, on p.ctx: the tab lives as long as it.
	call(t, p, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}})
	p.do(t, chromedp.EmulateViewport(1280, 800))
	return p
}

// fresh opens another tab in its own browser context, as a colleague who
// was sent a link would.
func (p *tab) fresh(t *testing.T) *tab { return openTab(t, p.bctx, p.site, p.shots) }

// listen runs in the tab's event loop: it must return fast.
func (p *tab) listen(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "uncaught exception: " + e.ExceptionDetails.Text
		if x := e.ExceptionDetails.Exception; x != nil {
			msg += " " + x.Description
		}
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError && e.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		msg = "console." + string(e.Type) + ":"
		for _, a := range e.Args {
			msg += " " + string(a.Value) + a.Description
		}
	case *log.EventEntryAdded:
		if e.Entry.Level != log.EntryLevelError {
			return
		}
		msg = fmt.Sprintf("%s error: %s (%s)", e.Entry.Source, e.Entry.Text, e.Entry.URL)
	default:
		return
	}
	p.mu.Lock()
	p.errs = append(p.errs, msg)
	p.mu.Unlock()
}

// takeErrors returns the errors logged so far and forgets them.
func (p *tab) takeErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	errs := p.errs
	p.errs = nil
	return errs
}

func (p *tab) checkConsole(t *testing.T) {
	t.Helper()
	for _, e := range p.takeErrors() {
		t.Errorf("the page logged %s", e)
	}
}

// do runs steps, failing the test after 10s: a step that finds no element
// waits for one to appear.
func (p *tab) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%v (at %s: did an element the test uses go missing?)", err, p.location(t))
	}
}

func call[P, R any](t *testing.T, p *tab, cmd cdp.Command[P, R], params P) R {
	t.Helper()
	r, err := chromedp.Call(p.ctx, cmd, params)
	if err != nil {
		t.Fatalf("%s: %v", cmd.Method, err)
	}
	return r
}

// eval runs js in the page (awaiting a promise) and decodes its value.
func eval[T any](t *testing.T, p *tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// wait polls js, a boolean expression, until it holds. It polls from Go,
// not with page timers, so it also works with JavaScript disabled.
func (p *tab) wait(t *testing.T, what, js string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(25 * time.Millisecond) {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || p.ctx.Err() != nil {
			t.Fatalf("waited 10s for %s; at %s showing %q (last error %v)", what, p.location(t), p.ids(t), err)
		}
	}
}

const idsJS = `[...document.querySelectorAll("#results article.result")].map(a => a.dataset.id)`

func (p *tab) ids(t *testing.T) []string { t.Helper(); return eval[[]string](t, p, idsJS) }

// waitIDs waits until #results lists want, in order.
func (p *tab) waitIDs(t *testing.T, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("the engine found nothing: the test's query or corpus is wrong")
	}
	b, _ := json.Marshal(want)
	p.wait(t, fmt.Sprintf("#results to list %q", want), fmt.Sprintf("JSON.stringify(%s) === %q", idsJS, b))
}

func (p *tab) location(t *testing.T) string {
	t.Helper()
	return eval[string](t, p, "location.href")
}

func (p *tab) params(t *testing.T) url.Values {
	t.Helper()
	u, err := url.Parse(p.location(t))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func (p *tab) open(t *testing.T, path string) {
	t.Helper()
	p.do(t, chromedp.Navigate(p.site.url+path))
}

// limit is the number of results the form asks for.
func (p *tab) limit(t *testing.T) int {
	t.Helper()
	return eval[int](t, p, `+document.querySelector("#search input[name=n]").value || 0`)
}

// shot saves a screenshot of the viewport as name.png.
func (p *tab) shot(t *testing.T, name string) {
	t.Helper()
	b, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.shots, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// want is what the engine ranks for a search, the page's oracle.
func (s *site) want(t *testing.T, q string, n int, f store.Filter) []string {
	t.Helper()
	res, err := s.engine.Search(t.Context(), search.Request{Text: q, Limit: n, Filter: f})
	if err != nil {
		t.Fatal(err)
	}
	return resultIDs(res.Results)
}

func (s *site) similar(t *testing.T, id string, n int) []string {
	t.Helper()
	res, err := s.engine.Similar(t.Context(), id, n, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return resultIDs(res)
}

func resultIDs(rs []search.Result) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.Paper.ID
	}
	return ids
}

// download clicks sel and returns the file the browser saved.
func (p *tab) download(t *testing.T, sel string) []byte {
	t.Helper()
	dir := t.TempDir()
	_, err := chromedp.CallBrowser(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
		BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	p.do(t, chromedp.Click(chromedp.CSS(sel)))
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download by %s: %v", sel, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("download by %s canceled", sel)
		case browser.DownloadProgressStateCompleted:
			b, err := os.ReadFile(filepath.Join(dir, ev.GUID)) // allowAndName names it by GUID
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("download by %s never completed", sel)
	return nil
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
