package hubtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// segments splits the escaped path, so that an escaped revision
// (refs%2Fpr%2F1) stays one segment, and unescapes each.
func segments(r *http.Request) []string {
	raw := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			u = s
		}
		segs[i] = u
	}
	return segs
}

// serveHub routes a request to the Hub.
func (s *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	segs := segments(r)
	if s.statusFault(w, r, "hub") {
		return
	}
	switch route := routeOf("hub", r); route {
	case "create", "preupload", "commit", "lfs-batch", "lfs-verify", "lfs-complete":
		s.serveWrite(w, r, route, segs)
	case "resolve-cache":
		s.serveResolveCache(w, r, segs[2], segs[3:])
	case "info":
		s.serveInfo(w, r, segs[1], segs[2:])
	default:
		kind := "models"
		if segs[0] == "datasets" || segs[0] == "spaces" {
			kind, segs = segs[0], segs[1:]
		}
		s.serveResolve(w, r, kind, segs)
	}
}

// routeOf names the kind of a request (Request.Route, Fault.Route).
func routeOf(host string, r *http.Request) string {
	segs := segments(r)
	if host == "cdn" {
		switch {
		case len(segs) == 2 && segs[0] == "cdn":
			return "cdn"
		case len(segs) == 2 && segs[0] == "lfs":
			return "lfs-upload"
		case len(segs) == 3 && segs[0] == "lfs":
			return "lfs-part"
		}
		return ""
	}
	switch {
	case slices.Equal(segs, []string{"api", "repos", "create"}):
		return "create"
	case slices.Equal(segs, []string{"api", "complete_multipart"}):
		return "lfs-complete"
	case len(segs) >= 3 && segs[0] == "api" && segs[1] == "resolve-cache":
		return "resolve-cache"
	case len(segs) >= 3 && segs[0] == "api":
		for _, word := range []string{"preupload", "commit"} {
			if _, rest, ok := splitRepo(segs[2:], word); ok && len(rest) == 1 {
				return word
			}
		}
		return "info"
	}
	if _, _, op, ok := lfsTarget(segs); ok {
		return "lfs-" + op
	}
	return "resolve"
}

// lfsTarget reads {prefix}{repo}.git/info/lfs/objects/{batch|verify}.
func lfsTarget(segs []string) (kind, id, op string, ok bool) {
	kind = "models"
	if len(segs) > 0 && (segs[0] == "datasets" || segs[0] == "spaces") {
		kind, segs = segs[0], segs[1:]
	}
	for i := 0; i < len(segs) && i < 2; i++ {
		name, isGit := strings.CutSuffix(segs[i], ".git")
		rest := segs[i+1:]
		if isGit && len(rest) == 4 && rest[0] == "info" && rest[1] == "lfs" && rest[2] == "objects" &&
			(rest[3] == "batch" || rest[3] == "verify") {
			return kind, strings.Join(append(slices.Clone(segs[:i]), name), "/"), rest[3], true
		}
	}
	return "", "", "", false
}

// hubError answers an error the way the Hub does: status, X-Error-Code,
// X-Error-Message and a JSON body.
func hubError(w http.ResponseWriter, status int, code, msg string) {
	if code != "" {
		w.Header().Set("X-Error-Code", code)
	}
	w.Header().Set("X-Error-Message", msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// repoFor finds a repository, its former name redirecting, and checks its
// gate. It answers the error itself and returns nil when the request
// cannot go on; renamed is set when it answered a redirect.
func (s *Server) repoFor(w http.ResponseWriter, r *http.Request, kind, id string, gate bool) *repoState {
	key := kind + "/" + id
	s.mu.Lock()
	repo := s.repos[key]
	newKey, renamed := s.aliases[key]
	s.mu.Unlock()
	if repo == nil && renamed {
		_, newID, _ := strings.Cut(newKey, "/")
		loc := r.URL.EscapedPath()
		if strings.Contains(loc, "/"+id+".git/") {
			loc = strings.Replace(loc, "/"+id+".git/", "/"+newID+".git/", 1)
		} else {
			loc = strings.Replace(loc, "/"+id+"/", "/"+newID+"/", 1)
		}
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusTemporaryRedirect)
		return nil
	}
	if repo != nil && repo.private && !s.canWrite(r.Header.Get("Authorization")) {
		repo = nil // a private repository is not found by others
	}
	if repo == nil {
		status := http.StatusNotFound
		if r.Header.Get("Authorization") == "" {
			status = http.StatusUnauthorized
		}
		hubError(w, status, "RepoNotFound", "Repository Not Found for url: "+r.URL.Path+".")
		return nil
	}
	if gate && repo.token != "" {
		switch r.Header.Get("Authorization") {
		case "Bearer " + repo.token:
		case "":
			hubError(w, http.StatusUnauthorized, "GatedRepo", "Access to model "+id+" is restricted. You must have access to it and be authenticated to access it. Please log in.")
			return nil
		default:
			hubError(w, http.StatusForbidden, "GatedRepo", "Access to model "+id+" is restricted and you are not in the authorized list.")
			return nil
		}
	}
	return repo
}

// splitRepo cuts segs at the first occurrence of word after the id.
func splitRepo(segs []string, word string) (id string, rest []string, ok bool) {
	for i := 1; i < len(segs) && i <= 2; i++ {
		if segs[i] == word {
			return strings.Join(segs[:i], "/"), segs[i+1:], true
		}
	}
	return "", nil, false
}

// serveResolve answers {repo}/resolve/{revision}/{path}.
func (s *Server) serveResolve(w http.ResponseWriter, r *http.Request, kind string, segs []string) {
	id, rest, ok := splitRepo(segs, "resolve")
	if !ok || len(rest) < 2 {
		http.NotFound(w, r)
		return
	}
	repo := s.repoFor(w, r, kind, id, true)
	if repo == nil {
		return
	}
	rev, file := rest[0], strings.Join(rest[1:], "/")
	s.mu.Lock()
	c := repo.resolve(rev)
	var b *blob
	if c != nil {
		b = c.files[file]
	}
	lfs, cache := b != nil && s.servedAsLFS(c, file), s.resolveCache
	s.mu.Unlock()
	switch {
	case c == nil:
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
	case b == nil:
		w.Header().Set("X-Repo-Commit", c.hash)
		hubError(w, http.StatusNotFound, "EntryNotFound", file+" does not exist on \""+rev+"\"")
	case lfs:
		s.redirectLFS(w, c, file, b)
	case cache:
		loc := "/api/resolve-cache/" + kind + "/" + id + "/" + c.hash + "/" + escapePath(file) + "?etag=%22" + b.gitSHA1 + "%22"
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusTemporaryRedirect)
	default:
		s.serveGitFile(w, r, c, file, b)
	}
}

// redirectLFS answers an LFS file: a 302 to a pre-signed-looking CDN URL.
// The query names the file, as the Hub's response-content-disposition
// does, so that faults can match it at the CDN.
func (s *Server) redirectLFS(w http.ResponseWriter, c *commit, file string, b *blob) {
	q := url.Values{"path": {file}, "Expires": {"4102444800"}, "Signature": {"fake"}, "Key-Pair-Id": {"hubtest"},
		"response-content-disposition": {`inline; filename*=UTF-8''` + url.PathEscape(path.Base(file))}}
	loc := s.cdn.URL + "/cdn/" + b.sha256 + "?" + q.Encode()
	body := "Found. Redirecting to " + loc
	h := w.Header()
	h.Set("Location", loc)
	h.Set("X-Repo-Commit", c.hash)
	h.Set("X-Linked-Etag", `"`+b.sha256+`"`)
	h.Set("X-Linked-Size", strconv.Itoa(len(b.data)))
	h.Set("ETag", `"`+GitBlobSHA1(lfsPointer(b))+`"`)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusFound)
	w.Write([]byte(body))
}

// serveResolveCache answers /api/resolve-cache/{kind}/{repo}/{commit}/{path}.
func (s *Server) serveResolveCache(w http.ResponseWriter, r *http.Request, kind string, segs []string) {
	for i := 1; i < len(segs)-1 && i <= 2; i++ {
		if !commitRE.MatchString(segs[i]) {
			continue
		}
		repo := s.repoFor(w, r, kind, strings.Join(segs[:i], "/"), true)
		if repo == nil {
			return
		}
		file := strings.Join(segs[i+1:], "/")
		s.mu.Lock()
		c := repo.commits[segs[i]]
		var b *blob
		if c != nil {
			b = c.files[file]
		}
		s.mu.Unlock()
		if b == nil {
			hubError(w, http.StatusNotFound, "EntryNotFound", file+" does not exist")
			return
		}
		s.serveGitFile(w, r, c, file, b)
		return
	}
	http.NotFound(w, r)
}

// serveGitFile serves a regular file with the Hub's headers.
func (s *Server) serveGitFile(w http.ResponseWriter, r *http.Request, c *commit, file string, b *blob) {
	etag := `"` + b.gitSHA1 + `"`
	h := w.Header()
	h.Set("X-Repo-Commit", c.hash)
	h.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/octet-stream")
	s.serveContent(w, r, "hub", file, b.data)
}

// serveCDN answers the CDN: downloads of /cdn/{sha256} (no token needed,
// its own ETag), and the pre-signed upload URLs of LFS objects.
func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	if s.statusFault(w, r, "cdn") {
		return
	}
	segs := segments(r)
	switch route := routeOf("cdn", r); {
	case route == "lfs-upload" && r.Method == http.MethodPut:
		s.servePut(w, r, segs[1], 0)
	case route == "lfs-part" && r.Method == http.MethodPut:
		n, err := strconv.Atoi(segs[2])
		if err != nil || n < 1 {
			s3Error(w, r, http.StatusBadRequest, "InvalidArgument", "bad part number")
			return
		}
		s.servePut(w, r, segs[1], n)
	case route == "cdn" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.mu.Lock()
		b := s.blobs[segs[1]]
		s.mu.Unlock()
		if b == nil {
			http.Error(w, "NoSuchKey", http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("ETag", `"cdn-`+b.gitSHA1[:20]+`"`)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("Content-Type", "application/octet-stream")
		s.serveContent(w, r, "cdn", r.URL.Query().Get("path"), b.data)
	default:
		http.NotFound(w, r)
	}
}

// escapePath escapes each segment of a slash path.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
