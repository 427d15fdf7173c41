package hfhub

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// RepoType is the kind of a Hub repository.
type RepoType string

// The repository kinds. Their URLs and cache folders differ by prefix.
const (
	Model   RepoType = "model"
	Dataset RepoType = "dataset"
	Space   RepoType = "space"
)

// Repo names a Hub repository.
type Repo struct {
	Type RepoType
	ID   string // "org/name", or "name" for the few legacy repositories
}

// repoName is one part of a repository id, as the Hub allows them. The Hub
// forbids "--" and ".." in names, which keeps the cache folder name
// (models--org--name) unambiguous.
var repoName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)

// ParseRepo reads a repository reference: "org/name" is a model;
// "datasets/org/name", "spaces/org/name" and "models/org/name" name the
// type explicitly, as the Hub's URLs do.
func ParseRepo(s string) (Repo, error) {
	r := Repo{Type: Model, ID: s}
	for _, t := range []RepoType{Dataset, Space, Model} {
		if id, ok := strings.CutPrefix(s, string(t)+"s/"); ok {
			r = Repo{Type: t, ID: id}
			break
		}
	}
	parts := strings.Split(r.ID, "/")
	if len(parts) > 2 {
		return Repo{}, fmt.Errorf("parse repo %q: want org/name", s)
	}
	for _, p := range parts {
		if !repoName.MatchString(p) || strings.Contains(p, "--") || strings.Contains(p, "..") {
			return Repo{}, fmt.Errorf("parse repo %q: %q is not a valid name (letters, digits, '.', '_', '-')", s, p)
		}
	}
	return r, nil
}

// String returns the reference ParseRepo reads: the id, prefixed with
// "datasets/" or "spaces/" unless it is a model.
func (r Repo) String() string { return r.urlPrefix() + r.ID }

// CacheFolder is the repository's folder in the cache, e.g.
// "models--allenai--specter2_base".
func (r Repo) CacheFolder() string {
	return string(r.Type) + "s--" + strings.ReplaceAll(r.ID, "/", "--")
}

// urlPrefix is what precedes the id in resolve URLs: nothing for models.
func (r Repo) urlPrefix() string {
	if r.Type == Model {
		return ""
	}
	return string(r.Type) + "s/"
}

// describe names the repository in messages: "model org/name".
func (r Repo) describe() string { return string(r.Type) + " " + r.ID }

var (
	commitHash = regexp.MustCompile(`^[0-9a-f]{40}$`)
	// safeSegment is what we accept from the server as a commit or etag
	// before using it as a file name in the cache.
	safeSegment = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$`)
)

// isCommit reports whether a revision is a full commit hash, which needs no
// ref file.
func isCommit(rev string) bool { return commitHash.MatchString(rev) }

// checkRelPath accepts a clean relative slash path that stays inside its
// folder: file names in a repository and revision names (refs/pr/1) both
// become paths in the cache.
func checkRelPath(kind, p string) error {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") ||
		strings.ContainsAny(p, "\\\x00") {
		return fmt.Errorf("%s %q is not a clean relative path", kind, p)
	}
	return nil
}

// quote percent-escapes s as Python's urllib.parse.quote does: unreserved
// characters and those in safe stay.
func quote(s, safe string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// resolveURL is the Hub URL of file at revision: the revision escaped with
// no safe characters (refs/pr/1 → refs%2Fpr%2F1), the file keeping its
// slashes.
func resolveURL(endpoint string, r Repo, revision, file string) string {
	return endpoint + "/" + r.urlPrefix() + r.ID + "/resolve/" + quote(revision, "") + "/" + quote(file, "/")
}
