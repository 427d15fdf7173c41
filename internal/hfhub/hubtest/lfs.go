package hubtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// lfsType is the media type of the LFS batch API.
const lfsType = "application/vnd.git-lfs+json"

// lfsUpload is an object the LFS batch offered to receive.
type lfsUpload struct {
	id    string
	repo  *repoState
	oid   string
	size  int64
	path  string // the file preupload announced it for, or ""
	chunk int64  // part size of a multipart upload; 0 for a single PUT
	parts map[int][]byte
	etags map[int]string
}

func (u *lfsUpload) numParts() int {
	if u.chunk == 0 {
		return 0
	}
	return int((u.size + u.chunk - 1) / u.chunk)
}

// sign is the signature of one pre-signed URL of an upload ("0" for a
// single PUT, the part number, or "complete").
func (s *Server) sign(id, what string) string {
	m := hmac.New(sha256.New, s.signKey)
	fmt.Fprintf(m, "%s\x00%s", id, what)
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// lfsObject is an object in a batch request or answer.
type lfsObject struct {
	OID     string                `json:"oid"`
	Size    int64                 `json:"size"`
	Actions map[string]*lfsAction `json:"actions,omitempty"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

type lfsAction struct {
	Href      string            `json:"href"`
	Header    map[string]string `json:"header,omitempty"`
	ExpiresIn int               `json:"expires_in,omitempty"`
}

// serveBatch answers POST {prefix}{repo}.git/info/lfs/objects/batch for
// uploads: nothing to do for objects the repository stores, else a
// pre-signed PUT on the CDN (or parts and a completion URL, see
// SetMultipartChunk) and a verify action.
func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request, repo *repoState) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Accept")); mt != lfsType {
		hubError(w, http.StatusNotAcceptable, "", "Accept must be "+lfsType)
		return
	}
	var req struct {
		Operation string      `json:"operation"`
		Transfers []string    `json:"transfers"`
		Objects   []lfsObject `json:"objects"`
		HashAlgo  string      `json:"hash_algo"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	switch {
	case req.Operation != "upload":
		hubError(w, http.StatusBadRequest, "", "hubtest's LFS batch only uploads; download through resolve")
		return
	case req.HashAlgo != "" && req.HashAlgo != "sha256":
		hubError(w, http.StatusConflict, "", "unsupported hash algorithm "+req.HashAlgo)
		return
	}
	s.mu.Lock()
	var paths []string
	for _, o := range req.Objects {
		paths = append(paths, repo.pathFor(o.Size))
	}
	s.mu.Unlock()
	if s.bodyFault(w, r, paths...) {
		return
	}
	multipart := slices.Contains(req.Transfers, "multipart")
	out := struct {
		Transfer string      `json:"transfer"`
		Objects  []lfsObject `json:"objects"`
	}{Transfer: "basic", Objects: []lfsObject{}}
	for i, o := range req.Objects {
		out.Objects = append(out.Objects, s.offer(repo, o, paths[i], multipart))
	}
	writeJSON(w, lfsType, out)
}

// pathFor is the one file preupload announced for LFS with size, or "".
func (r *repoState) pathFor(size int64) string {
	found := ""
	for p, n := range r.pending {
		if n == size {
			if found != "" {
				return ""
			}
			found = p
		}
	}
	return found
}

// offer is the batch answer for one object.
func (s *Server) offer(repo *repoState, o lfsObject, file string, multipart bool) lfsObject {
	ans := lfsObject{OID: o.OID, Size: o.Size}
	if len(o.OID) != 64 || !isHex(o.OID) || o.Size < 0 {
		ans.Error = &struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}{422, "invalid object: oid must be a sha256, size not negative"}
		return ans
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := repo.lfs[o.OID]; b != nil && int64(len(b.data)) == o.Size {
		return ans // stored already: no actions
	}
	s.uploadSeq++
	u := &lfsUpload{id: strconv.Itoa(s.uploadSeq), repo: repo, oid: o.OID, size: o.Size, path: file,
		parts: map[int][]byte{}, etags: map[int]string{}}
	if multipart && s.chunk > 0 && o.Size > s.chunk {
		u.chunk = s.chunk
	}
	s.uploads[u.id] = u
	verify := s.hub.URL + "/" + repo.prefix() + repo.id + ".git/info/lfs/objects/verify"
	ans.Actions = map[string]*lfsAction{"verify": {Href: verify}}
	if u.chunk == 0 {
		ans.Actions["upload"] = &lfsAction{Href: s.putURL(u, 0), ExpiresIn: 86400}
		return ans
	}
	hdr := map[string]string{"chunk_size": strconv.FormatInt(u.chunk, 10)}
	for n := 1; n <= u.numParts(); n++ {
		hdr[strconv.Itoa(n)] = s.putURL(u, n)
	}
	q := url.Values{"uploadId": {u.id}, "signature": {s.sign(u.id, "complete")}}
	ans.Actions["upload"] = &lfsAction{Href: s.hub.URL + "/api/complete_multipart?" + q.Encode(), Header: hdr, ExpiresIn: 86400}
	return ans
}

// putURL is the pre-signed CDN URL of an object (part 0) or of a part.
func (s *Server) putURL(u *lfsUpload, part int) string {
	p := "/lfs/" + u.oid
	if part > 0 {
		p += "/" + strconv.Itoa(part)
	}
	q := url.Values{"uploadId": {u.id}, "X-Amz-Expires": {"86400"}, "X-Amz-Signature": {s.sign(u.id, strconv.Itoa(part))}}
	if u.path != "" {
		q.Set("path", u.path)
	}
	return s.cdn.URL + p + "?" + q.Encode()
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// s3Error answers as S3 does, in XML, after reading what the client
// sends.
func s3Error(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	io.Copy(io.Discard, io.LimitReader(r.Body, 1<<30))
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>", code, msg)
}

// servePut receives an object (part 0) or one part on its pre-signed URL:
// no token (S3 refuses a second means of authentication), a valid
// signature. It answers the ETag S3 would: the MD5 of the bytes.
func (s *Server) servePut(w http.ResponseWriter, r *http.Request, oid string, part int) {
	q := r.URL.Query()
	s.mu.Lock()
	u := s.uploads[q.Get("uploadId")]
	s.mu.Unlock()
	switch {
	case r.Header.Get("Authorization") != "":
		s3Error(w, r, http.StatusBadRequest, "InvalidArgument", "Only one auth mechanism allowed")
		return
	case u == nil || u.oid != oid || !hmac.Equal([]byte(q.Get("X-Amz-Signature")), []byte(s.sign(u.id, strconv.Itoa(part)))):
		s3Error(w, r, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	case (part == 0) != (u.chunk == 0) || part > u.numParts():
		s3Error(w, r, http.StatusBadRequest, "InvalidPart", "no such part")
		return
	}
	data, ok := s.receive(w, r, u.path)
	if !ok {
		return
	}
	sum := md5.Sum(data)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	s.mu.Lock()
	if part == 0 {
		s.store(u, data)
	} else {
		u.parts[part], u.etags[part] = data, etag
	}
	s.mu.Unlock()
	w.Header().Set("ETag", etag)
	w.WriteHeader(http.StatusOK)
}

// receive reads an upload's body, applying the faults scripted for file:
// a connection dropped part-way, a byte flipped. It answers the error
// itself when it reports false.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, file string) ([]byte, bool) {
	f := s.takeFault(s.matchOf("cdn", r, file), FaultTruncate, FaultCorrupt)
	if f != nil && f.Kind == FaultTruncate {
		at := f.At
		if at <= 0 {
			at = r.ContentLength / 2
		}
		io.CopyN(io.Discard, r.Body, at)
		panic(http.ErrAbortHandler) // drop the connection mid-upload
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s3Error(w, r, http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
		return nil, false
	}
	if f != nil && f.Kind == FaultCorrupt && f.At >= 0 && f.At < int64(len(data)) {
		data[f.At] ^= 0xff
	}
	return data, true
}

// store keeps what arrived for an object; it joins the repository's LFS
// storage when it is sound. s.mu must be held.
func (s *Server) store(u *lfsUpload, data []byte) {
	u.repo.received[u.oid] = data
	if int64(len(data)) == u.size && SHA256(data) == u.oid {
		b := newBlob(data)
		u.repo.lfs[u.oid] = b
		s.blobs[u.oid] = b
	}
}

// serveComplete answers the completion of a multipart upload (POST
// /api/complete_multipart?uploadId=…&signature=…, no token): every part,
// in order, with the ETag its PUT answered.
func (s *Server) serveComplete(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	u := s.uploads[q.Get("uploadId")]
	s.mu.Unlock()
	if u == nil || !hmac.Equal([]byte(q.Get("signature")), []byte(s.sign(u.id, "complete"))) {
		hubError(w, http.StatusForbidden, "", "invalid or expired upload URL")
		return
	}
	var req struct {
		OID   string `json:"oid"`
		Parts []struct {
			PartNumber int    `json:"partNumber"`
			ETag       string `json:"etag"`
		} `json:"parts"`
	}
	if !decodeBody(w, r, &req) || s.bodyFault(w, r, u.path) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.OID != u.oid || len(req.Parts) != u.numParts() {
		hubError(w, http.StatusBadRequest, "", fmt.Sprintf("completion of %s: want oid %s and %d parts", u.oid, u.oid, u.numParts()))
		return
	}
	var all bytes.Buffer
	for i, p := range req.Parts {
		if p.PartNumber != i+1 || u.etags[p.PartNumber] == "" || p.ETag != u.etags[p.PartNumber] {
			hubError(w, http.StatusBadRequest, "", fmt.Sprintf("InvalidPart: part %d is missing or its ETag %q does not match", i+1, p.ETag))
			return
		}
		all.Write(u.parts[p.PartNumber])
	}
	s.store(u, all.Bytes())
	writeJSON(w, "application/json", map[string]any{"oid": u.oid, "size": all.Len()})
}

// serveVerify answers POST {prefix}{repo}.git/info/lfs/objects/verify:
// 404 unless an upload of the oid brought that many bytes. Like the
// Hub's, it checks the size only; the content is checked by the commit.
func (s *Server) serveVerify(w http.ResponseWriter, r *http.Request, repo *repoState) {
	var req struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	path := ""
	for _, u := range s.uploads {
		if u.repo == repo && u.oid == req.OID {
			path = u.path
		}
	}
	data, ok := repo.received[req.OID]
	s.mu.Unlock()
	if s.bodyFault(w, r, path) {
		return
	}
	if !ok || int64(len(data)) != req.Size {
		hubError(w, http.StatusNotFound, "", fmt.Sprintf("object %s of %d bytes not found", req.OID, req.Size))
		return
	}
	w.Header().Set("Content-Type", lfsType)
	json.NewEncoder(w).Encode(map[string]string{"message": "ok"})
}
