package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"
)

// copier copies snapshot files front to back, hashing what it reads and
// reporting progress at most every progressEvery.
type copier struct {
	ctx      context.Context
	progress Progress
	total    int64
	done     int64
	said     time.Time
}

const (
	copyBuffer    = 1 << 20
	progressEvery = 250 * time.Millisecond
)

// file copies src to dst (created or truncated) and fails with ErrIntegrity
// when the bytes do not match want. With sync, dst is flushed to disk
// before it returns (local disks; a bucket mount may not support it).
func (c *copier) file(src, dst string, want File, sync bool) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := c.stream(out, io.TeeReader(in, h))
	if err == nil && sync {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", want.Path, err)
	}
	if n != want.Size || hex.EncodeToString(h.Sum(nil)) != want.SHA256 {
		return fmt.Errorf("%s: %w (%d bytes read, %d announced)", want.Path, ErrIntegrity, n, want.Size)
	}
	return nil
}

func (c *copier) stream(w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, copyBuffer)
	var n int64
	for {
		if err := c.ctx.Err(); err != nil {
			return n, err
		}
		k, rerr := r.Read(buf)
		if k > 0 {
			if _, err := w.Write(buf[:k]); err != nil {
				return n, err
			}
			n += int64(k)
			c.add(int64(k))
		}
		if rerr == io.EOF {
			c.report()
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

func (c *copier) add(k int64) {
	c.done += k
	if time.Since(c.said) >= progressEvery {
		c.report()
	}
}

func (c *copier) report() {
	c.said = time.Now()
	if c.progress != nil {
		c.progress(c.done, c.total)
	}
}
