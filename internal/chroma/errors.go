package chroma

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

var (
	// ErrNotFound matches a 404 answer: a collection, tenant or database
	// that does not exist.
	ErrNotFound = errors.New("chroma: not found")
	// ErrUnavailable matches failures to reach the server or get a
	// working answer from it after retrying: connection refused or reset,
	// 5xx answers.
	ErrUnavailable = errors.New("chroma: server unavailable")
)

// APIError is an error answer from Chroma, whose bodies read
// {"error":"<Kind>","message":"…"}. A 404 matches ErrNotFound under
// errors.Is.
type APIError struct {
	Status  int    // HTTP status code
	Kind    string // Chroma's error kind, e.g. "InvalidArgumentError"; empty when the body had none
	Message string // Chroma's message, or a short excerpt of a body that was not JSON
}

func (e *APIError) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = http.StatusText(e.Status)
	}
	if e.Message == "" {
		return fmt.Sprintf("chroma answered %d %s", e.Status, kind)
	}
	return fmt.Sprintf("chroma answered %d %s: %s", e.Status, kind, e.Message)
}

// Is makes a 404 match ErrNotFound.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// maxErrorExcerpt bounds how much of a non-JSON error body (a proxy's HTML
// page, say) goes into an error message.
const maxErrorExcerpt = 200

// decodeAPIError builds the error for a non-2xx answer from its body.
func decodeAPIError(status int, body []byte) *APIError {
	e := &APIError{Status: status}
	var eb struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &eb) == nil && (eb.Error != "" || eb.Message != "") {
		e.Kind, e.Message = eb.Error, eb.Message
		return e
	}
	e.Message = excerpt(body)
	return e
}

// excerpt is the start of a body as one line of valid UTF-8.
func excerpt(body []byte) string {
	body = bytes.TrimSpace(body)
	cut := len(body) > maxErrorExcerpt
	if cut {
		body = body[:maxErrorExcerpt]
	}
	// ToValidUTF8 also drops a character the cut split.
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "")), " ")
	if cut {
		s += "…"
	}
	return s
}

// unavailableError says the server could not be reached or kept failing.
// It matches ErrUnavailable and unwraps to the last failure, so an
// *APIError (a 503, say) stays reachable with errors.As.
type unavailableError struct {
	base  string // scheme://host:port, never carrying the token
	tries int
	err   error
}

func (e *unavailableError) Error() string {
	tries := "1 try"
	if e.tries != 1 {
		tries = fmt.Sprintf("%d tries", e.tries)
	}
	return fmt.Sprintf("chroma at %s is not answering (%s): %v; check that the server runs and the URL is right", e.base, tries, causeText(e.err))
}

func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }
func (e *unavailableError) Unwrap() error        { return e.err }

// causeText drops net/http's `Get "http://…/api/v2/…":` prefix: the
// message already names the server, and one path is no help.
func causeText(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
