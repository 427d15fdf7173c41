package openreview

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Errors callers may test for with errors.Is. Each wraps paper.ErrAuth.
var (
	// ErrNoCredentials is returned by New when neither a username and
	// password nor a ready-made token was given.
	ErrNoCredentials error = &multiError{
		msg:  "no OpenReview credentials: set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD, or OPENREVIEW_TOKEN",
		errs: []error{paper.ErrAuth},
	}
	// ErrChallenge means OpenReview answered with its anti-bot browser
	// challenge (a 403 ChallengeRequiredError or an HTML page) instead of
	// data. OpenReview challenges requests that are not logged in.
	ErrChallenge error = &multiError{
		msg:  "OpenReview demanded a browser challenge instead of answering; it does so for requests that are not logged in, so log in (OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD, or OPENREVIEW_TOKEN)",
		errs: []error{paper.ErrAuth},
	}
	// ErrTokenExpired means the ready-made token (Config.Token) expired or
	// was refused and there is no password to log in again with.
	ErrTokenExpired error = &multiError{
		msg:  "OpenReview token expired or was refused: set a new OPENREVIEW_TOKEN (or OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD)",
		errs: []error{paper.ErrAuth},
	}
)

// APIError is an error answer from OpenReview: the HTTP status and the
// error body's name and message ({"name":"NotFoundError","message":...}).
// A 404 matches paper.ErrNotFound and a 401 paper.ErrAuth under errors.Is.
type APIError struct {
	Status  int    // HTTP status code
	Name    string // OpenReview error name, e.g. "RateLimitError"; empty when the body had none
	Message string // OpenReview's message, or a short excerpt of a non-JSON body
	// RetryAfter is how long OpenReview asked us to wait before retrying
	// (429 answers); zero when unknown or irrelevant.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	name := e.Name
	if name == "" {
		name = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("%d %s", e.Status, name)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Is lets errors.Is match a 404 against paper.ErrNotFound and a 401
// against paper.ErrAuth.
func (e *APIError) Is(target error) bool {
	switch target {
	case paper.ErrNotFound:
		return e.Status == http.StatusNotFound
	case paper.ErrAuth:
		return e.Status == http.StatusUnauthorized
	}
	return false
}

// multiError is an error with its own message that matches several
// wrapped errors (a sentinel and the upstream cause), so the user reads
// one sentence while callers can still use errors.Is and errors.As.
type multiError struct {
	msg  string
	errs []error
}

func (e *multiError) Error() string   { return e.msg }
func (e *multiError) Unwrap() []error { return e.errs }

// wrapMsg returns an error reading msg that wraps every non-nil error given.
func wrapMsg(msg string, errs ...error) error {
	e := &multiError{msg: msg}
	for _, err := range errs {
		if err != nil {
			e.errs = append(e.errs, err)
		}
	}
	return e
}

// errorBody is the JSON OpenReview sends with error answers.
type errorBody struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Details struct {
		ResetTime string `json:"resetTime"`
	} `json:"details"`
}

// parseErrorBody reads an error answer. Bodies that are not OpenReview's
// JSON (a proxy's HTML page, plain text) keep a short excerpt as message.
func parseErrorBody(body []byte) errorBody {
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && (eb.Name != "" || eb.Message != "") {
		return eb
	}
	eb = errorBody{}
	if looksHTML(body) {
		return eb
	}
	eb.Message = excerpt(string(body), 200)
	return eb
}

// excerpt collapses white space and cuts s to at most n bytes.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// looksHTML reports whether a body is markup rather than JSON, as the
// "Verifying your browser | OpenReview" challenge page is.
func looksHTML(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n\ufeff")
	return len(b) > 0 && b[0] == '<'
}

// isJSONType reports whether a Content-Type header names JSON. An absent
// header counts as JSON; the body check then decides.
func isJSONType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// redactor removes secrets from text that came from the server, which
// might echo what we sent.
type redactor []string

func (r redactor) clean(s string) string {
	for _, secret := range r {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// retryableError marks a failure worth another try after wait (zero:
// use the exponential backoff).
type retryableError struct {
	err  error
	wait time.Duration
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// unauthorizedError is a 401 on an authenticated request, carrying the
// token that was refused so that only one caller renews it.
type unauthorizedError struct {
	api   *APIError
	token string
}

func (e *unauthorizedError) Error() string { return e.api.Error() }
func (e *unauthorizedError) Unwrap() error { return e.api }

// isChallenge reports whether an answer is OpenReview's anti-bot gate.
func isChallenge(status int, ct string, body []byte, name string) bool {
	if status == http.StatusForbidden && (name == "ChallengeRequiredError" || looksHTML(body)) {
		return true
	}
	return status/100 == 2 && (!isJSONType(ct) || looksHTML(body))
}

// errAs is errors.As for a pointer target, returning the match.
func errAs[T error](err error) (T, bool) {
	var t T
	ok := errors.As(err, &t)
	return t, ok
}
