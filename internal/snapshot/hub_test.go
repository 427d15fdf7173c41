package snapshot

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/hfhub"
	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
)

const token = "hf_test_write_token"

func testHub(t *testing.T) (*hubtest.Server, *hfhub.Client, hfhub.Repo) {
	t.Helper()
	srv := hubtest.New(t)
	srv.SetWriteToken(token)
	hub := hfhub.New(hfhub.Config{Endpoint: srv.URL(), CacheDir: t.TempDir(), Token: token, HTTPClient: srv.Client()})
	repo := hfhub.Repo{Type: hfhub.Dataset, ID: "team/index"}
	if err := hub.CreateRepo(t.Context(), repo, false); err != nil {
		t.Fatal(err)
	}
	return srv, hub, repo
}

func TestPushPull(t *testing.T) {
	srv, hub, repo := testHub(t)
	dir := filepath.Join(t.TempDir(), "snap")
	m, err := Create(t.Context(), testIndex(t, 25, 25), dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Push(t.Context(), hub, repo, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit != srv.Commit(repo.String(), "main") {
		t.Errorf("push made commit %s, main is at %s", res.Commit, srv.Commit(repo.String(), "main"))
	}
	if f, ok := srv.File(repo.String(), "main", IndexFile); !ok || !f.LFS {
		t.Errorf("index.sqlite on the Hub: %+v (found %v), want an LFS file", f, ok)
	}

	got, commit, err := Remote(t.Context(), hub, repo, "")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, got); d != "" || commit != res.Commit {
		t.Errorf("remote manifest (-want +got):\n%s\ncommit %s, want %s", d, commit, res.Commit)
	}
	into := t.TempDir()
	if err := Download(t.Context(), hub, repo, commit, got, into, nil); err != nil {
		t.Fatal(err)
	}
	if err := Verify(into, m); err != nil {
		t.Errorf("pulled index: %v", err)
	}
}

// A manifest that does not match the index on the Hub installs nothing.
func TestPullRejectsMismatch(t *testing.T) {
	srv, hub, repo := testHub(t)
	dir := filepath.Join(t.TempDir(), "snap")
	m, err := Create(t.Context(), testIndex(t, 10, 0), dir)
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	m.Files[0].SHA256 = "0000000000000000000000000000000000000000000000000000000000000000"
	manifest, _ := json.Marshal(m)
	if _, err := srv.SetFiles(repo.String(), "main", hubtest.Files{IndexFile: index, ManifestFile: manifest}); err != nil {
		t.Fatal(err)
	}
	remote, commit, err := Remote(t.Context(), hub, repo, "")
	if err != nil {
		t.Fatal(err)
	}
	into := t.TempDir()
	if err := Download(t.Context(), hub, repo, commit, remote, into, nil); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("Download of a mismatched snapshot = %v, want ErrIntegrity", err)
	}
	if entries, _ := os.ReadDir(into); len(entries) != 0 {
		t.Errorf("a rejected pull left %d files", len(entries))
	}
}

func TestRemoteWithoutSnapshot(t *testing.T) {
	_, hub, repo := testHub(t)
	if _, _, err := Remote(t.Context(), hub, repo, ""); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("Remote of an empty repository = %v, want ErrNoSnapshot", err)
	}
	missing := hfhub.Repo{Type: hfhub.Dataset, ID: "team/none"}
	if _, _, err := Remote(t.Context(), hub, missing, ""); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("Remote of a missing repository = %v, want ErrNoSnapshot", err)
	}
}
