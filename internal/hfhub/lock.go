package hfhub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockPoll is how often a waiting process tries a held lock again.
const lockPoll = 25 * time.Millisecond

// lockBlob takes the lock that keeps other processes (and goroutines) from
// downloading the same blob at the same time, at huggingface_hub's place
// for it (.locks/<repo folder>/<etag>.lock), waiting until it is free or
// ctx ends. The returned function releases it.
func lockBlob(ctx context.Context, path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	unlock, err := platformLock(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return unlock, nil
}

// waitLock sleeps one poll interval, or returns ctx's error.
func waitLock(ctx context.Context) error {
	t := time.NewTimer(lockPoll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// exclLock is the portable lock for systems without flock: a file created
// with O_EXCL. Its holder touches it every stale/4 while it holds it, so a
// file not touched for stale belongs to a process that died and is taken
// over.
func exclLock(ctx context.Context, path string, stale time.Duration) (func(), error) {
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			return holdExcl(path, stale), nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if fi, err := os.Stat(path); err == nil && time.Since(fi.ModTime()) > stale {
			// A dead holder's file: remove it and race for a new one.
			os.Remove(path)
			continue
		}
		if err := waitLock(ctx); err != nil {
			return nil, err
		}
	}
}

// holdExcl keeps an O_EXCL lock file fresh until the returned function
// removes it.
func holdExcl(path string, stale time.Duration) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(stale / 4)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				os.Chtimes(path, now, now)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		os.Remove(path)
	}
}
