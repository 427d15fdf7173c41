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
	"github.com/openreview-finder/openreview-finder/internal/search"
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
	mode     string
	explain  bool
	sf       specterFlags
	store    storeFlag
}

// register adds the filter and output flags that search and similar share.
func (f *searchFlags) register(fs *flagSet) {
	f.cfg.dataFlags(fs)
	f.store.register(fs)
	fs.IntVar(&f.n, "n", 10, "number of results (same as --num-results)")
	fs.IntVar(&f.n, "num-results", 10, "number of results")
	fs.listVar(&f.venues, "venue", "", "only this venue: an id (ICLR.cc/2025/Conference), a label (\"ICLR 2025\") or a series (ICLR)")
	fs.listVar(&f.years, "year", "", "only papers of this year")
	fs.listVar(&f.statuses, "status", "", "only this status: accepted, oral, spotlight, poster, rejected, withdrawn, desk-rejected, under-review")
	fs.listVar(&f.authors, "author", "", "only papers with this author (case and accents ignored)")
	fs.listVar(&f.keywords, "keyword", "", "only papers with this keyword (case and accents ignored)")
	fs.stringVar(&f.format, "format", "", "", "output format: table, json, csv or bibtex (default: from --output's extension, else table)")
	fs.stringVar(&f.output, "output", "", "", "write the results to this file instead of standard output")
}

func runSearch(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var f searchFlags
	fs := newFlagSet("search", env.getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openreview-finder search QUERY [--mode hybrid|semantic|keyword] [--explain] [-n N] [--venue V]... [--year Y]... [--status S]... [--author A]... [--keyword K]... [--format table|json|csv|bibtex] [--output FILE] [--store chroma://HOST:PORT]")
		fs.PrintDefaults()
	}
	f.register(fs)
	fs.stringVar(&f.mode, "mode", "ORF_SEARCH_MODE", "hybrid", "hybrid (words and meaning fused), semantic (SPECTER2 only) or keyword (BM25 only)")
	fs.BoolVar(&f.explain, "explain", false, "show each result's keyword rank, semantic rank, similarity and matched words")
	f.sf.register(fs, false, true)
	pos, err := fs.parse(args)
	if err != nil {
		return flagError(err)
	}
	q, err := f.query(strings.Join(pos, " "))
	if err != nil {
		return err
	}
	mode, err := search.ParseMode(f.mode)
	if err != nil {
		return usageError(strings.TrimSuffix(err.Error(), ": "+paper.ErrInvalid.Error()))
	}
	format, err := outputFormat(f.format, f.output)
	if err != nil {
		return err
	}
	ix, err := f.store.open(ctx, &f.cfg, env)
	if err != nil {
		return err
	}
	defer ix.Close()
	var res []search.Result
	if mode == search.ModeKeyword && !f.explain {
		// Pure BM25 needs neither the vectors nor the model: skip loading them.
		hits, err := ix.st.Search(ctx, q)
		if err != nil {
			return err
		}
		for _, h := range hits {
			res = append(res, search.Result{Paper: h.Paper, Score: h.Score})
		}
	} else {
		eng, err := openEngine(ctx, ix, &f.sf, env, stderr, false)
		if err != nil {
			return err
		}
		resp, err := eng.Search(ctx, search.Request{Text: q.Text, Mode: mode, Limit: q.Limit, Filter: q.Filter, Explain: f.explain})
		if err != nil {
			if semErr := eng.Semantic(); semErr != nil && mode == search.ModeSemantic {
				return semanticHelp(semErr, &f.sf)
			}
			return err
		}
		if resp.Notice != "" {
			fmt.Fprintf(stderr, "Semantic search is off, showing keyword results: %v\n", semanticHelp(eng.Semantic(), &f.sf))
		}
		res = resp.Results
	}
	return f.write(res, format, stdout, stderr)
}

// write prints the results, or writes them to --output.
func (f *searchFlags) write(res []search.Result, format string, stdout, stderr io.Writer) error {
	if f.output == "" {
		return writeResults(stdout, format, res)
	}
	if err := writeFileAtomic(f.output, func(w io.Writer) error { return writeResults(w, format, res) }); err != nil {
		return fmt.Errorf("write %s: %w", f.output, err)
	}
	fmt.Fprintf(stderr, "%d results written to %s\n", len(res), f.output)
	return nil
}

// query checks the flags and turns them into a store query.
func (f *searchFlags) query(text string) (store.Query, error) {
	filter, err := f.filter()
	if err != nil {
		return store.Query{}, err
	}
	if strings.TrimSpace(text) == "" && filter.Empty() {
		return store.Query{}, usageError("search needs a query or at least one filter, e.g. openreview-finder search \"graph neural networks\"")
	}
	return store.Query{Text: text, Limit: f.n, Filter: filter}, nil
}

// filter checks -n and the filter flags.
func (f *searchFlags) filter() (store.Filter, error) {
	if f.n < 1 || f.n > store.MaxLimit {
		return store.Filter{}, usageError(fmt.Sprintf("-n must be between 1 and %d, not %d", store.MaxLimit, f.n))
	}
	filter := store.Filter{Venues: f.venues, Authors: f.authors, Keywords: f.keywords}
	for _, y := range f.years {
		n, err := strconv.Atoi(strings.TrimSpace(y))
		if err != nil || n < 1900 || n > 2200 {
			return filter, usageError(fmt.Sprintf("--year must be a year such as 2025, not %q", y))
		}
		filter.Years = append(filter.Years, n)
	}
	for _, s := range f.statuses {
		st, pres, err := paper.ParseStatus(s)
		if err != nil {
			return filter, usageError(strings.TrimPrefix(err.Error(), paper.ErrInvalid.Error()+": "))
		}
		filter.Statuses = append(filter.Statuses, store.StatusFilter{Status: st, Presentation: pres})
	}
	return filter, nil
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
