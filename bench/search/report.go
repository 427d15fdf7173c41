package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
)

// The targets.
const (
	targetVectorP50 = 15.0   // ms, semantic search with the query vector given
	targetE2EP50    = 50.0   // ms, search including query embedding
	targetOpen      = 2000.0 // ms, store open and engine ready
	targetBytes     = 6000.0 // bytes per paper on disk
)

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

func printReport(w io.Writer, r *report) {
	fmt.Fprintf(w, "search benchmark: %d papers, %d vectors (%d-d %s), GOMAXPROCS=%d, %s\n",
		r.Papers, r.Vectors, dim, benchModel.Encoding, r.GOMAXPROCS, r.Backend)
	b := r.Build
	fmt.Fprintf(w, "index built %s in %.0f s: commit %.0f s (%.0f papers/s), vectors %.0f s, optimize %.0f s\n\n",
		b.BuiltAt, b.TotalS, b.CommitS, b.PapersPerSec, b.VectorsS, b.OptimizeS)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "measurement\tp50 ms\tp90 ms\tp99 ms\tmax ms\tn\tothers\ttarget\t\t")
	row := func(name string, l latency, target string) {
		if l.N == 0 {
			return // not measured (-phases)
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%.2f\t%s\t\n", name, l.P50, l.P90, l.P99, l.Max, l.N, l.Others, target)
	}
	p50 := func(l latency, t float64) string { return fmt.Sprintf("p50 ≤ %.0f %s", t, verdict(l.P50 <= t)) }
	row("semantic, vector given", r.Vector, p50(r.Vector, targetVectorP50))
	row(fmt.Sprintf("  + venue/year filter (%d pass)", r.FilterPassing), r.VectorFiltered, p50(r.VectorFiltered, targetVectorP50))
	row(fmt.Sprintf("query embedding (%.1f tokens)", r.QueryTokens), r.Embed, "")
	row("hybrid, end to end", r.Hybrid, p50(r.Hybrid, targetE2EP50))
	row("  queries without function words", r.HybridContent, p50(r.HybridContent, targetE2EP50))
	row("  with Explain", r.HybridExplain, p50(r.HybridExplain, targetE2EP50))
	row("semantic, end to end", r.Semantic, p50(r.Semantic, targetE2EP50))
	row("keyword only", r.Keyword, "")
	row("  queries without function words", r.KeywordContent, "")
	tw.Flush()

	fmt.Fprintln(w)
	fmt.Fprintf(w, "open (store.Open + search.Open, ready): %7.0f ms   target ≤ %.0f ms %s\n", r.OpenMS, targetOpen, verdict(r.OpenMS <= targetOpen))
	fmt.Fprintf(w, "query encoder load (BERT-base + adapter): %5.0f ms   (with open: %.0f ms %s)\n", r.ModelLoadMS, r.ModelLoadMS+r.OpenMS, verdict(r.ModelLoadMS+r.OpenMS <= targetOpen))
	fmt.Fprintf(w, "first search after open:                %7.1f ms\n", r.FirstSearchMS)
	fmt.Fprintf(w, "disk: %.0f bytes per paper (%s file + WAL)   target ≤ %.0f %s\n", r.BytesPerPaper, mb(r.FileBytes), targetBytes, verdict(r.BytesPerPaper <= targetBytes))
	fmt.Fprintf(w, "      pages in use %s (%.0f per paper), free %s\n", mb(r.Disk.UsedBytes), float64(r.Disk.UsedBytes)/float64(r.Papers), mb(r.Disk.FreeBytes))
	names := slices.SortedFunc(maps.Keys(r.Disk.ByTable), func(a, b string) int { return cmp.Compare(r.Disk.ByTable[b], r.Disk.ByTable[a]) })
	for _, n := range names {
		if bytes := r.Disk.ByTable[n]; bytes >= r.Disk.UsedBytes/200 {
			fmt.Fprintf(w, "      %-28s %10s  %6.0f per paper\n", n, mb(bytes), float64(bytes)/float64(r.Papers))
		}
	}
	fmt.Fprintf(w, "peak RSS: %.0f MiB\n", r.PeakRSSMiB)
	fmt.Fprintf(w, "load average: %.2f before, %.2f after; \"others\": cores other processes kept busy meanwhile\n", r.LoadBefore, r.LoadAfter)
}
