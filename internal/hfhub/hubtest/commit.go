package hubtest

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"strings"
)

// failure is an error answer of a write.
type failure struct {
	status    int
	code, msg string
}

// applyCommit makes the operations of a commit payload a new commit on
// branch rev, all or none of them; s.mu must be held.
func (s *Server) applyCommit(repo *repoState, rev string, ops []commitOp) (*commit, *failure) {
	h, isBranch := repo.refs[rev]
	head := repo.commits[h]
	if !isBranch || head == nil {
		return nil, &failure{http.StatusNotFound, "RevisionNotFound", "Invalid rev id: " + rev}
	}
	hdr := ops[0].Value
	if hdr.ParentCommit != "" && hdr.ParentCommit != head.hash {
		return nil, &failure{http.StatusPreconditionFailed, "", "A commit has happened since. Please refresh and try again."}
	}
	files, lfs := maps.Clone(head.files), maps.Clone(head.lfs)
	for _, op := range ops[1:] {
		if f := applyOp(repo, files, lfs, op); f != nil {
			return nil, f
		}
	}
	c := s.addCommit(repo.kind+"/"+repo.id, rev, files, lfs, hdr.Summary)
	for _, op := range ops[1:] {
		delete(repo.pending, op.Value.Path)
	}
	return c, nil
}

// applyOp applies one line of a commit payload to files and lfs.
func applyOp(repo *repoState, files map[string]*blob, lfs map[string]bool, op commitOp) *failure {
	v := op.Value
	if err := checkPath(v.Path); err != nil {
		return &failure{http.StatusBadRequest, "", err.Error()}
	}
	switch op.Key {
	case "file":
		data, err := base64.StdEncoding.DecodeString(v.Content)
		if v.Encoding != "base64" || err != nil {
			return &failure{http.StatusBadRequest, "", fmt.Sprintf("file %q: content must be base64 with \"encoding\": \"base64\"", v.Path)}
		}
		files[v.Path] = newBlob(data)
		delete(lfs, v.Path)
	case "lfsFile":
		return applyLFSFile(repo, files, lfs, v.Path, v.Algo, v.OID, v.Size)
	case "deletedFile":
		if files[v.Path] == nil {
			return &failure{http.StatusNotFound, "EntryNotFound", fmt.Sprintf("cannot delete %q: it does not exist", v.Path)}
		}
		delete(files, v.Path)
		delete(lfs, v.Path)
	case "deletedFolder":
		n := 0
		for p := range files {
			if strings.HasPrefix(p, v.Path+"/") {
				delete(files, p)
				delete(lfs, p)
				n++
			}
		}
		if n == 0 {
			return &failure{http.StatusNotFound, "EntryNotFound", fmt.Sprintf("cannot delete folder %q: it holds no files", v.Path)}
		}
	default:
		return &failure{http.StatusBadRequest, "", fmt.Sprintf("unknown operation %q", op.Key)}
	}
	return nil
}

// applyLFSFile adds an LFS file, which must have been uploaded with the
// oid and size it names.
func applyLFSFile(repo *repoState, files map[string]*blob, lfs map[string]bool, p, algo, oid string, size int64) *failure {
	if algo != "sha256" {
		return &failure{http.StatusBadRequest, "", fmt.Sprintf("lfsFile %q: algo must be sha256", p)}
	}
	b := repo.lfs[oid]
	_, got := repo.received[oid]
	switch {
	case b != nil && int64(len(b.data)) == size:
		files[p] = b
		lfs[p] = true
		return nil
	case b == nil && got:
		return &failure{http.StatusUnprocessableEntity, "", fmt.Sprintf(
			"the LFS object uploaded for %q (%d bytes) does not hash to its oid %s (%d bytes): upload it again",
			p, len(repo.received[oid]), oid, size)}
	}
	return &failure{http.StatusUnprocessableEntity, "", fmt.Sprintf(
		"LFS object %s of %d bytes for %q was not uploaded: upload it before committing", oid, size, p)}
}
