package hfhub

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// lfsMediaType is the media type of the LFS batch API.
const lfsMediaType = "application/vnd.git-lfs+json"

// lfsAction is an action of an LFS batch answer: where to send what. The
// hrefs are pre-signed: they appear in no message.
type lfsAction struct {
	Href   string            `json:"href"`
	Header map[string]string `json:"header"`
}

// lfsObject is one object of an LFS batch answer.
type lfsObject struct {
	OID     string               `json:"oid"`
	Size    int64                `json:"size"`
	Actions map[string]lfsAction `json:"actions"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// uploadLFS sends the LFS files to the repository's LFS storage, each
// content once, asking the batch API about maxPerCall objects at a time.
func (c *Client) uploadLFS(ctx context.Context, d dest, ups []*upFile) error {
	byOID := map[string][]*upFile{}
	var objs []*upFile
	for _, f := range ups {
		if f.lfs && !f.ignore {
			if byOID[f.sha256] == nil {
				objs = append(objs, f)
			}
			byOID[f.sha256] = append(byOID[f.sha256], f)
		}
	}
	for start := 0; start < len(objs); start += maxPerCall {
		batch := objs[start:min(start+maxPerCall, len(objs))]
		answers, err := c.lfsBatch(ctx, d, batch)
		if err != nil {
			return err
		}
		for _, f := range batch {
			o, ok := answers[f.sha256]
			if !ok {
				return newHubError(fmt.Sprintf("upload %q to %s: the LFS batch answer lacks it: check HF_ENDPOINT", f.Path, d), ErrNotHub)
			}
			if err := c.transferObject(ctx, d, f, o); err != nil {
				return err
			}
			for _, g := range byOID[f.sha256] {
				c.reportUpload(d, g, g.size)
			}
		}
	}
	return nil
}

// lfsBatch asks the LFS batch API what to do with each object.
func (c *Client) lfsBatch(ctx context.Context, d dest, batch []*upFile) (map[string]lfsObject, error) {
	type object struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	}
	body := struct {
		Operation string            `json:"operation"`
		Transfers []string          `json:"transfers"`
		Objects   []object          `json:"objects"`
		HashAlgo  string            `json:"hash_algo"`
		Ref       map[string]string `json:"ref"`
	}{"upload", []string{"basic", "multipart"}, nil, "sha256", map[string]string{"name": d.revision}}
	for _, f := range batch {
		body.Objects = append(body.Objects, object{f.sha256, f.size})
	}
	var ans struct {
		Objects []lfsObject `json:"objects"`
	}
	call := jsonCall{
		what:   "LFS batch for " + d.String(),
		url:    c.endpoint + "/" + d.repo.urlPrefix() + d.repo.ID + ".git/info/lfs/objects/batch",
		header: map[string]string{"Accept": lfsMediaType, "Content-Type": lfsMediaType},
		auth:   true, body: body, out: &ans,
	}
	if err := c.call(ctx, call); err != nil {
		return nil, c.explainWrite(d, step{op: "LFS batch"}, err)
	}
	out := map[string]lfsObject{}
	for _, o := range ans.Objects {
		out[o.OID] = o
	}
	return out, nil
}

// transferObject carries out the batch answer for one object: nothing
// when the storage has it, else one PUT or the parts and their
// completion, then the verification when asked for.
func (c *Client) transferObject(ctx context.Context, d dest, f *upFile, o lfsObject) error {
	if o.Error != nil {
		return newHubError(c.redact(fmt.Sprintf("upload %q to %s: the Hub's LFS storage refused it (%d %s): check the file and upload again",
			f.Path, d, o.Error.Code, excerpt(o.Error.Message, 200))), ErrNotHub)
	}
	up, ok := o.Actions["upload"]
	if !ok {
		c.log.Debug("LFS storage has the content already", "repo", d.repo.String(), "file", f.Path)
		return nil
	}
	c.log.Info("uploading", "repo", d.repo.String(), "file", f.Path, "size", f.size)
	pr := &upProgress{c: c, d: d, f: f}
	if cs, multi := up.Header["chunk_size"]; multi {
		if err := c.putParts(ctx, d, f, up, cs, pr); err != nil {
			return err
		}
	} else {
		err := c.retry(ctx, fmt.Sprintf("PUT %q to %s", f.Path, d), func() error {
			_, err := c.putOnce(ctx, f, up.Href, 0, f.size, up.Header, pr)
			return err
		})
		if err != nil {
			return c.explainWrite(d, step{op: "upload", file: f.Path}, err)
		}
	}
	v, ok := o.Actions["verify"]
	if !ok {
		return nil
	}
	header := map[string]string{"Accept": lfsMediaType, "Content-Type": lfsMediaType}
	for k, val := range v.Header {
		header[k] = val
	}
	call := jsonCall{what: fmt.Sprintf("verify %q", f.Path), url: v.Href, header: header, auth: true,
		body: map[string]any{"oid": f.sha256, "size": f.size}}
	if err := c.call(ctx, call); err != nil {
		return c.explainWrite(d, step{op: "verify", file: f.Path}, err)
	}
	return nil
}

// putParts sends a multipart upload: each part to its URL (a failed part
// is sent again from its start), then the list of the parts' ETags to the
// completion URL.
func (c *Client) putParts(ctx context.Context, d dest, f *upFile, up lfsAction, chunkSize string, pr *upProgress) error {
	urls, chunk, err := partURLs(up.Header, chunkSize, f.size)
	if err != nil {
		return newHubError(fmt.Sprintf("upload %q to %s: %v: check HF_ENDPOINT", f.Path, d, err), ErrNotHub)
	}
	type part struct {
		PartNumber int    `json:"partNumber"`
		ETag       string `json:"etag"`
	}
	parts := make([]part, len(urls))
	for i, u := range urls {
		off := int64(i) * chunk
		var etag string
		err := c.retry(ctx, fmt.Sprintf("PUT part %d of %q to %s", i+1, f.Path, d), func() error {
			var err error
			etag, err = c.putOnce(ctx, f, u, off, min(chunk, f.size-off), nil, pr)
			return err
		})
		if err != nil {
			return c.explainWrite(d, step{op: "upload", file: f.Path}, err)
		}
		if etag == "" {
			return newHubError(fmt.Sprintf("upload %q to %s: the storage server answered part %d without an ETag: upload again",
				f.Path, d, i+1), ErrNotHub)
		}
		parts[i] = part{i + 1, etag}
		pr.partDone()
	}
	call := jsonCall{what: fmt.Sprintf("complete the upload of %q", f.Path), url: up.Href,
		header: map[string]string{"Accept": lfsMediaType, "Content-Type": lfsMediaType},
		body:   map[string]any{"oid": f.sha256, "parts": parts}}
	if err := c.call(ctx, call); err != nil {
		return c.explainWrite(d, step{op: "upload", file: f.Path}, err)
	}
	return nil
}

// partURLs reads the part URLs of a multipart upload: header keys "1" to
// "n", n parts of chunkSize bytes covering size.
func partURLs(header map[string]string, chunkSize string, size int64) ([]string, int64, error) {
	chunk, err := strconv.ParseInt(chunkSize, 10, 64)
	if err != nil || chunk <= 0 {
		return nil, 0, fmt.Errorf("the Hub sent an invalid chunk_size %q", chunkSize)
	}
	offered := 0
	for k := range header {
		if _, err := strconv.Atoi(k); err == nil {
			offered++
		}
	}
	n := (size + chunk - 1) / chunk
	if int64(offered) != n {
		return nil, 0, fmt.Errorf("the Hub offered %d part URLs for %d bytes in parts of %d", offered, size, chunk)
	}
	urls := make([]string, n)
	for i := range urls {
		u, ok := header[strconv.Itoa(i+1)]
		if !ok {
			return nil, 0, fmt.Errorf("the Hub offered no URL for part %d of %d", i+1, n)
		}
		urls[i] = u
	}
	return urls, chunk, nil
}

// putOnce sends n bytes of f from off to a pre-signed URL, without the
// token, and returns the ETag answered. A transfer that takes no bytes
// for the stall timeout is abandoned, to be tried again.
func (c *Client) putOnce(ctx context.Context, f *upFile, href string, off, n int64, header map[string]string,
	pr *upProgress) (string, error) {
	body, err := f.section(off, n)
	if err != nil {
		return "", err
	}
	defer body.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stalled atomic.Bool
	stall := time.AfterFunc(c.stall, func() { stalled.Store(true); cancel() })
	defer stall.Stop()
	pr.rewind()
	req, err := c.newBodyRequest(ctx, http.MethodPut, href, &watchedReader{r: body, stall: stall, wait: c.stall, pr: pr}, false)
	if err != nil {
		return "", err
	}
	req.ContentLength = n
	if n == 0 {
		req.Body = http.NoBody
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.send(req)
	if err != nil {
		if stalled.Load() {
			err = &transientError{fmt.Errorf("nothing sent for %s: %w", c.stall, err)}
		}
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return "", errorFrom(resp)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.Header.Get("ETag"), nil
}

// watchedReader is an upload's body: each read counts for Progress and
// puts off the stall timer.
type watchedReader struct {
	r     io.Reader
	stall *time.Timer
	wait  time.Duration
	pr    *upProgress
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.stall.Reset(w.wait)
	w.pr.add(n)
	return n, err
}

// upProgress reports the bytes of one file sent so far: the parts done
// and the part in flight. The transport reads bodies on its own
// goroutine, hence the lock.
type upProgress struct {
	c    *Client
	d    dest
	f    *upFile
	mu   sync.Mutex
	done int64 // bytes of the parts sent
	cur  int64 // bytes of the part in flight
	last time.Time
}

func (p *upProgress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cur += int64(n)
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond {
		p.last = now
		p.c.reportUpload(p.d, p.f, p.done+p.cur)
	}
}

// rewind forgets the part in flight, which is sent again from its start.
func (p *upProgress) rewind() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cur = 0
}

func (p *upProgress) partDone() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += p.cur
	p.cur = 0
}

func (c *Client) reportUpload(d dest, f *upFile, done int64) {
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	if c.progress != nil {
		c.progress(Progress{Repo: d.repo.String(), File: f.Path, Done: done, Total: f.size})
	}
}
