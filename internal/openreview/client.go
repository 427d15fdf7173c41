package openreview

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// The production hosts of the two APIs.
const (
	DefaultBaseURL   = "https://api2.openreview.net"
	DefaultV1BaseURL = "https://api.openreview.net"
)

const (
	defaultUserAgent   = "openreview-finder"
	defaultMinInterval = time.Second
	defaultMaxRetries  = 8
	defaultMaxBackoff  = 2 * time.Minute
	defaultMaxWait     = time.Hour
	// tokenLifetime is the expiresIn we ask for at login: OpenReview's
	// maximum, one week, so a long crawl rarely needs to log in again.
	tokenLifetime = 7 * 24 * 60 * 60
	// maxBodyBytes bounds one answer; a 1000-note page with replies is
	// a few tens of megabytes.
	maxBodyBytes = 512 << 20
)

// Config configures a Client. The zero value of every field but the
// credentials means its default.
type Config struct {
	BaseURL   string // API v2 host; default DefaultBaseURL
	V1BaseURL string // API v1 host; default DefaultV1BaseURL

	// Username and Password log in on the v2 host; the token obtained is
	// sent to both hosts. Token is a ready-made bearer token for accounts
	// with two-factor authentication. With both, Token is used first and
	// the password renews it when it expires.
	Username, Password string
	Token              string

	HTTPClient *http.Client // default: one with connect and overall timeouts
	Logger     *slog.Logger // default: discard
	UserAgent  string       // default "openreview-finder"

	// MinInterval is the least gap between the starts of two requests to
	// one host: zero means 1s, negative means no pacing.
	MinInterval time.Duration
	// MaxRetries bounds retries of one request after 5xx, network, invalid
	// JSON and 429 failures: zero means 8, negative means none.
	MaxRetries int
	// MaxBackoff caps the exponential backoff between retries (default 2m).
	MaxBackoff time.Duration
	// MaxWait caps one rate-limit wait (default 1h). When OpenReview asks
	// for a longer one, the request fails with an *APIError whose
	// RetryAfter says how long.
	MaxWait time.Duration

	// Sleep waits d or until ctx is done; default a timer. Tests record.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for rate-limit reset times; default time.Now.
	Now func() time.Time
}

// Client talks to OpenReview. It is safe for concurrent use.
type Client struct {
	cfg   Config
	log   *slog.Logger
	hosts map[int]*url.URL // API version -> base URL
	pace  *pacer

	loginMu sync.Mutex // one login at a time
	mu      sync.Mutex // guards token
	token   string
}

// New returns a Client for cfg. It returns ErrNoCredentials unless cfg has
// a username and password or a token. It does not log in: the first
// request does, or Login.
func New(cfg Config) (*Client, error) {
	if cfg.Token == "" && (cfg.Username == "" || cfg.Password == "") {
		return nil, ErrNoCredentials
	}
	cfg = withDefaults(cfg)
	c := &Client{cfg: cfg, log: cfg.Logger, hosts: make(map[int]*url.URL), pace: newPacer(cfg.MinInterval), token: cfg.Token}
	for v, raw := range map[int]string{2: cfg.BaseURL, 1: cfg.V1BaseURL} {
		u, err := url.Parse(strings.TrimRight(raw, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("openreview API v%d base URL %q: %w: want http(s)://host", v, raw, paper.ErrInvalid)
		}
		c.hosts[v] = u
	}
	return c, nil
}

func withDefaults(cfg Config) Config {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&cfg.BaseURL, DefaultBaseURL)
	def(&cfg.V1BaseURL, DefaultV1BaseURL)
	def(&cfg.UserAgent, defaultUserAgent)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultHTTPClient()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MinInterval == 0 {
		cfg.MinInterval = defaultMinInterval
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = defaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = defaultMaxBackoff
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = defaultMaxWait
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	// The overall limit leaves room to read a large page after the
	// headers arrive.
	return &http.Client{Transport: t, Timeout: 3 * time.Minute}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// Get fetches path (e.g. "/notes") with query q from API version 1 or 2
// and returns the raw JSON body of the 2xx answer. It logs in first if
// needed and handles pacing, retries, rate-limit waits, token renewal and
// the anti-bot challenge (an error wrapping paper.ErrAuth).
func (c *Client) Get(ctx context.Context, version int, path string, q url.Values) ([]byte, error) {
	body, err := c.do(ctx, &request{method: http.MethodGet, version: version, path: path, query: q, auth: true})
	if err != nil {
		return nil, fmt.Errorf("get %s (v%d): %w", path, version, err)
	}
	return body, nil
}

// request is one logical API call, which may take several attempts.
type request struct {
	method  string
	version int
	path    string
	query   url.Values
	body    []byte // JSON, for POST
	auth    bool   // send the bearer token, log in first if needed
}

// do runs r until it succeeds, fails for good, or runs out of retries.
// Renewing an expired token does not count as a retry.
func (c *Client) do(ctx context.Context, r *request) ([]byte, error) {
	base, ok := c.hosts[r.version]
	if !ok {
		return nil, fmt.Errorf("%w: unknown API version %d (want 1 or 2)", paper.ErrInvalid, r.version)
	}
	renewed := false
	for attempt := 0; ; attempt++ {
		token := ""
		if r.auth {
			var err error
			if token, err = c.ensureToken(ctx); err != nil {
				return nil, err
			}
		}
		body, err := c.attempt(ctx, base, r, token)
		if err == nil {
			return body, nil
		}
		if ue, ok := errAs[*unauthorizedError](err); ok {
			if renewed || !c.canLogin() {
				return nil, c.refusedToken(ue, renewed)
			}
			c.log.Info("openreview token refused; logging in again", "path", r.path, "error", ue.api.Name)
			if _, err := c.renew(ctx, ue.token); err != nil {
				return nil, err
			}
			renewed = true
			attempt--
			continue
		}
		re, ok := errAs[*retryableError](err)
		if !ok {
			return nil, err
		}
		if attempt >= c.cfg.MaxRetries {
			return nil, fmt.Errorf("giving up after %d attempts: %w", attempt+1, re.err)
		}
		wait := re.wait
		if wait <= 0 {
			wait = backoff(attempt, c.cfg.MaxBackoff)
		}
		c.log.Warn("openreview request failed; retrying", "path", r.path, "api", r.version, "attempt", attempt+1, "wait", wait, "error", re.err)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// attempt sends r once and classifies the answer.
func (c *Client) attempt(ctx context.Context, base *url.URL, r *request, token string) ([]byte, error) {
	if err := c.waitTurn(ctx, base.Host); err != nil {
		return nil, err
	}
	u := base.String() + "/" + strings.TrimPrefix(r.path, "/")
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, bytes.NewReader(r.body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, &retryableError{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, &retryableError{err: fmt.Errorf("read %d answer: %w", resp.StatusCode, err)}
	}
	if len(body) > maxBodyBytes {
		return nil, fmt.Errorf("answer larger than %d bytes", maxBodyBytes)
	}
	c.log.Debug("openreview request", "method", r.method, "api", r.version, "path", r.path, "status", resp.StatusCode, "bytes", len(body), "duration", time.Since(start))
	c.noteBudget(base.Host, resp.Header)
	return c.check(base.Host, r, token, resp, body)
}

// check turns an answer into its body or a classified error.
func (c *Client) check(host string, r *request, token string, resp *http.Response, body []byte) ([]byte, error) {
	status, ct := resp.StatusCode, resp.Header.Get("Content-Type")
	if status/100 == 2 {
		if isChallenge(status, ct, body, "") {
			return nil, ErrChallenge
		}
		if err := json.Unmarshal(body, new(json.RawMessage)); err != nil {
			return nil, &retryableError{err: fmt.Errorf("invalid JSON in %d answer of %d bytes: %w", status, len(body), err)}
		}
		return body, nil
	}
	eb := parseErrorBody(body)
	api := &APIError{Status: status, Name: eb.Name, Message: c.redact(eb.Message)}
	switch {
	case isChallenge(status, ct, body, eb.Name):
		return nil, wrapMsg(ErrChallenge.Error(), ErrChallenge, api)
	case status == http.StatusUnauthorized && r.auth:
		return nil, &unauthorizedError{api: api, token: token}
	case status == http.StatusTooManyRequests:
		return nil, c.rateLimited(host, resp.Header, eb, api)
	case status >= 500:
		return nil, &retryableError{err: api}
	}
	return nil, api
}

// rateLimited decides what a 429 means: a wait and a retry, or, when the
// wait is longer than MaxWait, an error saying when to come back.
func (c *Client) rateLimited(host string, h http.Header, eb errorBody, api *APIError) error {
	now := c.cfg.Now()
	wait, source, ok := rateLimitWait(h, eb, now)
	if !ok {
		return &retryableError{err: api} // exponential backoff
	}
	wait = max(wait, minRateLimitWait)
	api.RetryAfter = wait
	if wait > c.cfg.MaxWait {
		return wrapMsg(fmt.Sprintf("rate limited by OpenReview for %s, longer than the %s this client waits: retry after %s (%s)",
			wait.Round(time.Second), c.cfg.MaxWait, now.Add(wait).UTC().Format(time.RFC3339), api), api)
	}
	c.log.Info("rate limited by OpenReview; waiting", "wait", wait, "source", source)
	// Hold other requests to this host too, then let the retry through.
	c.pace.holdUntil(host, now.Add(wait))
	return &retryableError{err: api, wait: wait}
}

// waitTurn sleeps until host's next pacing slot.
func (c *Client) waitTurn(ctx context.Context, host string) error {
	d := c.pace.reserve(host, c.cfg.Now())
	if d <= 0 {
		return nil
	}
	if d > 5*time.Second {
		c.log.Info("waiting for OpenReview's request budget", "host", host, "wait", d)
	}
	return c.cfg.Sleep(ctx, d)
}

// noteBudget holds the next request to host when an answer says its
// budget is spent, instead of running into a 429.
func (c *Client) noteBudget(host string, h http.Header) {
	d, ok := exhaustedFor(h)
	if !ok || d <= 0 {
		return
	}
	d = min(d, c.cfg.MaxWait)
	c.log.Info("OpenReview request budget spent; holding requests", "host", host, "wait", d)
	c.pace.holdUntil(host, c.cfg.Now().Add(d))
}

// redact removes the password and tokens from server-provided text.
func (c *Client) redact(s string) string {
	c.mu.Lock()
	r := redactor{c.cfg.Password, c.cfg.Token, c.token}
	c.mu.Unlock()
	return r.clean(s)
}
