package hfhub

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// commit posts the NDJSON commit: a header line, then one line per file
// (regular files base64-encoded, streamed from their source; LFS files by
// oid and size) and one per deleted path. It is tried again on server
// and network failures, never when the Hub refuses it.
func (c *Client) commit(ctx context.Context, d dest, ups []*upFile, deletes []string, summary string) (CommitResult, error) {
	var ans struct {
		CommitOID string `json:"commitOid"`
		CommitURL string `json:"commitUrl"`
	}
	err := c.retryIf(ctx, "commit to "+d.String(), commitRetryable, func() error {
		return c.commitOnce(ctx, d, ups, deletes, summary, &ans)
	})
	if err != nil {
		return CommitResult{}, c.explainWrite(d, step{op: "commit"}, err)
	}
	if ans.CommitOID == "" {
		return CommitResult{}, newHubError(fmt.Sprintf("commit to %s: the answer names no commit: check HF_ENDPOINT", d), ErrNotHub)
	}
	for _, f := range ups {
		if !f.lfs && !f.ignore {
			c.reportUpload(d, f, f.size)
		}
	}
	return CommitResult{Commit: ans.CommitOID, URL: ans.CommitURL}, nil
}

// commitRetryable: server and network failures, but no 4xx: the Hub's
// refusals would repeat, and its commit rate limit is hourly.
func commitRetryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status >= 500
	}
	return retryable(err)
}

func (c *Client) commitOnce(ctx context.Context, d dest, ups []*upFile, deletes []string, summary string, out any) error {
	pr, pw := io.Pipe()
	defer pr.Close() // ends the writer if the request stops reading
	go func() { pw.CloseWithError(writePayload(pw, ups, deletes, summary)) }()
	req, err := c.newBodyRequest(ctx, http.MethodPost, c.apiURL(d, "commit"), pr, true)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return errorFrom(resp)
	}
	return decodeAnswer("commit to "+d.String(), resp.Body, out)
}

// writePayload writes the NDJSON commit payload.
func writePayload(w io.Writer, ups []*upFile, deletes []string, summary string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	line := func(key string, value any) error {
		b, err := json.Marshal(map[string]any{"key": key, "value": value})
		if err != nil {
			return err
		}
		bw.Write(b)
		return bw.WriteByte('\n')
	}
	if err := line("header", map[string]string{"summary": summary, "description": ""}); err != nil {
		return err
	}
	for _, f := range ups {
		var err error
		switch {
		case f.ignore:
		case f.lfs:
			err = line("lfsFile", map[string]any{"path": f.Path, "algo": "sha256", "oid": f.sha256, "size": f.size})
		default:
			err = writeFileLine(bw, f)
		}
		if err != nil {
			return err
		}
	}
	for _, p := range deletes {
		if err := line("deletedFile", map[string]string{"path": p}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeFileLine writes a regular file's line, its content base64-encoded
// as it is read.
func writeFileLine(w *bufio.Writer, f *upFile) error {
	r, err := f.section(0, f.size)
	if err != nil {
		return err
	}
	defer r.Close()
	p, _ := json.Marshal(f.Path)
	fmt.Fprintf(w, `{"key":"file","value":{"path":%s,"encoding":"base64","content":"`, p)
	enc := base64.NewEncoder(base64.StdEncoding, w)
	n, err := io.Copy(enc, r)
	if err == nil && n != f.size {
		err = fmt.Errorf("%s changed since it was hashed: upload again", f.Source)
	}
	if err != nil {
		return &sourceError{err}
	}
	enc.Close()
	_, err = w.WriteString("\"}}\n")
	return err
}

// jsonCall is one JSON request of a write, retried on server and network
// failures. what names it in logs; url is never logged.
type jsonCall struct {
	what   string
	url    string
	header map[string]string
	auth   bool // send the token (to the endpoint's host only)
	body   any
	out    any // decoded from a 2xx answer when not nil
}

func (c *Client) call(ctx context.Context, jc jsonCall) error {
	payload, err := json.Marshal(jc.body)
	if err != nil {
		return err
	}
	return c.retry(ctx, jc.what, func() error {
		req, err := c.newBodyRequest(ctx, http.MethodPost, jc.url, bytes.NewReader(payload), false)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range jc.header {
			req.Header.Set(k, v)
		}
		if jc.auth {
			c.authorize(req)
		}
		resp, err := c.send(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			return errorFrom(resp)
		}
		return decodeAnswer(jc.what, resp.Body, jc.out)
	})
}

// decodeAnswer reads a JSON answer into out (nil: drains it). A body cut
// short is worth another try; one that is not JSON is not the Hub.
func decodeAnswer(what string, body io.Reader, out any) error {
	if out == nil {
		_, err := io.Copy(io.Discard, io.LimitReader(body, 1<<20))
		if err != nil {
			return &transientError{err}
		}
		return nil
	}
	err := json.NewDecoder(io.LimitReader(body, 64<<20)).Decode(out)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &transientError{fmt.Errorf("read answer: %w", err)}
	case err != nil:
		return newHubError(fmt.Sprintf("%s: the answer is not the Hub's JSON: check HF_ENDPOINT", what), ErrNotHub, err)
	}
	return nil
}

// newBodyRequest builds a write request; auth adds the token (for the
// endpoint's host only).
func (c *Client) newBodyRequest(ctx context.Context, method, u string, body io.Reader, auth bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, errors.New(c.redact(err.Error()))
	}
	req.Header.Set("User-Agent", userAgent)
	if auth {
		c.authorize(req)
	}
	return req, nil
}

// send sends a write request. A transport failure is worth another try,
// unless it is the local file's; its message keeps no URL query.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	resp, err := c.getClient.Do(req)
	if err == nil {
		return resp, nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = redactURL(u)
		}
	}
	var se *sourceError
	if errors.As(err, &se) {
		return nil, se
	}
	return nil, &transientError{err}
}

// step is the part of a write that failed: "create", "preupload",
// "LFS batch", "upload" (to the storage server), "verify" or "commit",
// and its file when it concerns one.
type step struct {
	op   string
	file string
}

// describe names the step in messages: "commit to dataset org/name".
func (st step) describe(d dest) string {
	switch {
	case st.file != "":
		return fmt.Sprintf("%s of %q to %s", st.op, st.file, d)
	case st.op == "create":
		return "create " + d.String()
	case st.op == "LFS batch":
		return "LFS batch for " + d.String()
	}
	return st.op + " to " + d.String()
}

// explainWrite turns the failure of a write into one sentence naming the
// repository, the file where there is one, and what to do. The cause
// stays wrapped, its text last; neither the token nor a URL's query
// appears.
func (c *Client) explainWrite(d dest, st step, err error) error {
	what := st.describe(d)
	var (
		he  *hubError
		se  *StatusError
		src *sourceError
	)
	switch {
	case errors.As(err, &he):
		return err
	case errors.As(err, &src):
		return fmt.Errorf("%s: %w", what, err)
	case errors.As(err, &se):
		return newHubError(c.redact(c.statusSentence(d, st, what, se)+": "+se.Error()), se)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	}
	where := "the Hub at " + c.endpoint
	if st.op == "upload" {
		where = "the Hub's storage server"
	}
	return newHubError(c.redact(fmt.Sprintf("%s: cannot reach %s: check the network and HF_ENDPOINT, then upload again: %v",
		what, where, err)), err)
}

// statusSentence says what an error answer to a write means.
func (c *Client) statusSentence(d dest, st step, what string, se *StatusError) string {
	repo := d.repo.describe()
	switch {
	case se.retryable() && st.op == "upload":
		return fmt.Sprintf("%s: the storage server kept failing: try again later", what)
	case se.retryable():
		return fmt.Sprintf("%s: the Hub kept failing: try again later", what)
	case st.op == "upload":
		return fmt.Sprintf("%s: the storage server refused it (its pre-signed URL may have expired): upload again", what)
	case st.op == "verify" && se.Status == http.StatusNotFound:
		return fmt.Sprintf("the LFS storage of %s does not hold all of %q after its upload: upload again", repo, st.file)
	case se.Code == "RepoNotFound" || se.Status == http.StatusNotFound && se.Code == "":
		return fmt.Sprintf("%s not found on %s: check the name, or create it first", repo, c.endpoint)
	case se.Code == "RevisionNotFound":
		return fmt.Sprintf("branch %q not found in %s: create it first, or upload to an existing branch", d.revision, repo)
	case se.Status == http.StatusUnauthorized:
		return fmt.Sprintf("the Hub refused HF_TOKEN for %s: check that the token is valid and has write access", repo)
	case se.Status == http.StatusForbidden:
		return fmt.Sprintf("HF_TOKEN cannot write to %s: use a token with write access to it", repo)
	case st.op == "commit":
		return fmt.Sprintf("the Hub refused the commit to %s: upload again after fixing the reason it gives", d)
	}
	return fmt.Sprintf("the Hub refused the %s", what)
}
