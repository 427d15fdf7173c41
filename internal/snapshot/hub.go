package snapshot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/openreview-finder/openreview-finder/internal/hfhub"
)

// Push uploads the snapshot in dir to repo at revision ("" is main) in one
// commit, so readers see the old snapshot or the new one, never a mix.
// The repository must exist (hfhub.Client.CreateRepo).
func Push(ctx context.Context, hub *hfhub.Client, repo hfhub.Repo, revision, dir string) (hfhub.CommitResult, error) {
	m, err := Read(dir)
	if err != nil {
		return hfhub.CommitResult{}, err
	}
	if err := Verify(dir, m); err != nil {
		return hfhub.CommitResult{}, err
	}
	files := make([]hfhub.CommitFile, 0, len(m.Files)+1)
	for _, f := range m.Files {
		files = append(files, hfhub.CommitFile{Path: f.Path, Source: filepath.Join(dir, filepath.FromSlash(f.Path))})
	}
	manifest, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return hfhub.CommitResult{}, fmt.Errorf("push snapshot: %w", err)
	}
	files = append(files, hfhub.CommitFile{Path: ManifestFile, Data: manifest})
	summary := fmt.Sprintf("Index snapshot: %d papers, %d vectors (schema %d)", m.Papers, m.Vectors, m.SchemaVersion)
	res, err := hub.Upload(ctx, repo, revision, files, nil, summary)
	if err != nil {
		return res, fmt.Errorf("push snapshot to %s: %w", repo, err)
	}
	return res, nil
}

// Remote fetches and checks the manifest of the snapshot in repo at
// revision, and returns it with the commit it came from. A repository that
// does not exist or holds no manifest gives ErrNoSnapshot.
func Remote(ctx context.Context, hub *hfhub.Client, repo hfhub.Repo, revision string) (Manifest, string, error) {
	folder, err := hub.Snapshot(ctx, repo.String(), revision, []string{ManifestFile})
	if errors.Is(err, hfhub.ErrNotFound) {
		return Manifest{}, "", fmt.Errorf("%w in %s: %w", ErrNoSnapshot, repo, err)
	}
	if err != nil {
		return Manifest{}, "", fmt.Errorf("fetch the snapshot manifest of %s: %w", repo, err)
	}
	m, err := Read(folder)
	if err != nil {
		return Manifest{}, "", fmt.Errorf("snapshot in %s: %w", repo, err)
	}
	return m, filepath.Base(folder), nil
}

// Download fetches the files of m from repo at commit (through the Hub
// cache) and installs the index into dir, verified (see Install). progress
// reports the install's copy; the Hub client reports the transfer.
func Download(ctx context.Context, hub *hfhub.Client, repo hfhub.Repo, commit string, m Manifest, dir string, progress Progress) error {
	paths := make([]string, len(m.Files))
	for i, f := range m.Files {
		paths[i] = f.Path
	}
	folder, err := hub.Snapshot(ctx, repo.String(), commit, paths)
	if err != nil {
		return fmt.Errorf("download the snapshot of %s: %w", repo, err)
	}
	if err := Install(ctx, folder, m, dir, progress); err != nil {
		return fmt.Errorf("snapshot of %s: %w", repo, err)
	}
	return nil
}
