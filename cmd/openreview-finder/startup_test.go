package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/snapshot"
)

// A server with no index starts from the Hub's snapshot: keyword and
// semantic search work without a crawl.
func TestServeStartsFromHubSnapshot(t *testing.T) {
	hub := hubWithModels(t)
	c := newCLI(t)
	pushedIndex(t, c, hub)
	c.env["ORF_DATA_DIR"] = filepath.Join(t.TempDir(), "fresh")
	c.env["ORF_INDEX_REPO"] = "team/orf-index"
	c.env["HF_HUB_CACHE"] = filepath.Join(t.TempDir(), "hub") // nothing cached
	s := c.serve()
	s.waitLine("index snapshot: pulling team/orf-index (")
	s.waitLine("index snapshot: ")
	s.waitLine("ready: ")
	if !strings.Contains(s.stdout(), "pulled and verified in ") {
		t.Errorf("no line says the snapshot was verified:\n%s", s.stdout())
	}
	var resp searchResponse
	s.getJSON(graphQuery, &resp)
	if resp.Mode != "hybrid" || resp.Notice != "" || len(resp.Results) == 0 {
		t.Errorf("search after the pull: mode %q, notice %q, %d results; want hybrid, no notice, results", resp.Mode, resp.Notice, len(resp.Results))
	}
	if strings.Contains(s.stdout(), "crawling") || strings.Contains(s.stdout(), "embedding:") {
		t.Errorf("serve crawled or embedded although the snapshot had everything:\n%s", s.stdout())
	}
	s.stop()

	// A restart finds the index on disk and asks the Hub for nothing.
	hub.ResetRequests()
	s = c.serve()
	s.waitLine("ready: ")
	for _, r := range hub.Requests() {
		if strings.Contains(r.Path, "orf-index") {
			t.Errorf("a restart with an index asked the Hub for the snapshot: %s %s", r.Method, r.Path)
		}
	}
	if strings.Contains(s.stdout(), "index snapshot") {
		t.Errorf("a restart with an index fetched a snapshot:\n%s", s.stdout())
	}
	s.stop()
}

// With a work directory, the data directory (a mounted bucket) receives
// whole snapshots after the crawl and embedding, and a new container with
// an empty work directory starts from it.
func TestServeWritesBackToBucket(t *testing.T) {
	c := newCLI(t)
	bucket := filepath.Join(t.TempDir(), "bucket")
	c.env["ORF_DATA_DIR"] = bucket
	c.env["ORF_WORK_DIR"] = filepath.Join(t.TempDir(), "work1")
	s := c.serve("--venue", "ICLR.cc/2024/Conference")
	s.waitLine("ready: ")
	s.waitLine("index written back to " + filepath.Join(bucket, "snapshot"))
	s.stop()
	m, err := snapshot.Read(filepath.Join(bucket, "snapshot"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Papers == 0 || m.Vectors != m.Papers {
		t.Errorf("bucket snapshot holds %d papers and %d vectors, want all papers embedded", m.Papers, m.Vectors)
	}
	if entries, _ := os.ReadDir(bucket); len(entries) != 1 {
		t.Errorf("the bucket holds %d entries, want only snapshot/ (no SQLite file, WAL or cache)", len(entries))
	}

	c.env["ORF_WORK_DIR"] = filepath.Join(t.TempDir(), "work2")
	s = c.serve()
	s.waitLine("index snapshot: copying " + filepath.Join(bucket, "snapshot"))
	s.waitLine("ready: ")
	var resp searchResponse
	s.getJSON(graphQuery, &resp)
	if resp.Mode != "hybrid" || len(resp.Results) == 0 {
		t.Errorf("search after the copy: mode %q, %d results; want hybrid with results", resp.Mode, len(resp.Results))
	}
	if strings.Contains(s.stdout(), "index written back") {
		t.Errorf("nothing changed, yet the index was written back:\n%s", s.stdout())
	}
	s.stop()
}

// A data directory that cannot be written is replaced by a local one, with
// a line saying so; the server never exits over it.
func TestServeUnwritableDataDir(t *testing.T) {
	c := newCLI(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	c.env["HOME"] = home
	c.env["ORF_DATA_DIR"] = filepath.Join(file, "data")
	s := c.serve("--venue", "ICLR.cc/2024/Conference")
	line := s.waitLine(filepath.Join(file, "data") + " cannot be written")
	fallback := filepath.Join(home, ".local", "share", "openreview-finder")
	if !strings.Contains(line, "keeping the index in "+fallback+" instead") {
		t.Errorf("fallback line = %q, want it to name %s", line, fallback)
	}
	s.waitLine("ready: ")
	if !fileExists(filepath.Join(fallback, "index.sqlite")) {
		t.Errorf("no index in the fallback directory %s", fallback)
	}
	s.stop()
}

// With a snapshot on the Hub and one in the bucket, the newer one is used.
func TestServePicksNewerSnapshot(t *testing.T) {
	hub := hubWithModels(t)
	c := newCLI(t)
	pushedIndex(t, c, hub)
	bucket := filepath.Join(t.TempDir(), "bucket")
	c.mustRun("snapshot", "create", filepath.Join(bucket, "snapshot"))
	remote, err := snapshot.Read(filepath.Join(bucket, "snapshot")) // same content as the Hub's
	if err != nil {
		t.Fatal(err)
	}
	c.env["ORF_DATA_DIR"] = bucket
	c.env["ORF_INDEX_REPO"] = "team/orf-index"
	for _, tt := range []struct {
		name  string
		shift time.Duration // of the bucket's snapshot against the Hub's
		want  string
	}{
		{"bucket newer", time.Hour, "index snapshot: copying "},
		{"hub newer", -time.Hour, "index snapshot: pulling team/orf-index"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := remote
			m.Created = remote.Created.Add(tt.shift)
			b, _ := json.Marshal(m)
			if err := os.WriteFile(filepath.Join(bucket, "snapshot", "manifest.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			c.env["ORF_WORK_DIR"] = t.TempDir()
			s := c.serve()
			s.waitLine(tt.want)
			s.waitLine("ready: ")
			s.stop()
		})
	}
}

func TestListenURLHost(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"0.0.0.0:7860", "0.0.0.0:7860"},
		{"[::]:7860", "0.0.0.0:7860"},
		{"127.0.0.1:7860", "127.0.0.1:7860"},
		{"[::1]:80", "[::1]:80"},
	} {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := listenURLHost(a); got != tt.want {
			t.Errorf("listenURLHost(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}

// --refresh-every crawls the venues again while serving.
func TestServeRefreshes(t *testing.T) {
	c := newCLI(t)
	s := c.serve("--venue", "ICLR.cc/2024/Conference", "--refresh-every", "50ms")
	s.waitLine("ready: ")
	s.waitLine("refreshing: crawling 1 venues")
	line := s.waitLine("refreshed: ")
	if !strings.HasSuffix(line, "(+0)") {
		t.Errorf("a refresh of an unchanged venue: %q, want +0 papers", line)
	}
	s.stop()

	if _, _, err := c.run("serve", "--refresh-every", "-1s"); err == nil || !strings.Contains(err.Error(), "--refresh-every") {
		t.Errorf("a negative --refresh-every: %v, want an error naming it", err)
	}
}
