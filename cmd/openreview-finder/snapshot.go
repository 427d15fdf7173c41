package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/hfhub"
	"github.com/openreview-finder/openreview-finder/internal/snapshot"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// runSnapshot publishes the index to a Hub dataset repository, or fetches
// it back: how a Space starts serving in seconds instead of crawling and
// embedding for an hour.
func runSnapshot(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "push":
		return snapshotPush(ctx, args, env, stdout, stderr)
	case "pull":
		return snapshotPull(ctx, args, env, stdout, stderr)
	case "create":
		return snapshotCreate(ctx, args, env, stdout, stderr)
	case "-h", "-help", "--help", "help":
		snapshotUsage(stdout)
		return nil
	}
	snapshotUsage(stderr)
	if sub == "" {
		return usageError("snapshot needs push, pull or create")
	}
	return usageError(fmt.Sprintf("unknown snapshot command %q: push, pull or create", sub))
}

func snapshotUsage(w io.Writer) {
	fmt.Fprintln(w, `Usage:
  openreview-finder snapshot push --repo USER/DATASET [--private]   upload a consistent copy of the index to a Hub dataset repo
  openreview-finder snapshot pull --repo USER/DATASET[@REV] [--force] [--missing-ok]   download, verify and install it
  openreview-finder snapshot create DIR                             write a snapshot folder (index.sqlite + manifest.json)
--repo defaults to ORF_INDEX_REPO; HF_TOKEN (write access for push) comes from the environment.`)
}

// snapshotFlags are what push and pull share.
type snapshotFlags struct {
	cfg  config
	repo string
	hub  hubFlags
}

func (f *snapshotFlags) register(fs *flagSet) {
	f.cfg.dataFlags(fs)
	fs.stringVar(&f.repo, "repo", "ORF_INDEX_REPO", "", "Hub dataset repository of the snapshot: USER/DATASET, optionally @REVISION (a branch, tag or commit)")
}

// target reads --repo.
func (f *snapshotFlags) target() (hfhub.Repo, string, error) {
	if f.repo == "" {
		return hfhub.Repo{}, "", usageError("--repo is missing: name a Hub dataset repository, e.g. --repo you/openreview-index (or set ORF_INDEX_REPO)")
	}
	return parseIndexRepo(f.repo)
}

// parseIndexRepo reads "user/dataset[@revision]" (a "datasets/" prefix is
// allowed): snapshots live in dataset repositories.
func parseIndexRepo(s string) (hfhub.Repo, string, error) {
	id, rev, _ := strings.Cut(strings.TrimSpace(s), "@")
	id = strings.TrimPrefix(id, "datasets/")
	repo, err := hfhub.ParseRepo("datasets/" + id)
	if err != nil || strings.Count(id, "/") != 1 {
		return hfhub.Repo{}, "", usageError(fmt.Sprintf("index repository %q is not USER/DATASET[@REVISION]", s))
	}
	return repo, rev, nil
}

func snapshotPush(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var f snapshotFlags
	var private bool
	fs := newFlagSet("snapshot push", env.getenv, stderr)
	f.register(fs)
	fs.BoolVar(&private, "private", false, "create the dataset repository private (when it does not exist yet)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	repo, rev, err := f.target()
	if err != nil {
		return err
	}
	if !fileExists(f.cfg.indexPath()) {
		return fmt.Errorf("no index at %s to push: run \"openreview-finder index\" first", f.cfg.indexPath())
	}
	st, err := store.Open(ctx, f.cfg.indexPath())
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(f.cfg.DataDir, ".snapshot-push-")
	if err != nil {
		st.Close()
		return fmt.Errorf("push snapshot: %w", err)
	}
	defer os.RemoveAll(tmp)
	m, err := snapshot.Create(ctx, st, tmp)
	st.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "snapshot: %s\n", m.Summary())
	hub, err := f.hub.client(env, stderr)
	if err != nil {
		return err
	}
	if err := hub.CreateRepo(ctx, repo, private); err != nil {
		return fmt.Errorf("create %s: %w", repo, err)
	}
	res, err := snapshot.Push(ctx, hub, repo, rev, tmp)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pushed to %s (commit %s)\n", repoURL(env, repo), short(res.Commit))
	return nil
}

func snapshotPull(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var f snapshotFlags
	var force, missingOK bool
	fs := newFlagSet("snapshot pull", env.getenv, stderr)
	f.register(fs)
	fs.BoolVar(&force, "force", false, "pull even though an index is there: it is moved aside to index.sqlite.TIME.old first")
	fs.BoolVar(&missingOK, "missing-ok", false, "a repository without a snapshot is not an error (the first run of a refresh job)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	repo, rev, err := f.target()
	if err != nil {
		return err
	}
	if err := checkDataDir(f.cfg.DataDir); err != nil {
		return err
	}
	if fileExists(f.cfg.indexPath()) && !force {
		return fmt.Errorf("an index is at %s already: pass --force to move it aside and pull, or pick another --data-dir", f.cfg.indexPath())
	}
	hub, err := f.hub.client(env, stderr)
	if err != nil {
		return err
	}
	m, commit, err := snapshot.Remote(ctx, hub, repo, rev)
	if errors.Is(err, snapshot.ErrNoSnapshot) && missingOK {
		fmt.Fprintf(stdout, "no snapshot in %s yet: nothing pulled\n", repo.ID)
		return nil
	}
	if err != nil {
		return err
	}
	if force && fileExists(f.cfg.indexPath()) {
		if err := moveAside(ctx, f.cfg.indexPath(), stdout); err != nil {
			return err
		}
	}
	if err := snapshot.Download(ctx, hub, repo, commit, m, f.cfg.DataDir, nil); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pulled %s from %s (commit %s) into %s\n", m.Summary(), repo.ID, short(commit), f.cfg.indexPath())
	return nil
}

// moveAside renames an index out of the way, with its WAL folded in first
// so that nothing committed stays behind in a -wal file.
func moveAside(ctx context.Context, path string, stdout io.Writer) error {
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	old := fmt.Sprintf("%s.%s.old", path, time.Now().UTC().Format("20060102-150405"))
	if err := os.Rename(path, old); err != nil {
		return fmt.Errorf("move the index aside: %w", err)
	}
	fmt.Fprintf(stdout, "moved the index that was there to %s\n", old)
	return nil
}

func snapshotCreate(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("snapshot create", env.getenv, stderr)
	cfg.dataFlags(fs)
	pos, err := fs.parse(args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		return usageError("snapshot create needs one folder to write, e.g. snapshot create ./snap")
	}
	if !fileExists(cfg.indexPath()) {
		return fmt.Errorf("no index at %s: run \"openreview-finder index\" first", cfg.indexPath())
	}
	st, err := store.Open(ctx, cfg.indexPath())
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := snapshot.Create(ctx, st, pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a snapshot of %s to %s\n", m.Summary(), filepath.Clean(pos[0]))
	return nil
}

// parseNoArgs parses flags and refuses positional arguments.
func parseNoArgs(fs *flagSet, args []string) error {
	pos, err := fs.parse(args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) > 0 {
		return usageError(fmt.Sprintf("unexpected argument %q", pos[0]))
	}
	return nil
}

// repoURL is the page of a dataset repository on the Hub in use.
func repoURL(env environ, repo hfhub.Repo) string {
	endpoint := strings.TrimRight(hfhub.ConfigFromEnv(env.getenv).Endpoint, "/")
	if endpoint == "" {
		endpoint = hfhub.DefaultEndpoint
	}
	return endpoint + "/datasets/" + repo.ID
}

func short(commit string) string { return commit[:min(len(commit), 12)] }
