package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The kinds of start.
const (
	kindCold   = "cold"       // empty Hub cache: the model comes from the Hub too
	kindWarm   = "warm-model" // Hub cache holding the model (a preload, or a bucket)
	kindPodman = "podman"     // the Space's image, empty cache
)

// localTarget runs the binary as the Space's container does: `serve` in a
// fresh HOME, configured by the environment alone, with a data directory
// it cannot create (as under a read-only mount) and the live index in
// $HOME/work. With modelCache set, HOME's Hub cache starts as a copy of it.
func localTarget(c config, kind, modelCache string) (target, error) {
	runs := filepath.Join(c.cache, "runs")
	if err := os.MkdirAll(runs, 0o755); err != nil {
		return target{}, fmt.Errorf("create runs dir: %w", err)
	}
	root, err := os.MkdirTemp(runs, kind+"-")
	if err != nil {
		return target{}, fmt.Errorf("create run dir: %w", err)
	}
	t := target{kind: kind, server: true, modelHub: modelCache == "", cleanup: func() { os.RemoveAll(root) }}
	home, file := filepath.Join(root, "home"), filepath.Join(root, "file")
	err = os.MkdirAll(home, 0o755)
	if err == nil {
		err = os.WriteFile(file, nil, 0o644)
	}
	if err == nil && modelCache != "" {
		err = copyTree(modelCache, hubCacheDir([]string{"HOME=" + home}))
	}
	if err != nil {
		t.cleanup()
		return target{}, fmt.Errorf("prepare %s start: %w", kind, err)
	}
	t.command = func(addr string, env []string) (*process, error) {
		cmd := exec.Command(binaryPath(c.cache), "serve")
		cmd.Env = append(env, "HOME="+home, "ORF_DATA_DIR="+filepath.Join(file, "data"), "ORF_WORK_DIR="+filepath.Join(home, "work"))
		cmd.Dir = home
		return start(cmd)
	}
	return t, nil
}

// podmanConf is the podman configuration scripts/podman uses (runc, lower
// ulimits), unless CONTAINERS_CONF names another.
func podmanConf() string {
	if v := os.Getenv("CONTAINERS_CONF"); v != "" {
		return v
	}
	abs, _ := filepath.Abs(filepath.Join("scripts", "podman", "containers.conf"))
	return abs
}

func podmanCmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+podmanConf())
	return cmd
}

// podmanImage returns a description of the image to run, or why none
// will run.
func podmanImage(ctx context.Context, image string) (string, error) {
	if _, err := exec.LookPath("podman"); err != nil {
		return "", fmt.Errorf("podman is not installed")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := podmanCmd(ctx, "image", "inspect", "--format", "{{.Id}} {{.Created}}", image).Output()
	if err != nil {
		return "", fmt.Errorf("no image %s (bash scripts/podman/build.sh makes it)", image)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 {
		return "", fmt.Errorf("podman image inspect %s: %q", image, out)
	}
	return fmt.Sprintf("%s %.12s, created %s", image, f[0], f[1]), nil
}

// podmanTarget runs the Space's image with the same environment and the
// host's network (so the container reaches the fake Hub on 127.0.0.1):
// HOME, ORF_WORK_DIR and an empty Hub cache are the image's own.
func podmanTarget(c config, image string, run int) target {
	name := fmt.Sprintf("orf-startup-bench-%d-%d", os.Getpid(), run)
	t := target{kind: kindPodman, modelHub: true}
	t.cleanup = func() { podmanCmd(context.Background(), "rm", "-f", "--ignore", name).Run() }
	t.command = func(addr string, env []string) (*process, error) {
		args := []string{"run", "--rm", "--pull=never", "--network=host", "--name", name,
			// A path under a file: the data directory cannot be made.
			"-e", "ORF_DATA_DIR=/usr/local/bin/openreview-finder/data"}
		for _, kv := range env {
			if !strings.HasPrefix(kv, "PATH=") {
				args = append(args, "-e", kv)
			}
		}
		return start(podmanCmd(context.Background(), append(args, image)...))
	}
	return t
}
