package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/search"
)

func runSimilar(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var (
		f    searchFlags
		text string
	)
	fs := newFlagSet("similar", env.getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openreview-finder similar ID|FORUM_URL [-n N] [filters] [--format F] [--output FILE] [--store chroma://HOST:PORT]")
		fmt.Fprintln(stderr, "       openreview-finder similar --text \"TITLE<newline>ABSTRACT\" (or --text - to read it from standard input)")
		fmt.Fprintln(stderr, "Finds the papers nearest to a paper of the index, or to a pasted title and abstract, by SPECTER2 proximity.")
		fs.PrintDefaults()
	}
	f.register(fs)
	fs.stringVar(&text, "text", "", "", "a title, a newline, then the abstract, instead of a paper of the index (- reads standard input)")
	f.sf.register(fs, true, true)
	pos, err := fs.parse(args)
	if err != nil {
		return flagError(err)
	}
	switch {
	case text == "" && len(pos) != 1:
		return usageError("similar needs one paper id or OpenReview forum URL, or --text")
	case text != "" && len(pos) > 0:
		return usageError("give either a paper id or --text, not both")
	}
	filter, err := f.filter()
	if err != nil {
		return err
	}
	var title, abstract string
	if text != "" {
		if title, abstract, err = pastedPaper(text); err != nil {
			return err
		}
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
	eng, err := openEngine(ctx, ix, &f.sf, env, stderr, text != "")
	if err != nil {
		return err
	}
	if err := eng.Semantic(); err != nil {
		return fmt.Errorf("similar needs semantic search: %w", semanticHelp(err, &f.sf))
	}
	var res []search.Result
	if text != "" {
		res, err = eng.SimilarText(ctx, title, abstract, f.n, filter)
	} else {
		res, err = eng.Similar(ctx, pos[0], f.n, filter)
	}
	if err != nil {
		return err
	}
	return f.write(res, format, stdout, stderr)
}

// pastedPaper splits pasted text into a title (its first non-blank line)
// and an abstract (the rest). "-" reads the text from standard input.
func pastedPaper(text string) (string, string, error) {
	if text == "-" {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
		if err != nil {
			return "", "", fmt.Errorf("read standard input: %w", err)
		}
		text = string(b)
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", "", usageError("--text is empty: paste a title, a newline, then the abstract")
	}
	title, abstract, _ := strings.Cut(text, "\n")
	return strings.TrimSpace(title), strings.TrimSpace(abstract), nil
}
