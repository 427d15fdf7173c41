package crawl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/openreview-finder/openreview-finder/internal/openreview"
)

// cachePath names the file that holds the raw answer to q: one folder per
// venue, listing and pass, and the request's hash in the name, so a cached
// page is only ever re-used for the very same request.
func (c *Crawler) cachePath(venueID, listing string, cp checkpoint, q url.Values) string {
	if c.opts.CacheDir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(q.Encode()))
	name := fmt.Sprintf("%05d-%s.json", cp.Pages+1, hex.EncodeToString(sum[:6]))
	return filepath.Join(c.listingCacheDir(venueID, listing), passDir(cp.Gen), name)
}

func (c *Crawler) listingCacheDir(venueID, listing string) string {
	return filepath.Join(c.opts.CacheDir, "openreview", url.PathEscape(venueID), listing)
}

func passDir(gen int) string { return "pass-" + strconv.Itoa(gen) }

// fetchPage returns the parsed page for q, from the cache when a valid copy
// is there, else from the source (and then caches it before parsing, so a
// crash between fetch and commit costs no request on the re-run).
func (c *Crawler) fetchPage(ctx context.Context, version int, q url.Values, path string) (openreview.NotesPage, bool, error) {
	if path != "" {
		if body, err := os.ReadFile(path); err == nil {
			page, perr := openreview.ParseNotes(body)
			if perr == nil {
				return page, true, nil
			}
			c.log.Warn("discarding unreadable cached page", "path", path, "err", perr)
			_ = os.Remove(path)
		}
	}
	body, err := c.src.Get(ctx, version, "/notes", q)
	if err != nil {
		return openreview.NotesPage{}, false, err
	}
	page, err := openreview.ParseNotes(body)
	if err != nil {
		return openreview.NotesPage{}, false, fmt.Errorf("parse notes page: %w", err)
	}
	if path != "" {
		if err := writeAtomic(path, body); err != nil {
			// The cache only saves requests; a full disk must not stop the crawl.
			c.log.Warn("cannot cache page", "path", path, "err", err)
		}
	}
	return page, false, nil
}

// pruneCache removes the pages of earlier passes once a pass is complete.
func (c *Crawler) pruneCache(venueID, listing string, keep int) {
	if c.opts.CacheDir == "" {
		return
	}
	dir := c.listingCacheDir(venueID, listing)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != passDir(keep) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				c.log.Warn("cannot prune cache", "dir", e.Name(), "err", err)
			}
		}
	}
}

// writeAtomic writes data to path through a temporary file and a rename, so
// a reader never sees half a page.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".page-*")
	if err != nil {
		return err
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	name := tmp.Name()
	tmp = nil
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}
