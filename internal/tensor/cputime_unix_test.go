//go:build unix

package tensor

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used, all threads together. The
// benchmarks report work per CPU-second next to work per second because this
// 2-core machine is shared: wall-clock rates drop when a neighbour holds a
// core, rates per CPU-second do not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
