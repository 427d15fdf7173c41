package hfhub

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
)

var (
	indexRepo = Repo{Type: Dataset, ID: "org/index"}
	newRepo   = Repo{Type: Dataset, ID: "org/new-index"}
	// small is a regular file; vectors (3 MB with NUL bytes) goes to LFS
	// in one PUT; big (9 MiB and a bit) in three parts of 4 MiB.
	small   = []byte(`{"format":"openreview-finder-index","format_version":1}`)
	vectors = binaryData(3_000_000, 1)
	big     = binaryData(9<<20+123, 2)
)

const partSize = 4 << 20

// binaryData is n bytes of a pattern with NUL bytes, as vectors have.
func binaryData(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		if i%7 != 0 {
			b[i] = byte(i*31+i/4096) ^ seed
		}
	}
	return b
}

// newUploadHarness is a harness whose Hub takes writes with the client's
// token and uploads objects over 4 MiB in parts.
func newUploadHarness(t *testing.T, edit ...func(*Config)) *harness {
	t.Helper()
	h := newHarness(t, edit...)
	h.hub.SetWriteToken(secret)
	h.hub.SetMultipartChunk(partSize)
	t.Cleanup(func() {
		if strings.Contains(h.logs.String(), "Signature") {
			t.Errorf("a pre-signed URL appears in the log:\n%s", h.logs.String())
		}
	})
	return h
}

// writeFile writes data to a file under dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// hit is a request as the tests compare them.
type hit struct {
	Host, Route, Method string
	Status              int
}

// hits lists the requests for routes (all when none are named).
func hits(s *hubtest.Server, routes ...string) []hit {
	var out []hit
	for _, r := range s.Requests() {
		if len(routes) == 0 || strings.Contains(" "+strings.Join(routes, " ")+" ", " "+r.Route+" ") {
			out = append(out, hit{r.Host, r.Route, r.Method, r.Status})
		}
	}
	return out
}

// noLeak fails if err's text carries the token or a pre-signed URL's
// signature.
func noLeak(t *testing.T, err error) {
	t.Helper()
	noSecret(t, err)
	if err != nil && strings.Contains(err.Error(), "Signature") {
		t.Errorf("a pre-signed URL appears in an error: %v", err)
	}
}

// TestUploadRoundTrip creates a repository, uploads a regular file, a
// single-PUT LFS file and a multipart one, and downloads them back.
func TestUploadRoundTrip(t *testing.T) {
	var mu sync.Mutex
	last := map[string]Progress{}
	h := newUploadHarness(t, func(c *Config) {
		c.Progress = func(p Progress) { mu.Lock(); last[p.File] = p; mu.Unlock() }
	})
	dir := t.TempDir()
	files := []CommitFile{
		{Path: "manifest.json", Data: small},
		{Path: "index/vectors.f16", Source: writeFile(t, dir, "vectors.f16", vectors)},
		{Path: "index/big.sqlite", Source: writeFile(t, dir, "big.sqlite", big)},
	}
	if err := h.c.CreateRepo(t.Context(), newRepo, false); err != nil {
		t.Fatal(err)
	}
	res, err := h.c.Upload(t.Context(), newRepo, "", files, nil, "index v1")
	if err != nil {
		t.Fatal(err)
	}
	if want := h.hub.Commit(newRepo.String(), "main"); res.Commit != want || !strings.HasSuffix(res.URL, "/commit/"+want) {
		t.Errorf("Upload = %+v, want commit %s", res, want)
	}
	want := []hit{
		{"hub", "create", "POST", 200},
		{"hub", "preupload", "POST", 200},
		{"hub", "lfs-batch", "POST", 200},
		{"cdn", "lfs-upload", "PUT", 200},
		{"hub", "lfs-verify", "POST", 200},
		{"cdn", "lfs-part", "PUT", 200},
		{"cdn", "lfs-part", "PUT", 200},
		{"cdn", "lfs-part", "PUT", 200},
		{"hub", "lfs-complete", "POST", 200},
		{"hub", "lfs-verify", "POST", 200},
		{"hub", "commit", "POST", 200},
	}
	if diff := cmp.Diff(want, hits(h.hub)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if got, want := checkTokens(t, h.hub), int64(len(vectors)+len(big)); got != want {
		t.Errorf("the CDN received %d bytes, want %d", got, want)
	}
	for _, f := range []struct {
		path string
		data []byte
		lfs  bool
	}{{"manifest.json", small, false}, {"index/vectors.f16", vectors, true}, {"index/big.sqlite", big, true}} {
		mustDownload(t, h.c, newRepo.String(), "", f.path, f.data)
		if fi, _ := h.hub.File(newRepo.String(), "main", f.path); fi.LFS != f.lfs {
			t.Errorf("%s: served as LFS %v, want %v", f.path, fi.LFS, f.lfs)
		}
		if p := last[f.path]; p.Done != int64(len(f.data)) || p.Total != p.Done || p.Repo != newRepo.String() {
			t.Errorf("%s: last progress %+v, want all %d bytes", f.path, p, len(f.data))
		}
	}
}

// checkTokens checks that the token went with every request to the Hub
// but the pre-signed completion, and with none to the CDN; it returns the
// bytes the CDN received.
func checkTokens(t *testing.T, hub *hubtest.Server) int64 {
	t.Helper()
	var sent int64
	for _, r := range hub.Requests() {
		if (r.Host == "cdn" || r.Route == "lfs-complete") && r.Authorization != "" {
			t.Errorf("%s %s %s carried Authorization", r.Host, r.Method, r.Path)
		}
		if r.Host == "hub" && r.Route != "lfs-complete" && r.Authorization != "Bearer "+secret {
			t.Errorf("%s %s carried no token", r.Method, r.Path)
		}
		if r.Host == "cdn" {
			sent += r.Received
		}
	}
	return sent
}

// TestUploadStoredAlready: content the LFS storage holds is not sent
// again, under its own path or another.
func TestUploadStoredAlready(t *testing.T) {
	h := newUploadHarness(t)
	files := []CommitFile{{Path: "v1/vectors.f16", Data: vectors}}
	if _, err := h.c.Upload(t.Context(), indexRepo, "", files, nil, "v1"); err != nil {
		t.Fatal(err)
	}
	h.hub.ResetRequests()
	files = []CommitFile{{Path: "v1/vectors.f16", Data: vectors}, {Path: "v2/vectors.f16", Data: vectors}}
	if _, err := h.c.Upload(t.Context(), indexRepo, "", files, nil, "v2"); err != nil {
		t.Fatal(err)
	}
	want := []hit{{"hub", "preupload", "POST", 200}, {"hub", "lfs-batch", "POST", 200}, {"hub", "commit", "POST", 200}}
	if diff := cmp.Diff(want, hits(h.hub)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	mustDownload(t, h.c, indexRepo.String(), "", "v2/vectors.f16", vectors)
}

// TestUploadDeletes: deleted paths leave the new commit; deleting a path
// that is not there is refused.
func TestUploadDeletes(t *testing.T) {
	h := newUploadHarness(t)
	files := []CommitFile{{Path: "manifest.json", Data: small}}
	if _, err := h.c.Upload(t.Context(), indexRepo, "", files, []string{"index/v1/vectors.bin"}, "drop v1"); err != nil {
		t.Fatal(err)
	}
	_, err := h.c.Download(t.Context(), indexRepo.String(), "", "index/v1/vectors.bin")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted file: err = %v, want ErrNotFound", err)
	}
	mustDownload(t, h.c, indexRepo.String(), "", "manifest.json", small)
	_, err = h.c.Upload(t.Context(), indexRepo, "", nil, []string{"nope.bin"}, "drop nothing")
	noLeak(t, err)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"nope.bin"`) {
		t.Errorf("deleting a missing file: err = %v, want ErrNotFound naming it", err)
	}
}

// TestUploadRefused: errors say which repository and what to do, match
// their sentinel, and leak neither the token nor a signature.
func TestUploadRefused(t *testing.T) {
	tests := []struct {
		name       string
		token      string // the client's; the Hub wants secret
		repo       Repo
		rev        string
		wantIs     error
		wantText   []string
		wantWrites int // requests that reached the Hub
	}{
		{"no token", "", indexRepo, "", ErrUnauthorized, []string{"dataset org/index", "set HF_TOKEN to a token with write access"}, 0},
		{"read-only token", "hf_readonly", indexRepo, "", ErrUnauthorized, []string{"HF_TOKEN cannot write to dataset org/index"}, 1},
		{"no such repo", secret, Repo{Type: Dataset, ID: "org/none"}, "", ErrNotFound, []string{"dataset org/none not found", "create it first"}, 1},
		{"no such branch", secret, indexRepo, "v9", ErrNotFound, []string{`branch "v9" not found in dataset org/index`}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newUploadHarness(t, func(c *Config) { c.Token = tt.token })
			_, err := h.c.Upload(t.Context(), tt.repo, tt.rev, []CommitFile{{Path: "a.txt", Data: small}}, nil, "x")
			noLeak(t, err)
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("err = %v, want %v", err, tt.wantIs)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err = %q, want it to say %q", err, s)
				}
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("err = %q carries the token", err)
			}
			if got := len(h.hub.Requests()); got != tt.wantWrites {
				t.Errorf("%d requests, want %d", got, tt.wantWrites)
			}
		})
	}
}

// TestUploadRetries: server failures and dropped connections of
// preupload, batch, PUTs, verify and commit are retried, a PUT from the
// start of its part; a refused commit is not.
func TestUploadRetries(t *testing.T) {
	tests := []struct {
		name      string
		fault     hubtest.Fault
		wantErr   string
		wantRoute string // the route that failed once, then succeeded (or failed for good)
		wantTries int
	}{
		{"500 on a part", hubtest.Fault{Kind: hubtest.FaultStatus, Route: "lfs-part", File: "big.sqlite"}, "", "lfs-part", 4},
		{"dropped part", hubtest.Fault{Kind: hubtest.FaultTruncate, Route: "lfs-part", At: 1 << 20}, "", "lfs-part", 4},
		{"dropped single PUT", hubtest.Fault{Kind: hubtest.FaultTruncate, Route: "lfs-upload", File: "vectors.f16"}, "", "lfs-upload", 2},
		{"503 on preupload", hubtest.Fault{Kind: hubtest.FaultStatus, Route: "preupload", Status: 503}, "", "preupload", 2},
		{"429 on the batch", hubtest.Fault{Kind: hubtest.FaultStatus, Route: "lfs-batch", Status: 429}, "", "lfs-batch", 2},
		{"502 on verify", hubtest.Fault{Kind: hubtest.FaultStatus, Route: "lfs-verify", File: "big.sqlite", Status: 502}, "", "lfs-verify", 3},
		{"500 on the completion", hubtest.Fault{Kind: hubtest.FaultStatus, Route: "lfs-complete"}, "", "lfs-complete", 2},
		{"500 on the commit", hubtest.Fault{Kind: hubtest.FaultStatus, Route: "commit"}, "", "commit", 2},
		{"400 on the commit", hubtest.Fault{Kind: hubtest.FaultStatus, Route: "commit", Status: 400},
			"the Hub refused the commit to dataset org/index", "commit", 1},
		{"429 on the commit", hubtest.Fault{Kind: hubtest.FaultStatus, Route: "commit", Status: 429},
			"commit to dataset org/index: the Hub kept failing: try again later", "commit", 1},
		{"500 for good", hubtest.Fault{Kind: hubtest.FaultStatus, Route: "lfs-upload", Times: -1},
			`upload of "vectors.f16" to dataset org/index: the storage server kept failing: try again later`, "lfs-upload", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newUploadHarness(t)
			h.hub.AddFault(tt.fault)
			files := []CommitFile{{Path: "vectors.f16", Data: vectors}, {Path: "big.sqlite", Data: big}, {Path: "m.json", Data: small}}
			_, err := h.c.Upload(t.Context(), indexRepo, "", files, nil, "retry")
			noLeak(t, err)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if got := len(hits(h.hub, tt.wantRoute)); got != tt.wantTries {
				t.Errorf("%d %s requests, want %d", got, tt.wantRoute, tt.wantTries)
			}
			if tt.wantErr != "" {
				return
			}
			for _, r := range h.hub.Requests() {
				if r.Route == "lfs-part" && r.Status == 200 && r.Received != partSize && r.Received != int64(len(big)%partSize) {
					t.Errorf("part PUT %s received %d bytes, want a whole part", r.Path, r.Received)
				}
			}
			mustDownload(t, h.c, indexRepo.String(), "", "big.sqlite", big)
			mustDownload(t, h.c, indexRepo.String(), "", "vectors.f16", vectors)
		})
	}
}

// TestUploadCorrupted: bytes damaged on their way to storage pass the
// size check of verify but not the commit (422), with a clear error; the
// next upload sends them again and succeeds.
func TestUploadCorrupted(t *testing.T) {
	h := newUploadHarness(t)
	h.hub.AddFault(hubtest.Fault{Kind: hubtest.FaultCorrupt, Method: "PUT", File: "vectors.f16", At: 12345})
	files := []CommitFile{{Path: "vectors.f16", Data: vectors}}
	_, err := h.c.Upload(t.Context(), indexRepo, "", files, nil, "corrupt")
	noLeak(t, err)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnprocessableEntity {
		t.Fatalf("err = %v, want a 422", err)
	}
	for _, s := range []string{"refused the commit to dataset org/index", "upload again", `"vectors.f16"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("err = %q, want it to say %q", err, s)
		}
	}
	if got := len(hits(h.hub, "commit")); got != 1 {
		t.Errorf("%d commits sent, want 1 (a refusal is not retried)", got)
	}
	if _, err := h.c.Upload(t.Context(), indexRepo, "", files, nil, "again"); err != nil {
		t.Fatalf("second upload: %v", err)
	}
	mustDownload(t, h.c, indexRepo.String(), "", "vectors.f16", vectors)
}

// TestUploadSourceChanged: a source file that changes after it was hashed
// is refused, naming it, rather than committed with other content.
func TestUploadSourceChanged(t *testing.T) {
	dir := t.TempDir()
	manifest := writeFile(t, dir, "manifest.json", small)
	h := newUploadHarness(t, func(c *Config) {
		c.Progress = func(p Progress) {
			if p.File == "vectors.f16" {
				os.WriteFile(manifest, []byte("{}"), 0o644)
			}
		}
	})
	files := []CommitFile{{Path: "vectors.f16", Data: vectors}, {Path: "manifest.json", Source: manifest}}
	_, err := h.c.Upload(t.Context(), indexRepo, "", files, nil, "changed")
	if err == nil || !strings.Contains(err.Error(), manifest+" changed") {
		t.Fatalf("err = %v, want it to say the manifest changed", err)
	}
	if got := len(hits(h.hub, "commit")); got > 1 {
		t.Errorf("%d commits sent, want at most 1", got)
	}
	if fi, _ := h.hub.File(indexRepo.String(), "main", "manifest.json"); !bytes.Equal(fi.Data, configJSON) {
		t.Errorf("manifest.json changed on the Hub to %q", fi.Data)
	}
}

// TestUploadIgnoredAndMany: files the repository's .gitignore names are
// left out, and preupload is asked about 256 files at most at a time.
func TestUploadIgnoredAndMany(t *testing.T) {
	h := newUploadHarness(t)
	if _, err := h.c.Upload(t.Context(), indexRepo, "", []CommitFile{{Path: ".gitignore", Data: []byte("*.tmp\n")}}, nil, "ignore"); err != nil {
		t.Fatal(err)
	}
	var files []CommitFile
	for i := range 300 {
		files = append(files, CommitFile{Path: fmt.Sprintf("shards/%03d.txt", i), Data: fmt.Appendf(nil, "shard %d\n", i)})
	}
	files = append(files, CommitFile{Path: "scratch/x.tmp", Data: []byte("scratch")})
	h.hub.ResetRequests()
	if _, err := h.c.Upload(t.Context(), indexRepo, "", files, nil, "many"); err != nil {
		t.Fatal(err)
	}
	if got := len(hits(h.hub, "preupload")); got != 2 {
		t.Errorf("%d preupload calls for 301 files, want 2", got)
	}
	if _, ok := h.hub.File(indexRepo.String(), "main", "scratch/x.tmp"); ok {
		t.Errorf("the ignored file was committed")
	}
	mustDownload(t, h.c, indexRepo.String(), "", "shards/299.txt", []byte("shard 299\n"))
}

// TestCreateRepo: creating twice is fine; a private repository is found
// with the write token only; a refused creation says why.
func TestCreateRepo(t *testing.T) {
	h := newUploadHarness(t)
	for range 2 {
		if err := h.c.CreateRepo(t.Context(), newRepo, true); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]hit{{"hub", "create", "POST", 200}, {"hub", "create", "POST", 409}}, hits(h.hub)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if _, err := h.c.Upload(t.Context(), newRepo, "", []CommitFile{{Path: "m.json", Data: small}}, nil, "first"); err != nil {
		t.Fatal(err)
	}
	mustDownload(t, h.c, newRepo.String(), "", "m.json", small)
	anonymous := h.with(func(c *Config) { c.Token = "" })
	if _, err := anonymous.Download(t.Context(), newRepo.String(), "", "m.json"); !errors.Is(err, ErrNotFound) {
		t.Errorf("private repo without a token: err = %v, want ErrNotFound", err)
	}
	readOnly := h.with(func(c *Config) { c.Token = "hf_readonly" })
	err := readOnly.CreateRepo(t.Context(), Repo{Type: Model, ID: "org/other"}, false)
	noLeak(t, err)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "HF_TOKEN cannot write to model org/other") {
		t.Errorf("read-only token: err = %v, want ErrUnauthorized saying so", err)
	}
	if err := anonymous.CreateRepo(t.Context(), newRepo, false); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "set HF_TOKEN") {
		t.Errorf("no token: err = %v, want ErrUnauthorized saying to set HF_TOKEN", err)
	}
}
