package hfhub

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
)

// TestLayout checks the cache tree against huggingface_hub's layout:
// blobs named by etag (sha256 for LFS, git sha1 otherwise), relative
// symlinks one ../ deeper per folder, refs/main holding the commit, lock
// files under .locks.
func TestLayout(t *testing.T) {
	h := newHarness(t)
	for _, f := range []struct {
		name string
		data []byte
	}{{"config.json", configJSON}, {"model.safetensors", weights}, {"tokenizer/vocab.txt", vocab}} {
		p := mustDownload(t, h.c, modelID, "", f.name, f.data)
		commit := h.hub.Commit(modelID, "main")
		if want := filepath.Join(h.repoDir(modelID), "snapshots", commit, filepath.FromSlash(f.name)); p != want {
			t.Errorf("path %s, want %s", p, want)
		}
	}
	commit := h.hub.Commit(modelID, "main")
	sha, git1, git2 := hubtest.SHA256(weights), hubtest.GitBlobSHA1(configJSON), hubtest.GitBlobSHA1(vocab)
	want := []string{
		".locks/models--allenai--specter2_base/" + git1 + ".lock (0 bytes)",
		".locks/models--allenai--specter2_base/" + git2 + ".lock (0 bytes)",
		".locks/models--allenai--specter2_base/" + sha + ".lock (0 bytes)",
		"models--allenai--specter2_base/blobs/" + git1 + " (40 bytes)",
		"models--allenai--specter2_base/blobs/" + git2 + " (30 bytes)",
		"models--allenai--specter2_base/blobs/" + sha + " (5000 bytes)",
		"models--allenai--specter2_base/refs/main = " + commit,
		"models--allenai--specter2_base/snapshots/" + commit + "/config.json -> ../../blobs/" + git1,
		"models--allenai--specter2_base/snapshots/" + commit + "/model.safetensors -> ../../blobs/" + sha,
		"models--allenai--specter2_base/snapshots/" + commit + "/tokenizer/vocab.txt -> ../../../blobs/" + git2,
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, layout(t, h.cfg.CacheDir)); diff != "" {
		t.Errorf("cache layout (-want +got):\n%s", diff)
	}
}

// TestCacheHit: a cached file costs one HEAD and no transfer; offline it
// costs nothing.
func TestCacheHit(t *testing.T) {
	h := newHarness(t)
	first := mustDownload(t, h.c, modelID, "main", "model.safetensors", weights)
	mustDownload(t, h.c, modelID, "main", "config.json", configJSON)
	h.hub.ResetRequests()
	if p := mustDownload(t, h.c, modelID, "main", "model.safetensors", weights); p != first {
		t.Errorf("second path %s, want %s", p, first)
	}
	mustDownload(t, h.c, modelID, "main", "config.json", configJSON)
	if got := h.hub.Count("", "GET"); got != 0 {
		t.Errorf("cache hit sent %d GETs, want 0", got)
	}
	if got := h.hub.Count("hub", "HEAD"); got < 2 {
		t.Errorf("cache hit sent %d HEADs, want one per file (and its redirects)", got)
	}
	h.hub.ResetRequests()
	offline := h.with(func(c *Config) { c.Offline = true })
	mustDownload(t, offline, modelID, "main", "model.safetensors", weights)
	if n := len(h.hub.Requests()); n != 0 {
		t.Errorf("offline cache hit sent %d requests, want 0", n)
	}
}

func TestOffline(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Offline = true })
	_, err := h.c.Download(t.Context(), modelID, "", "config.json")
	noSecret(t, err)
	if !errors.Is(err, ErrOffline) {
		t.Fatalf("err = %v, want ErrOffline", err)
	}
	for _, s := range []string{"model allenai/specter2_base", `"config.json"`, h.cfg.CacheDir, "HF_HUB_OFFLINE", "model pull"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if n := len(h.hub.Requests()); n != 0 {
		t.Errorf("offline sent %d requests", n)
	}
	_, err = h.c.Snapshot(t.Context(), modelID, "", nil)
	if !errors.Is(err, ErrOffline) {
		t.Errorf("Snapshot offline: err = %v, want ErrOffline", err)
	}
	online := h.with(func(c *Config) { c.Offline = false })
	mustDownload(t, online, modelID, "", "config.json", configJSON)
	mustDownload(t, h.c, modelID, "", "config.json", configJSON)
	dir, err := h.c.Snapshot(t.Context(), modelID, "main", nil)
	if err != nil || filepath.Base(dir) != h.hub.Commit(modelID, "main") {
		t.Errorf("Snapshot offline after download = %s, %v", dir, err)
	}
}

// TestToken: the token goes to the Hub, never to the CDN; a gated
// repository without one, or with a wrong one, is ErrUnauthorized with a
// message saying what to set.
func TestToken(t *testing.T) {
	h := newHarness(t)
	mustDownload(t, h.c, gatedID, "", "model.safetensors", weights)
	var hub, cdn int
	for _, r := range h.hub.Requests() {
		switch {
		case r.Host == "hub" && r.Authorization == "Bearer "+secret:
			hub++
		case r.Host == "hub":
			t.Errorf("hub request %s %s without the token", r.Method, r.Path)
		case r.Authorization != "":
			t.Errorf("CDN request %s %s carried Authorization", r.Method, r.Path)
		default:
			cdn++
		}
	}
	if hub == 0 || cdn == 0 {
		t.Errorf("%d hub and %d CDN requests, want some of each", hub, cdn)
	}
	tests := []struct {
		name, token string
		want        []string
	}{
		{"no token", "", []string{"gated or private", "set HF_TOKEN", gatedID}},
		{"wrong token", "hf_wrongButAlsoSecret", []string{"HF_TOKEN gives no access", gatedID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.with(func(c *Config) { c.Token = tt.token; c.CacheDir = t.TempDir() })
			_, err := c.Download(t.Context(), gatedID, "", "config.json")
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestPinnedCommit(t *testing.T) {
	h := newHarness(t)
	old := h.hub.Commit(modelID, "main")
	if _, err := h.hub.SetFiles(modelID, "main", hubtest.Files{"config.json": []byte(`{"new": true}`)}); err != nil {
		t.Fatal(err)
	}
	p := mustDownload(t, h.c, modelID, old, "config.json", configJSON)
	if want := filepath.Join(h.repoDir(modelID), "snapshots", old, "config.json"); p != want {
		t.Errorf("path %s, want %s", p, want)
	}
	if _, err := os.Stat(filepath.Join(h.repoDir(modelID), "refs")); !os.IsNotExist(err) {
		t.Errorf("a pinned commit wrote refs: %v", err)
	}
	offline := h.with(func(c *Config) { c.Offline = true })
	mustDownload(t, offline, modelID, old, "config.json", configJSON)
}

// TestBranchMoved: after the branch moves, the new commit gets its own
// snapshot and refs/main follows; the old snapshot stays.
func TestBranchMoved(t *testing.T) {
	h := newHarness(t)
	oldPath := mustDownload(t, h.c, modelID, "main", "config.json", configJSON)
	old := h.hub.Commit(modelID, "main")
	newConfig := []byte(`{"model_type": "bert", "hidden_size": 16}`)
	next, err := h.hub.SetFiles(modelID, "main", hubtest.Files{"config.json": newConfig})
	if err != nil {
		t.Fatal(err)
	}
	newPath := mustDownload(t, h.c, modelID, "main", "config.json", newConfig)
	if newPath == oldPath || !strings.Contains(newPath, next) {
		t.Errorf("new path %s, want one under snapshots/%s", newPath, next)
	}
	if b, _ := os.ReadFile(oldPath); string(b) != string(configJSON) {
		t.Errorf("old snapshot lost: %q", b)
	}
	ref, _ := os.ReadFile(filepath.Join(h.repoDir(modelID), "refs", "main"))
	if string(ref) != next || next == old {
		t.Errorf("refs/main = %s, want %s (old %s)", ref, next, old)
	}
}

func TestRevisionNames(t *testing.T) {
	h := newHarness(t)
	pr, err := h.hub.SetFiles(modelID, "refs/pr/1", hubtest.Files{"config.json": vocab})
	if err != nil {
		t.Fatal(err)
	}
	mustDownload(t, h.c, modelID, "refs/pr/1", "config.json", vocab)
	ref, err := os.ReadFile(filepath.Join(h.repoDir(modelID), "refs", "refs", "pr", "1"))
	if err != nil || string(ref) != pr {
		t.Errorf("refs/refs/pr/1 = %q, %v; want %s", ref, err, pr)
	}
	for _, bad := range []struct{ rev, file string }{{"../../x", "config.json"}, {"main", "../config.json"}, {"main", "/etc/passwd"}, {"main", "a//b"}} {
		if _, err := h.c.Download(t.Context(), modelID, bad.rev, bad.file); err == nil {
			t.Errorf("Download(%q, %q) succeeded", bad.rev, bad.file)
		}
	}
}

func TestNotFound(t *testing.T) {
	h := newHarness(t)
	commit := h.hub.Commit(modelID, "main")
	_, err := h.c.Download(t.Context(), modelID, "main", "sub/missing.json")
	noSecret(t, err)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"sub/missing.json"`) {
		t.Fatalf("err = %v, want ErrNotFound naming the file", err)
	}
	marker := filepath.Join(h.repoDir(modelID), ".no_exist", commit, "sub", "missing.json")
	if fi, err := os.Stat(marker); err != nil || fi.Size() != 0 {
		t.Errorf(".no_exist marker: %v", err)
	}
	offline := h.with(func(c *Config) { c.Offline = true })
	if _, err := offline.Download(t.Context(), modelID, "main", "sub/missing.json"); !errors.Is(err, ErrNotFound) {
		t.Errorf("offline after 404: err = %v, want ErrNotFound", err)
	}
	tests := []struct{ name, repo, rev, want string }{
		{"repo", "org/nothing", "main", "set HF_TOKEN"},
		{"revision", modelID, "v9", `revision "v9" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.with(func(c *Config) { c.Token = "" })
			_, err := c.Download(t.Context(), tt.repo, tt.rev, "config.json")
			if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrNotFound saying %q", err, tt.want)
			}
		})
	}
}

func TestDatasetAndRenamed(t *testing.T) {
	h := newHarness(t)
	p := mustDownload(t, h.c, "datasets/org/index", "", "index/v1/vectors.bin", weights)
	if !strings.Contains(p, "datasets--org--index") {
		t.Errorf("path %s not in the dataset's folder", p)
	}
	// A renamed repository: the HEAD follows the Hub's relative redirect.
	mustDownload(t, h.c, "datasets/org/old-index", "", "manifest.json", configJSON)
	if _, err := h.c.Download(t.Context(), "org/index", "", "manifest.json"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the dataset as a model: err = %v, want ErrNotFound", err)
	}
}

func TestSnapshot(t *testing.T) {
	h := newHarness(t)
	dir, err := h.c.Snapshot(t.Context(), modelID, "", []string{"config.json", "tokenizer/vocab.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "tokenizer", "vocab.txt")); err != nil || string(b) != string(vocab) {
		t.Errorf("vocab in snapshot: %q, %v", b, err)
	}
	cfg := h.with(func(c *Config) { c.CacheDir = t.TempDir() })
	dir, err = cfg.Snapshot(t.Context(), modelID, "main", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	if diff := cmp.Diff([]string{"config.json", "model.safetensors", "tokenizer/vocab.txt"}, got); diff != "" {
		t.Errorf("whole snapshot (-want +got):\n%s", diff)
	}
	if _, err := h.c.Snapshot(t.Context(), modelID, "", []string{"config.json", "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("snapshot with a missing file: err = %v", err)
	}
}

func TestProgress(t *testing.T) {
	var last Progress
	h := newHarness(t, func(c *Config) { c.Progress = func(p Progress) { last = p } })
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
	want := Progress{Repo: modelID, File: "model.safetensors", Done: int64(len(weights)), Total: int64(len(weights))}
	if diff := cmp.Diff(want, last); diff != "" {
		t.Errorf("last progress (-want +got):\n%s", diff)
	}
}

// TestNoSymlinks: where symlinks cannot be made, snapshot files are
// copies, and they are found again as cache hits.
func TestNoSymlinks(t *testing.T) {
	symlink = func(string, string) error { return errors.New("symlinks not permitted") }
	t.Cleanup(func() { symlink = os.Symlink })
	h := newHarness(t)
	p := mustDownload(t, h.c, modelID, "", "tokenizer/vocab.txt", vocab)
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("snapshot file %s: %v, want a regular file", p, err)
	}
	h.hub.ResetRequests()
	mustDownload(t, h.c, modelID, "", "tokenizer/vocab.txt", vocab)
	if n := h.hub.Count("", "GET"); n != 0 {
		t.Errorf("cache hit on a copy sent %d GETs", n)
	}
}

// TestEmptyFile: a zero-byte file downloads and caches like any other.
func TestEmptyFile(t *testing.T) {
	h := newHarness(t)
	if _, err := h.hub.SetFiles(modelID, "main", hubtest.Files{"empty.txt": nil, "config.json": configJSON}); err != nil {
		t.Fatal(err)
	}
	mustDownload(t, h.c, modelID, "", "empty.txt", nil)
	mustDownload(t, h.c, modelID, "", "empty.txt", nil)
}
