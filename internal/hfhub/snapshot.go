package hfhub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
)

// Snapshot downloads files of repo at revision and returns the snapshot
// folder holding them (snapshots/<commit>). All files come from one commit:
// the first file's, even if the branch moves meanwhile. With no files it
// asks the Hub for the revision's file list and fetches all of them;
// offline, it then returns the cached snapshot folder as it is.
func (c *Client) Snapshot(ctx context.Context, repo, revision string, files []string) (string, error) {
	t, err := c.target(repo, revision, "")
	if err != nil {
		return "", err
	}
	rc := repoCache{root: c.cacheDir, repo: t.repo}
	if len(files) == 0 {
		return c.wholeSnapshot(ctx, rc, t)
	}
	for _, f := range files {
		if err := checkRelPath("file", f); err != nil {
			return "", fmt.Errorf("snapshot %s: %w", t, err)
		}
	}
	commit := ""
	for _, f := range files {
		ft := t
		ft.file = f
		if commit != "" && !c.offline {
			ft.revision = commit
		}
		_, cm, err := c.download(ctx, ft)
		if err != nil {
			return "", err
		}
		commit = cm
	}
	return rc.snapshot(commit), nil
}

// wholeSnapshot fetches every file of the revision.
func (c *Client) wholeSnapshot(ctx context.Context, rc repoCache, t target) (string, error) {
	if c.offline {
		return c.cachedSnapshot(rc, t, nil)
	}
	info, err := c.repoInfo(ctx, t)
	if err != nil {
		var se *StatusError
		if ctx.Err() != nil || errors.As(err, &se) && !se.retryable() {
			return "", err
		}
		dir, cerr := c.cachedSnapshot(rc, t, err)
		if cerr == nil {
			c.log.Warn("cannot reach the Hub, using the cached snapshot", "repo", t.repo.String(),
				"revision", t.revision, "err", c.redact(err.Error()))
		}
		return dir, cerr
	}
	for _, s := range info.Siblings {
		if _, _, err := c.download(ctx, target{repo: t.repo, revision: info.SHA, file: s.RFilename}); err != nil {
			return "", err
		}
	}
	if err := rc.writeRef(t.revision, info.SHA); err != nil {
		return "", fmt.Errorf("snapshot %s: %w", t, err)
	}
	dir := rc.snapshot(info.SHA)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("snapshot %s: %w", t, err)
	}
	return dir, nil
}

// cachedSnapshot is the snapshot folder the cached ref points at.
func (c *Client) cachedSnapshot(rc repoCache, t target, cause error) (string, error) {
	commit, ok, err := rc.commitFor(t.revision)
	if err != nil {
		return "", fmt.Errorf("snapshot %s: %w", t, err)
	}
	if ok {
		dir := rc.snapshot(commit)
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir, nil
		}
	}
	return "", c.notCached(t, cause)
}

// repoInfo is the part of GET /api/{type}s/{repo}/revision/{rev} we read.
type repoInfo struct {
	SHA      string `json:"sha"`
	Siblings []struct {
		RFilename string `json:"rfilename"`
	} `json:"siblings"`
}

// repoInfo lists the files of a revision and its commit.
func (c *Client) repoInfo(ctx context.Context, t target) (repoInfo, error) {
	u := c.endpoint + "/api/" + string(t.repo.Type) + "s/" + t.repo.ID + "/revision/" + quote(t.revision, "")
	var info repoInfo
	err := c.retry(ctx, "list "+t.String(), func() error {
		var err error
		info, err = c.getInfo(ctx, u)
		return err
	})
	var se *StatusError
	if errors.As(err, &se) && !se.retryable() {
		return repoInfo{}, c.explain(t, se)
	}
	if err != nil {
		return repoInfo{}, fmt.Errorf("list files of %s: %w", t, err)
	}
	if !safeSegment.MatchString(info.SHA) {
		return repoInfo{}, fmt.Errorf("list files of %s: unusable commit %q: %w", t, excerpt(info.SHA, 80), ErrNotHub)
	}
	for _, s := range info.Siblings {
		if err := checkRelPath("file", s.RFilename); err != nil {
			return repoInfo{}, fmt.Errorf("list files of %s: %w", t, err)
		}
	}
	return info, nil
}

func (c *Client) getInfo(ctx context.Context, u string) (repoInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, c.metaTimeout)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodGet, u)
	if err != nil {
		return repoInfo{}, err
	}
	resp, err := c.getClient.Do(req)
	if err != nil {
		return repoInfo{}, &transientError{err}
	}
	if resp.StatusCode != http.StatusOK {
		return repoInfo{}, errorFrom(resp)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return repoInfo{}, &transientError{err}
	}
	var info repoInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return repoInfo{}, fmt.Errorf("decode repo info: %w: %w", err, ErrNotHub)
	}
	return info, nil
}
