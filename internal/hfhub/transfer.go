package hfhub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// transfer is one blob being written to blobs/<etag>.incomplete. It lives
// across tries, so a cut transfer resumes where it stopped.
type transfer struct {
	t    target
	meta fileMeta
	url  string // the resolve URL at the commit, so a moving branch cannot mix contents
	f    *os.File
	n    int64     // bytes in f, all of them hashed
	h    hash.Hash // SHA-256 of f's bytes, for LFS files; nil otherwise
}

// fetchBlob downloads the blob into blobs/<etag>, resuming a partial
// .incomplete file left by an earlier try or process. It must be called
// with the blob's lock held. Nothing is placed unless the bytes verify; a
// failed verification removes the partial file, since resuming it would
// only repeat the failure.
func (c *Client) fetchBlob(ctx context.Context, rc repoCache, t target, meta fileMeta) error {
	blob := rc.blob(meta.etag)
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return fmt.Errorf("download %s: %w", t, err)
	}
	partial := blob + ".incomplete"
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("download %s: %w", t, err)
	}
	tr := &transfer{t: t, meta: meta, f: f, url: resolveURL(c.endpoint, t.repo, meta.commit, t.file)}
	if meta.lfs() {
		tr.h = sha256.New()
	}
	err = tr.resumeFrom()
	if err == nil {
		err = c.retry(ctx, "GET "+t.String(), func() error { return c.getOnce(ctx, tr) })
	}
	if err == nil {
		err = tr.verify()
	}
	cerr := f.Close()
	if err == nil {
		err = cerr
	}
	if errors.Is(err, ErrIntegrity) {
		os.Remove(partial)
	}
	if err != nil {
		return err
	}
	if err := os.Rename(partial, blob); err != nil {
		return fmt.Errorf("download %s: place blob: %w", t, err)
	}
	return nil
}

// resumeFrom takes over what an earlier try left in the partial file:
// hashes it, or empties it when it is longer than the file can be.
func (tr *transfer) resumeFrom() error {
	fi, err := tr.f.Stat()
	if err != nil {
		return err
	}
	n := fi.Size()
	if tr.meta.size >= 0 && n > tr.meta.size {
		return tr.restart()
	}
	if tr.h != nil && n > 0 {
		if _, err := io.Copy(tr.h, io.NewSectionReader(tr.f, 0, n)); err != nil {
			return fmt.Errorf("read partial download: %w", err)
		}
	}
	if _, err := tr.f.Seek(n, io.SeekStart); err != nil {
		return err
	}
	tr.n = n
	return nil
}

// restart empties the partial file.
func (tr *transfer) restart() error {
	if err := tr.f.Truncate(0); err != nil {
		return err
	}
	if _, err := tr.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	tr.n = 0
	if tr.h != nil {
		tr.h.Reset()
	}
	return nil
}

// getOnce sends one GET, asking for the rest of the file when part of it
// is there, and appends what arrives. A server that ignores the Range (200)
// restarts the file; one that cannot satisfy it (416) either confirms the
// file is complete or restarts it.
func (c *Client) getOnce(ctx context.Context, tr *transfer) error {
	if tr.meta.size >= 0 && tr.n == tr.meta.size && tr.n > 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodGet, tr.url)
	if err != nil {
		return err
	}
	if tr.n > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(tr.n, 10)+"-")
	}
	resp, err := c.getClient.Do(req)
	if err != nil {
		return &transientError{err}
	}
	switch {
	case resp.StatusCode == http.StatusPartialContent && tr.n > 0:
		if start, ok := contentRangeStart(resp.Header.Get("Content-Range")); !ok || start != tr.n {
			resp.Body.Close()
			if err := tr.restart(); err != nil {
				return err
			}
			return &transientError{fmt.Errorf("server sent range %q for bytes=%d-", resp.Header.Get("Content-Range"), tr.n)}
		}
	case resp.StatusCode == http.StatusOK:
		if tr.n > 0 {
			c.log.Info("server ignored the Range header, downloading from the start", "file", tr.t.file, "repo", tr.t.repo.String())
			if err := tr.restart(); err != nil {
				resp.Body.Close()
				return err
			}
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && tr.n > 0:
		resp.Body.Close()
		if tr.meta.size < 0 {
			return nil // nothing more to send: verify what we have
		}
		if err := tr.restart(); err != nil {
			return err
		}
		return &transientError{errors.New("416 range not satisfiable")}
	default:
		return errorFrom(resp)
	}
	defer resp.Body.Close()
	return c.copyBody(cancel, tr, resp.Body)
}

// copyBody appends a body to the partial file, hashing as it goes. A body
// that stalls for the stall timeout is aborted (cancel), to be resumed.
func (c *Client) copyBody(cancel func(), tr *transfer, body io.Reader) error {
	var stalled atomic.Bool
	stall := time.AfterFunc(c.stall, func() { stalled.Store(true); cancel() })
	defer stall.Stop()
	buf := make([]byte, 256<<10)
	last := time.Time{}
	for {
		k, rerr := body.Read(buf)
		stall.Reset(c.stall)
		if k > 0 {
			if _, err := tr.f.Write(buf[:k]); err != nil {
				return fmt.Errorf("write %s: %w", tr.f.Name(), err)
			}
			if tr.h != nil {
				tr.h.Write(buf[:k])
			}
			tr.n += int64(k)
			if now := time.Now(); now.Sub(last) >= 100*time.Millisecond {
				c.report(tr)
				last = now
			}
		}
		if rerr == io.EOF {
			c.report(tr)
			return nil
		}
		if rerr != nil {
			if stalled.Load() {
				rerr = fmt.Errorf("nothing received for %s: %w", c.stall, rerr)
			}
			// Transient even when ctx ended: retry looks at the caller's
			// ctx, not at this try's.
			return &transientError{fmt.Errorf("read body after %d bytes: %w", tr.n, rerr)}
		}
	}
}

func (c *Client) report(tr *transfer) {
	if c.progress != nil {
		c.progress(Progress{Repo: tr.t.repo.String(), File: tr.t.file, Done: tr.n, Total: tr.meta.size})
	}
}

// verify checks the finished file: its size, and the SHA-256 an LFS etag
// names.
func (tr *transfer) verify() error {
	if tr.meta.size >= 0 && tr.n != tr.meta.size {
		return newHubError(fmt.Sprintf("download %s: got %d bytes, the Hub announced %d", tr.t, tr.n, tr.meta.size), ErrIntegrity)
	}
	if tr.h != nil {
		if got := hex.EncodeToString(tr.h.Sum(nil)); got != tr.meta.etag {
			return newHubError(fmt.Sprintf("download %s: sha256 %s, the Hub announced %s", tr.t, got, tr.meta.etag), ErrIntegrity)
		}
	}
	return nil
}

// contentRangeStart reads the first byte position of "bytes a-b/n".
func contentRangeStart(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(a, 10, 64)
	return n, err == nil
}
