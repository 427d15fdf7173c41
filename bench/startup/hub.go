package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openreview-finder/openreview-finder/internal/hfhub"
	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
	"github.com/openreview-finder/openreview-finder/internal/snapshot"
)

// withHub runs fn with the fake Hub serving SPECTER2's three repositories
// (the generated model, laid out as the real ones) and the snapshot's
// dataset repository. hubtest.New wants a testing.TB: the *testing.B that
// testing.Benchmark hands a program is one, and its cleanups stop the
// servers when fn returns. The Hub runs in this process, on the same
// cores as the binary, as a local stand-in for huggingface.co and its CDN.
func withHub(c config, fn func(*hubtest.Server) error) error {
	m := modelsIn(c.cache)
	snap := snapshotDir(c.cache, c.papers)
	files := hubtest.Files{}
	for _, name := range []string{snapshot.IndexFile, snapshot.ManifestFile} {
		data, err := os.ReadFile(filepath.Join(snap, name))
		if err != nil {
			return fmt.Errorf("read snapshot: %w", err)
		}
		files[name] = data
	}
	for _, d := range []string{m.base, m.paper, m.query} {
		if _, err := os.Stat(d); err != nil {
			return fmt.Errorf("model repository folder: %w", err)
		}
	}
	err := errors.New("the fake Hub did not start (hubtest.New failed)")
	ran := false
	testing.Benchmark(func(b *testing.B) {
		if ran {
			return // testing.Benchmark calls again after a short run
		}
		ran = true
		hub := hubtest.New(b,
			hubtest.Dir(baseRepo, m.base),
			hubtest.Dir(paperRepo, m.paper),
			hubtest.Dir(queryRepo, m.query),
			hubtest.Repo{ID: indexRepoPath, Files: files},
		)
		err = fn(hub)
	})
	return err
}

// hubBytes is what the Hub and its CDN sent since the last reset.
func hubBytes(hub *hubtest.Server) int64 {
	var n int64
	for _, r := range hub.Requests() {
		n += r.Bytes
	}
	return n
}

// modelCache fills a Hugging Face cache with the three model repositories
// the way a preload does, with the binary's own `model pull`, and returns
// the cache folder. Warm-model starts get a copy of it.
func modelCache(ctx context.Context, bin, root string, hub *hubtest.Server) (string, error) {
	home := filepath.Join(root, "model-cache")
	if err := os.RemoveAll(home); err != nil {
		return "", fmt.Errorf("remove old model cache: %w", err)
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		return "", fmt.Errorf("create model cache: %w", err)
	}
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "HF_ENDPOINT=" + hub.URL()}
	cmd := exec.CommandContext(ctx, bin, "model", "pull")
	cmd.Env, cmd.Dir = env, home
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("openreview-finder model pull: %w\n%s", err, out)
	}
	return hubCacheDir(env), nil
}

// hubCacheDir is where the binary keeps its Hub cache given env.
func hubCacheDir(env []string) string {
	return hfhub.DefaultCacheDir(func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	})
}

// copyTree copies the folder from to to, keeping symbolic links as links
// (the Hub cache's snapshots link to its blobs).
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		case d.Type().IsRegular():
			return copyFile(p, dst)
		}
		return fmt.Errorf("copy %s: not a file, folder or link", p)
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return out.Close()
}
