// Command chroma compares the embedded SQLite store with a Chroma server
// as openreview-finder's index, in one run, on the same synthetic papers
// (issue 7): indexing throughput, then search latency and throughput of
// semantic (with and without a venue + year filter), keyword (BM25) and
// hybrid top-10 searches, at 1 client and at 4 concurrent clients.
//
// It makes -n papers with random 768-d unit vectors (bench/search's
// generator), writes them into a fresh SQLite store, starts its own Chroma
// server (Node and the chromadb npm package from scripts/chroma/install.sh)
// and publishes the store there with chromastore.Upload. The two engines
// are search.Engine over the store (vectors in memory) and search.Engine
// with Options.Vectors set to the Chroma collection; both embed queries
// with vectors made beforehand, so the model's cost is left out.
//
//	go run ./bench/chroma               # 20k papers, table
//	go run ./bench/chroma -json
//	ORF_CHROMA_DIR=/path/to/install go run ./bench/chroma -n 5000 -duration 3s
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chroma bench:", err)
		os.Exit(1)
	}
}

type config struct {
	n, queries int
	clients    []int
	duration   time.Duration
	json       bool
	chromaDir  string
	waitIdle   time.Duration
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c := config{chromaDir: ".cache/chroma"}
	if d := getenv("ORF_CHROMA_DIR"); d != "" {
		c.chromaDir = d
	}
	fs := flag.NewFlagSet("chroma-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.n, "n", 20000, "synthetic papers")
	fs.IntVar(&c.queries, "queries", 200, "distinct queries, searched in turn")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "how long each search measurement runs (at least 20 searches)")
	fs.BoolVar(&c.json, "json", false, "print one JSON object instead of a table")
	fs.StringVar(&c.chromaDir, "chroma-dir", c.chromaDir, "chromadb install directory, holding node_modules/chromadb (default $ORF_CHROMA_DIR or .cache/chroma)")
	fs.DurationVar(&c.waitIdle, "wait-idle", time.Minute, "before indexing and each search measurement, wait up to this long for other work on the machine to stop (0: don't)")
	clients := fs.String("clients", "1,4", "comma-separated concurrent client counts")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	for _, s := range strings.Split(*clients, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || k < 1 {
			return config{}, fmt.Errorf("-clients: %q is not a positive whole number", s)
		}
		c.clients = append(c.clients, k)
	}
	switch {
	case c.n < 1000:
		return config{}, errors.New("-n must be at least 1000")
	case c.queries < 10:
		return config{}, errors.New("-queries must be at least 10")
	case c.duration <= 0:
		return config{}, errors.New("-duration must be positive")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	rep, err := measure(ctx, c, stderr)
	if err != nil {
		return err
	}
	if c.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReport(stdout, rep)
	return nil
}
