package hfhub

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
)

// secret is the token every test client sends; no error or log line may
// contain it.
const secret = "hf_SeCrEtT0kenThatMustNeverLeak"

const (
	modelID = "allenai/specter2_base"
	gatedID = "org/gated-model"
)

var (
	configJSON = []byte(`{"model_type": "bert", "hidden_size": 8}`)
	vocab      = []byte("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n")
	// weights is served from LFS (by its extension) through the CDN.
	weights = func() []byte {
		b := make([]byte, 5000)
		for i := range b {
			b[i] = byte(i*7 + i/256)
		}
		return b
	}()
)

func testRepos() []hubtest.Repo {
	files := hubtest.Files{"config.json": configJSON, "model.safetensors": weights, "tokenizer/vocab.txt": vocab}
	return []hubtest.Repo{
		{ID: modelID, Files: files},
		{ID: gatedID, Files: files, Token: secret},
		{ID: "datasets/org/index", Files: hubtest.Files{"index/v1/vectors.bin": weights, "manifest.json": configJSON},
			OldIDs: []string{"datasets/org/old-index"}},
	}
}

// harness is a client on a fake Hub, with its log and retry waits.
type harness struct {
	hub    *hubtest.Server
	c      *Client
	cfg    Config
	logs   *syncBuffer
	mu     sync.Mutex
	sleeps []time.Duration
}

func newHarness(t *testing.T, edit ...func(*Config)) *harness {
	t.Helper()
	h := &harness{hub: hubtest.New(t, testRepos()...), logs: &syncBuffer{}}
	h.cfg = Config{
		Endpoint: h.hub.URL() + "/",
		CacheDir: t.TempDir(),
		Token:    secret,
		Logger:   slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.sleeps = append(h.sleeps, d)
			return ctx.Err()
		},
	}
	for _, e := range edit {
		e(&h.cfg)
	}
	h.c = New(h.cfg)
	t.Cleanup(func() {
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("the token appears in the log:\n%s", h.logs.String())
		}
	})
	return h
}

// with returns a client on the same Hub and cache with cfg edited.
func (h *harness) with(edit func(*Config)) *Client {
	cfg := h.cfg
	edit(&cfg)
	return New(cfg)
}

func (h *harness) repoDir(repo string) string {
	r, _ := ParseRepo(repo)
	return filepath.Join(h.cfg.CacheDir, r.CacheFolder())
}

// noSecret fails if err's text carries the token.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("the token appears in an error: %v", err)
	}
}

// mustDownload downloads and checks the content.
func mustDownload(t *testing.T, c *Client, repo, rev, file string, want []byte) string {
	t.Helper()
	p, err := c.Download(t.Context(), repo, rev, file)
	if err != nil {
		t.Fatalf("Download(%s, %s, %s): %v", repo, rev, file, err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Download(%s, %s) content differs: %d bytes, want %d", repo, file, len(got), len(want))
	}
	return p
}

// layout lists a cache tree: files with their content for small text
// files or their size, symlinks with their targets.
func layout(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			dest, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out = append(out, rel+" -> "+dest)
		case strings.Contains(rel, "/refs/"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, rel+" = "+string(b))
		default:
			fi, err := d.Info()
			if err != nil {
				return err
			}
			out = append(out, rel+" ("+strconv.FormatInt(fi.Size(), 10)+" bytes)")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cdnGets are the GETs the CDN answered, with their Range headers.
func cdnGets(s *hubtest.Server) []hubtest.Request {
	var out []hubtest.Request
	for _, r := range s.Requests() {
		if r.Host == "cdn" && r.Method == "GET" {
			out = append(out, r)
		}
	}
	return out
}
