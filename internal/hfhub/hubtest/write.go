package hubtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
)

// SetWriteToken sets the token writes need ("Authorization: Bearer tok"):
// creating a repository, preupload, the LFS batch and verify, and commits.
// Without one a write answers 401, with another token 403. Before it is
// called any token may write. Private repositories are readable with the
// write token only.
func (s *Server) SetWriteToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeToken = tok
}

// SetMultipartChunk makes the LFS batch offer objects larger than n bytes
// as multipart uploads in parts of n bytes (0, the default: never).
func (s *Server) SetMultipartChunk(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chunk = n
}

// canWrite reports whether an Authorization header may write.
func (s *Server) canWrite(auth string) bool {
	s.mu.Lock()
	tok := s.writeToken
	s.mu.Unlock()
	if tok == "" {
		return len(auth) > len("Bearer ") && strings.HasPrefix(auth, "Bearer ")
	}
	return auth == "Bearer "+tok
}

// writeAuth answers 401 or 403 unless the request carries the write
// token; it reports whether the write may go on.
func (s *Server) writeAuth(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		hubError(w, http.StatusUnauthorized, "", "Invalid credentials in Authorization header: a write token is required")
		return false
	case !s.canWrite(auth):
		hubError(w, http.StatusForbidden, "", "You don't have the rights to write to this repository: use a token with write access")
		return false
	}
	return true
}

// serveWrite routes the writes of the Hub's commit API.
func (s *Server) serveWrite(w http.ResponseWriter, r *http.Request, route string, segs []string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		hubError(w, http.StatusMethodNotAllowed, "", "use POST")
		return
	}
	if route == "lfs-complete" {
		s.serveComplete(w, r) // a pre-signed URL: no token
		return
	}
	if !s.writeAuth(w, r) {
		return
	}
	if route == "create" {
		s.serveCreate(w, r)
		return
	}
	var kind, id, rev string
	if route == "lfs-batch" || route == "lfs-verify" {
		kind, id, _, _ = lfsTarget(segs)
	} else {
		var rest []string
		kind = segs[1]
		id, rest, _ = splitRepo(segs[2:], route)
		rev = rest[0]
	}
	repo := s.repoFor(w, r, kind, id, false)
	if repo == nil {
		return
	}
	switch route {
	case "preupload":
		s.servePreupload(w, r, repo, rev)
	case "commit":
		s.serveCommit(w, r, repo, rev)
	case "lfs-batch":
		s.serveBatch(w, r, repo)
	case "lfs-verify":
		s.serveVerify(w, r, repo)
	}
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	json.NewEncoder(w).Encode(v)
}

// decodeBody reads a JSON body into v, answering 400 if it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		hubError(w, http.StatusBadRequest, "", "bad JSON body: "+err.Error())
		return false
	}
	return true
}

// serveCreate answers POST /api/repos/create: a repository with one
// commit holding .gitattributes, as the Hub makes it; 409 if it exists.
func (s *Server) serveCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name, Organization, Type, SDK string
		Private                       bool
	}
	if !decodeBody(w, r, &req) {
		return
	}
	kinds := map[string]string{"": "models", "model": "models", "dataset": "datasets", "space": "spaces"}
	kind, ok := kinds[req.Type]
	id := req.Name
	if req.Organization != "" {
		id = req.Organization + "/" + req.Name
	}
	switch {
	case !ok:
		hubError(w, http.StatusBadRequest, "", "invalid repo type "+req.Type)
		return
	case req.Name == "" || strings.Contains(req.Name, "/") || checkPath(id) != nil:
		hubError(w, http.StatusBadRequest, "", "invalid repo name "+id)
		return
	case kind == "spaces" && req.SDK == "":
		hubError(w, http.StatusBadRequest, "", "sdk is required to create a space")
		return
	}
	key := kind + "/" + id
	s.mu.Lock()
	exists := s.repos[key] != nil
	if !exists {
		s.repos[key] = newRepoState(kind, id)
		s.repos[key].private = req.Private
		attrs := newBlob(gitattributes())
		s.addCommit(key, "main", map[string]*blob{".gitattributes": attrs}, nil, "initial commit")
	}
	repoURL := s.hub.URL + "/" + s.repos[key].prefix() + id
	s.mu.Unlock()
	if exists {
		w.Header().Set("X-Error-Message", "You already created this "+strings.TrimSuffix(kind, "s")+" repo")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		json.NewEncoder(w).Encode(map[string]string{"error": "You already created this " + strings.TrimSuffix(kind, "s") + " repo", "url": repoURL})
		return
	}
	writeJSON(w, "application/json", map[string]string{"url": repoURL, "name": id})
}

// gitattributes is the Hub's default .gitattributes: LFS for the
// weights-like kinds.
func gitattributes() []byte {
	var b bytes.Buffer
	for _, ext := range lfsExts {
		fmt.Fprintf(&b, "*%s filter=lfs diff=lfs merge=lfs -text\n", ext)
	}
	return b.Bytes()
}

// preuploadFile is one file of a preupload request.
type preuploadFile struct {
	Path, Sample string
	Size         int64
}

// preuploadAnswer is the Hub's answer about one file.
type preuploadAnswer struct {
	Path         string `json:"path"`
	UploadMode   string `json:"uploadMode"`
	ShouldIgnore bool   `json:"shouldIgnore"`
	OID          string `json:"oid,omitempty"`
}

// servePreupload answers POST /api/{kind}/{repo}/preupload/{rev}: for
// each file, whether it goes to LFS (empty files never; at least the LFS
// threshold, a NUL byte in its sample or a weights-like extension) and
// whether the branch's .gitignore ignores it.
func (s *Server) servePreupload(w http.ResponseWriter, r *http.Request, repo *repoState, rev string) {
	var req struct{ Files []preuploadFile }
	if !decodeBody(w, r, &req) {
		return
	}
	if len(req.Files) > 256 {
		hubError(w, http.StatusBadRequest, "", fmt.Sprintf("too many files in one preupload call: %d, at most 256", len(req.Files)))
		return
	}
	var paths []string
	for _, f := range req.Files {
		sample, err := base64.StdEncoding.DecodeString(f.Sample)
		if err := entryErr(checkPath(f.Path), err, f.Size < 0 || len(sample) > 512); err != "" {
			hubError(w, http.StatusBadRequest, "", fmt.Sprintf("bad file %q: %s", f.Path, err))
			return
		}
		paths = append(paths, f.Path)
	}
	if s.bodyFault(w, r, paths...) {
		return
	}
	s.mu.Lock()
	c := repo.commits[repo.refs[rev]]
	var files []preuploadAnswer
	if c != nil {
		files = s.uploadModes(repo, c, req.Files)
	}
	s.mu.Unlock()
	if c == nil {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	writeJSON(w, "application/json", map[string]any{"files": files, "commitOid": c.hash})
}

// uploadModes decides where each file goes, remembering the LFS ones
// (see pathFor); s.mu must be held.
func (s *Server) uploadModes(repo *repoState, c *commit, files []preuploadFile) []preuploadAnswer {
	ignore := gitignore(c.files[".gitignore"])
	out := []preuploadAnswer{}
	for _, f := range files {
		sample, _ := base64.StdEncoding.DecodeString(f.Sample)
		a := preuploadAnswer{Path: f.Path, UploadMode: "regular", ShouldIgnore: ignore(f.Path)}
		if f.Size > 0 && (f.Size >= s.lfsThreshold || bytes.IndexByte(sample, 0) >= 0 || hasLFSExt(f.Path)) {
			a.UploadMode = "lfs"
			repo.pending[f.Path] = f.Size
		}
		if b := c.files[f.Path]; b != nil {
			a.OID = b.gitSHA1
			if s.servedAsLFS(c, f.Path) {
				a.OID = b.sha256
			}
		}
		out = append(out, a)
	}
	return out
}

// entryErr is the first complaint about a preupload entry, or "".
func entryErr(pathErr, sampleErr error, bad bool) string {
	switch {
	case pathErr != nil:
		return pathErr.Error()
	case sampleErr != nil:
		return "sample is not base64"
	case bad:
		return "negative size or sample over 512 bytes"
	}
	return ""
}

// gitignore reads the patterns of a .gitignore (nil: none): a path is
// ignored when a pattern matches it whole, its name, or a folder above it.
func gitignore(b *blob) func(string) bool {
	var pats []string
	if b != nil {
		for line := range strings.Lines(string(b.data)) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				pats = append(pats, strings.Trim(line, "/"))
			}
		}
	}
	return func(p string) bool {
		for _, pat := range pats {
			for q := p; q != "." && q != "/"; q = path.Dir(q) {
				if ok, _ := path.Match(pat, q); ok {
					return true
				}
				if ok, _ := path.Match(pat, path.Base(q)); ok {
					return true
				}
			}
		}
		return false
	}
}

// ndjsonType is the commit payload's media type.
const ndjsonType = "application/x-ndjson"

// commitOp is one line of a commit payload.
type commitOp struct {
	Key   string `json:"key"`
	Value struct {
		Summary, Description, ParentCommit string
		Path, Content, Encoding            string
		Algo, OID                          string
		Size                               int64
	} `json:"value"`
}

// serveCommit answers POST /api/{kind}/{repo}/commit/{rev}: the NDJSON
// payload (a header line, then file, lfsFile, deletedFile and
// deletedFolder lines) becomes a new commit on the branch, or nothing
// changes.
func (s *Server) serveCommit(w http.ResponseWriter, r *http.Request, repo *repoState, rev string) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != ndjsonType {
		hubError(w, http.StatusBadRequest, "", "Content-Type must be "+ndjsonType)
		return
	}
	ops, err := readOps(r.Body)
	if err != nil {
		hubError(w, http.StatusBadRequest, "", "bad commit payload: "+err.Error())
		return
	}
	var paths []string
	for _, op := range ops[1:] {
		paths = append(paths, op.Value.Path)
	}
	if s.bodyFault(w, r, paths...) {
		return
	}
	s.mu.Lock()
	c, fail := s.applyCommit(repo, rev, ops)
	s.mu.Unlock()
	if fail != nil {
		hubError(w, fail.status, fail.code, fail.msg)
		return
	}
	writeJSON(w, "application/json", map[string]string{
		"commitUrl": s.hub.URL + "/" + repo.prefix() + repo.id + "/commit/" + c.hash,
		"commitOid": c.hash,
	})
}

// readOps reads an NDJSON commit payload; the first line is its header.
func readOps(body io.Reader) ([]commitOp, error) {
	dec := json.NewDecoder(body)
	var ops []commitOp
	for {
		var op commitOp
		if err := dec.Decode(&op); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	if len(ops) == 0 || ops[0].Key != "header" {
		return nil, fmt.Errorf("the first line must be the header")
	}
	if ops[0].Value.Summary == "" {
		return nil, fmt.Errorf("the commit summary is empty")
	}
	return ops, nil
}
