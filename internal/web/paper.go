package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// neighbours is how many similar papers the paper page lists.
const neighbours = 10

// paperView is the paper page.
type paperView struct {
	card
	Published, Created, Modified dateView
	Authors                      []authorView
	Similar                      []card
	SimilarNote                  string // why there are no neighbours
}

// authorView is an author with a search for their papers and, when
// OpenReview gave one, their profile.
type authorView struct{ Name, SearchURL, ProfileURL string }

func newAuthors(p paper.Paper) []authorView {
	out := make([]authorView, len(p.Authors))
	for i, a := range p.Authors {
		out[i] = authorView{Name: a, SearchURL: card{}.AuthorURL(a)}
		if i < len(p.AuthorIDs) && strings.HasPrefix(p.AuthorIDs[i], "~") {
			out[i].ProfileURL = "https://openreview.net/profile?" + url.Values{"id": {p.AuthorIDs[i]}}.Encode()
		}
	}
	return out
}

// dateView is a date as shown and as machine-readable datetime.
type dateView struct{ Text, ISO string }

func newDate(t time.Time) dateView {
	if t.IsZero() {
		return dateView{}
	}
	t = t.UTC()
	return dateView{Text: t.Format("2 January 2006"), ISO: t.Format(time.DateOnly)}
}

// paperPage is /paper/{id}: every field of a paper and its neighbours.
func (s *Server) paperPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.lookup(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	sim, note, err := s.neighbours(r.Context(), p.ID)
	if err != nil {
		return err
	}
	v := &paperView{
		card:      newCard(search.Result{Paper: p}, 0),
		Published: newDate(p.Published), Created: newDate(p.Created), Modified: newDate(p.Modified),
		Authors: newAuthors(p), Similar: newCards(sim), SimilarNote: note,
	}
	return s.render(w, r, http.StatusOK, "paper", &page{
		Title: p.Title + " – " + siteName, Progress: s.progress(), Paper: v,
	})
}

// lookup reads one paper of the catalog; an unknown id is a 404.
func (s *Server) lookup(ctx context.Context, id string) (paper.Paper, error) {
	if id == "" || len(id) > maxIDLen {
		return paper.Paper{}, &httpError{status: http.StatusNotFound, msg: "There is no paper with this id."}
	}
	if s.cfg.Catalog == nil {
		return paper.Paper{}, errLoading
	}
	p, err := s.cfg.Catalog.Paper(ctx, id)
	if err != nil {
		return p, notFoundAs(fmt.Errorf("read paper %q: %w", id, err), id)
	}
	return p, nil
}

// neighbours finds the papers nearest to id. When semantic search cannot
// answer (no vectors, the paper not embedded yet, the index opening, the
// queue full), note says why and the page shows the paper anyway.
func (s *Server) neighbours(ctx context.Context, id string) (sim []search.Result, note string, err error) {
	x := s.current()
	if x == nil {
		return nil, "Similar papers appear once the index has opened.", nil
	}
	release, err := s.queue.acquire(ctx)
	if err == nil {
		defer release()
		sim, err = x.Similar(ctx, id, neighbours, store.Filter{})
	}
	switch {
	case err == nil && len(sim) == 0:
		return nil, "No similar papers found.", nil
	case err == nil:
		return sim, "", nil
	case errors.Is(err, search.ErrNotEmbedded), errors.Is(err, search.ErrNoVectors),
		errors.Is(err, search.ErrNoModel), errors.Is(err, errBusy), errors.Is(err, context.DeadlineExceeded):
		s.log.Debug("no neighbours", "id", id, "err", err)
		return nil, classify(err).msg, nil
	}
	return nil, "", fmt.Errorf("papers similar to %q: %w", id, err)
}

// similarURL is the "more like this" page of a paper.
func similarURL(id string) string { return "/?" + url.Values{"similar": {id}}.Encode() }
