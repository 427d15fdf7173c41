package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/embedding"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// embedIndex embeds every paper that has no vector or changed since it got
// one. Each batch commits on its own, so an interrupted run resumes where it
// stopped.
func embedIndex(ctx context.Context, st *store.Store, sf *specterFlags, encs *encoders, reembed bool,
	watch embedWatcher, log *slog.Logger, stdout io.Writer) error {
	pending, err := st.CountPendingEmbeddings(ctx)
	if err != nil {
		return err
	}
	if pending == 0 && !reembed {
		if err := checkIndexModel(ctx, st, sf); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "Every paper already has its vector.")
		return nil
	}
	enc, err := encs.paper(ctx)
	if err != nil {
		return fmt.Errorf("the papers are indexed for keyword search but not embedded (%w); fix that and run index again, or pass --no-embed", err)
	}
	model := sf.record(enc.Dim())
	if err := st.SetEmbeddingModel(ctx, model, reembed); err != nil {
		var mm *store.ModelMismatchError
		if errors.As(err, &mm) {
			return fmt.Errorf("the index holds vectors of %s, not of %s: pass --reembed to replace them all, or index with --model %s --adapter %s",
				mm.Have, mm.Want, mm.Have.Name, mm.Have.Adapter)
		}
		return err
	}
	watch.start()
	stats, err := search.EmbedPapers(ctx, st, enc, search.EmbedOptions{
		PaperText: embedding.PaperText, Progress: watch.update, Logger: log.With("component", "embed"),
	})
	watch.finish()
	if err != nil {
		return fmt.Errorf("embed papers: %w", err)
	}
	rate := float64(stats.Embedded) / max(stats.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(stdout, "Embedded %d papers (%d unchanged) in %s, %.1f papers/s, with %s.\n",
		stats.Embedded, stats.Unchanged, stats.Elapsed.Round(time.Millisecond), rate, model)
	return nil
}

// checkIndexModel refuses an index run whose model differs from the one
// the index's vectors were made with, even when nothing is left to embed,
// so a mistaken --model is caught on the first run.
func checkIndexModel(ctx context.Context, st *store.Store, sf *specterFlags) error {
	have, ok, err := st.EmbeddingModel(ctx)
	if err != nil || !ok {
		return err
	}
	if have.Name != modelName(sf.model) || have.Adapter != modelName(sf.paperAdapter) {
		return fmt.Errorf("the index holds vectors of %s, not of %s with adapter %s: pass --reembed to replace them all",
			have, modelName(sf.model), modelName(sf.paperAdapter))
	}
	return nil
}

// embedWatcher is told how embedding goes: index draws it on the terminal,
// serve shows it on the web page.
type embedWatcher interface {
	start()
	update(done, total int)
	finish()
}

// embedProgress shows embedding in flight: a line rewritten in place on a
// terminal, a log record at most every 10 seconds elsewhere.
type embedProgress struct {
	w      io.Writer
	tty    bool
	log    *slog.Logger
	began  time.Time
	last   time.Time
	active bool
}

func (p *embedProgress) start() { p.began = time.Now() }

func (p *embedProgress) update(done, total int) {
	rate, eta := embedSpeed(p.began, done, total)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[Kembedding: %d of %d papers, %.1f papers/s, ETA %s", done, total, rate, eta)
		p.active = true
		return
	}
	if time.Since(p.last) < 10*time.Second && done < total {
		return
	}
	p.last = time.Now()
	p.log.Info("embed progress", "papers", done, "total", total, "papers_per_s", round1(rate), "eta", eta.String())
}

func (p *embedProgress) finish() {
	if p.active {
		fmt.Fprintln(p.w)
		p.active = false
	}
}

// embedSpeed is the rate of embedding since began and the time left at
// that rate.
func embedSpeed(began time.Time, done, total int) (float64, time.Duration) {
	rate := float64(done) / max(time.Since(began).Seconds(), 1e-9)
	var eta time.Duration
	if done > 0 {
		eta = time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second)
	}
	return rate, eta
}
