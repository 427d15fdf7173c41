package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/store"
)

// File names inside a snapshot folder (and a snapshot repository).
const (
	ManifestFile = "manifest.json"
	IndexFile    = "index.sqlite"
)

// format names the manifest's kind; formatVersion changes only when a
// snapshot's layout does, not with the index schema.
const (
	format        = "openreview-finder-index"
	formatVersion = 1
)

// ErrNoSnapshot: the folder or repository holds no snapshot manifest.
var ErrNoSnapshot = errors.New("no index snapshot")

// ErrIntegrity: a file of the snapshot does not match its manifest.
var ErrIntegrity = errors.New("snapshot file does not match its manifest")

// Manifest describes a snapshot.
type Manifest struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	SchemaVersion int       `json:"schema_version"`
	Model         *Model    `json:"model,omitempty"` // nil: no vectors yet
	Papers        int       `json:"papers"`
	Vectors       int       `json:"vectors"`
	Venues        []string  `json:"venues"`
	Created       time.Time `json:"created"`
	Tool          string    `json:"tool"`
	Files         []File    `json:"files"`
}

// Model is the embedding model whose vectors the snapshot holds.
type Model struct {
	Name     string `json:"name"`
	Adapter  string `json:"adapter,omitempty"`
	Dim      int    `json:"dim"`
	Encoding string `json:"encoding"`
}

// File is one file of a snapshot, by its slash-separated path in the folder.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Size is the bytes of all the files.
func (m Manifest) Size() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// Summary is one line a person reads: "12000 papers, 12000 vectors,
// 65.2 MB, created 2026-11-20 07:00 UTC".
func (m Manifest) Summary() string {
	return fmt.Sprintf("%d papers, %d vectors, %.1f MB, created %s",
		m.Papers, m.Vectors, float64(m.Size())/1e6, m.Created.UTC().Format("2006-01-02 15:04 UTC"))
}

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// check refuses a manifest this program cannot use: another format, a newer
// layout or schema, or file entries that could point outside the folder.
func (m Manifest) check() error {
	switch {
	case m.Format != format:
		return fmt.Errorf("not an openreview-finder index manifest (format %q)", m.Format)
	case m.FormatVersion > formatVersion:
		return fmt.Errorf("snapshot layout %d is newer than this openreview-finder knows (%d); upgrade", m.FormatVersion, formatVersion)
	case m.FormatVersion < 1:
		return fmt.Errorf("snapshot layout %d is not valid", m.FormatVersion)
	case m.SchemaVersion > store.SchemaVersion():
		return fmt.Errorf("the index was written by a newer openreview-finder (schema %d; this one knows up to %d); upgrade", m.SchemaVersion, store.SchemaVersion())
	case m.SchemaVersion < 1:
		return fmt.Errorf("schema version %d is not valid", m.SchemaVersion)
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		if !validPath(f.Path) || f.Path == ManifestFile || seen[f.Path] {
			return fmt.Errorf("file entry %q is not a valid path in a snapshot", f.Path)
		}
		if f.Size < 0 || !sha256RE.MatchString(f.SHA256) {
			return fmt.Errorf("file entry %q has no valid size and SHA-256", f.Path)
		}
		seen[f.Path] = true
	}
	if !seen[IndexFile] {
		return fmt.Errorf("the manifest lists no %s", IndexFile)
	}
	return nil
}

// validPath accepts clean relative slash paths only.
func validPath(p string) bool {
	return p != "" && p == path.Clean(p) && !path.IsAbs(p) && p != "." &&
		!strings.HasPrefix(p, "../") && p != ".." && !strings.Contains(p, "\\")
}

// decode reads and checks a manifest.
func decode(b []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	if err := m.check(); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// Read returns the manifest of the snapshot in dir, checked. A folder
// without one gives ErrNoSnapshot.
func Read(dir string) (Manifest, error) {
	p := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return Manifest{}, fmt.Errorf("%w in %s", ErrNoSnapshot, dir)
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("read snapshot manifest: %w", err)
	}
	m, err := decode(b)
	if err != nil {
		return Manifest{}, fmt.Errorf("snapshot %s: %w", p, err)
	}
	return m, nil
}

// write stores m as dir/manifest.json.
func (m Manifest) write(dir string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write snapshot manifest: %w", err)
	}
	return nil
}
