package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/chromastore"
	"github.com/openreview-finder/openreview-finder/internal/embedding"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// migrateFlags are migrate's command line: exactly one of --to and --from.
type migrateFlags struct {
	cfg      config
	to, from string
	batch    int
}

func runMigrate(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var f migrateFlags
	fs := newFlagSet("migrate", env.getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openreview-finder migrate --to chroma://HOST:PORT[/TENANT/DATABASE] [--data-dir DIR]")
		fmt.Fprintln(stderr, "       openreview-finder migrate --from chroma://HOST:PORT[/TENANT/DATABASE] [--data-dir DIR]")
		fmt.Fprintln(stderr, "Copies the local index with its vectors into Chroma (--to), for serve --store, or back (--from).")
		fmt.Fprintln(stderr, "Only papers missing or changed on the other side are sent: run it again to resume or to update.")
		fmt.Fprintln(stderr, "The token comes from CHROMA_TOKEN.")
		fs.PrintDefaults()
	}
	f.cfg.dataFlags(fs)
	fs.stringVar(&f.to, "to", "", "", "copy the local index into this Chroma server (chroma://, chromas://, http(s)://)")
	fs.stringVar(&f.from, "from", "", "", "copy the index in this Chroma server into the local index, creating it if needed")
	fs.IntVar(&f.batch, "batch", 0, "papers per request (default: as many as the server takes, at most 1000)")
	pos, err := fs.parse(args)
	if err != nil {
		return flagError(err)
	}
	switch {
	case len(pos) > 0:
		return usageError(fmt.Sprintf("migrate takes no arguments, only --to or --from (got %q)", pos[0]))
	case (f.to == "") == (f.from == ""):
		return usageError("migrate needs exactly one of --to chroma://HOST:PORT (publish the local index) and --from chroma://HOST:PORT (copy it back)")
	case f.batch < 0:
		return usageError(fmt.Sprintf("--batch must be positive, not %d", f.batch))
	}
	log, err := f.cfg.logger(env, stderr)
	if err != nil {
		return err
	}
	if f.to != "" {
		return f.upload(ctx, env, log, stdout, stderr)
	}
	return f.download(ctx, env, log, stdout, stderr)
}

// upload publishes the local index, which must hold vectors: Chroma keeps
// one collection per model, and a record without its vector is no use to
// semantic search there.
func (f *migrateFlags) upload(ctx context.Context, env environ, log *slog.Logger, stdout, stderr io.Writer) error {
	c, err := chromaClient(f.to, env)
	if err != nil {
		return err
	}
	st, err := openIndex(ctx, &f.cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	model, ok, err := st.EmbeddingModel(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the index at %s has no vectors to publish: run \"openreview-finder index\" (without --no-embed) first, then migrate again", f.cfg.indexPath())
	}
	cs, err := chromastore.Open(ctx, c, model, true) // its errors name the server
	if err != nil {
		return err
	}
	watch := &syncProgress{verb: "uploading", w: stderr, tty: env.stderrTTY, log: log, began: time.Now()}
	stats, err := chromastore.Upload(ctx, st, cs, f.options(watch, log))
	watch.finish()
	if err != nil {
		return fmt.Errorf("migrate to %s: %w", c.URL(), err)
	}
	fmt.Fprintf(stdout, "Migrated the index at %s to %s (collection %s): %s.\n",
		f.cfg.indexPath(), c.URL(), cs.Collection(), summary(stats, "without a current vector: run index first"))
	return nil
}

// download copies the index in Chroma into the local one, creating it.
func (f *migrateFlags) download(ctx context.Context, env environ, log *slog.Logger, stdout, stderr io.Writer) error {
	c, err := chromaClient(f.from, env)
	if err != nil {
		return err
	}
	cs, err := openChroma(ctx, c)
	if err != nil {
		return err
	}
	if err := ensureDir(f.cfg.DataDir); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	st, err := store.Open(ctx, f.cfg.indexPath())
	if err != nil {
		return err
	}
	defer st.Close()
	watch := &syncProgress{verb: "downloading", w: stderr, tty: env.stderrTTY, log: log, began: time.Now()}
	stats, err := chromastore.Download(ctx, cs, st, f.options(watch, log))
	watch.finish()
	if err != nil {
		return fmt.Errorf("migrate from %s: %w", c.URL(), err)
	}
	fmt.Fprintf(stdout, "Migrated the index at %s (collection %s) to %s: %s.\n",
		c.URL(), cs.Collection(), f.cfg.indexPath(), summary(stats, "without a title or an abstract"))
	return nil
}

func (f *migrateFlags) options(watch *syncProgress, log *slog.Logger) chromastore.SyncOptions {
	return chromastore.SyncOptions{
		Batch: f.batch, Progress: watch.update, PaperText: embedding.PaperText, Logger: log.With("component", "migrate"),
	}
}

// summary is the counts of a migration, its time and rate; skipped says
// why papers were left behind, if any were.
func summary(s chromastore.SyncStats, skipped string) string {
	rate := float64(s.Papers) / max(s.Elapsed.Seconds(), 1e-9)
	out := fmt.Sprintf("%d papers and %d vectors written, %d papers already there", s.Papers, s.Vectors, s.Unchanged)
	if s.Skipped > 0 {
		out += fmt.Sprintf(", %d skipped (%s)", s.Skipped, skipped)
	}
	return out + fmt.Sprintf(", in %s, %.1f papers/s", s.Elapsed.Round(time.Millisecond), rate)
}

// syncProgress shows a migration in flight: a line rewritten in place on a
// terminal, a log record at most every 10 seconds elsewhere.
type syncProgress struct {
	verb   string
	w      io.Writer
	tty    bool
	log    *slog.Logger
	began  time.Time
	last   time.Time
	done   int
	active bool
}

func (p *syncProgress) update(done, total int) {
	if done < p.done { // Download's second pass, vectors after papers
		p.began = time.Now()
	}
	p.done = done
	rate, eta := embedSpeed(p.began, done, total)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s: %d of %d papers, %.1f papers/s, ETA %s", p.verb, done, total, rate, eta)
		p.active = true
		return
	}
	if time.Since(p.last) < 10*time.Second && done < total {
		return
	}
	p.last = time.Now()
	p.log.Info("migrate progress", "verb", p.verb, "papers", done, "total", total, "papers_per_s", round1(rate), "eta", eta.String())
}

func (p *syncProgress) finish() {
	if p.active {
		fmt.Fprintln(p.w)
		p.active = false
	}
}
