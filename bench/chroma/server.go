package main

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
	"time"

	"github.com/openreview-finder/openreview-finder/bench/internal/machine"
)

// chromaServer is the Chroma server this run started: the npm package
// chromadb that scripts/chroma/install.sh installs, run with Node on a free
// loopback port and a fresh data directory (as internal/chroma/chromatest
// does for tests, which needs a testing.T).
type chromaServer struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *syncBuffer
}

const (
	startTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
)

// startChroma starts a server over the data directory data and waits for
// its heartbeat.
func startChroma(dir, data string) (*chromaServer, error) {
	cli := filepath.Join(dir, "node_modules", "chromadb", "dist", "cli.mjs")
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("no chromadb install in %s (run scripts/chroma/install.sh DIR and pass -chroma-dir DIR or set ORF_CHROMA_DIR): %w", dir, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node is not on PATH, so the Chroma server cannot run: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("pick a port: %w", err)
	}
	cmd := exec.Command(node, cli, "run", "--path", data, "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	s := &chromaServer{url: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, done: make(chan struct{}), log: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	// If this process dies without stopping it, the kernel does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cli, err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := s.waitHeartbeat(); err != nil {
		_ = cmd.Process.Kill()
		<-s.done
		return nil, fmt.Errorf("chroma server on port %d: %w; its output:\n%s", port, err, s.log.String())
	}
	return s, nil
}

func (s *chromaServer) waitHeartbeat() error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if resp, err := hc.Get(s.url + "/api/v2/heartbeat"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return errors.New("it exited before answering its heartbeat")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("no heartbeat within %v", startTimeout)
}

// stop ends the server with SIGTERM, and SIGKILL after stopTimeout.
func (s *chromaServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// rss is the server's resident memory in MiB, or 0 when unknown.
func (s *chromaServer) rss() float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(data, []byte("VmRSS:"))
	if !ok {
		return 0
	}
	var kb float64
	fmt.Sscan(string(rest), &kb)
	return kb / 1024
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer collects the server's output for error messages.
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

// cpu is the CPU time the server has used so far, or 0 when unknown.
func (s *chromaServer) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	_, rest, ok := bytes.Cut(data, []byte(") "))
	if !ok {
		return 0
	}
	f := bytes.Fields(rest) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(string(f[11]), 10, 64)
	stime, _ := strconv.ParseInt(string(f[12]), 10, 64)
	return time.Duration(utime+stime) * machine.ClockTick
}
