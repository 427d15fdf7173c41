// Package chromatest runs a real Chroma server for tests: the npm package
// chromadb 3.5.0 (server 1.0.0) that scripts/chroma/install.sh installs,
// started with Node on a free loopback port and a fresh data directory.
//
// The install directory comes from the ORF_CHROMA_DIR environment variable
// (.ci/run sets it); without it, and under -short, tests that need a
// server are skipped with the reason. The package imports nothing of ours,
// so a bug in the chroma client cannot hide behind its own test server.
package chromatest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvDir names the environment variable holding the install directory
// (the one with node_modules/chromadb in it).
const EnvDir = "ORF_CHROMA_DIR"

const (
	// startTimeout bounds the wait for the first heartbeat: 2–6 s is
	// usual, most of it loading the 437 MB native binding from a cold
	// page cache.
	startTimeout = 20 * time.Second
	// stopTimeout bounds the wait after SIGTERM before SIGKILL.
	stopTimeout = 10 * time.Second
)

// Server is a running Chroma server owned by one test.
type Server struct {
	t    testing.TB
	node string // the node binary
	cli  string // chromadb's dist/cli.mjs
	data string // --path, kept across Restart
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	log  *syncBuffer   // the server's output, for failure messages
}

// Start starts a server with an empty data directory and stops it when the
// test ends. It skips the test when no server is installed or under
// -short, and fails it when the server does not come up.
func Start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("chromatest: starting a Chroma server is slow; skipped under -short")
	}
	node, cli, reason := locate()
	if reason != "" {
		t.Skip("chromatest: " + reason)
	}
	s := &Server{t: t, node: node, cli: cli, data: t.TempDir()}
	t.Cleanup(s.Stop)
	var err error
	// A port picked free can be taken before the server binds it: try
	// another then.
	for range 3 {
		if s.port, err = freePort(); err != nil {
			t.Fatalf("chromatest: pick a port: %v", err)
		}
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("chromatest: %v", err)
	return nil
}

// locate finds node and the chromadb CLI, or says why they are missing and
// how to install them.
func locate() (node, cli, reason string) {
	const how = "run .ci/run, or scripts/chroma/install.sh DIR and set " + EnvDir + "=DIR"
	dir := os.Getenv(EnvDir)
	if dir == "" {
		return "", "", EnvDir + " is not set, so there is no Chroma server to test against; " + how
	}
	cli = filepath.Join(dir, "node_modules", "chromadb", "dist", "cli.mjs")
	if _, err := os.Stat(cli); err != nil {
		return "", "", fmt.Sprintf("%s=%s holds no chromadb install (%v); %s", EnvDir, dir, err, how)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return "", "", "node is not on PATH, so the Chroma server cannot run; install Node.js 20 or later"
	}
	return node, cli, ""
}

// URL is the server's address, http://127.0.0.1:PORT. It stays the same
// across Restart.
func (s *Server) URL() string { return "http://" + s.addr() }

// Output is what the server has printed since it last started.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return ""
	}
	return s.log.String()
}

// DataDir is the server's data directory.
func (s *Server) DataDir() string { return s.data }

func (s *Server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// start launches the server on s.port and waits for its heartbeat.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.node, s.cli, "run", "--path", s.data, "--host", "127.0.0.1", "--port", strconv.Itoa(s.port))
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = procAttr()
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.cli, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done, s.log = cmd, done, log
	if err := waitHeartbeat(s.URL(), done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		s.cmd = nil
		return fmt.Errorf("chroma server on port %d: %w; its output:\n%s", s.port, err, log.String())
	}
	s.t.Logf("chromatest: server at %s answered after %v", s.URL(), time.Since(began).Round(time.Millisecond))
	return nil
}

// waitHeartbeat polls the heartbeat until it answers 200, the process
// exits or startTimeout passes.
func waitHeartbeat(base string, exited <-chan struct{}) error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		resp, err := hc.Get(base + "/api/v2/heartbeat")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("it exited before answering its heartbeat")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("no heartbeat within %v", startTimeout)
}

// Stop ends the server with SIGTERM, as an operator would, and waits for
// it (SIGKILL after 10 s). Stopping a stopped server does nothing.
func (s *Server) Stop() { s.end(syscall.SIGTERM) }

// Kill ends the server with SIGKILL, as a crash would.
func (s *Server) Kill() { s.end(syscall.SIGKILL) }

func (s *Server) end(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.t.Errorf("chromatest: server did not stop within %v of %v; killing it", stopTimeout, sig)
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Restart stops a running server and starts it again on the same port and
// data directory, so clients and data carry over.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("chromatest: restart: %v", err)
	}
}

// syncBuffer is a bytes.Buffer that the process's output and the test may
// use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freePort asks the kernel for a loopback port nobody listens on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
