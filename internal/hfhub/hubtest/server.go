package hubtest

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// Server is a fake Hub (URL) with its CDN (CDNURL).
type Server struct {
	hub, cdn *httptest.Server

	mu           sync.Mutex
	repos        map[string]*repoState // "models/org/name" → repo
	aliases      map[string]string     // former "kind/id" → current "kind/id"
	blobs        map[string]*blob      // sha256 → blob, for the CDN
	seq          int                   // commits made, for distinct hashes
	lfsThreshold int64
	resolveCache bool
	faults       []*Fault
	requests     []Request
	inflight     int // requests whose handlers run
	logGen       int // ResetRequests calls, so that requests in flight then stay forgotten

	// The write side (see write.go and lfs.go).
	writeToken string
	chunk      int64                 // multipart part size; 0: single PUTs only
	uploads    map[string]*lfsUpload // uploadId → object the LFS batch offered to receive
	uploadSeq  int
	signKey    []byte // signs the pre-signed upload URLs
}

// New starts a fake Hub serving repos; it stops when the test ends.
func New(t testing.TB, repos ...Repo) *Server {
	t.Helper()
	s := &Server{
		repos:        map[string]*repoState{},
		aliases:      map[string]string{},
		blobs:        map[string]*blob{},
		lfsThreshold: 10 << 20,
		resolveCache: true,
		uploads:      map[string]*lfsUpload{},
		signKey:      []byte(rand.Text()),
	}
	for _, r := range repos {
		if err := s.add(r); err != nil {
			t.Fatalf("hubtest: %v", err)
		}
	}
	s.hub = httptest.NewServer(s.logged("hub", http.HandlerFunc(s.serveHub)))
	s.cdn = httptest.NewServer(s.logged("cdn", http.HandlerFunc(s.serveCDN)))
	t.Cleanup(s.hub.Close)
	t.Cleanup(s.cdn.Close)
	return s
}

// add registers a repository with its branches.
func (s *Server) add(r Repo) error {
	kind, id := splitID(r.ID)
	key := kind + "/" + id
	if _, dup := s.repos[key]; dup {
		return fmt.Errorf("repo %s given twice", r.ID)
	}
	s.repos[key] = newRepoState(kind, id)
	s.repos[key].token = r.Token
	for _, old := range r.OldIDs {
		okind, oid := splitID(old)
		s.aliases[okind+"/"+oid] = key
	}
	main := Files{}
	if r.Dir != "" {
		files, err := readDir(r.Dir)
		if err != nil {
			return err
		}
		maps.Copy(main, files)
	}
	maps.Copy(main, r.Files)
	revs := map[string]Files{"main": main}
	maps.Copy(revs, r.Revisions)
	for _, name := range sortedKeys(revs) {
		if _, err := s.setFiles(key, name, revs[name]); err != nil {
			return fmt.Errorf("repo %s: %w", r.ID, err)
		}
	}
	return nil
}

// URL is the Hub's endpoint (HF_ENDPOINT).
func (s *Server) URL() string { return s.hub.URL }

// CDNURL is the address of the CDN that LFS downloads are redirected to.
func (s *Server) CDNURL() string { return s.cdn.URL }

// Client is an HTTP client for both servers.
func (s *Server) Client() *http.Client { return s.hub.Client() }

// SetFiles points revision (a branch or tag) of repo at a new commit
// holding files, creating the repository if needed, and returns the
// commit's hash. Earlier commits stay reachable by hash.
func (s *Server) SetFiles(repo, revision string, files Files) (string, error) {
	kind, id := splitID(repo)
	s.mu.Lock()
	defer s.mu.Unlock()
	key := kind + "/" + id
	if s.repos[key] == nil {
		s.repos[key] = newRepoState(kind, id)
	}
	return s.setFiles(key, revision, files)
}

func (s *Server) setFiles(key, revision string, files Files) (string, error) {
	blobs := map[string]*blob{}
	for p, data := range files {
		if err := checkPath(p); err != nil {
			return "", err
		}
		blobs[p] = newBlob(data)
	}
	return s.addCommit(key, revision, blobs, nil, "").hash, nil
}

// addCommit makes a commit of files (lfs marks those committed as LFS
// files) the head of revision; s.mu must be held, or New be running. The
// LFS store of the repository gets the LFS files, so that uploading them
// again costs nothing.
func (s *Server) addCommit(key, revision string, files map[string]*blob, lfs map[string]bool, summary string) *commit {
	r := s.repos[key]
	if lfs == nil {
		lfs = map[string]bool{}
	}
	c := &commit{files: files, lfs: lfs, summary: summary}
	h := sha1.New()
	s.seq++
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00", key, revision, s.seq)
	for _, p := range sortedKeys(files) {
		b := files[p]
		s.blobs[b.sha256] = b
		if s.servedAsLFS(c, p) {
			r.lfs[b.sha256] = b
		}
		fmt.Fprintf(h, "%s\x00%s\x00", p, b.gitSHA1)
	}
	c.hash = hex.EncodeToString(h.Sum(nil))
	r.commits[c.hash] = c
	r.refs[revision] = c.hash
	return c
}

// Commit is the commit hash revision of repo points at ("" if none).
func (s *Server) Commit(repo, revision string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repoKey(repo)]
	if r == nil {
		return ""
	}
	if c := r.resolve(revision); c != nil {
		return c.hash
	}
	return ""
}

// FileInfo is what the fake Hub announces for a file.
type FileInfo struct {
	Commit string
	ETag   string // SHA-256 for LFS files, git blob SHA-1 for others
	LFS    bool
	Size   int64
	Data   []byte
}

// File describes path at revision of repo; ok is false when it does not
// exist.
func (s *Server) File(repo, revision, path string) (FileInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repoKey(repo)]
	if r == nil {
		return FileInfo{}, false
	}
	c := r.resolve(revision)
	if c == nil || c.files[path] == nil {
		return FileInfo{}, false
	}
	b := c.files[path]
	fi := FileInfo{Commit: c.hash, ETag: b.gitSHA1, LFS: s.servedAsLFS(c, path), Size: int64(len(b.data)), Data: b.data}
	if fi.LFS {
		fi.ETag = b.sha256
	}
	return fi, true
}

// SetLFSThreshold sets the size from which any file is served as an LFS
// file (default 10 MiB); weights-like extensions always are.
func (s *Server) SetLFSThreshold(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lfsThreshold = n
}

// SetResolveCache chooses whether regular files are first redirected
// (relative 307) to /api/resolve-cache/..., as the Hub now does (default
// true), or served straight from the resolve URL.
func (s *Server) SetResolveCache(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resolveCache = on
}

// servedAsLFS reports whether path of c is an LFS file: committed as one,
// at least the LFS threshold, or of a weights-like kind.
func (s *Server) servedAsLFS(c *commit, p string) bool {
	return c.lfs[p] || s.isLFS(p, c.files[p])
}

func (s *Server) isLFS(p string, b *blob) bool {
	return int64(len(b.data)) >= s.lfsThreshold || hasLFSExt(p)
}

func hasLFSExt(p string) bool {
	for _, ext := range lfsExts {
		if len(p) > len(ext) && p[len(p)-len(ext):] == ext {
			return true
		}
	}
	return false
}

// resolve finds the commit a revision names: a branch, a tag or a hash.
func (r *repoState) resolve(rev string) *commit {
	if h, ok := r.refs[rev]; ok {
		return r.commits[h]
	}
	return r.commits[rev]
}

func repoKey(repo string) string {
	kind, id := splitID(repo)
	return kind + "/" + id
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
