package hfhub

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Errors callers may test for with errors.Is. The errors Download returns
// carry a sentence naming the repository, the file and what to do.
var (
	// ErrOffline: the file is not in the cache and the network may not be
	// used (Config.Offline, HF_HUB_OFFLINE).
	ErrOffline = errors.New("not in the cache and offline")
	// ErrNotFound: the repository, revision or file does not exist (or is
	// known to be absent from the cache's .no_exist markers).
	ErrNotFound = errors.New("not found on the Hub")
	// ErrUnauthorized: the Hub wants a token (gated or private repository)
	// or refused the one given.
	ErrUnauthorized = errors.New("not authorized by the Hub")
	// ErrIntegrity: downloaded or cached bytes do not match the size or
	// SHA-256 the Hub announced.
	ErrIntegrity = errors.New("file failed verification")
	// ErrNotHub: the endpoint answered without the Hub's headers (a captive
	// portal, a proxy, a wrong HF_ENDPOINT).
	ErrNotHub = errors.New("endpoint did not answer like the Hugging Face Hub")
)

// StatusError is an error answer from the Hub: its HTTP status and the
// X-Error-Code / X-Error-Message headers (RepoNotFound, RevisionNotFound,
// EntryNotFound, GatedRepo).
type StatusError struct {
	Status  int
	Code    string // X-Error-Code; empty when absent
	Message string // X-Error-Message, or an excerpt of the body
	// Commit is X-Repo-Commit, which the Hub sends even with a 404 for a
	// missing file; empty when absent.
	Commit string
	// RetryAfter is the wait the Hub asked for (429, 503); zero if none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is matches 404s against ErrNotFound and 401/403 against ErrUnauthorized,
// except that a 401 RepoNotFound is a not-found (the Hub answers so for
// repositories that do not exist as well as private ones).
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound || e.Code == "RepoNotFound"
	case ErrUnauthorized:
		return (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden) && e.Code != "RepoNotFound"
	}
	return false
}

// retryable reports whether another try may succeed.
func (e *StatusError) retryable() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout
}

// newStatusError reads an error answer; body is its start (nil for HEAD).
// The Hub's JSON bodies are {"error": "..."}.
func newStatusError(resp *http.Response, body []byte) *StatusError {
	e := &StatusError{
		Status:  resp.StatusCode,
		Code:    resp.Header.Get("X-Error-Code"),
		Message: resp.Header.Get("X-Error-Message"),
		Commit:  resp.Header.Get("X-Repo-Commit"),
	}
	if e.Message == "" && len(body) > 0 {
		var eb struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &eb) == nil && eb.Error != "" {
			e.Message = eb.Error
		} else if !strings.HasPrefix(strings.TrimSpace(string(body)), "<") {
			e.Message = string(body)
		}
	}
	e.Message = excerpt(e.Message, 200)
	if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}

// excerpt collapses white space and cuts s to at most n bytes.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// transientError marks a transport failure (connection refused or reset,
// a stalled or cut body) that is worth another try.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// hubError is an error with its own sentence that still matches the
// sentinel and the cause under errors.Is and errors.As.
type hubError struct {
	msg  string
	errs []error
}

func (e *hubError) Error() string   { return e.msg }
func (e *hubError) Unwrap() []error { return e.errs }

func newHubError(msg string, errs ...error) error {
	e := &hubError{msg: msg}
	for _, err := range errs {
		if err != nil {
			e.errs = append(e.errs, err)
		}
	}
	return e
}

// target names what a download was for in messages.
type target struct {
	repo     Repo
	revision string
	file     string // empty for a whole snapshot
}

func (t target) String() string {
	s := t.repo.describe()
	if t.file != "" {
		s = fmt.Sprintf("file %q of %s", t.file, s)
	}
	if t.revision != "main" {
		s += fmt.Sprintf(" at revision %q", t.revision)
	}
	return s
}

// explain turns an error answer of the Hub into one sentence saying what
// to do; haveToken says whether HF_TOKEN was sent. The cause stays wrapped
// and its text last. No message contains the token.
func (c *Client) explain(t target, se *StatusError) error {
	var msg string
	repo := t.repo.describe()
	switch {
	case se.Code == "RepoNotFound" || (se.Status == http.StatusNotFound && se.Code == ""):
		msg = fmt.Sprintf("%s not found on %s: check the name", repo, c.endpoint)
		if c.token == "" {
			msg += "; if it is private, set HF_TOKEN"
		} else {
			msg += " and that HF_TOKEN may read it"
		}
	case se.Code == "RevisionNotFound":
		msg = fmt.Sprintf("revision %q not found in %s", t.revision, repo)
	case se.Code == "EntryNotFound" || se.Status == http.StatusNotFound:
		msg = fmt.Sprintf("%s not found", t)
	case se.Status == http.StatusUnauthorized && c.token == "":
		msg = fmt.Sprintf("%s is gated or private: set HF_TOKEN to a token of an account with access (accept its terms at %s/%s)",
			repo, c.endpoint, t.repo)
	case se.Status == http.StatusUnauthorized:
		msg = fmt.Sprintf("the Hub refused HF_TOKEN for %s: check that the token is valid", repo)
	case se.Status == http.StatusForbidden && c.token == "":
		msg = fmt.Sprintf("%s is gated: set HF_TOKEN to a token of an account that accepted its terms at %s/%s",
			repo, c.endpoint, t.repo)
	case se.Status == http.StatusForbidden:
		msg = fmt.Sprintf("HF_TOKEN gives no access to %s: request access at %s/%s, or use a token with read permission",
			repo, c.endpoint, t.repo)
	default:
		msg = fmt.Sprintf("download %s", t)
	}
	return newHubError(c.redact(msg+": "+se.Error()), se)
}

// redact removes the token from text, in case a server echoed it, and the
// query of any URL in it, where pre-signed URLs keep their signature.
func (c *Client) redact(s string) string {
	s = urlQuery.ReplaceAllString(s, "$1?[redacted]")
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[redacted]")
}

// urlQuery matches the query of an http(s) URL in text.
var urlQuery = regexp.MustCompile(`(https?://[^\s?#"']+)\?[^\s"']*`)
