package hfhub

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// symlink is os.Symlink; tests replace it to take the copying path.
var symlink = os.Symlink

// repoCache is one repository's part of the cache.
type repoCache struct {
	root string // the hub cache directory
	repo Repo
}

func (rc repoCache) dir() string { return filepath.Join(rc.root, rc.repo.CacheFolder()) }

func (rc repoCache) blob(etag string) string { return filepath.Join(rc.dir(), "blobs", etag) }

func (rc repoCache) lock(etag string) string {
	return filepath.Join(rc.root, ".locks", rc.repo.CacheFolder(), etag+".lock")
}

func (rc repoCache) snapshot(commit string) string {
	return filepath.Join(rc.dir(), "snapshots", commit)
}

func (rc repoCache) pointer(commit, file string) string {
	return filepath.Join(rc.snapshot(commit), filepath.FromSlash(file))
}

func (rc repoCache) noExist(commit, file string) string {
	return filepath.Join(rc.dir(), ".no_exist", commit, filepath.FromSlash(file))
}

func (rc repoCache) ref(revision string) string {
	return filepath.Join(rc.dir(), "refs", filepath.FromSlash(revision))
}

// commitFor resolves a revision offline: a commit hash is itself, a branch
// or tag is what refs/<revision> says. ok is false when no ref is cached.
func (rc repoCache) commitFor(revision string) (string, bool, error) {
	if isCommit(revision) {
		return revision, true, nil
	}
	b, err := os.ReadFile(rc.ref(revision))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read ref %q: %w", revision, err)
	}
	commit := strings.TrimSpace(string(b))
	if !safeSegment.MatchString(commit) {
		return "", false, fmt.Errorf("ref %q holds %q, not a commit", revision, excerpt(commit, 80))
	}
	return commit, true, nil
}

// writeRef records that revision points at commit (not for commit hashes,
// which are their own ref). Written through a temporary file and a rename,
// so a reader sees the old commit or the new one.
func (rc repoCache) writeRef(revision, commit string) error {
	if revision == commit || isCommit(revision) {
		return nil
	}
	p := rc.ref(revision)
	if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) == commit {
		return nil
	}
	if err := writeAtomic(p, []byte(commit)); err != nil {
		return fmt.Errorf("write ref %q: %w", revision, err)
	}
	return nil
}

// markMissing writes the empty .no_exist marker huggingface_hub uses to
// remember that file is absent at commit.
func (rc repoCache) markMissing(commit, file string) error {
	p := rc.noExist(commit, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("mark %q missing: %w", file, err)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("mark %q missing: %w", file, err)
	}
	return f.Close()
}

func (rc repoCache) knownMissing(commit, file string) bool {
	_, err := os.Lstat(rc.noExist(commit, file))
	return err == nil
}

// link makes snapshots/<commit>/<file> point at blobs/<etag> with a
// relative symlink (../../blobs/<etag>, one more ../ per folder of the
// file), replacing whatever was there in one rename. Where symlinks cannot
// be made the blob is copied instead.
func (rc repoCache) link(commit, file, etag string) (string, error) {
	p := rc.pointer(commit, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("link %q: %w", file, err)
	}
	blob := rc.blob(etag)
	rel, err := filepath.Rel(filepath.Dir(p), blob)
	if err != nil {
		return "", fmt.Errorf("link %q: %w", file, err)
	}
	tmp := fmt.Sprintf("%s.%d-%x.tmp", p, os.Getpid(), rand.Uint64())
	if err := symlink(rel, tmp); err != nil {
		if err := copyFile(blob, tmp); err != nil {
			return "", fmt.Errorf("link %q (symlink failed, copying): %w", file, err)
		}
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("link %q: %w", file, err)
	}
	return p, nil
}

// checkFile reports whether path (followed through its symlink) has the
// expected size (skipped when size < 0) and, when hash is set and the etag
// is a SHA-256, that hash. A missing file is (false, nil).
func checkFile(path, etag string, size int64, hash bool) (bool, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() || size >= 0 && fi.Size() != size {
		return false, nil
	}
	if !hash || !isSHA256(etag) {
		return true, nil
	}
	sum, err := sha256File(path)
	if err != nil {
		return false, err
	}
	return sum == etag, nil
}

// linkedETag is the blob name a snapshot symlink points at ("" for a copy
// or a missing file).
func linkedETag(pointer string) string {
	dest, err := os.Readlink(pointer)
	if err != nil {
		return ""
	}
	return filepath.Base(dest)
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeAtomic writes data to path through a temporary file in its folder.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, cerr := io.Copy(out, in)
	if err := errors.Join(cerr, out.Close()); err != nil {
		os.Remove(dst)
		return err
	}
	return nil
}
