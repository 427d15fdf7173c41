package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
)

// httpError is an error with the status and the message a user sees
// chosen where it happened (405, 414, 404 of a route, bad input).
type httpError struct {
	status int
	msg    string // one sentence, safe to show
	err    error  // the cause, logged; may be nil
}

func (e *httpError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *httpError) Unwrap() error { return e.err }

// invalid is bad input from the user: 400 with msg.
func invalid(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...), err: paper.ErrInvalid}
}

// Errors of the server itself.
var (
	errLoading = errors.New("the index is still opening")
	errBusy    = errors.New("search queue full")
)

const msgInternal = "Something went wrong on the server; the error has been logged."

// problem is how an error is shown: its status, a message safe to show,
// and whether the client should retry later.
type problem struct {
	status int
	msg    string
	retry  bool // send Retry-After
}

// classify maps an error to what the user sees. It is the only place that
// decides statuses and messages from error kinds; the full error goes to
// the log only.
func classify(err error) problem {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return problem{status: he.status, msg: he.msg}
	case errors.Is(err, errLoading):
		return problem{http.StatusServiceUnavailable, "The index is still opening; search will work in a moment.", true}
	case errors.Is(err, errBusy):
		return problem{http.StatusServiceUnavailable, "The server is busy with other searches; try again in a few seconds.", true}
	case errors.Is(err, context.DeadlineExceeded):
		return problem{http.StatusServiceUnavailable, "The request took too long; try a narrower search or fewer results.", true}
	case errors.Is(err, context.Canceled):
		return problem{http.StatusServiceUnavailable, "The request was cancelled.", false}
	case errors.Is(err, search.ErrNotEmbedded):
		return problem{http.StatusServiceUnavailable, sentence(search.ErrNotEmbedded.Error()), false}
	case errors.Is(err, search.ErrNoVectors), errors.Is(err, search.ErrNoModel):
		return problem{http.StatusServiceUnavailable, sentence("semantic search is off: " + semanticReason(err)), false}
	case errors.Is(err, paper.ErrNotFound):
		return problem{http.StatusNotFound, sentence(userText(err, paper.ErrNotFound)), false}
	case errors.Is(err, paper.ErrInvalid):
		return problem{http.StatusBadRequest, sentence(userText(err, paper.ErrInvalid)), false}
	}
	return problem{http.StatusInternalServerError, msgInternal, false}
}

// userText is err's message without the sentinel's own words, which only
// classify it ("…: invalid input").
func userText(err, sentinel error) string {
	s := err.Error()
	s = strings.ReplaceAll(s, ": "+sentinel.Error(), "")
	s = strings.ReplaceAll(s, sentinel.Error()+": ", "")
	return s
}

// semanticReason is the sentinel's message when err wraps one of search's
// reasons, which are written for users.
func semanticReason(err error) string {
	for _, e := range []error{search.ErrNoVectors, search.ErrNoModel} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return err.Error()
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// fail answers a request that went wrong, as JSON under /api/, as a page
// elsewhere, and logs the full error.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := classify(err)
	s.logFailure(r, p, err)
	if p.retry {
		w.Header().Set("Retry-After", retryAfter)
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/"):
		s.writeJSON(w, r, p.status, apiError{Error: p.msg})
	case r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || strings.HasPrefix(r.URL.Path, "/static/"):
		writeText(w, p.status, p.msg)
	default:
		s.renderError(w, r, p)
	}
}

// retryAfter is the seconds a client should wait after a 503.
const retryAfter = "5"

func (s *Server) logFailure(r *http.Request, p problem, err error) {
	s.log.Log(r.Context(), levelOf(p, err), "request failed", "method", r.Method, "path", r.URL.Path,
		"status", p.status, "err", err)
}

// levelOf logs server faults as errors, overload as warnings, and the
// user's mistakes, searches before the index is open and requests the
// client abandoned (the script aborts stale as-you-type searches) for
// debugging only.
func levelOf(p problem, err error) slog.Level {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, errLoading):
		return slog.LevelDebug // errLoading: expected at every start, while the index opens
	case p.status == http.StatusServiceUnavailable:
		return slog.LevelWarn
	case p.status >= 500:
		return slog.LevelError
	}
	return slog.LevelDebug
}

func isNotFound(err error) bool { return errors.Is(err, paper.ErrNotFound) }

// apiError is the JSON body of every API error.
type apiError struct {
	Error string `json:"error"`
}

// writeText writes a one-line plain text answer.
func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
