package hfhub

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// fileMeta is what a HEAD on a resolve URL tells about a file.
type fileMeta struct {
	commit string // X-Repo-Commit
	etag   string // X-Linked-Etag or ETag, normalised; the blob's name
	size   int64  // X-Linked-Size or Content-Length; -1 when unknown
}

// lfs reports whether the etag is a SHA-256 (an LFS file), which the
// content is then checked against.
func (m fileMeta) lfs() bool { return isSHA256(m.etag) }

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// metadata asks the Hub about file at revision, retrying server and
// network failures. A *StatusError is returned for error answers.
func (c *Client) metadata(ctx context.Context, t target) (fileMeta, error) {
	var m fileMeta
	u := resolveURL(c.endpoint, t.repo, t.revision, t.file)
	err := c.retry(ctx, "HEAD "+t.String(), func() error {
		var err error
		m, err = c.headOnce(ctx, u)
		return err
	})
	return m, err
}

// headOnce sends one HEAD, following redirects that stay on the same host
// (a renamed repository, the resolve cache) and stopping at the first that
// leaves it (the CDN), whose headers carry the linked etag and size.
func (c *Client) headOnce(ctx context.Context, u string) (fileMeta, error) {
	ctx, cancel := context.WithTimeout(ctx, c.metaTimeout)
	defer cancel()
	for hops := 0; ; hops++ {
		req, err := c.newRequest(ctx, http.MethodHead, u)
		if err != nil {
			return fileMeta{}, err
		}
		resp, err := c.headClient.Do(req)
		if err != nil {
			return fileMeta{}, &transientError{err}
		}
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return fileMeta{}, newStatusError(resp, nil)
		}
		next, follow := sameHostRedirect(resp)
		if follow && hops < 10 {
			u = next
			continue
		}
		return parseMeta(resp)
	}
}

// sameHostRedirect returns where a 3xx answer points when that stays on
// the host it came from.
func sameHostRedirect(resp *http.Response) (string, bool) {
	if resp.StatusCode < 300 || resp.StatusCode >= 400 {
		return "", false
	}
	loc, err := resp.Location()
	if err != nil || loc.Host != resp.Request.URL.Host || loc.Scheme != resp.Request.URL.Scheme {
		return "", false
	}
	return loc.String(), true
}

// parseMeta reads the final HEAD answer. The size of a redirect is its
// X-Linked-Size: its Content-Length is the redirect body's.
func parseMeta(resp *http.Response) (fileMeta, error) {
	h := resp.Header
	m := fileMeta{commit: h.Get("X-Repo-Commit"), size: -1}
	m.etag = normalizeETag(h.Get("X-Linked-Etag"))
	if m.etag == "" {
		m.etag = normalizeETag(h.Get("ETag"))
	}
	if v := h.Get("X-Linked-Size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fileMeta{}, fmt.Errorf("bad X-Linked-Size %q: %w", v, ErrNotHub)
		}
		m.size = n
	} else if resp.StatusCode < 300 && resp.ContentLength >= 0 {
		m.size = resp.ContentLength
	}
	where := redactURL(resp.Request.URL)
	switch {
	case m.commit == "":
		return fileMeta{}, fmt.Errorf("%s answered %d without X-Repo-Commit: %w", where, resp.StatusCode, ErrNotHub)
	case !safeSegment.MatchString(m.commit):
		return fileMeta{}, fmt.Errorf("%s sent an unusable commit %q: %w", where, excerpt(m.commit, 80), ErrNotHub)
	case m.etag == "":
		return fileMeta{}, fmt.Errorf("%s answered %d without ETag: %w", where, resp.StatusCode, ErrNotHub)
	case !safeSegment.MatchString(m.etag):
		return fileMeta{}, fmt.Errorf("%s sent an unusable etag %q: %w", where, excerpt(m.etag, 80), ErrNotHub)
	}
	return m, nil
}

// normalizeETag strips a weak marker and the quotes.
func normalizeETag(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	return strings.Trim(s, `"`)
}

// redactURL drops the query (where pre-signed URLs keep their signature)
// and any user info, for messages.
func redactURL(u *url.URL) string {
	v := *u
	v.RawQuery, v.User, v.Fragment = "", nil, ""
	return v.String()
}
