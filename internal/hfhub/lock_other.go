//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package hfhub

import (
	"context"
	"time"
)

// platformLock falls back to an O_EXCL lock file where flock is missing;
// a lock not refreshed for ten minutes is taken to be a dead process's.
func platformLock(ctx context.Context, path string) (func(), error) {
	return exclLock(ctx, path, 10*time.Minute)
}
