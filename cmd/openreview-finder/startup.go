package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/hfhub"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/snapshot"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/web"
)

// snapshotDir is the folder of the data directory that receives the index
// when the live index is elsewhere (ORF_WORK_DIR): a mounted bucket gets
// whole-file copies there, never SQLite's random writes.
const snapshotDir = "snapshot"

// writeBackEvery spaces the copies of the index to the data directory
// during a long embedding, so a restart loses at most that much work.
const writeBackEvery = 10 * time.Minute

// placeDirs decides where the live index goes: the work directory when
// one is set, else the data directory; one that cannot be written is
// replaced by a local one, with a line saying so, because a server that
// exits here would only be restarted into the same failure.
func (s *server) placeDirs() {
	f := s.flags
	s.persist = f.cfg.DataDir
	live := cmp.Or(f.workDir, f.cfg.DataDir)
	if err := writableDir(live); err != nil {
		fb := s.fallbackDir()
		s.say("%s cannot be written (%v); keeping the index in %s instead, which does not outlive this container", live, err, fb)
		live = fb
	}
	f.cfg.DataDir = live
	if live == s.persist {
		return
	}
	if err := writableDir(s.persist); err != nil {
		s.say("data directory %s cannot be written (%v): the index is read from it but never written back", s.persist, err)
		return
	}
	s.writeBack = true
}

// fallbackDir is the first writable of $XDG_DATA_HOME/openreview-finder,
// ~/.local/share/openreview-finder and $TMPDIR/openreview-finder.
func (s *server) fallbackDir() string {
	get := s.env.getenv
	var dirs []string
	if d := get("XDG_DATA_HOME"); d != "" {
		dirs = append(dirs, filepath.Join(d, "openreview-finder"))
	}
	if h := get("HOME"); h != "" {
		dirs = append(dirs, filepath.Join(h, ".local", "share", "openreview-finder"))
	}
	dirs = append(dirs, filepath.Join(cmp.Or(get("TMPDIR"), os.TempDir()), "openreview-finder"))
	for _, d := range dirs {
		if writableDir(d) == nil {
			return d
		}
	}
	return dirs[len(dirs)-1]
}

// fetchIndex fills an empty live index directory from a snapshot: the
// Hub's (ORF_INDEX_REPO) or the data directory's, the newer of the two
// when both exist. Without either, or when both fail, the index starts
// empty and the crawl fills it. It never stops the server.
func (s *server) fetchIndex(ctx context.Context) {
	if s.flags.chroma {
		return
	}
	local, lerr := s.localSnapshot()
	if lerr == nil {
		s.persisted = local // what a write-back would repeat
	}
	if fileExists(s.flags.cfg.indexPath()) {
		return
	}
	remote, commit, rerr := s.remoteSnapshot(ctx)
	if rerr == nil && (lerr != nil || !local.Created.After(remote.Created)) {
		if s.pullSnapshot(ctx, remote, commit) || ctx.Err() != nil {
			return
		}
	}
	if lerr == nil && s.installSnapshot(ctx, local) || ctx.Err() != nil {
		return
	}
	s.say("no index snapshot (%s; %s): starting with an empty index", reason(rerr), reason(lerr))
}

func reason(err error) string {
	if err == nil {
		return "failed, see above"
	}
	return err.Error()
}

// remoteSnapshot reads the manifest of ORF_INDEX_REPO's snapshot.
func (s *server) remoteSnapshot(ctx context.Context) (snapshot.Manifest, string, error) {
	if s.flags.indexRepo == "" {
		return snapshot.Manifest{}, "", errors.New("ORF_INDEX_REPO is not set")
	}
	repo, rev, _ := parseIndexRepo(s.flags.indexRepo) // checked by parse
	hub, err := (&hubFlags{progress: s.snapshotProgress}).client(s.env, s.stderr)
	if err != nil {
		return snapshot.Manifest{}, "", err
	}
	s.snapHub, s.snapRepo = hub, repo
	s.say("index snapshot: asking the Hub for %s", s.flags.indexRepo)
	m, commit, err := snapshot.Remote(ctx, hub, repo, rev)
	if err != nil && ctx.Err() == nil {
		s.say("index snapshot: %s", message(err))
	}
	return m, commit, err
}

// localSnapshot reads the manifest of the data directory's snapshot.
func (s *server) localSnapshot() (snapshot.Manifest, error) {
	if s.persist == s.flags.cfg.DataDir {
		return snapshot.Manifest{}, errors.New("the index lives in the data directory itself")
	}
	m, err := snapshot.Read(filepath.Join(s.persist, snapshotDir))
	if err != nil && !errors.Is(err, snapshot.ErrNoSnapshot) {
		s.say("index snapshot in %s: %s", s.persist, message(err))
	}
	return m, err
}

// pullSnapshot downloads and installs the Hub's snapshot.
func (s *server) pullSnapshot(ctx context.Context, m snapshot.Manifest, commit string) bool {
	began := time.Now()
	s.say("index snapshot: pulling %s (%s)", s.flags.indexRepo, m.Summary())
	s.tasks.update("index", func(p *web.Progress) { p.Message = "Downloading the index snapshot" })
	err := snapshot.Download(ctx, s.snapHub, s.snapRepo, commit, m, s.flags.cfg.DataDir, s.copyProgress("Installing the index snapshot"))
	if err != nil {
		s.fail(ctx, "index", err)
		return false
	}
	s.tasks.remove("index")
	s.say("index snapshot: %.1f MB pulled and verified in %.1f s", float64(m.Size())/1e6, time.Since(began).Seconds())
	return true
}

// installSnapshot copies the data directory's snapshot to local disk.
func (s *server) installSnapshot(ctx context.Context, m snapshot.Manifest) bool {
	began := time.Now()
	from := filepath.Join(s.persist, snapshotDir)
	s.say("index snapshot: copying %s to %s (%s)", from, s.flags.cfg.DataDir, m.Summary())
	if err := snapshot.Install(ctx, from, m, s.flags.cfg.DataDir, s.copyProgress("Copying the index snapshot")); err != nil {
		s.fail(ctx, "index", err)
		return false
	}
	s.tasks.remove("index")
	s.say("index snapshot: %.1f MB copied and verified in %.1f s", float64(m.Size())/1e6, time.Since(began).Seconds())
	return true
}

// snapshotProgress shows the snapshot's download on the page.
func (s *server) snapshotProgress(p hfhub.Progress) {
	if p.File != snapshot.IndexFile {
		return
	}
	s.tasks.update("index", func(t *web.Progress) {
		t.Message = fmt.Sprintf("Downloading the index snapshot: %.0f of %.0f MB", float64(p.Done)/1e6, float64(max(p.Total, 0))/1e6)
		t.Done, t.Total = int(p.Done), int(max(p.Total, 0))
	})
}

func (s *server) copyProgress(what string) snapshot.Progress {
	return func(done, total int64) {
		s.tasks.update("index", func(t *web.Progress) {
			t.Message = fmt.Sprintf("%s: %.0f of %.0f MB", what, float64(done)/1e6, float64(total)/1e6)
			t.Done, t.Total = int(done), int(total)
		})
	}
}

// writeBackIndex copies the index to the data directory's snapshot folder
// when it holds more than the copy there: made on local disk, copied front
// to back, manifest last.
func (s *server) writeBackIndex(ctx context.Context) {
	if !s.writeBack || s.st == nil || ctx.Err() != nil {
		return
	}
	papers, err1 := s.st.Count(ctx)
	vectors, err2 := s.st.VectorCount(ctx)
	if err := errors.Join(err1, err2); err != nil {
		s.log.Warn("write back the index", "err", err)
		return
	}
	if papers == s.persisted.Papers && vectors == s.persisted.Vectors && s.persisted.Format != "" {
		return
	}
	began := time.Now()
	tmp, err := os.MkdirTemp(s.flags.cfg.DataDir, ".snapshot-")
	if err != nil {
		s.log.Warn("write back the index", "err", err)
		return
	}
	defer os.RemoveAll(tmp)
	m, err := snapshot.Create(ctx, s.st, tmp)
	if err == nil {
		m, err = snapshot.Copy(ctx, tmp, filepath.Join(s.persist, snapshotDir), nil)
	}
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("write back the index", "err", err)
			s.say("index not written back to %s: %s", s.persist, message(err))
		}
		return
	}
	s.persisted = m
	s.say("index written back to %s (%s) in %.1f s", filepath.Join(s.persist, snapshotDir), m.Summary(), time.Since(began).Seconds())
}

// writableDir creates dir if missing and checks that a file can be made
// in it; the error says why not ("mkdir /data: permission denied").
func writableDir(dir string) error {
	if err := ensureDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		if pe := (*os.PathError)(nil); errors.As(err, &pe) {
			return pe.Err // the caller names the directory
		}
		return err
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// lateCatalog lets the page answer while the index is still being fetched:
// it lists nothing until set.
type lateCatalog struct{ c atomic.Pointer[web.Catalog] }

func (l *lateCatalog) set(c web.Catalog) { l.c.Store(&c) }

func (l *lateCatalog) get() web.Catalog {
	if c := l.c.Load(); c != nil {
		return *c
	}
	return nil
}

func (l *lateCatalog) Paper(ctx context.Context, id string) (paper.Paper, error) {
	if c := l.get(); c != nil {
		return c.Paper(ctx, id)
	}
	return paper.Paper{}, fmt.Errorf("paper %s: %w", id, paper.ErrNotFound)
}

func (l *lateCatalog) Venues(ctx context.Context) ([]paper.Venue, error) {
	if c := l.get(); c != nil {
		return c.Venues(ctx)
	}
	return nil, nil
}

func (l *lateCatalog) Stats(ctx context.Context) ([]store.Count, error) {
	if c := l.get(); c != nil {
		return c.Stats(ctx)
	}
	return nil, nil
}
