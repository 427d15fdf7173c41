package hubtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// serveContent writes data, honouring a single byte range, and applies
// the content faults scripted for file: a cut body, a flipped byte, an
// ignored Range.
func (s *Server) serveContent(w http.ResponseWriter, r *http.Request, host, file string, data []byte) {
	size := int64(len(data))
	h := w.Header()
	h.Set("Accept-Ranges", "bytes")
	start, end, ranged := parseRange(r.Header.Get("Range"), size)
	var f *Fault
	if r.Method == http.MethodGet {
		f = s.takeFault(s.matchOf(host, r, file), contentKinds...)
	}
	if f != nil && f.Kind == FaultIgnoreRange {
		ranged, start, end = false, 0, size-1
	}
	status := http.StatusOK
	switch {
	case ranged && start >= size:
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		http.Error(w, "Requested Range Not Satisfiable", http.StatusRequestedRangeNotSatisfiable)
		return
	case ranged:
		status = http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end, 10)+"/"+strconv.FormatInt(size, 10))
	default:
		start, end = 0, size-1
	}
	body := data[start : end+1]
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	if f != nil && f.Kind == FaultCorrupt && f.At >= start && f.At <= end {
		body = append([]byte(nil), body...)
		body[f.At-start] ^= 0xff
	}
	if f != nil && f.Kind == FaultTruncate {
		cut := f.At
		if cut <= 0 || cut > int64(len(body)) {
			cut = int64(len(body)) / 2
		}
		w.Write(body[:cut])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // drop the connection mid-body
	}
	w.Write(body)
}

// parseRange reads a single "bytes=a-" or "bytes=a-b" range. Anything
// else (several ranges, suffix ranges) is ignored, as servers may.
func parseRange(v string, size int64) (start, end int64, ok bool) {
	spec, found := strings.CutPrefix(v, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(spec, "-")
	start, err := strconv.ParseInt(a, 10, 64)
	if !found || err != nil || start < 0 {
		return 0, 0, false
	}
	end = size - 1
	if b != "" {
		e, err := strconv.ParseInt(b, 10, 64)
		if err != nil || e < start {
			return 0, 0, false
		}
		end = min(e, size-1)
	}
	return start, end, true
}

// sibling is one file in the repository info answer.
type sibling struct {
	RFilename string `json:"rfilename"`
	Size      *int64 `json:"size,omitempty"`
	BlobID    string `json:"blobId,omitempty"`
	LFS       *struct {
		SHA256      string `json:"sha256"`
		Size        int64  `json:"size"`
		PointerSize int    `json:"pointerSize"`
	} `json:"lfs,omitempty"`
}

// serveInfo answers /api/{kind}/{repo}[/revision/{revision}]. Like the
// Hub, it lists a gated repository's files without a token.
func (s *Server) serveInfo(w http.ResponseWriter, r *http.Request, kind string, segs []string) {
	if kind != "models" && kind != "datasets" && kind != "spaces" {
		http.NotFound(w, r)
		return
	}
	id, rev := strings.Join(segs, "/"), "main"
	if rid, rest, ok := splitRepo(segs, "revision"); ok && len(rest) == 1 {
		id, rev = rid, rest[0]
	}
	repo := s.repoFor(w, r, kind, id, false)
	if repo == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := repo.resolve(rev)
	if c == nil {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	blobs := r.URL.Query().Get("blobs") == "true"
	info := struct {
		ID       string    `json:"id"`
		SHA      string    `json:"sha"`
		Gated    any       `json:"gated"`
		Siblings []sibling `json:"siblings"`
	}{ID: id, SHA: c.hash, Gated: repo.token != "", Siblings: []sibling{}}
	if repo.token != "" {
		info.Gated = "auto"
	}
	for _, p := range c.paths() {
		info.Siblings = append(info.Siblings, s.sibling(c, p, blobs))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(info)
}

// sibling describes a file; s.mu must be held.
func (s *Server) sibling(c *commit, p string, blobs bool) sibling {
	b := c.files[p]
	sib := sibling{RFilename: p}
	if !blobs {
		return sib
	}
	n := int64(len(b.data))
	sib.Size, sib.BlobID = &n, b.gitSHA1
	if s.servedAsLFS(c, p) {
		ptr := lfsPointer(b)
		sib.BlobID = GitBlobSHA1(ptr)
		sib.LFS = &struct {
			SHA256      string `json:"sha256"`
			Size        int64  `json:"size"`
			PointerSize int    `json:"pointerSize"`
		}{b.sha256, n, len(ptr)}
	}
	return sib
}
