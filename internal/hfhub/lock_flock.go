//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package hfhub

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// platformLock takes an exclusive flock on path, as Python's filelock does
// on Unix, so huggingface_hub and we exclude each other. flock belongs to
// the open file, so two goroutines exclude each other too; a dead
// process's lock goes with it. The file stays, as filelock leaves it:
// removing it would let two processes lock two different files.
func platformLock(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		if err := waitLock(ctx); err != nil {
			f.Close()
			return nil, err
		}
	}
}
