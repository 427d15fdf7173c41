//go:build !unix

package tensor

import "time"

// cpuTime is unavailable here; the per-CPU-second metrics are left out.
func cpuTime() time.Duration { return 0 }
