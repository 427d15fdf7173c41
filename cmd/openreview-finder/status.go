package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

func runStatus(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("status", env.getenv, stderr)
	cfg.dataFlags(fs)
	if _, err := fs.parse(args); err != nil {
		return flagError(err)
	}
	st, err := openIndex(ctx, &cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	counts, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	total := 0
	for _, c := range counts {
		total += c.Papers
	}
	fmt.Fprintf(stdout, "Index %s: %d papers", cfg.indexPath(), total)
	if fi, err := os.Stat(cfg.indexPath()); err == nil && total > 0 {
		fmt.Fprintf(stdout, ", %.1f MB (%.1f KB per paper)", float64(fi.Size())/1e6, float64(fi.Size())/1e3/float64(total))
	}
	fmt.Fprintln(stdout)
	if total == 0 {
		return nil
	}
	if err := writeStatusTable(stdout, counts); err != nil {
		return err
	}
	return writeVectorStatus(ctx, stdout, st, total)
}

// writeVectorStatus says how many papers semantic search covers, and with
// which model.
func writeVectorStatus(ctx context.Context, w io.Writer, st *store.Store, total int) error {
	model, ok, err := st.EmbeddingModel(ctx)
	if err != nil {
		return err
	}
	if !ok {
		_, err := fmt.Fprintln(w, "\nNo vectors: semantic search is off (run \"openreview-finder index\" without --no-embed).")
		return err
	}
	n, err := st.VectorCount(ctx)
	if err != nil {
		return err
	}
	pending, err := st.CountPendingEmbeddings(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nVectors: %d of %d papers, made with %s", n, total, model)
	if pending > 0 {
		fmt.Fprintf(w, "; %d to embed (run \"openreview-finder index\")", pending)
	}
	_, err = fmt.Fprintln(w, ".")
	return err
}

// statusColumns are the table's count columns: each status, with the
// accepted papers also split by presentation.
var statusColumns = []struct {
	head string
	st   paper.Status
	pres paper.Presentation
}{
	{"ACCEPTED", paper.StatusAccepted, ""},
	{"ORAL", paper.StatusAccepted, paper.PresentationOral},
	{"SPOTLIGHT", paper.StatusAccepted, paper.PresentationSpotlight},
	{"POSTER", paper.StatusAccepted, paper.PresentationPoster},
	{"REJECTED", paper.StatusRejected, ""},
	{"WITHDRAWN", paper.StatusWithdrawn, ""},
	{"DESK-REJECTED", paper.StatusDeskRejected, ""},
	{"UNDER-REVIEW", paper.StatusUnderReview, ""},
}

func writeStatusTable(w io.Writer, counts []store.Count) error {
	type row struct {
		label, id string
		n         []int
		total     int
	}
	var rows []*row
	byID := map[string]*row{}
	for _, c := range counts {
		r := byID[c.VenueID]
		if r == nil {
			r = &row{label: c.Venue, id: c.VenueID, n: make([]int, len(statusColumns))}
			byID[c.VenueID] = r
			rows = append(rows, r)
		}
		r.total += c.Papers
		for i, col := range statusColumns {
			if c.Status == col.st && (col.pres == "" || col.pres == c.Presentation) {
				r.n[i] += c.Papers
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b *row) int { return cmp.Compare(a.label+a.id, b.label+b.id) })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "VENUE\tID\t")
	for _, col := range statusColumns {
		fmt.Fprint(tw, col.head+"\t")
	}
	fmt.Fprintln(tw, "TOTAL\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t", r.label, r.id)
		for _, n := range r.n {
			fmt.Fprint(tw, strconv.Itoa(n)+"\t")
		}
		fmt.Fprintf(tw, "%d\t\n", r.total)
	}
	return tw.Flush()
}
