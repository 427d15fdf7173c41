// Command openreview-fake runs the fake OpenReview API (both hosts) from
// internal/openreview/openreviewtest for manual runs and demos, until it
// gets SIGINT or SIGTERM.
//
// Usage:
//
//	openreview-fake [-addr 127.0.0.1:3001] [-v1-addr 127.0.0.1:3000] [-scale 2500] [-seed 0]
//	                [-user test@example.org] [-password secret] [-gate html|json] [-rate-limit 0] [-v]
//
// It prints the base URLs, the credentials and the environment variables
// that point openreview-finder at it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/openreview-finder/openreview-finder/internal/openreview/openreviewtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "openreview-fake:", err)
		os.Exit(2)
	}
}

// run starts the fake, prints how to use it, and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("openreview-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:3001", "listen address of the API v2 host (api2.openreview.net)")
	v1Addr := fs.String("v1-addr", "127.0.0.1:3000", "listen address of the API v1 host (api.openreview.net)")
	scale := fs.Int("scale", 2500, "number of ICLR 2025 submissions")
	seed := fs.Int64("seed", 0, "seed of the generated data")
	user := fs.String("user", "test@example.org", "login id the fake accepts")
	password := fs.String("password", "secret", "password the fake accepts")
	gate := fs.String("gate", "html", "how anonymous /notes requests are refused: html (200 challenge page) or json (403)")
	rateLimit := fs.Int("rate-limit", 0, "notes requests per hour per token before 429 (0: unlimited)")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	opts := openreviewtest.Options{
		Users: map[string]string{*user: *password}, Seed: *seed, Scale: *scale, RateLimit: *rateLimit,
	}
	switch *gate {
	case "html":
		opts.Gate = openreviewtest.GateHTML
	case "json":
		opts.Gate = openreviewtest.GateJSON
	default:
		return fmt.Errorf("-gate %q: want html or json", *gate)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts.Logger = log
	s, err := openreviewtest.Listen(opts, *addr, *v1Addr)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(stdout, "fake OpenReview API v2 at %s\nfake OpenReview API v1 at %s\n", s.URL, s.V1URL)
	fmt.Fprintf(stdout, "log in as %s with password %s\n\n", *user, *password)
	fmt.Fprintf(stdout, "export OPENREVIEW_BASEURL=%s\nexport OPENREVIEW_V1_BASEURL=%s\n", s.URL, s.V1URL)
	fmt.Fprintf(stdout, "export OPENREVIEW_USERNAME=%s\nexport OPENREVIEW_PASSWORD=%s\n", shellQuote(*user), shellQuote(*password))
	log.Info("serving", "v2", s.URL, "v1", s.V1URL, "venues", len(s.Venues()))
	<-ctx.Done()
	log.Info("stopping")
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '@' || r == '.' || r == '_' || r == '-' || r == '~' || r == '+') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
