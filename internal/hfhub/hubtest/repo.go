package hubtest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Files maps paths in a repository (slash-separated) to contents.
type Files map[string][]byte

// Repo is a repository the fake Hub serves.
type Repo struct {
	// ID is "org/name" for a model, "datasets/org/name" or
	// "spaces/org/name" for the other kinds.
	ID string
	// Files is the main branch's content; Dir, when set, adds the files
	// under that directory (Files wins where both have a path).
	Files Files
	Dir   string
	// Revisions holds other branches and tags (a "main" here replaces
	// Files and Dir).
	Revisions map[string]Files
	// Token makes the repository gated: only requests with
	// "Authorization: Bearer <Token>" may read its files.
	Token string
	// OldIDs are former names, redirected to ID as the Hub does for a
	// renamed repository.
	OldIDs []string
}

// Dir is a repository whose main branch is the content of dir, such as a
// testdata/models/<name> folder.
func Dir(id, dir string) Repo { return Repo{ID: id, Dir: dir} }

// blob is one file's content with its hashes.
type blob struct {
	data    []byte
	sha256  string // the LFS oid
	gitSHA1 string // the git blob oid
}

func newBlob(data []byte) *blob {
	s := sha256.Sum256(data)
	return &blob{data: data, sha256: hex.EncodeToString(s[:]), gitSHA1: GitBlobSHA1(data)}
}

// GitBlobSHA1 is git's object id of a file: the SHA-1 of
// "blob <size>\x00" and the content. The Hub uses it as the ETag of files
// not stored in LFS.
func GitBlobSHA1(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// SHA256 is the hex SHA-256 of data: the ETag of an LFS file.
func SHA256(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// lfsPointer is the text git keeps in place of an LFS file.
func lfsPointer(b *blob) []byte {
	return fmt.Appendf(nil, "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", b.sha256, len(b.data))
}

// lfsExts are file kinds the Hub's default .gitattributes stores in LFS.
var lfsExts = []string{".7z", ".arrow", ".bin", ".bz2", ".ckpt", ".ftz", ".gz", ".h5", ".joblib", ".mlmodel",
	".model", ".msgpack", ".npy", ".npz", ".onnx", ".ot", ".parquet", ".pb", ".pickle", ".pkl", ".pt", ".pth",
	".rar", ".safetensors", ".tar", ".tflite", ".tgz", ".wasm", ".xz", ".zip", ".zst"}

// commit is one commit of a repository: its hash and its files.
type commit struct {
	hash    string
	files   map[string]*blob
	lfs     map[string]bool // paths committed as LFS files (lfsFile)
	summary string
}

func (c *commit) paths() []string {
	ps := make([]string, 0, len(c.files))
	for p := range c.files {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// repoState is a served repository.
type repoState struct {
	kind    string // "models", "datasets", "spaces"
	id      string // "org/name"
	token   string
	private bool              // created private: only a write token may read it
	refs    map[string]string // branch or tag → commit hash
	commits map[string]*commit

	// LFS storage. lfs holds the objects whose content hashes to their
	// oid; received holds what the last upload of each oid brought, sound
	// or not, which verify checks by size; pending maps paths preupload
	// sent to LFS to their sizes, to name the file of an LFS object in
	// its upload URLs.
	lfs      map[string]*blob
	received map[string][]byte
	pending  map[string]int64
}

func newRepoState(kind, id string) *repoState {
	return &repoState{kind: kind, id: id, refs: map[string]string{}, commits: map[string]*commit{},
		lfs: map[string]*blob{}, received: map[string][]byte{}, pending: map[string]int64{}}
}

// prefix is what precedes the id in the repository's URLs.
func (r *repoState) prefix() string {
	if r.kind == "models" {
		return ""
	}
	return r.kind + "/"
}

// splitID reads "datasets/org/name" as ("datasets", "org/name").
func splitID(id string) (kind, name string) {
	for _, k := range []string{"datasets", "spaces", "models"} {
		if rest, ok := strings.CutPrefix(id, k+"/"); ok {
			return k, rest
		}
	}
	return "models", id
}

// readDir reads every file under dir, skipping .git.
func readDir(dir string) (Files, error) {
	files := Files{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read repo dir %s: %w", dir, err)
	}
	return files, nil
}

// checkPath refuses paths a real repository cannot hold.
func checkPath(p string) error {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p || strings.HasPrefix(p, "../") || p == ".." {
		return fmt.Errorf("bad repo path %q", p)
	}
	return nil
}
