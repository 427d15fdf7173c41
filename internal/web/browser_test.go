package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/export"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

var screenshots = flag.Bool("screenshots", false, "save the browser tests' screenshots in testdata/screenshots (default: a temporary directory)")

// TestBrowser drives the search page in one headless Chromium, each
// subtest in a fresh tab with its own browser context (storage, clipboard
// and download settings), as a researcher would use it.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped under -short")
	}
	exe := chromePath(t)
	s := newSite(t)
	shots := t.TempDir()
	if *screenshots {
		shots = filepath.Join("testdata", "screenshots")
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.WindowSize(1280, 800))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run sandboxed as root
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *tab)
	}{
		{"TypeAhead", testTypeAhead},
		{"Filters", testFilters},
		{"MoreLikeThisBackForward", testSimilar},
		{"CopyBibTeX", testCopyBibTeX},
		{"Export", testExport},
		{"RecentSearches", testRecent},
		{"NoJavaScript", testNoJS},
		{"ThemeAndPhone", testThemePhone},
		{"EscapingAndCSP", testEscaping},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := openTab(t, bctx, s, shots)
			tc.run(t, p)
			p.checkConsole(t)
		})
	}
}

const qBox = "#search input[name=q]"

// testTypeAhead types a query key by key: results come without a submit,
// debounced, and the URL follows.
func testTypeAhead(t *testing.T, p *tab) {
	p.open(t, "/")
	eval[bool](t, p, "window.sameDocument = true")
	before := p.site.partial.Load()
	const q = "graph neural message"
	p.do(t, chromedp.SendKeys(chromedp.CSS(qBox), q))
	want := p.site.want(t, q, p.limit(t), store.Filter{})
	p.waitIDs(t, want)
	p.wait(t, "the URL's q to follow the box", fmt.Sprintf("new URLSearchParams(location.search).get('q') === %q", q))
	if !eval[bool](t, p, "window.sameDocument === true") {
		t.Error("the page was reloaded: results should come as you type, without a submit")
	}
	if n := p.site.partial.Load() - before; n < 1 || n > int64(len(q)/2) {
		t.Errorf("typing %d characters made %d fragment requests (partial=1): want at least 1 and at most %d (debounced)", len(q), n, len(q)/2)
	}
	if got := eval[string](t, p, `document.querySelector("#count").textContent`); !strings.Contains(got, fmt.Sprint(len(want))) {
		t.Errorf("#count says %q, want it to count %d results", got, len(want))
	}
	p.shot(t, "results-desktop-light")
}

// testFilters picks two venues, a year and two status chips, submits, and
// checks the results, the URL, and the same URL in a fresh tab.
func testFilters(t *testing.T, p *tab) {
	p.open(t, "/")
	venues := p.pick(t, "venue", "[value*=ICLR]")
	years := p.pick(t, "year", `[value="2025"]`)
	if len(venues) != 2 || len(years) != 1 {
		t.Fatalf("picked venues %q and years %q: want the two ICLR venues and 2025", venues, years)
	}
	const q = "language model"
	p.do(t,
		chromedp.Click(chromedp.CSS(`#search input[name=status][value=oral]`)),
		chromedp.Click(chromedp.CSS(`#search input[name=status][value=spotlight]`)),
		chromedp.SendKeys(chromedp.CSS(qBox), q),
		chromedp.Click(chromedp.CSS(`#search button[type=submit]`)))
	f := store.Filter{Venues: venues, Years: []int{2025}, Statuses: []store.StatusFilter{
		{Status: paper.StatusAccepted, Presentation: paper.PresentationOral},
		{Status: paper.StatusAccepted, Presentation: paper.PresentationSpotlight}}}
	want := p.site.want(t, q, p.limit(t), f)
	p.waitIDs(t, want)
	for _, id := range want {
		r := p.site.papers[id]
		if r.VenueID != "ICLR.cc/2025/Conference" || r.Status != paper.StatusAccepted ||
			(r.Presentation != paper.PresentationOral && r.Presentation != paper.PresentationSpotlight) {
			t.Errorf("result %s (%s, %s %s) fails the filters", id, r.Venue, r.Status, r.Presentation)
		}
	}
	badges := eval[[]string](t, p, `[...document.querySelectorAll("#results article.result .badge")].map(b => b.textContent.toLowerCase())`)
	if len(badges) != len(want) {
		t.Errorf("%d status badges for %d results", len(badges), len(want))
	}
	for i, b := range badges {
		if !strings.Contains(b, "oral") && !strings.Contains(b, "spotlight") {
			t.Errorf("result %d's badge reads %q: want oral or spotlight", i+1, b)
		}
	}
	got := p.params(t)
	wantParams := url.Values{"q": {q}, "venue": venues, "year": years, "status": {"oral", "spotlight"}}
	for k, v := range wantParams {
		if diff := cmp.Diff(sorted(v), sorted(got[k])); diff != "" {
			t.Errorf("URL parameter %s (-want +got):\n%s", k, diff)
		}
	}
	// A colleague opens the shared link: same results, same form.
	o := p.fresh(t)
	o.do(t, chromedp.Navigate(p.location(t)))
	o.waitIDs(t, want)
	form := eval[[]string](t, o, `[...document.querySelectorAll("#search select[multiple] option:checked, #search input[name=status]:checked")].map(e => e.value)`)
	if diff := cmp.Diff(sorted(slices.Concat(venues, years, []string{"oral", "spotlight"})), sorted(form)); diff != "" {
		t.Errorf("the shared link's form state (-want +got):\n%s", diff)
	}
	o.checkConsole(t)
}

// pick Ctrl+clicks the options matching sel of the list box name, as a
// person picks several, and returns the values selected.
func (p *tab) pick(t *testing.T, name, sel string) []string {
	t.Helper()
	box := "#search select[name=" + name + "][multiple]"
	nodes, err := chromedp.Run(p.ctx, chromedp.Nodes(chromedp.CSSAll(box+" option"+sel)))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		p.do(t, chromedp.MouseClickNode(n, chromedp.ButtonModifiers(kb.ModifierCtrl)))
	}
	return eval[[]string](t, p, `[...document.querySelectorAll("`+box+` option:checked")].map(o => o.value)`)
}

// testSimilar opens "more like this" on a result, goes back to the query
// and forward again.
func testSimilar(t *testing.T, p *tab) {
	const q = "diffusion image denoising"
	p.open(t, "/?q="+url.QueryEscape(q))
	first := p.site.want(t, q, p.limit(t), store.Filter{})
	p.waitIDs(t, first)
	src := first[0]
	shown := p.site.similar(t, src, p.limit(t))
	if slices.Contains(shown, src) {
		t.Fatalf("the engine lists %s as similar to itself", src)
	}
	p.do(t, chromedp.Click(chromedp.CSS(`#results article.result a.similar`)))
	p.waitIDs(t, shown)
	if got := p.params(t).Get("similar"); got != src {
		t.Errorf("more like this: the URL's similar = %q, want %s", got, src)
	}
	p.do(t, chromedp.NavigateBack())
	p.waitIDs(t, first)
	if got := eval[string](t, p, `document.querySelector("`+qBox+`").value`); got != q {
		t.Errorf("after back, the query box holds %q, want %q", got, q)
	}
	p.do(t, chromedp.NavigateForward())
	p.waitIDs(t, shown)

	// The paper page: its title and its nearest neighbours.
	p.open(t, "/paper/"+src)
	if got := eval[string](t, p, "document.querySelector('h1').textContent"); got != p.site.papers[src].Title {
		t.Errorf("the paper page of %s is titled %q, want %q", src, got, p.site.papers[src].Title)
	}
	near := eval[[]string](t, p, `[...document.querySelectorAll("#similar article.result")].map(a => a.dataset.id)`)
	if len(near) == 0 || len(near) > len(shown) || !slices.Equal(near, shown[:len(near)]) {
		t.Errorf("the paper page of %s lists the neighbours %q, want the first of %q", src, near, shown)
	}
	p.shot(t, "paper")
}

// testCopyBibTeX copies a result's BibTeX and reads the clipboard back.
func testCopyBibTeX(t *testing.T, p *tab) {
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted,
			Origin: p.site.url, BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID})
		if err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
	// A headless page never has focus, and the clipboard needs it.
	call(t, p, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
	const q = "privacy federated"
	p.open(t, "/?q="+url.QueryEscape(q))
	want := p.site.want(t, q, p.limit(t), store.Filter{})
	p.waitIDs(t, want)
	eval[chromedp.Void](t, p, `navigator.clipboard.writeText("before")`)
	const button = `#results article.result button.copy-bibtex`
	p.do(t, chromedp.Click(chromedp.CSS(button)))
	got := eval[string](t, p, `(async () => {
		for (let i = 0; i < 200; i++) {
			const s = await navigator.clipboard.readText();
			if (s !== "before") return s;
			await new Promise(r => setTimeout(r, 25));
		}
		return "nothing was copied"; })()`)
	attr := eval[string](t, p, `document.querySelector("`+button+`").dataset.bibtex`)
	if wantBib := export.BibTeX(p.site.papers[want[0]]); got != attr || got != wantBib || !strings.HasPrefix(got, "@") {
		t.Errorf("copied %q\ndata-bibtex %q\nwant %q", got, attr, wantBib)
	}
}

// testExport downloads the result list in every format; each file holds
// exactly the results shown, in order.
func testExport(t *testing.T, p *tab) {
	const q, n = "reinforcement policy", 7
	p.open(t, fmt.Sprintf("/?q=%s&n=%d", url.QueryEscape(q), n))
	res, err := p.site.engine.Search(t.Context(), search.Request{Text: q, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	want := resultIDs(res.Results)
	p.waitIDs(t, want)

	rows, err := csv.NewReader(bytes.NewReader(p.download(t, `a.export[data-format=csv]`))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("CSV export: %d rows, %v", len(rows), err)
	}
	col := slices.Index(rows[0], "id")
	if col < 0 || !slices.Contains(rows[0], "title") {
		t.Fatalf("CSV header %q lacks id or title", rows[0])
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[col])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CSV export's ids (-want +got):\n%s", diff)
	}

	var objs []struct{ ID string }
	if err := json.Unmarshal(p.download(t, `a.export[data-format=json]`), &objs); err != nil {
		t.Fatalf("JSON export is not an array of results: %v", err)
	}
	got = got[:0]
	for _, o := range objs {
		got = append(got, o.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON export's ids (-want +got):\n%s", diff)
	}

	var bib strings.Builder
	if err := export.WriteBibTeX(&bib, res.Results); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(bib.String(), string(p.download(t, `a.export[data-format=bibtex]`))); diff != "" {
		t.Errorf("BibTeX export (-want +got):\n%s", diff)
	}
}

// testRecent runs two searches from the form; a new visit lists both, and
// a click re-runs one.
func testRecent(t *testing.T, p *tab) {
	p.open(t, "/")
	queries := []string{"graph", "reinforcement policy"}
	for _, q := range queries {
		// Select the box's text, so typing replaces it; the results come
		// as you type, then Enter commits the search.
		eval[chromedp.Void](t, p, `document.querySelector("`+qBox+`").select()`)
		p.do(t, chromedp.SendKeys(chromedp.CSS(qBox), q))
		want := p.site.want(t, q, p.limit(t), store.Filter{})
		p.waitIDs(t, want)
		p.do(t, chromedp.SendKeys(chromedp.CSS(qBox), kb.Enter))
		p.waitIDs(t, want)
	}
	p.do(t, chromedp.NavigateBack())
	p.wait(t, "back to leave the second search", `new URLSearchParams(location.search).get("q") !== "reinforcement policy"`)
	if got := p.params(t).Get("q"); got != "graph" {
		t.Errorf("back from the second search went to q=%q, want the first search, graph", got)
	}
	p.open(t, "/")
	const recentJS = `[...document.querySelectorAll("#recent a")].map(a => new URL(a.href).searchParams.get("q"))`
	p.wait(t, "#recent to list the searches", recentJS+".length > 0")
	if diff := cmp.Diff(sorted(queries), sorted(eval[[]string](t, p, recentJS))); diff != "" {
		t.Errorf("#recent's queries (-want +got):\n%s", diff)
	}
	const link = `[...document.querySelectorAll("#recent a")].find(a => new URL(a.href).searchParams.get("q") === "graph")`
	if !eval[bool](t, p, "!!"+link) {
		t.Fatal("#recent has no link to the search for graph")
	}
	p.do(t, chromedp.Click(chromedp.JSPath(link)))
	p.waitIDs(t, p.site.want(t, "graph", p.limit(t), store.Filter{}))
	if got := p.params(t).Get("q"); got != "graph" {
		t.Errorf("after a click on the recent search, q = %q, want graph", got)
	}
}

// testNoJS uses the page with JavaScript off: the form, the status chips
// and "more like this" are plain HTML.
func testNoJS(t *testing.T, p *tab) {
	call(t, p, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	before := p.site.partial.Load()
	p.open(t, "/")
	const q = "diffusion sampling"
	// Read the limit before submitting: during the navigation the form
	// is gone.
	limit := p.limit(t)
	p.do(t,
		chromedp.SendKeys(chromedp.CSS(qBox), q),
		chromedp.Click(chromedp.CSS(`#search input[name=status][value=poster]`)),
		chromedp.Click(chromedp.CSS(`#search button[type=submit]`)))
	f := store.Filter{Statuses: []store.StatusFilter{{Status: paper.StatusAccepted, Presentation: paper.PresentationPoster}}}
	want := p.site.want(t, q, limit, f)
	p.waitIDs(t, want)
	if got := p.params(t); got.Get("q") != q || got.Get("status") != "poster" {
		t.Errorf("the form submitted %v, want q=%q and status=poster", got, q)
	}
	similar := p.site.similar(t, want[0], p.limit(t))
	p.do(t, chromedp.Click(chromedp.CSS(`#results article.result a.similar`)))
	p.waitIDs(t, similar)
	if n := p.site.partial.Load() - before; n != 0 {
		t.Errorf("%d fragment requests (partial=1) with JavaScript disabled: the page's script ran", n)
	}
}

const themeJS = `getComputedStyle(document.body).backgroundColor`

// testThemePhone toggles the theme, which survives a reload, and checks
// that a phone never scrolls sideways.
func testThemePhone(t *testing.T, p *tab) {
	const q = "language model"
	p.open(t, "/?q="+url.QueryEscape(q))
	want := p.site.want(t, q, p.limit(t), store.Filter{})
	p.waitIDs(t, want)
	light := eval[string](t, p, themeJS)
	p.do(t, chromedp.Click(chromedp.CSS("button#theme")))
	p.wait(t, "the background to change", fmt.Sprintf("%s !== %q", themeJS, light))
	dark := eval[string](t, p, themeJS)
	if got := eval[string](t, p, `document.querySelector("button#theme").getAttribute("aria-pressed")`); got != "true" {
		t.Errorf("the dark theme's toggle has aria-pressed=%q, want true", got)
	}
	p.do(t, chromedp.Reload())
	p.waitIDs(t, want)
	if got := eval[string](t, p, themeJS); got != dark {
		t.Errorf("after a reload the background is %s, want the chosen theme's %s (light is %s)", got, dark, light)
	}
	p.shot(t, "results-dark")

	phone := p.fresh(t)
	phone.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, path := range []string{"/paper/" + want[0], "/?q=" + url.QueryEscape(q)} {
		phone.open(t, path)
		size := eval[[]int](t, phone, "[innerWidth, document.scrollingElement.scrollWidth]")
		if size[0] != 390 || size[1] > size[0] {
			t.Errorf("%s on a 390 px phone: viewport %d px, content %d px wide: want 390 and no sideways scroll (meta viewport, wrapping)", path, size[0], size[1])
		}
	}
	phone.shot(t, "results-phone")
	phone.checkConsole(t)
}

// testEscaping shows a title full of markup as text, running nothing; the
// CSP blocks a script injected anyway, and the console check sees it.
func testEscaping(t *testing.T, p *tab) {
	for _, c := range []struct{ path, title string }{
		{"/?q=" + url.QueryEscape("escaping attention"), `#results article.result[data-id=hostile] a.title`},
		{"/paper/hostile", `article.paper[data-id=hostile] h1`},
	} {
		p.open(t, c.path)
		p.wait(t, c.title, fmt.Sprintf("document.querySelector(%q)", c.title))
		if got := eval[string](t, p, fmt.Sprintf("document.querySelector(%q).textContent", c.title)); got != hostileTitle {
			t.Errorf("%s shows the title as %q, want the text %q", c.path, got, hostileTitle)
		}
		if eval[bool](t, p, "!!window.pwned || !!document.querySelector('img[src=x]')") {
			t.Errorf("%s turned the title's markup into elements", c.path)
		}
	}
	eval[chromedp.Void](t, p, `(() => {
		const s = document.createElement("script");
		s.textContent = "window.injected = true";
		document.body.append(s); })()`)
	if eval[bool](t, p, "window.injected === true") {
		t.Error("an injected inline script ran: the Content-Security-Policy must forbid inline scripts")
	}
	var errs []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if errs = append(errs, p.takeErrors()...); slices.ContainsFunc(errs, isCSP) {
			break
		}
	}
	if i := slices.IndexFunc(errs, isCSP); i < 0 {
		t.Errorf("no CSP violation logged for an injected script (logged %q): the console check would miss one", errs)
	} else {
		errs = slices.Delete(errs, i, i+1)
	}
	for _, e := range errs {
		t.Errorf("the page logged %s", e)
	}
}

func isCSP(e string) bool { return strings.HasPrefix(e, "security error") }
