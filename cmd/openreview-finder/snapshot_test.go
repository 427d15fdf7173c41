package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
)

// writeToken is the token the fake Hub takes pushes from.
const writeToken = "hf_writer_0123456789abcdef"

// hubWithModels is a fake Hub serving the tiny SPECTER2 stand-in under
// SPECTER2's repo names, and taking pushes with writeToken.
func hubWithModels(t *testing.T) *hubtest.Server {
	t.Helper()
	hub := hubtest.New(t,
		hubtest.Dir("allenai/specter2_base", filepath.Join(models, "tiny-bin")),
		hubtest.Dir("allenai/specter2", filepath.Join(models, "tiny-bin-adapter-proximity")),
		hubtest.Dir("allenai/specter2_adhoc_query", filepath.Join(models, "tiny-bin-adapter-query")),
	)
	hub.SetWriteToken(writeToken)
	return hub
}

// useHub points c at hub, online, with the write token and its own cache.
func (c *cli) useHub(hub *hubtest.Server) {
	c.env["HF_ENDPOINT"] = hub.URL()
	c.env["HF_TOKEN"] = writeToken
	c.env["HF_HUB_CACHE"] = filepath.Join(c.t.TempDir(), "hub")
	delete(c.env, "HF_HUB_OFFLINE")
}

// pushedIndex crawls and embeds a venue, and pushes the index to
// team/orf-index on hub. It returns the status table of the index.
func pushedIndex(t *testing.T, c *cli, hub *hubtest.Server) string {
	t.Helper()
	for _, k := range []string{"ORF_MODEL", "ORF_ADAPTER", "ORF_QUERY_ADAPTER"} {
		delete(c.env, k) // the defaults: SPECTER2's repos on the fake Hub
	}
	c.useHub(hub)
	c.mustRun("index", "--venue", "ICLR.cc/2024/Conference")
	out := c.mustRun("snapshot", "push", "--repo", "team/orf-index")
	if !strings.Contains(out, "pushed to "+hub.URL()+"/datasets/team/orf-index (commit ") {
		t.Fatalf("snapshot push output:\n%s", out)
	}
	_, table, _ := strings.Cut(c.mustRun("status"), "\n")
	return table
}

func TestSnapshotPushPull(t *testing.T) {
	hub := hubWithModels(t)
	c := newCLI(t)
	table := pushedIndex(t, c, hub)
	want := c.results("search", "graph neural networks", "--mode", "semantic", "-n", "5")

	// Pull into a new data directory: the same papers, vectors and results.
	c.env["ORF_DATA_DIR"] = filepath.Join(t.TempDir(), "pulled")
	out := c.mustRun("snapshot", "pull", "--repo", "team/orf-index")
	if !strings.HasPrefix(out, "pulled ") || !strings.Contains(out, " from team/orf-index (commit ") {
		t.Errorf("snapshot pull output:\n%s", out)
	}
	if _, got, _ := strings.Cut(c.mustRun("status"), "\n"); got != table {
		t.Errorf("status of the pulled index (-want +got):\n%s", cmp.Diff(table, got))
	}
	if d := cmp.Diff(want, c.results("search", "graph neural networks", "--mode", "semantic", "-n", "5")); d != "" {
		t.Errorf("semantic search on the pulled index (-want +got):\n%s", d)
	}

	// A second pull keeps the index there unless forced, and then moves it aside.
	if _, _, err := c.run("snapshot", "pull", "--repo", "team/orf-index"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("pull over an index: %v, want an error naming --force", err)
	}
	out = c.mustRun("snapshot", "pull", "--repo", "team/orf-index", "--force")
	if !strings.Contains(out, "moved the index that was there to ") {
		t.Errorf("forced pull output:\n%s", out)
	}
	entries, _ := os.ReadDir(c.env["ORF_DATA_DIR"])
	if !slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), ".old") }) {
		t.Errorf("no index moved aside in %v", entries)
	}

	// A revision pin reads that commit.
	commit := hub.Commit("datasets/team/orf-index", "main")
	c.env["ORF_DATA_DIR"] = filepath.Join(t.TempDir(), "pinned")
	if out := c.mustRun("snapshot", "pull", "--repo", "team/orf-index@"+commit); !strings.Contains(out, "(commit "+commit[:12]+")") {
		t.Errorf("pinned pull output:\n%s", out)
	}
}

func TestSnapshotErrors(t *testing.T) {
	hub := hubWithModels(t)
	c := newCLI(t)
	c.mustRun("index", "--venue", "ICLR.cc/2024/Conference")
	c.useHub(hub)

	empty := filepath.Join(t.TempDir(), "empty")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
		code int
	}{
		{"no repo", []string{"push"}, nil, "--repo is missing", 2},
		{"bad repo", []string{"push", "--repo", "a/b/c"}, nil, "is not USER/DATASET", 2},
		{"no subcommand", nil, nil, "push, pull or create", 2},
		{"no token", []string{"push", "--repo", "team/x"}, map[string]string{"HF_TOKEN": ""}, "HF_TOKEN", 1},
		{"wrong token", []string{"push", "--repo", "team/x"}, map[string]string{"HF_TOKEN": "hf_not_the_right_one"}, "team/x", 1},
		{"no index to push", []string{"push", "--repo", "team/x"}, map[string]string{"ORF_DATA_DIR": empty}, "no index at", 1},
		{"pull missing repo", []string{"pull", "--repo", "team/none"}, map[string]string{"ORF_DATA_DIR": empty}, "no index snapshot", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := c.env
			defer func() { c.env = saved }()
			c.env = maps.Clone(saved)
			for k, v := range tt.env {
				c.env[k] = v
			}
			_, _, err := c.run(append([]string{"snapshot"}, tt.args...)...)
			if err == nil {
				t.Fatal("no error")
			}
			msg := message(err)
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line mentioning %q", msg, tt.want)
			}
			if strings.Contains(msg, "hf_not_the_right_one") || strings.Contains(msg, writeToken) {
				t.Errorf("error shows the token: %q", msg)
			}
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit code %d, want %d", got, tt.code)
			}
		})
	}
	// --missing-ok turns a repository without a snapshot into a note.
	c.env["ORF_DATA_DIR"] = empty
	if out := c.mustRun("snapshot", "pull", "--repo", "team/none", "--missing-ok"); !strings.Contains(out, "no snapshot in team/none yet") {
		t.Errorf("pull --missing-ok output:\n%s", out)
	}
	if fileExists(filepath.Join(empty, "index.sqlite")) {
		t.Error("a pull that found nothing created an index")
	}
}
