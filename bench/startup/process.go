package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is the binary (or the podman client running its container),
// with each line of its standard output kept with the time it came, and
// the tail of its standard error.
type process struct {
	cmd     *exec.Cmd
	began   time.Time
	done    chan struct{} // closed once the process has exited
	waitErr error

	mu     sync.Mutex
	lines  []line
	stderr tail
}

// line is one line of standard output and when it came, since the start.
type line struct {
	at   time.Duration
	text string
}

func start(cmd *exec.Cmd) (*process, error) {
	p := &process{cmd: cmd, done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	p.began = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			at := time.Since(p.began)
			p.mu.Lock()
			p.lines = append(p.lines, line{at, sc.Text()})
			p.mu.Unlock()
		}
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// find returns the first line starting with prefix and containing
// contains, and when it came.
func (p *process) find(prefix, contains string) (line, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines {
		if strings.HasPrefix(l.text, prefix) && strings.Contains(l.text, contains) {
			return l, true
		}
	}
	return line{}, false
}

// log is the standard output with times, then the standard error's tail.
func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, l := range p.lines {
		fmt.Fprintf(&b, "%8.3f s  %s\n", l.at.Seconds(), l.text)
	}
	if s := p.stderr.String(); s != "" {
		fmt.Fprintf(&b, "--- standard error (tail):\n%s", s)
	}
	return b.String()
}

// stop sends SIGTERM, as the Space does on a restart, and waits for the
// exit; it returns how long that took.
func (p *process) stop(patience time.Duration) (time.Duration, error) {
	t := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, fmt.Errorf("send SIGTERM: %w", err)
	}
	select {
	case <-p.done:
		return time.Since(t), p.waitErr
	case <-time.After(patience):
		p.kill()
		return time.Since(t), fmt.Errorf("no exit %v after SIGTERM", patience)
	}
}

func (p *process) kill() {
	if !p.exited() {
		p.cmd.Process.Kill()
		<-p.done
	}
}

// cpu is the user and system time the process used, once it has exited.
func (p *process) cpu() time.Duration {
	if p.cmd.ProcessState == nil {
		return 0
	}
	return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
}

// peakRSS reads the process's peak resident set (VmHWM) from /proc.
func peakRSS(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read peak RSS: %w", err)
	}
	return parseVmHWM(string(data))
}

// parseVmHWM returns VmHWM of a /proc/PID/status, in MiB.
func parseVmHWM(status string) (float64, error) {
	for l := range strings.Lines(status) {
		rest, ok := strings.CutPrefix(l, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmHWM line %q", strings.TrimSpace(l))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmHWM: %w", err)
		}
		return float64(kb) / 1024, nil
	}
	return 0, errors.New("no VmHWM line in /proc/PID/status")
}

// tail keeps the last tailBytes written to it.
type tail struct{ b []byte }

const tailBytes = 8 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > tailBytes {
		t.b = append(t.b[:0], t.b[len(t.b)-tailBytes:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.b) }

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}
