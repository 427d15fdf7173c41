package hfhub

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
)

func blobPath(h *harness, repo string, data []byte) string {
	return filepath.Join(h.repoDir(repo), "blobs", hubtest.SHA256(data))
}

// rangesAndBytes summarises the CDN's GETs.
type transferLog struct {
	Range  string
	Status int
	Bytes  int64
}

func transfers(s *hubtest.Server) []transferLog {
	var out []transferLog
	for _, r := range cdnGets(s) {
		out = append(out, transferLog{r.Range, r.Status, r.Bytes})
	}
	return out
}

// TestResumePartial: a partial blobs/<etag>.incomplete left by an earlier
// process is resumed with a Range request for the rest only.
func TestResumePartial(t *testing.T) {
	h := newHarness(t)
	blob := blobPath(h, modelID, weights)
	os.MkdirAll(filepath.Dir(blob), 0o755)
	if err := os.WriteFile(blob+".incomplete", weights[:1234], 0o644); err != nil {
		t.Fatal(err)
	}
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
	want := []transferLog{{"bytes=1234-", http.StatusPartialContent, int64(len(weights) - 1234)}}
	if diff := cmp.Diff(want, transfers(h.hub)); diff != "" {
		t.Errorf("CDN transfers (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(blob + ".incomplete"); !os.IsNotExist(err) {
		t.Errorf(".incomplete left behind: %v", err)
	}
}

// TestTruncatedRetried: a body cut mid-way is resumed from where it
// stopped, on the next try.
func TestTruncatedRetried(t *testing.T) {
	h := newHarness(t)
	h.hub.AddFault(hubtest.Fault{Kind: hubtest.FaultTruncate, Host: "cdn", At: 3000})
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
	got := transfers(h.hub)
	if len(got) != 2 || got[1].Range != "bytes=3000-" || got[1].Bytes != int64(len(weights)-3000) {
		t.Errorf("CDN transfers %+v, want a cut one then bytes=3000- for the rest", got)
	}
	if len(h.sleeps) != 1 {
		t.Errorf("%d waits before retries, want 1", len(h.sleeps))
	}
}

// TestRangeIgnored: a server answering 200 to a Range restarts the file.
func TestRangeIgnored(t *testing.T) {
	h := newHarness(t)
	blob := blobPath(h, modelID, weights)
	os.MkdirAll(filepath.Dir(blob), 0o755)
	os.WriteFile(blob+".incomplete", []byte("garbage that is not the start of the file"), 0o644)
	h.hub.AddFault(hubtest.Fault{Kind: hubtest.FaultIgnoreRange, Host: "cdn"})
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
	if got := transfers(h.hub); len(got) != 1 || got[0].Status != http.StatusOK {
		t.Errorf("CDN transfers %+v, want one 200", got)
	}
}

// TestCorruptPartial: a partial file whose bytes are wrong fails the
// checksum, is removed, and the next call succeeds.
func TestCorruptPartial(t *testing.T) {
	h := newHarness(t)
	blob := blobPath(h, modelID, weights)
	os.MkdirAll(filepath.Dir(blob), 0o755)
	os.WriteFile(blob+".incomplete", make([]byte, 100), 0o644)
	_, err := h.c.Download(t.Context(), modelID, "", "model.safetensors")
	if !errors.Is(err, ErrIntegrity) {
		t.Fatalf("err = %v, want ErrIntegrity", err)
	}
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
}

// TestChecksumMismatch: bytes that do not hash to the announced sha256
// are rejected, and nothing lands in the cache.
func TestChecksumMismatch(t *testing.T) {
	h := newHarness(t)
	h.hub.AddFault(hubtest.Fault{Kind: hubtest.FaultCorrupt, Host: "cdn", At: 4321, Times: -1})
	_, err := h.c.Download(t.Context(), modelID, "", "model.safetensors")
	noSecret(t, err)
	if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("err = %v, want ErrIntegrity about sha256", err)
	}
	var left []string
	for _, l := range layout(t, h.cfg.CacheDir) {
		if !strings.HasPrefix(l, ".locks/") {
			left = append(left, l)
		}
	}
	if len(left) != 0 {
		t.Errorf("cache holds %q after a failed check, want nothing", left)
	}
}

// TestCorruptCache: a cached blob of the wrong size is noticed on the
// next online call and fetched again; one of the right size but wrong
// bytes needs Verify.
func TestCorruptCache(t *testing.T) {
	h := newHarness(t)
	p := mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
	blob := blobPath(h, modelID, weights)
	os.WriteFile(blob, weights[:100], 0o644)
	h.hub.ResetRequests()
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
	if n := len(cdnGets(h.hub)); n != 1 {
		t.Errorf("short blob: %d CDN GETs, want 1", n)
	}

	// A regular (git) file is checked against its Content-Length.
	gitBlob := filepath.Join(h.repoDir(modelID), "blobs", hubtest.GitBlobSHA1(configJSON))
	mustDownload(t, h.c, modelID, "", "config.json", configJSON)
	os.WriteFile(gitBlob, configJSON[:10], 0o644)
	h.hub.ResetRequests()
	mustDownload(t, h.c, modelID, "", "config.json", configJSON)
	if n := h.hub.Count("hub", "GET"); n == 0 {
		t.Errorf("short git blob: not fetched again")
	}

	flipped := append([]byte(nil), weights...)
	flipped[10] ^= 1
	os.WriteFile(blob, flipped, 0o644)
	h.hub.ResetRequests()
	if b, _ := os.ReadFile(p); string(b) != string(flipped) {
		t.Fatal("test setup: the snapshot file should show the flipped blob")
	}
	mustDownload(t, h.c, modelID, "", "config.json", configJSON) // no Verify: unaffected
	os.WriteFile(blob, flipped, 0o644)
	offline := h.with(func(c *Config) { c.Offline = true; c.Verify = true })
	if _, err := offline.Download(t.Context(), modelID, "", "model.safetensors"); !errors.Is(err, ErrIntegrity) {
		t.Errorf("offline Verify of a corrupt blob: err = %v, want ErrIntegrity", err)
	}
	verify := h.with(func(c *Config) { c.Verify = true })
	mustDownload(t, verify, modelID, "", "model.safetensors", weights)
	if n := len(cdnGets(h.hub)); n != 1 {
		t.Errorf("flipped blob with Verify: %d CDN GETs, want 1", n)
	}
}

// TestConcurrent: goroutines asking for the same file at once share one
// transfer: the others wait on the blob's lock and find it done.
func TestConcurrent(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: slowGets{http.DefaultTransport}}
	})
	var wg sync.WaitGroup
	paths := make([]string, 4)
	errs := make([]error, 4)
	for i := range paths {
		wg.Go(func() { paths[i], errs[i] = h.c.Download(t.Context(), modelID, "", "model.safetensors") })
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Errorf("goroutine %d: %s, %v", i, paths[i], errs[i])
		}
	}
	if n := len(cdnGets(h.hub)); n != 1 {
		t.Errorf("%d CDN transfers, want 1", n)
	}
	if n := h.hub.Count("hub", "HEAD"); n != 4 {
		t.Errorf("%d HEADs, want 4 (they all ran before the transfer ended)", n)
	}
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
}

// slowGets delays GETs so that concurrent downloads overlap.
type slowGets struct{ rt http.RoundTripper }

func (s slowGets) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		time.Sleep(150 * time.Millisecond)
	}
	return s.rt.RoundTrip(r)
}

// TestServerErrors: 5xx answers are retried with backoff; when retries
// run out the cached file is used, with a warning.
func TestServerErrors(t *testing.T) {
	h := newHarness(t)
	h.hub.AddFault(hubtest.Fault{Kind: hubtest.FaultStatus, Status: 503, Method: "HEAD", Times: 2})
	h.hub.AddFault(hubtest.Fault{Kind: hubtest.FaultStatus, Status: 500, Host: "cdn"})
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
	if len(h.sleeps) != 3 || h.sleeps[0] != time.Second {
		t.Errorf("waits %v, want 3, the first the Retry-After of 1s", h.sleeps)
	}
	h.hub.AddFault(hubtest.Fault{Kind: hubtest.FaultStatus, Status: 502, Times: -1})
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
	if !strings.Contains(h.logs.String(), "using the cached file") {
		t.Errorf("no warning about the fallback in the log:\n%s", h.logs)
	}
	_, err := h.c.Download(t.Context(), modelID, "", "config.json")
	noSecret(t, err)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 502 || !strings.Contains(err.Error(), "not in the cache") {
		t.Errorf("err = %v, want the 502 and that the file is not cached", err)
	}
}

// TestUnreachable: with the Hub down, cached files are served and the
// others fail saying what to check.
func TestUnreachable(t *testing.T) {
	h := newHarness(t)
	mustDownload(t, h.c, modelID, "", "config.json", configJSON)
	down := h.with(func(c *Config) { c.Endpoint = "http://127.0.0.1:1"; c.MaxRetries = -1 })
	mustDownload(t, down, modelID, "", "config.json", configJSON)
	_, err := down.Download(t.Context(), modelID, "", "model.safetensors")
	noSecret(t, err)
	if err == nil || !strings.Contains(err.Error(), "HF_ENDPOINT") || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("err = %v, want one naming the endpoint", err)
	}
}

// TestNotHub: an answer without the Hub's headers (a captive portal) is
// not taken for a file.
func TestNotHub(t *testing.T) {
	h := newHarness(t)
	h.hub.AddFault(hubtest.Fault{Kind: hubtest.FaultNotHub, Times: -1})
	_, err := h.c.Download(t.Context(), modelID, "", "config.json")
	if !errors.Is(err, ErrNotHub) {
		t.Errorf("err = %v, want ErrNotHub", err)
	}
	if len(h.sleeps) != 0 {
		t.Errorf("retried a non-Hub answer %d times", len(h.sleeps))
	}
}

// TestStall: a body that stops arriving is abandoned after the stall
// timeout and resumed.
func TestStall(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a stall timeout")
	}
	h := newHarness(t, func(c *Config) {
		c.StallTimeout = 200 * time.Millisecond
		c.HTTPClient = &http.Client{Transport: stallOnce{rt: http.DefaultTransport, once: &sync.Once{}}}
	})
	mustDownload(t, h.c, modelID, "", "model.safetensors", weights)
	got := transfers(h.hub)
	if len(got) != 2 || !strings.HasPrefix(got[1].Range, "bytes=") {
		t.Errorf("CDN transfers %+v, want a stalled one and a resumed one", got)
	}
}

// stallOnce makes the first CDN body hang after 1000 bytes.
type stallOnce struct {
	rt   http.RoundTripper
	once *sync.Once
}

func (s stallOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.rt.RoundTrip(r)
	if err != nil || !strings.HasPrefix(r.URL.Path, "/cdn/") {
		return resp, err
	}
	s.once.Do(func() { resp.Body = &hangAfter{body: resp.Body, n: 1000, ctx: r.Context().Done()} })
	return resp, nil
}

type hangAfter struct {
	body interface {
		Read([]byte) (int, error)
		Close() error
	}
	n   int
	ctx <-chan struct{}
}

func (h *hangAfter) Read(p []byte) (int, error) {
	if h.n <= 0 {
		<-h.ctx
		return 0, errors.New("request canceled")
	}
	p = p[:min(len(p), h.n)]
	k, err := h.body.Read(p)
	h.n -= k
	return k, err
}

func (h *hangAfter) Close() error { return h.body.Close() }
