package store

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// crashChildEnv names the index a re-executed test binary writes to until
// it is killed. Only tests read the environment.
const crashChildEnv = "STORE_CRASH_CHILD_INDEX"

const crashKey = "crawl"

// TestCrashChild is the victim of TestCrashSafety, not a test of its own: it
// commits batches of papers in a loop, each with a checkpoint holding the
// number of papers stored so far, and reports each commit on stdout.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("runs only as TestCrashSafety's child process")
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	if cp, err := s.Checkpoint(t.Context(), crashKey); err != nil {
		t.Fatal(err)
	} else if cp != nil {
		total, _ = strconv.Atoi(string(cp))
	}
	deadline := time.Now().Add(20 * time.Second) // in case nobody kills us
	for time.Now().Before(deadline) {
		batch := make([]paper.Paper, 1+total%37)
		for i := range batch {
			n := total + i
			batch[i] = paper.Paper{ID: fmt.Sprintf("crash%07d", n), Title: fmt.Sprintf("Paper %d about crashes", n),
				Abstract: strings.Repeat("words that fill pages ", 20), Authors: []string{"Kill Nine"}, Year: 2025}
		}
		total += len(batch)
		if err := s.Commit(t.Context(), crashKey, batch, []byte(strconv.Itoa(total))); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("committed %d\n", total)
	}
}

// TestCrashSafety kills a writer with SIGKILL at random moments (while it
// opens a new file, between commits, inside them) and checks that the file
// opens, passes its integrity checks, and holds exactly the papers its
// checkpoint says were committed: never a paper without its checkpoint or
// the reverse.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "index.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	reported := 0
	for round := range 5 {
		// Round 0 kills the child early, often while it creates the file.
		wait := time.Duration(rng.IntN(200)) * time.Millisecond
		if round == 0 {
			wait = time.Duration(rng.IntN(30)) * time.Millisecond
		}
		if n := killChildAfter(t, path, wait); n > 0 {
			reported = n
		}

		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("round %d (killed after %v): reopen: %v", round, wait, err)
		}
		if err := s.Check(t.Context()); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		count, err := s.Count(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		cp, err := s.Checkpoint(t.Context(), crashKey)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		recorded, _ := strconv.Atoi(string(cp))
		t.Logf("round %d: killed after %v; %d papers, checkpoint %q, child reported %d", round, wait, count, cp, reported)
		if count != recorded {
			t.Errorf("round %d: %d papers stored but the checkpoint records %d", round, count, recorded)
		}
		if count < reported {
			t.Errorf("round %d: %d papers stored, fewer than the %d the child saw committed", round, count, reported)
		}
	}
	if reported == 0 {
		t.Error("the child never reported a commit: the test proved nothing")
	}
}

// killChildAfter starts the writer, kills it with SIGKILL after wait (from
// its first commit on, except when wait is short), and returns the last
// count it reported.
func killChildAfter(t *testing.T, path string, wait time.Duration) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	last := 0
	read := func(line string) {
		if n, ok := strings.CutPrefix(line, "committed "); ok {
			last, _ = strconv.Atoi(n)
		}
	}
	if wait >= 30*time.Millisecond { // let it get going first
		for line := range lines {
			read(line)
			if last > 0 {
				break
			}
		}
	}
	time.Sleep(wait)
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	for line := range lines {
		read(line)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() && err != nil {
		t.Fatalf("child failed before it was killed: %v", err)
	}
	return last
}
