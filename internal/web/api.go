package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/export"
	"github.com/openreview-finder/openreview-finder/internal/search"
)

// searchResponse is /api/search's answer.
type searchResponse struct {
	Query   string          `json:"query"`
	Similar string          `json:"similar,omitempty"`
	Mode    string          `json:"mode"`
	Notice  string          `json:"notice,omitempty"`
	Count   int             `json:"count"`
	TookMS  int64           `json:"took_ms"`
	Results []export.Result `json:"results"`
}

// apiSearch is /api/search: the page's search as JSON, or with format=
// csv, json or bibtex, as a file to download.
func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) error {
	v, err := query(r)
	if err != nil {
		return err
	}
	p, err := parseParams(v, apiMaxN)
	if err != nil {
		return err
	}
	if p.empty() {
		return invalid("Give search words (q), a filter (venue, year, status, author, keyword) or a paper (similar).")
	}
	x := s.current()
	if x == nil {
		return errLoading
	}
	out, err := s.run(r.Context(), x, p)
	if err != nil {
		return err
	}
	if p.Format != "" {
		return s.download(w, r, p.Format, out.results)
	}
	return s.writeJSON(w, r, http.StatusOK, searchResponse{
		Query: p.Q, Similar: p.Similar, Mode: out.mode, Notice: out.notice, Count: len(out.results),
		TookMS: out.took.Milliseconds(), Results: export.FromSearchAll(out.results),
	})
}

// download writes results as an export file.
func (s *Server) download(w http.ResponseWriter, r *http.Request, format string, rs []search.Result) error {
	var b bytes.Buffer
	if err := export.Write(&b, format, rs); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", export.ContentType(format))
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="openreview-finder-results%s"`, export.Extension(format)))
	h.Set("Cache-Control", "no-cache")
	writeBody(w, r, http.StatusOK, b.Bytes())
	return nil
}

// paperResponse is /api/paper/{id}'s answer.
type paperResponse struct {
	Paper   export.Result   `json:"paper"`
	Similar []export.Result `json:"similar"`
	Notice  string          `json:"notice,omitempty"` // why similar is empty
}

// apiPaper is /api/paper/{id}: one paper and its nearest neighbours.
func (s *Server) apiPaper(w http.ResponseWriter, r *http.Request) error {
	p, err := s.lookup(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	sim, note, err := s.neighbours(r.Context(), p.ID)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, http.StatusOK, paperResponse{
		Paper: export.FromSearch(search.Result{Paper: p}), Similar: export.FromSearchAll(sim), Notice: note,
	})
}

// similarResponse is /api/similar/{id}'s answer.
type similarResponse struct {
	ID      string          `json:"id"`
	Count   int             `json:"count"`
	TookMS  int64           `json:"took_ms"`
	Results []export.Result `json:"results"`
}

// apiSimilar is /api/similar/{id}: the papers nearest to one, with the
// search's n and filters.
func (s *Server) apiSimilar(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if id == "" || len(id) > maxIDLen {
		return &httpError{status: http.StatusNotFound, msg: "There is no paper with this id."}
	}
	v, err := query(r)
	if err != nil {
		return err
	}
	v.Set("similar", id)
	p, err := parseParams(v, apiMaxN)
	if err != nil {
		return err
	}
	x := s.current()
	if x == nil {
		return errLoading
	}
	out, err := s.run(r.Context(), x, p)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, http.StatusOK, similarResponse{
		ID: id, Count: len(out.results), TookMS: out.took.Milliseconds(), Results: export.FromSearchAll(out.results),
	})
}

// venueJSON is one venue of /api/venues.
type venueJSON struct {
	ID       string         `json:"id"`
	Label    string         `json:"label"`
	Title    string         `json:"title,omitempty"`
	Year     int            `json:"year,omitempty"`
	Papers   int            `json:"papers"`
	Statuses map[string]int `json:"statuses"` // papers per status chip: accepted, oral, …
}

// apiVenues is /api/venues: every venue with its papers per status.
func (s *Server) apiVenues(w http.ResponseWriter, r *http.Request) error {
	f, err := s.facets(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Papers int         `json:"papers"`
		Venues []venueJSON `json:"venues"`
	}{Papers: f.Papers, Venues: make([]venueJSON, 0, len(f.Venues))}
	for _, v := range f.Venues {
		out.Venues = append(out.Venues, venueJSON{ID: v.ID, Label: v.Label, Title: v.Title, Year: v.Year, Papers: v.Papers, Statuses: v.Chips})
	}
	return s.writeJSON(w, r, http.StatusOK, out)
}

// statusResponse is /api/status's answer.
type statusResponse struct {
	Papers   int            `json:"papers"`
	Vectors  int            `json:"vectors"`
	Semantic semanticJSON   `json:"semantic"`
	Ready    bool           `json:"ready"`
	Progress []progressJSON `json:"progress"`
}

type semanticJSON struct {
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
}

type progressJSON struct {
	Phase      string    `json:"phase"`
	Message    string    `json:"message"`
	Done       int       `json:"done"`
	Total      int       `json:"total"`
	Started    time.Time `json:"started,omitzero"`
	ETASeconds int       `json:"eta_seconds,omitempty"`
	ETA        string    `json:"eta,omitempty"`
}

// apiStatus is /api/status: what the index holds and what runs.
func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) error {
	f, err := s.facets(r.Context())
	if err != nil {
		return err
	}
	out := statusResponse{Papers: f.Papers, Progress: []progressJSON{}}
	if x := s.current(); x != nil {
		out.Ready, out.Vectors = true, x.Len()
		out.Semantic.Available = x.Semantic() == nil
		if reason := x.Semantic(); reason != nil {
			out.Semantic.Reason = semanticReason(reason)
		}
	} else {
		out.Semantic.Reason = errLoading.Error()
	}
	var tasks []Progress
	if s.cfg.Progress != nil {
		tasks = s.cfg.Progress()
	}
	for i, v := range newProgress(tasks, s.now()) {
		out.Progress = append(out.Progress, progressJSON{Phase: v.Phase, Message: v.Message, Done: v.Done, Total: v.Total,
			Started: tasks[i].Started, ETASeconds: v.etaSeconds, ETA: v.ETA})
	}
	return s.writeJSON(w, r, http.StatusOK, out)
}

// apiOpenAPI serves the embedded OpenAPI document.
func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	writeBody(w, r, http.StatusOK, openAPI)
	return nil
}

// healthz answers 200 while the process is up.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeText(w, http.StatusOK, "ok")
	return nil
}

// readyz answers 200 once the index is open, else 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.current() == nil {
		return errLoading
	}
	writeText(w, http.StatusOK, "ready")
	return nil
}

// writeJSON writes v as indented JSON. <, > and & are escaped, so no
// field can read as markup if a browser sniffs the body.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	writeBody(w, r, status, b.Bytes())
	return nil
}
