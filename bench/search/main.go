// Command search benchmarks openreview-finder's search at the scale the
// issue sets (100k papers) against its targets: the vector part of a
// semantic search, end-to-end hybrid and semantic searches with a
// BERT-base query encoder, startup, index size on disk and memory.
//
// It builds once, under -cache, a synthetic index of realistic papers with
// random unit vectors, and a BERT-base of SPECTER2's exact shape with random
// weights and a random query adapter, in the file formats the real loaders
// read. Neither needs Python or the network. Measurements then run in a
// fresh process, so the build does not count in its memory or timings.
// Each one waits for other processes to leave the cores idle, and is timed
// again if they competed with it; the "others" column says how many cores
// they kept busy meanwhile.
//
//	go run ./bench/search            # 100k papers, table
//	go run ./bench/search -json      # one JSON object
//	go run ./bench/search -cpuprofile cpu.prof -profile vector
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "search bench:", err)
		os.Exit(1)
	}
}

type config struct {
	n, queries  int
	json        bool
	cache       string
	testdata    string
	cpuprofile  string
	profile     string
	measureOnly bool
	waitIdle    time.Duration
	retries     int
	phases      []string // nil: all
}

// phases are the measurements, in the order they run; -profile picks one.
var phases = []string{"open", "vector", "vector-filter", "embed", "hybrid", "hybrid-explain", "semantic", "keyword"}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("search-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.n, "n", 100000, "papers in the synthetic index")
	fs.IntVar(&c.queries, "queries", 200, "timed searches per measurement (distinct queries)")
	fs.BoolVar(&c.json, "json", false, "print one JSON object instead of a table")
	fs.StringVar(&c.cache, "cache", "bench/.cache", "directory for the synthetic index and the random model")
	fs.StringVar(&c.testdata, "testdata", "testdata/models", "directory holding tiny-bin and tiny-bin-adapter-query (tokenizer and adapter config)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the measurements to this file")
	fs.StringVar(&c.profile, "profile", "all", "which measurement -cpuprofile covers: all, or one of "+fmt.Sprint(phases))
	fs.DurationVar(&c.waitIdle, "wait-idle", 3*time.Minute, "before each measurement, wait up to this long for other work on the machine to stop (0: don't)")
	fs.IntVar(&c.retries, "retries", 2, "time a measurement again up to this many times while other processes compete for the cores")
	only := fs.String("phases", "", "comma-separated measurements to run (default all): "+strings.Join(phases[1:], ","))
	fs.BoolVar(&c.measureOnly, "measure-only", false, "measure the cached index and model without building (used by the command itself)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if *only != "" {
		c.phases = strings.Split(*only, ",")
	}
	for _, p := range c.phases {
		if p == "open" || !slices.Contains(phases, p) {
			return config{}, fmt.Errorf("-phases: %q is none of %s", p, strings.Join(phases[1:], ","))
		}
	}
	switch {
	case c.n < 1000:
		return config{}, errors.New("-n must be at least 1000")
	case c.queries < 10:
		return config{}, errors.New("-queries must be at least 10")
	case c.profile != "all" && !slices.Contains(phases, c.profile):
		return config{}, fmt.Errorf("-profile %q is none of all %v", c.profile, phases)
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	dir := indexDir(c.cache, c.n)
	bi, ok := cachedIndex(dir, c.n)
	built := false
	if !ok {
		if c.measureOnly {
			return fmt.Errorf("no usable index in %s", dir)
		}
		fmt.Fprintf(stderr, "building a %d-paper index in %s (once) ...\n", c.n, dir)
		if bi, err = buildIndex(ctx, dir, c.n, stderr); err != nil {
			return fmt.Errorf("build index: %w", err)
		}
		fmt.Fprintf(stderr, "built in %.0f s: %s, %.0f bytes per paper\n", bi.TotalS, mb(bi.FileBytes), float64(bi.FileBytes)/float64(c.n))
		built = true
	}
	if !modelCached(c.cache) {
		if c.measureOnly {
			return fmt.Errorf("no random model in %s", modelDir(c.cache))
		}
		fmt.Fprintf(stderr, "writing a random BERT-base and query adapter to %s (once) ...\n", modelDir(c.cache))
		if err := writeModel(c.cache, c.testdata, synth.NewGen(corpusSeed).Vocab); err != nil {
			return fmt.Errorf("write model: %w", err)
		}
		built = true
	}
	if built {
		return measureElsewhere(ctx, args, stdout, stderr)
	}
	rep, err := measure(ctx, c, bi, stderr)
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

// measureElsewhere runs the measurements in a fresh process, so the
// memory and caches the build left behind do not count.
func measureElsewhere(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, append(slices.Clone(args), "-measure-only")...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("measure: %w", err)
	}
	return nil
}

// profiler writes a CPU profile of one phase, or of all of them.
type profiler struct {
	path, phase string
	f           *os.File
}

func (p *profiler) start(phase string) error {
	if p.path == "" || p.f != nil || (p.phase != "all" && p.phase != phase) {
		return nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return fmt.Errorf("create cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("start cpu profile: %w", err)
	}
	p.f = f
	return nil
}

func (p *profiler) stop(phase string) error {
	if p.f == nil || (p.phase == "all" && phase != "") || (p.phase != "all" && p.phase != phase) {
		return nil
	}
	pprof.StopCPUProfile()
	err := p.f.Close()
	p.f = nil
	return err
}

// since is the time elapsed since t, in milliseconds.
func since(t time.Time) float64 { return float64(time.Since(t)) / float64(time.Millisecond) }
