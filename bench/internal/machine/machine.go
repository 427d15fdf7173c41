// Package machine tells a benchmark how busy the shared machine is: the
// cores other processes use, and a wait for them to go quiet.
package machine

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A shared machine runs other work beside the benchmark, and on two cores
// that work shows in every latency. The benchmark therefore waits for the
// machine to be idle before each measurement, and reports how many cores
// other processes kept busy while it ran.

// CPUSample is the machine's busy CPU time and this process's own.
type CPUSample struct {
	At         time.Time     // when it was taken
	busy, idle time.Duration // every process, from /proc/stat
	own        time.Duration // this process, every thread
}

// ClockTick is USER_HZ, the unit of /proc/stat: 100 on every Linux port.
const ClockTick = time.Second / 100

func SampleCPU() (CPUSample, error) {
	s := CPUSample{At: time.Now()}
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s, fmt.Errorf("read cpu times: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return s, fmt.Errorf("unexpected /proc/stat line %q", line)
	}
	// user nice system idle iowait irq softirq steal: idle and iowait are idle.
	for i, f := range fields[1:min(len(fields), 9)] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return s, fmt.Errorf("parse /proc/stat: %w", err)
		}
		if i == 3 || i == 4 {
			s.idle += time.Duration(n) * ClockTick
		} else {
			s.busy += time.Duration(n) * ClockTick
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return s, fmt.Errorf("getrusage: %w", err)
	}
	s.own = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return s, nil
}

// OthersBusy is the average number of cores other processes kept busy
// between two samples.
func OthersBusy(a, b CPUSample) float64 {
	wall := b.At.Sub(a.At)
	if wall <= 0 {
		return 0
	}
	return max(0, float64(b.busy-a.busy-(b.own-a.own))/float64(wall))
}

// idleCores is how busy other processes may keep the machine for it to
// count as idle: a shell, an editor, a language server.
const idleCores = 0.15

// WaitIdle waits until other processes have left the cores idle for two
// seconds, or until limit has passed (then it measures anyway and says so).
// Our own threads do not count: BLAS workers spin for a while after a
// multiplication.
func WaitIdle(ctx context.Context, limit time.Duration, log io.Writer) error {
	if limit <= 0 {
		return nil
	}
	deadline := time.Now().Add(limit)
	said := false
	for {
		a, err := SampleCPU()
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
		b, err := SampleCPU()
		if err != nil {
			return err
		}
		others := OthersBusy(a, b)
		if others < idleCores {
			return nil
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(log, "other processes still keep %.1f cores busy after %v; measuring anyway\n", others, limit)
			return nil
		}
		if !said {
			fmt.Fprintf(log, "waiting for other processes to stop (they keep %.1f cores busy) ...\n", others)
			said = true
		}
	}
}

// LoadAvg is the system's one-minute load average, or -1.
func LoadAvg() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var l float64
	if _, err := fmt.Sscan(string(data), &l); err != nil {
		return -1
	}
	return l
}
