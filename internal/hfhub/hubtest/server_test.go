package hubtest

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	config  = []byte(`{"hidden_size": 8}`)
	weights = bytes.Repeat([]byte("0123456789abcdef"), 64) // 1 KiB, LFS by extension
)

func newTestServer(t *testing.T) *Server {
	t.Helper()
	return New(t,
		Repo{ID: "org/model", Files: Files{"config.json": config, "model.safetensors": weights, "sub/dir/vocab.txt": []byte("[PAD]\n")}},
		Repo{ID: "org/gated", Files: Files{"config.json": config}, Token: "hf_gate"},
		Repo{ID: "datasets/org/index", Files: Files{"index/v1.bin": weights}, OldIDs: []string{"datasets/org/old-index"}},
	)
}

// do sends a request without following redirects.
func do(t *testing.T, method, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func pick(h http.Header, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		if v := h.Get(k); v != "" {
			m[k] = v
		}
	}
	return m
}

func TestLFSRedirect(t *testing.T) {
	s := newTestServer(t)
	commit := s.Commit("org/model", "main")
	resp, _ := do(t, "HEAD", s.URL()+"/org/model/resolve/main/model.safetensors", nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302", resp.StatusCode)
	}
	got := pick(resp.Header, "X-Repo-Commit", "X-Linked-Etag", "X-Linked-Size")
	want := map[string]string{"X-Repo-Commit": commit, "X-Linked-Etag": `"` + SHA256(weights) + `"`, "X-Linked-Size": "1024"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if resp.Header.Get("ETag") == resp.Header.Get("X-Linked-Etag") {
		t.Errorf("ETag of the redirect should be the pointer's, not the content's")
	}
	if cl := resp.Header.Get("Content-Length"); cl == "1024" || cl == "" {
		t.Errorf("Content-Length %q, want the redirect body's", cl)
	}
	loc := resp.Header.Get("Location")
	cresp, body := do(t, "GET", loc, map[string]string{"Range": "bytes=1000-"})
	if cresp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, weights[1000:]) {
		t.Fatalf("CDN range: status %d, %d bytes", cresp.StatusCode, len(body))
	}
	if got, want := cresp.Header.Get("Content-Range"), "bytes 1000-1023/1024"; got != want {
		t.Errorf("Content-Range %q, want %q", got, want)
	}
	if cresp.Header.Get("ETag") == `"`+SHA256(weights)+`"` {
		t.Errorf("CDN ETag must not be the content hash")
	}
	r416, _ := do(t, "GET", loc, map[string]string{"Range": "bytes=1024-"})
	if r416.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("range past the end: status %d, want 416", r416.StatusCode)
	}
}

func TestResolveCacheRedirect(t *testing.T) {
	s := newTestServer(t)
	resp, _ := do(t, "GET", s.URL()+"/org/model/resolve/main/sub/dir/vocab.txt", nil)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || loc == "" || loc[0] != '/' {
		t.Fatalf("status %d Location %q, want a relative 307", resp.StatusCode, loc)
	}
	resp, body := do(t, "GET", s.URL()+loc, nil)
	etag := `"` + GitBlobSHA1([]byte("[PAD]\n")) + `"`
	got := pick(resp.Header, "ETag", "X-Repo-Commit", "Content-Length", "Accept-Ranges")
	want := map[string]string{"ETag": etag, "X-Repo-Commit": s.Commit("org/model", "main"), "Content-Length": "6", "Accept-Ranges": "bytes"}
	if diff := cmp.Diff(want, got); diff != "" || string(body) != "[PAD]\n" {
		t.Errorf("headers (-want +got):\n%s\nbody %q", diff, body)
	}
	resp, _ = do(t, "GET", s.URL()+loc, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	s.SetResolveCache(false)
	resp, body = do(t, "GET", s.URL()+"/org/model/resolve/main/config.json", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, config) {
		t.Errorf("without resolve cache: status %d body %q", resp.StatusCode, body)
	}
}

func TestGitBlobSHA1(t *testing.T) {
	// `printf 'hello\n' | git hash-object --stdin`
	if got, want := GitBlobSHA1([]byte("hello\n")), "ce013625030ba8dba906f756967f9e9ca394464a"; got != want {
		t.Errorf("GitBlobSHA1 = %s, want %s", got, want)
	}
}

func TestErrors(t *testing.T) {
	s := newTestServer(t)
	commit := s.Commit("org/model", "main")
	tests := []struct {
		name, path string
		hdr        map[string]string
		status     int
		code       string
		commit     string
	}{
		{"missing file", "/org/model/resolve/main/nope.json", nil, 404, "EntryNotFound", commit},
		{"missing revision", "/org/model/resolve/v9/config.json", nil, 404, "RevisionNotFound", ""},
		{"missing repo anonymous", "/org/none/resolve/main/config.json", nil, 401, "RepoNotFound", ""},
		{"missing repo with token", "/org/none/resolve/main/config.json", map[string]string{"Authorization": "Bearer x"}, 404, "RepoNotFound", ""},
		{"gated without token", "/org/gated/resolve/main/config.json", nil, 401, "GatedRepo", ""},
		{"gated wrong token", "/org/gated/resolve/main/config.json", map[string]string{"Authorization": "Bearer x"}, 403, "GatedRepo", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := do(t, "HEAD", s.URL()+tt.path, tt.hdr)
			got := []string{strconv.Itoa(resp.StatusCode), resp.Header.Get("X-Error-Code"), resp.Header.Get("X-Repo-Commit")}
			want := []string{strconv.Itoa(tt.status), tt.code, tt.commit}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status, code, commit (-want +got):\n%s", diff)
			}
		})
	}
	resp, _ := do(t, "HEAD", s.URL()+"/org/gated/resolve/main/config.json", map[string]string{"Authorization": "Bearer hf_gate"})
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("gated with token: status %d, want 307", resp.StatusCode)
	}
}

func TestRenamedAndRevisions(t *testing.T) {
	s := newTestServer(t)
	resp, _ := do(t, "HEAD", s.URL()+"/datasets/org/old-index/resolve/main/index/v1.bin", nil)
	if got, want := resp.Header.Get("Location"), "/datasets/org/index/resolve/main/index/v1.bin"; resp.StatusCode != 307 || got != want {
		t.Errorf("renamed: %d %q, want 307 %q", resp.StatusCode, got, want)
	}
	s.SetResolveCache(false)
	old := s.Commit("org/model", "main")
	newCommit, err := s.SetFiles("org/model", "main", Files{"config.json": []byte("{}")})
	if err != nil || newCommit == old {
		t.Fatalf("SetFiles = %s, %v; old %s", newCommit, err, old)
	}
	if _, err := s.SetFiles("org/model", "refs/pr/1", Files{"pr.txt": []byte("pr")}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ rev, file, commit string }{
		{"main", "config.json", newCommit},
		{old, "model.safetensors", old},
		{"refs%2Fpr%2F1", "pr.txt", s.Commit("org/model", "refs/pr/1")},
	} {
		resp, _ := do(t, "HEAD", s.URL()+"/org/model/resolve/"+tt.rev+"/"+tt.file, nil)
		if got := resp.Header.Get("X-Repo-Commit"); resp.StatusCode >= 400 || got != tt.commit {
			t.Errorf("%s %s: status %d commit %s, want %s", tt.rev, tt.file, resp.StatusCode, got, tt.commit)
		}
	}
}

func TestFaults(t *testing.T) {
	s := newTestServer(t)
	cdn := s.CDNURL() + "/cdn/" + SHA256(weights) + "?path=model.safetensors"
	s.AddFault(Fault{Kind: FaultStatus, Host: "cdn", Status: 503})
	s.AddFault(Fault{Kind: FaultTruncate, File: "model.safetensors", At: 100})
	s.AddFault(Fault{Kind: FaultCorrupt, At: 5})
	s.AddFault(Fault{Kind: FaultIgnoreRange})
	if resp, _ := do(t, "GET", cdn, nil); resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("status fault: %d", resp.StatusCode)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", cdn, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(body) != 100 {
		t.Errorf("truncate: read %d bytes, err %v; want 100 and an error", len(body), err)
	}
	_, body = do(t, "GET", cdn, nil)
	if len(body) != len(weights) || body[5] == weights[5] || !bytes.Equal(body[6:], weights[6:]) {
		t.Errorf("corrupt: byte 5 not flipped alone")
	}
	resp, body = do(t, "GET", cdn, map[string]string{"Range": "bytes=10-"})
	if resp.StatusCode != 200 || !bytes.Equal(body, weights) {
		t.Errorf("ignore range: status %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ := do(t, "GET", cdn, nil); resp.StatusCode != 200 {
		t.Errorf("after the faults: status %d", resp.StatusCode)
	}
	s.AddFault(Fault{Kind: FaultNotHub, Method: "HEAD"})
	resp, _ = do(t, "HEAD", s.URL()+"/org/model/resolve/main/config.json", nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-Repo-Commit") != "" {
		t.Errorf("not-hub fault: status %d commit %q", resp.StatusCode, resp.Header.Get("X-Repo-Commit"))
	}
	var got []int
	for _, r := range s.Requests() {
		if r.Host == "cdn" {
			got = append(got, r.Status)
		}
	}
	if diff := cmp.Diff([]int{503, 200, 200, 200, 200}, got); diff != "" {
		t.Errorf("CDN statuses logged (-want +got):\n%s", diff)
	}
}

func TestDirAndInfo(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "onnx"), 0o755)
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, "config.json"), config, 0o644)
	os.WriteFile(filepath.Join(dir, "onnx", "model.onnx"), weights, 0o644)
	os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte("ref"), 0o644)
	s := New(t, Dir("allenai/specter2_base", dir))
	_, body := do(t, "GET", s.URL()+"/api/models/allenai/specter2_base/revision/main?blobs=true", nil)
	want := `{"id":"allenai/specter2_base","sha":"` + s.Commit("allenai/specter2_base", "main") + `","gated":false,"siblings":[` +
		`{"rfilename":"config.json","size":18,"blobId":"` + GitBlobSHA1(config) + `"},` +
		`{"rfilename":"onnx/model.onnx","size":1024,"blobId":"` + GitBlobSHA1(lfsPointer(newBlob(weights))) +
		`","lfs":{"sha256":"` + SHA256(weights) + `","size":1024,"pointerSize":129}}]}` + "\n"
	if diff := cmp.Diff(want, string(body)); diff != "" {
		t.Errorf("info (-want +got):\n%s", diff)
	}
	fi, ok := s.File("allenai/specter2_base", "main", "onnx/model.onnx")
	if !ok || !fi.LFS || fi.ETag != SHA256(weights) || fi.Size != 1024 {
		t.Errorf("File = %+v, %v", fi, ok)
	}
}
