// Command openreview-finder crawls OpenReview venues into a local index and
// searches it from the command line or a web page.
//
// Usage:
//
//	openreview-finder index --venue ICLR.cc/2025/Conference [--status accepted|all]
//	openreview-finder search "diffusion models for proteins" [-n 10] [--venue ICLR] [--year 2025] [--status oral] [--mode hybrid|semantic|keyword] [--explain]
//	openreview-finder similar ID|FORUM_URL [-n 10] [filters]
//	openreview-finder venues [--match ICLR]
//	openreview-finder status
//	openreview-finder serve [--addr 127.0.0.1:7860] [--venue ICLR.cc/2025/Conference] (alias: web)
//	openreview-finder snapshot push --repo USER/DATASET (or pull): publish the index on the Hub, or start from it
//	openreview-finder migrate --to chroma://HOST:PORT (or --from): publish the index in Chroma, or copy it back
//	openreview-finder search|similar|serve --store chroma://HOST:PORT: search an index published in Chroma
//
// Run "openreview-finder help" for every command and flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := environ{getenv: os.Getenv, stdinTTY: isTerminal(os.Stdin), stderrTTY: isTerminal(os.Stderr)}
	if err := run(ctx, os.Args[1:], env, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "openreview-finder: "+message(err))
		}
		os.Exit(exitCode(err))
	}
}

// environ is what run needs from the process beyond its arguments, so tests
// can supply their own.
type environ struct {
	getenv    func(string) string
	stdinTTY  bool
	stderrTTY bool // progress lines instead of log records
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"index", "crawl OpenReview venues into the local index", runIndex},
		{"search", "search the index by meaning and words (hybrid, semantic or keyword) with exact filters", runSearch},
		{"similar", "find the papers nearest to one paper, or to a pasted title and abstract", runSimilar},
		{"venues", "list the venues OpenReview knows, and their API version", runVenues},
		{"status", "show what the index holds per venue and status", runStatus},
		{"serve", "serve the search page and JSON API, crawling and embedding in the background (alias: web)", runServe},
		{"snapshot", "snapshot push|pull: publish the index to a Hub dataset repo, or download it verified", runSnapshot},
		{"migrate", "copy the index into a Chroma server (--to) or back (--from), for search --store chroma://…", runMigrate},
		{"embed", "embed JSONL texts with SPECTER2 (or another BERT) and print the vectors", runEmbed},
		{"tokenize", "print the token ids a model's tokenizer gives JSONL texts", runTokenize},
		{"model", "model pull: download the model files into the Hugging Face cache", runModel},
	}
}

// run is the whole program: it parses args and runs one command.
func run(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return usageError("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return nil
	case "web":
		name = "serve"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], env, stdout, stderr)
		}
	}
	usage(stderr)
	return usageError(fmt.Sprintf("unknown command %q", name))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "openreview-finder: find OpenReview papers by what they are about.")
	fmt.Fprintln(w, "\nUsage: openreview-finder COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"openreview-finder COMMAND -h\" for a command's flags.")
	fmt.Fprintln(w, "Credentials come from OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD, or OPENREVIEW_TOKEN.")
}
