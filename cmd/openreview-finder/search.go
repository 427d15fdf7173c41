package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

type searchFlags struct {
	cfg      config
	n        int
	venues   []string
	years    []string
	statuses []string
	authors  []string
	keywords []string
	format   string
	output   string
}

func runSearch(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var f searchFlags
	fs := newFlagSet("search", env.getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openreview-finder search QUERY [-n N] [--venue V]... [--year Y]... [--status S]... [--author A]... [--keyword K]... [--format table|json|csv|bibtex] [--output FILE]")
		fs.PrintDefaults()
	}
	f.cfg.dataFlags(fs)
	fs.IntVar(&f.n, "n", 10, "number of results (same as --num-results)")
	fs.IntVar(&f.n, "num-results", 10, "number of results")
	fs.listVar(&f.venues, "venue", "", "only this venue: an id (ICLR.cc/2025/Conference), a label (\"ICLR 2025\") or a series (ICLR)")
	fs.listVar(&f.years, "year", "", "only papers of this year")
	fs.listVar(&f.statuses, "status", "", "only this status: accepted, oral, spotlight, poster, rejected, withdrawn, desk-rejected, under-review")
	fs.listVar(&f.authors, "author", "", "only papers with this author (case and accents ignored)")
	fs.listVar(&f.keywords, "keyword", "", "only papers with this keyword (case and accents ignored)")
	fs.stringVar(&f.format, "format", "", "", "output format: table, json, csv or bibtex (default: from --output's extension, else table)")
	fs.stringVar(&f.output, "output", "", "", "write the results to this file instead of standard output")
	pos, err := fs.parse(args)
	if err != nil {
		return flagError(err)
	}
	q, err := f.query(strings.Join(pos, " "))
	if err != nil {
		return err
	}
	format, err := outputFormat(f.format, f.output)
	if err != nil {
		return err
	}
	st, err := openIndex(ctx, &f.cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	hits, err := st.Search(ctx, q)
	if err != nil {
		return err
	}
	if f.output == "" {
		return writeResults(stdout, format, hits)
	}
	if err := writeFileAtomic(f.output, func(w io.Writer) error { return writeResults(w, format, hits) }); err != nil {
		return fmt.Errorf("write %s: %w", f.output, err)
	}
	fmt.Fprintf(stderr, "%d results written to %s\n", len(hits), f.output)
	return nil
}

// query checks the flags and turns them into a store query.
func (f *searchFlags) query(text string) (store.Query, error) {
	if f.n < 1 || f.n > 1000 {
		return store.Query{}, usageError(fmt.Sprintf("-n must be between 1 and 1000, not %d", f.n))
	}
	q := store.Query{Text: text, Limit: f.n, Filter: store.Filter{
		Venues: f.venues, Authors: f.authors, Keywords: f.keywords,
	}}
	for _, y := range f.years {
		n, err := strconv.Atoi(strings.TrimSpace(y))
		if err != nil || n < 1900 || n > 2200 {
			return q, usageError(fmt.Sprintf("--year must be a year such as 2025, not %q", y))
		}
		q.Filter.Years = append(q.Filter.Years, n)
	}
	for _, s := range f.statuses {
		st, pres, err := paper.ParseStatus(s)
		if err != nil {
			return q, usageError(strings.TrimPrefix(err.Error(), paper.ErrInvalid.Error()+": "))
		}
		q.Filter.Statuses = append(q.Filter.Statuses, store.StatusFilter{Status: st, Presentation: pres})
	}
	if strings.TrimSpace(text) == "" && q.Filter.Empty() {
		return q, usageError("search needs a query or at least one filter, e.g. openreview-finder search \"graph neural networks\"")
	}
	return q, nil
}

// openIndex opens an existing index; it never creates one, so a mistyped
// --data-dir gives a clear error instead of an empty result.
func openIndex(ctx context.Context, cfg *config) (*store.Store, error) {
	path := cfg.indexPath()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no index at %s: build one with \"openreview-finder index --venue ICLR.cc/2025/Conference\" (or set --data-dir)", path)
	}
	return store.Open(ctx, path)
}

// writeFileAtomic writes through a temporary file in the same folder, so a
// failed export never leaves half a file in place of a good one.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
