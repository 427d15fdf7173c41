// Command startup measures issue 6's target: from the start of
// `openreview-finder serve`, configured as the Hugging Face Space's
// container is, to serving semantic search over an ICLR-2025-sized index
// (12,000 papers) pulled from a Hub snapshot, at most 60 s on 2 vCPU.
//
// It builds the binary, and once, under -cache, a synthetic index of ICLR
// 2025 papers (bench/internal/synth) with a random unit vector each, stored
// as `serve`'s SPECTER2 defaults would store them, and its snapshot
// (snapshot.Create); and a random BERT-base of SPECTER2's exact shape with
// its proximity and query adapters (bench/internal/bertgen). A fake Hub
// (internal/hfhub/hubtest) in this process serves allenai/specter2_base,
// allenai/specter2, allenai/specter2_adhoc_query and the dataset
// bench/orf-index holding the snapshot.
//
// Each start runs `openreview-finder serve` in a fresh HOME with the
// Space's environment only (ORF_INDEX_REPO, ORF_WORK_DIR, a data
// directory it cannot write, HF_ENDPOINT at the fake Hub, no ORF_VENUES)
// and times, from the process start, the first /healthz 200, the snapshot
// pulled and verified, the first keyword and the first semantic results
// of /api/search (the target), then stops it with SIGTERM and wants exit
// status 0. Cold starts begin with an empty Hub cache, so the model is
// downloaded too; warm-model starts with the model already in the cache,
// as a preload or a bucket gives. With podman and the image of
// scripts/podman/build.sh, the image is timed too (-podman).
//
//	go run ./bench/startup                       # 3 starts of each kind, table
//	go run ./bench/startup -runs 1 -wait-idle 0  # quick
//	go run ./bench/startup -json
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
	"path/filepath"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "startup bench:", err)
		os.Exit(1)
	}
}

type config struct {
	runs     int
	papers   int
	json     bool
	cache    string
	testdata string
	waitIdle time.Duration
	patience time.Duration
	podman   string // "auto" or "off"
	image    string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("startup-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.runs, "runs", 3, "starts of each kind (cold, warm-model, podman)")
	fs.IntVar(&c.papers, "papers", 12000, "papers in the synthetic ICLR 2025 index")
	fs.BoolVar(&c.json, "json", false, "print one JSON object instead of a table")
	fs.StringVar(&c.cache, "cache", "bench/.cache/startup", "directory for the binary, the snapshot, the random model and the runs' logs")
	fs.StringVar(&c.testdata, "testdata", "testdata/models", "directory holding tiny-bin and tiny-bin-adapter-query (tokenizer and adapter config)")
	fs.DurationVar(&c.waitIdle, "wait-idle", 3*time.Minute, "before each start, wait up to this long for other work on the machine to stop (0: don't)")
	fs.DurationVar(&c.patience, "patience", 5*time.Minute, "how long one start may take to serve semantic search (or to exit after SIGTERM) before it fails")
	fs.StringVar(&c.podman, "podman", "auto", "time the Space's image with podman too: auto (when podman and the image are there) or off")
	fs.StringVar(&c.image, "image", "localhost/openreview-finder:dev", "the image for -podman (scripts/podman/build.sh's tag)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	switch {
	case fs.NArg() > 0:
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.runs < 1:
		return config{}, errors.New("-runs must be at least 1")
	case c.papers < 1000:
		return config{}, errors.New("-papers must be at least 1000")
	case c.podman != "auto" && c.podman != "off":
		return config{}, fmt.Errorf("-podman must be auto or off, not %q", c.podman)
	}
	var err error
	if c.cache, err = filepath.Abs(c.cache); err != nil {
		return config{}, err
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
	stamp, err := prepare(ctx, c, stderr)
	if err != nil {
		return err
	}
	rep := newReport(c, stamp)
	if err := rep.describe(c); err != nil {
		return err
	}
	q := queries{keyword: stamp.KeywordQuery, semantic: semanticQuery()}
	err = withHub(c, func(hub *hubtest.Server) error { return measureAll(ctx, c, hub, q, rep, stderr) })
	if err != nil {
		return err
	}
	rep.finish()
	if c.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(stdout)
	return nil
}

// semanticQuery is a query of the synthetic papers' words, as a person
// would type it.
func semanticQuery() string {
	g := synth.NewGen(corpusSeed)
	g.Reseed(99)
	return g.Query()
}

// measureAll times the starts, cold and warm-model in turn (so a drift of
// the machine's speed touches both alike), then the image's.
func measureAll(ctx context.Context, c config, hub *hubtest.Server, q queries, rep *report, log io.Writer) error {
	fmt.Fprintf(log, "filling a Hub cache with the model (openreview-finder model pull) ...\n")
	cache, err := modelCache(ctx, binaryPath(c.cache), filepath.Join(c.cache, "runs"), hub)
	defer os.RemoveAll(filepath.Join(c.cache, "runs"))
	if err != nil {
		return err
	}
	for i := 1; i <= c.runs; i++ {
		for _, kind := range []string{kindCold, kindWarm} {
			from := ""
			if kind == kindWarm {
				from = cache
			}
			t, err := localTarget(c, kind, from)
			if err != nil {
				return err
			}
			s, err := measureOne(ctx, c, hub, t, i, q, log)
			if err != nil {
				return err
			}
			rep.add(s)
		}
	}
	if rep.PodmanSkipped == "" {
		for i := 1; i <= c.runs; i++ {
			s, err := measureOne(ctx, c, hub, podmanTarget(c, c.image, i), i, q, log)
			if err != nil {
				// The image is an extra: its failure is reported, not fatal.
				rep.PodmanSkipped = "the image failed: " + firstLine(err.Error())
				fmt.Fprintf(log, "podman: %v\n", err)
				break
			}
			rep.add(s)
		}
	}
	return nil
}
