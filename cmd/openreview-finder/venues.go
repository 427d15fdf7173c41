package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

func runVenues(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var (
		cfg   config
		match string
		limit int
	)
	fs := newFlagSet("venues", env.getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openreview-finder venues [--match TEXT] [--limit N]")
		fs.PrintDefaults()
	}
	cfg.openReviewFlags(fs)
	fs.stringVar(&cfg.LogLevel, "log-level", "ORF_LOG_LEVEL", "warn", "log level: debug, info, warn or error")
	fs.stringVar(&match, "match", "", "", "only venue ids containing this text (case ignored), e.g. ICLR or 2025")
	fs.IntVar(&limit, "limit", 40, "look up the API version and name of at most this many matching venues (one request each)")
	pos, err := fs.parse(args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) > 0 {
		match = strings.Join(append([]string{match}, pos...), " ")
	}
	log, err := cfg.logger(env, stderr)
	if err != nil {
		return err
	}
	client, err := cfg.openReview(env, log)
	if err != nil {
		return err
	}
	ids, err := client.VenueIDs(ctx)
	if err != nil {
		return fmt.Errorf("list venues: %w", err)
	}
	ids = filterIDs(ids, match)
	if len(ids) == 0 {
		fmt.Fprintf(stdout, "No venue id contains %q.\n", match)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VENUE ID\tAPI\tNAME")
	for i, id := range ids {
		if i >= limit {
			fmt.Fprintf(tw, "%s\t?\t\n", id)
			continue
		}
		info, err := client.ResolveVenue(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(tw, "%s\t-\t(%s)\n", id, err)
			continue
		}
		fmt.Fprintf(tw, "%s\tv%d\t%s\n", id, info.APIVersion, info.Label)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(ids) > limit {
		fmt.Fprintf(stdout, "%d venues match; the API version of the first %d was looked up. Narrow --match or raise --limit.\n", len(ids), limit)
	}
	return nil
}

// filterIDs keeps the ids containing match (case ignored), sorted.
func filterIDs(ids []string, match string) []string {
	m := strings.ToLower(strings.TrimSpace(match))
	var out []string
	for _, id := range ids {
		if m == "" || strings.Contains(strings.ToLower(id), m) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
