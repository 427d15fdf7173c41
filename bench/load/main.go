// Command load drives openreview-finder's web server with concurrent
// clients, against issue 5's target: GET /api/search over 100k papers at 8
// concurrent clients, p50 ≤ 50 ms and p99 ≤ 150 ms.
//
// It opens the synthetic 100k-paper index and the random BERT-base query
// encoder that bench/search caches under bench/.cache (run `make
// bench-search` once first), serves them with web.New on 127.0.0.1 exactly
// as `openreview-finder serve` does (MaxSearches 2 unless -max-searches),
// and runs each query mix in a closed loop: every client sends its next
// request as soon as the last one answered (or, with -think, after a
// pause as a reader would take). Each mix is warmed up, then
// timed for -duration. It also reports what the search page weighs on
// first load, with and without gzip.
//
//	go run ./bench/load                 # table
//	go run ./bench/load -json           # one JSON object
//	go run ./bench/load -clients 8 -duration 20s -mixes distinct,zipf
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
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "load bench:", err)
		os.Exit(1)
	}
}

type config struct {
	clients     int
	duration    time.Duration
	warmup      time.Duration
	think       time.Duration
	maxSearches int
	n           int
	json        bool
	cache       string
	waitIdle    time.Duration
	mixes       []string
	cpuprofile  string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("load-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.clients, "clients", 8, "concurrent clients, each sending its next request when the last one answered")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "how long each mix is timed")
	fs.DurationVar(&c.warmup, "warmup", 3*time.Second, "how long each mix runs untimed first")
	fs.DurationVar(&c.think, "think", 0, "mean pause (exponential) between a client's requests; 0: none, a closed loop")
	fs.IntVar(&c.maxSearches, "max-searches", 0, "searches the server runs at once (0: web's default, 2)")
	fs.IntVar(&c.n, "n", 100000, "papers in the cached index (bench/search -n)")
	fs.BoolVar(&c.json, "json", false, "print one JSON object instead of a table")
	fs.StringVar(&c.cache, "cache", "bench/.cache", "directory holding bench/search's index and random model")
	fs.DurationVar(&c.waitIdle, "wait-idle", time.Minute, "before each mix, wait up to this long for other work on the machine to stop (0: don't)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	only := fs.String("mixes", strings.Join(mixNames, ","), "comma-separated query mixes to run")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	c.mixes = strings.Split(*only, ",")
	for _, m := range c.mixes {
		if !slices.Contains(mixNames, m) {
			return config{}, fmt.Errorf("-mixes: %q is none of %s", m, strings.Join(mixNames, ","))
		}
	}
	switch {
	case c.clients < 1:
		return config{}, errors.New("-clients must be at least 1")
	case c.duration < time.Second:
		return config{}, errors.New("-duration must be at least 1s")
	case c.warmup < 0 || c.think < 0:
		return config{}, errors.New("-warmup and -think must not be negative")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
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
