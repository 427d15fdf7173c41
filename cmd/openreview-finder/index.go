package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/crawl"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

func runIndex(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var (
		cfg     config
		sf      specterFlags
		venues  []string
		status  string
		refresh bool
		noEmbed bool
		reembed bool
	)
	fs := newFlagSet("index", env.getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openreview-finder index --venue ID [--venue ID ...] [--status accepted|all] [--no-embed] [flags]")
		fmt.Fprintln(stderr, "Crawls the venues, then embeds every new or changed paper with SPECTER2. Without --venue, only embeds.")
		fs.PrintDefaults()
	}
	cfg.dataFlags(fs)
	cfg.openReviewFlags(fs)
	fs.listVar(&venues, "venue", "ORF_VENUES", "venue id to crawl, e.g. ICLR.cc/2025/Conference")
	fs.stringVar(&status, "status", "ORF_STATUS", "accepted", "which papers to crawl: accepted, or all (rejected, withdrawn, desk-rejected, under review too)")
	fs.BoolVar(&refresh, "refresh", false, "read every listing in full again instead of only what changed since the last run")
	fs.BoolVar(&noEmbed, "no-embed", false, "crawl only: no vectors, keyword search only")
	fs.BoolVar(&reembed, "reembed", false, "drop the index's vectors and embed every paper again (after changing --model or --adapter)")
	sf.register(fs, true, false)
	pos, err := fs.parse(args)
	if err != nil {
		return flagError(err)
	}
	venues = append(venues, pos...)
	if len(venues) == 0 && (noEmbed || !fileExists(cfg.indexPath())) {
		return usageError("index needs at least one venue, e.g. --venue ICLR.cc/2025/Conference (\"openreview-finder venues\" lists them)")
	}
	if noEmbed && reembed {
		return usageError("--no-embed and --reembed contradict each other")
	}
	var all bool
	switch status {
	case "accepted":
	case "all":
		all = true
	default:
		return usageError(fmt.Sprintf("--status must be accepted or all, not %q", status))
	}
	log, err := cfg.logger(env, stderr)
	if err != nil {
		return err
	}
	if err := ensureDir(cfg.DataDir); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	st, err := store.Open(ctx, cfg.indexPath())
	if err != nil {
		return err
	}
	defer st.Close()

	watch := &progress{w: stderr, tty: env.stderrTTY, log: log}
	errs := crawlVenues(ctx, &cfg, env, log, st, crawlJob{venues: venues, all: all, refresh: refresh}, watch, stdout)
	if n, err := st.Count(ctx); err == nil {
		fmt.Fprintf(stdout, "The index at %s holds %d papers.\n", cfg.indexPath(), n)
	}
	if noEmbed || ctx.Err() != nil {
		return errors.Join(errs...)
	}
	bar := &embedProgress{w: stderr, tty: env.stderrTTY, log: log}
	if err := embedIndex(ctx, st, &sf, sf.encoders(env, stderr), reembed, bar, log, stdout); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// crawlJob is what to crawl.
type crawlJob struct {
	venues       []string
	all, refresh bool
	started      func(venue string) // called as each venue's crawl begins, if set
}

// crawlWatcher is told how a crawl goes: index draws it on the terminal,
// serve shows it on the web page.
type crawlWatcher interface {
	update(crawl.Progress)
	finish()
}

// crawlVenues crawls each venue in turn and reports each one's result; a
// failed venue does not stop the others, unless the next would fail the
// same way.
func crawlVenues(ctx context.Context, cfg *config, env environ, log *slog.Logger, st *store.Store,
	job crawlJob, watch crawlWatcher, stdout io.Writer) []error {
	if len(job.venues) == 0 {
		return nil
	}
	client, err := cfg.openReview(env, log)
	if err != nil {
		return []error{err}
	}
	cr := crawl.New(client, st, crawl.Options{
		CacheDir: cfg.cacheDir(), All: job.all, Refresh: job.refresh,
		Logger: log.With("component", "crawl"), Progress: watch.update,
	})
	var errs []error
	for _, v := range job.venues {
		start := time.Now()
		if job.started != nil {
			job.started(v)
		}
		res, err := cr.Venue(ctx, v)
		watch.finish()
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil || errors.Is(err, paper.ErrAuth) {
				break // the next venue would fail the same way
			}
			continue
		}
		fmt.Fprintf(stdout, "%s (%s, API v%d): %d papers new or changed; %d pages read (%d requests, %d from cache) in %s\n",
			res.Venue.Label, res.Venue.ID, res.Venue.APIVersion, res.Papers, res.Pages, res.Requests, res.CacheHits,
			time.Since(start).Round(time.Millisecond))
	}
	return errs
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// flagError turns a flag-parsing failure into a usage error (exit code 2);
// the flag package has already printed the details.
func flagError(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError(err.Error())
}
