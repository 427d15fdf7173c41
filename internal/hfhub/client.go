package hfhub

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultEndpoint is the Hub's address.
const DefaultEndpoint = "https://huggingface.co"

// Config configures a Client. The caller maps the environment (see
// ConfigFromEnv); this package reads no environment variables.
type Config struct {
	Endpoint string // default DefaultEndpoint (HF_ENDPOINT); a trailing '/' is dropped
	CacheDir string // the hub cache directory (see DefaultCacheDir); required
	// Token (HF_TOKEN) is sent as "Authorization: Bearer" to the endpoint's
	// host only, never to the CDN a download is redirected to nor to the
	// pre-signed URLs an upload is sent to. It appears in no error and no
	// log line. Uploads need one with write access.
	Token string
	// Offline (HF_HUB_OFFLINE) forbids the network: files come from the
	// cache or the call fails with ErrOffline.
	Offline bool
	// Verify re-hashes cached LFS blobs on every cache hit (a SHA-256 over
	// the file), catching corruption that keeps the size. Without it a
	// cached blob is checked by size only.
	Verify     bool
	HTTPClient *http.Client // default: http.DefaultTransport, no overall timeout
	Logger     *slog.Logger // default: discard
	// Progress is called as bytes arrive or leave (at most every 100ms
	// per file, and at the end); an upload may call it from another
	// goroutine, never from two at once.
	Progress func(Progress)

	MaxRetries int           // tries after the first for 5xx, 429 and network failures (default 5; negative: none)
	MaxBackoff time.Duration // cap of the exponential backoff (default 30s)
	// MetadataTimeout bounds each HEAD request (default 10s, as
	// huggingface_hub's HF_HUB_ETAG_TIMEOUT).
	MetadataTimeout time.Duration
	// StallTimeout aborts a transfer that received nothing for this long
	// (default 30s); it is then resumed. Per read, not per request, so
	// large files on slow links are fine.
	StallTimeout time.Duration
	// Sleep waits between retries (default: a timer honouring ctx); tests
	// replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// OfflineHint ends the ErrOffline message, saying how to fill the
	// cache (default: "unset HF_HUB_OFFLINE, or run `openreview-finder
	// model pull` while online").
	OfflineHint string
}

// Progress reports a file transfer: Done bytes of Total (-1 if unknown).
type Progress struct {
	Repo  string // as ParseRepo reads it
	File  string
	Done  int64
	Total int64
}

// Client downloads Hub files into the cache. It is safe for concurrent use,
// and several processes may share one cache.
type Client struct {
	endpoint    string
	endpointURL *url.URL
	cacheDir    string
	token       string
	offline     bool
	verify      bool
	log         *slog.Logger
	progress    func(Progress)
	progressMu  sync.Mutex // uploads report from the transport's goroutines
	maxRetries  int
	maxBackoff  time.Duration
	metaTimeout time.Duration
	stall       time.Duration
	sleep       func(ctx context.Context, d time.Duration) error
	offlineHint string
	headClient  *http.Client // stops at every redirect: HEAD follows only relative ones, by hand
	getClient   *http.Client // follows redirects, dropping Authorization on a change of host
}

// New returns a Client for cfg, filling in the defaults.
func New(cfg Config) *Client {
	c := &Client{
		endpoint:    strings.TrimRight(cfg.Endpoint, "/"),
		cacheDir:    cfg.CacheDir,
		token:       cfg.Token,
		offline:     cfg.Offline,
		verify:      cfg.Verify,
		log:         cfg.Logger,
		progress:    cfg.Progress,
		maxRetries:  cfg.MaxRetries,
		maxBackoff:  cfg.MaxBackoff,
		metaTimeout: cfg.MetadataTimeout,
		stall:       cfg.StallTimeout,
		sleep:       cfg.Sleep,
		offlineHint: cfg.OfflineHint,
	}
	if c.endpoint == "" {
		c.endpoint = DefaultEndpoint
	}
	c.endpointURL, _ = url.Parse(c.endpoint)
	if c.endpointURL == nil {
		c.endpointURL = &url.URL{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = 5
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	c.maxBackoff = orDefault(c.maxBackoff, 30*time.Second)
	c.metaTimeout = orDefault(c.metaTimeout, 10*time.Second)
	c.stall = orDefault(c.stall, 30*time.Second)
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.offlineHint == "" {
		c.offlineHint = "unset HF_HUB_OFFLINE, or run `openreview-finder model pull` while online"
	}
	base := cfg.HTTPClient
	if base == nil {
		base = &http.Client{}
	}
	head, get := *base, *base
	head.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get.CheckRedirect = dropAuthOnHostChange
	c.headClient, c.getClient = &head, &get
	return c
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// dropAuthOnHostChange follows up to 10 redirects and removes the
// Authorization header once one leaves the first request's host (port
// included), as huggingface_hub does: CDN URLs are pre-signed, and the
// token is for the Hub alone. Go's own rule keeps the header for
// subdomains, which would send it to e.g. cdn-lfs.huggingface.co.
func dropAuthOnHostChange(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		req.Header.Del("Authorization")
	}
	return nil
}

// newRequest builds a request with the Hub's headers: identity encoding
// (so Content-Length is the file's size and Go does not decompress), and
// the token only for the endpoint's host.
func (c *Client) newRequest(ctx context.Context, method, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("User-Agent", userAgent)
	c.authorize(req)
	return req, nil
}

const userAgent = "openreview-finder-hfhub/1"

// authorize adds the token to a request for the endpoint's host.
func (c *Client) authorize(req *http.Request) {
	if c.token != "" && req.URL.Host == c.endpointURL.Host {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
}

// errorFrom reads an error answer (a little of its body) and closes it.
func errorFrom(resp *http.Response) *StatusError {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return newStatusError(resp, body)
}

// retry runs fn until it succeeds, fails for good, or the tries run out.
// Server errors (5xx, 429, 408) and transport failures are retried after a
// capped exponential backoff, or the Retry-After the server asked for.
func (c *Client) retry(ctx context.Context, what string, fn func() error) error {
	return c.retryIf(ctx, what, retryable, fn)
}

// retryIf is retry with its own choice of the errors worth another try.
func (c *Client) retryIf(ctx context.Context, what string, again func(error) bool, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || ctx.Err() != nil || attempt >= c.maxRetries || !again(err) {
			return err
		}
		wait := backoff(attempt, c.maxBackoff)
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			wait = min(se.RetryAfter, 2*time.Minute)
		}
		c.log.Warn("hub request failed, retrying", "what", what, "attempt", attempt+1, "wait", wait, "err", c.redact(err.Error()))
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.retryable()
	}
	var te *transientError
	return errors.As(err, &te)
}

// backoff is the wait before try attempt+2: 500ms doubling, capped, with
// jitter from the upper half so parallel clients spread out.
func backoff(attempt int, max time.Duration) time.Duration {
	d := max
	if attempt < 20 {
		d = min(max, 500*time.Millisecond<<attempt)
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
