package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"
)

// TestSpaceStartup runs the built binary the way the Space's container
// does: "openreview-finder serve" configured by the environment alone, on
// port 7860 (another free port if 7860 is taken here), with a data
// directory it cannot write (a read-only bucket mount), a fake Hub holding
// the index snapshot and the model, and the fake OpenReview for the crawl.
func TestSpaceStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	hub := hubWithModels(t)
	c := newCLI(t)
	pushedIndex(t, c, hub)
	bin := buildBinary(t)

	home := t.TempDir()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := spaceAddr(t)
	env := []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "SPACE_ID=team/openreview-finder",
		"ORF_ADDR=" + addr, "ORF_DATA_DIR=" + filepath.Join(file, "data"), "ORF_WORK_DIR=" + filepath.Join(home, "work"),
		"ORF_INDEX_REPO=team/orf-index", "ORF_VENUES=ICLR.cc/2024/Conference", "ORF_REQUEST_INTERVAL=0s",
		"HF_ENDPOINT=" + hub.URL(),
		"OPENREVIEW_BASEURL=" + c.env["OPENREVIEW_BASEURL"], "OPENREVIEW_V1_BASEURL=" + c.env["OPENREVIEW_V1_BASEURL"],
		"OPENREVIEW_USERNAME=" + c.env["OPENREVIEW_USERNAME"], "OPENREVIEW_PASSWORD=" + c.env["OPENREVIEW_PASSWORD"],
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OPENBLAS_") { // the machine's BLAS settings, as they are
			env = append(env, kv)
		}
	}
	// The snapshot's first transfer fails: the retry's wait keeps the
	// download on the page long enough to be seen.
	hub.AddFault(hubtest.Fault{Kind: hubtest.FaultStatus, Status: http.StatusServiceUnavailable, Method: "GET", File: "index.sqlite"})
	p := startProcess(t, bin, env, "serve")
	base := "http://" + addr

	healthy := p.waitFor(t, "/healthz to answer 200", func() bool { code, _ := httpGet(base + "/healthz"); return code == http.StatusOK })
	t.Logf("/healthz answered 200 after %v", healthy)
	shown := p.waitFor(t, "the snapshot's download in /api/status", func() bool {
		code, body := httpGet(base + "/api/status")
		var st status
		return code == http.StatusOK && json.Unmarshal(body, &st) == nil &&
			slices.ContainsFunc(st.Progress, func(p progressEntry) bool { return strings.Contains(p.Message, "index snapshot") })
	})
	t.Logf("/api/status showed the snapshot's download after %v", shown)
	ready := p.waitFor(t, "semantic search results", func() bool {
		code, body := httpGet(base + "/api/search?q=graph+neural+networks&mode=semantic")
		var resp searchResponse
		return code == http.StatusOK && json.Unmarshal(body, &resp) == nil && resp.Mode == "semantic" && len(resp.Results) > 0
	})
	t.Logf("semantic search answered after %v", ready)

	p.waitFor(t, `the "ready: " line`, func() bool { return p.has("ready: ") })
	phases := []string{
		"listening on http://" + addr,
		"data directory " + filepath.Join(file, "data") + " cannot be written",
		"index snapshot: pulling team/orf-index (",
		"index snapshot: ",
		"index open: ",
		"loading model allenai/specter2_base",
		"ready: ",
	}
	if err := p.inOrder(phases); err != nil {
		t.Errorf("%v; the log:\n%s", err, p.out())
	}
	if !p.has("crawling ICLR.cc/2024/Conference") {
		t.Errorf("no crawl of ORF_VENUES after the snapshot; the log:\n%s", p.out())
	}
	if err := p.stop(); err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}
	t.Logf("standard output, as the Space's log shows it:\n%s", p.out())
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "openreview-finder")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// spaceAddr is 127.0.0.1:7860 when that port is free, else a free port.
func spaceAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:7860")
	if err != nil {
		t.Logf("port 7860 is taken here (%v): using another", err)
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func httpGet(url string) (int, []byte) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// process is the binary running, with its standard output and error kept.
type process struct {
	cmd     *exec.Cmd
	began   time.Time
	done    chan struct{} // closed once the process has exited
	waitErr error
	mu      sync.Mutex
	lines   []string
	errTail strings.Builder
}

func startProcess(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = env
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.errTail}
	p.began = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitFor polls cond, failing the test if the process exits or patience
// runs out; it returns the time since the process started.
func (p *process) waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		select {
		case <-p.done:
			t.Fatalf("the process exited (%v) before %s; output:\n%s\nstderr:\n%s", p.waitErr, what, p.out(), p.stderr())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v; output:\n%s", what, patience, p.out())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(p.began)
}

func (p *process) has(prefix string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.ContainsFunc(p.lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
}

// inOrder checks that lines starting with each prefix appear in order.
func (p *process) inOrder(prefixes []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := 0
	for _, l := range p.lines {
		if i < len(prefixes) && strings.HasPrefix(l, prefixes[i]) {
			i++
		}
	}
	if i < len(prefixes) {
		return errors.New("no line starting " + prefixes[i] + " after the earlier phases")
	}
	return nil
}

func (p *process) out() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

func (p *process) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.errTail.String()
}

// stop sends SIGTERM, as the Space does on a restart, and wants exit 0.
func (p *process) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	select {
	case <-p.done:
		return p.waitErr
	case <-ctx.Done():
		return errors.New("did not exit")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}
