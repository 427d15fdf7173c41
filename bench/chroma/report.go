package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

func printReport(w io.Writer, r *report) {
	ix := r.Indexing
	fmt.Fprintf(w, "embedded SQLite store vs Chroma, %d papers, 768-d random vectors, top %d, query vectors given (no model)\n", r.Papers, topK)
	fmt.Fprintf(w, "GOMAXPROCS %d, %s; load1 %.2f → %.2f\n\n", r.GOMAXPROCS, r.Backend, r.LoadBefore, r.LoadAfter)

	fmt.Fprintln(w, "indexing")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tseconds\tpapers/s\tdetail\t")
	fmt.Fprintf(tw, "embedded\t%.1f\t%.0f\tcommit %.1f s + vectors %.1f s\t\n", ix.EmbeddedS, ix.EmbeddedPPS, ix.CommitS, ix.VectorsS)
	fmt.Fprintf(tw, "chroma\t%.1f\t%.0f\tchromastore.Upload from the store (server started in %.0f ms)\t\n", ix.ChromaS, ix.ChromaPPS, r.ChromaStartMS)
	fmt.Fprintf(tw, "ratio\t\t%.1f×\tembedded papers/s ÷ chroma papers/s\t\n", ratio(ix.EmbeddedPPS, ix.ChromaPPS))
	tw.Flush()
	fmt.Fprintf(w, "engine open: embedded %.0f ms (loads the vectors), chroma %.0f ms\n\n", r.OpenEmbeddedMS, r.OpenChromaMS)

	fmt.Fprintf(w, "searches (%.0f s per cell, %d distinct queries in turn; \"others\" = cores other processes kept busy, Chroma's server apart)\n", r.DurationS, r.Queries)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tclients\temb q/s\temb p50\temb p99\tchroma q/s\tchroma p50\tchroma p99\tp50 ×\tq/s ÷\tchroma srv cores\tothers\ttop-10 overlap\t")
	for _, x := range r.Rows {
		e, c := x.Embedded, x.Chroma
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%.1f\t%.1f\t%.2f\t%.2f/%.2f\t%.0f%%\t\n",
			x.Workload, x.Clients, e.Throughput, e.P50, e.P99, c.Throughput, c.P50, c.P99,
			ratio(c.P50, e.P50), ratio(e.Throughput, c.Throughput), x.ChromaCores, e.Others, c.Others, 100*r.Overlap[x.Workload])
	}
	tw.Flush()
	fmt.Fprintln(w, "p50 × = chroma p50 ÷ embedded p50; q/s ÷ = embedded q/s ÷ chroma q/s; latencies in ms")
	fmt.Fprintf(w, "memory: Chroma server RSS %.0f MiB at the end; this process's peak RSS %.0f MiB (corpus, store, in-memory vectors)\n", r.ChromaRSSMiB, r.OwnPeakRSSMiB)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
