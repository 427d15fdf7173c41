package chroma

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Config configures a Client.
type Config struct {
	// URL is the server address as ParseURL reads it, e.g.
	// chroma://localhost:8000 or chromas://host/tenant/database.
	URL string
	// Token, when set, is sent with every request as both
	// "Authorization: Bearer" and "X-Chroma-Token": Chroma's token auth
	// reads one or the other depending on how the server is configured.
	// It appears in no error.
	Token string
	// HTTPClient defaults to one whose requests time out after 2 minutes;
	// callers bound each call further with its ctx.
	HTTPClient *http.Client
	// MaxRetries is how many times a failed idempotent call is tried again
	// (default 3; negative: never).
	MaxRetries int
	// Sleep waits between retries (default: a timer honouring ctx); tests
	// replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

const (
	defaultMaxRetries = 3
	// firstBackoff doubles per retry up to maxBackoff: a server that is
	// restarting answers again within seconds.
	firstBackoff = 200 * time.Millisecond
	maxBackoff   = 3 * time.Second
	// maxResponse bounds a response body; a get of a full batch (5461
	// records of 768 floats as JSON) is about 60 MB.
	maxResponse = 256 << 20
	// maxErrorBody bounds how much of an error answer is read.
	maxErrorBody = 64 << 10
)

// Client talks to one tenant and database of a Chroma server. It is safe
// for concurrent use.
type Client struct {
	base       *url.URL // scheme://host:port
	api        string   // base + "/api/v2"
	tenant     string
	database   string
	token      string
	hc         *http.Client
	maxRetries int
	sleep      func(ctx context.Context, d time.Duration) error
	maxBody    int64 // bounds a response body; maxResponse but in tests

	mu  sync.Mutex
	pre *PreFlight // the server's limits once asked; see preFlight
}

// New checks cfg and returns a Client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	base, tenant, database, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base: base, api: base.String() + "/api/v2",
		tenant: tenant, database: database, token: cfg.Token,
		hc: cfg.HTTPClient, maxRetries: cfg.MaxRetries, sleep: cfg.Sleep,
		maxBody: maxResponse,
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 2 * time.Minute}
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	return c, nil
}

// URL is the server's base address, scheme://host:port.
func (c *Client) URL() string { return c.base.String() }

// Tenant and Database say where the client's collections live.
func (c *Client) Tenant() string   { return c.tenant }
func (c *Client) Database() string { return c.database }

// request is one API call.
type request struct {
	method string
	path   string // below /api/v2, already escaped
	body   any    // marshalled as JSON; nil: no body
	out    any    // decoded from the JSON answer; nil: discarded
	// idempotent calls are retried after failures that may have reached
	// the server; others only when the connection was never made.
	idempotent bool
}

// do runs r, retrying transient failures, and maps failures to the
// package's errors.
func (c *Client) do(ctx context.Context, r request) error {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("%s %s: encode request: %w", r.method, r.path, err)
		}
	}
	for try := 1; ; try++ {
		err := c.once(ctx, r, body)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s %s: %w", r.method, r.path, context.Cause(ctx))
		}
		retry, unavailable := classify(err, r.idempotent)
		if retry && try <= c.maxRetries {
			if err := c.sleep(ctx, backoff(try)); err != nil {
				return fmt.Errorf("%s %s: %w", r.method, r.path, err)
			}
			continue
		}
		if unavailable {
			err = &unavailableError{base: c.base.String(), tries: try, err: err}
		}
		return fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
}

// once sends one attempt of r and decodes the answer.
func (c *Client) once(ctx context.Context, r request, body []byte) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.api+r.path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("X-Chroma-Token", c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return decodeAPIError(resp.StatusCode, b)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if int64(len(data)) > c.maxBody {
		return &badAnswerError{msg: fmt.Sprintf("answer is larger than %d bytes; ask for fewer records at once", c.maxBody)}
	}
	if r.out == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // metadata ints stay ints; see normalizeMetadata
	if err := dec.Decode(r.out); err != nil {
		return &badAnswerError{
			msg: fmt.Sprintf("answer is not what a Chroma 1.x server sends (%v): %q", err, excerpt(data)),
			err: err,
		}
	}
	return nil
}

// badAnswerError is a 2xx answer we cannot use: too large, or not the JSON
// we expected (a proxy's page, a server of another kind). Asking again
// would get the same, so it is not retried.
type badAnswerError struct {
	msg string
	err error
}

func (e *badAnswerError) Error() string { return e.msg }
func (e *badAnswerError) Unwrap() error { return e.err }

// classify says whether a failed attempt may be tried again, and whether,
// when it is final, it means the server is unavailable.
func classify(err error, idempotent bool) (retry, unavailable bool) {
	if ae, ok := errors.AsType[*APIError](err); ok {
		if ae.Status < 500 {
			return ae.Status == http.StatusTooManyRequests && idempotent, false
		}
		// Chroma answers 500 "Error finding id" to a query whose ids
		// filter names a record that does not exist: the caller's
		// mistake, which the same request repeats.
		if ae.Kind == "InternalError" && strings.Contains(ae.Message, "Error finding id") {
			return false, false
		}
		return idempotent, idempotent
	}
	if _, ok := errors.AsType[*badAnswerError](err); ok {
		return false, false
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		// A slow server: trying again would wait as long once more.
		return false, true
	}
	if neverSent(err) {
		return true, true
	}
	// Reset, EOF and the like: the server may have acted on the request.
	return idempotent, true
}

// neverSent reports a failure to connect, after which no request reached
// the server and any call may be retried.
func neverSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	oe, ok := errors.AsType[*net.OpError](err)
	return ok && oe.Op == "dial"
}

// backoff is the wait before try+1: firstBackoff doubling per try, capped,
// with "equal jitter" so that parallel clients spread out.
func backoff(try int) time.Duration {
	d := maxBackoff
	if try < 16 {
		d = min(firstBackoff<<(try-1), maxBackoff)
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
