package hfhub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// CommitFile is a file an upload adds to a repository or replaces.
type CommitFile struct {
	Path   string // path in the repository, slash-separated
	Source string // local file whose content is uploaded (streamed, never read whole into memory) ...
	Data   []byte // ... or the content itself (when Source is empty)
}

// CommitResult is the commit an upload made.
type CommitResult struct {
	Commit string // the Hub's commitOid
	URL    string // the Hub's commitUrl
}

// maxPerCall is how many files one preupload or LFS batch call may name,
// as huggingface_hub sends them.
const maxPerCall = 256

// dest is where a write goes, for URLs and messages.
type dest struct {
	repo     Repo
	revision string
}

func (d dest) String() string {
	s := d.repo.describe()
	if d.revision != "main" {
		s += fmt.Sprintf(" at branch %q", d.revision)
	}
	return s
}

// apiURL is {endpoint}/api/{type}s/{id}/{op}/{revision}.
func (c *Client) apiURL(d dest, op string) string {
	return c.endpoint + "/api/" + string(d.repo.Type) + "s/" + d.repo.ID + "/" + op + "/" + quote(d.revision, "")
}

// newDest checks a write's repository, revision and token. A write needs a
// token: without one the error matches ErrUnauthorized.
func (c *Client) newDest(op string, repo Repo, revision string) (dest, error) {
	if repo.Type == "" {
		repo.Type = Model
	}
	if revision == "" {
		revision = "main"
	}
	d := dest{repo: repo, revision: revision}
	if p, err := ParseRepo(repo.String()); err != nil || p != repo {
		return d, fmt.Errorf("%s %s: not a valid repository (want a model, dataset or space named org/name)", op, repo.describe())
	}
	if err := checkRelPath("revision", revision); err != nil {
		return d, fmt.Errorf("%s %s: %w", op, d, err)
	}
	if c.offline {
		return d, newHubError(fmt.Sprintf("%s %s: HF_HUB_OFFLINE is set: unset it to write to the Hub", op, d), ErrOffline)
	}
	if c.token == "" {
		return d, newHubError(fmt.Sprintf("%s %s: no token: set HF_TOKEN to a token with write access", op, d), ErrUnauthorized)
	}
	return d, nil
}

// CreateRepo creates repo on the Hub, private or public. A repository
// that exists already is fine (the Hub's 409). A space is created with
// the Docker SDK.
func (c *Client) CreateRepo(ctx context.Context, repo Repo, private bool) error {
	d, err := c.newDest("create", repo, "")
	if err != nil {
		return err
	}
	org, name, ok := strings.Cut(d.repo.ID, "/")
	if !ok {
		org, name = "", org
	}
	body := map[string]any{"name": name, "type": string(d.repo.Type), "private": private}
	if org != "" {
		body["organization"] = org
	}
	if d.repo.Type == Space {
		body["sdk"] = "docker"
	}
	call := jsonCall{what: "create " + d.String(), url: c.endpoint + "/api/repos/create", auth: true, body: body}
	err = c.call(ctx, call)
	var se *StatusError
	switch {
	case errors.As(err, &se) && se.Status == http.StatusConflict:
		c.log.Debug("repository exists already", "repo", d.repo.String())
		return nil
	case err != nil:
		return c.explainWrite(d, step{op: "create"}, err)
	}
	c.log.Info("created repository", "repo", d.repo.String(), "private", private)
	return nil
}

// Upload makes one commit on branch revision ("" means "main") of repo
// that adds or replaces files and deletes the paths in deletes, and
// returns it. Each file is hashed first (SHA-256, streaming); the Hub's
// preupload call then says which go to LFS storage: those are sent to the
// pre-signed URLs of the LFS batch API (in one PUT, or in parts), unless
// the repository stores them already; the others travel base64-encoded in
// the commit itself. Files the repository's .gitignore ignores are left
// out. Every call is retried on server (5xx, 429) and network failures,
// but the commit is not retried on any 4xx.
//
// Upload needs Config.Token, with write access, and the network (not
// Config.Offline); errors match ErrUnauthorized, ErrNotFound, ErrOffline
// or ErrNotHub under errors.Is where they apply. Progress reports the
// bytes sent.
func (c *Client) Upload(ctx context.Context, repo Repo, revision string, files []CommitFile, deletes []string,
	summary string) (CommitResult, error) {
	d, err := c.newDest("upload to", repo, revision)
	if err != nil {
		return CommitResult{}, err
	}
	ups, err := prepare(d, files, deletes)
	if err != nil {
		return CommitResult{}, err
	}
	if summary == "" {
		summary = "Upload with openreview-finder"
	}
	if err := c.preupload(ctx, d, ups); err != nil {
		return CommitResult{}, err
	}
	if err := c.uploadLFS(ctx, d, ups); err != nil {
		return CommitResult{}, err
	}
	res, err := c.commit(ctx, d, ups, deletes, summary)
	if err != nil {
		return CommitResult{}, err
	}
	c.log.Info("committed", "repo", d.repo.String(), "revision", d.revision, "commit", res.Commit,
		"files", len(ups), "deleted", len(deletes))
	return res, nil
}

// upFile is a file being uploaded, with what hashing it found and what
// preupload decided.
type upFile struct {
	CommitFile
	size    int64
	sha256  string
	sample  []byte    // the first 512 bytes
	modTime time.Time // of Source when hashed, to notice a change
	lfs     bool
	ignore  bool
}

// prepare checks the paths of an upload and hashes its files.
func prepare(d dest, files []CommitFile, deletes []string) ([]*upFile, error) {
	if len(files) == 0 && len(deletes) == 0 {
		return nil, fmt.Errorf("upload to %s: nothing to upload or delete", d)
	}
	seen := map[string]bool{}
	for _, p := range append(commitPaths(files), deletes...) {
		if err := checkRelPath("path", p); err != nil {
			return nil, fmt.Errorf("upload to %s: %w", d, err)
		}
		if seen[p] {
			return nil, fmt.Errorf("upload to %s: path %q given twice", d, p)
		}
		seen[p] = true
	}
	ups := make([]*upFile, len(files))
	for i, f := range files {
		ups[i] = &upFile{CommitFile: f}
		if err := ups[i].hash(); err != nil {
			return nil, fmt.Errorf("upload %q to %s: %w", f.Path, d, err)
		}
	}
	return ups, nil
}

func commitPaths(files []CommitFile) []string {
	ps := make([]string, len(files))
	for i, f := range files {
		ps[i] = f.Path
	}
	return ps
}

// hash reads the file once: its size, SHA-256 and sample.
func (f *upFile) hash() error {
	r, err := f.section(0, -1)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	sample := &prefixWriter{max: 512}
	n, err := io.Copy(io.MultiWriter(h, sample), r)
	if err != nil {
		return err
	}
	f.size, f.sha256, f.sample = n, hex.EncodeToString(h.Sum(nil)), sample.b
	if file, ok := r.(*sourceReader); ok {
		if fi, err := os.Stat(f.Source); err != nil || fi.Size() != n || !fi.ModTime().Equal(file.modTime) {
			return fmt.Errorf("%s changed while it was read: upload it again once it is complete", f.Source)
		}
		f.modTime = file.modTime
	}
	return nil
}

// sourceReader reads part of a Source file. It offers Read and Close
// alone, so that io.Copy cannot reach past the section through the
// file's WriteTo.
type sourceReader struct {
	section *io.SectionReader
	file    *os.File
	modTime time.Time
}

func (r *sourceReader) Read(p []byte) (int, error) { return r.section.Read(p) }
func (r *sourceReader) Close() error               { return r.file.Close() }

// section opens n bytes of the content from off (n < 0: all of it). After
// hashing, a Source that changed is refused, for good: what was announced
// to the Hub no longer holds.
func (f *upFile) section(off, n int64) (io.ReadCloser, error) {
	if f.Source == "" {
		if n < 0 {
			n = int64(len(f.Data))
		}
		return io.NopCloser(bytes.NewReader(f.Data[off : off+n])), nil
	}
	file, err := os.Open(f.Source)
	if err != nil {
		return nil, &sourceError{err}
	}
	fi, err := file.Stat()
	if err == nil && !f.modTime.IsZero() && (fi.Size() != f.size || !fi.ModTime().Equal(f.modTime)) {
		err = fmt.Errorf("%s changed since it was hashed: upload again", f.Source)
	}
	if err != nil {
		file.Close()
		return nil, &sourceError{err}
	}
	if n < 0 {
		n = fi.Size()
	}
	return &sourceReader{section: io.NewSectionReader(file, off, n), file: file, modTime: fi.ModTime()}, nil
}

// sourceError is a local file that cannot be uploaded; another try would
// not help.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// prefixWriter keeps the first max bytes written to it.
type prefixWriter struct {
	b   []byte
	max int
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	if k := min(w.max-len(w.b), len(p)); k > 0 {
		w.b = append(w.b, p[:k]...)
	}
	return len(p), nil
}

// preupload asks the Hub which files go to LFS storage and which it
// ignores, at most maxPerCall files a call.
func (c *Client) preupload(ctx context.Context, d dest, ups []*upFile) error {
	type entry struct {
		Path   string `json:"path"`
		Sample string `json:"sample"`
		Size   int64  `json:"size"`
	}
	for start := 0; start < len(ups); start += maxPerCall {
		batch := ups[start:min(start+maxPerCall, len(ups))]
		var req struct {
			Files []entry `json:"files"`
		}
		for _, f := range batch {
			req.Files = append(req.Files, entry{f.Path, base64.StdEncoding.EncodeToString(f.sample), f.size})
		}
		var ans struct {
			Files []struct {
				Path         string `json:"path"`
				UploadMode   string `json:"uploadMode"`
				ShouldIgnore bool   `json:"shouldIgnore"`
			} `json:"files"`
		}
		call := jsonCall{what: "preupload to " + d.String(), url: c.apiURL(d, "preupload"), auth: true, body: req, out: &ans}
		if err := c.call(ctx, call); err != nil {
			return c.explainWrite(d, step{op: "preupload"}, err)
		}
		modes := map[string]string{}
		ignored := map[string]bool{}
		for _, a := range ans.Files {
			modes[a.Path], ignored[a.Path] = a.UploadMode, a.ShouldIgnore
		}
		for _, f := range batch {
			switch modes[f.Path] {
			case "lfs":
				f.lfs = true
			case "regular":
			default:
				return newHubError(fmt.Sprintf("upload %q to %s: the Hub's preupload answered upload mode %q; this client knows lfs and regular",
					f.Path, d, modes[f.Path]), ErrNotHub)
			}
			if f.ignore = ignored[f.Path]; f.ignore {
				c.log.Info("left out: the repository's .gitignore ignores it", "repo", d.repo.String(), "file", f.Path)
			}
		}
	}
	return nil
}
