package hfhub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
)

// Download returns the path of file in the cached snapshot of repo at
// revision ("" means "main"; a 40-hex commit pins it), fetching it first
// when needed. repo is "org/name" for a model, "datasets/org/name" for a
// dataset (see ParseRepo). The path is snapshots/<commit>/<file>, a
// relative symlink into blobs/.
//
// Online, a HEAD asks the Hub for the revision's current commit even when
// the file is cached, so a moved branch gets its new snapshot (the old one
// stays); if the Hub cannot be reached the cached snapshot is used, with a
// warning. Offline, only the cache is read. Errors match ErrOffline,
// ErrNotFound, ErrUnauthorized, ErrIntegrity or ErrNotHub under errors.Is.
func (c *Client) Download(ctx context.Context, repo, revision, file string) (string, error) {
	t, err := c.target(repo, revision, file)
	if err != nil {
		return "", err
	}
	p, _, err := c.download(ctx, t)
	return p, err
}

// target checks the arguments of a download.
func (c *Client) target(repo, revision, file string) (target, error) {
	r, err := ParseRepo(repo)
	if err != nil {
		return target{}, err
	}
	if revision == "" {
		revision = "main"
	}
	t := target{repo: r, revision: revision, file: file}
	if err := checkRelPath("revision", revision); err != nil {
		return target{}, fmt.Errorf("download from %s: %w", r.describe(), err)
	}
	if file != "" {
		if err := checkRelPath("file", file); err != nil {
			return target{}, fmt.Errorf("download from %s: %w", r.describe(), err)
		}
	}
	if c.cacheDir == "" {
		return target{}, fmt.Errorf("download %s: no cache directory: set HF_HUB_CACHE or HF_HOME", t)
	}
	return t, nil
}

// download fetches one file and returns its path and commit.
func (c *Client) download(ctx context.Context, t target) (string, string, error) {
	rc := repoCache{root: c.cacheDir, repo: t.repo}
	if c.offline {
		return c.fromCache(rc, t, nil)
	}
	meta, err := c.metadata(ctx, t)
	if err != nil {
		return c.metadataFailed(ctx, rc, t, err)
	}
	p, err := c.place(ctx, rc, t, meta)
	if err != nil {
		return "", "", err
	}
	return p, meta.commit, nil
}

// metadataFailed handles a HEAD that did not succeed. The Hub's own
// answers (not found, unauthorized) are final; a missing file is
// remembered in .no_exist. An unreachable or misbehaving endpoint falls
// back to the cache.
func (c *Client) metadataFailed(ctx context.Context, rc repoCache, t target, err error) (string, string, error) {
	if ctx.Err() != nil {
		return "", "", fmt.Errorf("download %s: %w", t, err)
	}
	var se *StatusError
	if errors.As(err, &se) && !se.retryable() {
		if se.Status == http.StatusNotFound && se.Code == "EntryNotFound" && safeSegment.MatchString(se.Commit) {
			if merr := rc.markMissing(se.Commit, t.file); merr != nil {
				c.log.Warn("cannot write .no_exist marker", "err", merr)
			}
			if rerr := rc.writeRef(t.revision, se.Commit); rerr != nil {
				c.log.Warn("cannot write ref", "err", rerr)
			}
		}
		return "", "", c.explain(t, se)
	}
	p, commit, cerr := c.fromCache(rc, t, err)
	if cerr != nil {
		return "", "", cerr
	}
	c.log.Warn("cannot reach the Hub, using the cached file", "repo", t.repo.String(), "revision", t.revision,
		"file", t.file, "commit", commit, "err", c.redact(err.Error()))
	return p, commit, nil
}

// fromCache finds a file in the cache without the network. cause is why
// the network was not used: nil in offline mode, else the failure.
func (c *Client) fromCache(rc repoCache, t target, cause error) (string, string, error) {
	commit, ok, err := rc.commitFor(t.revision)
	if err != nil {
		return "", "", fmt.Errorf("download %s: %w", t, err)
	}
	if ok {
		if rc.knownMissing(commit, t.file) {
			return "", "", newHubError(fmt.Sprintf("%s not found: the cache at %s records it as absent from commit %s",
				t, c.cacheDir, commit), ErrNotFound)
		}
		p := rc.pointer(commit, t.file)
		good, err := c.cachedOK(p)
		if err != nil {
			return "", "", fmt.Errorf("download %s: %w", t, err)
		}
		if good {
			return p, commit, nil
		}
	}
	return "", "", c.notCached(t, cause)
}

// cachedOK reports whether a snapshot file is present and, with Verify,
// that an LFS blob still has the SHA-256 it is named after.
func (c *Client) cachedOK(p string) (bool, error) {
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if !c.verify {
		return true, nil
	}
	etag := linkedETag(p)
	ok, err := checkFile(p, etag, -1, true)
	if err == nil && !ok {
		err = newHubError(fmt.Sprintf("cached %s is corrupt: its sha256 differs from %s", p, etag), ErrIntegrity)
	}
	return ok, err
}

// notCached is the error for a file the cache lacks when the network may
// not or cannot be used.
func (c *Client) notCached(t target, cause error) error {
	if cause == nil {
		return newHubError(fmt.Sprintf("%s is not in the cache at %s and HF_HUB_OFFLINE is set: %s",
			t, c.cacheDir, c.offlineHint), ErrOffline)
	}
	return newHubError(c.redact(fmt.Sprintf("cannot reach the Hub at %s for %s, and it is not in the cache at %s: "+
		"check the network and HF_ENDPOINT: %v", c.endpoint, t, c.cacheDir, cause)), cause)
}

// place makes sure the file the Hub described is in the cache: the
// snapshot file if it is there and sound, else the blob (downloaded under
// its lock when missing or corrupt) and a fresh link to it.
func (c *Client) place(ctx context.Context, rc repoCache, t target, meta fileMeta) (string, error) {
	p := rc.pointer(meta.commit, t.file)
	ok, err := checkFile(p, meta.etag, meta.size, c.verify)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", t, err)
	}
	if !ok {
		if _, err := os.Lstat(p); err == nil {
			c.log.Warn("cached file is corrupt or incomplete, fetching it again", "path", p)
			os.Remove(p)
		}
		if err := c.ensureBlob(ctx, rc, t, meta); err != nil {
			return "", err
		}
		if p, err = rc.link(meta.commit, t.file, meta.etag); err != nil {
			return "", fmt.Errorf("download %s: %w", t, err)
		}
	}
	if err := rc.writeRef(t.revision, meta.commit); err != nil {
		return "", fmt.Errorf("download %s: %w", t, err)
	}
	return p, nil
}

// ensureBlob makes blobs/<etag> present and sound, downloading it under
// the blob's lock. Whoever waited for the lock finds the blob another
// process or goroutine just fetched.
func (c *Client) ensureBlob(ctx context.Context, rc repoCache, t target, meta fileMeta) error {
	blob := rc.blob(meta.etag)
	if ok, err := checkFile(blob, meta.etag, meta.size, c.verify); err != nil || ok {
		return err
	}
	unlock, err := lockBlob(ctx, rc.lock(meta.etag))
	if err != nil {
		return fmt.Errorf("download %s: %w", t, err)
	}
	defer unlock()
	ok, err := checkFile(blob, meta.etag, meta.size, c.verify)
	if err != nil || ok {
		return err
	}
	if _, err := os.Lstat(blob); err == nil {
		c.log.Warn("cached blob is corrupt, fetching it again", "path", blob)
		if err := os.Remove(blob); err != nil {
			return fmt.Errorf("download %s: remove corrupt blob: %w", t, err)
		}
	}
	c.log.Info("downloading", "repo", t.repo.String(), "file", t.file, "commit", meta.commit, "size", meta.size)
	return c.fetchBlob(ctx, rc, t, meta)
}
