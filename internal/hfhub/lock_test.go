package hfhub

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// testLock checks that a lock excludes a second taker until released and
// that a waiting taker gives up with its context.
func testLock(t *testing.T, lock func(ctx context.Context, path string) (func(), error)) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := lock(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := lock(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock while held: err = %v, want a deadline", err)
	}
	var got atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		u, err := lock(t.Context(), path)
		if err != nil {
			t.Error(err)
			return
		}
		got.Store(true)
		u()
	}()
	time.Sleep(50 * time.Millisecond)
	if got.Load() {
		t.Fatal("a second taker got the lock while it was held")
	}
	unlock()
	<-done
	if !got.Load() {
		t.Fatal("the second taker never got the lock")
	}
}

func TestPlatformLock(t *testing.T) { testLock(t, platformLock) }

func TestExclLock(t *testing.T) {
	testLock(t, func(ctx context.Context, path string) (func(), error) { return exclLock(ctx, path, time.Minute) })
}

// TestExclLockStale: a lock file nobody refreshed is a dead holder's.
func TestExclLockStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	os.WriteFile(path, []byte("12345\n"), 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	unlock, err := exclLock(ctx, path, time.Minute)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	unlock()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("lock file left after unlock: %v", err)
	}
	// A held lock is refreshed, so it never looks stale to others.
	unlock, err = exclLock(t.Context(), path, 80*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	time.Sleep(150 * time.Millisecond)
	ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := exclLock(ctx, path, 80*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a refreshed lock was taken over: err = %v", err)
	}
}
