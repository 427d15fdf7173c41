package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/store"
)

// Progress reports bytes copied or transferred so far out of total.
type Progress func(done, total int64)

// Create writes a snapshot of st into dir (created if missing; it must not
// hold a snapshot already): a consistent copy of the index, then the
// manifest. Counts and model come from the copy itself, so they match it
// even while st is being written.
func Create(ctx context.Context, st *store.Store, dir string) (Manifest, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("create snapshot: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err == nil {
		return Manifest{}, fmt.Errorf("create snapshot: %s already holds one", dir)
	}
	idx := filepath.Join(dir, IndexFile)
	if err := st.Backup(ctx, idx); err != nil {
		return Manifest{}, fmt.Errorf("create snapshot: %w", err)
	}
	m, err := describe(ctx, idx)
	if err == nil {
		err = m.write(dir)
	}
	if err != nil {
		os.Remove(idx)
		return Manifest{}, fmt.Errorf("create snapshot in %s: %w", dir, err)
	}
	return m, nil
}

// describe opens the copy at idx to count it, closes it (so it is whole
// again, with no WAL beside it) and hashes it.
func describe(ctx context.Context, idx string) (Manifest, error) {
	m := Manifest{Format: format, FormatVersion: formatVersion, SchemaVersion: store.SchemaVersion(),
		Created: time.Now().UTC().Truncate(time.Second), Tool: tool(), Venues: []string{}}
	c, err := store.Open(ctx, idx)
	if err != nil {
		return m, err
	}
	err = count(ctx, c, &m)
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return m, err
	}
	f, err := hashFile(idx)
	if err != nil {
		return m, err
	}
	f.Path = IndexFile
	m.Files = []File{f}
	return m, nil
}

func count(ctx context.Context, c *store.Store, m *Manifest) error {
	var err error
	if m.Papers, err = c.Count(ctx); err != nil {
		return err
	}
	if m.Vectors, err = c.VectorCount(ctx); err != nil {
		return err
	}
	venues, err := c.Venues(ctx)
	if err != nil {
		return err
	}
	for _, v := range venues {
		m.Venues = append(m.Venues, v.ID)
	}
	em, ok, err := c.EmbeddingModel(ctx)
	if ok {
		m.Model = &Model{Name: em.Name, Adapter: em.Adapter, Dim: em.Dim, Encoding: em.Encoding}
	}
	return err
}

// tool names the program that made a snapshot, with its version when the
// build recorded one.
func tool() string {
	name := "openreview-finder"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return name
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return name + " " + s.Value[:12]
		}
	}
	return name
}

func hashFile(p string) (File, error) {
	f, err := os.Open(p)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, fmt.Errorf("hash %s: %w", p, err)
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Verify checks that the files in dir match m's sizes and SHA-256.
func Verify(dir string, m Manifest) error {
	for _, want := range m.Files {
		got, err := hashFile(filepath.Join(dir, filepath.FromSlash(want.Path)))
		if err != nil {
			return fmt.Errorf("verify snapshot %s: %w", dir, err)
		}
		if got.Size != want.Size || got.SHA256 != want.SHA256 {
			return fmt.Errorf("verify snapshot %s: %s: %w", dir, want.Path, ErrIntegrity)
		}
	}
	return nil
}

// Copy copies the snapshot in from to the folder to, for storage that
// takes whole-file sequential writes only (a mounted bucket): it removes
// to's manifest first, writes each file front to back, checking the bytes
// it read against the manifest, and writes the manifest last. Until then
// the folder is no snapshot, so an interrupted copy is never used.
func Copy(ctx context.Context, from, to string, progress Progress) (Manifest, error) {
	m, err := Read(from)
	if err != nil {
		return Manifest{}, err
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("copy snapshot to %s: %w", to, err)
	}
	if err := os.Remove(filepath.Join(to, ManifestFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, fmt.Errorf("copy snapshot to %s: %w", to, err)
	}
	c := copier{ctx: ctx, progress: progress, total: m.Size()}
	for _, f := range m.Files {
		dst := filepath.Join(to, filepath.FromSlash(f.Path))
		if err := c.file(filepath.Join(from, filepath.FromSlash(f.Path)), dst, f, false); err != nil {
			return Manifest{}, fmt.Errorf("copy snapshot to %s: %w", to, err)
		}
	}
	if err := m.write(to); err != nil {
		return Manifest{}, fmt.Errorf("copy snapshot to %s: %w", to, err)
	}
	return m, nil
}

// Install puts the index of the snapshot in from (described by m) into dir
// as index.sqlite, checking every byte against m on the way: it is written
// under a temporary name, synced and renamed, so dir holds either no index
// or the whole one. It refuses to replace an index that is there.
func Install(ctx context.Context, from string, m Manifest, dir string, progress Progress) error {
	var want File
	for _, f := range m.Files {
		if f.Path == IndexFile {
			want = f
		}
	}
	dst := filepath.Join(dir, IndexFile)
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("install index into %s: an index is there already", dir)
	}
	// A WAL left by an index deleted by hand would be replayed into the
	// new file: remove it first.
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Remove(dst + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("install index into %s: %w", dir, err)
		}
	}
	tmp := dst + ".part"
	c := copier{ctx: ctx, progress: progress, total: want.Size}
	if err := c.file(filepath.Join(from, IndexFile), tmp, want, true); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("install index into %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("install index into %s: %w", dir, err)
	}
	return nil
}
