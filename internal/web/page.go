package web

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
)

const siteName = "OpenReview Finder"

// searchPage is "/": the form and the results of the search its query
// string describes, or with partial=1 only the #results fragment.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	f, err := s.facets(r.Context())
	if err != nil {
		return err
	}
	v, perr := query(r)
	var p params
	if perr == nil {
		p, perr = parseParams(v, pageMaxN)
	} else {
		p.Partial, _ = boolParam(v, "partial") // answer the script with the fragment it asked for
	}
	res, status := s.results(r.Context(), p, perr, f)
	if p.Partial {
		return s.render(w, r, status, "results", res)
	}
	return s.render(w, r, status, "search", &page{
		Title: res.Title, Progress: s.progress(), Form: newForm(v, f), Results: res,
	})
}

// results decides the state of the results area and runs the search.
func (s *Server) results(ctx context.Context, p params, perr error, f *facets) (*resultsView, int) {
	res := &resultsView{State: stateHome, Papers: f.Papers, Venues: len(f.Venues), Title: siteName, ResetHref: "/"}
	x := s.current()
	if x != nil && p.Mode != search.ModeKeyword {
		res.Notice = semanticNotice(x.Semantic())
	}
	switch {
	case perr != nil:
		return s.failed(ctx, res, perr)
	case f.Papers == 0:
		res.State, res.Notice = stateEmpty, ""
		return res, http.StatusOK
	case x == nil:
		res.State, res.Notice = stateLoading, ""
		return res, http.StatusOK
	case p.empty():
		return res, http.StatusOK
	}
	out, err := s.run(ctx, x, p)
	if err != nil {
		return s.failed(ctx, res, err)
	}
	res.State, res.Mode, res.Count, res.Notice = stateResults, out.mode, len(out.results), out.notice
	if res.Count == 0 {
		res.State = stateNone
	}
	res.Cards = newCards(out.results)
	res.Exports = exportLinks(p)
	res.Title = cmp.Or(p.Q, "Filtered papers") + " – " + siteName
	if out.source != nil {
		c := newCard(search.Result{Paper: *out.source}, 0)
		res.Source = &c
		res.Title = "Like " + out.source.Title + " – " + siteName
	}
	return res, http.StatusOK
}

// failed shows err in the results area, logged like any failure.
func (s *Server) failed(ctx context.Context, res *resultsView, err error) (*resultsView, int) {
	p := classify(err)
	s.log.Log(ctx, levelOf(p, err), "search failed", "status", p.status, "err", err)
	res.State, res.Message, res.Title = stateError, p.msg, "Error – "+siteName
	return res, p.status
}

// semanticNotice says why semantic search is off; "" when it is on.
func semanticNotice(reason error) string {
	if reason == nil {
		return ""
	}
	return "Semantic search is off: " + semanticReason(reason) + ". Keyword results are shown."
}

// outcome is what one search or "more like this" found.
type outcome struct {
	results []search.Result
	mode    string // the mode used, or "similar"
	notice  string
	source  *paper.Paper // the paper a "more like this" list is like
	took    time.Duration
}

// run runs p's search or similar-papers lookup in a queue slot. A
// semantic search while semantic search is off runs as a keyword search
// with a notice saying why, as a hybrid one does.
func (s *Server) run(ctx context.Context, x Searcher, p params) (outcome, error) {
	var out outcome
	if p.Similar != "" && s.cfg.Catalog != nil {
		src, err := s.cfg.Catalog.Paper(ctx, p.Similar)
		if err != nil {
			return out, fmt.Errorf("paper %q: %w", p.Similar, notFoundAs(err, p.Similar))
		}
		out.source = &src
	}
	release, err := s.queue.acquire(ctx)
	if err != nil {
		return out, err
	}
	defer release()
	start := s.now()
	if p.Similar != "" {
		out.mode = "similar"
		out.results, err = x.Similar(ctx, p.Similar, p.N, p.filter())
	} else {
		mode := p.Mode
		if reason := x.Semantic(); reason != nil && mode != search.ModeKeyword {
			mode, out.notice = search.ModeKeyword, semanticNotice(reason)
		}
		var resp search.Response
		resp, err = x.Search(ctx, search.Request{Text: p.Q, Mode: mode, Limit: p.N, Filter: p.filter(), Explain: p.Explain})
		out.results, out.mode = resp.Results, string(resp.Mode)
		if out.notice == "" && resp.Notice != "" {
			out.notice = sentence(resp.Notice)
		}
	}
	out.took = s.now().Sub(start)
	if err != nil {
		return out, notFoundAs(err, p.Similar)
	}
	return out, nil
}

// notFoundAs gives an unknown paper a plain 404 message.
func notFoundAs(err error, id string) error {
	if isNotFound(err) {
		return &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("No paper %q in the index.", clipped(id)), err: err}
	}
	return err
}

// render executes a template into a buffer first, so a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	var b bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	writeBody(w, r, status, b.Bytes())
	return nil
}

// renderError shows an error page; if even that fails, plain text.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, p problem) {
	pg := &page{Title: "Error – " + siteName, Error: &errorView{Status: p.status, Message: p.msg}}
	if err := s.render(w, r, p.status, "error", pg); err != nil {
		s.log.Error("render error page", "err", err)
		writeText(w, p.status, p.msg)
	}
}

// notFound answers paths no route serves.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return &httpError{status: http.StatusNotFound, msg: "There is no page at this address."}
}

// progress returns the background tasks for the banner.
func (s *Server) progress() []progressView {
	if s.cfg.Progress == nil {
		return nil
	}
	return newProgress(s.cfg.Progress(), s.now())
}
