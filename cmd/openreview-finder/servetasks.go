package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/crawl"
	"github.com/openreview-finder/openreview-finder/internal/web"
)

// The background tasks of serve (crawl, embedding) and how the page and
// standard output show them.

// refreshLoop crawls the venues again every --refresh-every, embeds what
// changed and writes the index back, until ctx ends.
func (s *server) refreshLoop(ctx context.Context) {
	if s.flags.refresh <= 0 || len(s.flags.venues) == 0 {
		return
	}
	t := time.NewTicker(s.flags.refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before, _ := s.count(ctx)
		s.say("refreshing: crawling %d venues for new and changed papers", len(s.flags.venues))
		s.crawl(ctx)
		s.embed(ctx)
		s.writeBackIndex(ctx)
		if n, err := s.count(ctx); err == nil && ctx.Err() == nil {
			s.say("refreshed: %d papers (%+d)", n, n-before)
		}
	}
}

// crawl crawls the venues given, one after the other.
func (s *server) crawl(ctx context.Context) {
	f := s.flags
	if len(f.venues) == 0 {
		return
	}
	w := &crawlTask{s: s}
	job := crawlJob{venues: f.venues, all: f.status == "all", started: w.started}
	errs := crawlVenues(ctx, &f.cfg, s.env, s.log, s.st, job, w, s.out)
	s.finish(ctx, "crawl", errors.Join(errs...))
}

// crawlTask shows a crawl on the page and, every sayEvery, on standard
// output.
type crawlTask struct {
	s    *server
	said time.Time
}

func (c *crawlTask) started(venue string) {
	c.s.say("crawling %s …", venue)
	c.said = time.Now()
	c.s.tasks.update("crawl", func(p *web.Progress) {
		p.Message, p.Done, p.Total, p.Started = "Crawling "+venue, 0, 0, time.Now()
	})
}

func (c *crawlTask) update(pr crawl.Progress) {
	rate, eta := speed(pr)
	line := progressLine(pr, rate, eta)
	c.s.tasks.update("crawl", func(p *web.Progress) {
		p.Message, p.Done, p.Total = "Crawling "+line, pr.Papers, pr.Total
	})
	if time.Since(c.said) >= sayEvery {
		c.said = time.Now()
		c.s.say("crawling: %s", line)
	}
}

func (c *crawlTask) finish() {}

// embed embeds every paper without its vector, reloading the engine as it
// goes.
func (s *server) embed(ctx context.Context) {
	if s.flags.noEmbed || ctx.Err() != nil {
		return
	}
	if n, err := s.st.CountPendingEmbeddings(ctx); err != nil || n == 0 {
		s.finish(ctx, "embed", err)
		return
	}
	w := &embedTask{s: s, ctx: ctx}
	err := embedIndex(ctx, s.st, &s.flags.sf, s.encs, false, w, s.log, s.out)
	s.reload(ctx)
	s.finish(ctx, "embed", err)
}

// embedTask shows embedding on the page and on standard output, and makes
// the new vectors searchable every reloadEvery.
type embedTask struct {
	s                     *server
	ctx                   context.Context // the background work's, for Reload
	began, said, reloaded time.Time
	written               time.Time // last write-back to the data directory
}

func (e *embedTask) start() {
	e.began, e.said, e.reloaded, e.written = time.Now(), time.Now(), time.Now(), time.Now()
	e.s.tasks.update("embed", func(p *web.Progress) { p.Message, p.Started = "Embedding papers", e.began })
}

func (e *embedTask) update(done, total int) {
	rate, eta := embedSpeed(e.began, done, total)
	line := fmt.Sprintf("%d/%d papers, %.1f papers/s, ETA %s", done, total, rate, eta)
	e.s.tasks.update("embed", func(p *web.Progress) { p.Message, p.Done, p.Total = "Embedding: "+line, done, total })
	if time.Since(e.said) >= sayEvery || done >= total {
		e.said = time.Now()
		e.s.say("embedding: %s", line)
	}
	if time.Since(e.reloaded) >= reloadEvery {
		e.s.reload(e.ctx)
		e.reloaded = time.Now()
	}
	if time.Since(e.written) >= writeBackEvery {
		e.s.writeBackIndex(e.ctx)
		e.written = time.Now()
	}
}

func (e *embedTask) finish() {}

// reload makes the vectors saved so far searchable.
func (s *server) reload(ctx context.Context) {
	eng := s.engine.Load()
	if eng == nil || ctx.Err() != nil {
		return
	}
	was := eng.Semantic()
	if err := eng.Reload(ctx); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("reload vectors", "err", err)
		}
		return
	}
	if was != nil && eng.Semantic() == nil {
		s.say("semantic search on: %d vectors", eng.Len())
	}
}

// finish ends a task: it leaves the page, unless it failed (not merely
// cancelled by shutdown), when it stays with the reason.
func (s *server) finish(ctx context.Context, phase string, err error) {
	if err == nil || ctx.Err() != nil {
		s.tasks.remove(phase)
		return
	}
	s.fail(ctx, phase, err)
}

// fail logs a failed task and shows it on the page.
func (s *server) fail(ctx context.Context, phase string, err error) {
	if ctx.Err() != nil {
		return
	}
	msg := strings.ReplaceAll(message(err), "\n", "; ") // errors.Join puts one venue per line
	s.log.Error(phase+" failed", "err", msg)
	s.tasks.update(phase, func(p *web.Progress) {
		p.Message = strings.ToUpper(phase[:1]) + phase[1:] + " failed: " + msg
		p.Total = max(p.Total, 1)
		p.Done = p.Total // finished
	})
}

// tasks are the background tasks the page shows, in the order they began.
type tasks struct {
	mu   sync.Mutex
	list []web.Progress
}

// update changes the task of phase, adding it (started now) if absent.
func (t *tasks) update(phase string, fn func(*web.Progress)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.list {
		if t.list[i].Phase == phase {
			fn(&t.list[i])
			return
		}
	}
	p := web.Progress{Phase: phase, Started: time.Now()}
	fn(&p)
	t.list = append(t.list, p)
}

func (t *tasks) remove(phase string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.list = slices.DeleteFunc(t.list, func(p web.Progress) bool { return p.Phase == phase })
}

// progress returns a copy of the tasks, for the web handler.
func (t *tasks) progress() []web.Progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.list)
}
